"""What exists on disk for a plan: its experiment folder, run folders, and what each holds.

Read-only and bounded: the top level of `experiment.dir` is listed once, and inside a run folder only
fixed names are looked at (`setup_finetune.yaml`, `finetune.yaml`, `artifacts/` and its top level,
`slurm-*.out`). A symlink that leads out of the experiment folder is never followed. Paths holding
cruijff_kit placeholders (`__SCRATCH__`, `__REPO__`, `{CK_DATA}`, `$USER`) are unreachable by design.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from planlint.paths import is_inside
from planlint.plan.load import load_plan
from planlint.plan.pathtext import PLACEHOLDER as PLACEHOLDER
from planlint.plan.pathtext import plan_path as plan_path
from planlint.plan.run import runs_by_name

if TYPE_CHECKING:
    from planlint.plan.model import Plan

#: What makes a folder a run folder in cruijff_kit's layout.
RUN_MARKERS = ("setup_finetune.yaml", "finetune.yaml", "finetune.slurm", "artifacts")
CONFIG_MAX_BYTES = 1024 * 1024
LOG_TAIL_BYTES = 64 * 1024
_EPOCH_DIR = re.compile(r"^epoch_(\d+)$")
_SLURM_LOG = re.compile(r"^slurm-(\d+)(?:_\d+)?\.out$")
_OOM = (b"OutOfMemoryError", b"CUDA out of memory")
_EXCEPTION_LINE = re.compile(rb"^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Failure)\b.*)$", re.M)
_DONE_MARKERS = (b"Checkpoint saved in", b"checkpoint of size")


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


def shown_path(exp: ExperimentDir, *parts: str) -> str:
    """A path in the experiment folder as a message names it: `a/../../scratch` written
    lexically normalised (`scratch`), or the real path where a symlink makes that another folder."""
    if exp.path is None:
        return os.path.join(exp.text or "", *parts)
    folder = os.path.normpath(exp.path)
    if exp.root and os.path.realpath(folder) != exp.root:
        folder = exp.root
    return os.path.join(folder, *parts)


def looks_like_run(exp: ExperimentDir, folder: Folder) -> bool:
    """A folder in cruijff_kit's run layout: it holds training configs or artifacts."""
    return any(exp.folder_has(folder, m) for m in RUN_MARKERS)


def orphan_folders(plan: Plan, exp: ExperimentDir) -> list[Folder]:
    """Run-like folders that belong to no run of the plan, in name order."""
    names = runs_by_name(plan)
    return [
        f for name, f in exp.folders.items() if name not in names and not f.outside and looks_like_run(exp, f)
    ]


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


def results_of(exp: ExperimentDir, folder: Folder) -> str | None:
    """What in a run folder shows the run already ran, or None: the one definition of "results".

    A non-empty `artifacts/` (checkpoints `epoch_N/`, copied logs) or a `slurm-*.out` next to the
    configs. The scaffolded configs alone do not count: a run that was set up but never trained
    can still change its mind. Nothing outside the experiment folder is followed.
    """
    if folder.outside:
        return None
    if _listing(exp, folder.path / "artifacts"):
        return "artifacts/"
    logs = slurm_logs(exp, folder)
    return logs[0].name if logs else None


def checkpoints_in(exp: ExperimentDir, artifacts: Path) -> list[int]:
    """Epochs with an `epoch_N/` folder in an artifacts folder inside the experiment folder."""
    found = []
    for e in _listing(exp, artifacts):
        m = _EPOCH_DIR.match(e.name)
        if m and is_inside(e.path, exp.root) and os.path.isdir(e.path):
            found.append(int(m.group(1)))
    return sorted(found)


def artifact_folders(exp: ExperimentDir, parent: Path) -> list[Path]:
    """Folders directly under `parent` (inside the experiment folder) that hold an `artifacts/`."""
    out = []
    for e in _listing(exp, parent)[:MAX_LISTING]:
        target = Path(e.path) / "artifacts"
        if (
            e.is_dir()
            and is_inside(e.path, exp.root)
            and os.path.isdir(target)
            and is_inside(target, exp.root)
        ):
            out.append(Path(e.path))
    return out


# -- evaluation outcome ------------------------------------------------------------------------

#: Entries read from one folder when looking for evaluation logs.
MAX_LISTING = 500
EVAL_HEADER_MAX_BYTES = 4 * 1024 * 1024
_JSON_STATUS = re.compile(rb'"status"\s*:\s*"([a-z_]+)"')
_EVAL_LOG = re.compile(r"\.(eval|json)$")


class EvalLog(NamedTuple):
    """One inspect-ai log of a run: its evaluation cell and what inspect-ai says about it."""

    cell: str
    path: Path
    #: "success", "error", "cancelled", "started" (still running, or killed), or None (not readable)
    status: str | None


def eval_status(path: Path) -> str | None:
    """The status inspect-ai records in a log: a `.eval` zip's header.json, a `.json` log's top level.

    A `.eval` log without header.json has only its journal: the evaluation started and has not
    finished (it is running, or its job was killed).
    """
    import json
    import zipfile

    if path.suffix == ".eval":
        try:
            with zipfile.ZipFile(path) as z:
                try:
                    info = z.getinfo("header.json")
                except KeyError:
                    return "started"
                if info.file_size > EVAL_HEADER_MAX_BYTES:
                    return None
                header = json.loads(z.read(info).decode("utf-8"))
        except (OSError, zipfile.BadZipFile, ValueError, RuntimeError, NotImplementedError):
            return None
        status = header.get("status") if isinstance(header, dict) else None
        return status if isinstance(status, str) else None
    try:
        with path.open("rb") as f:
            head = f.read(64 * 1024)
    except OSError:
        return None
    m = _JSON_STATUS.search(head)
    return m.group(1).decode() if m else None


def eval_logs(exp: ExperimentDir, folder: Folder) -> list[EvalLog]:
    """The run's inspect-ai logs, as cruijff_kit's scaffold-inspect lays them out.

    `{run}/eval/{cell}/logs/*.eval` (one cell per task and epoch), and the older
    `{run}/eval/logs/*.eval`; `.json` logs too. Nothing outside the experiment folder is read.
    """
    if folder.outside:
        return []
    out: list[EvalLog] = []
    eval_dir = folder.path / "eval"
    cells = [
        (e.name, Path(e.path) / "logs") for e in _listing(exp, eval_dir)[:MAX_LISTING] if e.name != "logs"
    ]
    for cell, logs in [("eval", eval_dir / "logs"), *cells]:
        for e in _listing(exp, logs)[:MAX_LISTING]:
            if _EVAL_LOG.search(e.name) and is_inside(e.path, exp.root) and os.path.isfile(e.path):
                out.append(EvalLog(cell, Path(e.path), eval_status(Path(e.path))))
    return out


def inspect_finished(path: Path) -> bool:
    """A SLURM log whose tail holds inspect-ai's end-of-eval panel (`total time:`)."""
    from planlint.logs.inspect_eval import looks_like_inspect
    from planlint.readfile import read_tail

    try:
        return looks_like_inspect(read_tail(path, LOG_TAIL_BYTES))
    except OSError:
        return False
