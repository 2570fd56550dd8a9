"""Real torchtune logs cut short (a job killed, or a log copied while the job runs) and trained on
CPU: which of them serve as estimate priors, and what `planlint logs` says about them.

The log is tests/logs/real/torchtune-0.6.1-cpu/slurm-4817302.out (torchtune 0.6.1, `device: cpu`,
100 steps in 00:13, 0.136 s/step), cut with the equivalent of `head -c N`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planlint.cli import main
from planlint.estimate.model import RunSpec, estimate
from planlint.logs import parse_file
from planlint.logs.records import TrainingRecord

LOG = Path(__file__).parent / "logs" / "real" / "torchtune-0.6.1-cpu" / "slurm-4817302.out"
FULL_SECONDS_PER_STEP = 0.1361  # the finished log: tqdm's 00:13 over 100 steps, refined
#: the tiny model of the log, as a plan would run it again off the GPU (400 samples, batch 4)
TINY = RunSpec(
    "tt-tiny_rank8",
    model="tt-tiny",
    model_path="/scratch/user/ck-projects/tt-tiny/assets/model",
    train_samples=400,
    batch_size=4,
    on_gpu=False,
)


def cut(tmp_path: Path, size: int) -> Path:
    """The first `size` bytes of the real log, as `head -c size` writes them."""
    path = tmp_path / f"slurm-{size}.out"
    path.write_bytes(LOG.read_bytes()[:size])
    return path


def record(tmp_path: Path, size: int) -> TrainingRecord:
    rec = parse_file(cut(tmp_path, size))
    assert isinstance(rec, TrainingRecord)
    return rec


# (bytes kept, optimizer steps the cut shows, a prior for a CPU run?)
CUTS = [
    (1500, 0, False),  # inside the config dump: no progress at all
    (2700, 1, False),  # first step drawn, elapsed 00:00
    (3100, 2, False),  # the tester's cut: 2 of 100 steps, elapsed 00:00, bar rate 4.88it/s
    (3500, 4, False),  # still under 5 steps in 00:00
    (4000, 6, True),  # 6 steps, elapsed 00:00: timed by tqdm's rate
    (5000, 9, True),  # 9 steps, elapsed 00:01: still by the rate
    (10000, 28, True),  # elapsed 00:03: tqdm's elapsed is fine
    (20000, 63, True),
    (31000, 100, True),  # the bar finished; only the last lines are missing
]


@pytest.mark.parametrize(("size", "steps", "prior"), CUTS, ids=[str(c[0]) for c in CUTS])
def test_cut_logs_prior_decisions(tmp_path: Path, size: int, steps: int, prior: bool) -> None:
    rec = record(tmp_path, size)
    assert rec.optimizer_steps == steps
    why = rec.why_not_prior(gpu=False)
    assert (why is None) == prior, why
    if prior:
        # a prior's step time is within 6 % of the finished log's (it was 2.8x with 2 steps)
        assert rec.seconds_per_step == pytest.approx(FULL_SECONDS_PER_STEP, rel=0.06)
        est = estimate(TINY, [rec])
        assert est.seconds_raw == pytest.approx(17.96, rel=0.15)  # the real job's wall time
    elif steps:
        assert why is not None and why.startswith(f"too short to time: {steps} optimizer step")
        est = estimate(TINY, [rec])
        assert est.time is None and "too short to time" in est.basis
    # on a GPU run, every cut (and the whole log) is left out for its device first
    assert (rec.why_not_prior() or "").startswith("trained on CPU (device: cpu), not a GPU")


@pytest.mark.parametrize("size", [1, 2, 100, 1499, 2652, 2653, 3099, 3101, 3105, 3106, 3107, 15000, 31690])
def test_any_cut_reads_without_a_crash(tmp_path: Path, size: int, capsys: pytest.CaptureFixture[str]) -> None:
    path = cut(tmp_path, size)
    assert main(["logs", "--format", "json", str(path)]) == 0
    [entry] = json.loads(capsys.readouterr().out)["logs"]
    assert entry["prior"] is False  # CPU, and for a GPU run none of the cuts may be a prior
    assert main(["logs", str(path)]) == 0


def test_the_testers_cut_says_incomplete_and_not_a_prior(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = cut(tmp_path, 3100)
    assert main(["logs", str(path)]) == 0
    assert capsys.readouterr().out == (
        "1 log files read (0 copies counted once)\n"
        f"{path}: torchtune, torchtune 0.2-main, job 3100\n"
        "    LoRAFinetuneRecipeSingleDevice, torchtune.models.llama3.lora_llama3, world size 1\n"
        "    batch 4 x grad-accum 1, 1 epoch, steps 2/100, 0.205 s/step (tqdm rate 4.88it/s over 2 "
        "steps of epoch 1; its elapsed 00:00 is too coarse), 402 tokens/s/GPU\n"
        "    peak memory: not stated; GPU memory: not stated\n"
        "    incomplete: stops at step 2 of 100 of epoch 1, no checkpoint saved (cut off, or still running)\n"
        "    prior: no (trained on CPU (device: cpu), not a GPU; too short to time: 2 optimizer steps "
        "in 00:00 (tqdm shows whole seconds; a prior needs 5 steps or 3 s))\n"
    )


def test_finished_log_is_not_incomplete_but_a_cut_one_is(tmp_path: Path) -> None:
    whole = parse_file(LOG)
    assert isinstance(whole, TrainingRecord)
    assert whole.cut_off is None and whole.completed and whole.checkpoint_seen
    assert record(tmp_path, 20000).cut_off == "stops at step 63 of 100 of epoch 1, no checkpoint saved"


def test_shorter_cuts_of_one_log_never_win_over_the_whole(tmp_path: Path) -> None:
    """Several copies of one job at different lengths (a log copied while running, then again):
    the estimate stays that of the whole log."""
    recs = [record(tmp_path, n) for n in (3100, 4000, 20000)] + [parse_file(LOG)]
    est = estimate(TINY, recs)
    alone = estimate(TINY, [parse_file(LOG)])
    assert est.time == alone.time
    assert est.seconds_raw == pytest.approx(alone.seconds_raw or 0.0, rel=0.03)
    assert any("too short to time" in s for s in est.skipped)


def test_cpu_log_is_no_gpu_prior_and_the_basis_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tester's F10: with --cross-model the CPU log drove an 8B GPU run's estimate to 25 h."""
    import shutil

    monkeypatch.chdir(tmp_path)
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "seed-sweep", tmp_path / "exp")
    (tmp_path / "logs").mkdir()
    shutil.copy(LOG, tmp_path / "logs" / LOG.name)
    assert main(["estimate", "exp/plan.yaml", "--logs", "logs/*.out", "--cross-model"]) == 0
    out = capsys.readouterr().out
    assert "no estimate" in out and ":00:00" not in out.split("\n", 1)[1]
    assert (
        "basis: no prior log of Llama-3.2-1B-Instruct (1 log left out: trained on CPU (device: cpu), "
        "not a GPU [logs/slurm-4817302.out])"
    ) in out


