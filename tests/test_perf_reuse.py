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


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every (doc, region index) planlint renders and compares, in order."""
    import planlint.doc.docs as docs_module
    import planlint.rules.docs as pl5

    seen: list[tuple[str, int]] = []
    real = docs_module.compare_region

    def counting(doc: Any, index: int, plan: Any) -> Any:
        seen.append((doc.display, index))
        return real(doc, index, plan)

    monkeypatch.setattr(docs_module, "compare_region", counting)
    monkeypatch.setattr(pl5, "compare_region", counting)
    return seen


@pytest.fixture
def seed_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    shutil.copytree(EXAMPLES / "seed-sweep", tmp_path / "exp")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "exp"


@pytest.mark.parametrize("stale", [False, True])
def test_check_fix_renders_each_region_once(
    seed_repo: Path, renders: list[tuple[str, int]], capsys: pytest.CaptureFixture[str], stale: bool
) -> None:
    """The check after the fix trusts what the fix found current or wrote (same text, same plan
    load) instead of rendering the doc's tables a second time."""
    doc = seed_repo / "PLAN.md"
    current = doc.read_text(encoding="utf-8")
    if stale:
        doc.write_text(edit(current, ("| 8 | 1e-5 | 4 |", "| 8 | 2e-5 | 4 |")), encoding="utf-8")
    assert main(["check", "--no-layout", "exp"]) == (1 if stale else 0)
    regions = sorted(set(renders))
    assert regions and len(renders) == len(regions)  # a plain check renders each region once
    capsys.readouterr()
    renders.clear()
    assert main(["check", "--fix", "--no-layout", "exp"]) == 0
    out, err = capsys.readouterr()
    assert ("Fixing exp/PLAN.md" in err) == stale
    assert "PL501" not in out and doc.read_text(encoding="utf-8") == current
    assert sorted(renders) == regions


def test_check_fix_reports_the_drift_of_a_doc_it_could_not_write(
    seed_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A read-only doc is not rewritten, so nothing is known current: the check says PL501."""
    doc = seed_repo / "PLAN.md"
    stale = edit(doc.read_text(encoding="utf-8"), ("| 8 | 1e-5 | 4 |", "| 8 | 2e-5 | 4 |"))
    doc.write_text(stale, encoding="utf-8")
    doc.chmod(0o444)
    try:
        assert main(["check", "--fix", "--no-layout", "exp"]) == 1
    finally:
        doc.chmod(0o644)
    out, err = capsys.readouterr()
    assert "read-only" in err and "exp/PLAN.md:" in out and "PL501" in out
    assert doc.read_text(encoding="utf-8") == stale


def test_check_fix_checks_a_doc_changed_after_the_fix_read_it(
    seed_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the fix knew is keyed by the doc's bytes: a doc edited between the fix and the check
    (an editor saving, a second hook) is read and compared again."""
    import planlint.commands.fix as fix_module

    doc = seed_repo / "PLAN.md"
    current = doc.read_text(encoding="utf-8")
    real = fix_module.fix

    def fix_then_edit(*args: Any, **kwargs: Any) -> Any:
        report = real(*args, **kwargs)
        doc.write_text(edit(current, ("| 8 | 1e-5 | 4 |", "| 8 | 2e-5 | 4 |")), encoding="utf-8")
        return report

    monkeypatch.setattr(fix_module, "fix", fix_then_edit)
    assert main(["check", "--fix", "--no-layout", "exp"]) == 1
    assert "PL501" in capsys.readouterr().out


def test_fix_runs_reads_each_doc_once_and_diffs_nothing_it_does_not_print(
    seed_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fix --runs` pairs plans with docs before and after editing the plans: the doc is read
    once; and a rewrite that is written, not shown, computes no diff."""
    import planlint.doc.docs as docs_module
    import planlint.doc.markers as markers_module

    reads: list[str] = []
    diffs: list[str] = []
    real_read, real_diff = docs_module.read_doc, markers_module.region_diff

    def read(path: Path, *args: Any, **kwargs: Any) -> Any:
        reads.append(path.name)
        return real_read(path, *args, **kwargs)

    def diff(*args: Any, **kwargs: Any) -> Any:
        diffs.append(args[0])
        return real_diff(*args, **kwargs)

    monkeypatch.setattr(docs_module, "read_doc", read)
    monkeypatch.setattr(markers_module, "region_diff", diff)
    plan = seed_repo / "plan.yaml"
    plan.write_text(
        edit(plan.read_text(encoding="utf-8"), ("lr: [1e-5, 5e-5]", "lr: [1e-5, 5e-5, 1e-4]")),
        encoding="utf-8",
    )
    assert main(["fix", "--runs", "exp"]) == 0
    assert "added run Llama-3.2-1B_rank8_lr1e-4" in capsys.readouterr().err
    assert reads == ["PLAN.md"] and diffs == []
    assert "| Llama-3.2-1B_rank8_lr1e-4 |" in (seed_repo / "PLAN.md").read_text(encoding="utf-8")
