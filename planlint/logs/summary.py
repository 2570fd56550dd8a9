"""What each log file says, as one flat entry per run: the data behind `planlint logs`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from planlint.logs.records import (
    EvalRecord,
    GpuMetricsRecord,
    LogRecord,
    MemoryStats,
    OtherRecord,
    SeffRecord,
    TrainingRecord,
)

JSON_VERSION = 1


@dataclass
class LogSummary:
    """One log file (or one run of a file holding several); None where the log does not say."""

    path: str
    kind: str
    run: int = 1
    runs_in_file: int = 1
    job_id: str | None = None
    torchtune_version: str | None = None
    version_evidence: list[str] = field(default_factory=list)
    recipe: str | None = None
    model: str | None = None
    world_size: int | None = None
    batch_size: int | None = None
    gradient_accumulation_steps: int | None = None
    epochs: int | None = None
    max_seq_len: int | None = None
    optimizer_steps: int | None = None
    optimizer_steps_total: int | None = None
    seconds_per_step: float | None = None
    seconds_per_step_source: str | None = None
    tokens_per_second: float | None = None
    tokens_per_second_source: str | None = None
    peak_memory: dict[str, Any] | None = None
    memory_after_init: dict[str, Any] | None = None
    gpu_memory_gib: float | None = None
    gpu_memory_source: str | None = None
    oom: bool = False
    oom_message: str | None = None
    time_limit: bool = False
    #: SLURM cancelled the job (scancel, or a seff state CANCELLED)
    cancelled: bool = False
    #: the job was killed (a signal or a segfault), other than by SLURM's cancel or time limit
    killed: bool = False
    traceback: bool = False
    error: str | None = None
    checkpoint_seconds: list[float] | None = None
    wall_seconds: float | None = None
    wall_source: str | None = None
    incomplete: str | None = None
    prior: bool = False
    why_not_prior: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _memory(stats: MemoryStats | None) -> dict[str, Any] | None:
    if stats is None or stats.best() is None:
        return None

    def r(v: float | None) -> float | None:
        return round(v, 3) if v is not None else None

    return {
        "active": r(stats.active),
        "allocated": r(stats.alloc),
        "reserved": r(stats.reserved),
        "unit": "GiB",
        "source": stats.source or None,
    }


def _training(rec: TrainingRecord) -> LogSummary:
    s = LogSummary(path=rec.path, kind=rec.kind.value, run=rec.part, runs_in_file=rec.parts)
    s.job_id = rec.job_id
    s.torchtune_version = rec.version_hint
    s.version_evidence = list(rec.version_evidence)
    s.recipe = rec.recipe
    s.model = rec.model_component
    s.world_size = rec.world_size
    s.batch_size = rec.batch_size
    s.gradient_accumulation_steps = rec.gradient_accumulation_steps
    s.epochs = rec.epochs
    s.max_seq_len = rec.max_seq_len
    if rec.epochs_progress:
        gas = rec.gradient_accumulation_steps or 1
        s.optimizer_steps = rec.optimizer_steps
        first = rec.epochs_progress[0].total
        if first:
            per_epoch = first // gas if rec.bar_counts_batches else first
            s.optimizer_steps_total = per_epoch * (rec.epochs or len(rec.epochs_progress))
    sps = rec.seconds_per_step
    if sps is not None:
        s.seconds_per_step = round(sps, 4)
        s.seconds_per_step_source = _timing_source(rec)
    if rec.tokens_per_second_per_gpu is not None:
        s.tokens_per_second = round(rec.tokens_per_second_per_gpu, 2)
        s.tokens_per_second_source = "tokens_per_second_per_gpu (last Step line)"
    s.peak_memory = _memory(rec.peak_memory)
    s.memory_after_init = _memory(rec.memory_after_init)
    if rec.gpu_total_gib is not None:
        s.gpu_memory_gib = round(rec.gpu_total_gib, 3)
        s.gpu_memory_source = rec.gpu_total_source
    s.oom, s.oom_message = rec.oom, rec.oom_message
    s.time_limit, s.traceback, s.error = rec.timed_out, rec.traceback, rec.error
    s.cancelled, s.killed = rec.cancelled, rec.killed and not rec.cancelled
    s.checkpoint_seconds = list(rec.checkpoint_seconds) or None
    s.wall_seconds, s.wall_source = rec.total_seconds, rec.total_source
    cut = rec.cut_off
    if cut is not None:
        s.incomplete = f"{cut} (cut off, or still running)"
    why = rec.why_not_prior()
    s.prior, s.why_not_prior = why is None, why
    s.notes = list(rec.notes)
    return s


def _timing_source(rec: TrainingRecord) -> str:
    """How the step time was measured, over which epochs (a partial one says how far it got)."""
    used = [e for e in rec.epochs_progress if e.optimizer_steps > 0]
    whole = [e for e in used if e.complete]
    spans = [f"{len(whole)} epoch{'s' if len(whole) != 1 else ''}"] if whole else []
    spans += [f"{e.optimizer_steps} steps of epoch {e.epoch}" for e in used if not e.complete]
    over = " and ".join(spans)
    if rec.timed_by_rate:
        rates = ", ".join(e.rate or "?" for e in used)
        shown = ", ".join(e.elapsed_text for e in used)
        how = f"tqdm rate {rates} over {over}; its elapsed {shown} is too coarse"
    else:
        how = f"tqdm elapsed / optimizer steps over {over}"
    if rec.bar_counts_batches:
        how += f" (the bar counts batches: {rec.gradient_accumulation_steps or 1} per step)"
    return how


def _other_kind(rec: LogRecord) -> LogSummary:
    s = LogSummary(path=rec.path, kind=rec.kind.value, job_id=rec.job_id)
    s.notes = list(rec.notes)
    if isinstance(rec, SeffRecord):
        s.wall_seconds = rec.wall_seconds
        s.wall_source = "seff Job Wall-clock time" if rec.wall_seconds is not None else None
        s.time_limit = (rec.state or "").upper() == "TIMEOUT"
        s.oom = (rec.state or "").upper() == "OUT_OF_MEMORY"
        s.cancelled = (rec.state or "").upper().startswith("CANCELLED")
        s.details = {
            "state": rec.state,
            "exit_code": rec.exit_code,
            "nodes": rec.nodes,
            "cores": rec.cores,
            "time_limit_seconds": rec.time_limit_seconds,
            "memory_used_gib": rec.memory_used_gb,
            "memory_requested_gib": rec.memory_requested_gb,
        }
        s.why_not_prior = "seff output: gives the wall time of its job's training log"
    elif isinstance(rec, GpuMetricsRecord):
        s.gpu_memory_gib = rec.gpu_total_gib
        s.gpu_memory_source = "nvidia-smi memory.total" if rec.gpu_total_gib is not None else None
        if rec.peak_used_gib is not None:
            s.peak_memory = {
                "active": None,
                "allocated": None,
                "reserved": rec.peak_used_gib,
                "unit": "GiB",
                "source": "nvidia-smi memory.used",
            }
        s.wall_seconds = rec.duration_seconds
        s.wall_source = "first and last sample" if rec.duration_seconds is not None else None
        s.details = {"samples": rec.samples, "mean_utilization_percent": rec.mean_utilization_percent}
        s.why_not_prior = "nvidia-smi CSV: gives the GPU memory of its folder's training log"
    elif isinstance(rec, EvalRecord):
        s.model = rec.model
        s.wall_seconds = rec.total_seconds
        s.wall_source = "inspect total time" if rec.total_seconds is not None else None
        tps = rec.tokens_per_second
        if tps is not None:
            s.tokens_per_second = round(tps, 2)
            s.tokens_per_second_source = "inspect tokens / total time"
        s.details = {
            "task": rec.task,
            "samples": rec.samples,
            "total_tokens": rec.total_tokens,
            "metrics": dict(rec.metrics),
            "interrupted": rec.interrupted,
        }
        s.why_not_prior = "an evaluation, not a training log"
    elif isinstance(rec, OtherRecord):
        s.why_not_prior = rec.notes[0] if rec.notes else "not a known log format"
    return s


def summarize(records: Sequence[LogRecord]) -> list[LogSummary]:
    """One summary per record, in the records' order."""
    return [_training(r) if isinstance(r, TrainingRecord) else _other_kind(r) for r in records]


