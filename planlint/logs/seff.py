"""Parser of SLURM `seff` output (wall time, time limit, memory; day-format times)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from planlint.logs.reader import decode, find_via, parse_duration
from planlint.logs.records import SeffRecord

# seff's units are binary (its Perl prints KB/MB/GB for 2**10/2**20/2**30 bytes, as cruijff_kit's
# own parser reads them): values are kept in GiB.
_UNITS = {"B": 2.0**-30, "KB": 2.0**-20, "K": 2.0**-20, "MB": 2.0**-10, "M": 2.0**-10, "GB": 1.0, "G": 1.0}
_UNITS.update({"TB": 2.0**10, "T": 2.0**10, "PB": 2.0**20, "EB": 2.0**30})
_KV = re.compile(r"^\s*#?\s*([A-Za-z][\w /-]*?)\s*:\s*(.*?)\s*$")
_MEM = re.compile(r"([\d.]+)\s*([KMGTPE]?B|[KMGTPE])\b", re.I)
_TIME = re.compile(r"(\d+-)?\d+:\d\d(?::\d\d)?(?:\.\d+)?")


def _gb(text: str) -> float | None:
    m = _MEM.search(text)
    if not m:
        return None
    unit = _UNITS.get(m.group(2).upper())
    return float(m.group(1)) * unit if unit is not None else None


def _secs(text: str) -> float | None:
    m = _TIME.search(text)
    return parse_duration(m.group(0)) if m else None


_SEFF_KEYS = (
    b"Wall-clock time:",
    b"CPU Efficiency:",
    b"Memory Efficiency:",
    b"CPU Utilized:",
    b"Cores per node:",
    b"User/Group:",
)


def looks_like_seff(head: bytes) -> bool:
    """True when the head of a file is seff output, also a paste cut after `Cores per node`."""
    return find_via(head, b"Job ID:", 0) >= 0 and any(k in head for k in _SEFF_KEYS)


def parse_seff(lines: Iterable[bytes], path: str, size: int = 0) -> SeffRecord:
    """Parse the `Key: value` lines of seff output."""
    r = SeffRecord(path=path, size_bytes=size)
    for raw in lines:
        m = _KV.match(decode(raw))
        if not m:
            continue
        key, value = m.group(1).strip().lower(), m.group(2)
        if key == "job id":
            r.job_id = r.job_id or value.split()[0] if value else r.job_id
        elif key == "array job id":
            r.array_job_id = value or None
        elif key == "cluster":
            r.cluster = value or None
        elif key == "state":
            sm = re.match(r"(\S+)(?:.*?exit code (-?\d+))?", value)
            if sm:
                r.state = sm.group(1)
                r.exit_code = int(sm.group(2)) if sm.group(2) else None
        elif key == "nodes":
            r.nodes = int(value) if value.isdigit() else None
        elif key in ("cores per node", "cores"):
            r.cores = int(value) if value.isdigit() else r.cores
        elif key == "cpu utilized":
            r.cpu_utilized_seconds = _secs(value)
        elif key == "cpu efficiency":
            pm = re.match(r"([\d.]+)%", value)
            r.cpu_efficiency_percent = float(pm.group(1)) if pm else None
        elif key in ("job wall-clock time", "wall-clock time"):
            r.wall_seconds = _secs(value)
        elif key in ("job time limit", "time limit", "timelimit"):
            r.time_limit_seconds = _secs(value)
        elif key == "memory utilized":
            r.memory_used_gb = _gb(value)
        elif key == "memory efficiency":
            pm = re.match(r"([\d.]+)%\s*of\s*(.*)", value)
            if pm:
                r.memory_efficiency_percent = float(pm.group(1))
                r.memory_requested_gb = _gb(pm.group(2))
    if r.wall_seconds is None:
        r.notes.append("no `Job Wall-clock time` line")
    if r.state and r.state.upper() == "RUNNING":
        r.notes.append("job still running when seff ran: efficiencies are not final")
    return r
