"""Typed records of what a prior run's log states; a field is None when the log does not say."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

#: A log with fewer optimizer steps than this is mostly warm-up: it serves only when no longer log
#: of the model does, and only when its elapsed time is measurable.
MIN_STEPS = 5
#: tqdm prints elapsed time in whole seconds: below this many, the elapsed is too coarse to time a
#: step (3 s read as 00:03 may be 3.99 s), so the bar's own rate (measured to the microsecond,
#: smoothed over the last steps) times the steps instead.
COARSE_ELAPSED = 3.0
#: Devices a torchtune config names that are not a GPU a SLURM job would get, with their words.
NOT_GPU = {"cpu": "CPU", "mps": "Apple MPS"}
_RATE = re.compile(r"\s*([\d.]+) ?(it/s|s/it)\s*$")


class LogKind(str, enum.Enum):
    """What a log file is, judged by its content."""

    TORCHTUNE = "torchtune"
    TORCHTUNE_DISTRIBUTED = "torchtune-distributed"
    INSPECT = "inspect"
    SEFF = "seff"
    NVIDIA_SMI = "nvidia-smi"
    OTHER = "other"


@dataclass
class MemoryStats:
    """Peak GPU memory in GiB (2**30 bytes), whatever unit the log printed."""

    active: float | None = None
    alloc: float | None = None
    reserved: float | None = None
    source: str = ""

    def best(self) -> float | None:
        """Reserved if known, else the larger of alloc/active (a lower bound of reserved)."""
        if self.reserved is not None:
            return self.reserved
        known = [v for v in (self.alloc, self.active) if v is not None]
        return max(known) if known else None


@dataclass
class EpochProgress:
    """The last real position of one epoch's tqdm bar (re-renders after a checkpoint ignored)."""

    epoch: int
    position: int
    total: int | None
    elapsed_text: str
    seconds: float
    optimizer_steps: int
    complete: bool
    rate: str | None = None
    rerender_seconds: float | None = None
    whole_seconds: float | None = None  # the elapsed as tqdm printed it (whole seconds), if known

    def rate_seconds(self) -> float | None:
        """Seconds for the bar's position at its last printed rate (``7.5it/s`` or ``2.1s/it``)."""
        m = _RATE.match(self.rate or "")
        if m is None:
            return None
        value = float(m.group(1))
        if value <= 0:
            return None
        return self.position / value if m.group(2) == "it/s" else self.position * value


