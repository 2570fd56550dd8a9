"""Run names from parameters, the sweep's implied runs, and comparing values as numbers."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any, NamedTuple

from planlint.plan.load import YMap, YSeq
from planlint.plan.model import Plan, text_of
from planlint.plan.run import PATH_KEYS, RUN_KEYS
from planlint.plan.values import SCALED_NUMBER, norm, norm_of, quote, scaled_number

NAME_CHARS = re.compile(r"^[A-Za-z0-9._-]+$")
_STRING_KEEP = re.compile(r"[^A-Za-z0-9.-]")
#: A condition value (`dict_full`) keeps every character a run name may hold.
_CONDITION_DROP = re.compile(r"[^A-Za-z0-9._-]")
_NUMBER = r"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"


class Slot(NamedTuple):
    """One piece of a rendered name: literal text, or a number compared by value."""

    text: str
    number: float | None = None


def _value_slots(abbrev: str, value: Any, written: str, run_key: str | None = None) -> list[Slot]:
    """The slots of one value; a string value of a variable named like a run key
    (`training_condition: dict_full`) keeps its underscores, as a condition value does, and a
    path key's (`dataset_path`) is its file's stem."""
    if isinstance(value, bool):
        return [Slot(abbrev + ("true" if value else "false"))]
    if isinstance(value, (int, float)):
        return [Slot(abbrev), Slot(written.lstrip("+"), float(value))]
    if isinstance(value, str):
        if run_key is not None:
            return [
                Slot(_CONDITION_DROP.sub("", PurePosixPath(value).stem if run_key in PATH_KEYS else value))
            ]
        return [Slot(_STRING_KEEP.sub("", value))]
    return [Slot(abbrev + _STRING_KEEP.sub("", str(value)))]


#: Kinds of a template piece (`_pieces`): literal text, `{model}`, `{vars}`, one variable, a
#: condition key.
_LITERAL, _MODEL, _VARS, _VAR, _COND = range(5)


def _pieces(plan: Plan, control: bool) -> list[tuple[int, str]]:
    """The template split into (kind, text) pieces, classified once per plan: for `_VAR` and
    `_COND` the text is the key the placeholder names, else the piece itself."""
    key = "control_pieces" if control else "template_pieces"
    got: list[tuple[int, str]] | None = plan.cache.get(key)
    if got is None:
        template = plan.control_template() if control else plan.template()
        variables = _variable_names(plan)
        got = []
        for piece in re.split(r"(\{[^{}]*\})", template):
            if not piece:
                continue
            if piece == "{model}":
                got.append((_MODEL, piece))
            elif piece == "{vars}":
                got.append((_VARS, piece))
            elif piece.startswith("{") and piece[1:-1] in variables:
                got.append((_VAR, piece[1:-1]))
            elif piece.startswith("{") and piece.endswith("}") and len(piece) > 2:
                got.append((_COND, piece[1:-1]))
            else:
                got.append((_LITERAL, piece))
        plan.cache[key] = got
    return got


def _variable_names(plan: Plan) -> list[str]:
    got: list[str] | None = plan.cache.get("variable_names")
    if got is None:
        got = plan.cache["variable_names"] = list(plan.variables)
    return got


def _abbrevs(plan: Plan) -> dict[str, str]:
    got: dict[str, str] | None = plan.cache.get("abbrevs")
    if got is None:
        got = plan.cache["abbrevs"] = {var: plan.abbrev(var) for var in plan.variables}
    return got


def _slots_of(plan: Plan, var: str, value: Any, written: str) -> tuple[list[Slot], str]:
    """The slots of one variable's value under `{vars}` and the text they spell, made once per
    distinct value (a sweep repeats few values)."""
    memo: dict[Any, tuple[list[Slot], str]] = plan.cache.setdefault("value_slots", {})
    try:
        memo_key: Any = (var, type(value), value, written)
        got = memo.get(memo_key)
    except TypeError:  # an unhashable value
        got = memo_key = None
    if got is None:
        slots = _value_slots(_abbrevs(plan)[var], value, written, var if var in RUN_KEYS else None)
        got = (slots, "".join(s.text for s in slots))
        if memo_key is not None:
            memo[memo_key] = got
    return got


def name_slots(
    plan: Plan,
    model: str,
    params: dict[str, tuple[Any, str]],
    control: bool,
    condition: dict[str, tuple[Any, str]] | None = None,
) -> list[Slot] | None:
    """The expected name as slots, or None when a variable the template needs is missing.

    `params` maps a variable to (value, text as written in plan.yaml); `condition` maps the run's
    condition keys (`training_condition`, `prompt`, ...) to theirs, for templates that name them.
    """
    variables = _variable_names(plan)
    slots: list[Slot] = []
    for kind, piece in _pieces(plan, control):
        if kind == _MODEL:
            slots.append(Slot(plan.model_label(model)))
        elif kind == _VARS:
            if control:
                continue
            for i, var in enumerate(variables):
                if var not in params:
                    return None
                if i:
                    slots.append(Slot("_"))
                value, written = params[var]
                slots.extend(_slots_of(plan, var, value, written)[0])
        elif kind == _VAR:
            if control:
                continue
            if piece not in params:
                return None
            value, written = params[piece]
            slots.extend(
                s for s in _value_slots("", value, written, piece if piece in RUN_KEYS else None) if s.text
            )
        elif kind == _COND:
            if condition is None or piece not in condition:
                return None
            value, written = condition[piece]
            text = _CONDITION_DROP.sub("", value) if isinstance(value, str) else written
            if text:
                slots.append(Slot(text))
        else:
            slots.append(Slot(piece))
    # Collapse separators left dangling by empty pieces (e.g. a control template with {vars}).
    text = render(slots)
    if not text:
        return None
    return slots


def rendered_name(
    plan: Plan,
    model: str,
    params: Mapping[str, tuple[Any, ...]],
    control: bool,
    condition: Mapping[str, tuple[Any, ...]] | None = None,
) -> str | None:
    """`render(name_slots(...))` without making the slots (None where `name_slots` gives None):
    the name a run is compared with first, for every run of a plan. `params` and `condition`
    map a key to (value, text as written, ...): a `Run`'s `variables` and `condition_items` do."""
    parts: list[str] = []
    for kind, piece in _pieces(plan, control):
        if kind == _LITERAL:
            parts.append(piece)
        elif kind == _MODEL:
            parts.append(plan.model_label(model))
        elif kind == _VARS:
            if control:
                continue
            texts = _value_texts(plan)
            first = True
            for var in _variable_names(plan):
                got = params.get(var)
                if got is None:
                    return None
                if first:
                    first = False
                else:
                    parts.append("_")
                value, written = got[0], got[1]
                try:
                    text = texts[(var, value.__class__, value, written)]
                except KeyError:
                    text = texts[(var, value.__class__, value, written)] = _slots_of(
                        plan, var, value, written
                    )[1]
                except TypeError:  # an unhashable value
                    text = _slots_of(plan, var, value, written)[1]
                parts.append(text)
        elif kind == _VAR:
            if control:
                continue
            got = params.get(piece)
            if got is None:
                return None
            parts.extend(
                s.text for s in _value_slots("", got[0], got[1], piece if piece in RUN_KEYS else None)
            )
        else:  # _COND
            if condition is None or piece not in condition:
                return None
            value, written = condition[piece][:2]
            parts.append(_CONDITION_DROP.sub("", value) if isinstance(value, str) else written)
    return "".join(parts).strip("_").replace("__", "_") or None


