"""JSON Schema validation of a plan, every error mapped to the line and column of its node (PL1xx)."""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import re
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from planlint.finding import Hit
from planlint.plan.load import YMap, position

#: Keys cruijff_kit renamed: (parent path, old key) -> new key.
LEGACY_KEYS: dict[tuple[tuple[str, ...], str], str] = {
    (("experiment",), "directory"): "dir",
    (("data", "training"), "label"): "dataset_label",
    (("evaluation",), "scorer"): "scorers",
}
#: Common spellings of torchtune/cruijff hyper-parameters, for did-you-mean in `controls`.
CONTROL_ALIASES = {
    "learning_rate": "lr",
    "grad_accum": "gradient_accumulation_steps",
    "gradient_accumulation": "gradient_accumulation_steps",
    "warmup_steps": "num_warmup_steps",
    "num_epochs": "epochs",
    "n_epochs": "epochs",
    "rank": "lora_rank",
    "alpha": "lora_alpha",
    "seq_len": "max_seq_len",
    "max_seq_length": "max_seq_len",
    "system": "system_prompt",
    "pack": "packed",
    "packing": "packed",
    "num_gpus": "gpus",
    "validation": "validation_during_training",
}
_TIME_PATH = re.compile(r"^(runs\[\d+\]|evaluation)\.compute\.time$")


def schema_path() -> Path:
    """The one schema file: inside the installed wheel, else at the repository root."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (
        package / "schemas" / "plan.schema.json",
        package.parent / "schemas" / "plan.schema.json",
    ):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("plan.schema.json is missing from this installation")


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The JSON Schema of plan.yaml, parsed."""
    return json.loads(schema_path().read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema())


def dotted(path: Any) -> str:
    """A JSON path as `runs[2].parameters.lr`."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(top level)"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate(data: YMap) -> list[Hit]:
    """Every schema error of the plan, as hits with positions."""
    hits: list[Hit] = []
    for error in _iter_errors(data):
        hits.extend(_to_hits(data, error))
    hits.extend(_semantic_schema_checks(data))
    return hits


_VALUE_KEYWORDS = frozenset(
    "enum const pattern minLength maxLength minimum maximum exclusiveMinimum exclusiveMaximum "
    "multipleOf format".split()
)
_LENGTH_KEYWORDS = frozenset({"minLength", "maxLength"})
_OPAQUE_KEYWORDS = frozenset(
    "oneOf anyOf allOf not if then else dependentSchemas dependentRequired patternProperties "
    "unevaluatedProperties unevaluatedItems propertyNames contains prefixItems uniqueItems "
    "minProperties maxProperties".split()
)
_SIMPLE_RUNS_KEYS = frozenset({"title", "description", "type", "items", "minItems", "$comment"})


def _resolve(schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema and schema["$ref"].startswith("#/$defs/"):
        schema = load_schema()["$defs"].get(schema["$ref"][len("#/$defs/") :], {})
    return schema


def signature(value: Any, schema: Any) -> Any:
    """What of `value` the schema can see: two values with one signature validate alike.

    Scalars under no value constraint reduce to their type; anything the schema inspects in
    ways this function does not model keeps its whole value.
    """
    how, a, b = _how(schema)
    if how == "opaque":
        return ("v", json.dumps(value, sort_keys=True, default=str))
    if isinstance(value, dict):
        if how != "node":
            return ("v", json.dumps(value, sort_keys=True, default=str))
        return tuple(sorted((k, signature(v, a.get(k, b))) for k, v in value.items()))
    if isinstance(value, list):
        if how != "node":
            return ("v", json.dumps(value, sort_keys=True, default=str))
        return ("list", tuple(signature(v, b) for v in value))
    if how == "len" and isinstance(value, str):
        return ("len", min(len(value), a))
    if how in ("value", "len"):
        return ("v", _kind(value), value)
    return ("t", _kind(value))


_HOW: dict[int, tuple[str, Any, Any]] = {}


def _how(schema: Any) -> tuple[str, Any, Any]:
    """How `signature` treats values under this schema node (memoised per node)."""
    key = id(schema)
    got = _HOW.get(key)
    if got is not None:
        return got
    node = _resolve(schema)
    if node is True or node is None:
        got = ("any", None, None)
    elif not isinstance(node, dict) or _OPAQUE_KEYWORDS & node.keys():
        got = ("opaque", None, None)
    else:
        constrained = _VALUE_KEYWORDS & node.keys()
        props = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        items = node.get("items", True)
        if constrained and constrained <= _LENGTH_KEYWORDS:
            got = ("len", max(int(node[k]) for k in constrained) + 1, None)
        elif constrained:
            got = ("value", None, None)
        else:
            got = ("node", props, items if "items" in node else extra)
    if got[0] == "node" and "items" in node and ("properties" in node or "additionalProperties" in node):
        got = ("opaque", None, None)  # pragma: no cover - mixed schemas are not modelled
    _HOW[key] = got
    return got


def _kind(value: Any) -> str:
    if isinstance(value, float):
        return "int-float" if value.is_integer() else "float"
    if isinstance(value, (dict, list)):
        return "collection"
    return type(value).__name__


def _iter_errors(data: YMap) -> Iterator[Any]:
    """jsonschema errors; runs that the schema sees alike are validated once, then per run on error.

    A 10,000-run sweep has a handful of run shapes, so this keeps validation linear and cheap.
    """
    validator = _validator()
    runs = data.get("runs")
    runs_schema = load_schema().get("properties", {}).get("runs", {})
    if not isinstance(runs, list) or len(runs) < 64 or set(runs_schema) - _SIMPLE_RUNS_KEYS:
        yield from validator.iter_errors(data)
        return
    items = runs_schema.get("items", True)
    groups: dict[Any, list[int]] = {}
    for i, run in enumerate(runs):
        groups.setdefault(signature(run, items), []).append(i)
    members = list(groups.values())
    shadow = dict(data)
    shadow["runs"] = [runs[idx[0]] for idx in members]
    failing: set[int] = set()
    for error in validator.iter_errors(shadow):
        path = list(error.absolute_path)
        if len(path) >= 2 and path[0] == "runs" and isinstance(path[1], int):
            failing.add(path[1])
        else:
            yield error
    for group in sorted(failing):
        for i in members[group]:
            for error in validator.descend(runs[i], items, path=i):
                yield _Rooted(error, ("runs",))


class _Rooted:
    """A jsonschema error seen from the plan's root (descend() reports paths from the run)."""

    def __init__(self, error: Any, prefix: tuple[Any, ...]) -> None:
        self._error = error
        self.absolute_path = (*prefix, *error.absolute_path)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._error, name)


