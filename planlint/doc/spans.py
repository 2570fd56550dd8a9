"""Where a doc finding ends: a generated region through its end marker, else its line's text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planlint.plan.load import Pos, split_lines

if TYPE_CHECKING:
    from planlint.doc.docs import Doc


class DocSpans:
    """Ends of the doc places findings point at, from the doc's text and regions."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self._lines: list[str] | None = None

    def end_at_path(self, path: tuple[Any, ...], key: bool, start: Pos) -> Pos | None:
        """Doc hits name no plan node: always None (their end comes from `end_at`)."""
        return None

    def end_at(self, start: Pos) -> Pos | None:
        """A finding on a region's begin marker covers the region to its end marker; any other
        covers the rest of its line (a table row, a marker). None for a doc with no text."""
        if not self.doc.text:
            return None
        if self._lines is None:
            self._lines = split_lines(self.doc.text)
        lines = self._lines
        line, column = start
        for region in self.doc.regions:
            if region.begin_line == line and column == 1 and region.end_line <= len(lines):
                return (region.end_line, len(lines[region.end_line - 1].rstrip()) + 1)
        if not 1 <= line <= len(lines):
            return None
        end = len(lines[line - 1].rstrip()) + 1
        return (line, end) if end > column else None
