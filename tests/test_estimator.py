"""Estimate arithmetic on worked examples, model matching, scaling rules and batch suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest

from planlint.estimate.model import (
    EstimateSettings,
    RunSpec,
    estimate,
    format_time,
    match_rule,
    model_key,
    model_params_b,
    padded_seconds,
    steps_per_epoch,
)
from planlint.logs import EpochProgress, MemoryStats, TrainingRecord, parse_file

LOGS = Path(__file__).parent / "logs"
MODEL = "/scratch/models/Llama-3.2-1B-Instruct"


def prior(
    seconds_per_step: float = 0.46,
    steps: int = 100,
    batch: int = 4,
    grad_accum: int = 1,
    checkpoint: float | None = 10.0,
    startup: float | None = 60.0,
    component: str = "torchtune.models.llama3_2.lora_llama3_2_1b",
    checkpoint_dir: str | None = MODEL + "/",
    path: str = "slurm-1.out",
    **extra: object,
) -> TrainingRecord:
    """A parsed prior log: one epoch of ``steps`` steps at ``seconds_per_step``."""
    rec = TrainingRecord(
        path=path,
        batch_size=batch,
        gradient_accumulation_steps=grad_accum,
        epochs=1,
        model_component=component,
        checkpoint_dir=checkpoint_dir,
        device="cuda",
        epochs_progress=[
            EpochProgress(1, steps, steps, "", seconds_per_step * steps, steps, True),
        ],
        checkpoint_seconds=[checkpoint] if checkpoint is not None else [],
        startup_seconds=startup,
    )
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def spec(**kw: object) -> RunSpec:
    base: dict[str, object] = dict(
        run="Llama-3.2-1B-Instruct_rank8",
        model="Llama-3.2-1B-Instruct",
        model_path=MODEL,
        train_samples=800,
        batch_size=4,
        gradient_accumulation_steps=1,
        epochs=2,
    )
    base.update(kw)
    return RunSpec(**base)  # type: ignore[arg-type]


# --- arithmetic -------------------------------------------------------------------------------


def test_worked_example_800_samples_batch_4_two_epochs_at_0_46_s_per_step() -> None:
    # 800 / (4 x 1) = 200 steps/epoch; 0.46 s x 200 x 2 = 184 s; + 60 s startup
    # + 2 x 10 s checkpoints = 264 s raw; x 1.5 = 396 s -> rounded up to 10 min.
    e = estimate(spec(), [prior()])
    assert e.seconds_raw == pytest.approx(264.0)
    assert (e.seconds, e.time) == (600, "0:10:00")
    assert e.priors == ("slurm-1.out",)
    assert "1 log of Llama-3.2-1B-Instruct (same checkpoint folder" in e.basis
    assert "0.460 s/step at batch 4 x grad-accum 1" in e.basis
    assert "200 steps/epoch x 2 epochs = 184s" in e.basis
    assert "startup 60s measured" in e.basis and "checkpoint 10.0s/epoch measured" in e.basis


def test_other_batch_size_scales_seconds_per_sample_and_says_so() -> None:
    # 0.46 s / 4 samples = 0.115 s/sample; batch 8 x grad-accum 2 = 16 samples -> 1.84 s/step;
    # 800 / 16 = 50 steps/epoch x 2 = 184 s, + 60 + 20 = 264 s.
    e = estimate(spec(batch_size=8, gradient_accumulation_steps=2), [prior()])
    assert e.seconds_raw == pytest.approx(264.0)
    assert "scaled per sample (0.1150 s/sample" in e.basis
    assert "1.840 s/step at batch 8 x grad-accum 2" in e.basis
    assert "50 steps/epoch" in e.basis


def test_steps_round_up_and_gpus_share_an_epoch() -> None:
    assert steps_per_epoch(801, 4) == 201
    assert steps_per_epoch(800, 4, 2, gpus=4) == 25
    e = estimate(spec(gpus=4), [prior()])
    assert "50 steps/epoch" in e.basis and "4 GPUs share each epoch" in e.basis


def test_short_runs_get_the_five_minute_floor() -> None:
    e = estimate(spec(train_samples=8, epochs=1), [prior(startup=5.0, checkpoint=0.2)])
    assert e.seconds_raw == pytest.approx(0.46 * 2 + 5.0 + 0.2)
    assert e.time == "0:05:00"


@pytest.mark.parametrize(("raw", "padded"), [(1, 300), (200, 300), (201, 600), (264, 600), (4000, 6000)])
def test_margin_and_rounding(raw: float, padded: int) -> None:
    assert padded_seconds(raw) == padded


@pytest.mark.parametrize(
    ("seconds", "text"), [(300, "0:05:00"), (3600, "1:00:00"), (93784, "26:03:04"), (59.2, "0:01:00")]
)
def test_slurm_time_format(seconds: float, text: str) -> None:
    assert format_time(seconds) == text


def test_several_priors_use_the_median_and_count_the_logs() -> None:
    priors = [prior(0.40, path="a.out"), prior(0.46, path="b.out"), prior(0.90, path="c.out")]
    e = estimate(spec(), priors)
    assert "3 logs of Llama-3.2-1B-Instruct" in e.basis and "median 0.460 s/step" in e.basis
    assert e.seconds_raw == pytest.approx(264.0) and len(e.priors) == 3


def test_unmeasured_startup_and_checkpoint_are_assumed_and_said() -> None:
    e = estimate(spec(), [prior(startup=None, checkpoint=None)])
    # 1.24 B parameters on a GPU: 30 + 4 x 1.24 s start-up, 1 + 6 x 1.24 s per checkpoint
    assert e.seconds_raw == pytest.approx(184 + 34.96 + 2 * 8.44)
    assert "startup 35s assumed" in e.basis and "checkpoint 8.4s/epoch assumed" in e.basis


def test_checkpoint_time_from_the_redrawn_bar_when_the_log_has_no_timing() -> None:
    rec = prior(checkpoint=None)
    rec.epochs_progress[0].rerender_seconds = rec.epochs_progress[0].seconds + 21.0
    e = estimate(spec(), [rec])
    assert e.seconds_raw == pytest.approx(184 + 60 + 2 * 21.0)
    assert "from the bar re-drawn after the save" in e.basis


# --- which priors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "params"),
    [
        ("Llama-3.2-1B-Instruct", ("llama3_2", "1b"), 1.24),
        ("torchtune.models.llama3_2.lora_llama3_2_1b", ("llama3_2", "1b"), 1.24),
        ("torchtune.models.llama3_2.lora_llama3_2_3b", ("llama3_2", "3b"), 3.21),
        ("Meta-Llama-3.1-8B-Instruct", ("llama3_1", "8b"), 8.03),
        ("torchtune.models.llama3.lora_llama3_8b", ("llama3", "8b"), 8.03),
        ("torchtune.models.llama3_3.lora_llama3_3_70b", ("llama3_3", "70b"), 70.6),
        ("Qwen2.5-0.5B-Instruct", ("qwen2_5", "0.5b"), 0.49),
        ("torchtune.models.qwen2_5.lora_qwen2_5_7b_instruct", ("qwen2_5", "7b"), 7.62),
        ("gemma-2b", ("gemma", "2b"), 2.51),
        ("gemma-2-9b-it", ("gemma2", "9b"), 9.24),
        ("Mistral-7B-Instruct-v0.3", ("mistral", "7b"), 7.24),
        ("torchtune.models.phi3.lora_phi3_mini", ("phi3", "mini"), 3.82),
        ("CodeLlama-7b-hf", ("code_llama2", "7b"), 6.74),
        ("torchtune.models.llama3.lora_llama3", None, None),
        ("my-own-model", None, None),
    ],
)
def test_model_size_table(text: str, key: tuple[str, str] | None, params: float | None) -> None:
    assert model_key(text) == key and model_params_b(text) == params


def test_match_by_folder_path_folder_name_and_component() -> None:
    run = spec()
    assert match_rule(run, prior()) == f"same checkpoint folder {MODEL}/"
    other_root = prior(checkpoint_dir="/gpfs/me/models/Llama-3.2-1B-Instruct/original/")
    assert match_rule(run, other_root) == "same checkpoint folder name Llama-3.2-1B-Instruct"
    no_dir = prior(checkpoint_dir=None)
    assert match_rule(run, no_dir) == ("model torchtune.models.llama3_2.lora_llama3_2_1b = llama3_2 1B")
    bigger = prior(component="torchtune.models.llama3_2.lora_llama3_2_3b", checkpoint_dir=None)
    assert match_rule(run, bigger) is None


def test_other_models_are_left_out_unless_cross_model() -> None:
    eight_b = prior(1.2, component="torchtune.models.llama3_1.lora_llama3_1_8b", checkpoint_dir="/m/8b")
    e = estimate(spec(), [eight_b])
    assert e.time is None and e.seconds_raw is None
    assert "no prior log of Llama-3.2-1B-Instruct" in e.basis and "--cross-model" in e.basis
    x = estimate(spec(), [eight_b], EstimateSettings(cross_model=True))
    ratio = 1.24 / 8.03
    assert x.basis.startswith("extrapolated from 1 log(s) of other models by parameter count")
    assert x.seconds_raw is not None
    train = 1.2 * ratio * 200 * 2
    startup = 60 + 4 * (1.24 - 8.03)  # measured, with the model-load part of the new size
    assert x.seconds_raw == pytest.approx(train + startup + 2 * 10.0 * ratio, rel=1e-3)
    assert "load time scaled to the new model" in x.basis


def test_distributed_prior_is_scaled_by_world_size_or_left_out() -> None:
    dist = prior(0.9, batch=8, distributed=True, world_size=4, path="dist.out")
    e = estimate(spec(batch_size=8), [dist])
    # per GPU: 0.9 s per step of 8 samples; one GPU, 800 / 8 = 100 steps x 2 epochs
    assert e.seconds_raw == pytest.approx(0.9 * 100 * 2 + 60 + 20)
    assert "scaled by world size" in e.basis and "ran on 4 GPUs" in e.basis
    unknown = prior(0.9, batch=8, distributed=True, world_size=None, path="dist2.out")
    e2 = estimate(spec(batch_size=8), [unknown])
    assert e2.time is None
    assert any("world size unknown (left out)" in s for s in e2.skipped)


def test_a_log_of_one_step_is_used_only_when_nothing_longer_matches() -> None:
    short = prior(9.9, steps=1, path="short.out")
    e = estimate(spec(), [short, prior(path="long.out")])
    assert e.priors == ("long.out",) and e.seconds_raw == pytest.approx(264.0)
    assert e.skipped == ("short.out: only 1 step(s), mostly warm-up; longer logs used",)
    assert estimate(spec(), [short]).priors == ("short.out",)


def test_logs_without_timing_say_why() -> None:
    empty = TrainingRecord(path="x.out", batch_size=4)
    e = estimate(spec(), [empty])
    assert e.time is None and e.skipped == ("x.out: no tqdm progress line",)
    assert estimate(spec(train_samples=None), [prior()]).basis.startswith("no train_samples")


# --- batch size ------------------------------------------------------------------------------


def test_batch_suggestion_keeps_the_effective_batch() -> None:
    rec = prior(
        batch=8,
        memory_after_init=MemoryStats(reserved=3.85),
        peak_memory=MemoryStats(reserved=10.25),
    )
    e = estimate(spec(batch_size=8, gradient_accumulation_steps=4), [rec], EstimateSettings(gpu_memory_gb=24))
    # 0.85 x 24 = 20.4 GiB; (10.25 - 3.85) / 8 = 0.8 GiB/sample; (20.4 - 3.85) / 0.8 -> 20
    # largest divisor of 32 that is <= 20: 16 -> 16 x 2
    assert (e.batch_size_suggestion, e.gradient_accumulation_suggestion) == (16, 2)
    assert e.effective_batch == 32
    assert "gpu-memory-gb setting" in e.batch_basis and "0.80 GiB/sample" in e.batch_basis


def test_batch_suggestion_uses_the_gpu_from_nvidia_smi_and_shrinks_when_needed() -> None:
    rec = prior(
        batch=16,
        peak_memory=MemoryStats(reserved=30.0),
        gpu_total_gib=40.0,
        gpu_total_source="nvidia-smi gpu_metrics.csv",
        component="torchtune.models.llama3.lora_llama3",
        checkpoint_dir=MODEL,
    )
    e = estimate(spec(batch_size=16), [rec], EstimateSettings(gpu_memory_gb=80))
    # no init memory and no size: linear, 30/16 GiB per sample; 0.85 x 40 = 34 -> 18 -> 16
    assert e.batch_size_suggestion == 16 and "nvidia-smi gpu_metrics.csv" in e.batch_basis
    e2 = estimate(spec(batch_size=32), [rec], EstimateSettings())
    assert (e2.batch_size_suggestion, e2.gradient_accumulation_suggestion) == (16, 2)


def test_no_batch_suggestion_without_gpu_memory_and_why() -> None:
    e = estimate(spec(), [prior(peak_memory=MemoryStats(reserved=10.0))])
    assert e.batch_size_suggestion is None and e.gradient_accumulation_suggestion is None
    assert "GPU memory unknown" in e.batch_basis


def test_prior_oom_caps_the_batch() -> None:
    rec = prior(batch=32, oom=True, gpu_total_gib=24.0, traceback=True)
    e = estimate(spec(batch_size=32), [rec])
    assert e.batch_size_suggestion == 16 and "out of memory at batch 32" in e.batch_basis


# --- calibration on the two real CPU runs ------------------------------------------------------


def test_calibration_real_cpu_runs() -> None:
    a2 = parse_file(LOGS / "real/torchtune-0.6.1-cpu/slurm-4817302.out")
    g = parse_file(LOGS / "real/torchtune-0.6.1-cpu/slurm-4817308.out")
    assert isinstance(a2, TrainingRecord) and isinstance(g, TrainingRecord)
    tiny = dict(model="tt-tiny", model_path="/scratch/user/ck-projects/tt-tiny/assets/model", on_gpu=False)
    same = RunSpec("a2", train_samples=400, batch_size=4, **tiny)  # type: ignore[arg-type]
    e = estimate(same, [a2])
    assert e.seconds_raw == pytest.approx(17.96, rel=0.10)  # measured wall 17.96 s
    first_81 = RunSpec("g", train_samples=81 * 4, batch_size=4, **tiny)  # type: ignore[arg-type]
    e2 = estimate(first_81, [a2])
    assert e2.seconds_raw == pytest.approx(16.53, rel=0.10)  # g died at step 81 after 16.53 s
    e3 = estimate(same, [g])
    assert e3.seconds_raw == pytest.approx(17.96, rel=0.25)  # g's samples are longer words
