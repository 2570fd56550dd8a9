"""PL5xx: planning docs, their markers, and generated regions that drifted from the plan."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from planlint.doc.docs import Doc, Known, compare_region, region_what
from planlint.finding import Hit
from planlint.rules.base import Context, E, I, Rule, W

if TYPE_CHECKING:
    from planlint.doc.tabletext import ParsedTable
    from planlint.plan.model import Plan

FAMILY = "docs"
RULES = (
    Rule(
        "PL501",
        "table-drift",
        E,
        "a generated table differs from the one the plan renders (with a diff)",
    ),
    Rule(
        "PL502",
        "bad-marker",
        E,
        "planlint markers missing, unbalanced, nested, duplicated or unknown",
    ),
    Rule(
        "PL503",
        "ignored-marker",
        I,
        "marker text inside code is not a marker (shown so it is no surprise)",
    ),
    Rule("PL504", "no-doc", I, "a plan without a planning doc holding an All Runs region"),
    Rule("PL505", "ambiguous-plan", E, "a marker without plan= in a folder with several plan files"),
    Rule(
        "PL506",
        "plan-not-found",
        E,
        "a marker's plan does not exist or lies outside the repository",
    ),
    Rule("PL507", "unreadable-doc", E, "a doc that is binary, not UTF-8 or too large"),
    Rule(
        "PL508",
        "stale-schema-copy",
        W,
        "the schema copy a plan's yaml-language-server modeline names is missing or outdated",
    ),
    Rule(
        "PL509",
        "wide-row",
        E,
        "a row of a generated region's table has more cells than its header (an unescaped pipe)",
    ),
)


def region_drift(doc: Doc, index: int, plan: Plan) -> list[Hit]:
    """PL501 when the region's cells differ from the rendered ones (layout alone is not drift,
    nor are the optional columns a doc leaves out, nor the cells of columns planlint does not
    render, nor a value spelled another way). PL509 instead for each row with more cells than
    the header: the doc's cells cannot be read reliably, and `fix` leaves the region alone."""
    from planlint.doc.markers import region_diff
    from planlint.doc.tabletext import explain_drift

    rendered = compare_region(doc, index, plan)
    region = doc.regions[index]
    if rendered.wide:
        what = region_what(region.name)
        return [
            Hit(
                "PL509",
                row.line,
                1,
                row.message(what),
                "escape the `|` inside the cell as `\\|` (a `|` splits a row inside backticks "
                "too); until then `fix` leaves this region alone",
            )
            for row in rendered.wide
        ]
    if rendered.same:
        return []
    parsed = rendered.parsed
    if parsed is not None:
        reasons = [
            *rendered.reasons,
            *explain_drift(
                rendered.header, parsed.rows, rendered.rows, doc_header=parsed.header, compare_header=False
            ),
        ] or ["the table's layout differs"]
    else:
        reasons = rendered.reasons or ["the region holds no table"]
    what = region_what(region.name)
    shown = reasons[:6] + (
        [f"and {len(reasons) - 6} more differences (see the diff)"] if len(reasons) > 6 else []
    )
    message = f"{what} differs from {plan.path.name}: {'; '.join(shown)}"
    hint = f"run `planlint fix {doc.display}` to regenerate it"
    diff = region_diff(doc.display, doc.text, region, rendered.lines)
    # at the first line that differs (the row the message names first), covering the region to
    # its end marker, so an editor offers the regeneration anywhere in the stale part
    line = _first_drift_line(rendered.parsed, rendered.header, rendered.rows) or region.begin_line
    end = _end_marker(doc, region.end_line)
    return [Hit("PL501", line, 1, message, hint, diff or None, *end)]


def _end_marker(doc: Doc, line: int) -> tuple[int | None, int | None]:
    """(line, column after the last character) of the region's end marker line."""
    from planlint.doc.markers import split_lines

    lines = split_lines(doc.text.removeprefix("\ufeff"))
    if not 1 <= line <= len(lines):
        return None, None
    return line, len(lines[line - 1].rstrip()) + 1


def _first_drift_line(parsed: ParsedTable | None, header: list[str], rows: list[list[str]]) -> int | None:
    """The doc line where its table first says something the plan does not: the header, or the
    first row that is no run of the plan or whose cells differ; None when only rows are missing."""
    from planlint.doc.tabletext import cell_says, row_keys

    if parsed is None:
        return None
    if [cell_says(c) for c in parsed.header] != [cell_says(c) for c in header]:
        return parsed.header_line
    key = next((i for i, h in enumerate(header) if cell_says(h) == "Run Name"), None)
    plan_rows = dict(zip(row_keys(rows, key), rows, strict=True))
    for j, (k, doc_row) in enumerate(zip(row_keys(parsed.rows, key), parsed.rows, strict=True)):
        plan_row = plan_rows.get(k)
        if plan_row is None or [cell_says(c) for c in doc_row] != [cell_says(c) for c in plan_row]:
            return parsed.row_lines[j] if j < len(parsed.row_lines) else None
    return None


def check(plan: Plan, context: Context) -> Iterator[Hit]:
    """PL508: editors validate the plan against the copy its modeline names; keep it current."""
    from planlint.paths import display_path
    from planlint.plan.schemacopy import stale_copy

    found = stale_copy(plan.path, plan.loaded.text)
    if found is None:
        return
    mode, stale = found
    yield Hit(
        "PL508",
        mode.line,
        mode.column,
        stale.reason,
        f"run `planlint fix {plan.display}` to write this planlint's schema to {display_path(stale.path)}",
        end_line=mode.line,
        end_column=mode.end_column,
    )


def check_docs(
    docs: Iterable[Doc], plans: dict[Path, Plan], known: dict[Path, Known] | None = None
) -> Iterator[tuple[Doc, list[Hit]]]:
    """PL5 hits of every doc, rendering each region from its (already loaded) plan. `known`:
    docs `fix` has just made current in this process; a region of the same text found current
    against the same plan load is not rendered again."""
    from planlint.paths import real_path

    for doc in docs:
        hits = list(doc.hits)
        seen = known.get(real_path(doc.path)) if known else None
        current = seen.current if seen is not None and seen.text == doc.text else {}
        if not doc.broken:
            for index, plan_path in doc.plans.items():
                plan = plans.get(plan_path)
                if plan is None or plan.loaded.fatal or current.get(index) is plan.loaded:
                    continue
                hits += region_drift(doc, index, plan)
        yield doc, hits
