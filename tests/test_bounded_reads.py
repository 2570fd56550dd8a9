"""Every path a plan, a doc or the configuration names is read only when it is a regular file, bounded.

The FIFO cases run planlint in a subprocess with a timeout: a regression would block forever.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TWO_MODEL, edit

from planlint.readfile import Refused, read_bounded, read_tail

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")

DOC = "# Plan\n\n<!-- planlint:begin all-runs -->\n<!-- planlint:end all-runs -->\n"


def planlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI as a user would; a hang fails the test instead of blocking the suite."""
    return subprocess.run(
        [sys.executable, "-m", "planlint.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def plan_with_data(path: str) -> str:
    return edit(
        TWO_MODEL,
        (
            "    path: /scratch/gpfs/me/ck-data/capitalization/words_5L_80P_1000.json\n",
            "    path: " + path + "\n",
        ),
    )


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_as_training_data_is_a_finding(tmp_path: Path, device: str) -> None:
    (tmp_path / "plan.yaml").write_text(plan_with_data(device), encoding="utf-8")
    got = planlint("check", "--select", "PL6", "plan.yaml", cwd=tmp_path)
    assert got.returncode == 1, got.stderr
    assert f"PL611 error: training data {device} is not a regular file but a character device" in got.stdout
    assert "Traceback" not in got.stderr


def test_a_fifo_as_training_data_is_a_finding(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "words.json")
    (tmp_path / "plan.yaml").write_text(plan_with_data(str(tmp_path / "words.json")), encoding="utf-8")
    got = planlint("check", "--select", "PL6", "plan.yaml", cwd=tmp_path)
    assert got.returncode == 1, got.stderr
    assert "is not a regular file but a FIFO (named pipe): not read" in got.stdout


def test_a_fifo_named_plan_yaml_is_pl003(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "plan.yaml")
    got = planlint("check", ".", cwd=tmp_path)
    assert got.returncode == 1, got.stderr
    assert (
        "plan.yaml:1:1: PL003 error: file is not a regular file but a FIFO (named pipe): not read"
        in got.stdout
    )


def test_a_fifo_named_plan_md_is_pl507(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(TWO_MODEL, encoding="utf-8")
    os.mkfifo(tmp_path / "PLAN.md")
    got = planlint("check", "--no-layout", "PLAN.md", "plan.yaml", cwd=tmp_path)
    assert got.returncode == 1, got.stderr
    assert (
        "PLAN.md:1:1: PL507 error: doc is not a regular file but a FIFO (named pipe): not read" in got.stdout
    )


def test_status_and_estimate_refuse_a_fifo_plan(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "plan.yaml")
    for args in (("status", "plan.yaml"), ("estimate", "plan.yaml", "--logs", "none/*.out")):
        got = planlint(*args, cwd=tmp_path)
        assert got.returncode == 2, got.stderr
        assert "Traceback" not in got.stderr
        assert got.stderr.count("\n") == 1


def test_a_fifo_configuration_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(TWO_MODEL, encoding="utf-8")
    os.mkfifo(tmp_path / "cfg.toml")
    got = planlint("--config", "cfg.toml", "check", "plan.yaml", cwd=tmp_path)
    assert got.returncode == 2
    assert "Traceback" not in got.stderr


def test_read_bounded_refuses_what_is_no_regular_file_and_what_is_too_large(tmp_path: Path) -> None:
    small = tmp_path / "small.json"
    small.write_bytes(b"[1, 2, 3]")
    assert read_bounded(small, 9) == b"[1, 2, 3]"
    with pytest.raises(Refused) as big:
        read_bounded(small, 8)
    assert big.value.too_large
    with pytest.raises(Refused) as folder:
        read_bounded(tmp_path, 100)
    assert not folder.value.too_large and "a folder" in folder.value.reason
    with pytest.raises(Refused):
        read_tail("/dev/zero", 100)
    assert read_tail(small, 3) == b" 3]"


def test_status_and_estimate_refuse_a_plan_symlinked_out_of_the_repository(tmp_path: Path) -> None:
    outside, repo = tmp_path / "outside", tmp_path / "repo"
    outside.mkdir()
    (repo / ".git").mkdir(parents=True)
    (outside / "plan.yaml").write_text(TWO_MODEL, encoding="utf-8")
    (repo / "plan.yaml").symlink_to(outside / "plan.yaml")
    check = planlint("check", "--no-layout", "plan.yaml", cwd=repo)
    assert "PL015" in check.stdout
    for args in (("status", "plan.yaml"), ("estimate", "plan.yaml", "--logs", "none/*.out")):
        got = planlint(*args, cwd=repo)
        assert got.returncode == 2
        assert got.stderr.startswith("planlint: error: plan.yaml: a symlink to ") and "(PL015)" in got.stderr
        assert got.stdout == ""


@pytest.mark.parametrize(
    "markers",
    [
        "<!-- PLANLINT:BEGIN all-runs -->\n<!-- PLANLINT:END all-runs -->\n",
        "<!--\nplanlint:begin all-runs\n-->\n\n<!--\nplanlint:end all-runs\n-->\n",
        "<!-- planlint :begin all-runs -->\n<!-- planlint :end all-runs -->\n",
    ],
)
def test_marker_look_alikes_are_never_ignored_without_a_word(tmp_path: Path, markers: str) -> None:
    (tmp_path / "plan.yaml").write_text(TWO_MODEL, encoding="utf-8")
    (tmp_path / "PLAN.md").write_text("# Plan\n\n" + markers, encoding="utf-8")
    got = planlint("check", "--no-layout", ".", cwd=tmp_path)
    assert "PLAN.md:3:1: PL502 error: " in got.stdout, got.stdout


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (
            ("check", "."),
            1,
            "plan.yaml:1:1: PL003 error: cannot read file: Too many levels of symbolic links",
        ),
        (("check", "plan.yaml"), 1, "plan.yaml:1:1: PL003 error: cannot read file: Too many levels"),
        (("fix", "."), 0, ""),
        (("fix", "--runs", "plan.yaml"), 1, "plan.yaml: not edited: the plan does not load"),
        (("status", "plan.yaml"), 2, "plan.yaml: cannot read the plan: Too many levels of symbolic links"),
        (("estimate", "plan.yaml", "--logs", "none/*.out"), 2, "plan.yaml: cannot read the plan"),
    ],
)
def test_a_plan_that_is_a_symlink_loop_is_a_finding_or_one_line(
    tmp_path: Path, args: tuple[str, ...], code: int, says: str
) -> None:
    """`ln -s plan.yaml plan.yaml` (or a pair pointing at each other) crashed `Path.resolve()`."""
    (tmp_path / "plan.yaml").symlink_to("plan.yaml")
    got = planlint(*args, cwd=tmp_path)
    assert got.returncode == code, got.stdout + got.stderr
    assert "internal error" not in got.stderr and "Traceback" not in got.stderr
    assert says in got.stdout + got.stderr


def test_a_doc_symlink_pair_that_loops(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(TWO_MODEL, encoding="utf-8")
    (tmp_path / "PLAN.md").symlink_to("NOTES.md")
    (tmp_path / "NOTES.md").symlink_to("PLAN.md")
    for args in (("check", "."), ("fix", "."), ("check", "PLAN.md")):
        got = planlint(*args, cwd=tmp_path)
        assert "internal error" not in got.stderr and "Traceback" not in got.stderr, got.stderr
        if args[1] == "PLAN.md":  # named: its own finding, never "0 files checked"
            assert got.returncode == 1
            assert (
                "PLAN.md:1:1: PL507 error: cannot read doc: Too many levels of symbolic links" in got.stdout
            )
        else:  # found by a folder walk: not a doc planlint can read, skipped like a dangling link
            assert got.returncode == 0, got.stdout + got.stderr
