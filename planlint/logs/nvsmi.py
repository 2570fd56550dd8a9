"""Parser of nvidia-smi CSV samples (`--query-gpu=... --format=csv`), tolerant of bad rows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from planlint.logs.reader import decode
from planlint.logs.records import GpuMetricsRecord

_NUM = re.compile(r"^\s*(-?[\d.]+)\s*(%|MiB|GiB|KiB|MB|GB|W)?\s*$")
_TO_GIB = {None: 1 / 1024, "MiB": 1 / 1024, "MB": 1 / 1024, "GiB": 1.0, "GB": 1.0, "KiB": 1 / 2**20}


def looks_like_nvsmi(head: bytes) -> bool:
    """True when the first line is an nvidia-smi CSV header."""
    end = head.find(b"\n")
    first = head if end < 0 else head[:end]
    return b"," in first and (
        b"memory.used" in first or b"memory.total" in first or b"utilization.gpu" in first
    )


def _column(name: str) -> tuple[str, str | None]:
    m = re.match(r"^\s*([\w.]+)\s*(?:\[([^\]]*)\])?\s*$", name)
    if not m:
        return name.strip(), None
    return m.group(1), m.group(2)


def _value(cell: str, unit: str | None) -> tuple[float | None, str | None]:
    m = _NUM.match(cell)
    if not m:
        return None, None
    return float(m.group(1)), m.group(2) or unit


def _time(cell: str) -> float | None:
    for fmt in ("%Y/%m/%d %H:%M:%S.%f", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"):
        try:
            return datetime.strptime(cell.strip(), fmt).timestamp()
        except ValueError:
            continue
    return None


def parse_nvsmi(lines: Iterable[bytes], path: str, size: int = 0) -> GpuMetricsRecord:
    """Total and peak GPU memory in GiB and mean utilisation; `[N/A]` cells and bad rows skipped."""
    r = GpuMetricsRecord(path=path, size_bytes=size)
    it = iter(lines)
    header: list[tuple[str, str | None]] = []
    for raw in it:
        text = decode(raw).strip()
        if text:
            header = [_column(c) for c in text.split(",")]
            break
    if not header:
        r.notes.append("empty file")
        return r
    r.columns = [name for name, _ in header]
    idx = {name: i for i, (name, _) in enumerate(header)}
    used_i, total_i = idx.get("memory.used"), idx.get("memory.total")
    util_i, time_i = idx.get("utilization.gpu"), idx.get("timestamp")
    totals: list[float] = []
    used: list[float] = []
    utils: list[float] = []
    times: list[float] = []
    for raw in it:
        text = decode(raw).strip()
        if not text:
            continue
        cells = text.split(",")
        if len(cells) != len(header):
            r.skipped_rows += 1
            continue
        row_ok = False
        for col, sink in ((used_i, used), (total_i, totals)):
            if col is None:
                continue
            v, unit = _value(cells[col], header[col][1])
            if v is not None and unit in _TO_GIB:
                sink.append(v * _TO_GIB[unit])
                row_ok = True
        if util_i is not None:
            v, _ = _value(cells[util_i], header[util_i][1])
            if v is not None:
                utils.append(v)
                row_ok = True
        if not row_ok:
            r.skipped_rows += 1
            continue
        r.samples += 1
        if time_i is not None:
            t = _time(cells[time_i])
            if t is not None:
                times.append(t)
    r.gpu_total_gib = round(max(totals), 3) if totals else None
    r.peak_used_gib = round(max(used), 3) if used else None
    r.mean_utilization_percent = round(sum(utils) / len(utils), 2) if utils else None
    if len(times) >= 2:
        r.duration_seconds = max(times) - min(times)
    if r.skipped_rows:
        r.notes.append(f"{r.skipped_rows} malformed row(s) skipped")
    if utils == [] and r.samples:
        r.notes.append("utilization not reported ([N/A], e.g. a MIG slice)")
    if r.gpu_total_gib is None:
        r.notes.append("no memory.total column")
    return r
