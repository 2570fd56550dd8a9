"""Planning docs: pair them with plans, check their generated regions (PL5xx), rewrite them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from planlint.load import Hit, decode
from planlint.rules import E, I, Rule, declare

if TYPE_CHECKING:
    from planlint.config import Config
    from planlint.markdown import MarkerProblem, Region
    from planlint.plan import Plan
    from planlint.tablefmt import ParsedTable

declare(
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
)

MARKER_TEXT = "planlint:"


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

    @property
    def broken(self) -> bool:
        """Marker errors: `fix` leaves such a doc alone."""
        return any(p.severity == "error" for p in self.problems) or any(
            h.rule in ("PL505", "PL506", "PL507") for h in self.hits
        )


def has_markers(path: Path, max_bytes: int) -> bool:
    """A cheap test (no markdown parsing) for docs worth scanning."""
    try:
        if path.stat().st_size > max_bytes:
            return True  # reported as unreadable
        return MARKER_TEXT.encode() in path.read_bytes()
    except OSError:
        return False


def docs_near(plan_path: Path, max_bytes: int) -> list[Path]:
    """Markdown files in the plan's folder that hold planlint markers."""
    try:
        entries = sorted(plan_path.parent.iterdir())
    except OSError:
        return []
    return [
        p
        for p in entries
        if p.suffix.lower() in (".md", ".markdown") and p.is_file() and has_markers(p, max_bytes)
    ]


def repo_root(start: Path) -> Path:
    """The repository around `start` (its .git), else the working folder."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return Path.cwd().resolve()


def read_doc(path: Path, display: str, config: Config) -> Doc:
    """Read and scan a doc; every problem becomes a hit, never an exception."""
    from planlint.markdown import scan

    doc = Doc(path=path, display=display)
    from planlint.engine import symlink_outside_repo

    outside = symlink_outside_repo(path)
    if outside is not None:
        doc.hits.append(
            Hit("PL507", 1, 1, f"doc is a symlink to {outside}, outside the repository: not read")
        )
        return doc
    try:
        if path.stat().st_size > config.max_bytes:
            doc.hits.append(Hit("PL507", 1, 1, f"doc is over the {config.max_file_size_mb:g} MB limit"))
            return doc
        doc.raw = path.read_bytes()
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
    doc.regions, doc.problems = scan(doc.text)
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
        target = (folder / named).resolve()
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
        if not target.is_file():
            return Hit(
                "PL506",
                region.begin_line,
                1,
                f"plan={named} does not exist",
                "give the plan's path relative to this doc",
            )
        return target
    candidates = sorted(p for p in folder.iterdir() if p.is_file() and config.is_plan_name(p.name))
    if len(candidates) == 1:
        return candidates[0].resolve()
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


def _compare(doc: Doc, index: int, plan: Plan) -> tuple[list[str], list[list[str]], ParsedTable | None, bool]:
    """Render the region from the plan and compare it with the doc, cell by cell."""
    from planlint.markdown import read_table
    from planlint.table import RENDERERS
    from planlint.tablefmt import cells_equal, normalize_cell

    region = doc.regions[index]
    header, rows = RENDERERS[region.name](plan)
    parsed = read_table(doc.text, region)
    same = (
        parsed is not None
        and [normalize_cell(c) for c in parsed.header] == [normalize_cell(c) for c in header]
        and cells_equal(parsed.rows, rows)
    )
    return header, rows, parsed, same


def region_drift(doc: Doc, index: int, plan: Plan) -> Hit | None:
    """PL501 when the region's cells differ from the rendered ones (layout alone is not drift)."""
    from planlint.markdown import region_diff
    from planlint.tablefmt import explain_drift, format_table

    header, rows, parsed, same = _compare(doc, index, plan)
    if same:
        return None
    region = doc.regions[index]
    if parsed is not None:
        reasons = explain_drift(header, parsed.rows, rows, doc_header=parsed.header) or [
            "the table's layout differs"
        ]
    else:
        reasons = ["the region holds no table"]
    what = "All Runs table" if region.name == "all-runs" else f"{region.name} table"
    message = f"{what} differs from {plan.path.name}: {reasons[0]}"
    extra = reasons[1:6] + ([f"... and {len(reasons) - 6} more differences"] if len(reasons) > 6 else [])
    hint = "\n".join([*extra, f"run `planlint fix {doc.display}` to regenerate it"])
    lines = format_table(header, rows, plan.config.table_style)
    diff = region_diff(doc.display, doc.text, region, lines)
    return Hit("PL501", region.begin_line, 1, message, hint, diff or None)


def check_docs(docs: Iterable[Doc], plans: dict[Path, Plan]) -> Iterator[tuple[Doc, list[Hit]]]:
    """PL5 hits of every doc, rendering each region from its (already loaded) plan."""
    for doc in docs:
        hits = list(doc.hits)
        if not doc.broken:
            for index, plan_path in doc.plans.items():
                plan = plans.get(plan_path)
                if plan is None or plan.loaded.fatal:
                    continue
                drift = region_drift(doc, index, plan)
                if drift is not None:
                    hits.append(drift)
        yield doc, hits


@dataclass
class Fixed:
    """What `fix` did (or would do) to one doc."""

    doc: Doc
    new_text: str
    diff: str


def fix_doc(doc: Doc, plans: dict[Path, Plan]) -> Fixed | None:
    """The doc with every drifted region rewritten, or None when nothing needs to change."""
    from planlint.markdown import region_diff, replace_region, scan
    from planlint.tablefmt import format_table

    if doc.broken or not doc.plans:
        return None
    text = doc.text
    diffs = []
    # Rewrite from the last region up, so earlier line numbers stay valid.
    for index in sorted(doc.plans, key=lambda i: doc.regions[i].begin_line, reverse=True):
        plan = plans.get(doc.plans[index])
        if plan is None or plan.loaded.fatal:
            continue
        header, rows, _, same = _compare(doc, index, plan)
        if same:
            continue
        region = doc.regions[index]
        lines = format_table(header, rows, plan.config.table_style)
        diffs.append(region_diff(doc.display, text, region, lines))
        text = replace_region(text, region, lines)
    if text == doc.text:
        return None
    regions, problems = scan(text)
    if len(regions) != len(doc.regions) or any(p.severity == "error" for p in problems):  # pragma: no cover
        raise RuntimeError(f"{doc.display}: rewriting would break its markers; nothing written")
    return Fixed(doc, text, "".join(reversed(diffs)))


def write_fixed(fixed: Fixed, force: bool = False) -> None:
    """Write atomically, refusing a symlink out of the repository, a file changed meanwhile and
    (unless `force`) a read-only file."""
    from planlint.markdown import atomic_write, write_root

    data = fixed.new_text.encode("utf-8")
    path = fixed.doc.path
    atomic_write(path, data, root=write_root(path), expected=fixed.doc.raw, force=force)


def is_doc_name(path: Path) -> bool:
    return path.suffix.lower() in (".md", ".markdown")


def same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
