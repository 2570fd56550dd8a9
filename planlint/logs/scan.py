"""Find log files, tell what they are, drop copies, and parse them (in parallel when many)."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, BinaryIO

from planlint.logs.inspect_eval import looks_like_inspect, parse_inspect
from planlint.logs.nvsmi import looks_like_nvsmi, parse_nvsmi
from planlint.logs.reader import (
    CHUNK,
    HEAD,
    Readable,
    blocks_of,
    find_via,
    iter_blocks,
    read_head_tail,
    split_lines,
)
from planlint.logs.records import (
    GpuMetricsRecord,
    LogKind,
    LogRecord,
    MemoryStats,
    OtherRecord,
    SeffRecord,
    TrainingRecord,
)
from planlint.logs.seff import looks_like_seff, parse_seff
from planlint.logs.torchtune import derive_startup, parse_runs

if TYPE_CHECKING:
    from planlint.logs.walk import Listing

PARALLEL_MIN_FILES = 8
PARALLEL_MIN_BYTES = 4 << 20
SMALL_FORMAT_LIMIT = 16 << 20  # seff/CSV/inspect files are parsed line by line up to this
KEY_BYTES = 16 << 10  # a copy is found by its size and its first and last 16 KB

_JOB_IN_NAME = re.compile(r"(?:^|[^0-9])(\d{3,}(?:_\d+)?)(?=\D*$)")
_SLURM_NAME = re.compile(r"^slurm-(\d+(?:_\d+)?)\.(?:out|err|log|txt)$")
_EPOCH_DIR = re.compile(r"^epoch_\d+$")
_DIST_BANNER = re.compile(rb"Running \w+Distributed with resolved config")
_OTHER_RANK = re.compile(rb"\[rank[1-9]\d*\]:|\[trainer\d+\|[1-9]\d*\]:")
_STEP_LINE = re.compile(rb"Step \d+ \| loss:")
_TT_LOGGER = re.compile(rb"(?m)^(?:\[[\w|]+\]:)?(?:INFO|DEBUG|WARNING):torchtune\.")
# torchtune's bar description is epoch|step|Loss; torchforge's is step|Loss (not torchtune)
_TT_RENDER = re.compile(rb"(?:^|[^|\d])\d+\|\d+\|Loss")
# a traceback through a torchtune recipe or the torchtune package (an OOM-only tail)
_TT_TRACE = re.compile(
    rb"recipes/(?:lora|full|qat|knowledge_distillation|dev/)\w*\.py|site-packages/torchtune/|"
    rb"torchtune/(?:training|modules|models|recipes)/"
)


def discover(globs: Iterable[str]) -> list[Path]:
    """Files matching any glob (``**`` recursive, never into a symlink loop), sorted, each real
    file once."""
    return sorted(_discover(globs).values(), key=str)


def _discover(
    globs: Iterable[str], listing: Listing | None = None, sizes: dict[str, int] | None = None
) -> dict[str, Path]:
    """discover's files by their real paths. A file that is no symlink is its folder's real
    path plus its name: one lstat per file, one realpath per folder (none for a folder the
    walk already resolved, see walk.Listing). With ``sizes``, each regular file's size (from
    that lstat) is kept there, by its real path."""
    from planlint.logs.walk import Listing, expand

    listing = listing if listing is not None else Listing()
    seen: dict[str, Path] = {}
    folders = listing.real
    for pattern in globs:
        for name in expand(pattern, listing=listing):
            p = Path(name)
            try:
                st = os.lstat(name)
                if stat.S_ISLNK(st.st_mode):
                    if not p.is_file():
                        continue
                    real = os.path.realpath(p)
                elif stat.S_ISREG(st.st_mode):
                    folder, base = os.path.split(name)
                    where = folders.get(folder)
                    if where is None:
                        where = folders[folder] = os.path.realpath(folder)
                    real = os.path.join(where, base)
                    if sizes is not None:
                        sizes[real] = st.st_size
                else:
                    continue
            except OSError:
                continue
            if real not in seen or str(p) < str(seen[real]):
                seen[real] = p
    return seen


def job_id_from_name(path: str | Path) -> str | None:
    """The SLURM job id in ``slurm-<id>.out`` (also ``<id>_<task>`` for array jobs)."""
    m = _SLURM_NAME.match(path.name if isinstance(path, PurePath) else PurePath(path).name)
    return m.group(1) if m else None


def _loose_job_id(path: str | Path) -> str | None:
    """A job id anywhere in a companion's name, e.g. ``seff-4817302.txt``, ``gpu_4817302.csv``."""
    name = Path(path).name
    return job_id_from_name(name) or (m.group(1) if (m := _JOB_IN_NAME.search(name)) else None)