def _value_texts(plan: Plan) -> dict[Any, str]:
    """(variable, type, value, text as written) -> what the value spells under `{vars}`."""
    got: dict[Any, str] | None = plan.cache.get("value_texts")
    if got is None:
        got = plan.cache["value_texts"] = {}
    return got


def render(slots: list[Slot]) -> str:
    """The name the slots spell, without doubled or trailing separators."""
    return "".join(s.text for s in slots).strip("_").replace("__", "_")


def name_matches(slots: list[Slot], name: str) -> bool:
    """Does `name` spell the slots, with number slots compared by value (lr1e-4 == lr0.0001,
    10K == 10000)?"""
    expected = render(slots)
    if name == expected:
        return True
    pattern = "".join(SCALED_NUMBER if s.number is not None else re.escape(s.text) for s in slots)
    m = re.fullmatch(pattern.replace(re.escape("__"), "_"), name)
    if not m:
        return False
    numbers = [s.number for s in slots if s.number is not None]
    for got, want in zip(m.groups(), numbers, strict=False):
        value = scaled_number(got)
        if value is None or want is None or not math.isclose(value, want, rel_tol=1e-9, abs_tol=0.0):
            return False
    return True


def run_params(plan: Plan, run: YMap) -> dict[str, tuple[Any, str]]:
    """The run's values of the declared variables: name -> (value, text as written), as the Run
    view reads them (`Run.variables`: a variable named like a run key is read at run level)."""
    from planlint.plan.run import run_of

    view = run_of(plan, run)
    if view is None:  # not an entry of this plan's runs
        return {}
    return {k: (v.value, v.text) for k, v in view.variables.items()}


