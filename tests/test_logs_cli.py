"""`planlint logs`: what each log says, field by field, on real log text.

Real text used here (beyond tests/logs/, see its README):
- torchtune 0.1 head, `INFO:torchtune.utils.logging:` banner and config dump (batch 2, grad accum
  16, alpaca_cleaned): https://github.com/meta-llama/llama-cookbook/pull/554
- torchtune 0.1 `Step N | loss:.. lr:.. gpu_resources:..` lines numbered from 0:
  https://github.com/meta-pytorch/torchtune/pull/640
- Step lines with peak_memory_* (values as posted): https://github.com/meta-pytorch/torchtune/pull/2406
- new-style `[rank0]: torch.OutOfMemoryError ... GPU 0 has a total capacity of 22.05 GiB` message:
  https://github.com/instructlab/instructlab/issues/2666 ; the distributed recipe's traceback
  shape (`[rankN]:` frames through recipes/lora_finetune_distributed.py):
  https://github.com/meta-pytorch/torchtune/issues/2071 and /issues/1965
- torchforge's `{step}|Loss:` bar description (not torchtune's `epoch|step|Loss`):
  https://github.com/meta-pytorch/torchforge (apps/sft)
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from planlint.cli import main

LOGS = Path(__file__).parent / "logs"
A2 = LOGS / "real/torchtune-0.6.1-cpu/slurm-4817302.out"
G = LOGS / "real/torchtune-0.6.1-cpu/slurm-4817308.out"
CRUIJFF = LOGS / "cruijff_kit/slurm_training_output.txt"


def logs_json(capsys: pytest.CaptureFixture[str], *globs: str) -> dict[str, Any]:
    assert main(["logs", "--format", "json", *globs]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def one(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, Any]:
    data = logs_json(capsys, str(path))
    [entry] = data["logs"]
    return entry  # type: ignore[no-any-return]


def test_json_of_a_real_finished_0_6_1_run_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    data = logs_json(capsys, str(A2))
    assert (data["version"], data["files"], data["duplicates"]) == (1, 1, {})
    [e] = data["logs"]
    assert e == {
        "path": str(A2),
        "kind": "torchtune",
        "run": 1,
        "runs_in_file": 1,
        "job_id": "4817302",
        "torchtune_version": "0.3-main",
        "version_evidence": ["Checkpoint saved in N seconds", "tokens_per_second_per_gpu Step metric"],
        "recipe": "LoRAFinetuneRecipeSingleDevice",
        "model": "torchtune.models.llama3.lora_llama3",
        "world_size": 1,
        "batch_size": 4,
        "gradient_accumulation_steps": 1,
        "epochs": 1,
        "max_seq_len": 256,
        "optimizer_steps": 100,
        "optimizer_steps_total": 100,
        "seconds_per_step": 0.1361,
        "seconds_per_step_source": "tqdm elapsed / optimizer steps over 1 epoch",
        "tokens_per_second": 703.79,
        "tokens_per_second_source": "tokens_per_second_per_gpu (last Step line)",
        "peak_memory": None,  # on CPU the recipe turns peak-memory logging off
        "memory_after_init": None,
        "gpu_memory_gib": None,
        "gpu_memory_source": None,
        "oom": False,
        "oom_message": None,
        "time_limit": False,
        "cancelled": False,
        "killed": False,
        "traceback": False,
        "error": None,
        "checkpoint_seconds": [0.16],
        "wall_seconds": None,
        "wall_source": None,
        "incomplete": None,
        "prior": False,  # `device: cpu` in its config: no prior for a GPU run
        "why_not_prior": "trained on CPU (device: cpu), not a GPU",
        "details": {},
        "notes": ["no peak memory during training (Step metrics or wandb summary)"],
    }


def test_text_of_the_real_crashed_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", str(G)]) == 0
    assert capsys.readouterr().out == (
        "1 log files read (0 copies counted once)\n"
        f"{G}: torchtune, torchtune 0.2-main, job 4817308\n"
        "    LoRAFinetuneRecipeSingleDevice, torchtune.models.llama3.lora_llama3, world size 1\n"
        "    batch 4 x grad-accum 1, 1 epoch, steps 81/200, 0.149 s/step (tqdm elapsed / optimizer "
        "steps over 81 steps of epoch 1), 522 tokens/s/GPU\n"
        "    peak memory: not stated; GPU memory: not stated\n"
        "    failed: traceback (ValueError: seq_len (512) of input tensor should be smaller than "
        "max_seq_len (256))\n"
        "    prior: no (trained on CPU (device: cpu), not a GPU)\n"
    )


def test_cruijff_fixture_memory_checkpoints_and_two_epochs(capsys: pytest.CaptureFixture[str]) -> None:
    e = one(capsys, CRUIJFF)
    assert (e["kind"], e["torchtune_version"], e["model"]) == (
        "torchtune",
        "main (2025+)",
        "torchtune.models.llama3_2.lora_llama3_2_1b",
    )
    assert (e["batch_size"], e["epochs"], e["optimizer_steps"], e["optimizer_steps_total"]) == (
        32,
        2,
        500,
        500,
    )
    assert e["memory_after_init"] == {
        "active": 2.35,
        "allocated": 2.35,
        "reserved": 2.37,
        "unit": "GiB",
        "source": "memory stats after model init",
    }
    assert e["peak_memory"]["source"] == "wandb run summary"
    assert e["checkpoint_seconds"] == [33.06, 32.51] and e["prior"] is True


def test_no_glob_is_a_usage_error_and_no_file_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["logs"]) == 2
    assert "needs at least one GLOB" in capsys.readouterr().err
    assert main(["logs", str(tmp_path / "*.out")]) == 1
    assert capsys.readouterr().out == "0 log files read (0 copies counted once)\n"


# --- classification by content ---------------------------------------------------------

OOM_TAIL = """\
W1107 17:31:02.114000 305833 torch/distributed/run.py:793] Setting OMP_NUM_THREADS environment variable for each process to be 1 in default
{ranks}
"""
OOM_RANK = """\
[rank{n}]: Traceback (most recent call last):
[rank{n}]:   File "/home/user/torchtune/recipes/lora_finetune_distributed.py", line 938, in <module>
[rank{n}]:     sys.exit(recipe_main())
[rank{n}]:   File "/home/user/torchtune/recipes/lora_finetune_distributed.py", line 827, in train
[rank{n}]:     loss.backward()
[rank{n}]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 238.00 MiB. GPU {n} has a total \
capacity of 22.05 GiB of which 10.81 MiB is free. Including non-PyTorch memory, this process has 17.05 GiB \
memory in use. Of the allocated memory 15.43 GiB is allocated by PyTorch, and 1.07 GiB is reserved by \
PyTorch but unallocated."""


def test_an_oom_only_tail_of_ranks_is_a_distributed_torchtune_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "slurm-7000001.out"
    path.write_text(OOM_TAIL.format(ranks="\n".join(OOM_RANK.format(n=n) for n in range(4))))
    e = one(capsys, path)
    assert (e["kind"], e["oom"], e["world_size"], e["gpu_memory_gib"]) == (
        "torchtune-distributed",
        True,
        4,
        22.05,
    )
    assert e["gpu_memory_source"] == "CUDA OOM message"
    assert e["oom_message"].startswith(
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 238.00 MiB"
    )
    assert (e["prior"], e["why_not_prior"]) == (False, "ran out of memory before a timed training step")


def test_a_seff_paste_cut_after_cores_per_node_is_seff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "seff-4817302.txt"
    path.write_text(
        "Job ID: 4817302\nCluster: della\nUser/Group: mjs3/mjs3\nState: COMPLETED (exit code 0)\n"
        "Nodes: 1\nCores per node: 4\n"
    )
    e = one(capsys, path)
    assert (e["kind"], e["job_id"], e["wall_seconds"]) == ("seff", "4817302", None)
    assert e["details"] == {
        "state": "COMPLETED",
        "exit_code": 0,
        "nodes": 1,
        "cores": 4,
        "time_limit_seconds": None,
        "memory_used_gib": None,
        "memory_requested_gib": None,
    }
    assert e["notes"] == ["no `Job Wall-clock time` line"]


def test_seff_memory_units_are_binary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "seff-12345678.txt"
    text = (
        (LOGS / "cruijff_kit/SAMPLE_SEFF.txt")
        .read_text()
        .replace("Memory Utilized: 6.30 GB", "Memory Utilized: 512.00 MB")
    )
    path.write_text(text)
    e = one(capsys, path)
    assert e["details"]["memory_used_gib"] == 0.5 and e["details"]["memory_requested_gib"] == 40.0
    assert e["wall_seconds"] == 592


def test_an_inspect_box_panel_without_a_token_line_is_an_inspect_footer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "slurm-7000002.out"
    path.write_text(
        "╭─ capitalization (100 samples): hf/Llama-3.2-1B-Instruct ─────────────────────╮\n"
        "│ temperature: 0.0, dataset: words_5L_80P_1000                                  │\n"
        "│                                                                               │\n"
        "│ total time:  0:01:23                                                          │\n"
        "│                                                                               │\n"
        "│ match                                                                         │\n"
        "│ accuracy  0.870                                                               │\n"
        "│ stderr    0.034                                                               │\n"
        "│                                                                               │\n"
        "│ Log: logs/2025-11-24T05-41-00_capitalization_abc.eval                         │\n"
        "╰───────────────────────────────────────────────────────────────────────────────╯\n"
    )
    e = one(capsys, path)
    assert (e["kind"], e["model"], e["wall_seconds"], e["tokens_per_second"]) == (
        "inspect",
        "hf/Llama-3.2-1B-Instruct",
        83,
        None,
    )
    assert e["details"]["task"] == "capitalization" and e["details"]["samples"] == 100
    assert "no token count line" in e["notes"]


def test_torchforge_step_loss_bars_are_not_torchtune(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "slurm-7000003.out"
    path.write_text(
        "".join(
            f"\r{s}|Loss: {2.5 - s / 100}:  {s}%|█         | {s}/100 [00:{s:02d}<01:30,  1.10it/s]"
            for s in range(1, 12)
        )
        + "\n"
    )
    e = one(capsys, path)
    assert (e["kind"], e["prior"], e["optimizer_steps"]) == ("other", False, None)


# --- reading right ---------------------------------------------------------------------

V01_HEAD = """\
INFO:torchtune.utils.logging:Running LoRAFinetuneRecipeSingleDevice with resolved config:

