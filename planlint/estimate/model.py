"""Wall-time and batch-size estimates for planned runs from prior runs' parsed logs (pure math)."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from planlint.estimate.steps import steps_per_epoch as steps_per_epoch  # the one count, re-exported
from planlint.logs.records import MIN_STEPS as MIN_STEPS  # the one threshold, re-exported
from planlint.logs.records import LogRecord, TrainingRecord
from planlint.slurmtime import format_time

GIB = 2**30
# Uncertainty of scaling per sample, per doubling of the batch (or sequence length, or model size)
# away from every prior: on real paired torchtune runs on one CPU, doubling the batch cost 1.4x
# more per sample than the per-sample scaling predicts.
EXTRAPOLATION_PER_DOUBLING = 0.4

# Parameters in billions, keyed by (family, size) as model_key() spells them.
MODEL_SIZES: dict[tuple[str, str], float] = {
    ("llama3_2", "1b"): 1.24,
    ("llama3_2", "3b"): 3.21,
    ("llama3_2", "11b"): 10.7,
    ("llama3_2", "90b"): 88.6,
    ("llama3_1", "8b"): 8.03,
    ("llama3_1", "70b"): 70.6,
    ("llama3_1", "405b"): 405.9,
    ("llama3_3", "70b"): 70.6,
    ("llama3", "8b"): 8.03,
    ("llama3", "70b"): 70.6,
    ("llama2", "7b"): 6.74,
    ("llama2", "13b"): 13.0,
    ("llama2", "70b"): 69.0,
    ("code_llama2", "7b"): 6.74,
    ("code_llama2", "13b"): 13.0,
    ("code_llama2", "70b"): 69.0,
    ("qwen2_5", "0.5b"): 0.49,
    ("qwen2_5", "1.5b"): 1.54,
    ("qwen2_5", "3b"): 3.09,
    ("qwen2_5", "7b"): 7.62,
    ("qwen2_5", "14b"): 14.7,
    ("qwen2_5", "32b"): 32.8,
    ("qwen2_5", "72b"): 72.7,
    ("qwen2", "0.5b"): 0.49,
    ("qwen2", "1.5b"): 1.54,
    ("qwen2", "7b"): 7.62,
    ("qwen3", "0.6b"): 0.6,
    ("qwen3", "1.7b"): 1.7,
    ("qwen3", "4b"): 4.0,
    ("qwen3", "8b"): 8.2,
    ("qwen3", "14b"): 14.8,
    ("qwen3", "32b"): 32.8,
    ("gemma", "2b"): 2.51,
    ("gemma", "7b"): 8.54,
    ("gemma2", "2b"): 2.61,
    ("gemma2", "9b"): 9.24,
    ("gemma2", "27b"): 27.2,
    ("mistral", "7b"): 7.24,
    ("phi3", "mini"): 3.82,
    ("phi4", "14b"): 14.7,
}

_FAMILIES = (
    "code_llama2",
    "llama3_3",
    "llama3_2",
    "llama3_1",
    "llama3",
    "llama2",
    "qwen2_5",
    "qwen3",
    "qwen2",
    "gemma2",
    "gemma",
    "mistral",
    "phi4",
    "phi3",
)
_SIZE_WORDS = ("mini", "small", "medium")


@dataclass(frozen=True)
class RunSpec:
    """A planned fine-tuning run, as far as the estimate needs it."""

    run: str
    model: str
    model_path: str | None = None
    train_samples: int | None = None
    #: why `train_samples` is unknown (a generated condition, an unreadable file), if it is
    train_why: str = ""
    batch_size: int | None = None
    gradient_accumulation_steps: int = 1
    epochs: int = 1
    packed: bool | None = None
    max_seq_len: int | None = None
    gpus: int = 1
    on_gpu: bool = True  # SLURM GPU jobs; False for a run asking for no GPU (CPU priors only)


@dataclass(frozen=True)
class EstimateSettings:
    """Knobs of the estimate (configuration and command-line flags)."""

    cross_model: bool = False
    gpu_memory_gb: float | None = None
    margin: float = 1.5
    round_minutes: int = 5
    floor_minutes: int = 5
    memory_envelope: float = 0.85


@dataclass(frozen=True)
class Estimate:
    """The estimate for one run; ``basis`` says which logs, how many and what was scaled."""

    run: str
    time: str | None
    seconds_raw: float | None
    batch_size_suggestion: int | None
    gradient_accumulation_suggestion: int | None
    basis: str
    priors: tuple[str, ...] = ()
    seconds: int | None = None
    effective_batch: int | None = None
    batch_basis: str = ""
    skipped: tuple[str, ...] = field(default=(), compare=False)
    seconds_low: float | None = None  # raw seconds, the priors' fastest faithful reading
    seconds_high: float | None = None  # raw seconds, the slowest (widened when extrapolating)
    margin: float | None = None  # the factor applied to seconds_raw before rounding


# --- small pure helpers -------------------------------------------------------------------


def padded_seconds(
    seconds_raw: float, margin: float = 1.5, round_minutes: int = 5, floor_minutes: int = 5
) -> int:
    """``seconds_raw`` x margin, rounded up to whole ``round_minutes``, at least ``floor_minutes``."""
    unit = max(1, round_minutes) * 60
    padded = math.ceil(seconds_raw * margin / unit - 1e-9) * unit
    return int(max(padded, floor_minutes * 60))


def _normalize(text: str) -> str:
    s = re.sub(r"[\s.\-/]+", "_", text.lower())
    s = re.sub(r"llama_(\d)(?=_|$)", r"llama\1", s)
    s = re.sub(r"code_?llama(?!2)", "code_llama2", s)
    s = re.sub(r"(qwen|phi)_(\d)(?=_|$)", r"\1\2", s)
    s = re.sub(r"gemma_(\d)(?=_)", r"gemma\1", s)
    return s


def model_key(text: str | None) -> tuple[str, str] | None:
    """(family, size) named by a model name, path or torchtune component, e.g.
    ``Llama-3.2-1B-Instruct`` and ``torchtune.models.llama3_2.lora_llama3_2_1b`` both give
    ``("llama3_2", "1b")``; None when either part is not stated."""
    if not text:
        return None
    s = _normalize(text)
    fam = None
    for f in _FAMILIES:
        if re.search(rf"(?<![a-z0-9]){f}(?![0-9])", s) or re.search(rf"(?<![a-z]){f}(?![0-9])", s):
            fam = f
            break
    if fam is None:
        return None
    rest = re.sub(rf"(?<![a-z]){fam}(?![0-9])", "_", s)
    if fam == "code_llama2":
        rest = rest.replace("llama2", "_")
    m = re.search(r"(?<![a-z0-9])(\d+(?:_\d+)?)b(?![a-z0-9])", rest)
    if m:
        return fam, m.group(1).replace("_", ".") + "b"
    for word in _SIZE_WORDS:
        if re.search(rf"(?<![a-z]){word}(?![a-z])", rest):
            return fam, word
    return None


def model_params_b(text: str | None) -> float | None:
    """Parameters in billions for a model name or component, from the size table."""
    key = model_key(text)
    if key is None:
        return None
    if key in MODEL_SIZES:
        return MODEL_SIZES[key]
    try:
        return float(key[1].rstrip("b"))
    except ValueError:
        return None


def params_from_config(cfg: dict[str, str]) -> float | None:
    """Parameters in billions computed from a custom model's dims in the config dump."""

    def num(*keys: str) -> float | None:
        for k in keys:
            v = cfg.get(f"model.{k}")
            if v is not None:
                try:
                    return float(v)
                except ValueError:
                    return None
        return None

    vocab, dim, layers = num("vocab_size"), num("embed_dim"), num("num_layers")
    if not (vocab and dim and layers):
        return None
    inter = num("intermediate_dim", "hidden_dim") or 4 * dim
    heads = num("num_heads") or 1
    kv = num("num_kv_heads") or heads
    tied = (cfg.get("model.tie_word_embeddings") or "").lower() == "true"
    attn = dim * dim * (2 + 2 * kv / heads)
    total = vocab * dim * (1 if tied else 2) + layers * (attn + 3 * dim * inter)
    return total / 1e9


