"""Lines of plan.yaml that planlint writes (`init`, the runs `fix --runs` adds) within yamllint's
default line length.

A `key: value` line longer than `MAX_LINE` is written on several lines that read back as the
same string: a double-quoted value is broken after a space with an escaped line break (`\\`
at the end of the line, which YAML drops together with the next line's indentation); a plain
value (a path, a name: no spaces) moves to the next line on its own, where yamllint's
`allow-non-breakable-words` lets a single long word be.
"""

from __future__ import annotations

import re

#: yamllint's default `line-length: max`.
MAX_LINE = 80

#: Break points of a double-quoted scalar's inner text: after a space, before a non-space (so
#: no escape sequence is split and no leading space of a line is lost to YAML's folding).
_BREAK = re.compile(r"(?<= )(?=[^ ])")


def entry(prefix: str, key: str, scalar: str) -> list[str]:
    """`{prefix}{key}: {scalar}` as one line, or as several when it is longer than `MAX_LINE`.

    `prefix` is the indentation, with `- ` when the key opens a sequence item; `scalar` is the
    value as YAML text (plain, or double-quoted with escapes).
    """
    line = f"{prefix}{key}: {scalar}"
    if len(line) <= MAX_LINE:
        return [line]
    inner = " " * (len(prefix) + 2)
    if scalar.startswith('"') and scalar.endswith('"') and len(scalar) >= 2:
        return _broken(f"{prefix}{key}: ", inner, scalar)
    if " " not in scalar:
        return [f"{prefix}{key}:", f"{inner}{scalar}"]
    return [line]


def _broken(first: str, inner: str, scalar: str) -> list[str]:
    """A double-quoted scalar over several lines, each within `MAX_LINE` where a space allows."""
    pieces = _BREAK.split(scalar)
    lines: list[str] = []
    current = first
    started = False  # the current line holds a piece of the scalar
    for piece in pieces:
        if started and len(current) + len(piece) + 1 > MAX_LINE:
            lines.append(current + "\\")
            current, started = inner, False
        current += piece
        started = True
    lines.append(current)
    return lines
