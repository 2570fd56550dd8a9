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
    from planlint.plan.naming import implied_runs, norm, run_params

    notes: list[str] = []
    errors: list[str] = []
    plan = Plan(path=path, display=display_path(path), loaded=load_plan(path, text=text), config=config)
    have_ft = set()
    have_control = set()
    for _, run in plan.runs():
        model = run.get("model")
        if not isinstance(model, str):
            continue  # check reports it; no implied run can match it
        if run.get("type") == "control":
            have_control.add(model)
        elif run.get("type") == "fine-tuned":
            params = run_params(plan, run)
            have_ft.add(
                (
                    model,
                    tuple((v, norm(params[v][0])) for v in plan.variables if v in params),
                )
            )
    names = {run.get("name") for _, run in plan.runs() if isinstance(run.get("name"), str)}
    implied = list(implied_runs(plan))
    counts: dict[str, int] = {}
    for r in implied:
        counts[r.name] = counts.get(r.name, 0) + 1
    missing = []
    for r in implied:
        if counts[r.name] > 1:
            errors.append(f"not adding {r.name}: the naming template gives other runs this name too (PL219)")
            continue
        if r.type == "control":
            if r.model in have_control:
                continue
        elif (r.model, r.key) in have_ft:
            continue
        if r.name in names:
            notes.append(f"skipped {r.name}: a run of that name exists with other parameters")
            continue
        names.add(r.name)
        missing.append(r)
    text = splice_runs(text, missing)
    notes += [f"added run {r.name}" for r in missing]
    evaluated = add_matrix_entries(text, missing)
    if evaluated != text:
        notes.append("added evaluation.matrix entries for the new runs, like the existing ones")
        text = evaluated
    return text, notes, errors