def record_params_b(rec: TrainingRecord) -> float | None:
    """A prior's model size: from the component's name, else from its dims."""
    return (
        model_params_b(rec.model_component)
        or model_params_b(_folder_name(rec.checkpoint_dir))
        or params_from_config(rec.config)
    )


def _folder_name(path: str | None) -> str | None:
    if not path:
        return None
    parts = [p for p in PurePosixPath(path.replace("\\", "/")).parts if p not in ("/", ".")]
    while parts and parts[-1].lower() in ("original", "checkpoints", "hf", "weights"):
        parts.pop()
    return parts[-1] if parts else None


def _same_path(a: str, b: str) -> bool:
    def norm(p: str) -> str:
        return str(PurePosixPath(p.replace("\\", "/"))).rstrip("/")

    return norm(a) == norm(b)


def match_rule(run: RunSpec, rec: TrainingRecord) -> str | None:
    """How a prior log is the run's model (the rule's words go into the basis), or None."""
    ckpt = rec.checkpoint_dir
    if ckpt and run.model_path and _same_path(ckpt, run.model_path):
        return f"same checkpoint folder {ckpt}"
    run_key = model_key(run.model) or model_key(run.model_path)
    rec_key = model_key(rec.model_component) or model_key(_folder_name(ckpt))
    folder = _folder_name(ckpt)
    if folder and (folder == _folder_name(run.model_path) or folder == run.model):
        if run_key is None or rec_key is None or run_key == rec_key:
            return f"same checkpoint folder name {folder}"
    if run_key is not None and rec_key is not None and run_key == rec_key:
        source = rec.model_component or folder
        return f"model {source} = {run_key[0]} {run_key[1].upper()}"
    return None


