"""The answers `planlint init` takes: their keys and flags, the parsed set, and --from-answers files."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planlint.commands.init.discover import Dataset, Model
from planlint.commands.init.values import Value
from planlint.errors import UsageError

#: Options of `planlint init` that are not answers (a --from-answers file cannot give them).
NOT_ANSWERS = frozenset({"from_answers", "force", "config"})

#: Answer key -> the option that gives it (`controls` -> `--controls/--no-controls`).
Flags = dict[str, str]


def answer_flags(params: Iterable[Any]) -> Flags:
    """The answers, derived from the init command's click options (their `name`, `opts` and
    `secondary_opts`): every option but those in NOT_ANSWERS is an answer, under its name."""
    out: Flags = {}
    for param in params:
        name = getattr(param, "name", None)
        opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
        if not name or not opts or name in NOT_ANSWERS:
            continue
        out[name] = "/".join(
            [*opts, *(o for o in getattr(param, "secondary_opts", ()) if o.startswith("--"))]
        )
    return out


#: Natural spellings in an answers file.
ANSWER_ALIASES = {"models": "model", "variables": "vary", "base_controls": "controls", "packed": "packing"}


class InitError(UsageError):
    """init cannot go on: a missing or invalid answer, or files it must not overwrite (exit 2)."""


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
    #: store compute.time estimates from prior runs' logs (the checklist's advanced step)
    estimate: bool = False
    #: what init decided for the researcher (said on the terminal; printed after writing otherwise)
    notes: list[str] = field(default_factory=list)

    def varied(self, key: str) -> list[Value] | None:
        return next((values for k, values in self.variables if k == key), None)


def flag_of(flags: Flags, key: str, value: Any = None) -> str:
    """The option that gives `key` (`--no-controls` for a false answer)."""
    options = flags.get(key, "--" + key.replace("_", "-")).split("/")
    return options[-1] if value is False else options[0]


def missing_required(given: dict[str, Any], default_name: str | None, flags: Flags) -> list[str]:
    """Flags without which a non-interactive init cannot start (reported together)."""
    need = ["question", "model", "dataset"]
    if default_name is None:
        need.insert(0, "name")
    return [flag_of(flags, k) for k in need if k not in given]


def read_answers(path: Path, flags: Flags) -> dict[str, Any]:
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
        if name not in flags:
            close = difflib.get_close_matches(name, list(flags), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(flags)}"
            raise InitError(f"{path}: unknown answer {key!r}{hint}")
        out[name] = raw(data, key)
    return out


def given_answers(answers_file: Path | None, options: dict[str, Any], flags: Flags) -> dict[str, Any]:
    """The answers of a --from-answers file, overridden by the options given on the command line."""
    given = read_answers(answers_file, flags) if answers_file else {}
    for key, value in options.items():
        if value is not None and value != ():
            given[key] = list(value) if isinstance(value, tuple) else value
    return given
