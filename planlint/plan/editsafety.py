"""Where new lines go after a YAML node, and the data-level check that a surgical edit lost nothing.

Surgical edits of plan.yaml splice text in at line boundaries. Two facts decide whether that is
safe: where a collection's content ends (as the parser sees it: a block scalar's lines that start
with `#`, and the blank lines `|+` keeps, are content; the loader records it on every node as
`content_end`) and whether the re-parsed document equals the old one plus exactly the intended
change. The line arithmetic and the check live here, next to a line splitter that breaks lines
where the parser counts them.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from planlint.plan.load import Mark

#: What the YAML parser (libyaml and ruamel's reader) counts as a line break.
_BREAK = re.compile(r"\r\n|\r|\n|\x85|\u2028|\u2029")


class DataChanged(Exception):
    """The edited document does not hold the old data plus exactly the intended change."""


def parser_lines(text: str) -> list[str]:
    """`text` split into lines that keep their endings, breaking where the YAML parser does."""
    out: list[str] = []
    start = 0
    for m in _BREAK.finditer(text):
        out.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


def line_break_of(text: str) -> str:
    """The file's own line ending: the most frequent of CRLF, CR and LF (LF when there is none)."""
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    best = max((crlf, "\r\n"), (lf, "\n"), (cr, "\r"), key=lambda pair: pair[0])
    return best[1] if best[0] else "\n"


def ends_with_break(line: str) -> bool:
    """Does this line (from `parser_lines`) carry its line ending?"""
    return bool(line) and _BREAK.search(line[-2:]) is not None


def strip_break(line: str) -> tuple[str, str]:
    """A line's body and its line ending."""
    tail = line[-2:]
    m = _BREAK.search(tail)
    if m is None:
        return line, ""
    cut = len(line) - len(tail) + m.start()
    return line[:cut], line[cut:]


def lines_before(lines: list[str], end: Mark) -> int:
    """How many lines to keep before inserting new lines after content that ends at `end`.

    A mark at the start of a line (or after only indentation) means the content ended on the
    line before; a mark after other text means it ended on that line.
    """
    line, column = end
    if line >= len(lines):
        return len(lines)
    if lines[line][:column].strip(" \t"):
        return line + 1
    return line


# --------------------------------------------------------------------------- data-level check


def _walk_diff(old: Any, new: Any, path: str) -> Iterator[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old:
            if key not in new:
                yield f"{path}.{key}" if path else str(key)
                return
        for key in new:
            sub = f"{path}.{key}" if path else str(key)
            if key not in old:
                yield sub
                return
            yield from _walk_diff(old[key], new[key], sub)
        return
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            yield f"{path} (length {len(old)} -> {len(new)})"
            return
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _walk_diff(a, b, f"{path}[{i}]")
        return
    if type(old) is not type(new):
        yield path or "the document"
    elif isinstance(old, float) and math.isnan(old) and math.isnan(new):
        return
    elif old != new:
        yield path or "the document"


def first_difference(old: Any, new: Any) -> str | None:
    """The path of the first place two plain data trees differ (types compared too), or None."""
    for where in _walk_diff(old, new, ""):
        return where
    return None


def plain_copy(data: Any) -> Any:
    """A deep copy of loaded plan data as plain dicts and lists (positions dropped)."""
    if isinstance(data, dict):
        return {k: plain_copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain_copy(v) for v in data]
    return copy.copy(data)


def verify_edit(old_data: Any, new_text: str, intended: Callable[[Any], None]) -> Any:
    """Refuse (DataChanged) unless `new_text` loads to `old_data` with `intended` applied.

    `intended` mutates a plain copy of the old data the way the edit meant to change it; the
    re-parsed new document must equal that copy exactly: nothing lost, nothing else changed.
    Returns the Loaded of `new_text` (so a caller need not parse it again).
    """
    from pathlib import Path

    from planlint.plan.load import load_plan

    expected = plain_copy(old_data)
    intended(expected)
    reloaded = load_plan(Path("plan.yaml"), text=new_text)
    if reloaded.fatal or any(h.rule == "PL002" for h in reloaded.hits):
        raise DataChanged("the edit would break the YAML; nothing written")
    where = first_difference(expected, reloaded.data)
    if where is not None:
        raise DataChanged(f"the edit would change {where} beyond what was intended; nothing written")
    return reloaded
