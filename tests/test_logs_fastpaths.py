"""The scan's fast paths read every log as the line-by-line reading did: a config dump read in
one loop (across reads, with rank prefixes, blank lines, CRLF), peaks from the counted Step
figures, other ranks and timestamps found by their pre-tests, content keys only where sizes
meet, and companions and real paths from the walk's own listing."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from planlint.logs import TrainingRecord, parse_file, scan
from planlint.logs.reader import find_timestamps
from planlint.logs.scan import parse_file_runs

LOGS = Path(__file__).parent / "logs"
A2 = LOGS / "real/torchtune-0.6.1-cpu/slurm-4817302.out"  # finished, one checkpoint save
G = LOGS / "real/torchtune-0.6.1-cpu/slurm-4817308.out"  # crashed: ValueError after step 81
DIST = LOGS / "formats/main-distributed-rank/slurm-1000505.out"


def _facts(rec: object) -> dict[str, object]:
    d = asdict(rec)  # type: ignore[call-overload]
    d.pop("path")
    return d  # type: ignore[no-any-return]


def _training(path: Path) -> TrainingRecord:
    rec = parse_file(path)
    assert isinstance(rec, TrainingRecord), rec
    return rec


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _step(n: int, reserved: str, active: float = 10.5) -> str:
    return (
        f"Step {n} | loss:{2.5 - n / 100!r} lr:0.0003 tokens_per_second_per_gpu:812.5 "
        f"peak_memory_active:{active} peak_memory_alloc:{active} peak_memory_reserved:{reserved} \n"
    )


def _cuda_log(reserved: list[str], actives: list[float] | None = None) -> bytes:
    """A torchtune 0.6 GPU run of Llama-3.2-1B-Instruct with one Step line per figure."""
    head = (
        "Running LoRAFinetuneRecipeSingleDevice with resolved config:\n\n"
        "batch_size: 8\ncheckpointer:\n  _component_: torchtune.training.FullModelHFCheckpointer\n"
        "  checkpoint_dir: /scratch/models/Llama-3.2-1B-Instruct/\ndevice: cuda\ndtype: bf16\n"
        "epochs: 1\ngradient_accumulation_steps: 1\nmodel:\n"
        "  _component_: torchtune.models.llama3_2.lora_llama3_2_1b\n  lora_rank: 8\n"
        "optimizer:\n  _component_: torch.optim.AdamW\n  lr: 0.0003\n"
        "tokenizer:\n  max_seq_len: 512\n\n"
        "Memory stats after model init:\n\tGPU peak memory active: 2.35 GiB\n"
        "\tGPU peak memory alloc: 2.35 GiB\n\tGPU peak memory reserved: 2.37 GiB\n"
    )
    n = len(reserved)
    body = []
    for i, r in enumerate(reserved, 1):
        act = actives[i - 1] if actives else 10.5
        body.append(
            f"\r1|{i}|Loss: {2.5 - i / 100!r}: {100 * i // n:3d}%|#| {i}/{n} [00:{i:02d}<00:00,  1.00it/s]"
        )
        body.append(_step(i, r, act))
    return (head + "".join(body) + "Checkpoint saved in 4.20 seconds.\n").encode()


# --- the config dump --------------------------------------------------------------------------


def test_a_config_dump_cut_by_a_read_anywhere_reads_the_same() -> None:
    data = A2.read_bytes()
    whole = [_facts(r) for r in parse_file_runs(A2)]
    assert whole[0]["config"]["model.vocab_size"] == "128256"  # type: ignore[index]
    start = data.index(b"batch_size:")
    end = data.index(b"log_peak_memory_stats was set")
    # reads that end inside a key, right after its colon, inside a value, on a list item
    cuts = [m.start() + k for m in re.finditer(rb"\n", data[start:end]) for k in (start - 3, start + 1)]
    for chunk in sorted({c for c in cuts if c > 0})[::4]:
        assert [_facts(r) for r in parse_file_runs(A2, chunk)] == whole, chunk


@pytest.mark.parametrize("eol", [b"\r\n", b"\r"])
def test_a_config_dump_with_other_line_endings_or_rank_prefixes_reads_the_same(
    tmp_path: Path, eol: bytes
) -> None:
    data = A2.read_bytes()
    lf = _training(A2)
    other = _training(_write(tmp_path, "slurm-4817302.out", data.replace(b"\n", eol)))
    assert other.config == lf.config and other.lora_rank == 8 and other.lr == 0.0003
    prefixed = b"".join(b"[rank0]:" + line for line in data.splitlines(keepends=True))
    ranked = _training(_write(tmp_path, "slurm-4817303.out", prefixed))
    assert ranked.config == lf.config and ranked.max_seq_len == 256 and ranked.world_size == 1


def test_a_blank_line_inside_the_dump_goes_on_to_a_later_key_and_ends_before_prose(tmp_path: Path) -> None:
    data = A2.read_bytes()
    gap = _training(_write(tmp_path, "slurm-1.out", data.replace(b"\nepochs: 1\n", b"\n\nepochs: 1\n", 1)))
    assert gap.epochs == 1 and gap.config == _training(A2).config
    # a key sorted before the last one after a blank line is not the dump's any more
    early = data.replace(b"\nseed: 42\n", b"\n\nbatch_size: 64\nseed: 42\n", 1)
    rec = _training(_write(tmp_path, "slurm-2.out", early))
    assert rec.batch_size == 4 and "seed" not in rec.config


def test_a_value_only_in_the_dump_and_one_only_in_the_metrics(tmp_path: Path) -> None:
    # lr only in the dump; tokens per second and peaks only in the Step lines
    rec = _training(_write(tmp_path, "slurm-5.out", _cuda_log(["12.5"] * 5)))
    assert rec.lr == 0.0003 and rec.model_component == "torchtune.models.llama3_2.lora_llama3_2_1b"
    assert rec.tokens_per_second_per_gpu == 812.5
    assert rec.peak_memory is not None and rec.peak_memory.reserved == 12.5
    # peaks only in a wandb summary, none in the Step lines
    plain = _cuda_log(["12.5"] * 3).replace(b" peak_memory_reserved:12.5", b"")
    plain = re.sub(rb" peak_memory_(?:active|alloc):[\d.]+", b"", plain)
    wandb = plain + b"wandb: Run summary:\nwandb:      peak_memory_reserved 14.25\nwandb:\n"
    only = _training(_write(tmp_path, "slurm-6.out", wandb))
    assert only.peak_memory is not None and only.peak_memory.reserved == 14.25
    assert only.peak_memory.source == "wandb run summary"


# --- peaks from the counted Step figures ------------------------------------------------------


@pytest.mark.parametrize(
    ("figures", "peak", "active"),
    [
        (["12.5"] * 40, 12.5, 11.25),  # the first line of the highest figure
        (["12.5"] * 20 + ["13.75"] + ["12.5"] * 19, 13.75, 11.25),  # one higher figure mid-run
        (["12.50"] + ["12.5"] * 38 + ["12.75"], 12.75, 11.25),  # other spellings, the last wins
        (["9.5"] * 300 + ["11.0"] * 300, 11.0, 11.25),  # more odd figures than are walked
    ],
)
def test_the_peak_is_the_step_line_that_reserved_the_most(
    tmp_path: Path, figures: list[str], peak: float, active: float
) -> None:
    top = max(range(len(figures)), key=lambda i: (float(figures[i]), -i))
    actives = [10.5] * len(figures)
    actives[top] = 11.25
    for eol in (b"\n", b"\r\n"):
        data = _cuda_log(figures, actives).replace(b"\n", eol)
        rec = _training(_write(tmp_path, "slurm-7.out", data))
        assert rec.peak_memory is not None
        assert (rec.peak_memory.reserved, rec.peak_memory.active) == (peak, active), eol


def test_a_log_without_its_last_newline_keeps_its_last_step_figures(tmp_path: Path) -> None:
    data = _cuda_log(["12.5"] * 9 + ["12.75"])
    cut = data[: data.rindex(b"peak_memory_reserved:12.75") + len(b"peak_memory_reserved:12.75")]
    rec = _training(_write(tmp_path, "slurm-8.out", cut))
    assert rec.peak_memory is not None and rec.peak_memory.reserved == 12.75 and rec.last_step == 10


# --- other ranks and timestamps by their pre-tests -------------------------------------------


def test_another_rank_only_in_the_tail_makes_the_run_distributed(tmp_path: Path) -> None:
    data = b"".join(b"[rank0]:" + line for line in A2.read_bytes().splitlines(keepends=True))
    assert _training(_write(tmp_path, "slurm-1.out", data)).world_size == 1
    tail = data + b"[rank1]: Traceback (most recent call last):\n[rank1]: RuntimeError: NCCL timeout\n"
    rec = _training(_write(tmp_path, "slurm-2.out", tail))
    assert rec.distributed and rec.world_size == 2
    assert _training(DIST).distributed


def test_hour_long_bars_are_no_timestamps_and_a_stamp_after_them_is_found() -> None:
    bars = b"\r1|4000|Loss: 1.25:  40%|####  | 4000/10000 [1:02:03<1:33:04,  1.07it/s]" * 120
    assert find_timestamps(bars) == []
    assert find_timestamps(bars.replace(b"1:02:03", b"11:02:03")) == []
    stamped = bars + b"\nslurmstepd: error: *** JOB 4817302 ON gpu07 CANCELLED AT 2026-01-02T03:04:05 ***\n"
    assert len(find_timestamps(stamped)) == 1


# --- keys, companions and real paths from the walk ------------------------------------------


def test_two_different_logs_of_one_size_are_both_kept_and_a_copy_is_dropped(tmp_path: Path) -> None:
    one = _cuda_log(["12.5"] * 30)
    two = one.replace(b"lora_rank: 8", b"lora_rank: 4")  # the same size, other content
    assert len(one) == len(two)
    for name, data in (("a/train.log", one), ("b/train.log", two), ("c/train-copy.log", one)):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "other.log").write_bytes(_cuda_log(["12.5"] * 31))  # a size of its own
    res = scan([f"{tmp_path}/**/*.log"], workers=1)
    assert sorted(r.lora_rank for r in res.training) == [4, 8, 8]  # type: ignore[type-var]
    assert res.duplicates == {str(tmp_path / "c/train-copy.log"): str(tmp_path / "a/train.log")}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_a_folder_reached_through_a_symlink_counts_once_and_keeps_its_companions(tmp_path: Path) -> None:
    art = tmp_path / "ck-projects" / "words" / "Llama-3.2-1B_rank8" / "artifacts"
    art.mkdir(parents=True)
    shutil.copy(A2, art / "slurm-4817302.out")
    (art / "seff-4817302.txt").write_text(
        "Job ID: 4817302\nState: COMPLETED (exit code 0)\nCores per node: 4\n"
        "Job Wall-clock time: 00:00:18\nMemory Utilized: 1.20 GB\n"
    )
    (tmp_path / "link").symlink_to(tmp_path / "ck-projects", target_is_directory=True)
    res = scan([f"{tmp_path}/**/slurm-*.out"], workers=1)
    assert len(res.training) == 1
    rec = res.training[0]
    assert rec.path == str(art / "slurm-4817302.out")
    assert rec.total_seconds == 18 and rec.total_source == "seff seff-4817302.txt"
    assert res.companions == {str(art / "seff-4817302.txt")}
