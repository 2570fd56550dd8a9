"""The runs and controls a plan's sweep implies but its `runs:` lacks, spliced into its text:
what `planlint fix --runs` adds, and the editor's "add the missing runs" quick fix."""

from __future__ import annotations

from pathlib import Path

from planlint.config import Config
from planlint.paths import display_path
from planlint.plan.load import load_plan
from planlint.plan.model import Plan


def add_implied_runs(path: Path, text: str, config: Config) -> tuple[str, list[str], list[str]]:
    """The plan text with the runs and controls its sweep implies added (what `fix --runs`
    adds), with what was done and what was not; raises EditError when the edit is unsafe."""
    from planlint.plan.edit import add_matrix_entries
    from planlint.plan.edit import add_runs as splice_runs
    from planlint.plan.naming import runs_to_add

    plan = Plan(path=path, display=display_path(path), loaded=load_plan(path, text=text), config=config)
    planned, skipped = runs_to_add(plan)
    errors = [why for why in skipped if "PL219" in why]
    notes = [why for why in skipped if "PL219" not in why]
    missing = [r for r, _ in planned]
    text = splice_runs(text, missing, [after for _, after in planned])
    notes += [f"added run {r.name}" for r in missing]
    evaluated = add_matrix_entries(text, missing)
    if evaluated != text:
        notes.append("added evaluation.matrix entries for the new runs, like the existing ones")
        text = evaluated
    return text, notes, errors
