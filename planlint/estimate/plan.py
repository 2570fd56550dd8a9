"""Estimates for a plan: its fine-tuned runs as estimator inputs, log discovery, `--write` edits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planlint.plan.load import YMap
from planlint.plan.model import Plan

if TYPE_CHECKING:
    from planlint.config import Config
    from planlint.estimate.model import Estimate, EstimateSettings, RunSpec
    from planlint.logs import ScanResult

#: Where cruijff_kit's launcher leaves a run's SLURM log, relative to the run folder (and copies
#: it into artifacts/epoch_N/, which the scan counts once).
RUN_LOGS = ("slurm-*.out", "artifacts/slurm-*.out", "artifacts/epoch_*/slurm-*.out")
#: Run folders: {scratch}/ck-projects/{project}/{experiment}/{run}/
DEFAULT_GLOBS = tuple("{scratch}/ck-projects/*/*/*/" + g for g in RUN_LOGS)


class NoLogs(Exception):
    """No log globs were given or configured (a usage error)."""


def log_globs(given: Sequence[str], config: Config, plan: Plan | None = None) -> list[str]:
    """--logs globs, else configured ones, else cruijff's layout under the configured scratch,
    else the runs of every experiment beside the plan's experiment.dir (its project folder)."""
    if given:
        return list(given)
    if config.log_globs:
        return [g.replace("{scratch}", config.scratch or "") for g in config.log_globs]
    if config.scratch:
        return [g.replace("{scratch}", config.scratch.rstrip("/")) for g in DEFAULT_GLOBS]
    if plan is not None:
        from planlint.plan.disk import plan_path

        text = plan.section("experiment").get("dir")
        folder = plan_path(plan, text) if isinstance(text, str) else None
        if folder is not None:
            return [f"{folder.parent}/*/*/{g}" for g in RUN_LOGS]
        if isinstance(text, str) and text.strip():  # a template's placeholder (__SCRATCH__/...)
            raise NoLogs(
                f"no logs to read: experiment.dir {text.strip()} holds a placeholder, not a folder; "
                "give --logs GLOB, or set log-globs or scratch in the configuration"
            )
    raise NoLogs(
        "no logs to read: give --logs GLOB, set log-globs or scratch in the configuration, "
        "or give the plan an experiment.dir"
    )


_SCANS: dict[tuple[str, ...], Any] = {}


def scan_logs(globs: Sequence[str], progress: Callable[[int, int], None] | None = None) -> ScanResult:
    """Scan (once per process) the logs the globs name."""
    import os

    from planlint.logs import scan

    key = (os.getcwd(), *globs)  # relative globs name other files from another folder
    if key not in _SCANS:
        _SCANS[key] = scan(list(globs), progress=progress)
    return _SCANS[key]  # type: ignore[no-any-return]


def _int(value: Any, default: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def run_spec(plan: Plan, run: YMap) -> RunSpec:
    """A fine-tuned run as the estimator sees it: each value as the Run view says the run uses
    it (its parameters, else controls, the base recipe or the schema's default; its GPUs from
    its compute block), and its training records from its own data."""
    from planlint.estimate.model import RunSpec
    from planlint.plan.datafile import train_samples
    from planlint.plan.run import Run, run_of

    view = run_of(plan, run) or Run(plan, -1, run)

    def value(key: str) -> Any:
        return view.setting(key).value

    model = str(run.get("model") or "")
    idx = plan.model_names().get(model)
    path = plan.seq("models", "base")[idx].get("path") if idx is not None else None
    samples = train_samples(view)  # its own file's records, a condition's unknown count, or the splits
    packed = value("packed")
    compute = run.get("compute")
    asked = compute.get("gpus") if isinstance(compute, YMap) else None
    return RunSpec(
        run=str(run.get("name")),
        model=model,
        model_path=str(path) if path else None,
        train_samples=_int(samples.samples, None),
        train_why=samples.why,
        batch_size=_int(value("batch_size"), None),
        gradient_accumulation_steps=_int(value("gradient_accumulation_steps"), 1) or 1,
        epochs=_int(value("epochs"), 1) or 1,
        packed=packed if isinstance(packed, bool) else None,
        max_seq_len=_int(value("max_seq_len"), None),
        gpus=_int(view.gpus.value, 1) or 1,
        on_gpu=not (isinstance(asked, int) and not isinstance(asked, bool) and asked == 0),
    )


@dataclass
class RunEstimate:
    """One fine-tuned run's estimate and where the run is in plan.yaml (its index and node)."""

    index: int
    run: YMap
    estimate: Estimate


def settings_for(
    config: Config, cross_model: bool = False, gpu_memory_gb: float | None = None
) -> EstimateSettings:
    """The estimate settings of `config`, with the command line's cross-model and GPU memory."""
    from planlint.estimate.model import EstimateSettings

    return EstimateSettings(cross_model=cross_model, gpu_memory_gb=gpu_memory_gb or config.gpu_memory_gb)


def estimate_plan(plan: Plan, records: Sequence[Any], settings: EstimateSettings) -> list[RunEstimate]:
    """An estimate for every fine-tuned run of the plan."""
    from planlint.estimate.model import estimate

    out = []
    for i, run in plan.runs():
        if run.get("type") == "fine-tuned" and isinstance(run.get("name"), str):
            out.append(RunEstimate(i, run, estimate(run_spec(plan, run), records, settings)))
    return out
