"""Constant-memory reading of log files: blocks of whole lines, head and tail, timestamps."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import BinaryIO, Protocol

CHUNK = 1 << 20
MAX_LINE = 64 * 1024
HEAD = 64 * 1024
TAIL = 64 * 1024

_SPLIT = re.compile(rb"\r\n|[\r\n]")


def last_break(data: bytes, end: int | None = None) -> int:
    """Index of the last b"\\n" or b"\\r" before ``end``, or -1."""
    if end is None:
        end = len(data)
    window = 256  # growing windows, as in next_break
    while end > 0:
        low = max(0, end - window)
        found = max(data.rfind(b"\n", low, end), data.rfind(b"\r", low, end))
        if found >= 0:
            return found
        end, window = low, window * 4
    return -1


def next_break(data: bytes, start: int, end: int | None = None) -> int:
    """Index of the first b"\\n" or b"\\r" at or after ``start`` (and before ``end``, default
    the end of ``data``), or that end."""
    if end is None:
        end = len(data)
    # memchr passes beat a regex class search; the window grows so that a block with only one
    # kind of break is not scanned to its end for the other kind at every call
    window = 256
    while start < end:
        stop = min(end, start + window)
        lf = data.find(b"\n", start, stop)
        cr = data.find(b"\r", start, lf if lf >= 0 else stop)
        if cr >= 0:
            return cr
        if lf >= 0:
            return lf
        start, window = stop, window * 4
    return end


def find_via(data: bytes, needle: bytes, at: int, start: int = 0, end: int | None = None) -> int:
    """``data.find(needle, start, end)``, searched by the byte ``needle[at]``.

    A substring search costs about a nanosecond per byte, a one-byte search (memchr) a fiftieth
    of that: when ``needle[at]`` is rare in ``data`` (a byte progress bars and Step lines never
    hold), jumping from one of its occurrences to the next and comparing there is far faster.
    After a few dozen false hits the plain search takes over, so a text full of that byte costs
    no more than before.
    """
    if end is None:
        end = len(data)
    byte = needle[at : at + 1]
    size = len(needle)
    for _ in range(48):
        p = data.find(byte, start + at, end)
        if p < 0:
            return -1
        q = p - at
        if q + size > end:
            return -1
        if data.startswith(needle, q):
            return q
        start = q + 1
    return data.find(needle, start, end)


def line_at(data: bytes, pos: int, limit: int = 4096) -> bytes:
    """The logical line (split on both \\n and \\r) holding ``pos``, cut to ``limit`` bytes."""
    low = max(0, pos - limit)
    start = max(data.rfind(b"\n", low, pos), data.rfind(b"\r", low, pos)) + 1 or low
    end = next_break(data, pos, min(len(data), pos + limit))
    return data[start:end]


def line_from(data: bytes, pos: int, limit: int = 4096) -> bytes:
    """From ``pos`` to the end of its logical line, cut to ``limit`` bytes."""
    return data[pos : next_break(data, pos, min(len(data), pos + limit))]


def split_lines(data: bytes) -> list[bytes]:
    """Logical lines of a block, split on b"\\r\\n", b"\\n" and b"\\r"; a block ending with a
    break (or empty) ends with an empty string, as ``re.split`` gives it."""
    lines = data.splitlines()  # for bytes: exactly b"\\r\\n", b"\\n" and b"\\r"
    if not data or data[-1] in b"\r\n":
        lines.append(b"")
    return lines


class Readable(Protocol):
    """A binary file: anything with ``read`` (open(..., "rb"), io.BytesIO)."""

    def read(self, size: int = -1, /) -> bytes: ...


def iter_blocks(fh: Readable, chunk: int = CHUNK, max_line: int = MAX_LINE) -> Iterator[bytes]:
    """Yield blocks of whole logical lines, each ending with a line break.

    Reads ``chunk`` bytes at a time; a partial line is carried to the next read; a line still
    unfinished after ``max_line`` carried bytes is cut there and the rest of it dropped, so a
    file without any newline is read in constant memory. A b"\\n" right after a block that
    ended with b"\\r" is the second half of b"\\r\\n" and is skipped.
    """
    chunk = max(1, chunk)
    return blocks_of(iter(lambda: fh.read(chunk), b""), max_line)


def blocks_of(chunks: Iterable[bytes], max_line: int = MAX_LINE) -> Iterator[bytes]:
    """The blocks of iter_blocks from the successive reads of a file (``chunks``, none empty).

    A read that ends at a line break is yielded as it is, without a copy: a log smaller than
    one chunk costs one read and no copy.
    """
    max_line = max(1, max_line)
    carry = b""  # a partial line carried to the next read
    dropping = False  # inside a line cut at max_line: skip to its end
    skip_lf = False
    for raw in chunks:
        data = carry + raw if carry else raw
        end = len(data)
        start = 0
        if skip_lf:
            skip_lf = False
            if not carry and data[0] == 10:
                start = 1
        carry = b""
        if dropping:
            m = _SPLIT.search(data, start)
            if m is None:
                continue
            start, dropping = m.end(), False
            skip_lf = start == end and data[start - 1] == 13
        cut = max(data.rfind(b"\n", start), data.rfind(b"\r", start))
        if cut < 0:
            if end - start > max_line:
                yield data[start : start + max_line] + b"\n"
                dropping = True
            else:
                carry = data[start:]
            continue
        yield data[start : cut + 1]
        skip_lf = cut == end - 1 and data[cut] == 13
        rest = end - cut - 1
        if rest > max_line:
            yield data[cut + 1 : cut + 1 + max_line] + b"\n"
            dropping = True
        else:
            carry = data[cut + 1 :]
    if carry:
        yield carry + b"\n"


def read_head_tail(fh: BinaryIO, size: int, head: int = HEAD, tail: int = TAIL) -> tuple[bytes, bytes]:
    """The first ``head`` and last ``tail`` bytes (the tail is empty when the head covers all)."""
    fh.seek(0)
    first = fh.read(head)
    last = b""
    if size > head:
        fh.seek(max(head, size - tail))
        last = fh.read(tail)
    fh.seek(0)
    return first, last


def decode(data: bytes) -> str:
    """Bytes to text; invalid UTF-8 (a cut multi-byte sequence, binary) becomes U+FFFD."""
    return data.decode("utf-8", errors="replace")


# --- timestamps ---------------------------------------------------------------------------

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        (b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec")
    )
}

# 2024-02-27 00:45:23,759 | 2024-04-14:14:29:36,160 | 2026-01-01T12:00:00.5 | 2026/02/17 10:00:00
# (a literal first character keeps the regex engine's fast prefix scan)
_ISO = re.compile(rb"2(0\d\d)[-/](\d\d)[-/](\d\d)[ T:](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,6}))?")
# `date` in the C locale: Mon Nov 24 05:41:00 UTC 2025
_DATE = re.compile(
    rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +"
    rb"(\d{1,2}) (\d\d):(\d\d):(\d\d)(?: [A-Z]{2,5})? (20\d\d)\b"
)


def _epoch(y: int, mo: int, d: int, h: int, mi: int, s: int, frac: bytes | None = None) -> float | None:
    try:
        t = datetime(y, mo, d, h, mi, s).timestamp()
    except (ValueError, OverflowError, OSError):
        return None
    if frac:
        t += int(frac) / 10 ** len(frac)
    return t


#: digits to b"0" and b"/" to b"-": both timestamp forms then hold a fixed string (below)
_STAMP_SHAPE = bytes.maketrans(b"0123456789/", b"0000000000-")
_DIGIT_BYTES = b"0123456789"


def find_timestamps(data: bytes) -> list[float]:
    """Every wall-clock timestamp written in ``data`` (local time, seconds since the epoch)."""
    # the regexes are slow on digit-rich text (progress bars, Step lines): every form holds a
    # time of day (00:00:00), so a copy without digits holds "::" (progress bars' elapsed times
    # leave ":<:"); then a translated copy tells whether a date or a time is written at all
    if b"::" not in data.translate(None, _DIGIT_BYTES):
        return []
    shape = data.translate(_STAMP_SHAPE)
    if b"0000-00-00" not in shape and b"00:00:00" not in shape:
        return []
    found: list[tuple[int, float]] = []
    for m in _ISO.finditer(data):
        if m.start() and data[m.start() - 1 : m.start()].isdigit():
            continue
        y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
        t = _epoch(2000 + y, mo, d, h, mi, s, m.group(7))
        if t is not None:
            found.append((m.start(), t))
    if b":" in data:
        for dm in _DATE.finditer(data):
            mon, day, hh, mm, ss, year = dm.groups()
            t = _epoch(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss))
            if t is not None:
                found.append((dm.start(), t))
    found.sort()
    return [t for _, t in found]


_DAYS = re.compile(r"^(\d+) days?, (.*)$")


def parse_duration(text: str) -> float | None:
    """``[D-]HH:MM:SS``, ``H:MM:SS``, ``MM:SS`` or ``D days, H:MM:SS[.ffffff]`` to seconds."""
    text = text.strip()
    days = 0
    m = _DAYS.match(text) if "day" in text else None
    if m:
        days, text = int(m.group(1)), m.group(2)
    elif "-" in text:
        d, _, text = text.partition("-")
        if not d.isdigit():
            return None
        days = int(d)
    parts = text.split(":")
    if not 1 <= len(parts) <= 3:
        return None
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        return None
    if any(n < 0 for n in nums):
        return None
    secs = 0.0
    for n in nums:
        secs = secs * 60 + n
    return days * 86400 + secs