# --- the estimate -------------------------------------------------------------------------


def default_startup_seconds(params_b: float | None, device: str | None) -> float:
    """Assumed start-up plus shutdown when no log measured it: imports, load, data, teardown."""
    if device == "cpu":
        return 4.5 + 4.0 * (params_b or 0.0)
    return 30.0 + 4.0 * (params_b if params_b is not None else 1.0)


def default_checkpoint_seconds(params_b: float | None, device: str | None) -> float:
    """Assumed seconds to save one epoch's checkpoint (adapter plus merged weights)."""
    base = 0.2 if device == "cpu" else 1.0
    return base + 6.0 * (params_b if params_b is not None else 1.0)


@dataclass
class _Prior:
    rec: TrainingRecord
    rule: str
    seconds_per_step: float
    batch: int
    grad_accum: int
    per_sample: float  # seconds per sample per GPU
    ratio: float = 1.0  # parameter-count ratio (extrapolation)
    world: int = 1


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def _checkpoint_measure(rec: TrainingRecord) -> tuple[float | None, str]:
    if rec.checkpoint_seconds:
        return sum(rec.checkpoint_seconds) / len(rec.checkpoint_seconds), "measured"
    gaps = [
        e.rerender_seconds - e.seconds
        for e in rec.epochs_progress
        if e.complete and e.rerender_seconds is not None and e.rerender_seconds > e.seconds
    ]
    if gaps:
        return sum(gaps) / len(gaps), "from the bar re-drawn after the save"
    return None, ""


