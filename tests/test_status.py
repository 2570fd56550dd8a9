"""`planlint status` logic: one row per run from a real experiment folder, plus folders that belong to no run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import TWO_MODEL
from experiment_tree import FINE_TUNED, Experiment, build_experiment

from planlint.commands.status import build_status, format_status, log_failure
from planlint.config import Config
from planlint.engine import check_plan

#: The tail of a real CUDA OOM in torchtune's LoRA recipe (torch 2.5 message format).
OOM_TAIL = """1|11|Loss: 1.2075:   4%|▍         | 11/250 [00:19<06:58,  1.75s/it]1|12|Loss: 1.1306:   5%|▍         | 12/250 [00:21<07:01,  1.77s/it]Traceback (most recent call last):
  File "/home/me/.conda/envs/cruijff/bin/tune", line 8, in <module>
    sys.exit(main())
             ^^^^^^
  File "/home/me/.conda/envs/cruijff/lib/python3.11/site-packages/recipes/lora_finetune_single_device.py", line 704, in train
    current_loss = self._loss_step(batch) * current_num_tokens
                   ^^^^^^^^^^^^^^^^^^^^^^
  File "/home/me/.conda/envs/cruijff/lib/python3.11/site-packages/torchtune/modules/loss/ce_chunked_output_loss.py", line 71, in forward
    total_loss += self.compute_cross_entropy(
torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB. GPU 0 has a total capacity of 79.15 GiB of which 1.12 GiB is free. Including non-PyTorch memory, this process has 78.02 GiB memory in use. Of the allocated memory 75.43 GiB is allocated by PyTorch, and 1.98 GiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)
1|12|Loss: 1.1306:   5%|▍         | 12/250 [00:22<07:40,  1.94s/it]
"""

#: The end of torchtune 0.6.1's own log of a run that died mid-epoch (reference/torchtune-cpu/slurm-4817308.out).
CRASH_TAIL = """1|80|Loss: 11.373735427856445:  40%|████      | 81/200 [00:12<00:19,  6.13it/s]1|81|Loss: 11.295637130737305:  40%|████      | 81/200 [00:12<00:19,  6.13it/s]Step 81 | loss:11.295637130737305 lr:0.0002079748753938678 tokens_per_second_per_gpu:522.4976806640625
Traceback (most recent call last):
  File "/scratch/user/ck-projects/tt-tiny/venv/bin/tune", line 8, in <module>
    sys.exit(main())
             ^^^^^^
  File "/scratch/user/ck-projects/tt-tiny/venv/lib/python3.11/site-packages/torchtune/modules/transformer.py", line 529, in _validate_inputs
    raise ValueError(
ValueError: seq_len (512) of input tensor should be smaller than max_seq_len (256)
1|81|Loss: 11.295637130737305:  40%|████      | 81/200 [00:12<00:18,  6.56it/s]
"""

TIME_LIMIT_TAIL = "1|190|Loss: 0.0921:  95%|█████████▌| 190/200 [14:41<00:46,  4.63s/it]slurmstepd: error: *** JOB 5120944 ON della-l07g3 CANCELLED AT 2026-11-25T10:41:07 DUE TO TIME LIMIT ***\n"


@pytest.fixture
def experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Experiment:
    monkeypatch.chdir(tmp_path)
    return build_experiment(tmp_path)


def status_of(e: Experiment):  # type: ignore[no-untyped-def]
    e.plan.write_text(e.text, encoding="utf-8")
    plan, _ = check_plan(e.plan, Config())
    return build_status(plan)


def rows(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.run: r.state for r in report.runs}


def test_every_state(experiment: Experiment) -> None:
    e = experiment
    # scaffolded: configs, no checkpoints yet
    shutil.rmtree(e.run_dir("Llama-3.2-1B_rank8_lr1e-5") / "artifacts")
    # failed: the OOM log is the latest job; an earlier job's log does not matter
    oom = e.run_dir("Llama-3.2-1B_rank4_lr5e-5") / "artifacts"
    shutil.rmtree(oom / "epoch_1")
    (oom / "slurm-5120999.out").write_text(
        "Running LoRAFinetuneRecipeSingleDevice with resolved config:\n\nbatch_size: 4\n" + OOM_TAIL,
        encoding="utf-8",
    )
    # drifted: the retry after the OOM halved the batch by hand
    ft = e.run_dir("Llama-3.2-3B_rank8_lr5e-5") / "finetune.yaml"
    ft.write_text(
        ft.read_text(encoding="utf-8").replace("batch_size: 4\n", "batch_size: 2\n", 1), encoding="utf-8"
    )
    # planned: no folder
    shutil.rmtree(e.run_dir("Llama-3.2-3B_rank4_lr5e-5"))
    shutil.rmtree(e.exp / "Llama-3.2-3B_base")
    # a folder that belongs to no run
    (e.exp / "brave_falcon" / "artifacts" / "epoch_0").mkdir(parents=True)
    report = status_of(e)
    assert rows(report) == {
        "Llama-3.2-1B_rank4_lr1e-5": "trained",
        "Llama-3.2-1B_rank4_lr5e-5": "failed",
        "Llama-3.2-1B_rank8_lr1e-5": "scaffolded",
        "Llama-3.2-1B_rank8_lr5e-5": "trained",
        "Llama-3.2-1B_base": "scaffolded",
        "Llama-3.2-3B_rank4_lr1e-5": "trained",
        "Llama-3.2-3B_rank4_lr5e-5": "planned",
        "Llama-3.2-3B_rank8_lr1e-5": "trained",
        "Llama-3.2-3B_rank8_lr5e-5": "drifted",
        "Llama-3.2-3B_base": "planned",
    }
    failed = next(r for r in report.runs if r.state == "failed")
    assert failed.failure == "out of memory" and failed.log == "artifacts/slurm-5120999.out"
    assert failed.checkpoints == [0] and failed.expected_epochs == 2 and failed.notes == ["missing epoch_1"]
    drifted = next(r for r in report.runs if r.state == "drifted")
    assert drifted.drift == [{"key": "batch_size", "plan": "4", "found": "2", "file": "finetune.yaml"}]
    assert drifted.checkpoints == [0, 1]
    assert [(o.folder, o.artifacts, o.checkpoints) for o in report.orphans] == [("brave_falcon", True, [0])]

    text = format_status(report, "text")
    lines = text.splitlines()
    assert lines[0] == f"plan: {report.plan}"
    assert lines[1] == f"dir:  {e.exp}"
    header = lines[3]
    assert header.split() == ["Run", "Type", "State", "Checkpoints", "Details"]
    table = lines[3:-2]
    state_col = header.index("State")
    assert all(line[state_col - 1] == " " for line in table)  # aligned columns
    assert any(
        line.startswith("Llama-3.2-1B_rank4_lr5e-5 ")
        and "failed" in line
        and "1/2" in line
        and "out of memory (artifacts/slurm-5120999.out)" in line
        for line in table
    )
    assert any("batch_size 2 in finetune.yaml, plan 4" in line for line in table)
    assert any(line.startswith("brave_falcon/ ") and "no run in plan" in line for line in table)
    assert (
        lines[-1]
        == "10 runs: 2 planned, 2 scaffolded, 4 trained, 1 failed, 1 drifted; 1 folder belongs to no run"
    )

    data = json.loads(format_status(report, "json"))
    assert data["version"] == 1 and data["reachable"] is True
    assert data["summary"] == {
        "planned": 2,
        "scaffolded": 2,
        "trained": 4,
        "evaluated": 0,
        "failed": 1,
        "drifted": 1,
        "runs": 10,
        "orphans": 1,
    }
    assert data["runs"][1]["state"] == "failed" and data["runs"][1]["failure"] == "out of memory"
    assert report.to_json()["version"] == 1


def test_a_traceback_at_the_end_is_a_failure(experiment: Experiment) -> None:
    art = experiment.run_dir("Llama-3.2-3B_rank4_lr1e-5") / "artifacts"
    (art / "slurm-5121500.out").write_text(CRASH_TAIL, encoding="utf-8")
    row = next(r for r in status_of(experiment).runs if r.run == "Llama-3.2-3B_rank4_lr1e-5")
    assert row.state == "failed"
    assert (
        row.failure
        == "crashed: ValueError: seq_len (512) of input tensor should be smaller than max_seq_len (256)"
    )


def test_time_limit_and_retries(experiment: Experiment, tmp_path: Path) -> None:
    art = experiment.run_dir("Llama-3.2-1B_rank8_lr5e-5") / "artifacts"
    (art / "slurm-5121600.out").write_text(TIME_LIMIT_TAIL, encoding="utf-8")
    assert rows(status_of(experiment))["Llama-3.2-1B_rank8_lr5e-5"] == "failed"
    # a later job that finished wins over the timed-out one
    (art / "slurm-5121700.out").write_text(
        (art / "slurm-5120934.out").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert rows(status_of(experiment))["Llama-3.2-1B_rank8_lr5e-5"] == "trained"
    assert log_failure(art / "slurm-5121600.out") == "time limit"


def test_a_traceback_before_the_final_checkpoint_is_not_a_failure(tmp_path: Path) -> None:
    log = tmp_path / "slurm-1.out"
    log.write_text(
        "wandb: Traceback (most recent call last):\nwandb: ConnectionError: offline\n"
        + "Checkpoint saved in 33.06 seconds.\n",
        encoding="utf-8",
    )
    assert log_failure(log) is None


def test_unreachable_dir_reports_every_run_planned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "plan.yaml"
    path.write_text(TWO_MODEL, encoding="utf-8")
    plan, _ = check_plan(path, Config())
    report = build_status(plan)
    assert report.reachable is False
    assert (
        report.reason
        == "experiment.dir /scratch/gpfs/me/ck-projects/capitalization/cap_lora_rank_lr_sweep is not on this machine"
    )
    assert {r.state for r in report.runs} == {"planned"} and len(report.runs) == 10
    text = format_status(report, "text")
    assert text.splitlines()[1].endswith(
        "(not reachable: experiment.dir /scratch/gpfs/me/ck-projects/capitalization/cap_lora_rank_lr_sweep is not on this machine)"
    )
    assert all("planned (dir not reachable)" in line for line in text.splitlines()[4:14])
    assert text.splitlines()[-1] == "10 runs: 10 planned (dir not reachable)"
    assert json.loads(format_status(report, "json"))["runs"][0]["notes"] == ["dir not reachable"]
    with pytest.raises(ValueError):
        format_status(report, "yaml")


def test_status_is_read_only_and_deterministic(experiment: Experiment) -> None:
    def snapshot() -> list[tuple[str, int]]:
        return sorted((str(p), p.stat().st_mtime_ns) for p in experiment.exp.rglob("*"))

    before = snapshot()
    first = format_status(status_of(experiment), "json")
    assert format_status(status_of(experiment), "json") == first
    assert snapshot() == before
    assert [r.run for r in status_of(experiment).runs if r.type == "fine-tuned"] == [
        n for n, *_ in FINE_TUNED
    ]
