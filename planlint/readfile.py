"""Read a file named by a plan, a doc or the configuration: regular files only, never past a bound.

A plan comes from a pull request, so any path in it may name `/dev/zero`, `/dev/urandom`, a FIFO
or a socket. Reading one would exhaust memory or block for good. `read_bounded` stats the path,
opens it without blocking (a FIFO opened for reading with O_NONBLOCK returns at once), checks
the opened file again with fstat (the path may have been swapped in between), and reads at most
one byte more than the bound.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_CHUNK = 1 << 20
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class Refused(OSError):
    """The path is not read: it is no regular file, or it is larger than the bound."""

    def __init__(self, reason: str, too_large: bool = False) -> None:
        super().__init__(reason)
        #: what the path is instead, in the user's words ("a FIFO", "12.3 MB, over the 10.0 MB limit")
        self.reason = reason
        #: True when the file is regular but over the bound (a limit a setting may raise)
        self.too_large = too_large


def kind_of(mode: int) -> str:
    """What a file of this mode is, for a message: 'a folder', 'a FIFO', 'a device', ..."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check(st: os.stat_result, max_bytes: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = kind_of(st.st_mode)
        raise Refused(kind if kind.startswith("not ") else f"not a regular file but {kind}")
    if st.st_size > max_bytes:
        raise Refused(_too_large(st.st_size, max_bytes), too_large=True)


def _too_large(size: int, max_bytes: int) -> str:
    return f"{size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit"


def read_bounded(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`.

    Raises Refused (an OSError) for anything that is no regular file or is too large, and
    OSError for a file that cannot be opened; never blocks on a FIFO or device.
    """
    try:
        _check(os.stat(path), max_bytes)
    except ValueError as exc:  # a NUL in the path
        raise Refused(f"not a usable path ({exc})") from exc
    fd = os.open(path, _FLAGS)
    try:
        _check(os.fstat(fd), max_bytes)
        parts: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
            if total > max_bytes:  # it grew after the stat
                raise Refused(f"over the {max_bytes / 1e6:.1f} MB limit", too_large=True)
    finally:
        os.close(fd)
    return b"".join(parts)


def read_tail(path: str | Path, max_bytes: int) -> bytes:
    """The last `max_bytes` bytes of a regular file (any size); Refused for anything else."""
    fd = os.open(path, _FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            _check(st, max_bytes)
        os.lseek(fd, max(0, st.st_size - max_bytes), os.SEEK_SET)
        parts: list[bytes] = []
        total = 0
        while total < max_bytes:
            chunk = os.read(fd, min(_CHUNK, max_bytes - total))
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    return b"".join(parts)