@dataclass
class TrainingRecord:
    """Facts from one torchtune training log (stdout/stderr of `tune run`, e.g. slurm-<id>.out)."""

    path: str
    kind: LogKind = LogKind.TORCHTUNE
    job_id: str | None = None
    size_bytes: int = 0
    recipe: str | None = None
    distributed: bool = False
    world_size: int | None = None
    version_hint: str | None = None
    version_evidence: list[str] = field(default_factory=list)
    logger_name: str | None = None
    part: int = 1  # which run of the file this record is (a file may hold several runs)
    parts: int = 1
    # from the resolved-config dump
    batch_size: int | None = None
    epochs: int | None = None
    gradient_accumulation_steps: int | None = None
    max_steps_per_epoch: int | None = None
    max_seq_len: int | None = None
    packed: bool | None = None
    model_component: str | None = None
    lora_rank: int | None = None
    lr: float | None = None
    dataset_component: str | None = None
    dataset_source: str | None = None
    checkpoint_dir: str | None = None
    output_dir: str | None = None
    device: str | None = None
    dtype: str | None = None
    compile: bool | None = None
    config: dict[str, str] = field(default_factory=dict)
    # memory, GiB
    memory_after_init: MemoryStats | None = None
    peak_memory: MemoryStats | None = None
    gpu_total_gib: float | None = None
    gpu_total_source: str | None = None
    # progress
    epochs_progress: list[EpochProgress] = field(default_factory=list)
    bar_counts_batches: bool = False
    last_step: int | None = None
    final_loss: float | None = None
    tokens_per_second_per_gpu: float | None = None
    checkpoint_seconds: list[float] = field(default_factory=list)
    checkpoint_seen: bool = False
    #: epochs (0-based, from `saved to .../epoch_N`) whose checkpoint the log says was written
    saved_epochs: set[int] = field(default_factory=set)
    #: `Starting checkpoint save` lines (one per save torchtune begins)
    saves_started: int = 0
    wandb_summary: dict[str, float | str] = field(default_factory=dict)
    # failures
    oom: bool = False
    oom_kind: str | None = None
    oom_message: str | None = None
    traceback: bool = False
    error: str | None = None
    timed_out: bool = False
    #: the job was killed: a signal, a segfault, or SLURM's cancel (then `cancelled` too)
    killed: bool = False
    #: SLURM cancelled the job (`*** JOB N ON host CANCELLED AT ... ***`, scancel)
    cancelled: bool = False
    # wall clock
    first_timestamp: float | None = None
    last_timestamp: float | None = None
    startup_seconds: float | None = None
    startup_source: str | None = None
    total_seconds: float | None = None
    total_source: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The path, plus which run of the file when the file holds several."""
        return self.path if self.parts == 1 else f"{self.path} (run {self.part} of {self.parts})"

    @property
    def training_seconds(self) -> float | None:
        """Seconds inside the training bars (sum over epochs), or None without progress."""
        used = [e for e in self.epochs_progress if e.optimizer_steps > 0]
        return sum(e.seconds for e in used) if used else None

    @property
    def optimizer_steps(self) -> int:
        """Optimizer steps done over all epochs, as the bars show them."""
        return sum(e.optimizer_steps for e in self.epochs_progress)

    @property
    def elapsed_too_coarse(self) -> bool:
        """The bars' printed elapsed (whole seconds) sums to less than COARSE_ELAPSED."""
        used = [e for e in self.epochs_progress if e.optimizer_steps > 0]
        shown = [e.whole_seconds for e in used]
        return bool(used) and None not in shown and sum(s or 0.0 for s in shown) < COARSE_ELAPSED

    def _rate_seconds(self) -> float | None:
        used = [e.rate_seconds() for e in self.epochs_progress if e.optimizer_steps > 0]
        return sum(x for x in used if x is not None) if used and None not in used else None

    @property
    def timed_by_rate(self) -> bool:
        """The step time comes from tqdm's rate, the elapsed being too coarse."""
        return self.elapsed_too_coarse and self._rate_seconds() is not None

    @property
    def seconds_per_step(self) -> float | None:
        """Measured seconds per optimizer step over every epoch (first-step warm-up included):
        tqdm's elapsed over the steps, or its rate when the elapsed is too coarse."""
        steps = self.optimizer_steps
        if steps <= 0:
            return None
        secs = self._rate_seconds() if self.timed_by_rate else self.training_seconds
        return secs / steps if secs is not None else None

    @property
    def completed(self) -> bool:
        """Every configured epoch reached the end of its bar, and the log does not stop while
        the last one's checkpoint is being written (see `unsaved_epoch`)."""
        return self.bars_done and self.unsaved_epoch is None

    @property
    def bars_done(self) -> bool:
        """Every configured epoch reached the end of its progress bar."""
        if not self.epochs_progress:
            return False
        done = {e.epoch for e in self.epochs_progress if e.complete}
        want = self.epochs or max(done, default=0)
        return want > 0 and all(n in done for n in range(1, want + 1))

    @property
    def unsaved_epoch(self) -> int | None:
        """The last epoch (1-based) when the log stops before saying its checkpoint was written
        (the job died, or is still saving, after its last step): it began a save it never
        finished, or it counts the saves of earlier epochs (`epoch_N` folders, timed saves) and
        has fewer than epochs. torchtune saves after every epoch. A log that counts no save
        (an old format writing files without epoch folders) is not judged."""
        if not self.epochs_progress:
            return None
        last = max(e.epoch for e in self.epochs_progress)
        saved = max(len(self.saved_epochs), len(self.checkpoint_seconds))
        if self.saves_started > saved or 0 < saved < last:
            return last
        return None

    @property
    def cut_off(self) -> str | None:
        """How the log stops short when it neither finished nor failed (cut off or still being
        written): e.g. "stops at step 2 of 100 of epoch 1, no checkpoint saved"; else None."""
        if self.completed or self.crashed or not self.epochs_progress:
            return None
        if self.bars_done:
            return f"stops after the last step of epoch {self.unsaved_epoch}, before its checkpoint was saved"
        last = self.epochs_progress[-1]
        where = f"stops at step {last.position} of {last.total or '?'} of epoch {last.epoch}"
        if last.complete:
            where = f"stops after epoch {last.epoch} of {self.epochs or '?'}"
        return where + ("" if self.checkpoint_seen else ", no checkpoint saved")

    @property
    def crashed(self) -> bool:
        """The run failed before finishing its epochs (traceback, OOM, kill or time limit)."""
        failed = self.traceback or self.oom or self.timed_out or self.killed
        return failed and not self.completed

    def why_no_estimate(self) -> str | None:
        """Why this log cannot time a run, or None when it can."""
        if not self.epochs_progress or self.optimizer_steps == 0:
            if self.oom:
                return "ran out of memory before a timed training step"
            return "no tqdm progress line"
        if self.optimizer_steps < MIN_STEPS and self.elapsed_too_coarse:
            shown = ", ".join(e.elapsed_text for e in self.epochs_progress if e.optimizer_steps > 0)
            n = self.optimizer_steps
            return (
                f"too short to time: {n} optimizer step{'s' if n != 1 else ''} in {shown} "
                f"(tqdm shows whole seconds; a prior needs {MIN_STEPS} steps or {COARSE_ELAPSED:g} s)"
            )
        if self.batch_size is None:
            return "no batch_size in the log (no resolved-config dump)"
        return None

    @property
    def not_gpu(self) -> str | None:
        """The word for the device the run trained on when it is not a GPU (``CPU``), else None."""
        device = (self.device or "").strip().lower().split(":")[0]
        return NOT_GPU.get(device)

    def why_not_prior(self, gpu: bool = True) -> str | None:
        """Why this log cannot serve as an estimate prior for a run on a GPU (``gpu``, as every
        SLURM run cruijff_kit plans is) or off one: trained on another kind of device, no
        measurable timing, or a distributed run of unknown world size; None when it can."""
        reasons = []
        device = self.not_gpu
        if gpu and device is not None:
            reasons.append(f"trained on {device} (device: {self.device}), not a GPU")
        elif not gpu and device is None and self.device:
            reasons.append(f"trained on a GPU (device: {self.device}); the run is not on one")
        why = self.why_no_estimate()
        if why is None and self.distributed and not self.world_size:
            why = "distributed recipe, world size unknown (left out)"
        if why is not None:
            reasons.append(why)
        return "; ".join(reasons) or None


