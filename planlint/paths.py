"""Paths as the user sees them: display form, the repository around a file, symlinks that leave it."""

from __future__ import annotations

import os
from pathlib import Path


def real_path(path: str | Path) -> Path:
    """`path` absolute with symlinks resolved as far as they go: unlike `Path.resolve()` never
    raises, so a link that loops or dangles is reported where it is read, not a crash."""
    return Path(os.path.realpath(path))


def display_path(path: Path, cwd: Path | None = None) -> str:
    """POSIX path relative to the working folder when it lies below it."""
    cwd = real_path(cwd or Path.cwd())
    # the folder resolved, the file's own name kept: a symlinked plan shows as the name the user
    # gave, and a link that loops or dangles is shown (and then reported), not resolved
    where = real_path(path.absolute().parent) / path.name if path.name else real_path(path)
    try:
        return where.relative_to(cwd).as_posix()
    except ValueError:
        rel = os.path.relpath(where, cwd)
        return Path(rel).as_posix() if not rel.startswith("..") else where.as_posix()


def repo_root(start: Path) -> Path:
    """The repository around `start` (its .git), else the working folder."""
    start = real_path(start)
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return Path.cwd().resolve()


def is_inside(path: str | Path, root: str | Path) -> bool:
    """Does `path`, with symlinks resolved, stay inside `root` (already resolved)?"""
    real = os.path.realpath(path)
    root = str(root)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def symlink_outside_repo(path: Path) -> Path | None:
    """The target of a symlink that leaves the repository around `path`, else None."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a loop or a dangling link: reading it says which
        return None
    try:
        target.relative_to(repo_root(path.absolute().parent))
    except ValueError:
        return target
    return None