def test_a_run_asking_for_no_gpu_takes_the_cpu_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`compute.gpus: 0` runs off the GPU: there the CPU log is the prior (extrapolated by size)."""
    import shutil

    monkeypatch.chdir(tmp_path)
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "seed-sweep", tmp_path / "exp")
    plan = tmp_path / "exp" / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace('"0:10:00", gpus: 1', '"0:10:00", gpus: 0', 1), encoding="utf-8")
    (tmp_path / "logs").mkdir()
    shutil.copy(LOG, tmp_path / "logs" / LOG.name)
    assert main(["estimate", "exp/plan.yaml", "--logs", "logs/*.out", "--cross-model"]) == 0
    first, second = capsys.readouterr().out.split("\n    batch:")[:2]
    assert "basis: extrapolated from 1 log(s) of other models" in first
    assert "trained on CPU" in second and "no estimate" in second


# -- a log that ends after the last step, while the last checkpoint is being saved (review 5) ----

GPU_LOG = Path(__file__).parent / "logs" / "cruijff_kit" / "slurm_training_output.txt"


def _lines_before(tmp_path: Path, log: Path, marker: str, keep: int = 0) -> Path:
    """The log up to the line holding `marker` (and `keep` lines from it on)."""
    lines = log.read_bytes().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if marker.encode() in line)
    path = tmp_path / f"slurm-{at + keep}.out"
    path.write_bytes(b"".join(lines[: at + keep]))
    return path


@pytest.mark.parametrize(
    ("log", "marker", "keep", "cut_off"),
    [
        # cruijff's GPU log, 2 epochs: epoch 1's checkpoint was saved, epoch 2's save never began
        (GPU_LOG, "Starting checkpoint save for epoch 1", 0, "epoch 2"),
        # ... began, and the log stops inside it
        (GPU_LOG, "Starting checkpoint save for epoch 1", 1, "epoch 2"),
        # ... its model was written (`saved to .../epoch_1`): nothing is missing
        (GPU_LOG, "Model checkpoint saved to __SCRATCH__/experiment/run/epoch_1", 1, None),
        # torchtune 0.6.1 on CPU, 1 epoch: the save began, nothing says it finished
        (LOG, "Starting checkpoint save", 1, "epoch 1"),
    ],
)
def test_a_log_cut_while_its_last_checkpoint_is_saved_is_incomplete(
    tmp_path: Path, log: Path, marker: str, keep: int, cut_off: str | None
) -> None:
    got = parse_file(_lines_before(tmp_path, log, marker, keep))
    assert isinstance(got, TrainingRecord) and got.bars_done  # every step ran
    if cut_off is None:
        assert got.completed and got.cut_off is None
    else:
        assert not got.completed
        assert got.cut_off == f"stops after the last step of {cut_off}, before its checkpoint was saved"
    whole = parse_file(log)
    assert isinstance(whole, TrainingRecord) and whole.completed and whole.cut_off is None


def test_a_folder_whose_name_holds_epoch_is_not_the_epochs_checkpoint(tmp_path: Path) -> None:
    """`saved to .../lr1e-5_epoch_2/epoch_0/...` is epoch 0's checkpoint: the finished 2-epoch log
    whose output folder is named like that stays complete (review of this change)."""
    text = GPU_LOG.read_text(encoding="utf-8").replace(
        "__SCRATCH__/experiment/run", "/scratch/x/lr1e-5_epoch_2"
    )
    text = "".join(line for line in text.splitlines(keepends=True) if "Checkpoint saved in" not in line)
    path = tmp_path / "slurm-400.out"
    path.write_text(text, encoding="utf-8")
    got = parse_file(path)
    assert isinstance(got, TrainingRecord)
    assert got.saved_epochs == {0, 1} and got.completed and got.cut_off is None
