"""The one-pass log reader: the same records whatever the chunking, the line endings, a missing
last newline or a file growing while it is read; memchr-speed searches equal plain ones."""

from __future__ import annotations

import re
import shutil
import threading
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planlint.logs import OtherRecord, TrainingRecord, parse_file, scan
from planlint.logs.reader import (
    find_timestamps,
    find_via,
    last_break,
    line_at,
    next_break,
    split_lines,
)
from planlint.logs.scan import parse_file_runs

LOGS = Path(__file__).parent / "logs"
A2 = LOGS / "real/torchtune-0.6.1-cpu/slurm-4817302.out"  # finished, one checkpoint save
G = LOGS / "real/torchtune-0.6.1-cpu/slurm-4817308.out"  # crashed: ValueError after step 81
OOM = LOGS / "formats/v0.4-oom/slurm-1000404.out"
DIST = LOGS / "formats/main-distributed-rank/slurm-1000505.out"
REAL = [A2, G, OOM, DIST]


def _facts(rec: object) -> dict[str, object]:
    d = asdict(rec)  # type: ignore[call-overload]
    d.pop("path")
    return d  # type: ignore[no-any-return]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("log", REAL, ids=lambda p: p.parent.name + "/" + p.name)
def test_a_marker_line_split_by_any_chunk_boundary_reads_the_same(log: Path) -> None:
    data = log.read_bytes()
    whole = [_facts(r) for r in parse_file_runs(log)]
    marks = [m.start() for m in re.finditer(rb"heckpoint saved|Error|Traceback|peak_memory_reserved", data)]
    assert marks
    # chunk sizes that end a read inside each of the first marker phrases
    sizes = sorted({max(1, m + k) for m in marks[:6] for k in (1, 3, 7)} | {1, 2, 4096, 65536 + 1})
    for chunk in sizes:
        got = [_facts(r) for r in parse_file_runs(log, chunk)]
        assert got == whole, chunk


@pytest.mark.parametrize("log", REAL, ids=lambda p: p.parent.name + "/" + p.name)
@pytest.mark.parametrize("eol", [b"\r\n", b"\r"])
def test_crlf_and_cr_only_logs_read_like_lf(tmp_path: Path, log: Path, eol: bytes) -> None:
    data = log.read_bytes()
    lf = parse_file(log)
    other = parse_file(_write(tmp_path, log.name, data.replace(b"\n", eol)))
    assert isinstance(lf, TrainingRecord) and isinstance(other, TrainingRecord)
    for field in ("recipe", "batch_size", "last_step", "final_loss", "checkpoint_seconds", "error", "oom"):
        assert getattr(other, field) == getattr(lf, field), field
    assert [e.position for e in other.epochs_progress] == [e.position for e in lf.epochs_progress]


def test_a_log_without_its_last_newline_keeps_its_last_line(tmp_path: Path) -> None:
    data = G.read_bytes()
    data = data[: data.index(b"\n", data.index(b"ValueError: seq_len"))]  # ends on the error
    rec = parse_file(_write(tmp_path, "slurm-4817308.out", data))
    assert isinstance(rec, TrainingRecord)
    assert rec.error is not None and rec.error.startswith("ValueError: seq_len (512)")
    ckpt = A2.read_bytes()
    cut = ckpt.index(b"\n", ckpt.index(b"Checkpoint saved in")) + 1
    rec2 = parse_file(_write(tmp_path, "slurm-4817302.out", ckpt[: cut - 1]))  # ends on that line
    assert isinstance(rec2, TrainingRecord) and rec2.checkpoint_seconds == [0.16]


def test_an_error_far_into_a_long_head_line_is_read_as_before(tmp_path: Path) -> None:
    data = G.read_bytes()
    banner_end = data.index(b"\n") + 1
    long_line = b"RuntimeError: " + b"x" * 6000 + b"\n"  # E next to "rror": found by its E
    far = b"x" * 6000 + b" DataLoaderError\n"  # "rror" beyond 4096 bytes of the line's only E ... and D
    rec = parse_file(_write(tmp_path, "slurm-9.out", data[:banner_end] + long_line + far + data[banner_end:]))
    assert isinstance(rec, TrainingRecord)
    # the run's own ValueError comes last and wins; the long lines did not break the parse
    assert rec.error is not None and rec.error.startswith("ValueError")
    assert rec.batch_size == 4 and rec.last_step == parse_file(G).last_step  # type: ignore[union-attr]


