"""Planning docs: pair them with plans, check their generated regions (PL5xx), rewrite them."""

from __future__ import annotations

import errno
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from planlint.config import DOC_SUFFIXES
from planlint.finding import Hit
from planlint.paths import real_path, repo_root, symlink_outside_repo
from planlint.plan.load import decode
from planlint.readfile import kind_of

if TYPE_CHECKING:
    from planlint.config import Config
    from planlint.doc.markers import MarkerProblem, Region
    from planlint.doc.tabletext import ParsedTable
    from planlint.plan.model import Plan


#: What a marker, or a look-alike worth a word (`PLANLINT:BEGIN`, `planlint :begin`), holds.
_MARKERISH = re.compile(rb"planlint\s*:", re.IGNORECASE)


@dataclass
class Doc:
    """A markdown doc with its regions, marker problems and the plan each region renders from."""

    path: Path
    display: str
    text: str = ""
    raw: bytes = b""
    regions: list[Region] = field(default_factory=list)
    problems: list[MarkerProblem] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    #: region index -> the plan file it renders from
    plans: dict[int, Path] = field(default_factory=dict)
    #: region index -> its table as the markdown parse read it (None: no table); a region that
    #: holds nothing but a table is not here and is read with the table splitter when needed
    tables: dict[int, ParsedTable | None] = field(default_factory=dict)

    @property
    def broken(self) -> bool:
        """Marker errors: `fix` leaves such a doc alone."""
        return any(p.severity == "error" for p in self.problems) or any(
            h.rule in ("PL505", "PL506", "PL507") for h in self.hits
        )


class Known(NamedTuple):
    """A doc this process has just compared with its plans (`check --fix`): its text, the Doc
    read (None when the text is what `fix` wrote) and, by region index, the plan load each
    region was found current against. The check that follows skips that work for the same
    text and the same load."""

    text: str
    doc: Doc | None
    current: dict[int, object]


def reuse_doc(path: Path, display: str, config: Config, known: dict[Path, Known]) -> Doc:
    """The doc as `read_doc` would read it, reusing the one `known` holds when the file's bytes
    are still the ones it was read from."""
    from planlint.readfile import Refused, read_bounded

    seen = known.get(real_path(path))
    if seen is not None and seen.doc is not None and seen.doc.display == display:
        try:
            raw = read_bounded(path, config.max_bytes)
        except (Refused, OSError):
            raw = None
        if raw is not None and raw == seen.doc.raw:
            return seen.doc
    return read_doc(path, display, config)


def has_markers(path: Path, max_bytes: int) -> bool:
    """A cheap test (no markdown parsing) for docs worth scanning."""
    from planlint.readfile import Refused, read_bounded

    try:
        return _MARKERISH.search(read_bounded(path, max_bytes)) is not None
    except Refused:
        return True  # reported as unreadable by read_doc
    except OSError as exc:  # gone: nothing to check; a symlink loop, no permission: read_doc says so
        return exc.errno != errno.ENOENT


def docs_near(plan_path: Path, max_bytes: int) -> list[Path]:
    """Markdown files in the plan's folder that hold planlint markers."""
    try:
        entries = sorted(plan_path.parent.iterdir())
    except OSError:
        return []
    return [
        p for p in entries if p.suffix.lower() in DOC_SUFFIXES and p.is_file() and has_markers(p, max_bytes)
    ]


