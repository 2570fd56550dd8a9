"""seff text, nvidia-smi CSV and inspect-ai panels."""

from __future__ import annotations

from pathlib import Path

import pytest

from planlint.logs import EvalRecord, GpuMetricsRecord, LogKind, SeffRecord, classify, parse_file

LOGS = Path(__file__).parent / "logs"
CK = LOGS / "cruijff_kit"


def test_seff_cruijff_sample() -> None:
    r = parse_file(CK / "SAMPLE_SEFF.txt")
    assert isinstance(r, SeffRecord) and r.kind is LogKind.SEFF
    assert (r.job_id, r.cluster, r.state, r.exit_code) == ("12345678", "della", "COMPLETED", 0)
    assert (r.nodes, r.cores) == (1, 4)
    assert (r.wall_seconds, r.time_limit_seconds, r.cpu_utilized_seconds) == (592, 900, 510)
    assert (r.memory_used_gb, r.memory_requested_gb) == (6.30, 40.0)
    assert (r.memory_efficiency_percent, r.cpu_efficiency_percent) == (15.75, 56.67)


def test_seff_day_format_times_and_the_eb_bug() -> None:
    r = parse_file(LOGS / "formats/seff-days/seff-1000707.txt")
    assert isinstance(r, SeffRecord)
    assert r.wall_seconds == 1 * 86400 + 2 * 3600 + 3 * 60 + 4
    assert r.time_limit_seconds == 86400 + 7200
    assert r.cpu_utilized_seconds == 4 * 86400 + 23 * 3600 + 56 * 60 + 22
    assert (r.state, r.array_job_id, r.cores) == ("TIMEOUT", "1000700_7", 8)
    assert r.memory_used_gb == pytest.approx(1012 * 2**30)  # seff's known EB bug, reported as printed
    assert r.memory_requested_gb == 64.0


def test_nvidia_smi_basic() -> None:
    r = parse_file(CK / "test_basic_csv.gpu_metrics.csv")
    assert isinstance(r, GpuMetricsRecord) and r.kind is LogKind.NVIDIA_SMI
    assert (r.samples, r.skipped_rows) == (3, 0)
    assert (r.gpu_total_gib, r.peak_used_gib, r.mean_utilization_percent) == (40.0, 22.0, 80.0)
    assert r.duration_seconds == 60.0
    assert r.columns[:4] == ["timestamp", "utilization.gpu", "utilization.memory", "memory.used"]


def test_nvidia_smi_malformed_row_is_skipped() -> None:
    r = parse_file(CK / "test_handles_malformed_rows.gpu_metrics.csv")
    assert isinstance(r, GpuMetricsRecord)
    assert (r.samples, r.skipped_rows, r.mean_utilization_percent) == (2, 1, 75.0)
    assert r.notes == ["1 malformed row(s) skipped"]


def test_nvidia_smi_mig_slice_reports_na_utilisation() -> None:
    r = parse_file(CK / "test_mig_gpu_na_utilization.gpu_metrics.csv")
    assert isinstance(r, GpuMetricsRecord)
    assert (r.samples, r.gpu_total_gib, r.peak_used_gib) == (3, 80.0, pytest.approx(3.890625, abs=1e-3))
    assert r.mean_utilization_percent is None
    assert any("N/A" in n for n in r.notes)


def test_nvidia_smi_without_units_two_gpus_and_bad_cells() -> None:
    r = parse_file(LOGS / "formats/nvsmi-nounits/gpu_metrics.csv")
    assert isinstance(r, GpuMetricsRecord)
    assert (r.samples, r.skipped_rows) == (5, 1)
    assert r.gpu_total_gib == pytest.approx(81559 / 1024, abs=1e-3)
    assert r.peak_used_gib == pytest.approx(41200 / 1024, abs=1e-3)
    assert r.mean_utilization_percent == pytest.approx((0 + 97 + 95 + 90) / 4)


def test_inspect_footer_cruijff_sample() -> None:
    r = parse_file(CK / "SAMPLE_INSPECT.txt")
    assert isinstance(r, EvalRecord) and r.kind is LogKind.INSPECT
    assert r.total_seconds == 300 and r.model == "hf/Llama-3.2-3B-Instruct_mc256_hifreq"
    assert (r.total_tokens, r.input_tokens, r.output_tokens) == (302904, 297904, 5000)
    assert r.tokens_per_second == pytest.approx(1009.68)
    assert r.metrics == {"accuracy": 0.0, "stderr": 0.0}


def test_inspect_panel_in_a_box_with_cache_tokens() -> None:
    r = parse_file(LOGS / "formats/inspect-panel/slurm-1000808.out")
    assert isinstance(r, EvalRecord)
    assert (r.task, r.samples) == ("capitalization", 100)
    assert r.model == "hf/Llama-3.2-1B-Instruct_rank4_epoch_0"
    assert r.total_seconds == pytest.approx(83.456789)
    assert r.tokens == {"I": 30000, "CW": 1000, "CR": 4000, "O": 1000}
    assert r.metrics == {"accuracy": 0.85, "stderr": 0.036}
    assert r.job_id == "1000808"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("real/torchtune-0.6.1-cpu/slurm-4817302.out", LogKind.TORCHTUNE),
        ("formats/main-distributed-rank/slurm-1000505.out", LogKind.TORCHTUNE_DISTRIBUTED),
        ("formats/multinode-trainer/slurm-1000606.out", LogKind.TORCHTUNE_DISTRIBUTED),
        ("cruijff_kit/SAMPLE_INSPECT.txt", LogKind.INSPECT),
        ("cruijff_kit/SAMPLE_SEFF.txt", LogKind.SEFF),
        ("cruijff_kit/test_basic_csv.gpu_metrics.csv", LogKind.NVIDIA_SMI),
        ("README.md", LogKind.OTHER),
    ],
)
def test_classify(path: str, kind: LogKind) -> None:
    assert classify(LOGS / path) is kind


def test_missing_file_is_a_record_not_an_exception(tmp_path: Path) -> None:
    r = parse_file(tmp_path / "nope.out")
    assert r.kind is LogKind.OTHER and r.notes and "cannot read" in r.notes[0]