def estimate(
    run: RunSpec,
    priors: Sequence[LogRecord],
    settings: EstimateSettings | None = None,
) -> Estimate:
    """Estimate one run's wall time and batch size from prior logs (non-training records and
    logs without timing are skipped, each with its reason in ``Estimate.skipped``)."""
    st = settings or EstimateSettings()
    skipped: list[str] = []
    matched: list[_Prior] = []
    others: list[_Prior] = []
    distributed_note: list[str] = []
    unusable: list[tuple[TrainingRecord, str]] = []
    for rec in priors:
        if not isinstance(rec, TrainingRecord):
            continue
        why = rec.why_not_prior(gpu=run.on_gpu)
        if why:
            skipped.append(f"{rec.label}: {why}")
            unusable.append((rec, why))
            continue
        world = rec.world_size if rec.distributed and rec.world_size else 1
        sps = rec.seconds_per_step
        assert sps is not None and rec.batch_size is not None
        gas = rec.gradient_accumulation_steps or 1
        prior = _Prior(rec, "", sps, rec.batch_size, gas, sps / (rec.batch_size * gas), world=world)
        rule = match_rule(run, rec)
        if rule:
            prior.rule = rule
            matched.append(prior)
            if world > 1:
                distributed_note.append(f"{rec.path} ran on {world} GPUs")
        else:
            others.append(prior)

    # a log of a step or two is mostly warm-up: use it only when nothing better exists
    for group in (matched, others):
        if any(p.rec.optimizer_steps >= MIN_STEPS for p in group):
            for p in [p for p in group if p.rec.optimizer_steps < MIN_STEPS]:
                group.remove(p)
                skipped.append(
                    f"{p.rec.path}: only {p.rec.optimizer_steps} step(s), mostly warm-up; longer logs used"
                )

    if run.train_samples is None or run.train_samples <= 0:
        why = run.train_why or "no train_samples for this run"
        return _no_time(run, f"{why}: cannot count its steps", skipped)

    extrapolated = False
    new_params = model_params_b(run.model) or model_params_b(run.model_path)
    if matched:
        used = matched
    elif st.cross_model and others:
        used = []
        for p in others:
            old = record_params_b(p.rec)
            if old and new_params:
                p.ratio = new_params / old
                p.rule = f"extrapolated from {p.rec.model_component or 'another model'}"
                used.append(p)
            else:
                skipped.append(f"{p.rec.path}: model size unknown, cannot extrapolate")
        extrapolated = True
        if not used:
            return _no_time(run, "no prior log of a model of known size to extrapolate", skipped)
    else:
        same = [(rec, why) for rec, why in unusable if match_rule(run, rec)]
        if same:
            return _no_time(run, _none_serves(run.model, same), skipped)
        what = f"no prior log of {run.model}"
        if others:
            what += f" ({len(others)} log(s) of other models; --cross-model extrapolates)"
        elif unusable:
            what += f" ({_left_out(unusable)})"
        elif not priors:
            what += " (no logs found)"
        return _no_time(run, what, skipped)

    batch = run.batch_size or used[0].batch
    gas = max(1, run.gradient_accumulation_steps or 1)
    gpus = max(1, run.gpus)
    same_shape = all(p.batch == batch and p.grad_accum == gas for p in used)
    fitted = None if same_shape else _fit_micro_batch(used)
    if same_shape:
        per_step = [p.seconds_per_step * p.ratio for p in used]
        sps_new = _median(per_step)
        sps_low, sps_high = min(per_step), max(per_step)
        how = f"{sps_new:.3f} s/step at batch {batch} x grad-accum {gas}"
    elif fitted is not None:
        fixed, per_item, spread = fitted
        sps_new = gas * (fixed + per_item * batch)
        sps_low, sps_high = sps_new * spread[0], sps_new * spread[1]
        sizes = ", ".join(str(b) for b in sorted({p.batch for p in used}))
        how = (
            f"fitted {fixed:.4f} s + {per_item:.4f} s/sample per micro-batch over priors at batch "
            f"{sizes}, to {sps_new:.3f} s/step at batch {batch} x grad-accum {gas}"
        )
    else:
        samples = [p.per_sample * p.ratio for p in used]
        per_sample = _median(samples)
        sps_new = per_sample * batch * gas
        sps_low, sps_high = min(samples) * batch * gas, max(samples) * batch * gas
        shapes = sorted({f"{p.batch}x{p.grad_accum}" for p in used})
        how = (
            f"scaled per sample ({per_sample:.4f} s/sample from batch x grad-accum "
            f"{', '.join(shapes)}) to {sps_new:.3f} s/step at batch {batch} x grad-accum {gas}"
        )
    widen, outside = _extrapolation(run, batch, used, extrapolated)
    steps = steps_per_epoch(run.train_samples, batch, gas, gpus)
    epochs = max(1, run.epochs)
    train = sps_new * steps * epochs

    device = next((p.rec.device for p in used if p.rec.device), None)
    rec_params = next((x for x in (record_params_b(p.rec) for p in used) if x), None)
    params = new_params if extrapolated or new_params else rec_params
    startups = [p.rec.startup_seconds for p in used if p.rec.startup_seconds is not None]
    if startups and not extrapolated:
        startup = _median(startups)
        startup_how = f"startup {startup:.0f}s measured"
    elif startups:
        # the measured start-up, with the model-loading part moved to the new model's size
        shifted = [
            p.rec.startup_seconds
            + default_startup_seconds(params, device)
            - default_startup_seconds(record_params_b(p.rec), device)
            for p in used
            if p.rec.startup_seconds is not None
        ]
        startup = max(_median(shifted), default_startup_seconds(0.0, device))
        startup_how = f"startup {startup:.0f}s measured, load time scaled to the new model"
    else:
        startup = default_startup_seconds(params, device)
        startup_how = f"startup {startup:.0f}s assumed (no timestamps or seff for the logs)"
    ckpts = []
    ckpt_src = ""
    for p in used:
        c, src = _checkpoint_measure(p.rec)
        if c is not None:
            ckpts.append(c * p.ratio)
            ckpt_src = ckpt_src or src
    if ckpts:
        ckpt = _median(ckpts)
        ckpt_how = f"checkpoint {ckpt:.1f}s/epoch {ckpt_src}"
    else:
        ckpt = default_checkpoint_seconds(params, device)
        ckpt_how = f"checkpoint {ckpt:.1f}s/epoch assumed"
    raw = train + startup + ckpt * epochs
    low = sps_low * steps * epochs / widen + startup + ckpt * epochs
    high = sps_high * steps * epochs * widen + startup + ckpt * epochs
    # the margin is widened by the extrapolation's doubt on the extrapolated share (training)
    # of the time, and never leaves the padded time below the slowest faithful reading
    share = train / raw if raw > 0 else 1.0
    margin = max(st.margin * (1 + (widen - 1) * share), high / raw if raw > 0 else st.margin)
    margin = math.ceil(margin * 100 - 1e-9) / 100
    padded = padded_seconds(raw, margin, st.round_minutes, st.floor_minutes)

    n = len(used)
    rules = sorted({p.rule for p in used})
    if extrapolated:
        ratios = ", ".join(f"x{p.ratio:.2f}" for p in used)
        head = f"extrapolated from {n} log(s) of other models by parameter count ({ratios})"
    else:
        head = f"{n} log{'s' if n != 1 else ''} of {run.model} ({'; '.join(rules)})"
    median_word = "median " if n > 1 else ""
    parts = [
        head,
        f"{median_word}{how}",
        f"{steps} steps/epoch x {epochs} epoch{'s' if epochs != 1 else ''} = {train:.0f}s",
        startup_how,
        ckpt_how,
        f"raw {raw:.0f}s (range {low:.0f}-{high:.0f}s) x{margin:g} margin"
        + (f" (widened from x{st.margin:g}: {'; '.join(outside)})" if outside else "")
        + f", rounded up to {st.round_minutes} min",
    ]
    same_left = [(rec, why) for rec, why in unusable if extrapolated or match_rule(run, rec)]
    if same_left:
        parts.append(_left_out(same_left))
    capped = [p for p in used if p.rec.max_steps_per_epoch]
    if capped:
        parts.append("prior steps capped by max_steps_per_epoch: measured steps used")
    if distributed_note:
        parts.append(
            "distributed prior(s) scaled by world size to per-GPU rate: " + "; ".join(distributed_note)
        )
    if gpus > 1:
        parts.append(f"{gpus} GPUs share each epoch")
    ooms = [rec for rec, _ in unusable if rec.oom and (extrapolated or match_rule(run, rec))]
    bsz, gsz, batch_basis = suggest_batch(run, used, st, extrapolated, ooms)
    return Estimate(
        run=run.run,
        time=format_time(padded),
        seconds_raw=round(raw, 3),
        batch_size_suggestion=bsz,
        gradient_accumulation_suggestion=gsz,
        basis="; ".join(parts),
        priors=tuple(p.rec.path for p in used),
        seconds=padded,
        effective_batch=batch * gas,
        batch_basis=batch_basis,
        skipped=tuple(skipped),
        seconds_low=round(low, 3),
        seconds_high=round(high, 3),
        margin=margin,
    )


