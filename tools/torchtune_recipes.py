"""Build planlint/plan/recipes.json from torchtune's recipe configs (run: python tools/torchtune_recipes.py).

Reads `recipes/configs/**/*.yaml` of a torchtune checkout (default: the v0.6.1 copy in
../shared/reference/torchtune-configs) and writes, per recipe name as `tune` spells it
(`llama3_2/1B_lora_single_device`), the values a fine-tuning plan can leave unset.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

#: recipe-config path -> planlint key (the names cruijff_kit's setup_finetune.py uses).
FIELDS = {
    "batch_size": ("batch_size",),
    "gradient_accumulation_steps": ("gradient_accumulation_steps",),
    "epochs": ("epochs",),
    "num_warmup_steps": ("lr_scheduler", "num_warmup_steps"),
    "packed": ("dataset", "packed"),
    "max_seq_len": ("tokenizer", "max_seq_len"),
    "lora_rank": ("model", "lora_rank"),
    "lora_dropout": ("model", "lora_dropout"),
    "lr": ("optimizer", "lr"),
    "weight_decay": ("optimizer", "weight_decay"),
}
_REFERENCE = "shared/reference/torchtune-configs/recipes/configs"
#: The first ancestor folder holding the reference copy (the repository sits beside `shared/`).
DEFAULT_SOURCE = next(
    (p / _REFERENCE for p in Path(__file__).resolve().parents if (p / _REFERENCE).is_dir()),
    Path(_REFERENCE),
)
OUT = Path(__file__).resolve().parents[1] / "planlint/plan/recipes.json"


def _get(config: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        if not isinstance(config, dict) or step not in config:
            return None
        config = config[step]
    return config


def _number(value: Any) -> Any:
    if isinstance(value, str):  # e.g. `lr: 2e-5` read as text by a YAML 1.1 reader
        try:
            return float(value)
        except ValueError:
            return None
    return value


def build(source: Path, version: str) -> dict[str, Any]:
    """The table: {"torchtune_version", "source", "recipes": {name: {key: value}}}."""
    yaml = YAML(typ="safe", pure=True)
    recipes: dict[str, dict[str, Any]] = {}
    for path in sorted(source.rglob("*.yaml")):
        config = yaml.load(path.read_text(encoding="utf-8"))
        if not isinstance(config, dict) or "optimizer" not in config:
            continue  # evaluation, generation and quantization configs train nothing
        values = {}
        for key, where in FIELDS.items():
            value = _number(_get(config, where))
            if value is not None and not isinstance(value, (dict, list)):
                values[key] = value
        recipes[path.relative_to(source).with_suffix("").as_posix()] = values
    return {
        "torchtune_version": version,
        "source": "pytorch/torchtune recipes/configs/ at tag v" + version,
        "recipes": recipes,
    }


def main() -> None:
    """Write the table (or check that the committed one is current with --check)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--version", default="0.6.1")
    parser.add_argument("--check", action="store_true", help="exit 1 if recipes.json is stale")
    args = parser.parse_args()
    text = json.dumps(build(args.source, args.version), indent=1, sort_keys=False) + "\n"
    if args.check:
        raise SystemExit(0 if OUT.read_text(encoding="utf-8") == text else 1)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10))} lines)")


if __name__ == "__main__":
    main()
