"""What a run's name says that its model or parameters contradict.

cruijff_kit never derives a run folder from a template: researchers name runs in their own form
(`1B_10K` for Llama-3.2-1B-Instruct trained on 10,000 samples, `Llama-3.2-1B-Instruct_rank8`,
`1B_control`). A name is wrong only where it says something the run does not do: a variable's
token with another value (`rank4` for `lora_rank: 8`), another value of a variable in the
researcher's form (`10K` when `sample_size` is 1000), another model (`Llama-3.2-3B-Instruct_...`)
or another size (`3B_1K` for a 1B model) where the name puts its model (its first piece).
`contradictions(plan, run)` lists those.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

from planlint.plan.model import DEFAULT_ABBREV, MODEL_AXIS, Plan, text_of
from planlint.plan.run import Run
from planlint.plan.values import as_number, scaled_number

#: A model size token: 1B, 0.5B, 70b.
_SIZE = re.compile(r"(\d+(?:\.\d+)?)[bB]")
#: What a string value keeps in a rendered name (as naming.py renders it).
_STRING_KEEP = re.compile(r"[^A-Za-z0-9.-]")


class Contradiction(NamedTuple):
    """One thing the name says that the run does not do."""

    #: the part of the name at fault (`rank4`, `10K`, `3B`, `Llama-3.2-3B-Instruct`)
    token: str
    #: what the run really has (`the run's lora_rank is 8`)
    truth: str
    #: how to settle it if the name is the right one (`set lora_rank: 4`), or None
    other_fix: str | None = None


def model_size(name: str) -> float | None:
    """The parameter count in billions a model name states (`Llama-3.2-1B-Instruct` -> 1.0)."""
    sizes = {float(m.group(1)) for t in re.split(r"[-_]", name) if (m := _SIZE.fullmatch(t))}
    return sizes.pop() if len(sizes) == 1 else None


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def _segments(name: str, phrase: str) -> bool:
    """Does `phrase` occur in `name` as whole `_`-separated pieces?"""
    return bool(phrase) and f"_{phrase}_" in f"_{name}_"


def _forms(plan: Plan, var: str, value: Any) -> tuple[float | None, set[str]]:
    """How a name may spell one value of `var`: a number (bare, `10K`, or after the variable's
    abbreviation) or the string's pieces (`words_5L_80P_1000`, rendered `words5L80P1000`)."""
    if isinstance(value, bool):
        return None, {plan.abbrev(var) + ("true" if value else "false")}
    number = as_number(value)
    if number is not None:
        return number, set()
    if isinstance(value, str):
        return None, {value, _STRING_KEEP.sub("", value)} - {""}
    return None, set()


def _numbers_in(name: str, abbrev: str) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(token, number) pairs of the name: after `abbrev` (`rank8`), and bare (`10K`)."""
    tagged: list[tuple[str, float]] = []
    bare: list[tuple[str, float]] = []
    prefix = re.compile(re.escape(abbrev) + r"(.+)") if abbrev else None
    for token in (t for t in name.split("_") if t):
        if prefix is not None and (m := prefix.fullmatch(token)):
            got = scaled_number(m.group(1))
            if got is not None:
                tagged.append((token, got))
                continue
        got = scaled_number(token)
        if got is not None:
            bare.append((token, got))
    return tagged, bare


def contradictions(plan: Plan, run: Run) -> list[Contradiction]:
    """Everything the run's name says that its model or parameters contradict (see the module)."""
    name = run.name or ""
    if not name:
        return []
    out: list[Contradiction] = []
    out.extend(_model_contradictions(plan, run, name))
    out.extend(_variable_contradictions(plan, run, name))
    if run.fine_tuned:
        out.extend(_setting_contradictions(plan, run, name))
    return out


def _leads(name: str, label: str) -> bool:
    """Does the name start with `label` as its model part (`Llama-3.2-1B-Instruct_rank8`)?"""
    return bool(label) and (name == label or name.startswith(label + "_"))