def _fit_micro_batch(used: Sequence[_Prior]) -> tuple[float, float, tuple[float, float]] | None:
    """Seconds per micro-batch as fixed + per-sample x batch, least squares over priors at two or
    more batch sizes; with the measured / fitted ratio range. None when the fit is not physical."""
    points = [(float(p.batch), p.seconds_per_step * p.ratio / max(1, p.grad_accum)) for p in used]
    xs = [x for x, _ in points]
    if len(set(xs)) < 2:
        return None
    mx = sum(xs) / len(xs)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    fixed = my - slope * mx
    if slope <= 0 or fixed < 0:
        return None
    ratios = [y / (fixed + slope * x) for x, y in points]
    return fixed, slope, (min(ratios), max(ratios))


def _doubt(ratio: float) -> float:
    return 1.0 + EXTRAPOLATION_PER_DOUBLING * abs(math.log2(ratio)) if ratio > 0 else 1.0


def _extrapolation(
    run: RunSpec, batch: int, used: Sequence[_Prior], cross_model: bool
) -> tuple[float, list[str]]:
    """How much to widen the range (1.0 inside the priors' range) and why."""
    widen = 1.0
    why: list[str] = []
    sizes = [p.batch for p in used]
    lo, hi = min(sizes), max(sizes)
    if batch > hi or batch < lo:
        widen *= _doubt(batch / (hi if batch > hi else lo))
        why.append(
            f"batch {batch} outside the priors' {lo}-{hi}" if lo != hi else f"batch {batch}, priors {lo}"
        )
    seqs = [p.rec.max_seq_len for p in used if p.rec.max_seq_len]
    if run.max_seq_len and seqs and not min(seqs) <= run.max_seq_len <= max(seqs):
        edge = max(seqs) if run.max_seq_len > max(seqs) else min(seqs)
        widen *= _doubt(run.max_seq_len / edge)
        why.append(f"max_seq_len {run.max_seq_len} outside the priors' {min(seqs)}-{max(seqs)}")
    if cross_model:
        worst = max(used, key=lambda p: abs(math.log2(p.ratio)) if p.ratio > 0 else 0.0)
        widen *= _doubt(worst.ratio)
        why.append(f"another model (x{worst.ratio:.2f} parameters)")
    return widen, why