def read_doc(path: Path, display: str, config: Config, raw: bytes | None = None) -> Doc:
    """Read and scan a doc; every problem becomes a hit, never an exception. `raw`: the doc's
    bytes when they come from elsewhere than the file (an editor's unsaved buffer)."""
    from planlint.doc.markers import scan_tables

    doc = Doc(path=path, display=display)

    outside = symlink_outside_repo(path) if raw is None else None
    if outside is not None:
        doc.hits.append(
            Hit("PL507", 1, 1, f"doc is a symlink to {outside}, outside the repository: not read")
        )
        return doc
    from planlint.readfile import Refused, read_bounded

    try:
        if raw is not None and len(raw) > config.max_bytes:
            raise Refused(f"over the {config.max_file_size_mb:g} MB limit", too_large=True)
        doc.raw = raw if raw is not None else read_bounded(path, config.max_bytes)
    except Refused as exc:
        if exc.too_large:
            doc.hits.append(Hit("PL507", 1, 1, f"doc is over the {config.max_file_size_mb:g} MB limit"))
        else:
            doc.hits.append(Hit("PL507", 1, 1, f"doc is {exc.reason}: not read"))
        return doc
    except OSError as exc:
        doc.hits.append(Hit("PL507", 1, 1, f"cannot read doc: {exc.strerror or exc}"))
        return doc
    decoded: list[Hit] = []
    text, bom = decode(path, doc.raw, decoded)
    if text is None:
        doc.hits.extend(
            Hit("PL507", h.line, h.column, h.message.replace("file", "doc", 1), h.hint) for h in decoded
        )
        return doc
    doc.text = ("\ufeff" if bom else "") + text
    doc.regions, doc.problems, doc.tables = scan_tables(doc.text)
    for problem in doc.problems:
        rule = "PL503" if problem.severity == "info" else "PL502"
        doc.hits.append(Hit(rule, problem.line, problem.column, problem.message, problem.hint))
    for i, region in enumerate(doc.regions):
        target = _region_plan(doc, region, config)
        if isinstance(target, Hit):
            doc.hits.append(target)
        else:
            doc.plans[i] = target
    return doc


def _region_plan(doc: Doc, region: Region, config: Config) -> Path | Hit:
    named = region.attrs.get("plan")
    folder = doc.path.parent
    if named:
        target = real_path(folder / named)
        root = repo_root(folder)
        try:
            target.relative_to(root)
        except ValueError:
            return Hit(
                "PL506",
                region.begin_line,
                1,
                f"plan={named} lies outside the repository",
                f"name a plan inside {root}",
            )
        try:
            mode = target.stat().st_mode
        except OSError:
            mode = None
        if mode is None or not stat.S_ISREG(mode):
            if mode is None:
                what, hint = "does not exist", "give the plan's path relative to this doc"
            elif stat.S_ISDIR(mode):
                what = "is a folder"
                hint = f"name the plan file in it: plan={named.rstrip('/')}/{config.plan_files[0]}"
            else:
                what, hint = f"is {kind_of(mode)}, not a plan file", "point plan= at the plan's YAML file"
            return Hit("PL506", region.begin_line, 1, f"plan={named} {what}", hint)
        return target
    candidates = sorted(p for p in folder.iterdir() if p.is_file() and config.is_plan_name(p.name))
    if len(candidates) == 1:
        return real_path(candidates[0])
    if not candidates:
        names = ", ".join(config.plan_files)
        return Hit(
            "PL506",
            region.begin_line,
            1,
            f"no plan file ({names}) next to this doc",
            f"add plan=relative/path/plan.yaml to the marker: <!-- planlint:begin {region.name} plan=../plan.yaml -->",
        )
    listed = ", ".join(p.name for p in candidates)
    return Hit(
        "PL505",
        region.begin_line,
        1,
        f"this folder holds several plans ({listed}): which one does the region render?",
        f"<!-- planlint:begin {region.name} plan={candidates[0].name} -->",
    )


@dataclass
class RegionTable:
    """A region rendered from its plan in the doc's own shape, and whether the doc matches it."""

    header: list[str]
    rows: list[list[str]]
    #: the lines `fix` writes (no line endings)
    lines: list[str]
    #: the doc's table (None when the region holds none, or when it was not needed)
    parsed: ParsedTable | None
    same: bool
    #: column differences in plan terms (a missing variable column, a removed task's column)
    reasons: list[str] = field(default_factory=list)
    #: rows of the doc with more cells than its header: `fix` leaves such a region alone
    wide: list[WideRow] = field(default_factory=list)
    #: the researcher's cells (own columns) of rows no run of the plan keeps (`render.table`)
    dropped: list[str] = field(default_factory=list)


