"""Discovery, copies counted once, companions attached, parallel scan equal to serial."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path

from planlint.logs import TrainingRecord, dedupe, discover, job_id_from_name, scan
from planlint.logs.scan import PARALLEL_MIN_FILES, scan_files

LOGS = Path(__file__).parent / "logs"
A2 = LOGS / "real/torchtune-0.6.1-cpu/slurm-4817302.out"
G = LOGS / "real/torchtune-0.6.1-cpu/slurm-4817308.out"


def _run_dir(root: Path, name: str) -> Path:
    art = root / "ck-projects" / "cap" / "exp" / name / "artifacts"
    art.mkdir(parents=True)
    return art


def test_job_id_from_name() -> None:
    assert job_id_from_name("a/b/slurm-4817302.out") == "4817302"
    assert job_id_from_name("slurm-123_7.out") == "123_7"
    assert job_id_from_name("train.log") is None


def test_discover_is_recursive_sorted_and_each_real_file_once(tmp_path: Path) -> None:
    art = _run_dir(tmp_path, "r1")
    shutil.copy(A2, art / "slurm-1.out")
    (art / "epoch_0").mkdir()
    shutil.copy(A2, art / "epoch_0" / "slurm-1.out")
    (tmp_path / "link.out").symlink_to(art / "slurm-1.out")
    found = discover([f"{tmp_path}/**/slurm-*.out", f"{tmp_path}/**/*.out"])
    rel = [str(p.relative_to(tmp_path)) for p in found]
    assert rel == [
        "ck-projects/cap/exp/r1/artifacts/epoch_0/slurm-1.out",
        "ck-projects/cap/exp/r1/artifacts/slurm-1.out",
    ]


def test_copy_in_epoch_dir_counts_once_and_the_original_is_kept(tmp_path: Path) -> None:
    art = _run_dir(tmp_path, "r1")
    shutil.copy(A2, art / "slurm-4817302.out")
    for n in (0, 1):
        (art / f"epoch_{n}").mkdir()
        shutil.copy(A2, art / f"epoch_{n}" / "slurm-4817302.out")
    dd = dedupe(discover([f"{tmp_path}/**/slurm-*.out"]))
    assert dd.kept == [art / "slurm-4817302.out"]
    assert set(dd.dropped) == {art / "epoch_0/slurm-4817302.out", art / "epoch_1/slurm-4817302.out"}


def test_same_job_id_keeps_the_most_complete_copy(tmp_path: Path) -> None:
    art = _run_dir(tmp_path, "r1")
    (art / "epoch_0").mkdir()
    shutil.copy(A2, art / "epoch_0" / "slurm-5.out")
    (art / "slurm-5.out").write_bytes(A2.read_bytes()[:5000])  # the job is still writing
    dd = dedupe(discover([f"{tmp_path}/**/slurm-*.out"]))
    assert dd.kept == [art / "slurm-5.out"]  # outside epoch_N wins first


def test_renamed_copy_is_found_by_content(tmp_path: Path) -> None:
    art = _run_dir(tmp_path, "r1")
    shutil.copy(A2, art / "slurm-4817302.out")
    shutil.copy(A2, art / "train.log")
    shutil.copy(G, art / "other.log")
    dd = dedupe(discover([f"{tmp_path}/**/*.*"]))
    assert dd.kept == [art / "other.log", art / "slurm-4817302.out"]
    assert dd.dropped == {art / "train.log": art / "slurm-4817302.out"}


def test_scan_attaches_seff_wall_time_and_nvidia_smi_memory(tmp_path: Path) -> None:
    art = _run_dir(tmp_path, "r1")
    shutil.copy(A2, art / "slurm-4817302.out")
    (art / "seff-4817302.txt").write_text(
        "Job ID: 4817302\nState: COMPLETED (exit code 0)\nJob Wall-clock time: 00:00:18\n"
        "Memory Efficiency: 10.00% of 8.00 GB\n"
    )
    shutil.copy(LOGS / "cruijff_kit/test_basic_csv.gpu_metrics.csv", art / "gpu_metrics.csv")
    res = scan([f"{tmp_path}/**/slurm-*.out"])
    [rec] = res.training
    assert rec.total_seconds == 18 and rec.total_source == "seff seff-4817302.txt"
    assert rec.startup_seconds is not None
    assert abs(rec.startup_seconds - (18 - rec.epochs_progress[0].seconds - 0.16)) < 1e-6
    assert rec.gpu_total_gib == 40.0 and rec.gpu_total_source == "nvidia-smi gpu_metrics.csv"
    assert rec.peak_memory is not None and rec.peak_memory.reserved == 22.0
    assert res.files == 3


def test_a_training_log_beside_the_globbed_one_is_not_a_companion(tmp_path: Path) -> None:
    art = _run_dir(tmp_path, "r1")
    shutil.copy(A2, art / "slurm-4817302.out")
    shutil.copy(G, art / "gpu_run.log")  # named like a companion, but a training log
    res = scan([f"{tmp_path}/**/slurm-*.out"])
    assert [Path(r.path).name for r in res.records] == ["slurm-4817302.out"]


def test_scan_counts_copies_once(tmp_path: Path) -> None:
    art = _run_dir(tmp_path, "r1")
    shutil.copy(A2, art / "slurm-4817302.out")
    (art / "epoch_0").mkdir()
    shutil.copy(A2, art / "epoch_0" / "slurm-4817302.out")
    res = scan([f"{tmp_path}/ck-projects/*/*/*/artifacts/**/slurm-*.out"], with_companions=False)
    assert len(res.training) == 1 and len(res.duplicates) == 1


def test_parallel_scan_equals_serial(tmp_path: Path) -> None:
    sources = sorted(p for p in LOGS.rglob("*") if p.is_file() and p.name != "README.md")
    for i in range(3):
        for src in sources:
            dst = tmp_path / f"copy{i}" / src.relative_to(LOGS)
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(src.read_bytes() + b"\n" * i)
    big = tmp_path / "big" / "slurm-99.out"
    big.parent.mkdir()
    big.write_bytes(A2.read_bytes() * 160)  # past the parallel threshold (many files, > 4 MB)
    globs = [f"{tmp_path}/**/*"]
    serial = scan(globs, workers=1)
    parallel = scan(globs, workers=2)
    # the scan says which branch ran: one process, or a pool of two
    assert (serial.workers, parallel.workers) == (1, 2)
    assert parallel.files == serial.files > PARALLEL_MIN_FILES
    assert [asdict(r) for r in serial.records] == [asdict(r) for r in parallel.records]
    assert any(isinstance(r, TrainingRecord) and r.path == str(big) for r in parallel.records)
    assert scan_files([big], workers=2)[0].path == str(big)  # below the threshold: serial, same record
