"""The errors that end a command with exit 2: a usage mistake, never a finding."""

from __future__ import annotations


class UsageError(Exception):
    """A mistake in how planlint was called (exit 2)."""
