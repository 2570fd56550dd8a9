"""torchtune output across versions: what each log states, and no crash on what it does not."""

from __future__ import annotations

import io
import random
import tracemalloc
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planlint.logs import LogKind, OtherRecord, TrainingRecord, parse_file
from planlint.logs.reader import iter_blocks
from planlint.logs.torchtune import GB_TO_GIB, TorchtuneParser

LOGS = Path(__file__).parent / "logs"
A2 = LOGS / "real/torchtune-0.6.1-cpu/slurm-4817302.out"
G = LOGS / "real/torchtune-0.6.1-cpu/slurm-4817308.out"
CRUIJFF = LOGS / "cruijff_kit/slurm_training_output.txt"
SAMPLE = LOGS / "cruijff_kit/SAMPLE_TORCHTUNE.txt"
V01 = LOGS / "formats/v0.1-single-device/slurm-1000101.out"
V02 = LOGS / "formats/v0.2-single-device-gb/slurm-1000202.out"
OOM = LOGS / "formats/v0.4-oom/slurm-1000404.out"
DIST = LOGS / "formats/main-distributed-rank/slurm-1000505.out"
MULTI = LOGS / "formats/multinode-trainer/slurm-1000606.out"
TORCHTUNE_LOGS = [A2, G, CRUIJFF, SAMPLE, V01, V02, OOM, DIST, MULTI]


def training(path: Path, chunk: int = 1 << 20) -> TrainingRecord:
    rec = parse_file(path, chunk=chunk)
    assert isinstance(rec, TrainingRecord), rec
    return rec


def parse_bytes(data: bytes, chunk: int = 1 << 20) -> TrainingRecord:
    parser = TorchtuneParser("mem.out")
    for block in iter_blocks(io.BytesIO(data), chunk):
        parser.feed(block)
    return parser.finish()


def test_real_finished_cpu_run_0_6_1() -> None:
    r = training(A2)
    assert r.kind is LogKind.TORCHTUNE and r.job_id == "4817302"
    assert r.recipe == "LoRAFinetuneRecipeSingleDevice" and not r.distributed
    assert (r.batch_size, r.epochs, r.gradient_accumulation_steps) == (4, 1, 1)
    assert (r.max_seq_len, r.packed, r.lora_rank, r.lr) == (256, False, 8, 0.0003)
    assert r.model_component == "torchtune.models.llama3.lora_llama3"
    assert (r.dataset_component, r.dataset_source) == ("torchtune.datasets.instruct_dataset", "json")
    assert (r.checkpoint_dir, r.device, r.max_steps_per_epoch) == ("assets/model/", "cpu", None)
    [e] = r.epochs_progress
    assert (e.epoch, e.position, e.total, e.elapsed_text, e.complete) == (1, 100, 100, "00:13", True)
    assert 13.0 <= e.seconds < 14.0 and e.rate == "7.78it/s"
    assert r.optimizer_steps == 100 and r.seconds_per_step == pytest.approx(0.136, abs=0.005)
    assert r.checkpoint_seconds == [0.16]
    assert r.final_loss == 11.433502197265625 and r.last_step == 100
    assert r.tokens_per_second_per_gpu == pytest.approx(703.7864990234375)
    assert not r.crashed and r.completed and not r.oom
    assert r.peak_memory is None and any("peak memory" in n for n in r.notes)
    assert r.total_seconds is None and r.startup_seconds is None


def test_real_crashed_cpu_run_keeps_its_partial_epoch() -> None:
    r = training(G)
    [e] = r.epochs_progress
    assert (e.position, e.total, e.elapsed_text, e.complete) == (81, 200, "00:12", False)
    assert e.rerender_seconds is None  # the bar drawn again after the traceback is not progress
    assert r.max_seq_len == 512 and r.traceback and r.crashed and not r.completed
    assert r.error == "ValueError: seq_len (512) of input tensor should be smaller than max_seq_len (256)"
    assert r.checkpoint_seconds == [] and not r.oom
    assert r.why_no_estimate() is None  # 81 steps still time the model