def classify_bytes(head: bytes, tail: bytes = b"", ranks: bool = True) -> LogKind:
    """What a log is from its first (and last) bytes. With ``ranks`` false a distributed
    torchtune log is TORCHTUNE too (the parser tells them apart; this saves two searches of
    the whole head)."""
    if b"\x00" in head and head.count(b"\x00") > 16:
        return LogKind.OTHER
    if looks_like_nvsmi(head):
        return LogKind.NVIDIA_SMI
    if looks_like_seff(head):
        return LogKind.SEFF
    both = head + tail if tail else head
    tt = (
        find_via(both, b"with resolved config", 0) >= 0  # by its "w", rare in progress output
        or (b"|Loss" in both and _TT_RENDER.search(both) is not None)
        or (b":torchtune." in both and _TT_LOGGER.search(both) is not None)
        or (b"Step " in both and _STEP_LINE.search(both) is not None)
        or (b".py" in both and _TT_TRACE.search(both) is not None)
    )
    if tt:
        if not ranks:
            return LogKind.TORCHTUNE
        if (find_via(both, b"Distributed with resolved config", 0) >= 0 and _DIST_BANNER.search(both)) or (
            (b"[rank" in both or b"[trainer" in both) and _OTHER_RANK.search(both)
        ):
            return LogKind.TORCHTUNE_DISTRIBUTED
        return LogKind.TORCHTUNE
    if looks_like_inspect(both):
        return LogKind.INSPECT
    return LogKind.OTHER


