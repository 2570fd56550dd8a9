"""Paths as the user sees them: display form, the repository around a file, symlinks that leave it."""

from __future__ import annotations

import os
from pathlib import Path


def display_path(path: Path, cwd: Path | None = None) -> str:
    """POSIX path relative to the working folder when it lies below it."""
    cwd = cwd or Path.cwd()
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        rel = os.path.relpath(path.resolve(), cwd.resolve())
        return Path(rel).as_posix() if not rel.startswith("..") else path.resolve().as_posix()


def repo_root(start: Path) -> Path:
    """The repository around `start` (its .git), else the working folder."""
    start = start.resolve()
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
    target = path.resolve()
    try:
        target.relative_to(repo_root(path.absolute().parent))
    except ValueError:
        return target
    return None