def test_cruijff_fixture_ignores_the_bar_redrawn_after_the_checkpoint() -> None:
    r = training(CRUIJFF)
    e1, e2 = r.epochs_progress
    assert (e1.elapsed_text, e1.rate, e1.rerender_seconds) == ("01:55", "2.22it/s", 148.0)
    assert 115 <= e1.seconds < 116 and e1.optimizer_steps == 250 and e1.complete
    assert (e2.elapsed_text, e2.rerender_seconds) == ("01:53", 146.0) and 113 <= e2.seconds < 114
    assert r.checkpoint_seconds == [33.06, 32.51]
    assert r.memory_after_init is not None
    assert (r.memory_after_init.active, r.memory_after_init.alloc) == (2.35, 2.35)
    assert r.memory_after_init.reserved == 2.37
    assert r.peak_memory is not None and r.peak_memory.active == pytest.approx(18.77768)
    assert r.peak_memory.reserved is None and r.peak_memory.best() == pytest.approx(18.77768)
    assert r.wandb_summary["global_step"] == 500 and r.last_step == 500
    assert r.tokens_per_second_per_gpu is None  # cruijff's own parser raises here
    assert r.final_loss == pytest.approx(0.26427456736564636)
    assert (r.batch_size, r.epochs, r.lora_rank) == (32, 2, 16)
    assert r.seconds_per_step == pytest.approx((e1.seconds + e2.seconds) / 500)


def test_cruijff_sample_with_full_wandb_summary() -> None:
    r = training(SAMPLE)
    [e] = r.epochs_progress
    assert (e.position, e.elapsed_text, e.rate) == (2000, "07:35", "4.39it/s")
    assert r.peak_memory is not None and r.peak_memory.reserved == pytest.approx(2.89844)
    assert r.tokens_per_second_per_gpu == pytest.approx(186.75362)
    assert r.wandb_summary["val_loss"] == pytest.approx(0.05704)
    assert r.batch_size == 4 and r.final_loss == pytest.approx(0.005232139490544796)


def test_v0_1_bar_counts_batches_and_memory_is_decimal_gb() -> None:
    r = training(V01)
    assert r.version_hint == "0.1" and r.bar_counts_batches
    assert r.logger_name == "torchtune.utils.logging"
    [e] = r.epochs_progress
    assert (e.position, e.total, e.optimizer_steps, e.rate) == (16, 16, 4, "2.00s/it")
    assert r.gradient_accumulation_steps == 4 and r.last_step == 3
    assert r.memory_after_init is not None
    assert r.memory_after_init.reserved == pytest.approx(16.781410304 * GB_TO_GIB)
    assert r.checkpoint_seen and r.checkpoint_seconds == []
    assert r.total_seconds == 90.0 and r.total_source == "first and last timestamps in the log"
    assert r.startup_seconds == pytest.approx(90.0 - e.seconds)
    assert r.model_component == "torchtune.models.llama3.lora_llama3_8b"
    assert r.checkpoint_dir == "/scratch/models/Meta-Llama-3-8B/original/"


def test_v0_2_gb_memory_lines_step_metrics_and_wandb() -> None:
    r = training(V02)
    assert r.version_hint == "0.2" and not r.bar_counts_batches
    assert r.memory_after_init is not None
    assert r.memory_after_init.alloc == pytest.approx(2.47 * GB_TO_GIB)
    assert r.memory_after_init.reserved == pytest.approx(2.49 * GB_TO_GIB)
    assert r.peak_memory is not None
    assert r.peak_memory.reserved == pytest.approx(5.39 * GB_TO_GIB)
    e1, e2 = r.epochs_progress
    assert (e1.position, e2.position, e1.rate) == (10, 10, "1.50s/it")
    assert e1.rerender_seconds == 36.0 and 15 <= e1.seconds < 16
    assert r.last_step == 20  # the global step runs on across epochs
    assert r.wandb_summary["loss"] == pytest.approx(0.52961)
    assert r.final_loss == pytest.approx(0.52960611)
    assert r.total_seconds == 100.0 and r.startup_seconds == pytest.approx(100 - 2 * e1.seconds)


