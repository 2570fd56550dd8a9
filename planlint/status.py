"""What exists on disk for a plan: the experiment folder, its run folders, and `planlint status`.

Read-only and bounded: the top level of `experiment.dir` is listed once, and inside a run folder only
fixed names are looked at (`setup_finetune.yaml`, `finetune.yaml`, `artifacts/` and its top level,
`slurm-*.out`). A symlink that leads out of the experiment folder is never followed. Paths holding
cruijff_kit placeholders (`__SCRATCH__`, `__REPO__`, `{CK_DATA}`, `$USER`) are unreachable by design.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planlint.load import Loaded, YMap, load_plan
from planlint.plan import Plan, text_of
from planlint.rules.training import as_int, run_setting

if TYPE_CHECKING:
    from planlint.config import Config

STATUS_VERSION = 1
#: Placeholders cruijff_kit's fixtures and templates use instead of real folders.
PLACEHOLDER = re.compile(r"__[A-Z][A-Z0-9_]*__|\{[A-Za-z_][A-Za-z0-9_]*\}|\$\{?[A-Za-z_]")
#: What makes a folder a run folder in cruijff_kit's layout.
RUN_MARKERS = ("setup_finetune.yaml", "finetune.yaml", "finetune.slurm", "artifacts")
CONFIG_MAX_BYTES = 1024 * 1024
LOG_TAIL_BYTES = 64 * 1024
#: Plan keys compared with what a run folder's configs say: plan key -> path in finetune.yaml.
DRIFT_KEYS = {
    "batch_size": ("batch_size",),
    "lora_rank": ("model", "lora_rank"),
    "lr": ("optimizer", "lr"),
    "epochs": ("epochs",),
}
_EPOCH_DIR = re.compile(r"^epoch_(\d+)$")
_SLURM_LOG = re.compile(r"^slurm-(\d+)(?:_\d+)?\.out$")
_OOM = (b"OutOfMemoryError", b"CUDA out of memory")
_EXCEPTION_LINE = re.compile(rb"^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Failure)\b.*)$", re.M)
_DONE_MARKERS = (b"Checkpoint saved in", b"checkpoint of size")


# -- paths -------------------------------------------------------------------------------------


def plan_path(plan: Plan, text: Any) -> Path | None:
    """A path written in the plan, resolved against the plan's folder; None when it is a placeholder."""
    if not isinstance(text, str) or not text.strip() or PLACEHOLDER.search(text):
        return None
    p = Path(text.strip())
    if text.startswith("~"):
        p = p.expanduser()
    return p if p.is_absolute() else plan.folder / p


def read_plan(path: Path, config: Config) -> Loaded:
    """Load the plan `status` or `estimate` was given, refusing what `check` refuses (PL015).

    Raises UsageError for a symlink that leads out of the repository and for a plan that does
    not load.
    """
    from planlint.engine import UsageError, symlink_outside_repo

    outside = symlink_outside_repo(path)
    if outside is not None:
        raise UsageError(f"{path}: a symlink to {outside}, outside the repository: not read (PL015)")
    loaded = load_plan(path, max_bytes=config.max_bytes)
    if loaded.fatal:
        raise UsageError(f"{path}: the plan does not load (run `planlint check {path}`)")
    return loaded


def is_inside(path: str | Path, root: str | Path) -> bool:
    """Does `path`, with symlinks resolved, stay inside `root` (already resolved)?"""
    real = os.path.realpath(path)
    root = str(root)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


# -- the experiment folder ---------------------------------------------------------------------


@dataclass
class Folder:
    """One entry at the top level of the experiment folder."""

    name: str
    path: Path
    #: a symlink whose target lies outside the experiment folder: present, but never read
    outside: bool = False


@dataclass
class ExperimentDir:
    """The top level of `experiment.dir`, listed once per plan."""

    text: str | None
    path: Path | None = None
    root: str = ""
    reachable: bool = False
    reason: str | None = None
    folders: dict[str, Folder] = field(default_factory=dict)

    def folder_has(self, folder: Folder, name: str) -> bool:
        """Does the folder hold `name` (a fixed name), without leaving the experiment folder?"""
        if folder.outside:
            return False
        target = folder.path / name
        return os.path.lexists(target) and is_inside(target, self.root)

    def read_config(self, folder: Folder, name: str) -> dict[str, Any] | None:
        """A YAML mapping from the run folder (YAML 1.2, bounded), or None."""
        target = folder.path / name
        try:
            if not self.folder_has(folder, name) or not target.is_file():
                return None
            if target.stat().st_size > CONFIG_MAX_BYTES:
                return None
        except OSError:
            return None
        loaded = load_plan(target, max_bytes=CONFIG_MAX_BYTES)
        return loaded.data if isinstance(loaded.data, dict) else None

    def run_configs(self, folder: Folder) -> dict[str, dict[str, Any] | None]:
        """The run folder's setup_finetune.yaml and finetune.yaml, each read once."""
        return {name: self.read_config(folder, name) for name in ("setup_finetune.yaml", "finetune.yaml")}