@dataclass
class EvalRecord:
    """The end-of-eval panel of an inspect-ai run."""

    path: str
    kind: LogKind = LogKind.INSPECT
    job_id: str | None = None
    size_bytes: int = 0
    task: str | None = None
    samples: int | None = None
    model: str | None = None
    total_seconds: float | None = None
    total_tokens: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    tokens: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    interrupted: bool = False
    errors: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def tokens_per_second(self) -> float | None:
        """End-to-end tokens per second (all tokens over total time)."""
        if self.total_tokens and self.total_seconds:
            return self.total_tokens / self.total_seconds
        return None


@dataclass
class SeffRecord:
    """The text printed by SLURM's `seff <jobid>`."""

    path: str
    kind: LogKind = LogKind.SEFF
    job_id: str | None = None
    size_bytes: int = 0
    array_job_id: str | None = None
    cluster: str | None = None
    state: str | None = None
    exit_code: int | None = None
    nodes: int | None = None
    cores: int | None = None
    cpu_utilized_seconds: float | None = None
    cpu_efficiency_percent: float | None = None
    wall_seconds: float | None = None
    time_limit_seconds: float | None = None
    memory_used_gb: float | None = None  # GiB: seff's MB/GB are binary
    memory_requested_gb: float | None = None
    memory_efficiency_percent: float | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class GpuMetricsRecord:
    """Samples from `nvidia-smi --query-gpu=... --format=csv` written during a job."""

    path: str
    kind: LogKind = LogKind.NVIDIA_SMI
    job_id: str | None = None
    size_bytes: int = 0
    columns: list[str] = field(default_factory=list)
    samples: int = 0
    skipped_rows: int = 0
    gpu_total_gib: float | None = None
    peak_used_gib: float | None = None
    mean_utilization_percent: float | None = None
    duration_seconds: float | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class OtherRecord:
    """A file that is none of the known log formats."""

    path: str
    kind: LogKind = LogKind.OTHER
    job_id: str | None = None
    size_bytes: int = 0
    notes: list[str] = field(default_factory=list)


LogRecord = TrainingRecord | EvalRecord | SeffRecord | GpuMetricsRecord | OtherRecord
