"""All Runs table text: render (seed / aligned), parse back, compare cell by cell, Est. Time."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from planlint.config import TABLE_STYLES

if TYPE_CHECKING:  # pragma: no cover - typing only
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

__all__ = [
    "STYLES",
    "ParsedTable",
    "block_tokens",
    "cells_equal",
    "display_width",
    "escape_cell",
    "explain_drift",
    "format_table",
    "normalize_cell",
    "normalize_rows",
    "parse_table",
    "read_simple_table",
    "simple_shape",
    "split_row",
    "table_from_tokens",
    "table_style_of",
    "with_wide_rows",
]

#: Table styles ``format_table`` knows; ``seed`` is the default. ``compact`` is ``seed`` with
#: three-character delimiter cells (``|---|:-:|``): a doc written that way keeps it.
STYLES = TABLE_STYLES

_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
_WS_RE = re.compile(r"\s+")
# A cell that escape_cell leaves as it is: no pipe, no line break, no edge whitespace.
_PLAIN_CELL_RE = re.compile(r"(?:[^|\s](?:[^|\r\n]*[^|\s])?)?")
# A CommonMark backslash escape: a backslash before any ASCII punctuation character.
_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")


# --------------------------------------------------------------------------- rendering


def escape_cell(text: str) -> str:
    """Return ``text`` as one table cell's markdown: newlines become a space, ``|`` becomes ``\\|``.

    Leading and trailing whitespace is dropped (markdown would drop it anyway).
    """
    if _PLAIN_CELL_RE.fullmatch(text):
        return text
    return _NEWLINE_RE.sub(" ", text).strip().replace("|", "\\|")


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide/fullwidth count 2, combining marks 0."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _delimiter(width: int, align: str) -> str:
    if align == "left":
        return ":" + "-" * (width - 1)
    if align == "right":
        return "-" * (width - 1) + ":"
    if align == "center":
        return ":" + "-" * max(1, width - 2) + ":"
    return "-" * width


def format_table(
    header: list[str],
    rows: list[list[str]],
    style: str = "seed",
    aligns: Sequence[str] | None = None,
) -> list[str]:
    """Render a pipe table as lines without line endings.

    ``seed``: one space each side of every cell, columns not aligned, the separator cell has as
    many dashes as its header cell is wide including the two spaces (``| Run Name |`` ->
    ``|----------|``); ``compact``: the same with three-character separator cells (``|---|``). ``aligned``: every column padded to max(3, widest cell) display columns and
    left-aligned, delimiter cells ``---`` padded with dashes, as mdformat-tables writes them.
    ``aligns`` gives a column alignment (``left``, ``right``, ``center`` or ``""``) per column,
    written as colons in the delimiter row; cells stay as they are.

    Raises ``ValueError`` for an unknown style, an empty header, or a row whose cell count differs
    from the header's.
    """
    if style not in STYLES:
        raise ValueError(f"unknown table style {style!r}; expected one of {', '.join(STYLES)}")
    if not header:
        raise ValueError("a table needs at least one column")
    ncols = len(header)
    for index, row in enumerate(rows):
        if len(row) != ncols:
            raise ValueError(f"row {index + 1} has {len(row)} cells, the header has {ncols}")
    head = [escape_cell(cell) for cell in header]
    body = [[escape_cell(cell) for cell in row] for row in rows]
    align = [(aligns[c] if aligns is not None and c < len(aligns) else "") for c in range(ncols)]

    if style in ("seed", "compact"):
        lines = ["| " + " | ".join(head) + " |"]
        lines.append(
            "|"
            + "|".join(
                _delimiter(3 if style == "compact" else display_width(cell) + 2, align[c])
                for c, cell in enumerate(head)
            )
            + "|"
        )
        lines.extend("| " + " | ".join(row) + " |" for row in body)
        return lines

    widths = [max(3, display_width(cell)) for cell in head]
    for row in body:
        for col, cell in enumerate(row):
            widths[col] = max(widths[col], display_width(cell))
    lines = ["| " + " | ".join(_pad(cell, widths[c]) for c, cell in enumerate(head)) + " |"]
    lines.append("| " + " | ".join(_delimiter(width, align[c]) for c, width in enumerate(widths)) + " |")
    lines.extend(
        "| " + " | ".join(_pad(cell, widths[c]) for c, cell in enumerate(row)) + " |" for row in body
    )
    return lines


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class ParsedTable:
    """The cells of one markdown pipe table, as markdown-it-py read them.

    Cells are stripped and ``\\|`` is unescaped (markdown-it-py 4 already does this; 3.x does
    not). Lines are 1-based lines of the document the table was read from.
    """

    header: list[str]
    rows: list[list[str]]
    header_line: int
    row_lines: list[int] = field(default_factory=list)
    end_line: int = 0  # last line of the table (1-based, inclusive)
    aligns: list[str] = field(default_factory=list)  # "", "left", "right" or "center" per column
    #: rows (by index) with more cells than the header -> their cell count: markdown drops the
    #: surplus cells (an unescaped `|`, in a code span too, splits a cell), so they are lost text
    wide: dict[int, int] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # Cells are the table rule's inline ``.content``; the inline pass is not needed (and is the
    # slow half of parsing a 10,000-row table).
    return MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])


def block_tokens(text: str) -> list[Token]:
    """Block-level markdown-it-py tokens of ``text`` (CommonMark + tables, HTML on, no inline
    pass: ``inline`` tokens carry ``.content`` but no children)."""
    return _block_parser().parse(text)


def _cell_text(content: str) -> str:
    return content.replace("\\|", "|").strip()


def table_from_tokens(tokens: Sequence[Token], start: int = 0, first_line: int = 1) -> ParsedTable | None:
    """The table whose ``table_open`` is the first one at or after ``tokens[start]``, or None.

    ``first_line`` is the 1-based document line of the parsed text's first line.
    """
    begin = next((i for i in range(start, len(tokens)) if tokens[i].type == "table_open"), None)
    if begin is None:
        return None
    table_map = tokens[begin].map or [0, 0]
    header: list[str] = []
    aligns: list[str] = []
    rows: list[list[str]] = []
    row_lines: list[int] = []
    header_line = table_map[0] + first_line
    in_head = False
    current: list[str] | None = None
    for tok in tokens[begin + 1 :]:
        kind = tok.type
        if kind == "inline":
            if current is not None:
                current.append(_cell_text(tok.content))
        elif kind == "tr_open":
            current = header if in_head else []
            line = (tok.map[0] if tok.map else table_map[0]) + first_line
            if in_head:
                header_line = line
            else:
                rows.append(current)
                row_lines.append(line)
        elif kind == "th_open":
            style = str(tok.attrGet("style") or "")
            aligns.append(style.partition("text-align:")[2].strip())
        elif kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "table_close":
            break
    return ParsedTable(
        header=header,
        rows=rows,
        header_line=header_line,
        row_lines=row_lines,
        end_line=table_map[1] - 1 + first_line,
        aligns=aligns,
    )


def _surplus(cells: Sequence[str], ncols: int) -> bool:
    """A row has text beyond its header's cells (empty ones, a stray `||` at its end, lose none)."""
    return len(cells) > ncols and any(cells[ncols:])


