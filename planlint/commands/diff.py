"""`planlint diff`: what changed in the plans between two revisions, as text, markdown or JSON."""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planlint.git import blob_bytes, merge_base, open_repo, plan_changes, resolve_rev, worktree_root
from planlint.plan.load import YMap
from planlint.plan.run import runs_by_name
from planlint.plan.values import norm
from planlint.rules.git import Change, mapping_changes, plan_from_bytes, run_items, written

if TYPE_CHECKING:
    from git import Commit, Repo

    from planlint.config import Config
    from planlint.plan.model import Plan

#: Where `planlint diff` without BASE looks for the default branch, in order.
DEFAULT_BRANCHES = ("origin/HEAD", "main", "master", "origin/main", "origin/master")
WORKING_TREE = "working tree"


@dataclass
class RunInfo:
    """A run of plan.yaml: name, type, model, its parameters as values (JSON types) and as written."""

    name: str
    type: str
    model: str
    parameters: dict[str, Any] = field(default_factory=dict)
    parameters_text: dict[str, str] = field(default_factory=dict)

    def describe(self, sep: str = ", ") -> str:
        params = sep.join(f"{k} {v}" for k, v in self.parameters_text.items())
        return sep.join(p for p in (self.type, self.model, params) if p)


@dataclass(frozen=True)
class ValueChange:
    """One key whose value changed: the values (JSON types) and the texts as written.

    A text is None when the key is unset on that side (a value of None is YAML's `null`).
    """

    key: str
    old: Any
    new: Any
    old_text: str | None
    new_text: str | None

    def describe(self) -> str:
        return Change(self.key, self.old_text, self.new_text).describe()


@dataclass
class RunChange:
    """A run that kept its name while its model, type or parameters changed."""

    name: str
    changes: list[ValueChange]


@dataclass
class Hours:
    """Estimated GPU hours of a plan: sum over fine-tuned runs of compute.time x GPUs."""

    total: float = 0.0
    #: fine-tuned runs without a usable compute.time (not in the total)
    unestimated: int = 0


@dataclass
class PlanDiff:
    """What changed in one plan file."""

    path: str
    status: str  # added | removed | modified | moved
    added: list[RunInfo] = field(default_factory=list)
    removed: list[RunInfo] = field(default_factory=list)
    changed: list[RunChange] = field(default_factory=list)
    variables: list[ValueChange] = field(default_factory=list)
    controls: list[ValueChange] = field(default_factory=list)
    hours_before: Hours | None = None
    hours_after: Hours | None = None
    problems: list[str] = field(default_factory=list)
    #: where a moved plan was at the base (its path then), else None
    moved_from: str | None = None

    def label(self) -> str:
        """The plan's status in words: `modified`, or `moved from experiments/a/plan.yaml`."""
        return f"moved from {self.moved_from}" if self.moved_from is not None else self.status


@dataclass
class DiffReport:
    """Every changed plan between `base` and `head` (a revision or the working tree)."""

    base: str
    base_commit: str
    head: str
    head_commit: str | None
    plans: list[PlanDiff] = field(default_factory=list)

    def hours(self, side: str) -> float:
        attr = "hours_before" if side == "before" else "hours_after"
        total: float = sum(h.total for p in self.plans if (h := getattr(p, attr)) is not None)
        return total

    def count(self, what: str) -> int:
        return sum(len(getattr(p, what)) for p in self.plans)


# -- computing ------------------------------------------------------------------------------------
def default_base(repo: Repo) -> tuple[str, Commit]:
    """The merge base of HEAD with the default branch (origin/HEAD, else main or master)."""
    for ref in DEFAULT_BRANCHES:
        try:
            commit = repo.commit(ref)
        except Exception:  # gitpython raises several types for a missing ref
            continue
        name = ref
        if ref == "origin/HEAD":
            try:
                name = repo.git.rev_parse("--abbrev-ref", ref) or ref
            except Exception:
                name = ref
        return f"merge base with {name}", merge_base(repo, commit)
    from planlint.errors import UsageError

    raise UsageError(
        "diff: no default branch (origin/HEAD, main or master) to compare with: name one, e.g. `planlint diff origin/develop`"
    )