class ImpliedRun(NamedTuple):
    """A run that the variables, models and base_controls imply."""

    name: str
    type: str
    model: str
    model_index: int
    params: tuple[tuple[str, Any, str], ...]  # (variable, value, text as written)
    #: the condition group it belongs to: parameters beyond the variables, as (key, value, text)
    extra: tuple[tuple[str, Any, str], ...] = ()
    #: run keys of the condition (`training_condition`, `dataset_path`, ...), as (key, value, text)
    run_keys: tuple[tuple[str, Any, str], ...] = ()
    #: the group's condition as `Run.condition` spells it (empty for a plain sweep run)
    condition: tuple[tuple[str, Any], ...] = ()

    @property
    def key(self) -> tuple[tuple[str, Any], ...]:
        return tuple([(var, norm_of(value)) for var, value, _ in self.params])

    @property
    def parameters(self) -> tuple[tuple[str, Any, str], ...]:
        """Everything its `parameters:` holds: the variables (but those named like a run key),
        then the condition's parameters."""
        return tuple(p for p in self.params if p[0] not in RUN_KEYS) + self.extra

    @property
    def run_level(self) -> tuple[tuple[str, Any, str], ...]:
        """Everything it sets beside `parameters`: the condition's run keys, then its values of
        the variables named like a run key (`training_condition: dict_full`), where cruijff_kit's
        scaffold reads them."""
        return self.run_keys + tuple(p for p in self.params if p[0] in RUN_KEYS)

    def describe(self) -> str:
        """`lora_rank=8 lr=1e-5`, with the condition after a semicolon (`; prompt="..."`)."""
        combo = " ".join(f"{v}={t}" for v, _, t in self.params)
        cond = " ".join(f"{k}={_short(t)}" for k, _, t in (*self.run_keys, *self.extra))
        return combo + (f" ({cond})" if cond else "")


def _short(text: str, limit: int = 32) -> str:
    one = text.replace("\n", "\\n")
    return one if len(one) <= limit else one[: limit - 3] + "..."


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


def sweep_models(plan: Plan) -> list[tuple[int, str]]:
    """(index in models.base, name) of the models the sweep covers: `variables.model` when the
    plan sweeps the model as an axis, else every model."""
    axis = plan.model_axis
    wanted = {v for v in axis if isinstance(v, str)} if axis is not None else None
    out = []
    for index, model in plan.models():
        name = model.get("name")
        if isinstance(name, str) and (wanted is None or name in wanted):
            out.append((index, name))
    return out


class Group(NamedTuple):
    """Fine-tuned runs of one model that share a condition: each group covers the sweep."""

    model: str
    condition: tuple[tuple[str, Any], ...]
    #: the group's first run, whose condition new runs copy (None for the plain group)
    example: Any = None


def condition_groups(plan: Plan, model: str) -> list[Group]:
    """The condition groups of a model's fine-tuned runs, in file order; the plain group alone
    when none of them has a condition. A one-off variant (`Run.one_off`) makes no group."""
    from planlint.plan.run import runs_of

    cache = plan.cache.setdefault("condition_groups", {})
    if not cache:
        for run in runs_of(plan):
            if run.fine_tuned and run.model is not None and not run.one_off:
                groups = cache.setdefault(run.model, {})
                groups.setdefault(
                    run.condition, Group(run.model, run.condition, run if run.condition else None)
                )
    found = list(cache.get(model, {}).values())
    return found or [Group(model, ())]


def _group_name(plan: Plan, model: str, group: Group, params: dict[str, tuple[Any, str]]) -> str:
    """The name of a new run of a condition group: the template when it names every condition key,
    else the group's first run's name with its variable tokens set to the new values."""
    example = group.example
    items = {k: (v.value, v.text) for k, v in example.condition_items.items()}
    slots = name_slots(plan, model, params, control=False, condition=items)
    if slots is not None and all(k in plan.template() for k in items):
        return render(slots)
    name = str(example.name or model)
    for var, (value, written) in params.items():
        abbrev = plan.abbrev(var)
        token = "".join(
            sl.text for sl in _value_slots(abbrev, value, written, var if var in RUN_KEYS else None)
        )
        old = example.variables.get(var)
        pattern = re.compile(r"(?<![A-Za-z0-9.])" + re.escape(abbrev) + _NUMBER + r"(?![A-Za-z0-9.])")
        if old is not None and isinstance(value, (int, float)) and pattern.search(name):
            name = pattern.sub(token, name, count=1)
        elif token and token not in name.split("_"):
            name = f"{name}_{token}"
    return name