def with_wide_rows(table: ParsedTable, lines: Sequence[str], first_line: int = 1) -> ParsedTable:
    """``table`` with its ``wide`` rows found in the source ``lines`` it was parsed from (no line
    endings; ``first_line`` is the 1-based line of ``lines[0]``): the markdown parse drops a
    row's surplus cells without a trace, the table splitter still sees them."""
    ncols = len(table.header)
    wide = {}
    for index, line in enumerate(table.row_lines):
        at = line - first_line
        if 0 <= at < len(lines) and lines[at].count("|") >= ncols:
            cells = split_row(lines[at])
            if _surplus(cells, ncols):
                wide[index] = len(cells)
    if not wide:
        return table
    from dataclasses import replace

    return replace(table, wide=wide)


def parse_table(text: str, first_line: int = 1) -> ParsedTable | None:
    """Read the first pipe table in markdown ``text`` with markdown-it-py, or None if there is none.

    ``first_line`` is the 1-based document line of ``text``'s first line, so that the line numbers
    in the result are the document's.
    """
    if "|" not in text:
        return None
    text = text.removeprefix("\ufeff")
    table = table_from_tokens(block_tokens(text), 0, first_line)
    if table is None:
        return None
    return with_wide_rows(table, _NEWLINE_RE.split(text), first_line)


# A delimiter row as markdown-it-py's table rule accepts it (checked further per cell).
_DELIMITER_RE = re.compile(r"[-:|][-:|\s]*\Z")
_DELIMITER_CELL_RE = re.compile(r":?-+:?\Z")
#: markdown-it-py stops a table once it has padded this many missing cells.
_MAX_AUTOCOMPLETED = 0x10000


def split_row(line: str) -> list[str]:
    """The cells of one table line, split the way markdown-it-py's table rule splits them."""
    from markdown_it.common.utils import mdTrim
    from markdown_it.rules_block.table import escapedSplit

    line = mdTrim(line)
    # without a backslash there is no escaped pipe, and markdown-it's split is a plain split
    columns = line.split("|") if "\\" not in line else escapedSplit(line)
    if columns and columns[0] == "":
        columns.pop(0)
    if columns and columns[-1] == "":
        columns.pop()
    return [_cell_text(column) for column in columns]


