"""planlint: a plan-as-code checker for ML fine-tuning experiments."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from planlint._version import __version__

if TYPE_CHECKING:
    from planlint.config import Config
    from planlint.finding import Finding


__all__ = ["__version__", "lint"]


def lint(paths: Sequence[str | Path], config: Config | None = None) -> list[Finding]:
    """Check plans, docs or folders at `paths` and return the findings, sorted by path, line and
    column: the same code path as `planlint check`. Without `config`, the configuration that
    applies to the working folder is read (`[tool.planlint]` or `.planlint.toml`)."""
    from planlint.config import load_config
    from planlint.engine import Options, run
    from planlint.rules import check_config_selectors

    if config is None:
        config = load_config()
    check_config_selectors(config)
    return run(paths, config, Options()).findings