def _reasons(logs: Sequence[tuple[TrainingRecord, str]]) -> tuple[str, str, str]:
    """("2 logs", each reason once with its count when there are several, the first names)."""
    counts: dict[str, int] = {}
    for _, why in logs:
        counts[why] = counts.get(why, 0) + 1
    n = len(logs)
    reasons = "; ".join(f"{why} ({c})" if n > 1 else why for why, c in counts.items())
    names = ", ".join(rec.label for rec, _ in logs[:3]) + (", ..." if n > 3 else "")
    return f"{n} log{'s' if n != 1 else ''}", reasons, names


def _none_serves(model: str, logs: Sequence[tuple[TrainingRecord, str]]) -> str:
    """ "3 logs of X, none with timing: no tqdm progress line (2); ..." for logs of the run's
    model that cannot serve as priors, each reason once with its count."""
    count, reasons, names = _reasons(logs)
    timing = all("tqdm" in why or "timed" in why for _, why in logs)
    none = "none with timing" if timing else "none usable"
    return f"{count} of {model}, {none}: {reasons} [{names}]"


def _left_out(logs: Sequence[tuple[TrainingRecord, str]]) -> str:
    """ "2 logs left out: trained on CPU (device: cpu), not a GPU (2) [a.out, b.out]"."""
    count, reasons, names = _reasons(logs)
    return f"{count} left out: {reasons} [{names}]"


def _no_time(run: RunSpec, why: str, skipped: list[str]) -> Estimate:
    return Estimate(
        run=run.run,
        time=None,
        seconds_raw=None,
        batch_size_suggestion=None,
        gradient_accumulation_suggestion=None,
        basis=why,
        skipped=tuple(skipped),
    )


# --- batch size ---------------------------------------------------------------------------


def _weights_gib(params_b: float | None, dtype: str | None) -> float | None:
    if params_b is None:
        return None
    width = 4 if dtype in ("fp32", "float32") else 2
    return params_b * 1e9 * width / GIB


