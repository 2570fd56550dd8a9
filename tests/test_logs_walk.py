"""Log globs: `**` over symlink loops ends (each directory once), and otherwise matches glob."""

from __future__ import annotations

import glob
import shutil
from pathlib import Path

import pytest

from planlint.cli import main
from planlint.logs import discover
from planlint.logs.walk import expand

A2 = Path(__file__).parent / "logs/real/torchtune-0.6.1-cpu/slurm-4817302.out"


def _tree(root: Path) -> Path:
    art = root / "ck-projects" / "cap" / "cap_rank_lr" / "Llama-3.2-1B_rank4_lr1e-5" / "artifacts"
    (art / "epoch_0").mkdir(parents=True)
    shutil.copy(A2, art / "slurm-4817302.out")
    shutil.copy(A2, art / "epoch_0" / "slurm-4817302.out")
    (art / "seff-4817302.txt").write_text("Job ID: 4817302\nCores per node: 4\n")
    (root / "ck-projects" / ".hidden").mkdir()
    shutil.copy(A2, root / "ck-projects" / ".hidden" / "slurm-1.out")
    return art


def test_symlink_loops_under_a_double_star_end_and_each_file_is_found_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    art = _tree(tmp_path)
    # two loops at one level: glob.glob's recursion would walk 2^depth paths
    (art / "up").symlink_to("../..")
    (art / "top").symlink_to(tmp_path)
    found = discover([f"{tmp_path}/**/slurm-*.out"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "ck-projects/cap/cap_rank_lr/Llama-3.2-1B_rank4_lr1e-5/artifacts/epoch_0/slurm-4817302.out",
        "ck-projects/cap/cap_rank_lr/Llama-3.2-1B_rank4_lr1e-5/artifacts/slurm-4817302.out",
    ]
    assert main(["logs", f"{tmp_path}/**/slurm-*.out"]) == 0
    assert capsys.readouterr().out.startswith("1 log files read (1 copies counted once)\n")


def test_a_symlinked_folder_outside_the_tree_is_walked(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    _tree(elsewhere)
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "linked").symlink_to(elsewhere)
    assert len(expand(f"{tmp_path}/scratch/**/slurm-*.out")) == 2


@pytest.mark.parametrize(
    "pattern",
    [
        "**/slurm-*.out",
        "ck-projects/**/artifacts/slurm-*.out",
        "ck-projects/*/*/*/artifacts/**/slurm-[0-9]*.out",
        "**/epoch_?/*.out",
        "**/*.txt",
        "**",
    ],
)
def test_without_loops_it_matches_glob(tmp_path: Path, pattern: str) -> None:
    _tree(tmp_path)
    want = sorted(p for p in glob.glob(f"{tmp_path}/{pattern}", recursive=True) if Path(p).is_file())
    got = sorted(p for p in expand(f"{tmp_path}/{pattern}") if Path(p).is_file())
    assert got == want