class WideRow(NamedTuple):
    """A row of a region's table with more cells than the header (an unescaped `|`)."""

    line: int
    #: the row as a message names it: `row NAME`, or `the row` when its name cell is not a run's
    row: str
    cells: int
    columns: int

    def message(self, what: str) -> str:
        """One line: what is wrong with the row."""
        return (
            f"{what} {self.row} has {self.cells} cells under a header of {self.columns}: an "
            "unescaped `|` splits a cell, so its text lands in the wrong columns and the last "
            f"{_cells(self.cells - self.columns)} would be dropped"
        )


def _cells(n: int) -> str:
    return "cell" if n == 1 else f"{n} cells"


def region_what(name: str) -> str:
    """`All Runs table`, `summary`, `eval-matrix table`."""
    return {"all-runs": "All Runs table", "summary": "summary"}.get(name, f"{name} table")


def wide_rows(parsed: ParsedTable, names: set[str]) -> list[WideRow]:
    """The rows of `parsed` with more cells than its header; `names`: the plan's run names."""
    from planlint.doc.tabletext import normalize_cell

    key = next((i for i, h in enumerate(parsed.header) if normalize_cell(h) == "Run Name"), None)
    out = []
    for index, count in sorted(parsed.wide.items()):
        row = parsed.rows[index]
        name = normalize_cell(row[key]) if key is not None and key < len(row) else ""
        label = f"row {name}" if name in names else "the row"
        out.append(WideRow(parsed.row_lines[index], label, count, len(parsed.header)))
    return out


def compare_region(doc: Doc, index: int, plan: Plan) -> RegionTable:
    """Render the region from the plan in the doc's shape (its columns, their order and
    alignment, its table style) and compare: first the lines verbatim (identical: no drift,
    nothing parsed), then cell by cell, so layout alone is never drift."""
    from planlint.doc.markers import region_lines
    from planlint.doc.render import (
        LINE_RENDERERS,
        choose,
        keep_doc_lines,
        keep_doc_spelling,
        same_summary,
        summary_differences,
        table,
    )
    from planlint.doc.tabletext import (
        cells_equal,
        format_table,
        normalize_cell,
        read_simple_table,
        table_style_of,
    )
    from planlint.plan.run import runs_of

    region = doc.regions[index]
    content = region_lines(doc.text, region)
    if region.name in LINE_RENDERERS:  # prose, not a table
        lines = LINE_RENDERERS[region.name](plan)
        if same_summary(content, lines):
            return RegionTable([], [], lines, None, True)
        lines = keep_doc_lines(content, lines)
        return RegionTable([], [], lines, None, False, summary_differences(content, lines))
    first = region.content_start + 1
    parsed: ParsedTable | None
    if index in doc.tables or not content:
        parsed = doc.tables.get(index)
        head = parsed
    else:  # nothing but a table: its header and delimiter rows say which columns it has
        parsed = None
        head = read_simple_table(content[:2], first)
    layout = choose(plan, region.name, head)
    if parsed is None and head is not None and any(c.kind == "own" for c in layout.columns):
        parsed = read_simple_table(content, first)
        layout = choose(plan, region.name, parsed)
    dropped: list[str] = []
    header, rows = table(plan, region.name, layout, parsed, dropped)
    style = table_style_of(content) or plan.config.table_style
    lines = format_table(header, rows, style, layout.aligns or None)
    if lines == content:
        return RegionTable(header, rows, lines, parsed, True, dropped=dropped)
    if parsed is None and head is not None:
        parsed = read_simple_table(content, first)
    if parsed is not None and parsed.wide:  # rewriting it would lose the researcher's text
        names = {run.name for run in runs_of(plan) if run.name}
        return RegionTable(
            header, rows, lines, parsed, False, layout.reasons, wide_rows(parsed, names), dropped
        )
    if parsed is not None:  # a value the doc spells its own way is the doc's
        rows = keep_doc_spelling(plan, region.name, layout.columns, parsed, rows)
        lines = format_table(header, rows, style, layout.aligns or None)
        if lines == content:
            return RegionTable(header, rows, lines, parsed, True, dropped=dropped)
    same = (
        parsed is not None
        and [normalize_cell(c) for c in parsed.header] == [normalize_cell(c) for c in header]
        and cells_equal(parsed.rows, rows)
    )
    return RegionTable(header, rows, lines, parsed, same, layout.reasons, dropped=dropped)


