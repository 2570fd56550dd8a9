"""`planlint init`: the planning checklist as an interview (or flags), written as plan.yaml + PLAN.md."""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planlint.config import Config
from planlint.errors import UsageError
from planlint.plan.naming import NAME_CHARS, norm, quote

#: Asks one question on the terminal and returns the typed answer ("" when Enter was pressed).
Ask = Callable[[str], str]
Echo = Callable[[str], None]

PLAN_FILE = "plan.yaml"
DOC_FILE = "PLAN.md"
#: The checklist's default for epochs is "1-2": a one-epoch plan is the cheaper start.
DEFAULT_EPOCHS = "1"
DEFAULT_BATCH_SIZE = "4"
#: torchtune's default `lr_scheduler.num_warmup_steps` (the PL302 rule counts against it too).
TORCHTUNE_WARMUP = 100
#: Dataset files larger than this are not opened to offer their split counts.
MAX_DATASET_BYTES = 100 * 1024 * 1024
WEIGHT_SUFFIXES = (".safetensors", ".bin")
DATASET_TYPES = ("chat_completion", "text_completion")
_CHAT_MODEL = re.compile(r"instruct|chat|(^|[-_.])it($|[-_.])", re.IGNORECASE)
_VARIABLE_SPLIT = re.compile(r"[\s;]+(?=[A-Za-z_][A-Za-z0-9_]*\s*=)")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLAIN_PATH = re.compile(r"^(?:/|\./|\.\./|~/)[A-Za-z0-9._/+-]*$")

#: Every answer: its key (also the key in a --from-answers file) and the flag that gives it.
ANSWERS: dict[str, str] = {
    "name": "--name",
    "question": "--question",
    "hypothesis": "--hypothesis",
    "model": "--model",
    "dataset": "--dataset",
    "splits": "--splits",
    "vary": "--vary",
    "controls": "--controls/--no-controls",
    "epochs": "--epochs",
    "gpus": "--gpus",
    "validation": "--validation/--no-validation",
    "dataset_type": "--dataset-type",
    "system_prompt": "--system-prompt",
    "prompt": "--prompt",
    "packing": "--packing/--no-packing",
    "batch_size": "--batch-size",
    "lr": "--lr",
    "lora_rank": "--lora-rank",
    "eval_task": "--eval-task",
    "eval_script": "--eval-script",
    "date": "--date",
}
#: Natural spellings in an answers file.
ANSWER_ALIASES = {"models": "model", "variables": "vary", "base_controls": "controls", "packed": "packing"}


class InitError(UsageError):
    """init cannot go on: a missing or invalid answer, or files it must not overwrite (exit 2)."""


class Invalid(ValueError):
    """An answer that does not fit; the message says why, so the interview can ask again."""


# -- models ----------------------------------------------------------------------------------------


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


# -- data ------------------------------------------------------------------------------------------


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


# -- values ----------------------------------------------------------------------------------------


def yaml_str(value: str) -> str:
    """A string as a YAML scalar: plain when safe (paths too), else double-quoted with escapes."""
    if _PLAIN_PATH.match(value) and "//" not in value:
        return value
    out = quote(value)
    if out.startswith('"'):
        out = out.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return out


def unescape(text: str) -> str:
    """`\\n` typed at a prompt means a newline, as it does in the examples' double-quoted prompts."""
    return text.replace("\\n", "\n").replace("\\t", "\t")


@dataclass(frozen=True)
class Value:
    """A scalar answer: the YAML text to write (as typed for numbers) and the value it stands for."""

    text: str
    value: Any

    @property
    def shown(self) -> str:
        return self.value if isinstance(self.value, str) else self.text