def experiment_dir(plan: Plan) -> ExperimentDir:
    """The plan's experiment folder, listed (top level only) when it exists on this machine."""
    if "experiment_dir" in plan.cache:
        return plan.cache["experiment_dir"]  # type: ignore[no-any-return]
    text = plan.section("experiment").get("dir")
    out = ExperimentDir(text if isinstance(text, str) else None)
    plan.cache["experiment_dir"] = out
    if out.text is None:
        out.reason = "the plan has no experiment.dir"
        return out
    path = plan_path(plan, out.text)
    if path is None:
        out.reason = f"experiment.dir {out.text} holds a placeholder"
        return out
    out.path = path
    try:
        if not path.is_dir():
            out.reason = f"experiment.dir {out.text} is not on this machine"
            return out
        out.root = os.path.realpath(path)
        with os.scandir(out.root) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        out.reason = f"experiment.dir {out.text} cannot be read ({exc.strerror or exc})"
        return out
    out.reachable = True
    for e in entries:
        if e.name.startswith("."):
            continue
        try:
            if e.is_symlink():
                inside = is_inside(e.path, out.root)
                if inside and not os.path.isdir(e.path):
                    continue
                if inside and os.path.realpath(e.path) == out.root:
                    continue
                out.folders[e.name] = Folder(e.name, Path(e.path), outside=not inside)
            elif e.is_dir(follow_symlinks=False):
                out.folders[e.name] = Folder(e.name, Path(e.path))
        except OSError:
            continue
    return out


def looks_like_run(exp: ExperimentDir, folder: Folder) -> bool:
    """A folder in cruijff_kit's run layout: it holds training configs or artifacts."""
    return any(exp.folder_has(folder, m) for m in RUN_MARKERS)


def run_names(plan: Plan) -> dict[str, tuple[int, YMap]]:
    """Run name -> (index, run), first one wins."""
    if "run_names" not in plan.cache:
        out: dict[str, tuple[int, YMap]] = {}
        for i, run in plan.runs():
            name = run.get("name")
            if isinstance(name, str) and name not in out:
                out[name] = (i, run)
        plan.cache["run_names"] = out
    return plan.cache["run_names"]  # type: ignore[no-any-return]


def orphan_folders(plan: Plan, exp: ExperimentDir) -> list[Folder]:
    """Run-like folders that belong to no run of the plan, in name order."""
    names = run_names(plan)
    return [
        f for name, f in exp.folders.items() if name not in names and not f.outside and looks_like_run(exp, f)
    ]


# -- comparing a run folder's configs with the plan --------------------------------------------


@dataclass(frozen=True)
class Drift:
    """A training value in a run folder's config that differs from the plan."""

    key: str
    plan: str
    found: str
    file: str
    plan_path: tuple[Any, ...] | None = None


