"""planlint: a plan-as-code checker for ML fine-tuning experiments."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "lint"]


def lint(paths, config=None):  # type: ignore[no-untyped-def]
    """Check plans and docs at ``paths``; return the list of findings (same path as the CLI)."""
    from planlint.api import lint as _lint

    return _lint(paths, config=config)