def scalar(token: str) -> Value:
    """A typed value as YAML 1.2 reads it: `1e-5` a number written as typed, `yes` a string."""
    from planlint.plan.load import resolve_plain

    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        return Value(yaml_str(token[1:-1]), token[1:-1])
    tag = resolve_plain(token).rsplit(":", 1)[-1]
    if tag == "int" and re.fullmatch(r"[-+]?[0-9]+", token) and not re.fullmatch(r"[-+]?0[0-9]+", token):
        return Value(token, int(token))
    if tag == "float" and re.fullmatch(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", token):
        return Value(token, float(token))
    if tag == "bool":
        return Value(token.lower(), token.lower() == "true")
    return Value(yaml_str(token), token)


def _schema_controls() -> dict[str, Any]:
    from planlint.plan.schema import load_schema

    props = load_schema().get("properties", {}).get("controls", {}).get("properties", {})
    return props if isinstance(props, dict) else {}


_KINDS = {"integer": "a whole number", "number": "a number", "boolean": "true or false", "string": "text"}
_EXAMPLES = {"lr": "1e-5", "lora_rank": "8", "epochs": "1", "batch_size": "4", "gpus": "1"}


def typed(key: str, token: str) -> Value:
    """A value of hyper-parameter `key`, checked against the schema's type, minimum and choices."""
    spec = _schema_controls().get(key, {})
    v = scalar(token)
    kind = spec.get("type")
    what = f"{key} {token.strip()!r}" if key else repr(token.strip())
    if not token.strip():
        raise Invalid(f"{key}: a value is missing")
    example = f" (e.g. {_EXAMPLES[key]})" if key in _EXAMPLES else ""
    if kind == "integer" and not (isinstance(v.value, int) and not isinstance(v.value, bool)):
        raise Invalid(f"{what} is not {_KINDS[kind]}{example}")
    if kind == "number" and (isinstance(v.value, bool) or not isinstance(v.value, (int, float))):
        raise Invalid(f"{what} is not {_KINDS[kind]}{example}")
    if kind == "boolean" and not isinstance(v.value, bool):
        raise Invalid(f"{what} is not {_KINDS[kind]}")
    if kind == "string" and not isinstance(v.value, str):
        v = Value(yaml_str(token.strip()), token.strip())
    minimum = spec.get("minimum")
    if isinstance(minimum, (int, float)) and isinstance(v.value, (int, float)) and v.value < minimum:
        raise Invalid(f"{what} is below {minimum}")
    enum = spec.get("enum")
    if isinstance(enum, list) and v.value not in enum:
        raise Invalid(f"{what} is not one of {', '.join(map(str, enum))}")
    return v


def near_miss(key: str) -> str | None:
    """The known hyper-parameter a variable name probably means (`learning_rate` -> `lr`)."""
    from planlint.plan.schema import CONTROL_ALIASES

    known = sorted(_schema_controls())
    if key in known:
        return None
    if key in CONTROL_ALIASES:
        return CONTROL_ALIASES[key]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
    return close[0] if close else None


# -- the answers -----------------------------------------------------------------------------------


@dataclass
class Answers:
    """Everything init writes, parsed and checked."""

    name: str = ""
    question: str = ""
    hypothesis: str = ""
    models: list[Model] = field(default_factory=list)
    dataset: Dataset = field(default_factory=lambda: Dataset(""))
    splits: dict[str, int] = field(default_factory=dict)
    variables: list[tuple[str, list[Value]]] = field(default_factory=list)
    controls: bool = True
    epochs: Value = field(default_factory=lambda: Value("1", 1))
    gpus: Value = field(default_factory=lambda: Value("1", 1))
    validation: bool = True
    dataset_type: str = "chat_completion"
    system_prompt: str = ""
    prompt: str = "{input}"
    packing: bool = True
    batch_size: Value = field(default_factory=lambda: Value("4", 4))
    lr: Value | None = None
    lora_rank: Value | None = None
    eval_task: str = ""
    eval_script: str = ""
    date: str = ""

    def varied(self, key: str) -> list[Value] | None:
        return next((values for k, values in self.variables if k == key), None)


def yes_no(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("y", "yes", "true", "on", "1"):
        return True
    if text in ("n", "no", "false", "off", "0"):
        return False
    raise Invalid(f"{str(raw).strip()!r}: answer yes or no")


def parse_name(raw: Any) -> str:
    text = str(raw).strip()
    if not text:
        raise Invalid("an experiment name is needed")
    if not NAME_CHARS.match(text):
        bad = sorted({c for c in text if not NAME_CHARS.match(c)})
        shown = " and ".join("a space" if c == " " else repr(c) for c in bad[:3])
        fixed = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9._-]", "_", text)).strip("_")
        raise Invalid(
            f"{text!r} contains {shown}: use only letters, digits, '.', '_' and '-' (it names folders)"
            + (f", e.g. {fixed}" if fixed else "")
        )
    return text


def parse_required(what: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        text = str(raw).strip()
        if not text:
            raise Invalid(f"{what} is needed")
        return text

    return parse


def parse_splits(raw: Any, dataset: Dataset | None = None) -> dict[str, int]:
    """`800,100,100` (train, validation, test; the last two optional) or a mapping of them."""
    order = ("train", "validation", "test")
    if isinstance(raw, dict):
        unknown = [k for k in raw if k not in order]
        if unknown:
            raise Invalid(f"unknown split {unknown[0]!r}: the splits are train, validation and test")
        items = [(k, str(raw[k])) for k in order if k in raw]
    else:
        parts = [p for p in re.split(r"[\s,/]+", str(raw).strip()) if p]
        if len(parts) > 3:
            raise Invalid(f"{str(raw).strip()!r}: give at most three counts, train,validation,test")
        items = list(zip(order, parts, strict=False))
    if not items:
        raise Invalid("the number of training samples is needed, e.g. 800,100,100")
    splits: dict[str, int] = {}
    for split, text in items:
        if not re.fullmatch(r"[0-9]+", text.strip()):
            shown = str(raw).strip() if not isinstance(raw, dict) else text
            raise Invalid(f"{shown!r} is not a number: give sample counts like 800,100,100")
        splits[split] = int(text)
    if splits.get("train", 0) < 1:
        raise Invalid("the train split needs at least one sample")
    if dataset is not None:
        _match_file(splits, dataset)
    return splits


def _match_file(splits: dict[str, int], dataset: Dataset) -> None:
    """The counts must be the file's, or `planlint check` reports them (PL610)."""
    if dataset.counts is not None:
        for split, want in splits.items():
            got = dataset.counts.get(split)
            if got is None and want:
                raise Invalid(f"{dataset.text} has no {split!r} split")
            if got is not None and got != want:
                raise Invalid(
                    f"{dataset.text} holds {got} {split} records, not {want}: answer {counts_text(dataset.counts)}"
                )
    elif dataset.total is not None and sum(splits.values()) != dataset.total:
        raise Invalid(
            f"{dataset.text} holds {dataset.total} records in one list; the splits sum to {sum(splits.values())}"
        )


def counts_text(counts: dict[str, int]) -> str:
    return ",".join(str(counts[k]) for k in ("train", "validation", "test") if k in counts)


def parse_variables(raw: Any) -> list[tuple[str, list[Value]]]:
    """`lora_rank=4,8 lr=1e-5,5e-5` (or several such strings, or a mapping of lists)."""
    items: list[tuple[str, list[str]]] = []
    if isinstance(raw, dict):
        for key, values in raw.items():
            items.append((str(key), [str(v) for v in (values if isinstance(values, list) else [values])]))
    else:
        texts = raw if isinstance(raw, list) else [raw]
        for text in texts:
            for part in _VARIABLE_SPLIT.split(str(text).strip()):
                if not part:
                    continue
                if "=" not in part:
                    raise Invalid(f"{part!r}: write each variable as name=value,value (e.g. lora_rank=4,8)")
                key, _, values = part.partition("=")
                items.append((key.strip(), [v for v in re.split(r"\s*,\s*", values.strip()) if v]))
    out: list[tuple[str, list[Value]]] = []
    for key, tokens in items:
        if not _KEY.match(key):
            raise Invalid(f"{key!r} is not a parameter name (letters, digits and _)")
        if key in ("model", "models"):
            raise Invalid("models are chosen above, and each one gets the whole sweep: leave out model=")
        if any(k == key for k, _ in out):
            raise Invalid(f"{key} is given twice: list all its values once, e.g. {key}=4,8")
        target = near_miss(key)
        if target:
            raise Invalid(f"{key!r} is not a hyper-parameter torchtune knows: did you mean {target!r}?")
        if not tokens:
            raise Invalid(f"{key} has no values: e.g. {key}={_EXAMPLES.get(key, '1,2')}")
        values = [typed(key, t) for t in tokens]
        seen: set[Any] = set()
        for v in values:
            if norm(v.value) in seen:
                raise Invalid(f"{key} lists {v.text} twice")
            seen.add(norm(v.value))
        out.append((key, values))
    return out


def parse_choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    """One of `choices`, by name, unique prefix or number in the list."""

    def parse(raw: Any) -> str:
        text = str(raw).strip()
        if text.isdigit() and 1 <= int(text) <= len(choices):
            return choices[int(text) - 1]
        hits = [c for c in choices if c == text] or [c for c in choices if text and c.startswith(text)]
        if len(hits) == 1:
            return hits[0]
        raise Invalid(f"{text!r} is not one of {', '.join(choices)}")

    return parse


def parse_prompt(raw: Any) -> str:
    text = unescape(str(raw))
    if "{input}" not in text:
        raise Invalid(
            f"{str(raw)!r} has no {{input}} placeholder, where each record's input goes: e.g. Capitalize: {{input}}"
        )
    return text


# -- the interview ---------------------------------------------------------------------------------


class Interview:
    """Asks what was not given: on the terminal when there is one, else it fails naming the flag."""

    def __init__(self, given: dict[str, Any], ask: Ask | None, echo: Echo) -> None:
        self.given = given
        self.ask = ask
        self.echo = echo

    @contextmanager
    def defaults_only(self, when: bool = True) -> Iterator[None]:
        """Within: questions take their defaults silently (flags still count)."""
        ask = self.ask
        if when:
            self.ask = None
        try:
            yield
        finally:
            self.ask = ask

    def section(self, title: str) -> None:
        if self.ask is not None:
            self.echo("")
            self.echo(f"-- {title} --")

    def say(self, text: str) -> None:
        if self.ask is not None:
            self.echo(text)

    def get(self, key: str, text: str, parse: Callable[[Any], Any], default: str | None = None) -> Any:
        """The parsed answer to `key`: given, asked (again until it parses), or its default."""
        if key in self.given:
            try:
                return parse(self.given[key])
            except Invalid as exc:
                raise InitError(f"{flag_of(key, self.given[key])}: {exc}") from None
        if self.ask is None:
            if default is None:
                raise InitError(f"init needs {flag_of(key)} (no terminal to ask on)")
            return parse(default)
        shown = f"{text} [{default}]" if default else text
        while True:
            raw = self.ask(shown).strip()
            if not raw and default is not None:
                raw = default
            try:
                return parse(raw)
            except Invalid as exc:
                self.echo(f"  ! {exc}")

    def yes_no(self, key: str, text: str, default: bool, check: Callable[[bool], None] | None = None) -> bool:
        """A yes/no answer; Enter takes the default shown as [Y/n] or [y/N]."""

        def parse(raw: Any) -> bool:
            value = yes_no(raw)
            if check is not None:
                check(value)
            return value

        if key in self.given or self.ask is None:
            return bool(self.get(key, text, parse, "yes" if default else "no"))
        shown = f"{text} [{'Y/n' if default else 'y/N'}]"
        while True:
            raw = self.ask(shown).strip()
            try:
                return parse(raw) if raw else default
            except Invalid as exc:
                self.echo(f"  ! {exc}")


def flag_of(key: str, value: Any = None) -> str:
    """The option that gives `key` (`--no-controls` for a false answer)."""
    flags = ANSWERS[key].split("/")
    return flags[-1] if value is False else flags[0]


def missing_required(given: dict[str, Any], default_name: str | None) -> list[str]:
    """Flags without which a non-interactive init cannot start (reported together)."""
    need = ["question", "model", "dataset"]
    if default_name is None:
        need.insert(0, "name")
    return [ANSWERS[k] for k in need if k not in given]


def interview(
    given: dict[str, Any],
    ask: Ask | None,
    echo: Echo,
    *,
    models: list[Model],
    models_dir: Path | None,
    folder: Path,
    default_name: str | None,
    log_globs: bool = False,
) -> Answers:
    """The checklist's questions in its order, each checked as it is answered."""
    if ask is None:
        missing = missing_required(given, default_name)
        if missing:
            listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
            raise InitError(f"init needs {listed} (no terminal to ask on)")
    q = Interview(given, ask, echo)
    a = Answers()
    q.say("Answer each question; Enter accepts the [default]. Ctrl-C stops without writing anything.")

    q.section("The experiment")
    a.name = q.get("name", "Experiment name (letters, digits, . _ -)", parse_name, default_name)
    a.question = q.get("question", "What question does it answer?", parse_required("the question"))
    a.hypothesis = q.get("hypothesis", "Hypothesis (what you expect; Enter to skip)", str.strip, "")

    q.section("Which models?")
    if models:
        q.say(f"Models in {models_dir}:")
        width = max(len(m.name) for m in models)
        for i, m in enumerate(models, 1):
            q.say(f"  {i:>2}  {m.name:<{width}}  {m.size_text}".rstrip())
        prompt = "Models to fine-tune (numbers or names, comma-separated)"
        default = models[0].name if len(models) == 1 else None
    else:
        if models_dir is not None:
            q.say(f"No model folders (with a config.json) in {models_dir}.")
        else:
            q.say("No models folder is configured (models-dir in .planlint.toml, or --models-dir).")
        prompt = "Model folder paths (comma-separated)"
        default = None
    a.models = q.get("model", prompt, lambda raw: parse_models(raw, models, models_dir, folder), default)

    q.section("Which dataset?")
    a.dataset = q.get(
        "dataset", "Training dataset file (e.g. data/words.json)", lambda raw: parse_dataset(raw, folder)
    )
    if a.dataset.note:
        q.say(f"  {a.dataset.note}")
    split_default = (
        counts_text(a.dataset.counts) if a.dataset.counts and "train" in a.dataset.counts else None
    )
    a.splits = q.get(
        "splits",
        "Samples per split: train,validation,test (validation and test optional)",
        lambda raw: parse_splits(raw, a.dataset),
        split_default,
    )

    q.section("What variables are you testing?")
    q.say(
        "Write name=value,value for each, separated by spaces; one value for a single setting (lora_rank=8)."
    )
    q.say(
        "Every model gets the whole sweep. Enter for none: the base models are evaluated, nothing is trained."
    )
    a.variables = q.get("vary", "Variables (e.g. lora_rank=4,8 lr=1e-5,5e-5)", parse_variables, "")

    def something_to_run(controls: bool) -> None:
        if not controls and not a.variables:
            raise Invalid(
                "with no variables the base-model controls are the only runs: answer yes, or give variables"
            )

    if a.variables or "controls" in given:
        a.controls = q.yes_no(
            "controls",
            "Include base-model controls (each model evaluated without fine-tuning)?",
            True,
            something_to_run,
        )

    trains = bool(a.variables)
    if trains:
        q.section("Training configuration")
    else:
        q.say("  (no variables: the plan evaluates the base models, its controls, and trains nothing)")
        q.section("Prompts")
    with q.defaults_only(not trains):
        a.epochs = _varied_or(a, q, "epochs", "How many epochs?", DEFAULT_EPOCHS)
        a.gpus = _varied_or(a, q, "gpus", "GPUs per job", "1")
        a.validation = ask_validation(q, a)
    chat = any(_CHAT_MODEL.search(m.name) for m in a.models)
    a.dataset_type = q.get(
        "dataset_type",
        "Dataset type: 1 chat_completion (instruct/chat models), 2 text_completion (base models)",
        parse_choice(DATASET_TYPES),
        "chat_completion" if chat else "text_completion",
    )
    if a.dataset_type == "text_completion" and "system_prompt" not in given:
        a.system_prompt = ""
        q.say("  (no system prompt: text_completion training uses no chat template)")
    else:
        a.system_prompt = q.get(
            "system_prompt",
            'System prompt for training and evaluation (Enter for none, "")',
            lambda raw: _system_prompt(raw, a.dataset_type),
            "",
        )
    a.prompt = q.get(
        "prompt", "Prompt template, with {input} where each record's input goes", parse_prompt, "{input}"
    )

    if trains:
        q.section("Advanced settings")
    with q.defaults_only(not trains):
        advanced_settings(q, a, log_globs)

    q.section("Evaluation")
    a.eval_task = q.get(
        "eval_task", "inspect-ai task to evaluate every run on (Enter to add later)", str.strip, ""
    )
    if a.eval_task:
        a.eval_script = q.get("eval_script", "Path to the task's script (Enter to add later)", str.strip, "")
    a.date = q.get("date", "Date", parse_date) if "date" in given else _dt.date.today().isoformat()
    return a


def advanced_settings(q: Interview, a: Answers, log_globs: bool) -> None:
    """The checklist's advanced settings: packing, batch size; learning rate and rank when constant."""
    a.packing = q.yes_no(
        "packing", "Pack the dataset (several samples per sequence; affects batch size)?", True
    )
    if log_globs:
        q.say("  (`planlint estimate plan.yaml` suggests a batch size from prior runs' logs)")
    a.batch_size = _varied_or(
        a, q, "batch_size", "Batch size per GPU", DEFAULT_BATCH_SIZE, extra=lambda v: _batch_fits(a, v)
    )
    if not a.varied("lr"):
        a.lr = q.get("lr", "Learning rate (Enter: the recipe's default)", _optional("lr"), "")
    if not a.varied("lora_rank"):
        a.lora_rank = q.get(
            "lora_rank", "LoRA rank (Enter: the recipe's default)", _optional("lora_rank"), ""
        )


def ask_validation(q: Interview, a: Answers) -> bool:
    """Validation during training: yes by default, not possible without a split or on several GPUs."""
    has_split = a.splits.get("validation", 0) > 0
    multi_gpu = any(v.value > 1 for v in (a.varied("gpus") or [a.gpus]))
    why = None
    if not has_split:
        why = "the dataset has no validation split"
    elif multi_gpu:
        why = "the multi-GPU recipe has no validation loop"
    if why and "validation" not in q.given:
        q.say(f"  (validation during training: off; {why})")
        return False

    def check(value: bool) -> None:
        if value and why:
            raise Invalid(f"validation during training is not possible: {why}")

    return q.yes_no("validation", "Run validation during training?", True, check)


def _system_prompt(raw: Any, dataset_type: str) -> str:
    text = unescape(str(raw))
    if "{input}" in text:
        raise Invalid(
            "the system prompt is sent as it is: {input} belongs in the prompt template (asked next)"
        )
    if text.strip() and dataset_type == "text_completion":
        raise Invalid("text_completion training drops the system prompt: put the instruction into the prompt")
    return text


def _optional(key: str) -> Callable[[Any], Value | None]:
    def parse(raw: Any) -> Value | None:
        return typed(key, str(raw)) if str(raw).strip() else None

    return parse


def parse_date(raw: Any) -> str:
    text = str(raw).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise Invalid(f"{text!r} is not a date (YYYY-MM-DD)")


def _varied_or(
    a: Answers,
    q: Interview,
    key: str,
    text: str,
    default: str,
    extra: Callable[[Value], None] | None = None,
) -> Value:
    """A control value; a varied key is not asked (controls keep its first value, runs override it)."""
    values = a.varied(key)
    if values and key not in q.given:
        q.say(f"  ({key} is a variable: {', '.join(v.text for v in values)})")
        return values[0]

    def parse(raw: Any) -> Value:
        v = typed(key, str(raw))
        if extra:
            extra(v)
        return v

    return q.get(key, text, parse, default)  # type: ignore[no-any-return]


def _batch_fits(a: Answers, batch: Value) -> None:
    train = a.splits.get("train", 0)
    gpus = max(v.value for v in (a.varied("gpus") or [a.gpus]))
    if not a.packing and train and batch.value * gpus > train:
        on = f" x {gpus} GPUs" if gpus > 1 else ""
        raise Invalid(f"a batch of {batch.text}{on} is larger than the {train} training samples")


def parse_models(raw: Any, models: list[Model], models_dir: Path | None, folder: Path) -> list[Model]:
    """Models by number or name from the models folder, or by path."""
    texts = raw if isinstance(raw, list) else [raw]
    items = [item for text in texts for item in re.split(r"[\s,]+", str(text).strip()) if item]
    if not items:
        raise Invalid("choose at least one model")
    by_name = {m.name: m for m in models}
    by_lower = {m.name.lower(): m for m in models}
    out: list[Model] = []
    for item in items:
        if item.isdigit() and models:
            n = int(item)
            if not 1 <= n <= len(models):
                raise Invalid(f"there is no model number {n}: choose 1 to {len(models)}")
            model = models[n - 1]
        elif "/" in item or item.startswith("~"):
            model = _model_at(item, folder)
        elif item in by_name or item.lower() in by_lower:
            model = by_name.get(item) or by_lower[item.lower()]
        elif models_dir is None:
            raise Invalid(f"{item!r}: no models folder is configured, so give the model folder's path")
        else:
            close = difflib.get_close_matches(item, list(by_name), n=1, cutoff=0.5)
            hint = (
                f": did you mean {close[0]!r}?"
                if close
                else (f": choose from {', '.join(by_name)}" if by_name else "")
            )
            raise Invalid(f"{item!r} is not in {models_dir}{hint}")
        if not NAME_CHARS.match(model.name):
            raise Invalid(f"model name {model.name!r} has characters a run folder cannot have")
        if any(m.name == model.name for m in out):
            raise Invalid(f"{model.name} is listed twice")
        out.append(model)
    return out


def _model_at(text: str, folder: Path) -> Model:
    name = text.rstrip("/").rsplit("/", 1)[-1]
    written, found = written_path(text, folder)
    if found is None:
        check_missing(text, folder)
    size, estimated = model_size_gb(found) if found and found.is_dir() else (None, False)
    return Model(name, written, size, estimated)


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


def parse_dataset(raw: Any, folder: Path) -> Dataset:
    text = str(raw).strip()
    if not text:
        raise Invalid("the training dataset's path is needed")
    written, found = written_path(text, folder)
    if found is None:
        check_missing(text, folder)
    elif found.is_dir():
        raise Invalid(f"{text} is a folder: give the dataset file")
    counts, total = read_counts(found) if found else (None, None)
    note = None
    if found is None:
        note = f"{written} is not on this machine: its record counts cannot be checked here"
    elif written != text:
        note = f"written as {written} (paths in plan.yaml are relative to its folder)"
    return Dataset(written, found, counts, total, note)


# -- writing ---------------------------------------------------------------------------------------


@dataclass
class Result:
    """What init wrote."""

    plan: Path
    doc: Path
    fine_tuned: int
    controls: int
    notes: list[str] = field(default_factory=list)
    #: the schema copy the plan's modeline names
    schema: Path | None = None

    @property
    def runs_text(self) -> str:
        """`4 fine-tuned runs + 1 control`."""
        parts = []
        if self.fine_tuned:
            parts.append(f"{self.fine_tuned} fine-tuned run{'s' if self.fine_tuned != 1 else ''}")
        if self.controls:
            parts.append(f"{self.controls} control{'s' if self.controls != 1 else ''}")
        return " + ".join(parts)


def schema_id() -> str:
    from planlint.plan.schema import load_schema

    return str(load_schema().get("$id", "https://planlint.dev/schemas/plan.schema.json"))


def warmup_steps(a: Answers) -> int | None:
    """A warmup below torchtune's default 100 when the shortest run trains fewer steps than that."""
    if a.packing:
        return None  # packed sequences are unknown until the data is tokenized
    train = a.splits["train"]
    shortest = None
    for epochs in a.varied("epochs") or [a.epochs]:
        for bs in a.varied("batch_size") or [a.batch_size]:
            for gpus in a.varied("gpus") or [a.gpus]:
                total = math.ceil(train / (bs.value * gpus.value)) * epochs.value
                shortest = total if shortest is None else min(shortest, total)
    if shortest is None or shortest >= TORCHTUNE_WARMUP:
        return None
    return shortest // 10


def plan_head(a: Answers, warmup: int | None, modeline: str | None = None) -> str:
    """plan.yaml without its runs and evaluation (a yamllint-clean document)."""
    shorts = short_names(a.models)
    out = [
        modeline or f"# yaml-language-server: $schema={schema_id()}",
        "# Written by `planlint init`. The runs follow from the models, variables and",
        "# controls: after editing those, `planlint fix --runs` adds the missing runs",
        "# and `planlint fix` the tables.",
        "---",
        "experiment:",
        f"  name: {a.name}",
        f"  question: {yaml_str(a.question)}",
        f'  date: "{a.date}"',
    ]
    if a.hypothesis:
        out.append(f"  hypothesis: {yaml_str(a.hypothesis)}")
    out += [f"  base_controls: {'true' if a.controls else 'false'}", ""]
    out += ["tools:", "  preparation: torchtune", "  evaluation: inspect-ai", ""]
    if a.variables:
        out.append("variables:")
        out += [f"  {key}: [{', '.join(v.text for v in values)}]" for key, values in a.variables]
    else:
        out.append("variables: {}")
    out += ["", "controls:", f"  epochs: {a.epochs.text}", f"  batch_size: {a.batch_size.text}"]
    out.append("  gradient_accumulation_steps: 1")
    out.append(f"  packed: {'true' if a.packing else 'false'}")
    out.append(f"  gpus: {a.gpus.text}")
    out.append(f"  validation_during_training: {'true' if a.validation else 'false'}")
    if warmup is not None:
        out.append(f"  num_warmup_steps: {warmup}")
    if a.lr is not None:
        out.append(f"  lr: {a.lr.text}")
    if a.lora_rank is not None:
        out.append(f"  lora_rank: {a.lora_rank.text}")
    out.append(f"  system_prompt: {yaml_str(a.system_prompt)}")
    out.append(f"  prompt: {yaml_str(a.prompt)}")
    out.append(f"  dataset_type: {a.dataset_type}")
    out += ["", "models:", "  base:"]
    for m in a.models:
        out.append(f"    - name: {yaml_str(m.name)}")
        if m.name in shorts:
            out.append(f"      short: {yaml_str(shorts[m.name])}")
        out.append(f"      path: {yaml_str(m.path)}")
        if m.size_gb:
            out.append(f"      size_gb: {number_text(m.size_gb)}")
    d = a.dataset
    out += [
        "",
        "data:",
        "  training:",
        f"    path: {yaml_str(d.text)}",
        f"    dataset_label: {yaml_str(d.label)}",
    ]
    if d.format:
        out.append(f"    format: {yaml_str(d.format)}")
    if d.size_kb is not None:
        out.append(f"    size_kb: {d.size_kb}")
    out.append("    splits: {" + ", ".join(f"{k}: {v}" for k, v in a.splits.items()) + "}")
    return "\n".join(out) + "\n"


def plan_text(
    a: Answers, config: Config, warmup: int | None, modeline: str | None = None
) -> tuple[str, int, int]:
    """The whole plan.yaml, its runs generated as `fix --runs` would; and the run counts."""
    from planlint.plan.load import load_plan
    from planlint.plan.model import Plan
    from planlint.plan.naming import implied_runs, run_yaml

    head = plan_head(a, warmup, modeline)
    path = Path(PLAN_FILE)
    plan = Plan(path=path, display=PLAN_FILE, loaded=load_plan(path, text=head + "runs: []\n"), config=config)
    runs = list(implied_runs(plan, with_controls=a.controls))
    text = head + "\nruns:\n" + "".join(run_yaml(r) + "\n" for r in runs)
    if a.eval_task:
        text += "\n" + evaluation_yaml(a, runs)
    fine_tuned = sum(r.type == "fine-tuned" for r in runs)
    return text, fine_tuned, len(runs) - fine_tuned


def evaluation_yaml(a: Answers, runs: Iterable[Any]) -> str:
    """Every run on the task: fine-tuned runs at each of their epochs, controls once."""
    out = ["evaluation:", "  tasks:", f"    - name: {yaml_str(a.eval_task)}"]
    if a.eval_script:
        out.append(f"      script: {yaml_str(a.eval_script)}")
    out += [f"      dataset: {yaml_str(a.dataset.text)}", "  matrix:"]
    for r in runs:
        if r.type == "fine-tuned":
            epochs = next((v for var, v, _ in r.params if var == "epochs"), a.epochs.value)
            shown = "[" + ", ".join(str(e) for e in range(int(epochs))) + "]"
        else:
            shown = "null"
        out.append(f"    - {{run: {r.name}, tasks: [{yaml_str(a.eval_task)}], epochs: {shown}}}")
    return "\n".join(out) + "\n"


def doc_text(a: Answers, plan_path: Path, config: Config, fine_tuned: int, controls: int) -> str:
    """PLAN.md: the planning doc's sections, with the All Runs table already rendered."""
    from planlint.doc.render import label, render_lines
    from planlint.engine import check_plan

    plan, _ = check_plan(plan_path, config)
    out = [f"# {a.name}", "", "## Question", "", a.question, ""]
    out += [f"**Hypothesis:** {a.hypothesis}" if a.hypothesis else "**Hypothesis:** _to be written_", ""]
    out += ["## Models", ""]
    shorts = short_names(a.models)
    for m in a.models:
        size = f" ({m.size_text})" if m.size_gb else ""
        named = f", runs named `{shorts[m.name]}_...`" if m.name in shorts and a.variables else ""
        out.append(f"- `{m.name}`{size}: `{m.path}`{named}")
    out += ["", "## Data", ""]
    splits = " / ".join(f"{v} {k}" for k, v in a.splits.items())
    out.append(f"`{a.dataset.text}` ({a.dataset_type}): {splits} samples.")
    out += ["", "## Variables", ""]
    if a.variables:
        for key, values in a.variables:
            out.append(f"- {label(plan, key)} (`{key}`): {', '.join(v.shown for v in values)}")
    else:
        out.append("Nothing is swept.")
    if a.controls:
        out += ["", "Each model is also evaluated without fine-tuning (its base-model control)."]
    out += ["", "## Training", ""]
    gpus = f"{a.gpus.text} GPU{'s' if a.gpus.value != 1 else ''}"
    if fine_tuned:
        out.append(
            f"{a.epochs.text} epoch{'s' if a.epochs.value != 1 else ''}, batch size {a.batch_size.text} per GPU "
            f"on {gpus}, packing {'on' if a.packing else 'off'}, "
            f"validation during training {'on' if a.validation else 'off'}."
        )
    else:
        out.append("Nothing is trained.")
    out.append(f"System prompt: {json.dumps(a.system_prompt)}; prompt: {json.dumps(a.prompt)}.")
    out += ["", "## All Runs", "", "<!-- planlint:begin all-runs -->"]
    out += render_lines(plan, "all-runs")
    out += ["<!-- planlint:end all-runs -->", ""]
    out += [
        "**Notes**:",
        '- **Type**: "Fine-tuned" for runs requiring training, "Control" for base model evaluation only',
        "- **Run Name**: matches the run's folder; names follow from the parameters",
        "- The table is generated from `plan.yaml`: edit the plan, then run `planlint fix`.",
        "",
        "## Evaluation",
        "",
    ]
    if a.eval_task:
        when = ": fine-tuned runs after each epoch, controls once" if fine_tuned else " once"
        out.append(f"Every run is evaluated on the `{a.eval_task}` task{when}.")
        out += ["", "<!-- planlint:begin eval-matrix -->"]
        out += render_lines(plan, "eval-matrix")
        out += ["<!-- planlint:end eval-matrix -->"]
    else:
        out.append(
            "_Which tasks, at which epochs: add `evaluation.tasks` and `evaluation.matrix` to plan.yaml._"
        )
    out += ["", "## Compute", ""]
    runs = [f"{fine_tuned} fine-tuned run{'s' if fine_tuned != 1 else ''}"] if fine_tuned else []
    if controls:
        runs.append(f"{controls} control{'s' if controls != 1 else ''} (evaluation only)")
    out.append(f"{' and '.join(runs)}, {gpus} per job.")
    if fine_tuned and config.log_globs:
        out.append("")
        out.append(
            "Estimate each run's time from prior runs' logs, then write it into the plan and this table: "
            "`planlint estimate plan.yaml --write` (from this folder)."
        )
    elif fine_tuned:
        out.append("")
        out.append(
            'Add each fine-tuned run\'s `compute: {time: "0:15:00"}` (SLURM time) to plan.yaml and run '
            "`planlint fix`; with `log-globs` configured, `planlint estimate plan.yaml --write` fills them in "
            "from prior runs' logs."
        )
    return "\n".join(out) + "\n"


def existing_parent(folder: Path) -> Path:
    """The folder, or its nearest ancestor that exists (where configuration is looked up)."""
    p = folder.absolute()
    for candidate in (p, *p.parents):
        if candidate.is_dir():
            return candidate
    return Path.cwd()


def conflicts(folder: Path, config: Config) -> tuple[list[Path], list[Path]]:
    """(files init would overwrite, other plan files that would share the folder)."""
    mine = [folder / PLAN_FILE, folder / DOC_FILE]
    overwritten = [p for p in mine if p.exists()]
    others = [folder / n for n in config.plan_files if n != PLAN_FILE and (folder / n).exists()]
    return overwritten, others


def read_answers(path: Path) -> dict[str, Any]:
    """A YAML mapping of answers, keys as the flags (`dataset_type` or `dataset-type`), values as typed."""
    from planlint.plan.load import YMap, YSeq, load_plan
    from planlint.plan.model import text_of

    if not path.is_file():
        raise InitError(f"{path}: answers file not found")
    loaded = load_plan(path)
    if loaded.fatal:
        first = next((h for h in loaded.hits), None)
        raise InitError(f"{path}: cannot read answers: {first.message if first else 'not YAML'}")
    data = loaded.data
    if data is None:
        return {}
    if not isinstance(data, YMap):
        raise InitError(f"{path}: answers must be a mapping of question: answer")

    def raw(container: Any, key: Any) -> Any:
        value = container[key]
        if isinstance(value, bool):
            return value
        if isinstance(value, YMap):
            return {k: raw(value, k) for k in value}
        if isinstance(value, YSeq):
            return [raw(value, i) for i in range(len(value))]
        return "" if value is None else text_of(container, key)

    out: dict[str, Any] = {}
    for key in data:
        name = str(key).replace("-", "_")
        name = ANSWER_ALIASES.get(name, name)
        if name not in ANSWERS:
            close = difflib.get_close_matches(name, list(ANSWERS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(ANSWERS)}"
            raise InitError(f"{path}: unknown answer {key!r}{hint}")
        out[name] = raw(data, key)
    return out


def given_answers(answers_file: Path | None, options: dict[str, Any]) -> dict[str, Any]:
    """The answers of a --from-answers file, overridden by the options given on the command line."""
    given = read_answers(answers_file) if answers_file else {}
    for key, value in options.items():
        if value is not None and value != ():
            given[key] = list(value) if isinstance(value, tuple) else value
    return given


def init(
    folder: Path,
    given: dict[str, Any],
    config: Config,
    *,
    ask: Ask | None,
    echo: Echo,
    models_dir: str | Path | None = None,
    force: bool = False,
) -> Result:
    """Interview (or take the given answers), then write plan.yaml and PLAN.md into `folder`."""
    if folder.exists() and not folder.is_dir():
        raise InitError(f"{folder} is a file, not a folder")
    overwritten, others = conflicts(folder, config)
    if others:
        raise InitError(
            f"{folder} already holds a plan ({others[0].name}): a second plan there would make its docs "
            "ambiguous; choose another folder"
        )
    if overwritten and not force:
        listed = " and ".join(str(p) for p in overwritten)
        raise InitError(
            f"{listed} already exist{'s' if len(overwritten) == 1 else ''}: pass --force to overwrite"
        )
    mdir = models_folder(config, models_dir)
    if models_dir is not None and not (mdir and mdir.is_dir()):
        raise InitError(f"--models-dir {models_dir}: no such folder")
    models = find_models(mdir) if mdir else []
    base = folder.absolute().name
    default_name = base if NAME_CHARS.match(base) else None
    answers = interview(
        given,
        ask,
        echo,
        models=models,
        models_dir=mdir,
        folder=folder,
        default_name=default_name,
        log_globs=bool(config.log_globs),
    )
    warmup = warmup_steps(answers)
    folder.mkdir(parents=True, exist_ok=True)
    from planlint.plan.schemacopy import modeline_for

    schema_copy = write_schema_copy(folder, force)
    modeline = modeline_for(folder, schema_copy)
    text, fine_tuned, controls = plan_text(answers, config, warmup, modeline)
    plan_path = folder / PLAN_FILE
    doc_path = folder / DOC_FILE
    plan_path.write_text(text, encoding="utf-8")
    doc_path.write_text(doc_text(answers, plan_path, config, fine_tuned, controls), encoding="utf-8")
    notes = []
    if warmup is not None:
        notes.append(
            f"controls.num_warmup_steps is {warmup}: the shortest run trains fewer steps than torchtune's default warmup of {TORCHTUNE_WARMUP}"
        )
    if answers.dataset.note and ask is None:
        notes.append(answers.dataset.note)
    return Result(plan_path, doc_path, fine_tuned, controls, notes, schema_copy)


def write_schema_copy(folder: Path, force: bool = False) -> Path:
    """Write planlint's schema into the repository around `folder` (`schemas/plan.schema.json`
    at its root; outside a repository, beside the plan), for the plan's modeline to name."""
    from planlint.paths import repo_root
    from planlint.plan.schemacopy import DEFAULT_COPY, installed_schema, same_identity, write_copy

    root = repo_root(folder)
    if not (root / ".git").exists():
        root = folder
    target = root / DEFAULT_COPY
    if target.exists() and not same_identity(target):
        raise InitError(f"{target} exists and is not planlint's schema: move it, then run init again")
    if not target.is_file() or target.read_text(encoding="utf-8") != installed_schema():
        try:
            write_copy(target, force)
        except OSError as exc:
            raise InitError(f"{target}: not written: {exc}") from exc
    return target