def test_a_log_growing_while_it_is_read_never_breaks_the_parse(tmp_path: Path) -> None:
    data = A2.read_bytes()
    path = tmp_path / "slurm-4817302.out"
    path.write_bytes(data[:2000])
    done = threading.Event()

    def grow() -> None:
        with path.open("ab") as fh:
            for i in range(2000, len(data), 997):
                fh.write(data[i : i + 997])
                fh.flush()
        done.set()

    writer = threading.Thread(target=grow)
    writer.start()
    seen = []
    while not done.is_set() or not seen:
        [rec] = parse_file_runs(path)
        assert not any(n.startswith("parser error") for n in rec.notes), rec.notes
        seen.append(rec)
    writer.join()
    final = parse_file(path)
    assert _facts(final) == _facts(parse_file(A2))
    steps = [r.last_step for r in seen if isinstance(r, TrainingRecord) and r.last_step is not None]
    assert all(s <= 100 for s in steps)


def test_a_renamed_copy_is_dropped_by_the_scan_from_the_key_its_parse_computed(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(A2, tmp_path / "a" / "train.log")
    shutil.copy(A2, tmp_path / "b" / "train-copy.log")
    shutil.copy(G, tmp_path / "b" / "other.log")
    res = scan([f"{tmp_path}/**/*.log"], workers=1)
    assert res.files == 2 and len(res.training) == 2
    assert res.duplicates == {str(tmp_path / "b" / "train-copy.log"): str(tmp_path / "a" / "train.log")}


def test_a_binary_file_and_an_empty_one_are_still_other(tmp_path: Path) -> None:
    binary = parse_file(_write(tmp_path, "slurm-1.out", bytes(range(256)) * 400))
    empty = parse_file(_write(tmp_path, "slurm-2.out", b""))
    assert isinstance(binary, OtherRecord) and binary.notes == ["binary file"]
    assert isinstance(empty, OtherRecord) and empty.notes == ["empty file"]


# --- the search helpers equal the plain searches ---------------------------------------------

_TEXT = st.binary(min_size=0, max_size=300).map(
    lambda b: b.translate(bytes.maketrans(bytes(range(256)), (b"ab\r\nhwc" * 37)[:256]))
)


@settings(max_examples=300, deadline=None)
@given(
    data=_TEXT,
    needle=st.sampled_from([b"wh", b"hw", b"with", b"abh", b"h", b"c\r\n"]),
    start=st.integers(0, 310),
)
def test_find_via_equals_find(data: bytes, needle: bytes, start: int) -> None:
    for at in range(len(needle)):
        assert find_via(data, needle, at, start) == data.find(needle, start)
        end = len(data) // 2
        assert find_via(data, needle, at, start, end) == data.find(needle, start, end)


def _next_break_ref(data: bytes, start: int) -> int:
    m = re.compile(rb"[\r\n]").search(data, start)
    return m.start() if m else len(data)


@settings(max_examples=300, deadline=None)
@given(data=_TEXT, pos=st.integers(0, 300), limit=st.sampled_from([1, 3, 4096]))
def test_break_helpers_equal_their_regex_forms(data: bytes, pos: int, limit: int) -> None:
    pos = min(pos, len(data))
    assert next_break(data, pos) == _next_break_ref(data, pos)
    assert last_break(data, pos) == max(data.rfind(b"\n", 0, pos), data.rfind(b"\r", 0, pos))
    start = max(last_break(data, pos) + 1, pos - limit)
    assert line_at(data, pos, limit) == data[start : min(_next_break_ref(data, pos), pos + limit)]
    assert split_lines(data) == re.split(rb"\r\n|[\r\n]", data)


def test_timestamps_are_found_past_a_digit_rich_progress_tail() -> None:
    progress = b"\r1|5|Loss: 2.25:  5%|5 | 5/100 [00:01<00:19,  4.99it/s]" * 200
    assert find_timestamps(progress) == []
    stamped = progress + b"\n2026-01-02 03:04:05,5 done\nTue Jan  6 05:41:00 UTC 2026\n"
    assert len(find_timestamps(stamped)) == 2