def number(value: Any) -> float | None:
    """A number from YAML: 1e-4 and "1e-4" (a YAML 1.1 string) both give 0.0001."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            got = float(value.strip())
        except ValueError:
            return None
        return got if math.isfinite(got) else None
    return None


def _dig(data: Any, path: tuple[str, ...]) -> tuple[Any, str] | None:
    """The (mapping, key) that holds the value at `path`, or None."""
    for step in path[:-1]:
        data = data.get(step) if isinstance(data, dict) else None
    if not isinstance(data, dict) or path[-1] not in data or data[path[-1]] is None:
        return None
    return data, path[-1]


def config_drift(plan: Plan, index: int, run: YMap, configs: dict[str, dict[str, Any] | None]) -> list[Drift]:
    """batch_size, lora_rank, lr and epochs of finetune.yaml (else setup_finetune.yaml) against the plan.

    Values compare as numbers (1e-4 == 0.0001 == "1e-4"), and are shown as written in each file.
    """
    finetune, setup = configs.get("finetune.yaml"), configs.get("setup_finetune.yaml")
    out: list[Drift] = []
    for key, path in DRIFT_KEYS.items():
        setting = run_setting(plan, index, run, key)
        want = number(setting.value)
        if want is None or setting.path is None:
            continue
        for name, data, where in (("finetune.yaml", finetune, path), ("setup_finetune.yaml", setup, (key,))):
            found = _dig(data, where)
            if found is None:
                continue
            got = number(found[0][found[1]])
            if got is not None and not math.isclose(got, want, rel_tol=1e-9, abs_tol=0.0):
                container: Any = plan.data
                for step in setting.path[:-1]:
                    container = container[step]
                out.append(
                    Drift(key, text_of(container, setting.path[-1]), text_of(*found), name, setting.path)
                )
            break  # the first file that states the key decides
    return out


def wandb_name(configs: dict[str, dict[str, Any] | None]) -> tuple[str, Any] | None:
    """(file, my_wandb_run_name) from setup_finetune.yaml, else finetune.yaml; None without either."""
    for name in ("setup_finetune.yaml", "finetune.yaml"):
        data = configs.get(name)
        if data is not None:
            return name, data.get("my_wandb_run_name")
    return None


# -- training outcome --------------------------------------------------------------------------


def _listing(exp: ExperimentDir, folder: Path) -> list[os.DirEntry[str]]:
    try:
        if not is_inside(folder, exp.root) or not folder.is_dir():
            return []
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def checkpoints(exp: ExperimentDir, folder: Folder) -> list[int]:
    """Epochs with an `artifacts/epoch_N/` folder."""
    if folder.outside:
        return []
    found = []
    for e in _listing(exp, folder.path / "artifacts"):
        m = _EPOCH_DIR.match(e.name)
        if m and is_inside(e.path, exp.root) and os.path.isdir(e.path):
            found.append(int(m.group(1)))
    return sorted(found)


def slurm_logs(exp: ExperimentDir, folder: Folder) -> list[Path]:
    """The run's `slurm-<jobid>.out` files (run folder and artifacts/), oldest job first."""
    if folder.outside:
        return []
    logs: list[tuple[int, str, Path]] = []
    for sub in (folder.path, folder.path / "artifacts"):
        for e in _listing(exp, sub):
            m = _SLURM_LOG.match(e.name)
            if m and is_inside(e.path, exp.root) and os.path.isfile(e.path):
                logs.append((int(m.group(1)), e.name, Path(e.path)))
    return [p for _, _, p in sorted(logs)]


def log_failure(path: Path) -> str | None:
    """Why the job of this log died, from its tail: OOM, time limit, cancellation, or a final traceback."""
    from planlint.readfile import read_tail

    try:
        tail = read_tail(path, LOG_TAIL_BYTES)
    except OSError:
        return None
    if any(marker in tail for marker in _OOM):
        return "out of memory"
    if b"DUE TO TIME LIMIT" in tail:
        return "time limit"
    if b"CANCELLED AT" in tail:
        return "cancelled"
    tb = tail.rfind(b"Traceback (most recent call last)")
    if tb < 0:
        return None
    after = tail[tb:]
    if any(marker in after for marker in _DONE_MARKERS):
        return None
    m = _EXCEPTION_LINE.search(after.replace(b"\r", b"\n"))
    what = m.group(1).decode("utf-8", "replace").strip() if m else "a traceback"
    return f"crashed: {what[:160]}"


# -- the status report -------------------------------------------------------------------------


STATES = ("planned", "scaffolded", "trained", "failed", "drifted")


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

    @property
    def shown_state(self) -> str:
        return f"{self.state} ({self.notes[0]})" if self.state == "planned" and self.notes else self.state


@dataclass
class OrphanStatus:
    """A run folder on disk that belongs to no run of the plan."""

    folder: str
    artifacts: bool
    checkpoints: list[int] = field(default_factory=list)


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
    for i, run in plan.runs():
        name = run.get("name")
        rtype = run.get("type")
        model = run.get("model")
        row = RunStatus(str(name), str(rtype), str(model) if model is not None else "", "planned")
        if rtype == "fine-tuned":
            row.expected_epochs = as_int(run_setting(plan, i, run, "epochs").value)
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
            row.drift = [
                {"key": d.key, "plan": d.plan, "found": d.found, "file": d.file}
                for d in config_drift(plan, i, run, exp.run_configs(folder))
            ]
            expected = row.expected_epochs or 0
            missing = [e for e in range(expected) if e not in row.checkpoints] if expected <= 10_000 else []
            if row.checkpoints and missing:
                row.notes.append("missing " + ", ".join(f"epoch_{e}" for e in missing))
        if row.failure:
            row.state = "failed"
        elif row.drift:
            row.state = "drifted"
        elif row.checkpoints:
            row.state = "trained"
    if exp.reachable:
        for f in orphan_folders(plan, exp):
            report.orphans.append(OrphanStatus(f.name, exp.folder_has(f, "artifacts"), checkpoints(exp, f)))
    return report


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
    bits.extend(f"{d['key']} {d['found']} in {d['file']}, plan {d['plan']}" for d in row.drift)
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
            "artifacts/ under a folder that is no run"
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