def _to_hits(root: YMap, error: Any) -> Iterator[Hit]:
    path = tuple(error.absolute_path)
    where = dotted(path)
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted((error.schema.get("properties") or {}).keys())
        parent = tuple(s for s in path if isinstance(s, str))
        for key in error.instance:
            if key in known or _pattern_ok(error.schema, key):
                continue
            line, col = position(root, (*path, key), key=True)
            new = LEGACY_KEYS.get((parent, key))
            if new is not None:
                msg = f"'{key}' in {where} was renamed to '{new}' by cruijff_kit"
                yield Hit(
                    "PL103",
                    line,
                    col,
                    msg,
                    f"rename it: {new}: ... (or run `planlint fix --migrate`)",
                )
                continue
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
            yield Hit("PL102", line, col, f"unknown key '{key}' in {where}", hint)
        return
    if kind == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        line, col = position(root, path, key=True) if path else (1, 1)
        for key in missing:
            section = f" in {where}" if path else ""
            yield Hit(
                "PL107",
                line,
                col,
                f"required key '{key}' is missing{section}",
                _required_hint(path, key),
            )
        return
    line, col = position(root, path)
    if _TIME_PATH.match(where) and isinstance(error.instance, (str, int)):
        return  # compute.time values are judged by the parser the table uses (see _times)
    yield Hit("PL101", line, col, f"{where}: {_message(error)}", _hint(error))


def _pattern_ok(schema: dict[str, Any], key: str) -> bool:
    return any(re.search(p, key) for p in (schema.get("patternProperties") or {}))


def _message(error: Any) -> str:
    kind, value, inst = error.validator, error.validator_value, error.instance
    if kind == "type":
        names = value if isinstance(value, list) else [value]
        got = "a list" if isinstance(inst, list) else "a mapping" if isinstance(inst, dict) else _short(inst)
        return f"{got} is not of type {' or '.join(names)}"
    if kind == "enum":
        return f"{_short(inst)} is not one of {', '.join(map(str, value))}"
    if kind == "pattern":
        return f"{_short(inst)} does not match {value}"
    if kind == "minItems" and value == 1:
        return "must not be empty"
    msg: str = error.message
    return msg if len(msg) <= 200 else msg[:197] + "..."