def _sweep_names(
    plan: Plan, model: str, axes: list[list[tuple[str, Any, str]]]
) -> Iterator[str | None] | None:
    """`rendered_name` of every combination of `axes` (the product, in its order) for a plain
    fine-tuned run, each value's text made once; None when the template names a single variable
    or a condition key (then each name is rendered on its own)."""
    pieces = _pieces(plan, False)
    if any(kind == _VAR or kind == _COND for kind, _ in pieces):
        return None
    label = plan.model_label(model)
    texts = [[_slots_of(plan, var, value, text)[1] for var, value, text in axis] for axis in axes]

    def names() -> Iterator[str | None]:
        for combo in itertools.product(*texts):
            joined = "_".join(combo)
            parts = [
                label if kind == _MODEL else joined if kind == _VARS else piece for kind, piece in pieces
            ]
            yield "".join(parts).strip("_").replace("__", "_") or None

    return names()


def _implied(plan: Plan) -> Iterator[ImpliedRun]:
    variables: list[tuple[str, YSeq]] = list(plan.variables.items())
    with_controls = True
    excludes = bool(plan.seq("sweep", "exclude"))
    for index, name in sweep_models(plan):
        if variables:
            axes = [[(var, seq[i], text_of(seq, i)) for i in range(len(seq))] for var, seq in variables]
            for group in condition_groups(plan, name):
                extra: tuple[tuple[str, Any, str], ...] = ()
                run_keys: tuple[tuple[str, Any, str], ...] = ()
                if group.example is not None:
                    items = group.example.condition_items
                    extra = tuple(
                        (k, v.value, v.text) for k, v in items.items() if v.path[-2] == "parameters"
                    )
                    run_keys = tuple(
                        (k, v.value, v.text) for k, v in items.items() if v.path[-2] != "parameters"
                    )
                names = _sweep_names(plan, name, axes) if group.example is None else None
                for combo in itertools.product(*axes):
                    rendered = next(names) if names is not None else None
                    if excludes:
                        values = {var: value for var, value, _ in combo}
                        if excluded(plan, name, values) is not None:
                            continue
                    if names is not None:
                        run_name = rendered or name
                    else:
                        params = {var: (value, text) for var, value, text in combo}
                        if group.example is None:
                            run_name = rendered_name(plan, name, params, control=False) or name
                        else:
                            run_name = _group_name(plan, name, group, params)
                    yield ImpliedRun(
                        run_name, "fine-tuned", name, index, tuple(combo), extra, run_keys, group.condition
                    )
        if with_controls:
            control = rendered_name(plan, name, {}, control=True) or f"{name}_base"
            yield ImpliedRun(control, "control", name, index, ())


def value_text(value: Any, written: str) -> str:
    """A scalar for flow YAML: strings quoted as needed (escapes for line breaks), numbers as written."""
    if isinstance(value, str):
        if any(ord(c) < 0x20 or c in "\u2028\u2029\x85" for c in value):
            import json

            return json.dumps(value, ensure_ascii=False)
        return quote(value)
    return written


def runs_to_add(plan: Plan) -> tuple[list[tuple[ImpliedRun, int | None]], list[str]]:
    """What `fix --runs` adds: every implied run whose identity no run has (per model and condition
    group; a control per model that has none), each with the index of the existing run it goes
    after (the last run of its model), and notes on runs it will not add."""
    from planlint.plan.run import runs_of

    have: set[tuple[Any, ...]] = set()
    controls: set[str] = set()
    last: dict[str, int] = {}
    names: set[str] = set()
    for run in runs_of(plan):
        if run.name is not None:
            names.add(run.name)
        if run.model is None:
            continue  # check reports it; no implied run can match it
        last[run.model] = run.index
        if run.type == "control":
            controls.add(run.model)
        elif run.fine_tuned:
            have.add((run.model, run.sweep_condition, run.combination))
    implied = list(implied_runs(plan))
    counts: dict[str, int] = {}
    for r in implied:
        counts[r.name] = counts.get(r.name, 0) + 1
    out: list[tuple[ImpliedRun, int | None]] = []
    notes: list[str] = []
    refused: set[str] = set()
    for r in implied:
        if counts[r.name] > 1:
            if r.name not in refused:  # one line per name, not one per run that has it
                refused.add(r.name)
                notes.append(
                    f"not adding {r.name}: the naming template gives {counts[r.name]} runs this name (PL219)"
                )
            continue
        if r.type == "control":
            if r.model in controls:
                continue
        elif (r.model, r.condition, r.key) in have:
            continue
        if r.name in names:
            notes.append(f"skipped {r.name}: a run of that name exists with other parameters")
            continue
        names.add(r.name)
        out.append((r, last.get(r.model)))
    return out, notes
