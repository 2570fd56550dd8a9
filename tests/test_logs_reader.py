"""Streaming reader: blocks of whole lines, over-long lines cut, durations and timestamps."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planlint.logs.reader import find_timestamps, iter_blocks, parse_duration, split_lines


def _lines(data: bytes, chunk: int, max_line: int = 64 * 1024) -> list[bytes]:
    out: list[bytes] = []
    for block in iter_blocks(io.BytesIO(data), chunk, max_line):
        assert block.endswith((b"\n", b"\r"))
        parts = split_lines(block)
        assert parts[-1] == b""
        out.extend(parts[:-1])
    return out


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
def test_blocks_split_on_both_breaks_whatever_the_chunk(chunk: int) -> None:
    data = b"a\rbb\nccc\r\ndddd\r\reeeee"
    assert _lines(data, chunk) == [b"a", b"bb", b"ccc", b"dddd", b"", b"eeeee"]


def test_a_file_without_newline_is_cut_at_the_line_cap() -> None:
    data = b"x" * 10_000
    blocks = list(iter_blocks(io.BytesIO(data), chunk=1000, max_line=256))
    assert blocks == [b"x" * 256 + b"\n"]


def test_the_rest_of_an_over_long_line_is_dropped_and_reading_goes_on() -> None:
    data = b"head\n" + b"y" * 5000 + b"\ntail\n"
    assert _lines(data, chunk=100, max_line=300) == [b"head", b"y" * 300, b"tail"]


def test_empty_input_gives_no_blocks() -> None:
    assert list(iter_blocks(io.BytesIO(b""))) == []


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:13", 13),
        ("01:55", 115),
        ("2:03:04", 7384),
        ("27:00:01", 97201),
        ("1-02:03:04", 93784),
        ("4-23:56:22", 431782),
        ("0:05:00", 300),
        ("0:01:23.456789", 83.456789),
        ("1 day, 2:00:00", 93600),
        ("garbage", None),
        ("1:2:3:4", None),
    ],
)
def test_parse_duration(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == (pytest.approx(seconds) if seconds is not None else None)


def test_timestamps_in_the_formats_logs_use() -> None:
    data = (
        b"[2024-02-27 00:45:23,759] torch.distributed.run: [WARNING]\n"
        b"2024-04-14:14:29:36,160 INFO     [_utils.py:34] Running\n"
        b"Mon Nov 24 05:41:00 UTC 2025\n"
        b"slurmstepd: error: *** JOB 1 ON n1 CANCELLED AT 2026-01-01T12:00:00 ***\n"
        b"not a time: 12024-01-01 00:00:00 and 1|2|Loss: 3\n"
    )
    got = find_timestamps(data)
    want = [
        datetime(2024, 2, 27, 0, 45, 23).timestamp() + 0.759,
        datetime(2024, 4, 14, 14, 29, 36).timestamp() + 0.16,
        datetime(2025, 11, 24, 5, 41).timestamp(),
        datetime(2026, 1, 1, 12).timestamp(),
    ]
    assert got == pytest.approx(want)


@settings(max_examples=400, deadline=None)
@given(
    st.binary(max_size=80).map(lambda b: bytes(b"ab\r\n"[x % 4] for x in b)),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=16),
)
def test_blocks_keep_every_line_cutting_only_over_long_ones(data: bytes, chunk: int, max_line: int) -> None:
    got = _lines(data, chunk, max_line)
    want = split_lines(data)
    if want and want[-1] == b"":
        want.pop()
    assert len(got) == len(want)
    for line, full in zip(got, want, strict=True):
        # a line is whole, or cut after at least max_line bytes (never longer than the buffer)
        assert line == full or (full.startswith(line) and len(line) >= max_line)
        assert len(line) <= chunk + max_line