def classify(path: str | Path) -> LogKind:
    """What a log file is, judged by its first and last 64 KB."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head, tail = read_head_tail(fh, size)
    except OSError:
        return LogKind.OTHER
    return classify_bytes(head, tail)


def _lines(fh: Readable, limit: int) -> Iterable[bytes]:
    read = 0
    for block in iter_blocks(fh):
        read += len(block)
        lines = split_lines(block)
        if lines and not lines[-1]:
            lines.pop()
        yield from lines
        if read >= limit:
            return


def parse_file(path: str | Path, chunk: int = CHUNK) -> LogRecord:
    """Parse one log file of any known kind, streaming ``chunk`` bytes at a time; never raises
    for bad content (a field the log lacks stays None and the record's notes say why). A file
    holding several torchtune runs gives its first here (parse_file_runs gives them all)."""
    return parse_file_runs(path, chunk)[0]


def parse_file_runs(path: str | Path, chunk: int = CHUNK) -> list[LogRecord]:
    """Every record in one log file: one per torchtune run, else one for the file."""
    return _parse_keyed(path, chunk)[1]


def _parse_keyed(path: str | Path, chunk: int = CHUNK, keyed: bool = True) -> tuple[str, list[LogRecord]]:
    """The content key (see dedupe) and the records of one file, from one pass over it: the
    first read serves the classification, the key and the parser's first block. Without
    ``keyed`` (no other file has its size, so none can be its copy) the key is the path."""
    spath = str(path)
    runs: list[TrainingRecord] = []
    job = job_id_from_name(path)
    key = f"unreadable:{path}"
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            # the head alone usually decides; the tail is read only when it does not
            first = fh.read(max(chunk, HEAD))
            head, tail = first[:HEAD], b""
            key = _key_of(fh, size, first, max(chunk, HEAD)) if keyed else f"path:{path}"
            kind = classify_bytes(head, ranks=False)
            reuse = chunk >= HEAD  # the first read is the parser's first chunk
            if kind is LogKind.OTHER and size > HEAD and head.count(b"\x00") <= 16:
                head, tail = read_head_tail(fh, size)
                kind = classify_bytes(head, tail, ranks=False)
                reuse = False
            if kind in (LogKind.TORCHTUNE, LogKind.TORCHTUNE_DISTRIBUTED):
                if reuse:
                    more = iter(lambda: fh.read(chunk), b"")
                    blocks = blocks_of(itertools.chain((first,) if first else (), more))
                else:
                    fh.seek(0)
                    blocks = iter_blocks(fh, chunk)
                runs = parse_runs(blocks, spath, job)
                rec: LogRecord = runs[0]
            else:
                fh.seek(0)
                if kind is LogKind.NVIDIA_SMI:
                    rec = parse_nvsmi(_lines(fh, SMALL_FORMAT_LIMIT), spath, size)
                elif kind is LogKind.SEFF:
                    rec = parse_seff(_lines(fh, SMALL_FORMAT_LIMIT), spath, size)
                elif kind is LogKind.INSPECT:
                    if size > SMALL_FORMAT_LIMIT:
                        rec = parse_inspect(split_lines(tail), spath, size)
                    else:
                        rec = parse_inspect(_lines(fh, SMALL_FORMAT_LIMIT), spath, size)
                else:
                    rec = OtherRecord(path=spath, size_bytes=size)
                    rec.notes.append(_other_reason(head))
    except OSError as exc:
        rec = OtherRecord(path=spath)
        rec.notes.append(f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # a parser bug must not take the whole scan down
        rec = OtherRecord(path=spath)
        rec.notes.append(f"parser error: {type(exc).__name__}: {exc}")
    if rec.job_id is None:
        rec.job_id = (
            job
            if job is not None
            else (_loose_job_id(spath) if not isinstance(rec, (TrainingRecord, OtherRecord)) else None)
        )
    if len(runs) > 1:
        return key, list(runs)
    return key, [rec]


def _other_reason(head: bytes) -> str:
    if not head:
        return "empty file"
    if head.count(b"\x00") > 16:
        return "binary file"
    return "not a torchtune, inspect-ai, seff or nvidia-smi log"


# --- copies -------------------------------------------------------------------------------


def _digest(size: int, head: bytes, tail: bytes) -> str:
    # SHA-256: processors hash it in hardware (SHA-NI, ARMv8 crypto), twice blake2b's speed
    h = hashlib.sha256()
    h.update(str(size).encode())
    h.update(head)
    h.update(tail)
    return h.hexdigest()[:32]


def _content_key(path: Path, size: int) -> str:
    try:
        with open(path, "rb") as fh:
            head, tail = read_head_tail(fh, size, KEY_BYTES, KEY_BYTES)
    except OSError:
        return f"unreadable:{path}"
    return _digest(size, head, tail)


def _key_of(fh: BinaryIO, size: int, first: bytes, asked: int) -> str:
    """_content_key of an open file whose first ``asked`` bytes were read as ``first`` (the
    file position stays where it is)."""
    head = first[:KEY_BYTES]
    tail = b""
    if size > KEY_BYTES:
        at = max(KEY_BYTES, size - KEY_BYTES)
        if len(first) >= at + KEY_BYTES or len(first) < asked:  # in the read, or the file ended
            tail = first[at : at + KEY_BYTES]
        else:
            tail = os.pread(fh.fileno(), KEY_BYTES, at)
    return _digest(size, head, tail)


def _preference(path: Path, size: int) -> tuple[int, int, int, str]:
    """Sort key: the original log, not a copy under artifacts/epoch_N/, the most complete."""
    in_epoch_dir = any(_EPOCH_DIR.match(part) for part in path.parts[:-1])
    return (int(in_epoch_dir), -size, len(path.parts), str(path))


@dataclass
class Deduped:
    """Files kept, and each dropped copy with the file it duplicates."""

    kept: list[Path] = field(default_factory=list)
    dropped: dict[Path, Path] = field(default_factory=dict)


def dedupe(paths: Sequence[Path]) -> Deduped:
    """One file per SLURM job id (from ``slurm-<id>.out``), else one per content.

    The content key is the size plus a hash of the first and last 16 KB, so a copy is found
    without reading a large log twice. Of a group, the file outside ``epoch_N/`` folders and
    then the largest (most complete) is kept.
    """
    sizes = _sizes(paths)
    out = Deduped()
    survivors = _by_job(paths, sizes, out)
    _by_content(survivors, sizes, {p: _content_key(p, sizes[p]) for p in survivors}, out)
    return out


def _sizes(paths: Sequence[Path]) -> dict[Path, int]:
    sizes: dict[Path, int] = {}
    for p in paths:
        try:
            sizes[p] = os.path.getsize(p)
        except OSError:
            sizes[p] = -1
    return sizes


def _best_of(members: list[Path], sizes: dict[Path, int]) -> Path:
    if len(members) == 1:
        return members[0]
    return min(members, key=lambda q: _preference(q, sizes[q]))


def _by_job(paths: Sequence[Path], sizes: dict[Path, int], out: Deduped) -> list[Path]:
    """The first step of dedupe: one file per job id (from the names alone)."""
    by_job: dict[str, list[Path]] = {}
    rest: list[Path] = []
    for p in paths:
        job = job_id_from_name(p)
        if job:
            by_job.setdefault(job, []).append(p)
        else:
            rest.append(p)
    survivors = list(rest)
    for members in by_job.values():
        best = _best_of(members, sizes)
        survivors.append(best)
        out.dropped.update({q: best for q in members if q != best})
    return survivors


def _by_content(survivors: list[Path], sizes: dict[Path, int], keys: dict[Path, str], out: Deduped) -> None:
    """The second step of dedupe: one file per content key; fills ``out.kept`` (sorted)."""
    by_hash: dict[str, list[Path]] = {}
    for p in survivors:
        by_hash.setdefault(keys[p], []).append(p)
    for members in by_hash.values():
        best = _best_of(members, sizes)
        out.kept.append(best)
        out.dropped.update({q: best for q in members if q != best})
    out.kept.sort(key=str)


# --- scanning -----------------------------------------------------------------------------


@dataclass
class ScanResult:
    """Records of the files scanned, the copies skipped, and the companions attached."""

    records: list[LogRecord] = field(default_factory=list)
    duplicates: dict[str, str] = field(default_factory=dict)
    companions: set[str] = field(default_factory=set)  # read only as a training log's seff/CSV
    files: int = 0
    bytes: int = 0
    workers: int = 1  # processes that parsed the files (1: no process pool)

    @property
    def training(self) -> list[TrainingRecord]:
        """The torchtune training records."""
        return [r for r in self.records if isinstance(r, TrainingRecord)]


def scan_files(
    paths: Sequence[Path],
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[LogRecord]:
    """Parse files in order; across processes when there are many files and bytes."""
    keyed, _used = _scan_keyed(paths, _sizes(paths), workers, progress, keys=False)
    return [r for _key, recs in keyed for r in recs]


def _scan_keyed(
    paths: Sequence[Path],
    sizes: dict[Path, int],
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    keys: bool = True,
) -> tuple[list[tuple[str, list[LogRecord]]], int]:
    """The content key and records of each of `paths`, in order, and how many processes
    parsed them (1: this one). A content key is computed only for a file whose size another
    of `paths` shares (and with ``keys`` false for none): only such files can be copies."""
    total = sum(max(0, sizes[p]) for p in paths)
    cpus = workers or os.cpu_count() or 1
    parallel = cpus > 1 and len(paths) > PARALLEL_MIN_FILES and total > PARALLEL_MIN_BYTES
    counts = Counter(sizes[p] for p in paths) if keys else Counter()
    keyed = [counts[sizes[p]] > 1 or sizes[p] < 0 for p in paths] if keys else [False] * len(paths)
    out: list[tuple[str, list[LogRecord]]] = []
    if not parallel:
        for i, (p, k) in enumerate(zip(paths, keyed, strict=True)):
            out.append(_parse_keyed(p, CHUNK, k))
            if progress:
                progress(i + 1, len(paths))
        return out, 1
    chunks = max(1, min(64, len(paths) // (cpus * 8)))
    with ProcessPoolExecutor(max_workers=cpus) as pool:
        got_all = pool.map(_parse_keyed, paths, itertools.repeat(CHUNK), keyed, chunksize=chunks)
        for i, got in enumerate(got_all):
            out.append(got)
            if progress:
                progress(i + 1, len(paths))
    return out, cpus


_COMPANION = re.compile(r"(seff|gpu|nvidia|smi|metrics).*\.(txt|csv|out|log)$|\.seff$", re.I)


def companions(folder: Path, names: Sequence[str] | None = None) -> list[Path]:
    """seff text and nvidia-smi CSV files in a training log's folder (by their names); ``names``
    is the folder's listing when a walk already read it."""
    if names is None:
        try:
            names = os.listdir(folder)
        except OSError:
            return []
    out = []
    for name in names:
        if not _COMPANION.search(name):
            continue
        p = folder / name
        try:
            if p.is_file() and p.stat().st_size < SMALL_FORMAT_LIMIT:
                out.append(p)
        except OSError:
            continue
    return sorted(out)


def attach_companions(records: Sequence[LogRecord]) -> None:
    """Give each training record its job's seff wall time and its folder's GPU memory."""
    seffs = [r for r in records if isinstance(r, SeffRecord)]
    gpus = [r for r in records if isinstance(r, GpuMetricsRecord)]
    if not seffs and not gpus:
        return
    for rec in records:
        if not isinstance(rec, TrainingRecord):
            continue
        folder = str(Path(rec.path).parent)
        if rec.total_seconds is None and rec.parts == 1:  # seff times the whole job
            match = [s for s in seffs if rec.job_id and s.job_id == rec.job_id]
            if not match and not rec.job_id:
                match = [s for s in seffs if str(Path(s.path).parent) == folder]
            if len(match) >= 1 and match[0].wall_seconds:
                rec.total_seconds = match[0].wall_seconds
                rec.total_source = f"seff {Path(match[0].path).name}"
                derive_startup(rec)
        near = [g for g in gpus if rec.job_id and g.job_id == rec.job_id] or [
            g for g in gpus if str(Path(g.path).parent) == folder
        ]
        near = [g for g in near if g.gpu_total_gib]
        if near:
            g = near[0]
            rec.gpu_total_gib = g.gpu_total_gib
            rec.gpu_total_source = f"nvidia-smi {Path(g.path).name}"
            if rec.peak_memory is None and g.peak_used_gib is not None:
                rec.peak_memory = MemoryStats(
                    reserved=g.peak_used_gib, source=f"nvidia-smi {Path(g.path).name} (used)"
                )


def scan(
    globs: Iterable[str],
    workers: int | None = None,
    with_companions: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> ScanResult:
    """Discover, drop copies, parse, and attach seff/nvidia-smi companions to training logs."""
    from planlint.logs.walk import Listing

    listing = Listing()
    real_sizes: dict[str, int] = {}
    by_real = _discover(globs, listing, real_sizes)
    found = sorted(by_real.values(), key=str)
    extra: set[Path] = set()
    if with_companions:
        seen = set(by_real)
        # (the walk's spelling of a folder is str() of its Path but in odd patterns; those
        # folders are listed again) in the order of Paths (their parts), without building one
        for folder in sorted({p.parent for p in found}, key=lambda f: f.parts):
            for p in companions(folder, listing.names.get(str(folder))):
                real = os.path.realpath(p)
                if real not in seen:
                    seen.add(real)
                    extra.add(p)
        found = sorted([*found, *extra], key=str)
    # copies by job id from the names; copies by content from the keys the parse computes
    # on the way (a copy with another name is parsed and then dropped: rare, and it saves
    # reading every file's head and tail once more before the parse)
    sizes = {p: real_sizes[real] for real, p in by_real.items() if real in real_sizes}
    sizes.update(_sizes([p for p in found if p not in sizes]))
    dd = Deduped()
    survivors = _by_job(found, sizes, dd)
    keyed, used = _scan_keyed(sorted(survivors, key=str), sizes, workers=workers, progress=progress)
    parsed = dict(zip(sorted(survivors, key=str), keyed, strict=True))
    _by_content(survivors, sizes, {p: got[0] for p, got in parsed.items()}, dd)
    records = [r for p in dd.kept for r in parsed[p][1]]
    extra_paths = {str(p) for p in extra}  # a record's path is str() of the Path it was read by
    # a file picked up only as a companion counts only if it is seff or nvidia-smi output
    records = [
        r for r in records if r.path not in extra_paths or isinstance(r, (SeffRecord, GpuMetricsRecord))
    ]
    attach_companions(records)
    res = ScanResult(records=records, files=len(dd.kept), workers=used)
    kept = set(dd.kept)
    res.companions = {str(p) for p in extra if p in kept}
    res.duplicates = {str(k): str(v) for k, v in dd.dropped.items()}
    res.bytes = sum(r.size_bytes for r in records)
    return res


__all__ = [
    "Deduped",
    "ScanResult",
    "attach_companions",
    "classify",
    "classify_bytes",
    "companions",
    "dedupe",
    "discover",
    "job_id_from_name",
    "parse_file",
    "parse_file_runs",
    "scan",
    "scan_files",
]
