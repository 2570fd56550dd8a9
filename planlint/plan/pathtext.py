"""Paths as a plan writes them: placeholders, and resolving a path against the plan's folder.

A leaf of the plan layer (no run or disk knowledge), so any module that reads a file the plan
names (`plan.disk`, `plan.datafile`, `plan.drift`) resolves it the same way.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planlint.plan.model import Plan

#: Placeholders cruijff_kit's fixtures and templates use instead of real folders.
PLACEHOLDER = re.compile(r"__[A-Z][A-Z0-9_]*__|\{[A-Za-z_][A-Za-z0-9_]*\}|\$\{?[A-Za-z_]")


def plan_path(plan: Plan, text: Any) -> Path | None:
    """A path written in the plan, resolved against the plan's folder; None when it is a placeholder."""
    if not isinstance(text, str) or not text.strip() or PLACEHOLDER.search(text):
        return None
    p = Path(text.strip())
    if text.startswith("~"):
        p = p.expanduser()
    return p if p.is_absolute() else plan.folder / p
