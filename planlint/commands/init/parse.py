"""Parsers of `planlint init` answers: each takes what was typed (or given) and raises Invalid."""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from planlint.commands.init.discover import (
    Dataset,
    Model,
    check_missing,
    model_size_gb,
    read_counts,
    written_path,
)
from planlint.commands.init.values import EXAMPLES, Invalid, Value, near_miss, typed, unescape
from planlint.plan.naming import NAME_CHARS
from planlint.plan.values import norm

_VARIABLE_SPLIT = re.compile(r"[\s;]+(?=[A-Za-z_][A-Za-z0-9_]*\s*=)")


_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def yes_no(raw: Any) -> bool:
    """A yes/no answer (`y`, `yes`, `true`, `on`, `1` and their opposites), else Invalid."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("y", "yes", "true", "on", "1"):
        return True
    if text in ("n", "no", "false", "off", "0"):
        return False
    raise Invalid(f"{str(raw).strip()!r}: answer yes or no")


def parse_name(raw: Any) -> str:
    """The experiment name: letters, digits, `.`, `_` and `-` only (it names folders)."""
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
    """A parser of free text that must not be empty; `what` names it in the error."""

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
    """Split counts as an answer would give them: `800,100,100`."""
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
            raise Invalid(f"{key} has no values: e.g. {key}={EXAMPLES.get(key, '1,2')}")
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
    """The prompt template; it must hold `{input}`, where each record's input goes."""
    text = unescape(str(raw))
    if "{input}" not in text:
        raise Invalid(
            f"{str(raw)!r} has no {{input}} placeholder, where each record's input goes: e.g. Capitalize: {{input}}"
        )
    return text


def parse_system_prompt(raw: Any, dataset_type: str) -> str:
    """The system prompt: sent as it is (no `{input}`), and none for text_completion training."""
    text = unescape(str(raw))
    if "{input}" in text:
        raise Invalid(
            "the system prompt is sent as it is: {input} belongs in the prompt template (asked next)"
        )
    if text.strip() and dataset_type == "text_completion":
        raise Invalid("text_completion training drops the system prompt: put the instruction into the prompt")
    return text


def parse_optional(key: str) -> Callable[[Any], Value | None]:
    """A parser of an optional value of hyper-parameter `key`: empty text gives None."""

    def parse(raw: Any) -> Value | None:
        return typed(key, str(raw)) if str(raw).strip() else None

    return parse


def parse_date(raw: Any) -> str:
    """A design date as YYYY-MM-DD."""
    text = str(raw).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise Invalid(f"{text!r} is not a date (YYYY-MM-DD)")


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


def parse_dataset(raw: Any, folder: Path) -> Dataset:
    """The training dataset file as plan.yaml writes it, with what the file holds where it is here."""
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
