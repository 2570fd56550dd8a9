"""What `planlint init` finds on disk: the models to choose from and what a dataset file holds."""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planlint.commands.init.values import Invalid
from planlint.config import Config

#: Dataset files larger than this are not opened to offer their split counts.
MAX_DATASET_BYTES = 100 * 1024 * 1024


WEIGHT_SUFFIXES = (".safetensors", ".bin")


@dataclass(frozen=True)
class Model:
    """A base model to plan with: its folder name, path and size on disk where known."""

    name: str
    path: str
    size_gb: float | None = None
    estimated: bool = False  # the size comes from config.json's shape, not from weight files

    @property
    def size_text(self) -> str:
        if self.size_gb is None:
            return ""
        return ("~" if self.estimated else "") + f"{number_text(self.size_gb)} GB"


def number_text(x: float) -> str:
    """A size as a short decimal: 2.5, 0.001 (never 1e-05)."""
    if x >= 0.1:
        return f"{round(x, 1):g}"
    return f"{x:.3f}".rstrip("0").rstrip(".") or "0"


def models_folder(config: Config, override: str | Path | None) -> Path | None:
    """The folder whose sub-folders are the models to choose from (`--models-dir`, else config)."""
    if override is not None:
        return Path(os.path.expanduser(str(override))).absolute()
    if not config.models_dir:
        return None
    text = config.models_dir
    if "{scratch}" in text and config.scratch:
        text = text.replace("{scratch}", config.scratch)
    p = Path(os.path.expanduser(text))
    return p if p.is_absolute() else config.root / p


def find_models(folder: Path) -> list[Model]:
    """Sub-folders holding a config.json, by name, each with its size where the folder tells it."""
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name.lower())
    except OSError:
        return []
    out = []
    for entry in entries:
        if entry.name.startswith(".") or not (entry / "config.json").is_file():
            continue
        size, estimated = model_size_gb(entry)
        out.append(Model(entry.name, str(entry.absolute()), size, estimated))
    return out


def model_size_gb(folder: Path) -> tuple[float | None, bool]:
    """Size in GB: the weight files (*.safetensors, *.bin) summed, else estimated from config.json."""
    total = 0
    try:
        for f in folder.iterdir():
            if f.suffix in WEIGHT_SUFFIXES and f.is_file():
                total += f.stat().st_size
    except OSError:
        return None, False
    if total:
        return total / 1e9, False
    try:
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, False
    estimate = size_from_config(cfg) if isinstance(cfg, dict) else None
    return estimate, estimate is not None


def size_from_config(cfg: dict[str, Any]) -> float | None:
    """A decoder-only transformer's weight size from its config.json shape (Llama-3.2-1B: ~2.5 GB)."""
    width = {"float32": 4, "bfloat16": 2, "float16": 2}.get(
        str(cfg.get("torch_dtype") or cfg.get("dtype")), 2
    )
    params = cfg.get("num_parameters")
    if isinstance(params, int) and params > 0:
        return params * width / 1e9
    keys = ("hidden_size", "num_hidden_layers", "vocab_size", "intermediate_size", "num_attention_heads")
    shape = [cfg.get(k) for k in keys]
    if not all(isinstance(v, int) and v > 0 for v in shape):
        return None
    h, layers, vocab, inter, heads = (int(v) for v in shape)  # type: ignore[arg-type]
    kv = cfg.get("num_key_value_heads") or heads
    head_dim = cfg.get("head_dim") or h // heads
    attention = 2 * h * heads * head_dim + 2 * h * kv * head_dim  # q, o + k, v
    mlp = 3 * h * inter  # gate, up, down
    embeddings = vocab * h * (1 if cfg.get("tie_word_embeddings") else 2)
    return (layers * (attention + mlp) + embeddings) * width / 1e9


def short_names(models: list[Model]) -> dict[str, str]:
    """`short` names for run names: `Llama-3.2-1B-Instruct` -> `Llama-3.2-1B`, as in the checklist."""
    names = {m.name for m in models}
    shorts: dict[str, str] = {}
    for m in models:
        short = re.sub(r"[-_]instruct$", "", m.name, flags=re.IGNORECASE)
        if short != m.name and short and short not in names:
            shorts[m.name] = short
    counts: dict[str, int] = {}
    for s in shorts.values():
        counts[s] = counts.get(s, 0) + 1
    return {k: v for k, v in shorts.items() if counts[v] == 1}


@dataclass(frozen=True)
class Dataset:
    """The training data file as the plan writes it, and what the file says where it can be read."""

    text: str  # as written into plan.yaml
    found: Path | None = None
    counts: dict[str, int] | None = None  # split -> records, from a {"train": [...], ...} file
    total: int | None = None  # records of a file that is one list
    note: str | None = None

    @property
    def label(self) -> str:
        name = self.text.rstrip("/").rsplit("/", 1)[-1]
        return name.rsplit(".", 1)[0] if "." in name else name

    @property
    def format(self) -> str | None:
        name = self.text.rsplit("/", 1)[-1]
        return name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else None

    @property
    def size_kb(self) -> int | None:
        try:
            return math.ceil(self.found.stat().st_size / 1024) if self.found else None
        except OSError:
            return None


def read_counts(path: Path) -> tuple[dict[str, int] | None, int | None]:
    """Split counts of a JSON file of {"train": [...], "validation": [...], "test": [...]}."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_DATASET_BYTES:
            return None, None
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None, None
    if isinstance(data, list):
        return None, len(data)
    if isinstance(data, dict) and isinstance(data.get("train"), list):
        return {
            k: len(data[k]) for k in ("train", "validation", "test") if isinstance(data.get(k), list)
        }, None
    return None, None


def written_path(text: str, folder: Path) -> tuple[str, Path | None]:
    """A typed path as plan.yaml writes it (relative paths are relative to the plan's folder)."""
    text = text.strip()
    p = Path(os.path.expanduser(text))
    if p.is_absolute():
        return text, p if p.exists() else None
    if (folder / p).exists():
        return text, folder / p
    if p.exists():  # typed relative to the working folder: rewrite it relative to the plan's folder
        rel = os.path.relpath(p.absolute(), folder.absolute())
        return Path(rel).as_posix(), p
    return text, None


def check_missing(text: str, folder: Path) -> None:
    """A path that is not here is fine on a cluster path; in a folder that is here, it is a typo."""
    p = Path(os.path.expanduser(text.strip()))
    for parent in [p.parent] if p.is_absolute() else [(folder / p).parent, p.parent]:
        if parent.is_dir():
            try:
                siblings = sorted(e.name for e in parent.iterdir())[:2000]
            except OSError:
                continue
            close = difflib.get_close_matches(p.name, siblings, n=1, cutoff=0.6)
            hint = f": did you mean {(p.parent / close[0]).as_posix()}?" if close else ""
            raise Invalid(f"{text} does not exist{hint}")
