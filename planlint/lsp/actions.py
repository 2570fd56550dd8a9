"""Quick fixes for findings, as new texts the editor applies; the server never writes a file.

Each fix reuses what the CLI does (`fix --runs`, `fix --migrate`, `fix` on a doc) on the unsaved
text, or makes surgical edits verified at the data level (a YAML 1.1 trap value rewritten so
YAML 1.1 and 1.2 readers agree and the plan's data stays the same; a run renamed to the name its
parameters render, with its evaluation.matrix entries, and nothing else changed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types

from planlint.config import Config
from planlint.finding import Finding
from planlint.lsp.convert import Lines
from planlint.paths import real_path
from planlint.plan.yaml11 import TRAP_RULES

#: Rules whose finding the "add the missing runs" fix answers.
RUN_RULES = ("PL204", "PL205", "PL213")
_BREAK = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass(frozen=True)
class Fix:
    """One quick fix: its title, the finding it answers and the file's new text."""

    title: str
    finding: Finding
    new_text: str
    preferred: bool = False


def text_edits(old: str, new: str, encoding: str) -> list[types.TextEdit]:
    """Edits turning `old` into `new`, whole lines each (an edit never splits a CRLF or a
    surrogate pair), one per changed stretch: lines that stay stay untouched in the editor."""
    import difflib

    a, b = _BREAK.findall(old), _BREAK.findall(new)
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    lines = Lines(old, encoding)
    edits = []
    matcher = difflib.SequenceMatcher(None, mid_a, mid_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        where = types.Range(lines.position_at(starts[head + i1]), lines.position_at(starts[head + i2]))
        edits.append(types.TextEdit(where, "".join(mid_b[j1:j2])))
    return edits


def _without_bom(text: str) -> tuple[str, str]:
    return ("\ufeff", text[1:]) if text.startswith("\ufeff") else ("", text)


def add_runs_fix(path: Path, text: str, config: Config, finding: Finding) -> Fix | None:
    """What `planlint fix --runs` would add to this text (runs, controls, matrix entries)."""
    from planlint.plan.addruns import add_implied_runs
    from planlint.plan.edit import EditError

    bom, body = _without_bom(text)
    try:
        new, notes, _ = add_implied_runs(path, body, config)
    except EditError:
        return None
    if new == body:
        return None
    added = sum(1 for n in notes if n.startswith("added run "))
    title = f"Add the {added} missing run{'s' if added != 1 else ''} (planlint fix --runs)"
    return Fix(title, finding, bom + new, preferred=True)


def migrate_fix(text: str, finding: Finding) -> Fix | None:
    """Rename the plan's legacy cruijff_kit keys (what `planlint fix --migrate` does)."""
    from planlint.plan.edit import EditError, migrate_keys

    bom, body = _without_bom(text)
    try:
        new, _ = migrate_keys(body)
    except EditError:
        return None
    if new == body:
        return None
    return Fix("Migrate legacy keys (planlint fix --migrate)", finding, bom + new, preferred=True)


def trap_fix(text: str, finding: Finding) -> Fix | None:
    """Rewrite a YAML 1.1 trap value as its field's type wants (planlint.plan.yaml11): `true`
    for `yes` in a boolean field, a quoted string where the schema wants text, a number without
    its octal-looking zero or with its exponent's dot; verified at the data level."""
    from planlint.plan.editsafety import DataChanged, verify_edit
    from planlint.plan.load import load_plan
    from planlint.plan.yaml11 import advice, path_at, wanted_types

    lines = Lines(text)
    line, char = finding.line - 1, finding.column - 1
    body = lines.line(line)
    end = lines.token_end(line, char)
    token = body[char:end]
    if not token or token[0] in "\"'":
        return None
    before = load_plan(Path("plan.yaml"), text=_without_bom(text)[1])
    path = path_at(before.data, finding.line, finding.column)
    got = advice(finding.rule, token, wanted_types(path) if path else None)
    if got is None or got.replacement is None or got.title is None:
        return None
    start = lines.starts[line] + char
    new = text[:start] + got.replacement + text[start + len(token) :]

    def intended(data: Any) -> None:
        if got.changes_data and path:
            node = data
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = got.new_value

    try:
        verify_edit(before.data, _without_bom(new)[1], intended)
    except DataChanged:
        return None
    return Fix(got.title, finding, new, got.certain)


#: PL217's hint names the name the run's parameters render: "rename it to NAME (template ...)"
_EXPECTED = re.compile(r"\brename it to (\S+) \(template ")


def rename_fix(text: str, finding: Finding, plan: Any) -> Fix | None:
    """Rename a run to the name its parameters render (PL217), with every `evaluation.matrix`
    entry naming it: each name rewritten where it stands, in its own quoting, and the edit
    verified at the data level (only those names change) before it is offered."""
    from planlint.plan.edit import Edit, EditError, apply_edits, dq, scalar_end
    from planlint.plan.editsafety import DataChanged, verify_edit
    from planlint.plan.load import YMap, split_lines
    from planlint.plan.run import runs_by_name, runs_of

    m = _EXPECTED.search(finding.hint or "")
    if m is None or plan is None or plan.loaded.fatal:
        return None
    new = m.group(1)
    run = next((r for r in runs_of(plan) if r.node.vpos.get("name") == (finding.line, finding.column)), None)
    if run is None or run.name is None or new in runs_by_name(plan):
        return None  # the name is taken: renaming would make two runs of one name
    old = run.name
    bom, body = _without_bom(text)
    lines = split_lines(body)
    places: list[tuple[YMap, str]] = [(run.node, "name")]
    matrix = plan.seq("evaluation", "matrix")
    entries = [j for j, e in enumerate(matrix) if isinstance(e, YMap) and e.get("run") == old]
    places += [(matrix[j], "run") for j in entries]
    edits = []
    try:
        for node, key in places:
            line, col = node.vpos[key]
            src = lines[line - 1].rstrip("\r\n")
            flow = src[node.col - 1 : node.col] == "{"
            start = col - 1
            end = scalar_end(src, start, flow)
            edits.append(Edit(line, start, end, _written_like(src[start:end], new, dq)))
        new_text = apply_edits(body, edits)
    except (EditError, KeyError, IndexError):
        return None

    def intended(data: Any) -> None:
        data["runs"][run.index]["name"] = new
        for j in entries:
            data["evaluation"]["matrix"][j]["run"] = new

    try:
        verify_edit(plan.loaded.data, new_text, intended)
    except DataChanged:
        return None
    also = (
        f" and its {len(entries)} evaluation.matrix entr{'y' if len(entries) == 1 else 'ies'}"
        if entries
        else ""
    )
    return Fix(f"Rename run '{old}' to '{new}'{also}", finding, bom + new_text, preferred=True)


def _written_like(token: str, value: str, dq: Any) -> str:
    """`value` written as `token` is: double-quoted, single-quoted or plain."""
    if token.startswith('"'):
        return str(dq(value))
    if token.startswith("'"):
        return "'" + value.replace("'", "''") + "'"
    return value


def table_fix(doc: Any, plans: dict[Path, Any], finding: Finding) -> Fix | None:
    """The doc with its stale regions regenerated (what `planlint fix` writes)."""
    from planlint.doc.docs import fix_doc

    try:
        fixed = fix_doc(doc, plans)
    except RuntimeError:
        return None
    if fixed is None:
        return None
    return Fix("Regenerate the table from the plan (planlint fix)", finding, fixed.new_text, True)


def fixes_for(
    path: Path, text: str, config: Config, findings: list[Finding], result: Any, is_plan: bool
) -> list[Fix]:
    """A fix for each finding that has one (one of each kind that rewrites the whole file)."""
    out: list[Fix] = []
    whole: dict[str, Fix | None] = {}
    for finding in findings:
        fix: Fix | None = None
        if is_plan and finding.rule in RUN_RULES:
            if "runs" not in whole:
                whole["runs"] = add_runs_fix(path, text, config, finding)
            fix = _again(whole["runs"], finding)
        elif is_plan and finding.rule == "PL103":
            if "migrate" not in whole:
                whole["migrate"] = migrate_fix(text, finding)
            fix = _again(whole["migrate"], finding)
        elif is_plan and finding.rule in TRAP_RULES:
            fix = trap_fix(text, finding)
        elif is_plan and finding.rule == "PL217" and result.plan_objects:
            fix = rename_fix(text, finding, result.plan_objects[0])
        elif not is_plan and finding.rule == "PL501" and result.doc_objects:
            if "table" not in whole:
                plans = {real_path(p.path): p for p in result.plan_objects}
                whole["table"] = table_fix(result.doc_objects[0], plans, finding)
            fix = _again(whole["table"], finding)
        if fix is not None:
            out.append(fix)
    return out


def _again(fix: Fix | None, finding: Finding) -> Fix | None:
    return None if fix is None else Fix(fix.title, finding, fix.new_text, fix.preferred)
