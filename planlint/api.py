"""The public Python API: the same code path as `planlint check`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from planlint.config import Config, load_config
from planlint.finding import Finding


def lint(paths: Sequence[str | Path], config: Config | None = None) -> list[Finding]:
    """Check plans, docs or folders and return the findings, sorted by path, line and column."""
    from planlint.engine import Options, run

    return run(paths, config or load_config(), Options()).findings
