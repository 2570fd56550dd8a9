"""planlint marker regions in markdown: find them via markdown-it-py tokens, rewrite them."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from markdown_it import MarkdownIt
from markdown_it.token import Token

from planlint.doc.tabletext import (
    ParsedTable,
    block_tokens,
    read_simple_table,
    simple_shape,
    table_from_tokens,
    with_wide_rows,
)
from planlint.paths import real_path
from planlint.suggest import closest

__all__ = [
    "KNOWN_REGIONS",
    "Marker",
    "MarkerProblem",
    "ParsedTable",
    "Region",
    "WriteRefused",
    "atomic_write",
    "dominant_newline",
    "read_table",
    "region_diff",
    "region_lines",
    "replace_region",
    "scan",
    "scan_tables",
    "split_lines",
]

BOM = "\ufeff"

#: Region names planlint renders.
KNOWN_REGIONS: tuple[str, ...] = ("all-runs", "eval-matrix", "summary")

# The strict grammar, applied to the whole stripped content of a top-level html_block.
_MARKER_RE = re.compile(
    r"<!--[ \t]*planlint:(?P<kind>begin|end)[ \t]+(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]*)"
    r"(?:[ \t]+(?P<attrs>[^\r\n]*?))?[ \t]*-->"
)
# Anything that looks like it meant to be a marker (used only on token content / token lines).
_LOOSE_RE = re.compile(r"<!--\s*planlint\s*:", re.IGNORECASE)
# The second line of a marker split after its `<!--`.
_SPLIT_RE = re.compile(r"\s*planlint\s*:", re.IGNORECASE)
_ATTR_RE = re.compile(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_-]*)=(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s\"'=<>`]+))"
)
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_EOL_RE = re.compile(r"(?:\r\n|\r|\n)\Z")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Marker:
    """One begin or end marker comment; ``line`` and ``column`` are 1-based."""

    kind: str  # "begin" | "end"
    name: str
    attrs: dict[str, str] = field(hash=False)
    line: int
    column: int = 1


@dataclass(frozen=True)
class Region:
    """A paired begin/end marker.

    ``begin_line``/``end_line`` are the 1-based lines of the marker comments. The lines strictly
    between them are ``lines[content_start:content_end]`` (0-based indexes, end exclusive; equal
    when the region is empty), where ``lines = split_lines(text)``.
    """

    name: str
    attrs: dict[str, str] = field(hash=False)
    begin_line: int
    end_line: int
    content_start: int
    content_end: int

    @property
    def plan(self) -> str | None:
        """The begin marker's ``plan=`` attribute, if any."""
        return self.attrs.get("plan")

    @property
    def key(self) -> tuple[str, str | None]:
        """What makes a region unique in a doc: (name, plan attribute)."""
        return (self.name, self.plan)


class MarkerProblem(NamedTuple):
    """Something wrong with (or ignored about) the markers of a doc; 1-based ``line``/``column``.

    ``kind`` is one of: ``missing-end``, ``missing-begin``, ``nested``, ``duplicate``,
    ``end-before-begin``, ``unknown-region``, ``bad-attrs``, ``malformed``, ``not-own-line``,
    ``swallowed``, ``not-top-level`` (all ``severity="error"``) or ``ignored`` (a look-alike in
    code, ``severity="info"``: it is text, never a marker).
    """

    line: int
    column: int
    message: str
    hint: str | None = None
    kind: str = "malformed"
    severity: str = "error"  # "error" | "info"


class WriteRefused(OSError):
    """``atomic_write`` would write outside the allowed root or over a file that changed."""


# --------------------------------------------------------------------------- lines


def split_lines(text: str) -> list[str]:
    """``text`` split into lines that keep their endings, breaking only on ``\\r\\n``, ``\\r``
    and ``\\n`` (what markdown-it-py counts as lines; ``str.splitlines`` also breaks on form
    feeds, ``\\x1c``-``\\x1e``, ``\\x85`` and U+2028/9 and would shift the line numbers).
    ``"".join(split_lines(text)) == text`` always holds.
    """
    return _LINE_RE.findall(text)


def _strip_eol(line: str) -> str:
    return _EOL_RE.sub("", line)


def _ending(line: str) -> str:
    match = _EOL_RE.search(line)
    return match.group() if match else ""