def hours_of(plan: Plan) -> Hours:
    """Sum over fine-tuned runs of compute.time x compute.gpus (default controls.gpus, else 1)."""
    from planlint.plan.model import gpu_hours

    total, missing = gpu_hours(plan)
    return Hours(total=total, unestimated=missing)


def json_value(value: Any) -> Any:
    """A plan value in JSON's types: numbers stay numbers, booleans booleans, null null; dates
    become ISO text and a non-finite number (`.inf`, `.nan`, which JSON cannot hold) null."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def run_info(run: YMap) -> RunInfo:
    """One run of a plan version as the diff compares it: name, type, model, parameters."""
    got = run.get("parameters")
    params: YMap | dict[str, Any] = got if isinstance(got, YMap) else {}
    keys = list(params)
    return RunInfo(
        name=str(run.get("name")),
        type=written(run, "type") if "type" in run else "",
        model=written(run, "model") if "model" in run else "",
        parameters={str(k): json_value(params[k]) for k in keys},
        parameters_text={str(k): written(params, k) for k in keys},
    )


def _value_of(item: tuple[Any, str, Any] | None, key: str) -> Any:
    """The value behind one entry of `run_items`/`section_items` (its container holds it)."""
    if item is None:
        return None
    container = item[2]
    return json_value(next((container[k] for k in container if str(k) == key), None))


def value_changes(
    old: dict[str, tuple[Any, str, Any]], new: dict[str, tuple[Any, str, Any]]
) -> list[ValueChange]:
    """`mapping_changes` with the values beside the texts (what `--format json` reports)."""
    return [
        ValueChange(c.key, _value_of(old.get(c.key), c.key), _value_of(new.get(c.key), c.key), c.old, c.new)
        for c in mapping_changes(old, new)
    ]


def section_items(plan: Plan, name: str) -> dict[str, tuple[Any, str, Any]]:
    """Key -> (normalised value, text as written, the section) for one top-level section of `plan`."""
    section = plan.section(name)
    return {str(k): (norm(section[k]), written(section, k), section) for k in section}


def compare_plans(display: str, before: Plan | None, after: Plan | None, base: str, head: str) -> PlanDiff:
    """The runs, variables, controls and GPU hours that differ between two versions of a plan."""
    status = "added" if before is None else "removed" if after is None else "modified"
    out = PlanDiff(path=display, status=status)
    for plan, where in ((before, base), (after, head)):
        if plan is not None and plan.loaded.fatal:
            out.problems.append(f"does not load at {where}: run `planlint check` on it")
    if out.problems:
        return out
    old_runs = runs_by_name(before) if before is not None else {}
    new_runs = runs_by_name(after) if after is not None else {}
    out.added = [run_info(run.node) for name, run in new_runs.items() if name not in old_runs]
    out.removed = [run_info(run.node) for name, run in old_runs.items() if name not in new_runs]
    for name, run in new_runs.items():
        if name in old_runs:
            changes = value_changes(run_items(old_runs[name].node), run_items(run.node))
            if changes:
                out.changed.append(RunChange(name, changes))
    if before is not None and after is not None:  # an added or removed plan: its runs say it all
        for section, target in (("variables", out.variables), ("controls", out.controls)):
            target.extend(value_changes(section_items(before, section), section_items(after, section)))
    out.hours_before = hours_of(before) if before is not None else None
    out.hours_after = hours_of(after) if after is not None else None
    return out


def compute(
    base: str | None,
    head: str | None,
    config: Config,
    start: Path | None = None,
    *,
    branch_point: bool = False,
) -> DiffReport:
    """Compare every plan file that differs between `base` and `head` (None: the working tree).

    Without `base`: the merge base with the default branch. With `branch_point`, `base` is
    replaced by where HEAD left it (what `check --changed-since` compares with).
    """
    repo = open_repo((start or Path.cwd()).absolute(), "diff")
    try:
        return _compute(repo, base, head, config, branch_point)
    finally:
        repo.close()


def _compute(
    repo: Repo, base: str | None, head: str | None, config: Config, branch_point: bool
) -> DiffReport:
    from planlint.paths import display_path

    if base is None:
        base_label, base_commit = default_base(repo)
    else:
        base_label, base_commit = base, resolve_rev(repo, base, "diff")
        if branch_point:
            base_commit = merge_base(repo, base_commit)
    head_commit = resolve_rev(repo, head, "diff") if head is not None else None
    root = worktree_root(repo)
    changes = plan_changes(repo, base_commit, head_commit, config)
    sources = set(changes.moved.values())
    report = DiffReport(
        base=base_label,
        base_commit=base_commit.hexsha,
        head=head if head is not None else WORKING_TREE,
        head_commit=head_commit.hexsha if head_commit is not None else None,
    )
    for rel in changes.paths:
        if rel in sources and rel not in changes.moved:
            continue  # reported under the path it moved to
        path = root / rel
        old_rel = changes.moved.get(rel, rel)
        old = blob_bytes(base_commit, old_rel)
        if head_commit is not None:
            new = blob_bytes(head_commit, rel)
        else:
            try:
                new = path.read_bytes() if path.is_file() else None
            except OSError:
                new = None
        if old == new and old_rel == rel:
            continue
        display = display_path(path)
        before = plan_from_bytes(root / old_rel, display_path(root / old_rel), old, config)
        after = plan_from_bytes(path, display, new, config)
        diff = compare_plans(display, before, after, base_label, report.head)
        if old_rel != rel and before is not None:
            diff.status, diff.moved_from = "moved", display_path(root / old_rel)
        report.plans.append(diff)
    return report


# -- rendering ------------------------------------------------------------------------------------
def _h(value: float) -> str:
    return f"{value:.1f}" if value == 0 or abs(value) >= 1 else f"{value:.2f}"


def _hours_text(before: Hours | None, after: Hours | None) -> str | None:
    if before is None and after is None:
        return None
    b = before.total if before else 0.0
    a = after.total if after else 0.0
    text = f"{_h(b)} → {_h(a)} ({'+' if a >= b else '-'}{_h(abs(a - b))})"
    missing = after.unestimated if after else 0
    if missing:
        text += f"; {missing} fine-tuned run{'s' if missing != 1 else ''} without compute.time"
    return text


def _side(label: str, commit: str | None) -> str:
    return f"{label} ({commit[:7]})" if commit else label


def _totals(report: DiffReport) -> str:
    n = len(report.plans)
    runs = (
        f"{report.count('added')} run{'s' if report.count('added') != 1 else ''} added, "
        f"{report.count('removed')} removed, {report.count('changed')} re-parameterised"
    )
    b, a = report.hours("before"), report.hours("after")
    hours = f"estimated GPU hours {_h(b)} → {_h(a)} ({'+' if a >= b else '-'}{_h(abs(a - b))})"
    return f"{n} plan{'s' if n != 1 else ''} changed: {runs}; {hours}"


def render_text(report: DiffReport) -> str:
    """The diff as text for the terminal: one block per plan, its runs and settings that changed."""
    base, head = _side(report.base, report.base_commit), _side(report.head, report.head_commit)
    if not report.plans:
        return f"No plan changed between {base} and {head}.\n"
    lines = [f"planlint diff: {base} → {head}"]
    for p in report.plans:
        lines.append(f"{p.path} ({p.label()})")
        lines += [f"  ! {problem}" for problem in p.problems]
        lines += [f"  + run {r.name} ({r.describe()})" for r in p.added]
        lines += [f"  - run {r.name} ({r.describe()})" for r in p.removed]
        for c in p.changed:
            lines.append(f"  ~ run {c.name}: {', '.join(x.describe() for x in c.changes)}")
        lines += [f"  ~ variables.{c.describe()}" for c in p.variables]
        lines += [f"  ~ controls.{c.describe()}" for c in p.controls]
        hours = _hours_text(p.hours_before, p.hours_after)
        if hours:
            lines.append(f"  estimated GPU hours: {hours}")
    lines.append(_totals(report))
    return "\n".join(lines) + "\n"


def _cell(text: str | None) -> str:
    if text is None:
        return "*(unset)*"
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ") or " "


def _code(text: str) -> str:
    return f"`{text.replace('`', '')}`"


def _status_markdown(p: PlanDiff) -> str:
    return f"moved from {_code(p.moved_from)}" if p.moved_from is not None else p.status


def render_markdown(report: DiffReport) -> str:
    """A pull-request comment: totals first, then one section per plan."""
    base = f"{_code(report.base)}" + (f" ({_code(report.base_commit[:7])})" if report.base_commit else "")
    head = "the working tree" if report.head_commit is None else _code(report.head)
    out = ["## planlint diff", ""]
    if not report.plans:
        return "\n".join([*out, f"No plan changed between {base} and {head}.", ""])
    out += [f"Between {base} and {head}: {_totals(report)}.", ""]
    for p in report.plans:
        out += [f"### {_code(p.path)} ({_status_markdown(p)})", ""]
        out += [f"- :warning: {_cell(problem)}" for problem in p.problems]
        if p.problems:
            out.append("")
        if p.added or p.removed or p.changed:
            out += ["| Change | Run | Details |", "|---|---|---|"]
            out += [f"| added | {_code(r.name)} | {_cell(r.describe())} |" for r in p.added]
            out += [f"| removed | {_code(r.name)} | {_cell(r.describe())} |" for r in p.removed]
            for c in p.changed:
                details = "<br>".join(_cell(x.describe()) for x in c.changes)
                out.append(f"| re-parameterised | {_code(c.name)} | {details} |")
            out.append("")
        if p.variables or p.controls:
            out += ["| Setting | Before | After |", "|---|---|---|"]
            for section, changes in (("variables", p.variables), ("controls", p.controls)):
                out += [
                    f"| {_code(f'{section}.{c.key}')} | {_cell(c.old_text)} | {_cell(c.new_text)} |"
                    for c in changes
                ]
            out.append("")
        hours = _hours_text(p.hours_before, p.hours_after)
        if hours:
            out += [f"Estimated GPU hours: {hours}", ""]
    return "\n".join(out)


def summary_markdown(report: DiffReport) -> str:
    """One table row per changed plan, for the job summary `check --format github` appends."""
    out = ["", f"### Plan changes since {_code(report.base)}", ""]
    if not report.plans:
        return "\n".join([*out, "No plan changed.", ""])
    out += ["| Plan | Runs added | Removed | Re-parameterised | Est. GPU hours |", "|---|---|---|---|---|"]
    for p in report.plans:
        hours = _hours_text(p.hours_before, p.hours_after) or "-"
        out.append(
            f"| {_code(p.path)} ({_status_markdown(p)}) | {len(p.added)} | {len(p.removed)} | {len(p.changed)} | {_cell(hours)} |"
        )
    return "\n".join([*out, ""])


#: The shape of `planlint diff --format json`; 2: values in JSON types with their texts beside them.
JSON_VERSION = 2


def render_json(report: DiffReport) -> str:
    """The diff as JSON (`version` 2): every plan's changes and the totals.

    Values are JSON numbers, strings, booleans, null, lists and objects (`"lora_rank": 4`); the
    text as written in plan.yaml is beside each: `parameters_text` for a run's `parameters`,
    `old_text` / `new_text` for a change's `old` / `new` (None there: the key is unset).
    """
    data = {"version": JSON_VERSION, **asdict(report)}
    data["totals"] = {
        "plans": len(report.plans),
        "runs_added": report.count("added"),
        "runs_removed": report.count("removed"),
        "runs_reparameterised": report.count("changed"),
        "gpu_hours_before": round(report.hours("before"), 4),
        "gpu_hours_after": round(report.hours("after"), 4),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