@dataclass
class Fixed:
    """What `fix` did (or would do) to one doc."""

    doc: Doc
    new_text: str
    diff: str
    #: what the rewrite leaves out that the researcher wrote (cells of rows no run keeps)
    notes: list[str] = field(default_factory=list)


def fix_doc(
    doc: Doc,
    plans: dict[Path, Plan],
    refused: list[str] | None = None,
    current: dict[int, object] | None = None,
    with_diff: bool = True,
) -> Fixed | None:
    """The doc with every drifted region rewritten, or None when nothing needs to change.

    A region whose table has a row with more cells than its header is left as it is (its
    surplus cells are the researcher's text): one line per such row goes to `refused`.
    `current` receives, by region index, the plan load of every region that is current once
    the result is written (found so, or rewritten). Without `with_diff` the result's diff is ""
    (a rewrite nobody will read it for).

    Raises RuntimeError when a rewritten region would not keep its markers (a rendered cell that
    holds marker text): the result is verified by its marker lines, not by parsing it again.
    """
    from planlint.doc.markers import region_diff, replace_region

    if doc.broken or not doc.plans:
        return None
    text = doc.text
    diffs = []
    dropped: list[str] = []
    changed: list[tuple[int, list[str]]] = []
    notes: list[tuple[int, str]] = []
    # Rewrite from the last region up, so earlier line numbers stay valid.
    for index in sorted(doc.plans, key=lambda i: doc.regions[i].begin_line, reverse=True):
        plan = plans.get(doc.plans[index])
        if plan is None or plan.loaded.fatal:
            continue
        rendered = compare_region(doc, index, plan)
        region = doc.regions[index]
        if rendered.wide:
            what = region_what(region.name)
            notes += [
                (
                    row.line,
                    f"{doc.display}:{row.line}: {region.name} region not rewritten: "
                    f"{row.message(what)}; escape the `|` as `\\|`",
                )
                for row in rendered.wide
            ]
            continue
        if current is not None:
            current[index] = plan.loaded
        if rendered.same:
            continue
        if with_diff:
            diffs.append(region_diff(doc.display, text, region, rendered.lines))
        dropped += rendered.dropped
        text = replace_region(text, region, rendered.lines)
        changed.append((index, rendered.lines))
    if refused is not None:
        refused.extend(note for _, note in sorted(notes))
    if text == doc.text:
        return None
    _verify_markers(doc, text, dict(changed))
    return Fixed(doc, text, "".join(reversed(diffs)), dropped)


def _verify_markers(doc: Doc, text: str, changed: dict[int, list[str]]) -> None:
    """Every region's marker lines are where the rewrite puts them, and no written line holds
    marker text (which would end, or open, a region when the doc is read again)."""
    from planlint.doc.markers import split_lines

    marker_text = re.compile(r"<!--\s*planlint\s*:", re.IGNORECASE)
    old = split_lines(doc.text.removeprefix("\ufeff"))
    new = split_lines(text.removeprefix("\ufeff"))
    shift = 0
    for index, region in sorted(enumerate(doc.regions), key=lambda item: item[1].begin_line):
        begin = region.begin_line - 1 + shift
        if index in changed:
            if any(marker_text.search(line) for line in changed[index]):
                raise RuntimeError(f"{doc.display}: a rendered cell holds marker text; nothing written")
            shift += len(changed[index]) - (region.content_end - region.content_start)
        end = region.end_line - 1 + shift
        if (
            begin >= len(new)
            or end >= len(new)
            or new[begin] != old[region.begin_line - 1]
            or new[end] != old[region.end_line - 1]
        ):  # pragma: no cover - replace_region keeps the marker lines
            raise RuntimeError(f"{doc.display}: rewriting would move its markers; nothing written")


def write_fixed(fixed: Fixed, force: bool = False) -> None:
    """Write atomically, refusing a symlink out of the repository, a file changed meanwhile and
    (unless `force`) a read-only file."""
    from planlint.doc.markers import atomic_write, write_root

    data = fixed.new_text.encode("utf-8")
    path = fixed.doc.path
    atomic_write(path, data, root=write_root(path), expected=fixed.doc.raw, force=force)