def dominant_newline(text: str, region: Region | None = None) -> str:
    """The line ending most lines of ``text`` use: LF, CRLF or a lone CR.

    With ``region``, only the lines outside the region (markers included) count, so rewriting
    the region never changes the answer, and a tie goes to the begin marker's own ending.
    Without, or when no counted line has an ending, a tie goes to LF.
    """
    lines = split_lines(text)
    preferred = "\n"
    if region is not None:
        if 0 < region.content_start <= len(lines):
            preferred = _ending(lines[region.content_start - 1]) or "\n"
        lines = lines[: region.content_start] + lines[region.content_end :]
    counts = {"\n": 0, "\r\n": 0, "\r": 0}
    for line in lines:
        ending = _ending(line)
        if ending:
            counts[ending] += 1
    top = max(counts.values())
    if counts[preferred] == top:
        return preferred
    return next(ending for ending, count in counts.items() if count == top)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


# --------------------------------------------------------------------------- scanning


def _parse_attrs(raw: str) -> dict[str, str] | str:
    """``key=value`` pairs (values bare, "double" or 'single' quoted), or an error message."""
    attrs: dict[str, str] = {}
    pos = 0
    raw = raw.strip()
    while pos < len(raw):
        match = _ATTR_RE.match(raw, pos)
        end = match.end() if match else pos
        if match is None or (end < len(raw) and not raw[end].isspace()):
            bad = raw[pos:].split()[0] if raw[pos:].split() else raw[pos:]
            return f"cannot read attribute {bad!r}; write key=value (quote values with spaces)"
        key = match["key"]
        if key in attrs:
            return f"attribute {key!r} is given twice"
        value = next(v for v in (match["dq"], match["sq"], match["bare"]) if v is not None)
        attrs[key] = value
        pos = end
        while pos < len(raw) and raw[pos].isspace():
            pos += 1
    return attrs


def _column(line: str, start: int = 0) -> int:
    match = _LOOSE_RE.search(line, start)
    return match.start() + 1 if match else 1


