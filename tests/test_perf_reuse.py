"""`check --fix` parses each plan once: the check reuses what the fix read, and nothing else changes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, TWO_MODEL, edit

import planlint.plan.load as load_module
from planlint.cli import main


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts planlint parses as plans, in order."""
    seen: list[str] = []
    real = load_module._build

    def counting(text: str, hits: list[Any]) -> Any:
        seen.append(text)
        return real(text, hits)

    monkeypatch.setattr(load_module, "_build", counting)
    return seen


def test_check_fix_parses_the_plan_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copytree(EXAMPLES / "seed-sweep", tmp_path / "exp")
    monkeypatch.chdir(tmp_path)
    doc = tmp_path / "exp" / "PLAN.md"
    current = doc.read_text(encoding="utf-8")
    doc.write_text(edit(current, ("| 8 | 1e-5 | 4 |", "| 8 | 2e-5 | 4 |")), encoding="utf-8")
    plan = tmp_path / "exp" / "plan.yaml"
    # a misspelt hyper-parameter (PL209): an error the fix cannot mend
    plan.write_text(edit(plan.read_text(encoding="utf-8"), ("lr: 5e-5}", "lr: 5e-5, lora_dropuot: 0.1}")))
    assert main(["check", "--no-layout", "exp"]) == 1
    only_check = capsys.readouterr().out
    parses.clear()
    assert main(["check", "--fix", "--no-layout", "exp"]) == 1
    out, err = capsys.readouterr()
    assert "Fixing exp/PLAN.md" in err and doc.read_text(encoding="utf-8") == current
    assert parses == [plan.read_text(encoding="utf-8")]  # read by the fix, checked as read
    # the plan's findings are those of a plain check
    mine = [line for line in out.splitlines() if line.startswith("exp/plan.yaml:")]
    assert mine and mine == [line for line in only_check.splitlines() if line.startswith("exp/plan.yaml:")]


def test_check_fix_still_refuses_a_plan_symlinked_out_of_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside, repo = tmp_path / "outside", tmp_path / "repo"
    outside.mkdir()
    (repo / ".git").mkdir(parents=True)
    (outside / "plan.yaml").write_text(TWO_MODEL, encoding="utf-8")
    (repo / "plan.yaml").symlink_to(outside / "plan.yaml")
    monkeypatch.chdir(repo)
    main(["check", "--fix", "--no-layout", "plan.yaml"])
    assert "PL015" in capsys.readouterr().out