def _model_contradictions(plan: Plan, run: Run, name: str) -> list[Contradiction]:
    """The model part of a name (its first piece, where cruijff's names put the model) must be
    the run's model: not another declared model, not another size. A size later in the name
    (`1B_from_8B`) may be anything (a teacher, a comparison)."""
    model = run.model
    if model is None or model not in plan.model_names():
        return []
    if any(_leads(name, label) for label in (model, plan.model_label(model))):
        return []
    for other in plan.model_names():
        if other == model:
            continue
        for label in (other, plan.model_label(other)):
            if _leads(name, label):
                return [Contradiction(label, f"the run's model is {model}", f"set model: {other}")]
    size = model_size(model)
    if size is None:
        return []
    head = name.split("_")[0]
    said = [(t, float(m.group(1))) for t in head.split("-") if (m := _SIZE.fullmatch(t))]
    if said and not any(_same(s, size) for _, s in said):
        return [Contradiction(said[0][0], f"its model {model} is a {_size_text(size)} model")]
    return []


def _size_text(size: float) -> str:
    return f"{size:g}B"


def _variable_contradictions(plan: Plan, run: Run, name: str) -> list[Contradiction]:
    out: list[Contradiction] = []
    variables = plan.variables
    owners = _numbers_owned(plan)
    for var, mine in run.variables.items():
        if var == MODEL_AXIS:
            continue
        values = variables.get(var)
        if values is None:
            continue
        want, want_forms = _forms(plan, var, mine.value)
        abbrev = plan.abbrev(var)
        tagged, bare = _numbers_in(name, abbrev) if want is not None else ([], [])
        if want is not None:
            if any(_same(got, want) for _, got in tagged) or any(_same(got, want) for _, got in bare):
                continue
            wrong = next(((t, g) for t, g in tagged if not _same(g, want)), None)
            if wrong is None:  # a bare value of this variable only (10K of sample_size)
                wrong = next(((t, g) for t, g in bare if _owners(owners, g) == {var}), None)
            if wrong is not None:
                out.append(
                    Contradiction(
                        wrong[0],
                        f"the run's {var} is {mine.text}",
                        f"set {var}: {_written(values, wrong[1])}",
                    )
                )
            continue
        if any(_segments(name, form) for form in want_forms):
            continue
        for j, value in enumerate(values):
            _, forms = _forms(plan, var, value)
            hit = next((f for f in sorted(forms, key=len, reverse=True) if _segments(name, f)), None)
            if hit is not None and not (forms & want_forms):
                out.append(
                    Contradiction(hit, f"the run's {var} is {mine.text}", f"set {var}: {text_of(values, j)}")
                )
                break
    return out


def _numbers_owned(plan: Plan) -> dict[float, set[str]]:
    """Each number among the variables' values -> the variables that have it, once per plan (a
    bare number token that is a value of several variables says nothing about any one of them)."""
    got: dict[float, set[str]] | None = plan.cache.get("numbers_owned")
    if got is None:
        got = plan.cache["numbers_owned"] = {}
        for var, values in plan.variables.items():
            for value in values:
                number, _ = _forms(plan, var, value)
                if number is not None:
                    got.setdefault(number, set()).add(var)
    return got


def _owners(owners: dict[float, set[str]], number: float) -> set[str]:
    """The variables that have `number` among their values."""
    return next((vs for n, vs in owners.items() if _same(n, number)), set())


def _written(values: Any, number: float) -> str:
    """The value of the variable's list equal to `number`, as written."""
    for j, value in enumerate(values):
        got = as_number(value)
        if got is not None and _same(got, number):
            return text_of(values, j)
    return f"{number:g}"


def _setting_contradictions(plan: Plan, run: Run, name: str) -> list[Contradiction]:
    """Tokens such as `rank8` for a setting the plan states but does not sweep (a controls-only
    plan's `controls.lora_rank: 8`, or a run's own override)."""
    out: list[Contradiction] = []
    abbrevs = dict(DEFAULT_ABBREV)
    for key in (*plan.naming.get("abbrev", {}), *plan.config.naming.get("abbrev", {})):
        abbrevs[str(key)] = plan.abbrev(str(key))
    for key, abbrev in abbrevs.items():
        if key in plan.variables or not abbrev:
            continue
        setting = run.setting(key)
        want = as_number(setting.value) if setting.stated else None
        if want is None or isinstance(setting.value, bool):
            continue
        tagged, _ = _numbers_in(name, abbrev)
        if not tagged or any(_same(got, want) for _, got in tagged):
            continue
        where = "its parameters" if setting.from_run else "controls"
        shown = (
            text_of(run.parameters, key)
            if setting.from_run and run.parameters is not None
            else str(setting.value)
        )
        if not setting.from_run:
            shown = text_of(plan.controls, key)
        out.append(Contradiction(tagged[0][0], f"the run's {key} is {shown} ({where})"))
    return out
