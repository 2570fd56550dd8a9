"""Hits (a rule firing at a position) and findings (a hit with its file and severity)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Severity(str, enum.Enum):
    """How bad a finding is; configuration can re-grade any rule."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, order=False)
class Finding:
    """One problem found in one file, with a 1-based position (1:1 for a whole-file finding)."""

    rule: str
    severity: Severity
    message: str
    path: str
    line: int = 1
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None
    hint: str | None = None
    diff: str | None = None
    #: other places the finding involves: (line, column, what is there), e.g. the first of two duplicates
    related: tuple[tuple[int, int, str], ...] = ()

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.rule, self.message)

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "message": self.message,
            "hint": self.hint,
            "diff": self.diff,
        }


@dataclass(frozen=True)
class Hit:
    """A rule firing at a position, before configuration decides its severity."""

    rule: str
    line: int
    column: int
    message: str
    hint: str | None = None
    diff: str | None = None
    end_line: int | None = None
    end_column: int | None = None
    #: other places the hit involves: (line, column, what is there)
    related: tuple[tuple[int, int, str], ...] = ()
    #: the plan node the hit is about (a path into the data, and whether it means the key), so
    #: the engine can give a hit without an end the node's end (planlint.plan.spans)
    node: tuple[Any, ...] | None = None
    on_key: bool = False
