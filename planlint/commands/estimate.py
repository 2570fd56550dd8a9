"""`planlint estimate --write`: store each run's estimate in plan.yaml by surgical edits.

A compute.time already in the plan is the researcher's (design-experiment has them approve each
compute block): it is kept unless it is below what the prior logs predict (the PL703 test), or
``overwrite`` asks to replace it. A comment beside a replaced time gets the old value in front
(``# was 1:00:00: generous``), so it never describes a value that is no longer there. Provenance
(compute.basis) goes into the plan only when asked (``basis``), or where the plan already holds a
basis for a time that changes (a stale basis would describe the old time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planlint.plan.load import YMap, load_plan

if TYPE_CHECKING:
    from planlint.estimate.model import Estimate
    from planlint.estimate.plan import RunEstimate
    from planlint.plan.edit import Edit


@dataclass(frozen=True)
class TimeChange:
    """What `--write` did with one fine-tuned run's compute.time, and why."""

    run: str
    action: str  # "set", "raised", "replaced", "kept" or "none" (no estimate)
    old: str | None  # compute.time as written before, None when the run had none
    new: str | None  # the time written, None when nothing was written
    why: str
    comment: str | None = None  # the comment beside the time, as rewritten
    basis: bool = False  # compute.basis written too

    def line(self) -> str:
        """One line for the terminal: ``run: compute.time 0:30:00 -> 0:35:00 (why)``."""
        if self.action == "none":
            return f"{self.run}: compute.time left as is ({self.why})"
        if self.action == "kept":
            return f"{self.run}: compute.time {self.old} kept ({self.why})"
        if self.old is None:
            text = f"{self.run}: compute.time set to {self.new} ({self.why})"
        else:
            text = f"{self.run}: compute.time {self.old} -> {self.new} ({self.why})"
        if self.comment is not None:
            text += f"; its comment now reads '{self.comment}'"
        if self.basis:
            text += "; compute.basis written"
        return text


@dataclass
class EstimateWrite:
    """The new plan text and what was done per run."""

    text: str
    changes: list[TimeChange] = field(default_factory=list)


def _decide(est: Estimate, old_value: Any, old_text: str | None, overwrite: bool) -> tuple[str, str]:
    """(action, why) for one run's compute.time against its estimate."""
    from planlint.slurmtime import format_est_time, value_seconds

    assert est.time is not None
    padded = est.seconds if est.seconds is not None else value_seconds(est.time) or 0
    raw = est.seconds_raw if est.seconds_raw is not None else float(padded)
    predicted = format_est_time(int(raw))
    if old_text is None or old_value is None:
        return "set", "the run had none"
    have = value_seconds(old_value)
    if have is None:
        if overwrite:
            return "replaced", "not a SLURM time; --overwrite"
        return "kept", "not a SLURM time; fix it by hand, or --overwrite replaces it"
    if have < raw:
        return "raised", f"below the {predicted} prior logs predict"
    if have == padded:
        return "kept", "the estimate"
    if overwrite:
        return "replaced", f"--overwrite; prior logs predict {predicted}"
    return (
        "kept",
        f"covers the {predicted} prior logs predict; the estimate is {est.time}, --overwrite writes it",
    )


