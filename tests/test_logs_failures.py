"""`planlint logs` says how a job died: a scancel'd job is "failed: cancelled" (text) and
`cancelled: true` (JSON), as `planlint status` says of the same file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planlint.cli import main

REAL = Path(__file__).parent / "logs/real/torchtune-0.6.1-cpu/slurm-4817302.out"
CANCEL = b"slurmstepd: error: *** JOB 502 ON della-l07g3 CANCELLED AT 2026-11-30T12:00:00 ***\n"
TIME_LIMIT = (
    b"slurmstepd: error: *** JOB 502 ON della-l07g3 CANCELLED AT 2026-11-30T12:00:00 DUE TO TIME LIMIT ***\n"
)


def _cut_log(tmp_path: Path, end: bytes) -> Path:
    """A real torchtune log cut mid-training (step 24 of 100), then SLURM's last line."""
    head = REAL.read_bytes()[:9000]
    head = head[: head.rfind(b"\r")]  # end on a whole progress render
    path = tmp_path / "slurm-502.out"
    path.write_bytes(head + b"\n" + end)
    return path


def _logs(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["logs", *args]) == 0
    return capsys.readouterr().out


def test_a_cancelled_job_is_failed_cancelled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _cut_log(tmp_path, CANCEL)
    assert "    failed: cancelled\n" in _logs(capsys, str(log))
    (row,) = json.loads(_logs(capsys, "--format", "json", str(log)))["logs"]
    assert row["cancelled"] is True
    assert (row["time_limit"], row["killed"], row["oom"]) == (False, False, False)


def test_a_time_limit_is_not_a_cancel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _cut_log(tmp_path, TIME_LIMIT)
    assert "    failed: time limit\n" in _logs(capsys, str(log))
    (row,) = json.loads(_logs(capsys, "--format", "json", str(log)))["logs"]
    assert (row["cancelled"], row["time_limit"]) == (False, True)


def test_a_killed_job_says_killed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _cut_log(
        tmp_path, b"/var/spool/slurmd/job502/slurm_script: line 12: 31337 Killed    tune run lora\n"
    )
    text = _logs(capsys, str(log))
    assert "    failed: killed (" in text and "Killed" in text
    (row,) = json.loads(_logs(capsys, "--format", "json", str(log)))["logs"]
    assert (row["killed"], row["cancelled"]) == (True, False)


def test_a_cut_log_without_an_end_line_is_incomplete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _logs(capsys, str(_cut_log(tmp_path, b"")))
    assert "failed:" not in text and "incomplete: stops at step" in text