def _aligns(delimiter: str) -> list[str] | None:
    """Column alignments of a delimiter row, or None when it is not one."""
    if not _DELIMITER_RE.match(delimiter) or (delimiter[:1] == "-" and delimiter[1:2].isspace()):
        return None
    parts = delimiter.split("|")
    aligns = []
    for i, part in enumerate(parts):
        cell = part.strip()
        if not cell:
            if i in (0, len(parts) - 1):
                continue
            return None
        if not _DELIMITER_CELL_RE.match(cell):
            return None
        if cell.endswith(":"):
            aligns.append("center" if cell.startswith(":") else "right")
        else:
            aligns.append("left" if cell.startswith(":") else "")
    return aligns


def _unescaped_pipes(line: str) -> int:
    return line.count("|") - line.count("\\|")


def simple_shape(lines: Sequence[str]) -> bool:
    """True when ``lines`` (without line endings) are exactly one pipe table, every line a table
    line at column 0 that cannot end or start any other markdown block (no ``>``, no ``<!--``).

    Such lines read the same with ``split_row`` as with a markdown-it-py parse, and blanking them
    changes nothing else about the document's blocks.
    """
    if len(lines) < 2 or not lines[0].startswith("|") or not lines[1].startswith("|"):
        return False
    aligns = _aligns(lines[1].strip())
    if aligns is None or len(split_row(lines[0])) != len(aligns):
        return False
    ncols = len(aligns)
    check_counts = (len(lines) - 2) * ncols > _MAX_AUTOCOMPLETED
    for line in lines:
        if not line.startswith("|") or ">" in line or "<!--" in line:
            return False
        if check_counts and _unescaped_pipes(line) - 1 < ncols:
            return False
    return True


def read_simple_table(lines: Sequence[str], first_line: int = 1) -> ParsedTable | None:
    """Read a table of ``simple_shape`` lines with ``split_row`` (no markdown parse), or None
    when the lines are not of that shape. ``first_line`` is the 1-based line of ``lines[0]``."""
    if not simple_shape(lines):
        return None
    header = split_row(lines[0])
    aligns = _aligns(lines[1].strip()) or []
    ncols = len(header)
    rows = []
    wide = {}
    for index, line in enumerate(lines[2:]):
        cells = split_row(line)
        if _surplus(cells, ncols):
            wide[index] = len(cells)
        rows.append(cells[:ncols] + [""] * (ncols - len(cells)))
    return ParsedTable(
        header=header,
        rows=rows,
        header_line=first_line,
        row_lines=list(range(first_line + 2, first_line + len(lines))),
        end_line=first_line + len(lines) - 1,
        aligns=aligns,
        wide=wide,
    )


def table_style_of(lines: Sequence[str]) -> str | None:
    """The ``format_table`` style a table is written in (from its delimiter row), or None."""
    for index, line in enumerate(lines[:-1]):
        if line.startswith("|"):
            delimiter = lines[index + 1]
            if delimiter.startswith(("|-", "|:")):
                cells = delimiter.strip().strip("|").split("|")
                compact = all(len(cell) == 3 for cell in cells) and any(
                    display_width(head.strip()) + 2 != 3 for head in split_row(line)
                )
                return "compact" if compact else "seed"
            if delimiter.startswith(("| -", "| :")):
                return "aligned"
            return None
    return None


# --------------------------------------------------------------------------- comparing


@lru_cache(maxsize=1 << 16)
def normalize_cell(text: str) -> str:
    """The cell as a reader sees it: whitespace runs collapsed, stripped, backslash escapes removed.

    Applied to both sides of a comparison, so ``\\|`` vs ``|``, padding added by a formatter and a
    formatter's extra escapes (``\\~``) are not differences. Cached: a sweep's table repeats
    its models, values and labels on every row.
    """
    return _ESCAPE_RE.sub(r"\1", _WS_RE.sub(" ", text).strip())


