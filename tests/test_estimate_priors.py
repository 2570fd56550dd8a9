"""Which priors serve an estimate and how sure it is: default globs from experiment.dir, the GPU
memory the batch suggestion uses, OOM caps, reasons when no prior serves, ranges and margins.

Logs: cruijff_kit's training fixture (Llama-3.2-1B, batch 32, 2 epochs; see tests/logs/README.md)
and an OOM after its start-up, with PyTorch's new-style message (shape as pasted in
https://github.com/instructlab/instructlab/issues/2666).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from planlint.cli import main
from planlint.estimate.model import EstimateSettings, RunSpec, estimate
from planlint.logs import EpochProgress, TrainingRecord

LOGS = Path(__file__).parent / "logs"
PRIOR = LOGS / "cruijff_kit" / "slurm_training_output.txt"
GPU_CSV = LOGS / "cruijff_kit" / "test_basic_csv.gpu_metrics.csv"  # memory.total 40960 MiB
RUNS = "scratch/ck-projects/cap"


def _oom_log(batch: int, capacity: str = "79.15 GiB") -> str:
    head = PRIOR.read_text().split("  0%|")[0].replace("batch_size: 32", f"batch_size: {batch}")
    return head + (
        "Traceback (most recent call last):\n"
        '  File "/home/user/torchtune/recipes/lora_finetune_single_device.py", line 803, in <module>\n'
        "    sys.exit(recipe_main())\n"
        '  File "/home/user/torchtune/recipes/lora_finetune_single_device.py", line 720, in train\n'
        "    current_loss.backward()\n"
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 3.91 GiB. GPU 0 has a total "
        f"capacity of {capacity} of which 1.20 GiB is free. Including non-PyTorch memory, this "
        "process has 77.94 GiB memory in use. Of the allocated memory 74.10 GiB is allocated by "
        "PyTorch, and 2.31 GiB is reserved by PyTorch but unallocated.\n"
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed plan with experiment.dir in the cruijff layout and batch 64, no configuration."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "seed-sweep", tmp_path / "exp")
    plan = tmp_path / "exp" / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    text = text.replace(
        "  base_controls: true\n", f"  base_controls: true\n  dir: ../{RUNS}/cap_1B_lr_sweep\n", 1
    )
    text = text.replace("  batch_size: 4\n", "  batch_size: 64\n", 1)
    plan.write_text(text, encoding="utf-8")
    (tmp_path / RUNS / "cap_1B_lr_sweep").mkdir(parents=True)
    return tmp_path


def _put(project: Path, run: str, name: str, text: str | None = None, src: Path | None = None) -> Path:
    art = project / RUNS / "cap_pilot" / run / "artifacts"
    art.mkdir(parents=True, exist_ok=True)
    if src is not None:
        shutil.copy(src, art / name)
    else:
        (art / name).write_text(text or "")
    return art / name


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["estimate", "exp/plan.yaml", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_default_globs_come_from_experiment_dir(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _put(project, "Llama-3.2-1B_rank16", "slurm-5550001.out", src=PRIOR)
    assert main(["estimate", "exp/plan.yaml"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 log files read (0 copies counted once)\n")
    assert "Llama-3.2-1B_rank8_lr1e-5: 0:" in out and "1 log of Llama-3.2-1B-Instruct" in out


def test_gpu_memory_flag_wins_over_the_nvidia_smi_csv_and_says_so(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _put(project, "Llama-3.2-1B_rank16", "slurm-5550001.out", src=PRIOR)
    _put(project, "Llama-3.2-1B_rank16", "gpu_metrics.csv", src=GPU_CSV)
    csv_only = _json(capsys)["runs"][0]  # type: ignore[index]
    assert "fits 85% of 40 GiB (nvidia-smi gpu_metrics.csv)" in csv_only["batch_basis"]
    assert csv_only["batch_size_suggestion"] == 32  # (34 - 2.4) / 0.51 GiB per sample -> 61 -> 32 divides 64
    flag = _json(capsys, "--gpu-memory-gb", "80")["runs"][0]  # type: ignore[index]
    assert (
        "fits 85% of 80 GiB (gpu-memory-gb setting, not the 40 GiB of nvidia-smi gpu_metrics.csv)"
        in flag["batch_basis"]
    )
    assert flag["batch_size_suggestion"] == 64


def test_a_prior_oom_caps_the_batch_on_the_same_gpu_memory(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _put(project, "Llama-3.2-1B_rank16", "slurm-5550001.out", src=PRIOR)
    _put(project, "Llama-3.2-1B_rank32", "slurm-5550002.out", _oom_log(64))
    run = _json(capsys, "--gpu-memory-gb", "80")["runs"][0]  # type: ignore[index]
    assert (run["batch_size_suggestion"], run["gradient_accumulation_suggestion"]) == (32, 2)
    assert "ran out of memory at batch 64" in run["batch_basis"]
    # on a GPU of another size the OOM says nothing
    other = _json(capsys, "--gpu-memory-gb", "160")["runs"][0]  # type: ignore[index]
    assert other["batch_size_suggestion"] == 64


def test_no_serving_prior_says_why_for_the_logs_of_that_model(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    oom = _put(project, "Llama-3.2-1B_rank32", "slurm-5550002.out", _oom_log(64))
    _put(project, "Llama-3.2-1B_rank64", "slurm-5550003.out", PRIOR.read_text().split("  0%|")[0])
    run = _json(capsys)["runs"][0]  # type: ignore[index]
    assert run["time"] is None
    assert run["basis"].startswith(
        "2 logs of Llama-3.2-1B-Instruct, none with timing: ran out of memory before a timed "
        "training step (1); no tqdm progress line (1) ["
    )
    assert str(oom) in run["basis"] or oom.name in run["basis"]
    assert "no prior log" not in run["basis"]


def test_json_and_text_give_the_range_and_the_margin(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _put(project, "Llama-3.2-1B_rank16", "slurm-5550001.out", src=PRIOR)
    run = _json(capsys)["runs"][0]  # type: ignore[index]
    # batch 64 is outside the prior's batch 32: one doubling widens the training share x1.4
    assert 1.5 < run["margin"] < 1.5 * 1.4
    assert run["seconds_low"] < run["seconds_raw"] < run["seconds_high"]
    assert int(run["time"].split(":")[1]) * 60 >= run["seconds_high"]
    assert "(widened from x1.5: batch 64, priors 32)" in run["basis"]
    assert main(["estimate", "exp/plan.yaml"]) == 0
    line = capsys.readouterr().out.splitlines()[1]
    low, high = run["seconds_low"] / 60, run["seconds_high"] / 60
    assert line.startswith(f"Llama-3.2-1B_rank8_lr1e-5: {run['time']} (raw {low:.1f}-{high:.1f} min)")


# --- the arithmetic of ranges and fits ------------------------------------------------------


def _prior(batch: int, sps: float, steps: int = 100, path: str = "slurm-1.out") -> TrainingRecord:
    return TrainingRecord(
        path=path,
        batch_size=batch,
        gradient_accumulation_steps=1,
        epochs=1,
        model_component="torchtune.models.llama3_2.lora_llama3_2_1b",
        device="cuda",
        epochs_progress=[EpochProgress(1, steps, steps, "", sps * steps, steps, True)],
        checkpoint_seconds=[10.0],
        startup_seconds=60.0,
    )


def _run(batch: int) -> RunSpec:
    return RunSpec(run="r", model="Llama-3.2-1B-Instruct", train_samples=3200, batch_size=batch, epochs=1)


def test_priors_at_several_batch_sizes_fit_a_fixed_and_a_per_sample_cost() -> None:
    # 0.1 s fixed + 0.0125 s/sample: batch 8 -> 0.2 s/step, batch 32 -> 0.5 s/step
    priors = [_prior(8, 0.2, path="a.out"), _prior(32, 0.5, path="b.out")]
    e = estimate(_run(16), priors)
    assert "fitted 0.1000 s + 0.0125 s/sample per micro-batch over priors at batch 8, 32" in e.basis
    # batch 16: 0.3 s/step x 200 steps + 60 s start-up + 10 s checkpoint; inside the priors' range
    assert e.seconds_raw == pytest.approx(0.3 * 200 + 70)
    assert (e.seconds_low, e.seconds_high, e.margin) == (pytest.approx(130), pytest.approx(130), 1.5)
    # per-sample scaling from either prior alone would have said 0.4 or 0.25 s/step
    assert estimate(_run(16), priors[:1]).seconds_raw == pytest.approx(0.4 * 200 + 70)


def test_extrapolating_beyond_the_priors_widens_range_and_margin() -> None:
    priors = [_prior(8, 0.2, path="a.out"), _prior(32, 0.5, path="b.out")]
    inside = estimate(_run(16), priors)
    outside = estimate(_run(128), priors)  # two doublings past batch 32: x1.8 on training
    # 1.7 s/step x 25 steps = 42.5 s of 112.5 s raw: 1.5 x (1 + 0.8 x 0.378) = 1.953, rounded up
    assert outside.margin == 1.96
    assert outside.seconds_high is not None and outside.seconds is not None
    assert outside.seconds >= outside.seconds_high > outside.seconds_raw  # type: ignore[operator]
    assert "batch 128 outside the priors' 8-32" in outside.basis
    assert inside.margin == 1.5


def test_the_spread_of_several_priors_is_the_range() -> None:
    priors = [_prior(8, 0.2, path="a.out"), _prior(8, 0.3, path="b.out"), _prior(8, 0.25, path="c.out")]
    e = estimate(_run(8), priors)
    assert e.seconds_raw == pytest.approx(0.25 * 400 + 70)
    assert (e.seconds_low, e.seconds_high) == (pytest.approx(0.2 * 400 + 70), pytest.approx(0.3 * 400 + 70))
    assert e.margin == 1.5  # 1.5 x raw is above the slowest prior's reading
    assert e.seconds is not None and e.seconds >= 0.3 * 400 + 70


def test_the_settings_margin_is_kept_when_nothing_is_extrapolated() -> None:
    e = estimate(_run(8), [_prior(8, 0.2)], EstimateSettings(margin=1.2))
    assert e.margin == 1.2 and e.seconds_low == e.seconds_high == e.seconds_raw
