"""Run names from parameters, the sweep's implied runs, and comparing values as numbers."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from planlint.plan.load import YMap, YSeq
from planlint.plan.model import Plan, text_of

NAME_CHARS = re.compile(r"^[A-Za-z0-9._-]+$")
_STRING_KEEP = re.compile(r"[^A-Za-z0-9.-]")
_NUMBER = r"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"


def norm(value: Any) -> tuple[str, Any]:
    """A value as the sweep compares it: numbers by value (1e-5 == 0.00001), the rest exactly."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", float(value))
    if isinstance(value, str):
        return ("s", value)
    return ("o", repr(value))


@dataclass(frozen=True)
class Slot:
    """One piece of a rendered name: literal text, or a number compared by value."""

    text: str
    number: float | None = None


def _value_slots(abbrev: str, value: Any, written: str) -> list[Slot]:
    if isinstance(value, bool):
        return [Slot(abbrev + ("true" if value else "false"))]
    if isinstance(value, (int, float)):
        return [Slot(abbrev), Slot(written.lstrip("+"), float(value))]
    if isinstance(value, str):
        return [Slot(_STRING_KEEP.sub("", value))]
    return [Slot(abbrev + _STRING_KEEP.sub("", str(value)))]


def name_slots(
    plan: Plan, model: str, params: dict[str, tuple[Any, str]], control: bool
) -> list[Slot] | None:
    """The expected name as slots, or None when a variable the template needs is missing.

    `params` maps a variable to (value, text as written in plan.yaml).
    """
    key = "control_pieces" if control else "template_pieces"
    if key not in plan.cache:
        template = plan.control_template() if control else plan.template()
        plan.cache[key] = [p for p in re.split(r"(\{[^{}]*\})", template) if p]
        plan.cache["abbrevs"] = {var: plan.abbrev(var) for var in plan.variables}
    abbrevs: dict[str, str] = plan.cache["abbrevs"]
    variables = list(plan.variables)
    slots: list[Slot] = []
    for piece in plan.cache[key]:
        if not piece:
            continue
        if piece == "{model}":
            slots.append(Slot(plan.model_label(model)))
        elif piece == "{vars}":
            if control:
                continue
            for i, var in enumerate(variables):
                if var not in params:
                    return None
                if i:
                    slots.append(Slot("_"))
                value, written = params[var]
                slots.extend(_value_slots(abbrevs[var], value, written))
        elif piece.startswith("{") and piece[1:-1] in variables:
            var = piece[1:-1]
            if control:
                continue
            if var not in params:
                return None
            value, written = params[var]
            slots.extend(s for s in _value_slots("", value, written) if s.text)
        else:
            slots.append(Slot(piece))
    # Collapse separators left dangling by empty pieces (e.g. a control template with {vars}).
    text = render(slots)
    if not text:
        return None
    return slots


def render(slots: list[Slot]) -> str:
    """The name the slots spell, without doubled or trailing separators."""
    return "".join(s.text for s in slots).strip("_").replace("__", "_")


def name_matches(slots: list[Slot], name: str) -> bool:
    """Does `name` spell the slots, with number slots compared by value (lr1e-4 == lr0.0001)?"""
    expected = render(slots)
    if name == expected:
        return True
    pattern = "".join(_NUMBER if s.number is not None else re.escape(s.text) for s in slots)
    m = re.fullmatch(pattern.replace(re.escape("__"), "_"), name)
    if not m:
        return False
    numbers = [s.number for s in slots if s.number is not None]
    for got, want in zip(m.groups(), numbers, strict=False):
        try:
            value = float(got)
        except ValueError:
            return False
        if want is None or not math.isclose(value, want, rel_tol=1e-9, abs_tol=0.0):
            return False
    return True


def run_params(plan: Plan, run: YMap) -> dict[str, tuple[Any, str]]:
    """The run's values of the declared variables: name -> (value, text as written)."""
    params = run.get("parameters")
    out: dict[str, tuple[Any, str]] = {}
    if not isinstance(params, YMap):
        return out
    for var in plan.variables:
        if var in params and not isinstance(params[var], (dict, list)):
            out[var] = (params[var], text_of(params, var))
    return out


@dataclass(frozen=True)
class ImpliedRun:
    """A run that the variables, models and base_controls imply."""

    name: str
    type: str
    model: str
    model_index: int
    params: tuple[tuple[str, Any, str], ...]  # (variable, value, text as written)

    @property
    def key(self) -> tuple[tuple[str, Any], ...]:
        return tuple((var, norm(value)) for var, value, _ in self.params)


def excluded(plan: Plan, model: str, combo: dict[str, Any]) -> int | None:
    """Index of the first sweep.exclude entry that removes this combination, if any."""
    for i, entry in enumerate(plan.seq("sweep", "exclude")):
        if not isinstance(entry, YMap):
            continue
        wanted = entry.get("model")
        if wanted is not None and wanted not in (model, plan.model_label(model)):
            continue
        ok = True
        for key, value in entry.items():
            if key in ("model", "reason"):
                continue
            if key not in combo or norm(combo[key]) != norm(value):
                ok = False
                break
        if ok:
            return i
    return None


def implied_runs(plan: Plan, with_controls: bool | None = None) -> Iterator[ImpliedRun]:
    """Per model in declared order: the product (first variable outermost), then its control."""
    if with_controls is None:
        with_controls = plan.base_controls is not False
    if "implied" not in plan.cache:  # several rules walk the sweep: render it once per plan
        plan.cache["implied"] = list(_implied(plan))
    for run in plan.cache["implied"]:
        if with_controls or run.type != "control":
            yield run


def _implied(plan: Plan) -> Iterator[ImpliedRun]:
    variables: list[tuple[str, YSeq]] = list(plan.variables.items())
    with_controls = True
    for index, model in plan.models():
        name = model.get("name")
        if not isinstance(name, str):
            continue
        if variables:
            axes = [[(var, seq[i], text_of(seq, i)) for i in range(len(seq))] for var, seq in variables]
            for combo in itertools.product(*axes):
                values = {var: value for var, value, _ in combo}
                if excluded(plan, name, values) is not None:
                    continue
                params = {var: (value, text) for var, value, text in combo}
                slots = name_slots(plan, name, params, control=False)
                yield ImpliedRun(render(slots) if slots else name, "fine-tuned", name, index, tuple(combo))
        if with_controls:
            slots = name_slots(plan, name, {}, control=True)
            yield ImpliedRun(render(slots) if slots else f"{name}_base", "control", name, index, ())


def run_yaml(run: ImpliedRun, indent: str = "  ") -> str:
    """The block YAML of one run, to paste under `runs:`."""
    params = ", ".join(
        f"{var}: {text if not isinstance(value, str) else quote(value)}" for var, value, text in run.params
    )
    return "\n".join(
        [
            f"{indent}- name: {run.name}",
            f"{indent}  type: {run.type}",
            f"{indent}  model: {run.model}",
            f"{indent}  parameters: {{{params}}}",
        ]
    )


def quote(value: str) -> str:
    """A string as a YAML scalar: plain when safe, else double-quoted."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9._/-]*", value) and value.lower() not in {
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    }:  # fmt: skip
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
