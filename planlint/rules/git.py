"""PL8xx: runs re-parameterised or removed since a revision (`check --base` / `--changed-since`).

This module compares two loaded plans; reading the old one from git is `planlint.git`'s job.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planlint.finding import Hit
from planlint.plan.disk import ExperimentDir, experiment_dir, results_of
from planlint.plan.load import YMap, decode, load_plan
from planlint.plan.run import runs_by_name
from planlint.plan.values import norm
from planlint.rules.base import E, I, Rule, W

if TYPE_CHECKING:
    from planlint.config import Config
    from planlint.plan.model import Plan

FAMILY = "git"
RULES = (
    Rule(
        "PL801",
        "reparameterised-run",
        W,
        "a run kept its name but its model, type or parameters changed since --base",
    ),
    Rule(
        "PL802",
        "removed-run-with-artifacts",
        E,
        "a run removed since --base whose folder holds artifacts",
    ),
    Rule("PL803", "new-plan", I, "the plan did not exist at --base: nothing to compare"),
    Rule(
        "PL804",
        "reparameterised-run-with-results",
        E,
        "a run re-parameterised since --base whose folder already holds results (they would be mislabelled)",
    ),
)

#: Keys of a run that decide what it trains besides its parameters.
RUN_IDENTITY_KEYS = ("model", "type")


def plan_from_bytes(path: Path, display: str, raw: bytes | None, config: Config) -> Plan | None:
    """A plan as it was at a revision (None when the file did not exist there)."""
    from planlint.plan.load import Loaded
    from planlint.plan.model import Plan

    if raw is None:
        return None
    hits: list[Hit] = []
    text, _bom = decode(path, raw, hits)
    loaded = load_plan(path, text=text) if text is not None else Loaded(path, hits=hits)
    return Plan(path=path, display=display, loaded=loaded, config=config)


# -- what changed in a run ------------------------------------------------------------------------
def written(container: Any, key: Any) -> str:
    """A value as written in plan.yaml; collections rendered in flow style from their parts."""
    from planlint.plan.model import text_of

    value = container[key]
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {written(value, k)}" for k in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(written(value, i) for i in range(len(value))) + "]"
    text = text_of(container, key)
    if isinstance(value, str) and (not text or text != text.strip() or not text.isprintable()):
        return json.dumps(text, ensure_ascii=False)  # "" and "...\n" stay visible on one line
    return text


@dataclass(frozen=True)
class Change:
    """One key of a run (or a section) whose value changed: texts as written, None when unset."""

    key: str
    old: str | None
    new: str | None

    def describe(self) -> str:
        return f"{self.key} {self.old if self.old is not None else '(unset)'} → {self.new if self.new is not None else '(unset)'}"


def run_items(run: YMap) -> dict[str, tuple[Any, str, YMap]]:
    """What a run trains: model, type and every parameter -> (comparable value, text, container)."""
    out: dict[str, tuple[Any, str, YMap]] = {}
    for key in RUN_IDENTITY_KEYS:
        if key in run:
            out[key] = (norm(run[key]), written(run, key), run)
    params = run.get("parameters")
    if isinstance(params, YMap):
        for key in params:
            out[str(key)] = (norm(params[key]), written(params, key), params)
    return out


def mapping_changes(
    old: dict[str, tuple[Any, str, Any]], new: dict[str, tuple[Any, str, Any]]
) -> list[Change]:
    """Keys whose value differs, in the new order then the removed ones."""
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        o, n = old.get(key), new.get(key)
        if o is not None and n is not None and o[0] == n[0]:
            continue
        changes.append(Change(key, o[1] if o else None, n[1] if n else None))
    return changes


# -- the rules ------------------------------------------------------------------------------------
def _results(exp: ExperimentDir, name: str) -> str | None:
    folder = exp.folders.get(name)
    return results_of(exp, folder) if folder is not None else None


def compare(plan: Plan, old: Plan, label: str) -> Iterator[Hit]:
    """PL801/PL804/PL802 hits of `plan` against its version `old`."""
    old_runs, new_runs = runs_by_name(old), runs_by_name(plan)
    exp = experiment_dir(plan)
    if not exp.reachable:
        exp = experiment_dir(old)
    for name, run in new_runs.items():
        if name not in old_runs:
            continue
        changes = mapping_changes(run_items(old_runs[name].node), run_items(run.node))
        if not changes:
            continue
        what = ", ".join(c.describe() for c in changes)
        found = _results(exp, name) if exp.reachable else None
        first = changes[0].key
        if first in run.params:
            where: tuple[Any, ...] = run.params[first].path
        elif first in run.node:
            where = (*run.path, first)
        else:
            where = (*run.path, "parameters")
        if found and exp.path is not None:
            msg = (
                f"run '{name}' kept its name but changed since {label} ({what}), and"
                f" {exp.path / name}/{found} already holds its results: they would be mislabelled"
            )
            hint = "give the changed run a new name (a new folder), or revert the change"
            yield plan.hit("PL804", where, msg, hint)
        else:
            msg = f"run '{name}' kept its name but changed since {label}: {what}"
            hint = "if the old run has results somewhere, give the changed run a new name so they are not mislabelled"
            yield plan.hit("PL801", where, msg, hint)
    if not exp.reachable or exp.path is None:
        return
    for name in old_runs:
        if name in new_runs:
            continue
        found = _results(exp, name)
        if found:
            msg = f"run '{name}' was removed since {label}, but {exp.path / name}/{found} holds its results"
            hint = "keep the run in the plan (its results exist), or archive its folder and say why in the planning doc"
            yield plan.hit("PL802", ("runs",), msg, hint, key=True)


def old_version(plan: Plan, raw: bytes | None, rev: str) -> tuple[Plan | None, Hit | None]:
    """The plan as it was at `rev` (from its bytes there), or the PL803 hit saying why there is none."""
    old = plan_from_bytes(plan.path, plan.display, raw, plan.config)
    if old is None:
        return None, Hit("PL803", 1, 1, f"plan is new since {rev}: no earlier version to compare runs with")
    if old.loaded.fatal:
        return None, Hit(
            "PL803", 1, 1, f"plan did not load at {rev}: no earlier version to compare runs with"
        )
    return old, None