def _snippet(text: str, limit: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Scanner:
    def __init__(self, lines: list[str], known: Collection[str]) -> None:
        self.lines = lines
        self.known = known
        self.markers: list[Marker] = []
        self.problems: list[MarkerProblem] = []

    def problem(self, line: int, column: int, kind: str, message: str, hint: str | None = None) -> None:
        severity = "info" if kind == "ignored" else "error"
        self.problems.append(MarkerProblem(line, column, message, hint, kind, severity))

    def matches_in(self, start: int, stop: int) -> Iterator[tuple[int, int]]:
        """(0-based line, 1-based column) of every marker look-alike in lines[start:stop]."""
        for index in range(start, min(stop, len(self.lines))):
            line = self.lines[index]
            for match in _LOOSE_RE.finditer(line):
                yield index, match.start() + 1
            if line.rstrip().endswith("<!--") and index + 1 < len(self.lines):
                if _SPLIT_RE.match(self.lines[index + 1]):  # `<!--` then `planlint:begin` below it
                    yield index, line.rstrip().rfind("<!--") + 1

    # -- token handlers

    def code(self, token: Token, what: str) -> None:
        start, stop = token.map or (0, 0)
        for index, column in self.matches_in(start, stop):
            self.problem(
                index + 1,
                column,
                "ignored",
                f"marker look-alike inside {what} is text, not a marker",
                "move it out of the code block if it is meant to be a marker",
            )

    def html_block(self, token: Token) -> None:
        start, stop = token.map or (0, 0)
        if token.level > 0:
            for index, column in self.matches_in(start, stop):
                self.problem(
                    index + 1,
                    column,
                    "not-top-level",
                    "marker inside a list item or blockquote is not a marker",
                    "put the marker on its own line at column 1, outside lists and blockquotes, "
                    "with a blank line before it",
                )
            return
        stripped = token.content.strip()
        match = _MARKER_RE.fullmatch(stripped)
        if match is not None:
            self.marker(match, start)
            return
        for index, column in self.matches_in(start, stop):
            line = self.lines[index]
            if index == start and line[: column - 1].strip() == "":
                self.lookalike_at_block_start(line, column, index, stripped)
            elif index == start:
                self.problem(
                    index + 1,
                    column,
                    "not-own-line",
                    "marker is not alone on its line, so it is not a marker",
                    "put the marker comment on a line of its own",
                )
            else:
                first = _snippet(self.lines[start])
                self.problem(
                    index + 1,
                    column,
                    "swallowed",
                    f"marker is swallowed by the HTML block that starts at line {start + 1} "
                    f"({first}), so it is not a marker",
                    "put a blank line between the HTML and the marker",
                )

    def lookalike_at_block_start(self, line: str, column: int, index: int, content: str) -> None:
        body = line[column - 1 :].rstrip("\r\n")
        close = body.find("-->")
        if close < 0:
            self.problem(
                index + 1,
                column,
                "malformed",
                "marker comment spans several lines",
                "write the marker on one line: <!-- planlint:begin all-runs -->",
            )
            return
        comment, rest = body[: close + 3], body[close + 3 :]
        match = _MARKER_RE.fullmatch(comment.strip())
        if match is not None and rest.strip():
            self.problem(
                index + 1,
                column,
                "not-own-line",
                f"text after the marker ({_snippet(rest)}) makes it not a marker",
                "put the marker comment on a line of its own",
            )
            return
        if match is not None:  # pragma: no cover - a comment block ends on its --> line
            self.problem(
                index + 1,
                column,
                "swallowed",
                "marker starts an HTML block that continues on the next line",
                "put a blank line after the marker",
            )
            return
        words = re.sub(r"^<!--\s*|\s*-->$", "", comment).split()
        keyword = words[0] if words else ""
        if keyword.lower() in ("planlint:begin", "planlint:end") and keyword != keyword.lower():
            message = f"marker keyword {keyword!r} must be lowercase"
            hint = f"write {keyword.lower()}"
        elif keyword not in ("planlint:begin", "planlint:end"):
            message = f"unknown marker keyword {keyword!r}"
            hint = "markers are <!-- planlint:begin NAME --> and <!-- planlint:end NAME -->"
        else:
            message = f"cannot read marker {_snippet(comment)}"
            hint = "markers are <!-- planlint:begin NAME key=value --> and <!-- planlint:end NAME -->"
        self.problem(index + 1, column, "malformed", message, hint)

    def marker(self, match: re.Match[str], index: int) -> None:
        line = self.lines[index]
        column = _column(line)
        attrs_raw = match["attrs"] or ""
        attrs = _parse_attrs(attrs_raw) if attrs_raw.strip() else {}
        if isinstance(attrs, str):
            self.problem(
                index + 1,
                column,
                "bad-attrs",
                f"marker attributes: {attrs}",
                'example: <!-- planlint:begin all-runs plan=../plan.yaml -->; use "..." for '
                "values with spaces",
            )
            return
        self.markers.append(Marker(match["kind"], match["name"], attrs, index + 1, column))

    def inline(self, token: Token) -> None:
        if not _LOOSE_RE.search(token.content):
            return
        start, stop = token.map or (0, 0)
        current = start
        offsets: dict[int, int] = {}
        children = token.children
        if not children:  # block-only parse: run the inline pass on this token alone
            parsed = _parser().parseInline(token.content)
            children = parsed[0].children if parsed else []
        for child in children or []:
            if child.type in ("softbreak", "hardbreak"):
                current += 1
                continue
            if child.type not in ("html_inline", "code_inline") or not _LOOSE_RE.search(child.content):
                current += child.content.count("\n")
                continue
            found = self.locate(current, stop, offsets)
            line, column = found if found else (current, 1)
            if child.type == "code_inline":
                self.problem(
                    line + 1,
                    column,
                    "ignored",
                    "marker look-alike inside inline code is text, not a marker",
                )
            else:
                self.problem(
                    line + 1,
                    column,
                    "not-own-line",
                    "marker inside a paragraph or table cell is not a marker",
                    "put the marker comment on a line of its own, with a blank line before it",
                )
            current = line + child.content.count("\n")

    def locate(self, start: int, stop: int, offsets: dict[int, int]) -> tuple[int, int] | None:
        for index in range(start, min(max(stop, start + 1), len(self.lines))):
            match = _LOOSE_RE.search(self.lines[index], offsets.get(index, 0))
            if match is not None:
                offsets[index] = match.end()
                return index, match.start() + 1
        return None

    # -- pairing

    def pair(self) -> list[Region]:
        regions: list[Region] = []
        stack: list[Marker] = []
        stray_ends: list[Marker] = []
        closed: list[Marker] = []  # begins that found their end
        tainted: set[int] = set()  # begins with another begin inside them
        for marker in self.markers:
            if marker.kind == "begin":
                if stack:
                    outer = stack[-1]
                    self.problem(
                        marker.line,
                        marker.column,
                        "nested",
                        f"begin marker for {marker.name!r} is inside region {outer.name!r} "
                        f"(begun at line {outer.line})",
                        f"close {outer.name!r} with <!-- planlint:end {outer.name} --> first; "
                        "regions cannot nest",
                    )
                    tainted.update(id(m) for m in stack)
                stack.append(marker)
                continue
            position = next((i for i in range(len(stack) - 1, -1, -1) if stack[i].name == marker.name), None)
            if position is None:
                stray_ends.append(marker)
                continue
            begin = stack[position]
            del stack[position:]
            closed.append(begin)
            if position == 0 and id(begin) not in tainted:
                regions.append(
                    Region(
                        name=begin.name,
                        attrs=begin.attrs,
                        begin_line=begin.line,
                        end_line=marker.line,
                        content_start=begin.line,
                        content_end=marker.line - 1,
                    )
                )
        unclosed = [m for m in self.markers if m.kind == "begin" and m not in closed]
        used: set[int] = set()
        for end in stray_ends:
            later = next(
                (
                    i
                    for i, begin in enumerate(unclosed)
                    if i not in used and begin.name == end.name and begin.line > end.line
                ),
                None,
            )
            if later is not None:
                used.add(later)
                begin = unclosed[later]
                self.problem(
                    end.line,
                    end.column,
                    "end-before-begin",
                    f"end marker for {end.name!r} comes before its begin marker (line {begin.line})",
                    "swap the two markers",
                )
            else:
                self.problem(
                    end.line,
                    end.column,
                    "missing-begin",
                    f"end marker for {end.name!r} has no begin marker",
                    f"add <!-- planlint:begin {end.name} --> above it, or remove it",
                )
        for i, begin in enumerate(unclosed):
            if i not in used:
                self.problem(
                    begin.line,
                    begin.column,
                    "missing-end",
                    f"begin marker for {begin.name!r} has no end marker",
                    f"add <!-- planlint:end {begin.name} --> after the table",
                )
        return self.check_regions(regions)

    def check_regions(self, regions: list[Region]) -> list[Region]:
        kept: list[Region] = []
        first: dict[tuple[str, str | None], Region] = {}
        for region in regions:
            begin_column = _column(self.lines[region.begin_line - 1])
            if region.name not in self.known:
                close = closest(region.name.lower(), self.known)
                hint = f"did you mean {close!r}? " if close else ""
                self.problem(
                    region.begin_line,
                    begin_column,
                    "unknown-region",
                    f"unknown region {region.name!r}",
                    f"{hint}known regions: {', '.join(self.known)}",
                )
                continue
            if region.key in first:
                earlier = first[region.key]
                plan = f" for plan {region.plan!r}" if region.plan else ""
                self.problem(
                    region.begin_line,
                    begin_column,
                    "duplicate",
                    f"region {region.name!r}{plan} appears twice (first at line "
                    f"{earlier.begin_line}); only the first is used",
                    "remove one of the two regions, or give them different plan= attributes",
                )
                continue
            first[region.key] = region
            kept.append(region)
        return kept


def _simple_regions(lines: list[str]) -> list[tuple[int, int]]:
    """(start, stop) 0-based line ranges of regions that hold nothing but one pipe table.

    Such a region is a strict begin marker at column 0 after a blank line (or on line 1), lines
    of ``simple_shape``, then its strict end marker. Blanking those lines leaves every block of
    the doc as it was (a blank line before the marker means no HTML block swallows it; the table
    lines can neither end nor start another block), so the markdown parse can skip them.
    """
    found = []
    index = 0
    while index < len(lines):
        line = lines[index]
        match = _MARKER_RE.fullmatch(line.rstrip()) if line.startswith("<!--") else None
        if match is None or match["kind"] != "begin" or (index > 0 and lines[index - 1].strip()):
            index += 1
            continue
        stop = index + 1
        while stop < len(lines) and lines[stop].startswith("|"):
            stop += 1
        end = _MARKER_RE.fullmatch(lines[stop].rstrip()) if stop < len(lines) else None
        if (
            end is not None
            and lines[stop].startswith("<!--")
            and end["kind"] == "end"
            and end["name"] == match["name"]
            and simple_shape(lines[index + 1 : stop])
        ):
            found.append((index + 1, stop))
        index = stop
    return found


def scan(text: str, known: Collection[str] = KNOWN_REGIONS) -> tuple[list[Region], list[MarkerProblem]]:
    """Find the marker regions of a markdown doc and every problem with its markers.

    Markers are top-level ``html_block`` tokens (markdown-it-py, CommonMark + tables) whose whole
    stripped content is ``<!-- planlint:begin NAME [key=value ...] -->`` or
    ``<!-- planlint:end NAME -->``. Look-alikes in code are reported with ``kind="ignored"``;
    look-alikes elsewhere (inline, nested in lists/blockquotes, swallowed by other HTML) and
    structural mistakes are errors. Regions come in document order, one per (name, plan);
    unknown, nested, unbalanced and duplicate regions are left out. Problems are sorted by line.
    """
    regions, problems, _ = scan_tables(text, known)
    return regions, problems


def scan_tables(
    text: str, known: Collection[str] = KNOWN_REGIONS, fast: bool = True
) -> tuple[list[Region], list[MarkerProblem], dict[int, ParsedTable | None]]:
    """``scan``, plus the table of every region the parse had to read (by region index; None
    when the region holds no table). A region of nothing but a pipe table is not parsed as
    markdown at all and is not in the dict: ``read_table`` reads it with the table splitter.
    The markdown tokens are dropped before this returns. ``fast=False`` parses every region.
    """
    if text.startswith(BOM):
        text = text[1:]
    if not _LOOSE_RE.search(text):
        return [], [], {}
    raw_lines = split_lines(text)
    lines = [_strip_eol(line) for line in raw_lines]
    simple = _simple_regions(lines) if fast else []
    if simple:
        parsed_lines = list(raw_lines)
        for start, stop in simple:
            for i in range(start, stop):
                parsed_lines[i] = _ending(raw_lines[i])
        tokens = block_tokens("".join(parsed_lines))
    else:
        tokens = block_tokens(text)
    scanner = _Scanner(lines, known)
    for token in tokens:
        if token.type == "html_block":
            scanner.html_block(token)
        elif token.type == "fence":
            scanner.code(token, "a fenced code block")
        elif token.type == "code_block":
            scanner.code(token, "an indented code block")
        elif token.type == "inline":
            scanner.inline(token)
    regions = scanner.pair()
    problems = sorted(scanner.problems, key=lambda p: (p.line, p.column, p.kind))
    starts = {start for start, _ in simple}
    tables = {
        i: _table_in(tokens, region, lines)
        for i, region in enumerate(regions)
        if region.content_start not in starts
    }
    return regions, problems, tables


def _table_in(tokens: list[Token], region: Region, lines: list[str]) -> ParsedTable | None:
    """The region's first top-level table; `lines` are the parsed text's lines without endings."""
    for index, token in enumerate(tokens):
        if token.type != "table_open" or token.level != 0 or not token.map:
            continue
        if token.map[0] >= region.content_end:
            break
        if token.map[0] >= region.content_start:
            found = table_from_tokens(tokens, index)
            return None if found is None else with_wide_rows(found, lines)
    return None


# --------------------------------------------------------------------------- reading


def _check_region(lines: list[str], region: Region) -> None:
    if not (0 < region.content_start <= region.content_end < len(lines)):
        raise ValueError(f"region {region.name!r} does not fit this text ({len(lines)} lines)")
    if (
        "planlint:begin" not in lines[region.content_start - 1]
        or "planlint:end" not in lines[region.content_end]
    ):
        raise ValueError(f"region {region.name!r} markers are not where the region says")


def region_lines(text: str, region: Region) -> list[str]:
    """The lines strictly between the region's markers, without line endings."""
    lines = split_lines(text)
    _check_region(lines, region)
    return [_strip_eol(line) for line in lines[region.content_start : region.content_end]]


def read_table(text: str, region: Region) -> ParsedTable | None:
    """The first pipe table between the region's markers, or None.

    A region of nothing but a pipe table is read with the table splitter; any other is parsed
    with markdown-it-py. Line numbers in the result are the doc's (1-based).
    """
    text = text.removeprefix(BOM)
    lines = split_lines(text)
    _check_region(lines, region)
    content = [_strip_eol(line) for line in lines[region.content_start : region.content_end]]
    if not content:
        return None
    simple = read_simple_table(content, region.content_start + 1)
    if simple is not None:
        return simple
    return _table_in(block_tokens(text), region, [_strip_eol(line) for line in lines])


# --------------------------------------------------------------------------- writing


def _clean_new_lines(new_lines: list[str]) -> list[str]:
    cleaned: list[str] = []
    for item in new_lines:
        cleaned.extend(_strip_eol(part) for part in split_lines(_strip_eol(item)) or [""])
    return cleaned


def replace_region(text: str, region: Region, new_lines: list[str]) -> str:
    """``text`` with only the lines between the region's markers replaced by ``new_lines``.

    Every byte outside the region is kept: BOM, line endings, trailing spaces, a missing final
    newline. New lines get the doc's dominant line ending. ``new_lines`` carry no line endings
    (a trailing one is dropped; an embedded one splits the item into lines).
    """
    lines = split_lines(text)
    _check_region(lines, region)
    eol = dominant_newline(text, region)
    replacement = [line + eol for line in _clean_new_lines(new_lines)]
    return "".join(lines[: region.content_start] + replacement + lines[region.content_end :])


_HUNK_RE = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def _shift_hunk(header: str, offset: int) -> str:
    match = _HUNK_RE.match(header)
    if match is None:  # pragma: no cover - difflib always writes this form
        return header
    old, old_len, new, new_len = match.groups()
    return (
        f"@@ -{int(old) + offset}{old_len or ''} +{int(new) + offset}{new_len or ''} @@"
        + header[match.end() :]
    )


def region_diff(path: str, text: str, region: Region, new_lines: list[str], context: int = 3) -> str:
    """A unified diff of the region (markers as context) with the doc's real line numbers.

    Headers are ``--- a/PATH`` / ``+++ b/PATH``; compared without line endings, so a CRLF doc
    does not differ from LF output. Returns "" when nothing changes.
    """
    lines = split_lines(text.removeprefix(BOM))
    _check_region(lines, region)
    first = region.content_start - 1  # the begin marker
    old = [_strip_eol(line) for line in lines[first : region.content_end + 1]]
    new = [old[0], *_clean_new_lines(new_lines), old[-1]]
    if old == new:
        return ""
    from planlint.doc.linediff import unified_diff  # only when a diff is asked for

    out: list[str] = []
    for line in unified_diff(old, new, f"a/{path}", f"b/{path}", n=context):
        out.append(_shift_hunk(line, first) if line.startswith("@@") else line)
    return "\n".join(out) + "\n"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


#: How old a temp file of ours must be before a later write removes it as a leftover of a
#: killed run (a write in flight takes milliseconds; this leaves concurrent writers alone).
STALE_TEMP_SECONDS = 300


def _temp_pattern(name: str) -> re.Pattern[str]:
    """The names `tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp")` gives."""
    return re.compile(rf"\.{re.escape(name)}\.[A-Za-z0-9_]{{8}}\.tmp")


def remove_stale_temps(target: Path, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove this file's own temp files that a killed write left behind; returns them.

    Only regular files named like ours, owned by this user and older than `older_than` seconds.
    """
    import time

    pattern = _temp_pattern(target.name)
    now = time.time()
    uid = os.getuid() if hasattr(os, "getuid") else None
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if (
                stat.S_ISREG(info.st_mode)
                and (uid is None or info.st_uid == uid)
                and now - info.st_mtime > older_than
            ):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def write_root(path: Path) -> Path:
    """The folder a write of `path` must stay inside: its git repository, else its own folder.

    Outside a repository the user named the file, so it is theirs wherever it lies; a symlink
    from it to another folder is still refused.
    """
    start = real_path(Path(os.path.abspath(path)).parent)
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def atomic_write(
    path: Path,
    data: bytes,
    root: Path | None = None,
    expected: bytes | None = None,
    force: bool = False,
) -> None:
    """Replace ``path``'s content with ``data`` atomically (temp file in the same folder, fsync,
    ``os.replace``), keeping the file's permission bits.

    A symlink is written through: its target is replaced and the link kept. With ``root``, a path
    that resolves outside ``root`` (e.g. a symlink pointing out of the repository) raises
    ``WriteRefused``; so does ``expected`` when the file no longer holds those bytes, and a
    read-only file unless ``force``. On any failure the temp file is removed and the original
    file is left as it was; temp files of earlier, killed writes of this file are removed.
    """
    path = Path(path)
    target = Path(os.path.realpath(path))
    if root is not None and not _inside(target, Path(os.path.realpath(root))):
        via = f" (symlink to {target})" if target != Path(os.path.abspath(path)) else ""
        raise WriteRefused(f"refusing to write {path}{via}: it is outside {root}")
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
        exists = True
    except FileNotFoundError:
        mode, exists = _default_mode(), False
    if exists and not force and (not mode & 0o222 or not os.access(target, os.W_OK)):
        raise WriteRefused(f"refusing to write {path}: it is read-only (--force writes it anyway)")
    if expected is not None:
        try:
            current = target.read_bytes()
        except FileNotFoundError:
            current = None
        if current != expected:
            raise WriteRefused(f"refusing to write {path}: it changed since it was read")
    remove_stale_temps(target)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):  # Windows: directories cannot be opened for fsync
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