def normalize_rows(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """``normalize_cell`` applied to every cell."""
    return [[normalize_cell(cell) for cell in row] for row in rows]


def cells_equal(doc_rows: Sequence[Sequence[str]], plan_rows: Sequence[Sequence[str]]) -> bool:
    """True when both tables hold the same cells in the same order (see ``normalize_cell``).

    Pass the header as the first row on both sides to compare it too. Trailing empty cells are
    not ignored: a row with a missing cell differs.
    """
    return normalize_rows(doc_rows) == normalize_rows(plan_rows)


def _shown(value: str) -> str:
    return value if value else "empty"


def _get(row: Sequence[str], index: int) -> str:
    return normalize_cell(row[index]) if 0 <= index < len(row) else ""


#: Inline markup a researcher wraps a whole cell in: `name`, **name**, __name__, *name*, _name_,
#: ~~name~~, [name](url). The last group that matched is what the cell says.
_WRAPPED = re.compile(
    r"(`+)\s*(.+?)\s*\1|\*\*(.+)\*\*|__(.+)__|\*(.+)\*|_(.+)_|~~(.+)~~|\[(.+?)\]\([^()\s]*\)"
)


def cell_says(cell: str) -> str:
    """What a cell says, the way a reader sees it: ``normalize_cell``, then without inline markup
    wrapped around the whole of it (`` `Llama-3.2-1B_rank8` `` and ``**Llama-3.2-1B_rank8**`` say
    ``Llama-3.2-1B_rank8``), so formatting a run's name never unpairs its row."""
    text = normalize_cell(cell)
    while "`" in text or "*" in text or "_" in text or "~" in text or "[" in text:
        found = _WRAPPED.fullmatch(text)
        if found is None:
            break
        text = next(g for g in reversed(found.groups()) if g is not None).strip()
    return text


def row_keys(rows: Sequence[Sequence[str]], key: int | None) -> list[tuple[str, int]]:
    """Each row's key (what its `key` cell says, ``cell_says``) as (text, occurrence number), so
    duplicate keys still pair up; ("", n) for every row without such a cell."""
    seen: dict[str, int] = {}
    keys = []
    for row in rows:
        text = cell_says(row[key]) if key is not None and 0 <= key < len(row) else ""
        seen[text] = seen.get(text, 0) + 1
        keys.append((text, seen[text]))
    return keys


def _label(key: tuple[str, int], position: int) -> str:
    text, occurrence = key
    if not text:
        return f"row {position + 1}"
    return f"row {text}" if occurrence == 1 else f"row {text} (#{occurrence})"


def explain_drift(
    header: list[str],
    doc_rows: Sequence[Sequence[str]],
    plan_rows: Sequence[Sequence[str]],
    key_col: int = 0,
    doc_header: list[str] | None = None,
    compare_header: bool = True,
) -> list[str]:
    """Explain in plan terms how the doc's table differs from the plan's; [] when it does not.

    ``header`` is the plan's header; ``doc_header`` the doc's (defaults to ``header``). Rows are
    matched on the ``key_col`` column (the run name), and cells are compared by column name, so
    a changed column set is reported once (unless ``compare_header`` is false: the caller has
    said how the columns differ) and the shared columns are still compared.
    """
    plan_head = [normalize_cell(cell) for cell in header]
    doc_head = plan_head if doc_header is None else [normalize_cell(cell) for cell in doc_header]
    messages: list[str] = []
    if compare_header and doc_head != plan_head:
        messages.append(f"columns differ: doc has [{', '.join(doc_head)}], plan has [{', '.join(plan_head)}]")

    key_name = plan_head[key_col] if 0 <= key_col < len(plan_head) else None
    doc_key = doc_head.index(key_name) if key_name in doc_head else key_col
    doc_index = {name: i for i, name in reversed(list(enumerate(doc_head)))}
    shared = [(name, p, doc_index[name]) for p, name in enumerate(plan_head) if name in doc_index]

    plan_keys = row_keys(plan_rows, key_col)
    doc_keys = row_keys(doc_rows, doc_key)
    doc_by_key = {key: i for i, key in enumerate(doc_keys)}
    plan_key_set = set(plan_keys)

    for p_index, key in enumerate(plan_keys):
        d_index = doc_by_key.get(key)
        if d_index is None:
            messages.append(f"{_label(key, p_index)} is in the plan but not in the doc")
            continue
        plan_row, doc_row = plan_rows[p_index], doc_rows[d_index]
        for name, p_col, d_col in shared:
            plan_value, doc_value = _get(plan_row, p_col), _get(doc_row, d_col)
            if plan_value != doc_value:
                messages.append(
                    f"{_label(key, p_index)}: {name} is {_shown(doc_value)} in the doc, "
                    f"{_shown(plan_value)} in the plan"
                )
    for d_index, key in enumerate(doc_keys):
        if key not in plan_key_set:
            messages.append(f"{_label(key, d_index)} is in the doc but not in the plan")

    common_doc_order = [key for key in doc_keys if key in plan_key_set]
    doc_key_set = set(doc_keys)
    common_plan_order = [key for key in plan_keys if key in doc_key_set]
    if common_doc_order != common_plan_order:
        messages.append("rows are in a different order than in the plan")
    return messages