def suggest_batch(
    run: RunSpec,
    used: Sequence[_Prior],
    st: EstimateSettings,
    extrapolated: bool = False,
    ooms: Sequence[TrainingRecord] = (),
) -> tuple[int | None, int | None, str]:
    """(batch, grad-accum) keeping batch x grad-accum constant within the memory envelope.

    Memory is modelled as fixed + per_sample x batch: fixed is the memory after model init
    (else the weights' size, else 0, which scales the whole peak linearly and so errs low).
    """
    batch = run.batch_size or (used[0].batch if used else None)
    if batch is None:
        return None, None, "no batch-size suggestion: batch size unknown"
    effective = batch * max(1, run.gradient_accumulation_steps or 1)
    logged = next((p.rec for p in used if p.rec.gpu_total_gib), None)
    gpu: float | None = None
    if st.gpu_memory_gb:  # an explicit setting or flag wins over what a log says
        gpu, gpu_src = st.gpu_memory_gb, "gpu-memory-gb setting"
        if logged is not None and logged.gpu_total_gib and abs(logged.gpu_total_gib - gpu) > 0.05 * gpu:
            gpu_src += f", not the {logged.gpu_total_gib:.0f} GiB of {logged.gpu_total_source}"
    elif logged is not None and logged.gpu_total_gib:
        gpu, gpu_src = logged.gpu_total_gib, logged.gpu_total_source or "a prior log"
    if gpu is None:
        return (
            None,
            None,
            (
                "no batch-size suggestion: GPU memory unknown (no nvidia-smi CSV beside the logs "
                "and no gpu-memory-gb setting)"
            ),
        )
    budget = st.memory_envelope * gpu
    limits: list[tuple[int, str]] = []
    for p in used:
        rec = p.rec
        peak = rec.peak_memory.best() if rec.peak_memory else None
        if peak is None:
            if rec.oom and p.batch > 1:
                limits.append((p.batch - 1, f"prior ran out of memory at batch {p.batch}"))
            continue
        fixed = rec.memory_after_init.best() if rec.memory_after_init else None
        fixed_how = "memory after model init"
        if fixed is None:
            fixed = _weights_gib(record_params_b(rec), rec.dtype)
            fixed_how = "weights"
        if fixed is None or fixed >= peak:
            fixed, fixed_how = 0.0, "none (linear)"
        per_sample = (peak - fixed) / p.batch
        if extrapolated:
            fixed *= p.ratio
            per_sample *= p.ratio
        if run.max_seq_len and rec.max_seq_len and run.max_seq_len != rec.max_seq_len:
            per_sample *= run.max_seq_len / rec.max_seq_len
        if per_sample <= 0:
            continue
        fit = math.floor((budget - fixed) / per_sample)
        if rec.oom:
            fit = min(fit, p.batch - 1)
        limits.append(
            (
                fit,
                f"prior peak {peak:.1f} GiB at batch {p.batch} = {fixed:.1f} GiB fixed "
                f"({fixed_how}) + {per_sample:.2f} GiB/sample",
            )
        )
    for rec in ooms:
        # a run that ran out of memory on this much GPU memory caps the batch below its own
        if rec.batch_size is None or rec.batch_size <= 1:
            continue
        if rec.gpu_total_gib and abs(rec.gpu_total_gib - gpu) > 0.05 * gpu:
            continue
        if run.max_seq_len and rec.max_seq_len and run.max_seq_len < rec.max_seq_len:
            continue
        limits.append((rec.batch_size - 1, f"{rec.label} ran out of memory at batch {rec.batch_size}"))
    if not limits:
        return None, None, "no batch-size suggestion: no peak memory in the prior logs"
    fit, why = min(limits, key=lambda t: t[0])
    where = f"{st.memory_envelope:.0%} of {gpu:.0f} GiB ({gpu_src})"
    if fit < 1:
        return None, None, f"no batch-size suggestion: even batch 1 exceeds {where}; {why}"
    size = max(d for d in range(1, effective + 1) if effective % d == 0 and d <= fit)
    return (
        size,
        effective // size,
        (f"batch {size} x grad-accum {effective // size} (effective {effective}) fits {where}: {why}"),
    )