def _hint(error: Any) -> str | None:
    if (
        error.validator == "type"
        and "number" in (error.validator_value or ())
        and isinstance(error.instance, str)
    ):
        try:
            float(error.instance)
        except ValueError:
            return None
        return "write the number unquoted (e.g. 1e-5)"
    if error.validator == "type" and "string" in (error.validator_value or ()):
        return "quote the value"
    return None


def _required_hint(path: tuple[Any, ...], key: str) -> str | None:
    hints = {
        "base_controls": None,
        "system_prompt": 'system_prompt: ""  (use "" for a deliberately blank prompt)',
        "dataset_type": "dataset_type: chat_completion  (or text_completion for base models)",
        "parameters": "parameters: {}  (for a control run)",
    }
    return hints.get(key)


#: Longer than this is no SLURM request anyone means (and would render as ~2399999h).
MAX_TIME_SECONDS = 366 * 24 * 3600


def _times(data: YMap) -> Iterator[Hit]:
    """PL106: compute.time must parse the way the All Runs table parses it."""
    from planlint.slurmtime import parse_time

    computes: list[tuple[str, Any]] = []
    runs = data.get("runs")
    if isinstance(runs, list):
        computes += [
            (f"runs[{i}].compute", r.get("compute")) for i, r in enumerate(runs) if isinstance(r, dict)
        ]
    evaluation = data.get("evaluation")
    if isinstance(evaluation, dict):
        computes.append(("evaluation.compute", evaluation.get("compute")))
    for where, compute in computes:
        if not isinstance(compute, YMap) or "time" not in compute:
            continue
        value = compute["time"]
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            continue
        seconds = parse_time(value if isinstance(value, int) else str(value))
        if seconds is None or seconds > MAX_TIME_SECONDS:
            line, col = compute.vpos["time"]
            why = "is not a SLURM time" if seconds is None else "is longer than a year"
            shown = compute.raw.get("time", str(value))
            yield Hit(
                "PL106",
                line,
                col,
                f"{where}.time '{shown}' {why}",
                'write H:MM:SS, e.g. "0:30:00", or D-HH:MM:SS; quote it',
            )


def _semantic_schema_checks(data: YMap) -> Iterator[Hit]:
    """Checks of the schema family that JSON Schema cannot express."""
    yield from _times(data)
    evaluation = data.get("evaluation")
    if isinstance(evaluation, YMap) and "system_prompt" in evaluation:
        line, col = evaluation.kpos["system_prompt"]
        msg = "evaluation.system_prompt is no longer read: the eval uses controls.system_prompt"
        yield Hit("PL104", line, col, msg, "move it to controls.system_prompt and delete this key")
    controls = data.get("controls")
    if isinstance(controls, YMap):
        known = sorted(_controls_known())
        for key in controls:
            if key in known:
                continue
            target = CONTROL_ALIASES.get(key) or next(
                iter(difflib.get_close_matches(key, known, n=1, cutoff=0.8)), None
            )
            if target:
                line, col = controls.kpos[key]
                msg = f"controls.{key} is not a hyper-parameter torchtune knows"
                yield Hit("PL105", line, col, msg, f"did you mean '{target}'?")
    experiment = data.get("experiment")
    if isinstance(experiment, YMap) and isinstance(experiment.get("date"), str):
        m = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", experiment["date"])
        if m:
            try:
                _dt.date(*(int(g) for g in m.groups()))
            except ValueError as exc:
                line, col = experiment.vpos["date"]
                msg = f"'{experiment['date']}' is not a real date ({exc})"
                yield Hit("PL008", line, col, msg, "use YYYY-MM-DD")


@lru_cache(maxsize=1)
def _controls_known() -> frozenset[str]:
    props = load_schema().get("properties", {}).get("controls", {}).get("properties", {})
    return frozenset(props)


@cache
def control_default(key: str) -> tuple[bool, Any]:
    """(known, default) of a `controls` key as the schema states it: the one home of defaults."""
    props = load_schema()["properties"]["controls"].get("properties", {})
    spec = props.get(key)
    if not isinstance(spec, dict):
        return False, None
    return True, spec.get("default")