batch_size: 2
checkpointer:
  _component_: torchtune.utils.FullModelMetaCheckpointer
  checkpoint_dir: /tmp/Meta-Llama-3-8B/original/
  checkpoint_files:
  - consolidated.00.pth
  model_type: LLAMA3
  output_dir: /tmp/Meta-Llama-3-8B/
  recipe_checkpoint: null
compile: false
dataset:
  _component_: torchtune.datasets.alpaca_cleaned_dataset
  train_on_input: true
device: cuda
dtype: bf16
enable_activation_checkpointing: true
epochs: 1
gradient_accumulation_steps: 16
log_every_n_steps: 1
max_steps_per_epoch: null
model:
  _component_: torchtune.models.llama3.qlora_llama3_8b
  lora_rank: 8

INFO:torchtune.utils.logging:Model is initialized with precision torch.bfloat16.
"""


def test_v0_1_bar_counts_batches_so_a_step_is_grad_accum_bar_items(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = []
    for i in range(1, 49):  # 48 batches = 3 optimizer steps at grad-accum 16, 2.08 s per batch
        t = round(i * 2.08)
        body.append(
            f"\r1|{i}|Loss: 1.5: 0%|          | {i}/25880 [{t // 60:02d}:{t % 60:02d}<14:56:00,  2.08s/it]"
        )
        if i % 16 == 0:
            body.append(f"Step {i // 16 - 1} | loss:1.5095254182815552 lr:0.0 gpu_resources:15868745728 \n")
    path = tmp_path / "slurm-7000004.out"
    path.write_text(V01_HEAD + "".join(body) + "\n")
    e = one(capsys, path)
    assert (e["torchtune_version"], e["batch_size"], e["gradient_accumulation_steps"]) == ("0.1", 2, 16)
    assert (e["optimizer_steps"], e["optimizer_steps_total"]) == (3, 25880 // 16)
    assert e["seconds_per_step"] == pytest.approx(16 * 2.08, rel=0.02)
    assert e["seconds_per_step_source"].endswith("(the bar counts batches: 16 per step)")
    assert "logger torchtune.utils.logging" in e["version_evidence"]


def test_peak_memory_is_the_maximum_over_every_step_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # torchtune resets the peak after each logged step, so a later line may be lower: the
    # line that reserved the most gives all three figures
    text = A2.read_text()
    steps = [
        (1, "47.32469987869263", "52.001708984375"),
        (2, "47.32469987869263", "53.99104309082031"),
        (3, "47.32469987869263", "54.96961975097656"),
        (4, "47.32469987869263", "40.5"),
    ]
    for n, active, reserved in steps:
        text = re.sub(
            rf"(Step {n} \| loss:\S+ lr:\S+ tokens_per_second_per_gpu:\S+)",
            rf"\1 peak_memory_active:{active} peak_memory_alloc:{reserved} peak_memory_reserved:{reserved}",
            text,
        )
    path = tmp_path / "slurm-4817302.out"
    path.write_text(text)
    e = one(capsys, path)
    assert e["peak_memory"] == {
        "active": 47.325,
        "allocated": 54.97,
        "reserved": 54.97,
        "unit": "GiB",
        "source": "Step metric lines",
    }


def test_two_runs_in_one_file_are_two_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "slurm-4817399.out"
    path.write_bytes(A2.read_bytes() + G.read_bytes())
    data = logs_json(capsys, str(path))
    first, second = data["logs"]
    assert [(x["run"], x["runs_in_file"]) for x in (first, second)] == [(1, 2), (2, 2)]
    assert (first["optimizer_steps"], first["optimizer_steps_total"], first["traceback"]) == (100, 100, False)
    assert (second["optimizer_steps"], second["optimizer_steps_total"], second["traceback"]) == (
        81,
        200,
        True,
    )
    assert first["checkpoint_seconds"] == [0.16] and second["checkpoint_seconds"] is None


def test_renders_concatenated_without_breaks_are_split_like_carriage_returns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # as cruijff_kit's fixture shows them (`...2.00it/s]1|41|Loss...`), on every render
    data = re.sub(rb"\]\n(?=(?:\d+\|\d+\|Loss|  0%))", b"]", CRUIJFF.read_bytes())
    path = tmp_path / "slurm_training_output.txt"
    path.write_bytes(data)
    e = one(capsys, path)
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copy(CRUIJFF, plain / CRUIJFF.name)
    ref = one(capsys, plain / CRUIJFF.name)
    assert (
        (e["optimizer_steps"], e["seconds_per_step"])
        == (ref["optimizer_steps"], ref["seconds_per_step"])
        == (
            500,
            0.4569,
        )
    )


def test_nan_in_a_log_is_null_in_valid_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a diverged run prints `loss:nan`; json.dumps would write NaN, which no JSON parser reads
    text = re.sub(rb"tokens_per_second_per_gpu:\S+", b"tokens_per_second_per_gpu:nan", A2.read_bytes())
    path = tmp_path / "slurm-4817302.out"
    path.write_bytes(text)
    assert main(["logs", "--format", "json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "NaN" not in out
    assert json.loads(out)["logs"][0]["tokens_per_second"] is None