def test_new_style_cuda_oom_gives_oom_and_the_gpu_size() -> None:
    r = training(OOM)
    assert r.oom and r.oom_kind == "cuda" and r.crashed and r.traceback
    assert r.oom_message is not None and r.oom_message.startswith("torch.cuda.OutOfMemoryError")
    assert r.gpu_total_gib == 23.65 and r.gpu_total_source == "CUDA OOM message"
    assert r.peak_memory is not None and r.peak_memory.reserved == 22.9
    assert r.optimizer_steps == 1 and r.batch_size == 32


@pytest.mark.parametrize(
    ("line", "kind", "gpu"),
    [
        (
            b"RuntimeError: CUDA out of memory. Tried to allocate 146.00 MiB (GPU 0; 8.00 GiB total "
            b"capacity; 7.21 GiB already allocated; 0 bytes free; 7.32 GiB reserved in total by PyTorch)",
            "cuda",
            8.0,
        ),
        (
            b"[rank1]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB. GPU 1 "
            b"has a total capacity of 23.43 GiB of which 210.06 MiB is free.",
            "cuda",
            23.43,
        ),
        (
            b"torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 30.00 MiB. GPU 0 has "
            b"a total capacty of 11.00 GiB of which 0 bytes is free.",
            "cuda",
            11.0,
        ),
        (b"RuntimeError: MPS backend out of memory (MPS allocated: 17.06 GB)", "mps", None),
        (b"slurmstepd: error: Detected 1 oom-kill event(s) in StepId=1.batch.", "host", None),
    ],
)
def test_oom_message_styles(line: bytes, kind: str, gpu: float | None) -> None:
    r = parse_bytes(b"Running LoRAFinetuneRecipeSingleDevice with resolved config:\n\n" + line + b"\n")
    assert r.oom and r.oom_kind == kind
    assert r.gpu_total_gib == (pytest.approx(gpu) if gpu else None)


def test_slurm_time_limit_is_a_crash_with_an_end_time() -> None:
    data = (
        b"1|5|Loss: 2.0:   5%|5         | 5/100 [00:10<03:10,  2.00s/it]\n"
        b"slurmstepd: error: *** JOB 77 ON della-l01 CANCELLED AT 2026-01-01T12:00:00 "
        b"DUE TO TIME LIMIT ***\n"
    )
    r = parse_bytes(data)
    assert r.timed_out and r.crashed and r.last_timestamp is not None


def test_distributed_rank_prefixes_world_size_and_checkpoint_secs() -> None:
    r = training(DIST)
    assert r.kind is LogKind.TORCHTUNE_DISTRIBUTED and r.distributed and r.world_size == 4
    assert r.recipe == "LoRAFinetuneRecipeDistributed" and r.version_hint == "main (2025+)"
    assert r.memory_after_init is not None and r.memory_after_init.reserved == 3.85
    assert r.peak_memory is not None and r.peak_memory.reserved == 10.25
    assert r.checkpoint_seconds == [13.5, 14.0]
    assert [e.position for e in r.epochs_progress] == [8, 8] and r.last_step == 16
    assert (r.batch_size, r.max_seq_len) == (8, 1024)


def test_multinode_trainer_prefixes_and_s_per_it() -> None:
    r = training(MULTI)
    assert r.distributed and r.world_size == 16 and r.max_steps_per_epoch == 6
    [e] = r.epochs_progress
    assert (e.position, e.total, e.rate, e.elapsed_text) == (6, 6, "14.50s/it", "02:07")
    assert r.model_component == "torchtune.models.llama3_3.lora_llama3_3_70b"