def _comment_after(src: str, start: int) -> int | None:
    """Where a `# comment` starts on a line after column `start` (outside quotes), or None."""
    quote = ""
    i = start
    while i < len(src):
        ch = src[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "'\"" and (i == start or src[i - 1] in " \t,{[:"):
            quote = ch
        elif ch == "#" and i > 0 and src[i - 1] in " \t":
            return i
        i += 1
    return None


def _comment_edit(lines: list[str], compute: YMap, old_text: str) -> tuple[Edit, str] | None:
    """The edit that puts the old value in front of the comment on compute.time's line."""
    from planlint.plan.edit import Edit, _is_flow, scalar_end
    from planlint.plan.editsafety import strip_break

    line, col = compute.vpos["time"]
    src = strip_break(lines[line - 1])[0]
    end = scalar_end(src, col - 1, flow=_is_flow(lines, compute))
    at = _comment_after(src, end)
    if at is None:
        return None
    body = src[at + 1 :].strip()
    text = f"# was {old_text}: {body}" if body else f"# was {old_text}"
    return Edit(line, at, len(src.rstrip(" \t")), text), text


def estimate_edits(
    path: Path,
    text: str,
    results: Sequence[RunEstimate],
    apply_batch_size: bool = False,
    *,
    overwrite: bool = False,
    basis: bool = False,
) -> EstimateWrite:
    """plan.yaml's text with each run's compute.time (and, when asked or already there,
    compute.basis) set from its estimate by surgical edits, and what was done per run.

    An existing compute.time is kept unless it is below the prior logs' prediction or
    ``overwrite`` is given. The result is re-parsed and must hold the old data with exactly these
    values set, else EditError (and nothing is written).
    """
    from planlint.plan.edit import (
        EditError,
        add_key,
        add_keys,
        apply_edits,
        dq,
        own,
        set_scalar,
    )
    from planlint.plan.editsafety import DataChanged, parser_lines, verify_edit
    from planlint.plan.model import text_of

    loaded = load_plan(path, text=text)
    if not isinstance(loaded.data, YMap):
        raise EditError("the plan does not load; fix its YAML first")
    runs = loaded.data.get("runs")
    lines = parser_lines(text)
    edits: list[Edit] = []
    changes: list[TimeChange] = []
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
        if not isinstance(run, YMap) or run.get("name") != result.run.get("name"):
            continue
        name = str(run.get("name"))
        if est.time is None:
            changes.append(TimeChange(name, "none", None, None, f"no estimate: {est.basis}"))
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
        compute = run.get("compute")
        has_time = isinstance(compute, YMap) and "time" in compute
        old_value = compute["time"] if isinstance(compute, YMap) and has_time else None
        old_text = text_of(compute, "time").strip() if has_time and old_value is not None else None
        if has_time and isinstance(old_value, (dict, list)):
            changes.append(TimeChange(name, "kept", old_text, None, "not a scalar; edit it by hand"))
            continue
        action, why = _decide(est, old_value, old_text, overwrite)
        if action == "kept":
            changes.append(TimeChange(name, action, old_text, None, why))
            continue
        text_basis = est.basis.replace("\n", " ")
        comment = None
        if isinstance(compute, YMap):
            compute = target(compute, run, "compute")
            with_basis = basis or ("basis" in compute and not isinstance(compute["basis"], (dict, list)))
            missing = []
            pairs = [("time", est.time)] + ([("basis", text_basis)] if with_basis else [])
            for key, value in pairs:
                if key in compute:
                    edits.append(set_scalar(lines, compute, key, dq(value)))
                    if key == "time" and old_text is not None:
                        found = _comment_edit(lines, compute, old_text)
                        if found is not None:
                            edits.append(found[0])
                            comment = found[1]
                else:
                    missing.append((key, dq(value)))
                intended.append((result.index, "compute", key, value))
            if missing:
                edits.append(add_keys(lines, compute, missing))
        elif "compute" not in run:
            with_basis = basis
            value_text = "{time: " + dq(est.time) + (", basis: " + dq(text_basis) if basis else "") + "}"
            edits.append(add_key(lines, target(run, run, "run"), "compute", value_text))
            data: dict[str, Any] = {"time": est.time}
            if basis:
                data["basis"] = text_basis
            intended.append((result.index, None, "compute", data))
        else:
            changes.append(TimeChange(name, "kept", None, None, "compute is not a mapping; edit it by hand"))
            continue
        changes.append(TimeChange(name, action, old_text, est.time, why, comment, with_basis))
    new = apply_edits(text, edits)
    if new == text:
        return EstimateWrite(new, changes)

    def apply(expected: Any) -> None:
        for index, section, key, value in intended:
            run = expected["runs"][index]
            (run if section is None else run[section])[key] = value

    try:
        verify_edit(loaded.data, new, apply)
    except DataChanged as exc:
        raise EditError(str(exc)) from None
    return EstimateWrite(new, changes)
