"""Planning docs: pair them with plans, check their generated regions (PL5xx), rewrite them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from planlint.config import DOC_SUFFIXES
from planlint.finding import Hit
from planlint.paths import repo_root, symlink_outside_repo
from planlint.plan.load import decode

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

    @property
    def broken(self) -> bool:
        """Marker errors: `fix` leaves such a doc alone."""
        return any(p.severity == "error" for p in self.problems) or any(
            h.rule in ("PL505", "PL506", "PL507") for h in self.hits
        )


def has_markers(path: Path, max_bytes: int) -> bool:
    """A cheap test (no markdown parsing) for docs worth scanning."""
    from planlint.readfile import Refused, read_bounded

    try:
        return _MARKERISH.search(read_bounded(path, max_bytes)) is not None
    except Refused:
        return True  # reported as unreadable by read_doc
    except OSError:
        return False


def docs_near(plan_path: Path, max_bytes: int) -> list[Path]:
    """Markdown files in the plan's folder that hold planlint markers."""
    try:
        entries = sorted(plan_path.parent.iterdir())
    except OSError:
        return []
    return [
        p for p in entries if p.suffix.lower() in DOC_SUFFIXES and p.is_file() and has_markers(p, max_bytes)
    ]


def read_doc(path: Path, display: str, config: Config) -> Doc:
    """Read and scan a doc; every problem becomes a hit, never an exception."""
    from planlint.doc.markers import scan

    doc = Doc(path=path, display=display)

    outside = symlink_outside_repo(path)
    if outside is not None:
        doc.hits.append(
            Hit("PL507", 1, 1, f"doc is a symlink to {outside}, outside the repository: not read")
        )
        return doc
    from planlint.readfile import Refused, read_bounded

    try:
        doc.raw = read_bounded(path, config.max_bytes)
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


def compare_region(
    doc: Doc, index: int, plan: Plan
) -> tuple[list[str], list[list[str]], ParsedTable | None, bool]:
    """Render the region from the plan and compare it with the doc, cell by cell."""
    from planlint.doc.markers import read_table
    from planlint.doc.render import RENDERERS
    from planlint.doc.tabletext import cells_equal, normalize_cell

    region = doc.regions[index]
    header, rows = RENDERERS[region.name](plan)
    parsed = read_table(doc.text, region)
    same = (
        parsed is not None
        and [normalize_cell(c) for c in parsed.header] == [normalize_cell(c) for c in header]
        and cells_equal(parsed.rows, rows)
    )
    return header, rows, parsed, same


@dataclass
class Fixed:
    """What `fix` did (or would do) to one doc."""

    doc: Doc
    new_text: str
    diff: str


def fix_doc(doc: Doc, plans: dict[Path, Plan]) -> Fixed | None:
    """The doc with every drifted region rewritten, or None when nothing needs to change."""
    from planlint.doc.markers import region_diff, replace_region, scan
    from planlint.doc.tabletext import format_table

    if doc.broken or not doc.plans:
        return None
    text = doc.text
    diffs = []
    # Rewrite from the last region up, so earlier line numbers stay valid.
    for index in sorted(doc.plans, key=lambda i: doc.regions[i].begin_line, reverse=True):
        plan = plans.get(doc.plans[index])
        if plan is None or plan.loaded.fatal:
            continue
        header, rows, _, same = compare_region(doc, index, plan)
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
    from planlint.doc.markers import atomic_write, write_root

    data = fixed.new_text.encode("utf-8")
    path = fixed.doc.path
    atomic_write(path, data, root=write_root(path), expected=fixed.doc.raw, force=force)
