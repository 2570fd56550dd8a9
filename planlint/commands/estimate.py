"""`planlint estimate --write`: store each run's estimate in plan.yaml by surgical edits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planlint.plan.load import YMap, load_plan

if TYPE_CHECKING:
    from planlint.estimate.plan import RunEstimate


def write_estimates(
    path: Path, text: str, results: Sequence[RunEstimate], apply_batch_size: bool = False
) -> str:
    """plan.yaml's text with compute.time and compute.basis set per run (surgical edits).

    The result is re-parsed and must hold the old data with exactly these values set, else
    EditError (and nothing is written).
    """
    from planlint.plan.edit import (
        Edit,
        EditError,
        add_key,
        add_keys,
        apply_edits,
        dq,
        own,
        set_scalar,
    )
    from planlint.plan.editsafety import DataChanged, parser_lines, verify_edit

    loaded = load_plan(path, text=text)
    if not isinstance(loaded.data, YMap):
        raise EditError("the plan does not load; fix its YAML first")
    runs = loaded.data.get("runs")
    lines = parser_lines(text)
    edits: list[Edit] = []
    touched: set[int] = set()
    #: (run index, section or None for the run itself, key, value) the edits mean to set
    intended: list[tuple[int, str | None, str, Any]] = []

    def target(mapping: YMap, run: YMap, what: str) -> YMap:
        # An alias or merge key would make one edit land in several runs (or nowhere sensible).
        if id(mapping) in touched or not own(mapping, run):
            raise EditError(
                f"{what} of run '{run.get('name')}' is an alias or merged; write it out, then retry"
            )
        touched.add(id(mapping))
        return mapping

    for result in results:
        est = result.estimate
        run = runs[result.index] if isinstance(runs, list) and result.index < len(runs) else None
        if not isinstance(run, YMap) or run.get("name") != result.run.get("name") or est.time is None:
            continue
        if apply_batch_size and est.batch_size_suggestion:
            # parameters before compute: edits at one spot land in list order
            params = run.get("parameters")
            if isinstance(params, YMap):
                params = target(params, run, "parameters")
                wanted = [
                    ("batch_size", est.batch_size_suggestion),
                    ("gradient_accumulation_steps", est.gradient_accumulation_suggestion),
                ]
                new_keys = []
                for key, number in wanted:
                    if number is None:
                        continue
                    intended.append((result.index, "parameters", key, number))
                    if key in params:
                        edits.append(set_scalar(lines, params, key, str(number)))
                    else:
                        new_keys.append((key, str(number)))
                if new_keys:
                    edits.append(add_keys(lines, params, new_keys))
        basis = est.basis.replace("\n", " ")
        compute = run.get("compute")
        if isinstance(compute, YMap):
            compute = target(compute, run, "compute")
            missing = []
            for key, value in (("time", est.time), ("basis", basis)):
                if key in compute and not isinstance(compute[key], (dict, list)):
                    edits.append(set_scalar(lines, compute, key, dq(value)))
                    intended.append((result.index, "compute", key, value))
                elif key not in compute:
                    missing.append((key, dq(value)))
                    intended.append((result.index, "compute", key, value))
            if missing:
                edits.append(add_keys(lines, compute, missing))
        elif "compute" not in run:
            edits.append(
                add_key(
                    lines,
                    target(run, run, "run"),
                    "compute",
                    "{time: " + dq(est.time) + ", basis: " + dq(basis) + "}",
                )
            )
            intended.append((result.index, None, "compute", {"time": est.time, "basis": basis}))
    new = apply_edits(text, edits)
    if new == text:
        return new

    def apply(expected: Any) -> None:
        for index, section, key, value in intended:
            run = expected["runs"][index]
            (run if section is None else run[section])[key] = value

    try:
        verify_edit(loaded.data, new, apply)
    except DataChanged as exc:
        raise EditError(str(exc)) from None
    return new