@pytest.mark.parametrize("path", TORCHTUNE_LOGS, ids=lambda p: p.parent.name + "/" + p.name)
@pytest.mark.parametrize("chunk", [97, 4096])
def test_the_record_does_not_depend_on_the_chunk_size(path: Path, chunk: int) -> None:
    assert asdict(training(path, chunk)) == asdict(training(path))


def test_progress_joined_by_newlines_instead_of_carriage_returns() -> None:
    text = A2.read_bytes().replace(b"\r", b"\n")
    r = parse_bytes(text)
    assert [(e.position, e.elapsed_text) for e in r.epochs_progress] == [(100, "00:13")]


# --- bad input: a field the log lacks is None, never an exception ----------------------------


def test_truncated_utf8_sequence_in_a_real_log(tmp_path: Path) -> None:
    data = A2.read_bytes()
    cut = data.index("\u2588".encode(), 20000) + 1  # inside the 3-byte bar character
    path = tmp_path / "slurm-9.out"
    path.write_bytes(data[:cut])
    r = training(path)
    assert r.batch_size == 4 and r.epochs_progress and not r.epochs_progress[0].complete


def test_truncated_mid_config(tmp_path: Path) -> None:
    path = tmp_path / "slurm-10.out"
    path.write_bytes(A2.read_bytes()[:700])
    r = training(path)
    assert r.batch_size == 4 and r.epochs is None and r.why_no_estimate() is not None


def test_a_huge_log_without_newline_is_read_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "slurm-11.out"
    with open(path, "wb") as fh:
        fh.write(b"1|1|Loss: 2.0:   1%|          | 1/100 [00:01<01:40,  1.00s/it]")
        block = b"x" * (1 << 20)
        for _ in range(64):
            fh.write(block)
    tracemalloc.start()
    r = parse_file(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert isinstance(r, TrainingRecord) and peak < 12 * (1 << 20)
    assert r.why_no_estimate() is not None


def test_sparse_gigabyte_of_zeros_is_binary_not_a_log(tmp_path: Path) -> None:
    path = tmp_path / "slurm-12.out"
    with open(path, "wb") as fh:
        fh.truncate(1 << 30)
    r = parse_file(path)
    assert isinstance(r, OtherRecord) and r.notes == ["binary file"]


@pytest.mark.parametrize(
    "data",
    [b"", b"\r" * 5000, b"\n\n\n", b"Running X with resolved config:", b"1|1|Loss: :  |", b"\xff\xfe"],
)
def test_degenerate_inputs(data: bytes) -> None:
    r = parse_bytes(data, chunk=7)
    assert r.epochs_progress == [] and r.why_no_estimate() is not None


def test_near_miss_formats_of_other_tools_are_not_read_as_torchtune_steps() -> None:
    data = (
        b"12|Loss: 0.5:  10%|#         | 12/120 [00:24<03:36,  2.00s/it]\n"  # torchforge
        b"{'loss': 0.6931, 'learning_rate': 4.9e-05, 'epoch': 0.1}\n"  # HF Trainer
        b" 10%|#         | 12/120 [00:24<03:36,  2.00s/it]\n"
    )
    r = parse_bytes(data)
    assert r.epochs_progress == [] and r.final_loss is None


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.integers(min_value=1, max_value=700))
def test_no_crash_on_arbitrary_bytes(data: bytes, chunk: int) -> None:
    parse_bytes(data, chunk)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=5, max_value=5000))
def test_no_crash_on_a_mangled_real_log(seed: int, chunk: int) -> None:
    rng = random.Random(seed)
    data = bytearray(rng.choice([A2, G, CRUIJFF, V02, DIST]).read_bytes())
    for _ in range(rng.randrange(1, 20)):
        i = rng.randrange(len(data))
        op = rng.randrange(3)
        if op == 0:
            del data[i : i + rng.randrange(1, 400)]
        elif op == 1:
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
        else:
            data[i:i] = rng.choice([b"\r", b"\n", b"|Loss", b"it/s]", b"Step ", b"rror", b"[00:"])
    parse_bytes(bytes(data), chunk)