def _finite(value: Any) -> Any:
    """NaN and infinities (a log may print `loss:nan`) become null: JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def to_json(rows: Sequence[LogSummary], files: int, duplicates: dict[str, str]) -> dict[str, Any]:
    """The `planlint logs --format json` object."""
    return {
        "version": JSON_VERSION,
        "files": files,
        "duplicates": dict(sorted(duplicates.items())),
        "logs": [_finite(asdict(r)) for r in rows],
    }


def _num(v: float) -> str:
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def _mem_text(m: dict[str, Any] | None) -> str:
    if m is None:
        return "not stated"
    parts = [f"{k} {m[k]:.2f}" for k in ("active", "allocated", "reserved") if m[k] is not None]
    return ", ".join(parts) + f" {m['unit']}" + (f" ({m['source']})" if m["source"] else "")


def format_text(rows: Sequence[LogSummary], files: int, duplicates: dict[str, str]) -> str:
    """One block per log: a header line, then what the log states, then whether it is a prior."""
    out = [f"{files} log files read ({len(duplicates)} copies counted once)"]
    for s in rows:
        head = s.path if s.runs_in_file == 1 else f"{s.path} (run {s.run} of {s.runs_in_file})"
        what = s.kind
        if s.torchtune_version:
            what += f", torchtune {s.torchtune_version}"
        if s.job_id:
            what += f", job {s.job_id}"
        out.append(f"{head}: {what}")
        facts: list[str] = []
        if s.kind.startswith("torchtune"):
            desc = [x for x in (s.recipe, s.model) if x]
            if s.world_size:
                desc.append(f"world size {s.world_size}")
            if desc:
                facts.append(", ".join(desc))
            shape = []
            if s.batch_size is not None:
                shape.append(f"batch {s.batch_size} x grad-accum {s.gradient_accumulation_steps or 1}")
            if s.epochs is not None:
                shape.append(f"{s.epochs} epoch{'s' if s.epochs != 1 else ''}")
            if s.optimizer_steps is not None:
                total = s.optimizer_steps_total if s.optimizer_steps_total is not None else "?"
                shape.append(f"steps {s.optimizer_steps}/{total}")
            if s.seconds_per_step is not None:
                shape.append(f"{_num(s.seconds_per_step)} s/step ({s.seconds_per_step_source})")
            if s.tokens_per_second is not None:
                shape.append(f"{_num(s.tokens_per_second)} tokens/s/GPU")
            if shape:
                facts.append(", ".join(shape))
            gpu = f"{s.gpu_memory_gib:.1f} GiB ({s.gpu_memory_source})" if s.gpu_memory_gib else "not stated"
            facts.append(f"peak memory: {_mem_text(s.peak_memory)}; GPU memory: {gpu}")
        else:
            if s.model:
                facts.append(f"model {s.model}")
            if s.gpu_memory_gib is not None:
                facts.append(f"GPU memory {s.gpu_memory_gib:.1f} GiB")
            if s.peak_memory is not None:
                facts.append(f"peak memory: {_mem_text(s.peak_memory)}")
            if s.tokens_per_second is not None:
                facts.append(f"{_num(s.tokens_per_second)} tokens/s")
            for key in ("state", "task", "samples"):
                if s.details.get(key) is not None:
                    facts.append(f"{key} {s.details[key]}")
        if s.wall_seconds is not None:
            facts.append(f"wall {s.wall_seconds:.0f} s ({s.wall_source})")
        if s.checkpoint_seconds:
            facts.append("checkpoint " + ", ".join(f"{c:g}" for c in s.checkpoint_seconds) + " s")
        failed = [
            w
            for w, on in (
                ("out of memory", s.oom),
                ("time limit", s.time_limit),
                ("cancelled", s.cancelled),
                ("killed", s.killed),
            )
            if on
        ]
        if s.traceback and not s.oom:
            failed.append("traceback")
        if failed:
            detail = s.oom_message or s.error
            facts.append("failed: " + ", ".join(failed) + (f" ({detail})" if detail else ""))
        out.extend(f"    {f}" for f in facts)
        if s.incomplete:
            out.append(f"    incomplete: {s.incomplete}")
        if s.kind.startswith("torchtune"):
            out.append("    prior: yes" if s.prior else f"    prior: no ({s.why_not_prior})")
        elif s.why_not_prior:
            out.append(f"    {s.why_not_prior}")
    return "\n".join(out) + "\n"
