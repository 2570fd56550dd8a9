"""`planlint status`: what actually ran versus the plan, one row per run.

Read-only and bounded: the top level of `experiment.dir` is listed once, and inside a run folder only
fixed names are looked at (`setup_finetune.yaml`, `finetune.yaml`, `artifacts/` and its top level,
`slurm-*.out`). A symlink that leads out of the experiment folder is never followed. Paths holding
cruijff_kit placeholders (`__SCRATCH__`, `__REPO__`, `{CK_DATA}`, `$USER`) are unreachable by design.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planlint.plan.disk import (
    ExperimentDir,
    Folder,
    artifact_folders,
    checkpoints,
    checkpoints_in,
    eval_logs,
    experiment_dir,
    inspect_finished,
    log_failure,
    orphan_folders,
    slurm_logs,
)
from planlint.plan.drift import config_drift, output_drift
from planlint.plan.load import Loaded, load_plan
from planlint.plan.model import Plan
from planlint.plan.run import run_at
from planlint.plan.values import as_int

if TYPE_CHECKING:
    from planlint.config import Config

STATUS_VERSION = 1


def read_plan(path: Path, config: Config) -> Loaded:
    """Load the plan `status` or `estimate` was given, refusing what `check` refuses (PL015).

    Raises UsageError for a path that is no regular file (missing, a symlink loop, a folder, a
    FIFO), a symlink that leads out of the repository and a plan that does not load.
    """
    import stat

    from planlint.errors import UsageError
    from planlint.paths import symlink_outside_repo
    from planlint.readfile import kind_of

    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the plan: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise UsageError(f"{path}: not a plan file but {kind_of(mode)}")
    outside = symlink_outside_repo(path)
    if outside is not None:
        raise UsageError(f"{path}: a symlink to {outside}, outside the repository: not read (PL015)")
    loaded = load_plan(path, max_bytes=config.max_bytes)
    if loaded.fatal:
        raise UsageError(f"{path}: the plan does not load (run `planlint check {path}`)")
    return loaded


# -- the status report -------------------------------------------------------------------------


#: `evaluated`: a run whose evaluation finished (an inspect-ai log that says so); a fine-tuned run
#: once trained (its checkpoints) and an epoch's evaluation succeeded.
STATES = ("planned", "scaffolded", "trained", "evaluated", "failed", "drifted")


@dataclass
class RunStatus:
    """One run of the plan and what its folder says."""

    run: str
    type: str
    model: str
    state: str
    folder: str | None = None
    checkpoints: list[int] = field(default_factory=list)
    expected_epochs: int | None = None
    log: str | None = None
    failure: str | None = None
    drift: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: evaluation cells whose inspect-ai log says the evaluation finished (`{run}/eval/{cell}/logs/`)
    evaluations: list[str] = field(default_factory=list)
    #: where the checkpoints actually are, when the configs put them outside the run folder
    artifacts: str | None = None

    @property
    def shown_state(self) -> str:
        return f"{self.state} ({self.notes[0]})" if self.state == "planned" and self.notes else self.state


@dataclass
class OrphanStatus:
    """A run folder on disk that belongs to no run of the plan."""

    folder: str
    artifacts: bool
    checkpoints: list[int] = field(default_factory=list)
    #: why the folder is there, when planlint knows (checkpoints written one level too deep)
    reason: str | None = None


@dataclass
class StatusReport:
    """`planlint status`: one row per run, plus the folders that belong to no run."""

    plan: str
    dir: str | None
    reachable: bool
    reason: str | None
    runs: list[RunStatus] = field(default_factory=list)
    orphans: list[OrphanStatus] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATES}
        for r in self.runs:
            out[r.state] = out.get(r.state, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATUS_VERSION,
            "plan": self.plan,
            "dir": self.dir,
            "reachable": self.reachable,
            "reason": self.reason,
            "summary": {**self.counts(), "runs": len(self.runs), "orphans": len(self.orphans)},
            "runs": [asdict(r) for r in self.runs],
            "orphans": [asdict(o) for o in self.orphans],
        }


def build_status(plan: Plan) -> StatusReport:
    """The state of every run of the plan on this machine (read-only)."""
    exp = experiment_dir(plan)
    report = StatusReport(plan.display, exp.text, exp.reachable, exp.reason)
    misplaced: dict[Path, str] = {}
    for i, run in plan.runs():
        name = run.get("name")
        rtype = run.get("type")
        model = run.get("model")
        row = RunStatus(str(name), str(rtype), str(model) if model is not None else "", "planned")
        if rtype == "fine-tuned":
            row.expected_epochs = as_int(run_at(plan, i).setting("epochs").value)
        report.runs.append(row)
        if not exp.reachable:
            row.notes.append("dir not reachable")
            continue
        folder = exp.folders.get(name) if isinstance(name, str) else None
        if folder is None:
            continue
        row.folder = folder.name
        row.state = "scaffolded"
        if folder.outside:
            row.notes.append("symlink out of the experiment folder, not followed")
            continue
        row.checkpoints = checkpoints(exp, folder)
        logs = slurm_logs(exp, folder)
        if logs:
            latest = logs[-1]
            row.log = Path(os.path.relpath(latest, folder.path)).as_posix()
            row.failure = log_failure(latest)
        if rtype == "fine-tuned":
            configs = exp.run_configs(folder)
            row.drift = [
                {"key": d.key, "plan": d.plan, "found": d.found, "file": d.file}
                for d in config_drift(run_at(plan, i), configs)
            ]
            moved = output_drift(run_at(plan, i), configs, str(exp.path))
            if moved is not None:
                _misplaced(exp, row, moved, misplaced)
            expected = row.expected_epochs or 0
            missing = [e for e in range(expected) if e not in row.checkpoints] if expected <= 10_000 else []
            if row.checkpoints and missing:
                row.notes.append("missing " + ", ".join(f"epoch_{e}" for e in missing))
            if row.checkpoints:  # trained: its epochs' evaluations, from their inspect-ai logs
                _evaluation(exp, folder, row, [])
        else:
            _evaluation(exp, folder, row, logs)
        if row.failure:
            row.state = "failed"
        elif row.drift:
            row.state = "drifted"
        elif row.evaluations:
            row.state = "evaluated"
        elif row.checkpoints:
            row.state = "trained"
    if exp.reachable:
        for f in orphan_folders(plan, exp):
            report.orphans.append(OrphanStatus(f.name, exp.folder_has(f, "artifacts"), checkpoints(exp, f)))
        report.orphans.extend(_deep_orphans(exp, report, misplaced))
    return report


def _misplaced(exp: ExperimentDir, row: RunStatus, moved: Any, misplaced: dict[Path, str]) -> None:
    """A run whose configs put its checkpoints outside its folder: say where, why, and count them there."""
    row.drift.append({"key": "output_dir", "plan": moved.expected, "found": moved.found, "file": moved.file})
    row.notes.append(f"checkpoints go to {moved.found}: {moved.reason}")
    found = Path(moved.found)
    if "<random name>" in moved.found:
        misplaced[found.parent.parent] = moved.reason
        return
    if exp.root and os.path.isdir(found):
        row.artifacts = moved.found
        row.checkpoints = checkpoints_in(exp, found)
        misplaced[found.parent.parent] = moved.reason


def _deep_orphans(exp: ExperimentDir, report: StatusReport, misplaced: dict[Path, str]) -> list[OrphanStatus]:
    """Run folders with artifacts/ inside a folder a misplaced project_dir writes into, not yet attributed."""
    claimed = {os.path.normpath(r.artifacts) for r in report.runs if r.artifacts}
    out = []
    for parent, reason in misplaced.items():
        for d in artifact_folders(exp, parent):
            if os.path.normpath(str(d / "artifacts")) in claimed:
                continue
            rel = Path(os.path.relpath(d, exp.root)).as_posix() if exp.root else d.name
            out.append(OrphanStatus(rel, True, checkpoints_in(exp, d / "artifacts"), reason))
    return out


def _evaluation(exp: ExperimentDir, folder: Folder, row: RunStatus, logs: list[Path]) -> None:
    """A run's evaluation: its inspect-ai logs (or, given `logs`, the eval job's stdout) say whether it ran."""
    found = eval_logs(exp, folder)
    row.evaluations = sorted({e.cell for e in found if e.status == "success"})
    if row.failure:
        return
    if not row.evaluations and logs and inspect_finished(logs[-1]):
        row.evaluations = [Path(os.path.relpath(logs[-1], folder.path)).as_posix()]
    bad = [e for e in found if e.status in ("error", "cancelled") and e.cell not in row.evaluations]
    if bad and not row.evaluations:
        e = bad[-1]
        row.failure = f"evaluation {e.status}: {Path(os.path.relpath(e.path, folder.path)).as_posix()}"
    elif any(e.status == "started" for e in found) and not row.evaluations:
        row.notes.append("evaluation started, not finished")


def _summary(report: StatusReport) -> str:
    counts = report.counts()
    n = len(report.runs)
    label = "planned (dir not reachable)" if not report.reachable else "planned"
    parts = [f"{counts[s]} {label if s == 'planned' else s}" for s in STATES if counts[s]]
    line = f"{n} run{'s' if n != 1 else ''}: " + (", ".join(parts) if parts else "none")
    if report.orphans:
        k = len(report.orphans)
        line += f"; {k} folder{'s' if k != 1 else ''} belong{'s' if k == 1 else ''} to no run"
    return line


def _details(row: RunStatus) -> str:
    bits: list[str] = []
    if row.failure:
        bits.append(row.failure + (f" ({row.log})" if row.log else ""))
    bits.extend(
        f"{d['key']} {d['found']} in {d['file']}, plan {d['plan']}"
        for d in row.drift
        if d["key"] != "output_dir"
    )
    if row.evaluations:
        bits.append("evaluated: " + ", ".join(row.evaluations))
    bits.extend(n for n in row.notes if not (row.state == "planned" and n == "dir not reachable"))
    return "; ".join(bits)


def _table(rows: Iterable[list[str]]) -> list[str]:
    rows = list(rows)
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def format_status(report: StatusReport, fmt: str) -> str:
    """The report as "text" (an aligned table and a summary line) or "json"."""
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt != "text":
        raise ValueError(f"unknown status format {fmt!r} (text or json)")
    where = report.dir or "(no experiment.dir)"
    if not report.reachable and report.reason:
        where += f" (not reachable: {report.reason})"
    lines = [f"plan: {report.plan}", f"dir:  {where}", ""]
    rows = [["Run", "Type", "State", "Checkpoints", "Details"]]
    for r in report.runs:
        if r.type == "fine-tuned" and r.folder is not None:
            ckpt = (
                f"{len(r.checkpoints)}/{r.expected_epochs}" if r.expected_epochs else str(len(r.checkpoints))
            )
        else:
            ckpt = "-"
        rows.append([r.run, r.type, r.shown_state, ckpt, _details(r)])
    for o in report.orphans:
        detail = (
            f"checkpoints of a run written here: {o.reason}"
            if o.reason
            else "artifacts/ under a folder that is no run"
            if o.artifacts
            else "run configs under a folder that is no run"
        )
        rows.append(
            [o.folder + "/", "-", "no run in plan", str(len(o.checkpoints)) if o.checkpoints else "-", detail]
        )
    lines.extend(_table(rows))
    lines.append("")
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"
