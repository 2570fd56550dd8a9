"""Findings as LSP diagnostics, and positions between planlint's and the editor's units.

planlint counts 1-based lines and code-point columns; LSP counts 0-based lines split at `\\n`,
`\\r\\n` or `\\r` and columns in the negotiated encoding (UTF-16 unless the client offers
another). `Lines` does both conversions for one text.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable

from lsprotocol import types

from planlint.finding import Finding, Severity

#: The README, where every rule has an anchor (`<a id="pl213">`) in the rules table.
README_URL = "https://github.com/planlint/planlint/blob/main/README.md"
SOURCE = "planlint"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
_BREAK = re.compile(r"\r\n|\r|\n")
#: Characters that end an unquoted token (a YAML plain scalar in flow context, a word).
_TOKEN_END = set(" \t,{}[]#")


def rule_url(rule_id: str) -> str:
    """The documentation of one rule: its row in the README's rules table (`#pl213`)."""
    return f"{README_URL}#{rule_id.lower()}"


class Lines:
    """One text's lines as LSP sees them, with offset and encoding conversions."""

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.text = text
        self.encoding = encoding
        if "\r" in text:
            self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]
        else:  # the usual text: the line starts from the line lengths (10,000 runs: 60,000 lines)
            ends = list(itertools.accumulate(len(line) + 1 for line in text.split("\n")))
            self.starts = [0, *ends[:-1]]

    def __len__(self) -> int:
        return len(self.starts)

    def line(self, index: int) -> str:
        """Line `index` (0-based) without its line break; '' past the end."""
        if index < 0 or index >= len(self.starts):
            return ""
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[index] : end].rstrip("\r\n")

    def _units(self, chars: str) -> int:
        if self.encoding == types.PositionEncodingKind.Utf32:
            return len(chars)
        if self.encoding == types.PositionEncodingKind.Utf8:
            return len(chars.encode("utf-8", "surrogatepass"))
        return len(chars.encode("utf-16-le", "surrogatepass")) // 2

    def position(self, line: int, char: int) -> types.Position:
        """0-based line and code-point column as an LSP position (clamped to the text)."""
        line = max(0, min(line, len(self.starts) - 1))
        body = self.line(line)
        return types.Position(line, self._units(body[: max(0, min(char, len(body)))]))

    def position_at(self, offset: int) -> types.Position:
        """An offset into the text as an LSP position."""
        line = bisect.bisect_right(self.starts, offset) - 1
        return self.position(line, offset - self.starts[line])

    def char_of(self, pos: types.Position) -> tuple[int, int]:
        """An LSP position as a 0-based (line, code-point column)."""
        line = max(0, min(pos.line, len(self.starts) - 1))
        body = self.line(line)
        units = 0
        for i, ch in enumerate(body):
            if units >= pos.character:
                return line, i
            units += self._units(ch)
        return line, len(body)

    def offset_of(self, pos: types.Position) -> int:
        line, char = self.char_of(pos)
        return self.starts[line] + char

    def token_end(self, line: int, char: int) -> int:
        """Code-point column just after the token starting at (line, char): a quoted scalar,
        or characters up to a space, a comma, a bracket or a comment."""
        body = self.line(line)
        if char >= len(body):
            return len(body)
        quote = body[char]
        if quote in "\"'":
            i = char + 1
            while i < len(body):
                if body[i] == "\\" and quote == '"':
                    i += 2
                    continue
                if body[i] == quote:
                    return i + 1
                i += 1
            return len(body)
        i = char
        while i < len(body) and body[i] not in _TOKEN_END:
            i += 1
        # a `key:` token ends before its colon
        if i > char and body[i - 1] == ":":
            i -= 1
        return i if i > char else min(len(body), char + 1)


def finding_range(lines: Lines, finding: Finding) -> types.Range:
    """The finding's start and end (end: its own, else the token at its start)."""
    line, char = finding.line - 1, finding.column - 1
    start = lines.position(line, char)
    if finding.end_line is not None and finding.end_column is not None:
        end = lines.position(finding.end_line - 1, finding.end_column - 1)
        if (end.line, end.character) > (start.line, start.character):
            return types.Range(start, end)
    return types.Range(start, lines.position(line, lines.token_end(line, char)))


def to_diagnostic(lines: Lines, finding: Finding, uri: str) -> types.Diagnostic:
    """One finding as a diagnostic: code = rule id, the hint after the message."""
    message = finding.message if not finding.hint else f"{finding.message}\n{finding.hint}"
    related = None
    if finding.related:
        related = []
        for r_line, r_col, note in finding.related:
            line, char = r_line - 1, r_col - 1
            where = types.Range(lines.position(line, char), lines.position(line, lines.token_end(line, char)))
            related.append(types.DiagnosticRelatedInformation(types.Location(uri, where), note))
    return types.Diagnostic(
        range=finding_range(lines, finding),
        message=message,
        severity=_SEVERITY[finding.severity],
        code=finding.rule,
        code_description=types.CodeDescription(href=rule_url(finding.rule)),
        source=SOURCE,
        related_information=related,
        data={"rule": finding.rule},
    )


def to_diagnostics(text: str, findings: Iterable[Finding], uri: str, encoding: str) -> list[types.Diagnostic]:
    """Every finding of one file as diagnostics."""
    lines = Lines(text, encoding)
    return [to_diagnostic(lines, f, uri) for f in findings]
