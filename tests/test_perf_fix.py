"""`fix --runs` parses a plan twice (as read, and once to verify the edit), with the same result
as adding runs and matrix entries one edit at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import edit, example_repo

from planlint.commands.fix import fix
from planlint.config import Config
from planlint.engine import run
from planlint.plan import load
from planlint.plan.edit import add_matrix_entries, add_runs
from planlint.plan.load import load_plan
from planlint.plan.model import Plan
from planlint.plan.naming import runs_to_add


@pytest.fixture
def experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return example_repo(tmp_path, monkeypatch, "two-model-sweep")


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the plan texts built into data (every load_plan that gets past reading)."""
    calls: list[int] = []
    real = load._build

    def counting(text: str, hits: list[load.Hit]) -> object:
        calls.append(len(text))
        return real(text, hits)

    monkeypatch.setattr(load, "_build", counting)
    yield calls


def _grow_sweep(plan: Path) -> str:
    text = plan.read_text(encoding="utf-8")
    grown = edit(text, ("lr: [1e-5, 5e-5]", "lr: [1e-5, 5e-5, 1e-4]"))
    plan.write_text(grown, encoding="utf-8")
    return grown


def _one_edit_at_a_time(path: Path, text: str) -> str:
    plan = Plan(path=path, display=path.name, loaded=load_plan(path, text=text), config=Config())
    planned, _ = runs_to_add(plan)  # what fix --runs adds, each after its model's runs
    missing = [r for r, _ in planned]
    return add_matrix_entries(add_runs(text, missing, [a for _, a in planned]), missing)


def test_fix_runs_parses_the_plan_twice(experiment: Path, parses: list[int]) -> None:
    plan = experiment / "plan.yaml"
    grown = _grow_sweep(plan)
    report = fix(["exp"], Config(), add_runs=True)
    assert report.errors == []
    assert sorted(c.display for c in report.changes) == ["exp/PLAN.md", "exp/plan.yaml"]
    new = plan.read_text(encoding="utf-8")
    assert len(parses) == 2
    assert parses == [len(grown), len(new)]
    # the same bytes as adding the runs, then the matrix entries, one verified edit at a time
    assert new == _one_edit_at_a_time(plan, grown)
    assert "    - {run: Llama-3.2-3B_rank8_lr1e-4, tasks: [capitalization], epochs: [0, 1]}\n" in new
    assert [f for f in run(["exp"], Config()).findings if f.severity.value != "info"] == []


def test_fix_runs_on_a_complete_plan_parses_it_once(experiment: Path, parses: list[int]) -> None:
    report = fix(["exp"], Config(), add_runs=True, check_only=True)
    assert report.changes == [] and report.errors == []
    assert len(parses) == 1


def test_evaluation_before_runs_gets_both_splices_at_their_own_places(
    experiment: Path, parses: list[int]
) -> None:
    plan = experiment / "plan.yaml"
    grown = _grow_sweep(plan)
    head, runs_on = grown.split("\nruns:\n", 1)
    runs_part, evaluation = runs_on.split("\nevaluation:\n", 1)
    moved = head + "\nevaluation:\n" + evaluation.rstrip("\n") + "\n\nruns:\n" + runs_part + "\n"
    plan.write_text(moved, encoding="utf-8")
    report = fix(["exp/plan.yaml"], Config(), add_runs=True)
    assert report.errors == []
    new = plan.read_text(encoding="utf-8")
    assert new == _one_edit_at_a_time(plan, moved)
    assert new.index("    - {run: Llama-3.2-1B_rank4_lr1e-4, tasks: [capitalization]") < new.index(
        "\nruns:\n"
    )
    assert new.rstrip("\n").endswith("parameters: {lora_rank: 8, lr: 1e-4}")
    assert [f for f in run(["exp"], Config()).findings if f.severity.value != "info"] == []
