"""`planlint fix`: regenerate docs' marked regions; optionally add implied runs or migrate keys."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from planlint.config import Config
from planlint.engine import Collector, Options, discover, doc_spans, no_cyclic_gc, pair
from planlint.finding import Finding
from planlint.paths import display_path, real_path
from planlint.plan.load import Loaded, load_plan
from planlint.plan.model import Plan

if TYPE_CHECKING:
    from planlint.doc.docs import Known


@dataclass
class Change:
    """One file that `fix` rewrote (or, with --check, would rewrite)."""

    path: Path
    display: str
    diff: str
    notes: list[str] = field(default_factory=list)


@dataclass
class FixReport:
    """What `planlint fix` did or would do: the changes, and what stopped a file from being fixed."""

    changes: list[Change] = field(default_factory=list)
    #: problems that stop a file from being fixed (broken markers, unloadable plans)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: every plan read, by resolved path, as it is now on disk (none with `check_only`), so
    #: `check --fix` checks them without reading them again
    plans: dict[Path, Loaded] = field(default_factory=dict)
    #: every doc left current, by resolved path (none with `check_only`)
    docs: dict[Path, Known] = field(default_factory=dict)


def _file_diff(display: str, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"a/{display}",
            f"b/{display}",
        )
    )


def write_plan_text(path: Path, loaded: Loaded, new_text: str, force: bool = False) -> None:
    """Write a plan's edited text atomically, keeping its BOM; refuses if it changed meanwhile
    and, unless `force`, if it is read-only."""
    from planlint.plan.load import read_text

    raw = path.read_bytes()
    current, _ = read_text(path, [])
    if current != loaded.text:
        raise OSError(f"{path} changed while planlint worked; nothing written")
    _write_plan(path, raw, new_text, loaded.bom, force)


def _write_plan(path: Path, raw: bytes, new_text: str, bom: bool, force: bool = False) -> None:
    from planlint.doc.markers import atomic_write, write_root

    data = (b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8")
    atomic_write(path, data, root=write_root(path), expected=raw, force=force)


def _edit_plans(
    plans: list[Path],
    config: Config,
    report: FixReport,
    *,
    add_runs: bool,
    migrate: bool,
    check_only: bool,
    force: bool,
) -> dict[Path, Loaded]:
    """Edit each plan's text (written unless `check_only`); returns every plan's Loaded by
    resolved path, as edited. Adding runs loads a plan twice: as read and once to verify."""
    current: dict[Path, Loaded] = {}
    from planlint.plan.edit import EditError, add_runs_and_entries, migrate_keys
    from planlint.plan.naming import runs_to_add

    for path in plans:
        display = display_path(path)
        loaded = load_plan(path, max_bytes=config.max_bytes)
        if loaded.fatal:
            report.errors.append(
                f"{display}: not edited: the plan does not load (run `planlint check {display}`)"
            )
            continue
        raw = path.read_bytes()
        text = loaded.text
        now = loaded
        notes: list[str] = []
        try:
            if migrate:
                text, notes = migrate_keys(text)
                if text != loaded.text:
                    now = load_plan(path, text=text)
            if add_runs:
                plan = Plan(path=path, display=display, loaded=now, config=config)
                planned, skipped = runs_to_add(plan)
                report.errors.extend(f"{display}: {why}" for why in skipped if "PL219" in why)
                notes += [why for why in skipped if "PL219" not in why]
                missing = [r for r, _ in planned]
                after = [a for _, a in planned]
                text, evaluated, now = add_runs_and_entries(text, now, missing, after)
                notes += [f"added run {r.name}" for r in missing]
                if evaluated:
                    notes.append("added evaluation.matrix entries for the new runs, like the existing ones")
        except EditError as exc:
            report.errors.append(f"{display}: not edited: {exc}")
            continue
        if text != loaded.text:
            report.changes.append(Change(path, display, _file_diff(display, loaded.text, text), notes))
            if not check_only:
                try:
                    _write_plan(path, raw, text, loaded.bom, force)
                except OSError as exc:
                    report.errors.append(f"{display}: not written: {exc}")
                    report.changes.pop()
                    continue
        current[real_path(path)] = dataclasses.replace(now, path=path, bom=loaded.bom, text=text)
    return current


def fix(
    paths: Sequence[str | Path],
    config: Config,
    *,
    check_only: bool = False,
    add_runs: bool = False,
    migrate: bool = False,
    force: bool = False,
) -> FixReport:
    """Rewrite what is stale; with `check_only`, only report it (and the diff). Read-only files
    are refused unless `force`."""
    with no_cyclic_gc():
        return _fix(paths, config, check_only=check_only, add_runs=add_runs, migrate=migrate, force=force)


def _fix(
    paths: Sequence[str | Path],
    config: Config,
    *,
    check_only: bool,
    add_runs: bool,
    migrate: bool,
    force: bool,
) -> FixReport:
    from planlint.doc.docs import Known, fix_doc, write_fixed

    report = FixReport()
    plans, docs = discover(paths, config)
    edited: dict[Path, Loaded] = {}
    seen = Options()
    if add_runs or migrate:
        # plans named by the docs are edited too; the docs read here are not read twice
        plans, first = pair(plans, docs, config, Options())
        seen.known_docs = {real_path(d.path): Known(d.text, d, {}) for d in first}
        edited = _edit_plans(
            plans,
            config,
            report,
            add_runs=add_runs,
            migrate=migrate,
            check_only=check_only,
            force=force,
        )
    plans, read_docs = pair(plans, docs, config, seen)
    loaded: dict[Path, Plan] = {}
    for path in plans:
        resolved = real_path(path)
        got = edited.get(resolved) or load_plan(path, max_bytes=config.max_bytes)
        plan = Plan(path=path, display=display_path(path), loaded=got, config=config)
        loaded[resolved] = plan
    for doc in read_docs:
        if doc.broken:
            collector = Collector(config, doc.display, doc_spans(doc))
            collector.add(h for h in doc.hits if h.rule != "PL503")
            report.findings.extend(collector.findings)
            report.errors.append(f"{doc.display}: not fixed: its markers need attention first")
            continue
        for target in doc.plans.values():
            source = loaded.get(target)
            if source is not None and source.loaded.fatal:
                report.errors.append(f"{doc.display}: region not rendered: {source.display} does not load")
        refused: list[str] = []
        current: dict[int, object] = {}
        try:
            fixed = fix_doc(doc, loaded, refused, current, with_diff=check_only)
        except RuntimeError:  # fix_doc re-scans the result and refuses one whose markers broke
            report.errors.append(
                f"{doc.display}: not fixed: a value rendered into its table holds planlint marker"
                " text (<!-- planlint:...); change that value in the plan"
            )
            continue
        report.errors.extend(refused)
        if fixed is None:
            if not check_only:
                report.docs[real_path(doc.path)] = Known(doc.text, doc, current)
            continue
        if not check_only:
            try:
                write_fixed(fixed, force)
            except OSError as exc:
                report.errors.append(f"{doc.display}: not written: {exc}")
                continue
            report.docs[real_path(doc.path)] = Known(fixed.new_text, None, current)
        report.changes.append(Change(doc.path, doc.display, fixed.diff, fixed.notes))
    _refresh_schema_copies(loaded.values(), report, check_only=check_only, force=force)
    if not check_only:
        report.plans = {resolved: plan.loaded for resolved, plan in loaded.items()}
    return report


def _refresh_schema_copies(
    plans: Iterable[Plan], report: FixReport, *, check_only: bool, force: bool
) -> None:
    """Rewrite the stale or missing schema copies the plans' modelines name (PL508), once each."""
    from planlint.plan.schemacopy import installed_schema, stale_copy, write_copy

    done: set[Path] = set()
    for plan in plans:
        if plan.loaded.fatal:
            continue
        found = stale_copy(plan.path, plan.loaded.text)
        if found is None or real_path(found[1].path) in done:
            continue
        target = found[1].path
        done.add(real_path(target))
        display = display_path(target)
        old = target.read_text(encoding="utf-8") if target.is_file() else ""
        if not check_only:
            try:
                write_copy(target, force)
            except OSError as exc:
                report.errors.append(f"{display}: not written: {exc}")
                continue
        note = "wrote the schema of this planlint (the plan's modeline names it)"
        report.changes.append(Change(target, display, _file_diff(display, old, installed_schema()), [note]))
