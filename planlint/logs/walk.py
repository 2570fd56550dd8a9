"""Expand log globs without hanging: ``**`` walks each directory once (by device and inode), so
symlink loops end, and the walk stops after a bound on the directories it visits."""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_DIRS = 100_000  # directories visited per pattern before the walk stops
MAX_DEPTH = 64


def _segment_regex(seg: str) -> str:
    out = []
    i = 0
    while i < len(seg):
        c = seg[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = seg.find("]", i + 2 if seg[i + 1 : i + 2] in ("!", "]") else i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = seg[i + 1 : j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a glob where ``**`` as a whole segment matches zero or more directories."""
    parts = pattern.split("/")
    out = []
    for k, seg in enumerate(parts):
        last = k == len(parts) - 1
        if seg == "**":
            out.append(".*" if last else "(?:[^/]*/)*")
        else:
            out.append(_segment_regex(seg) + ("" if last else "/"))
    return re.compile("".join(out) + r"\Z")


@dataclass
class Listing:
    """What a walk learnt on the way, so that nobody asks the file system again: each folder's
    real path (os.path.realpath) and every name in it (os.listdir), keyed by the folder as the
    paths the walk returns spell it."""

    real: dict[str, str] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)


def _walk(base: str, stats: dict[str, int], listing: Listing | None = None) -> Iterator[str]:
    """Files under ``base``, each directory entered once (symlinked ones too, loops cut). With
    ``listing``, each folder's real path and names are kept there: a folder reached through no
    symlink is its parent's real path plus its name (one realpath per symlink, not per folder)."""
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[str, int, str]] = [(base, 0, os.path.realpath(base) if listing is not None else "")]
    while stack:
        folder, depth, real = stack.pop()
        try:
            st = os.stat(folder)
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            continue
        seen.add(key)
        stats["dirs"] += 1
        if stats["dirs"] > MAX_DIRS:
            stats["cut"] = 1
            return
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        if listing is not None:
            listing.real[folder] = real
            listing.names[folder] = [e.name for e in entries]
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue  # like glob: wildcards do not match hidden names
            try:
                is_dir = entry.is_dir()  # follows symlinks; the inode set cuts loops
            except OSError:
                continue
            if is_dir:
                if depth < MAX_DEPTH:
                    if listing is None:
                        sub = ""
                    elif entry.is_symlink():
                        sub = os.path.realpath(entry.path)
                    else:
                        sub = os.path.join(real, entry.name)
                    subdirs.append((entry.path, sub))
            else:
                yield entry.path
        stack.extend((d, depth + 1, sub) for d, sub in reversed(subdirs))


def expand(pattern: str, stats: dict[str, int] | None = None, listing: Listing | None = None) -> list[str]:
    """The paths a glob names (``~`` expanded; ``**`` recursive, loop-safe and bounded). With
    ``listing``, the folders a ``**`` walk visits are recorded there (see Listing)."""
    pattern = os.path.expanduser(pattern)
    stats = stats if stats is not None else {"dirs": 0, "cut": 0}
    stats.setdefault("dirs", 0)
    stats.setdefault("cut", 0)
    parts = pattern.split("/")
    if "**" not in parts:
        return glob.glob(pattern)
    first = parts.index("**")
    prefix = "/".join(parts[:first]) or ("/" if pattern.startswith("/") else ".")
    bases = glob.glob(prefix) if glob.has_magic(prefix) else [prefix]
    out: list[str] = []
    for base in sorted(bases):
        rest = "/".join(parts[first:])
        rx = pattern_regex(rest)
        root = base.rstrip("/") or "/"
        as_is = prefix != "." or pattern.startswith("./")
        seen = Listing() if listing is not None else None
        for path in _walk(root, stats, seen):
            rel = path[len(root) :].lstrip("/")
            if rx.match(rel):
                out.append(path if as_is else rel)
        if listing is not None and seen is not None:
            for folder, real in seen.real.items():
                key = folder if as_is else folder[len(root) :].lstrip("/")
                listing.real.setdefault(key, real)
                listing.names.setdefault(key, seen.names[folder])
    return out
