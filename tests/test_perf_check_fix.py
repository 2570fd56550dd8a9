"""`planlint check --fix`: fix what `fix` can, then report what remains, in one process."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import edit, example_repo

from planlint.cli import main


@pytest.fixture
def experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return example_repo(tmp_path, monkeypatch)


def _stale(experiment: Path) -> tuple[Path, str]:
    doc = experiment / "PLAN.md"
    current = doc.read_text(encoding="utf-8")
    doc.write_text(edit(current, ("| 8 | 1e-5 | 4 |", "| 8 | 2e-5 | 4 |")), encoding="utf-8")
    return doc, current


def test_check_fix_rewrites_the_stale_table_then_reports_nothing_left(
    experiment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, current = _stale(experiment)
    assert main(["check", "--fix", "--no-layout", "exp"]) == 0
    out, err = capsys.readouterr()
    assert "Fixing exp/PLAN.md" in err
    assert "PL501" not in out
    assert out.rstrip().splitlines()[-1].startswith("2 files checked: 0 errors")
    assert doc.read_text(encoding="utf-8") == current
    assert main(["check", "--fix", "--no-layout", "exp"]) == 0
    assert "Fixing" not in capsys.readouterr().err


def test_check_fix_reports_what_fix_cannot_fix(experiment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc, current = _stale(experiment)
    plan = experiment / "plan.yaml"
    plan.write_text(
        edit(plan.read_text(encoding="utf-8"), ("lr: 5e-5}", "lr: 5e-5, lora_dropuot: 0.1}")),
        encoding="utf-8",
    )
    assert main(["check", "--fix", "--no-layout", "exp"]) == 1
    out, err = capsys.readouterr()
    assert "Fixing exp/PLAN.md" in err  # the table is fixed...
    assert "PL501" not in out
    assert "exp/plan.yaml:" in out and " error: " in out  # ...the plan's own error remains
    assert doc.read_text(encoding="utf-8") == current


def test_check_fix_with_broken_markers_fixes_nothing_and_fails(
    experiment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = experiment / "PLAN.md"
    broken = edit(doc.read_text(encoding="utf-8"), ("<!-- planlint:end all-runs -->\n", ""))
    doc.write_text(broken, encoding="utf-8")
    assert main(["check", "--fix", "--no-layout", "exp"]) == 1
    out, err = capsys.readouterr()
    assert "exp/PLAN.md: not fixed: its markers need attention first" in err
    assert "exp/PLAN.md:" in out
    assert doc.read_text(encoding="utf-8") == broken
