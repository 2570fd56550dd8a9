"""Incremental parser of torchtune training output, versions 0.1 to main, fed blocks of lines."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from planlint.logs.reader import (
    TAIL,
    decode,
    find_timestamps,
    find_via,
    last_break,
    line_at,
    line_from,
    next_break,
    parse_duration,
    split_lines,
)
from planlint.logs.records import EpochProgress, LogKind, MemoryStats, TrainingRecord
from planlint.logs.versions import VersionRange

HEAD_LIMIT = 2 << 20  # lines before the first training step are read one by one, up to this
GB_TO_GIB = 1e9 / 2**30
STAMP_TAIL = 8192  # the job's last timestamp is searched in this many final bytes

_PREFIX = re.compile(rb"^(?:\s*\[(?:rank\d+|trainer\d+\|\d+|default\d+)\]:)+ ?")
_BANNER = re.compile(rb"Running (\w+) with resolved config")
_LOGGER = re.compile(rb"\b(?:INFO|DEBUG|WARNING):(torchtune\.[\w.]+):")
_MEM_LINE = re.compile(rb"\b(\w+ )?peak memory (active|alloc|allocation|reserved): *([\d.]+) *(GiB|GB)")
_MEM_DICT = re.compile(rb"'peak_memory_(active|alloc|reserved)': *([\d.eE+-]+)")
_RANK = re.compile(  # ranks above 0 only: every line of rank 0 may carry its prefix
    rb"\[rank([1-9]\d*)\]|\[trainer\d+\|([1-9]\d*)\]|Local seed is seed \+ rank = \d+ \+ ([1-9]\d*)"
)
_NPROC = re.compile(rb"nproc[_-]per[_-]node[= :]+(\d+)")
_NNODES = re.compile(rb"--nnodes[= ](\d+)")
_RENDER = re.compile(
    rb"(?:(\d+)\|(\d+)\|Loss: ?([^|\r\n]*?):\s*)?(\d+)%\|[^|\r\n]*\|\s*(\d+)/(\d+) "
    rb"\[(\d+(?::\d\d)+)<([\d:?]+),\s*((?:[\d.]+|\?) ?(?:it/s|s/it))\]"
)
_STEP = re.compile(rb"Step (\d+) \| ((?:\w+:\S+ ?)+)")
_PAIR = re.compile(rb"(\w+):(\S+)")
_CKPT_TIME = re.compile(rb"(?:Checkpoint saved in|Saving checkpoint took) ([\d.]+) s")
#: A checkpoint written for an epoch: `... checkpoint ... saved to <dir>/epoch_0[/file]` (the
#: folder named `epoch_N` itself, not a folder whose name merely holds it: `lr1e-5_epoch_2/`).
_CKPT_EPOCH = re.compile(rb"saved to (?:\S*/)?epoch_(\d+)(?=/|\s|$)")
_CKPT_EVENT = re.compile(
    rb"Starting checkpoint save|(?:Model|Adapter|Recipe) checkpoint (?:of size|saved)|"
    rb"[Cc]heckpoint saved"
)
_EXC = re.compile(
    rb"^\s*(?:\[[\w|]+\]:\s*)*((?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception))(?::\s*(.*))?\s*$"
)
_CAPACITY = re.compile(rb"(?:([\d.]+) (GiB|MiB) total capacity|total capac\w* of ([\d.]+) (GiB|MiB))")
_WANDB_KV = re.compile(rb"wandb:\s+(\S+)\s+(\S.*?)\s*$")
_PEAKS = tuple(
    (key, re.compile(rb"peak_memory_" + key.encode() + rb":([\d.]+(?:[eE][-+]?\d+)?)"))
    for key in ("active", "alloc", "reserved")
)
_RESERVED = re.compile(rb"peak_memory_reserved:([\d.]+(?:[eE][-+]?\d+)?)")
_USES = re.compile(rb"training uses (\w+)")
_RARE = (b"h", b"E", b"K", b"D")  # see TorchtuneParser._markers
_BANNER_TEXT = b"with resolved config"
#: what every match of _RANK's first two forms starts with (rank 0's prefix excluded)
_ANY_OTHER_RANK = re.compile(rb"\[(?:rank[1-9]|trainer)")
_OTHER_RANK_PREFIX = re.compile(rb"^\s*\[(?:rank[1-9]\d*|trainer\d+\|[1-9]\d*)\]:")


_RANK0 = b"[rank0]:"
#: what may follow a prefix and extend the regex's match (``\s`` of bytes, another prefix)
_PREFIX_GOES_ON = frozenset(b" \t\n\r\x0b\x0c[")


def _strip_prefix(raw: bytes) -> bytes:
    """The line without its rank prefixes (``_PREFIX``), rank 0's one without the regex."""
    if raw.startswith(_RANK0) and raw[8:9] and raw[8] not in _PREFIX_GOES_ON:
        return raw[8:]
    return _PREFIX.sub(b"", raw)


def _int(v: str | None) -> int | None:
    try:
        return int(v) if v is not None else None
    except ValueError:
        try:
            f = float(v)  # type: ignore[arg-type]
        except ValueError:
            return None
        return int(f) if f.is_integer() else None


def _float(v: str | None) -> float | None:
    if v is None:
        return None
    try:
        return float(v)
    except ValueError:
        return None


def _bool(v: str | None) -> bool | None:
    if v is None:
        return None
    low = v.strip().lower()
    if low in ("true", "yes", "on", "1"):
        return True
    if low in ("false", "no", "off", "0"):
        return False
    return None


def _num(v: bytes) -> float | str:
    s = decode(v)
    try:
        return float(s)
    except ValueError:
        return s


@dataclass
class _Render:
    epoch: int | None
    gstep: int | None
    loss: bytes | None
    pos: int
    total: int
    elapsed: bytes
    rate: bytes | None


def _parse_render(line: bytes) -> _Render | None:
    return _from_match(_RENDER.search(line))


_DIGITS = frozenset(b"0123456789")


def _render_at(block: bytes, p: int) -> _Render | None:
    """The render whose description's ``|Loss`` is at ``p`` (renders may follow one another on
    one line without a break, so the line's first render is not necessarily this one)."""
    j = p
    while j > 0 and block[j - 1] in _DIGITS:
        j -= 1
    if j == p or j < 2 or block[j - 1] != 0x7C:  # b"|"
        return _parse_render(line_at(block, p))
    k = j - 1
    while k > 0 and block[k - 1] in _DIGITS:
        k -= 1
    if k == j - 1:
        return _parse_render(line_at(block, p))
    return _from_match(_RENDER.match(block, k, min(len(block), p + 4096)))


def _render_around(block: bytes, p: int) -> _Render | None:
    """The described render holding position ``p`` (e.g. its ``[elapsed<``)."""
    q = block.rfind(b"|Loss", max(0, p - 4096), p)
    return _render_at(block, q) if q >= 0 else _parse_render(line_at(block, p))


def _from_match(m: re.Match[bytes] | None) -> _Render | None:
    if m is None:
        return None
    ep, gs, loss, _pct, i, n, el, _left, rate = m.groups()
    return _Render(
        int(ep) if ep is not None else None,
        int(gs) if gs is not None else None,
        loss,
        int(i),
        int(n),
        el,
        rate,
    )


class _Bar:
    """One tqdm bar: where it got to first, and any later re-render at the same position."""

    __slots__ = ("el", "el_text", "epoch", "loss", "pos", "rate", "rerender", "total", "trans")

    def __init__(self, epoch: int, total: int) -> None:
        self.epoch = epoch
        self.total = total
        self.pos = -1
        self.el = 0.0
        self.el_text = b""
        self.trans: int | None = None  # first position whose elapsed shows ``el``
        self.rate: bytes | None = None
        self.rerender: float | None = None
        self.loss: bytes | None = None

    def seconds(self) -> float:
        """Elapsed at the last position, refined below tqdm's whole-second resolution."""
        whole = self.el
        if self.trans is None or self.trans <= 0 or self.pos <= 0:
            return whole + 0.5 if whole < 600 else whole
        per_step = max(whole, 0.5) / self.trans
        extra = per_step / 2 + (self.pos - self.trans) * per_step
        return whole + min(max(extra, 0.0), 0.999)


class _ConfigDump:
    """The YAML after `Running X with resolved config:` (keys sorted, ends at the first non-YAML)."""

    # the key ends at the first colon: a greedy ``[^:]*`` finds it without backtracking
    _KEY = re.compile(r"^( *)(- )?([^\s:#'\"][^:]*):(?: (.*))?$")
    _LOWER_KEY = re.compile(r"[a-z_][a-z0-9_]*")
    _TOP_KEY = re.compile(r"[A-Za-z_][\w.-]*")

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.stack: list[tuple[int, str]] = []  # (indent, dotted path) of the open mappings
        self.started = False
        self.done = False
        self.pending_blank = False
        self.last_top = ""

    def feed_lines(self, lines: Sequence[bytes], i: int = 0) -> int:
        """Take ``lines[i:]`` one by one (rank prefixes removed here) until the dump ends; return
        the index of the line that ended it, which is not part of the dump (the caller reads it
        as an ordinary line), or ``len(lines)`` when the dump goes on."""
        key_match = self._KEY.match
        top_key = self._TOP_KEY.fullmatch
        values = self.values
        stack = self.stack
        n = len(lines)
        while i < n:
            raw = lines[i]
            if raw[:1] == b"[" or raw[:2] == b" [":
                raw = _strip_prefix(raw)
            line = raw.decode("utf-8", "replace").rstrip()
            if not line:
                if self.started:
                    self.pending_blank = True
                i += 1
                continue
            m = key_match(line)
            if self.pending_blank:
                self.pending_blank = False
                # a blank line ends the dump unless YAML clearly goes on (keys are sorted)
                if line[0] != " " and not (
                    m and self._LOWER_KEY.fullmatch(m.group(3)) and m.group(3) > self.last_top
                ):
                    self.done = True
                    return i
            if m is None:
                if line[0] != " " and not line.lstrip().startswith("- ") and self.started:
                    self.done = True
                    return i
                i += 1
                continue  # list item or continuation line
            self.started = True
            spaces, dash, key, value = m.groups()
            ind = len(spaces) + 2 if dash else len(spaces)
            key = key.strip()
            if ind == 0:
                if not top_key(key):
                    self.done = True
                    return i
                stack.clear()
                path = self.last_top = key
            else:
                while stack and stack[-1][0] >= ind:
                    stack.pop()
                path = stack[-1][1] + "." + key if stack else key
            if not value:
                stack.append((ind, path))
            else:
                v = value.strip()
                if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                    v = v[1:-1]
                values.setdefault(path, v)
            i += 1
        return n


_RESERVED_MARK = b"peak_memory_reserved:"
#: what follows a figure in a Step line (a space before the next metric, or the line's end)
_FIGURE_ENDS = (b" ", b"\n")
#: occurrences read one by one, looking for the odd ones, before the regex reads the block
_WALK_LIMIT = 256


def _reserved_values(block: bytes) -> set[bytes]:
    """The distinct `peak_memory_reserved:` figures of the block, as `_RESERVED.findall` would
    give them. Reserved memory changes rarely, so most blocks repeat one figure: counting (a
    memchr-speed pass per ending) tells how many occurrences spell something else than the last
    one, and when those few come early (the first steps) only they are read; otherwise the regex
    reads the block."""
    total = block.count(_RESERVED_MARK)
    if not total:
        return set()
    last = _RESERVED.match(block, block.rfind(_RESERVED_MARK))
    if last is not None:
        common = _RESERVED_MARK + last.group(1)
        ending = block[last.end() : last.end() + 1]
        odd = total - (block.count(common + ending) if ending in _FIGURE_ENDS else 0)
        for end in _FIGURE_ENDS:  # the other ending only when some figures are left
            if odd and end != ending:
                odd -= block.count(common + end)
        found = {last.group(1)}
        p = block.find(_RESERVED_MARK) if odd < total else -1
        for _ in range(_WALK_LIMIT):
            if not odd:
                return found
            if p < 0:
                break
            after = p + len(common)
            if not (block.startswith(common, p) and block[after : after + 1] in _FIGURE_ENDS):
                odd -= 1
                m = _RESERVED.match(block, p)
                if m is not None:
                    found.add(m.group(1))
            p = block.find(_RESERVED_MARK, p + len(_RESERVED_MARK))
    return set(_RESERVED.findall(block))


class TorchtuneParser:
    """Feed blocks of whole lines (see reader.iter_blocks), then call finish()."""

    def __init__(self, path: str, job_id: str | None = None, size: int = 0) -> None:
        self.rec = TrainingRecord(path=path, job_id=job_id, size_bytes=size)
        self.offset = 0
        self.head_done = False
        self.config: _ConfigDump | None = None
        self.bars: dict[int, _Bar] = {}
        self.plain: list[_Bar] = []
        self.max_rank = -1
        self.nproc: int | None = None
        self.nnodes: int | None = None
        self.tail = b""
        self.pre_train_ts: float | None = None
        self.mem_gb_label: bool | None = None  # True: "GB" (1e9), False: "GiB"
        self.peak_raw: dict[str, float] = {}
        self.step_zero = False
        self.gpu_resources = False
        self.exception_at = -1
        self.advance_at = -1
        self.desc_step = -1  # second field of the bar description (v0.1: batch index)
        self.versions = VersionRange()

    # --- feeding --------------------------------------------------------------------------

    def feed(self, block: bytes) -> None:
        """Parse one block of whole lines (it must end at a line break)."""
        if not self.head_done:
            first = block.find(b"|Loss")
            region = block if first < 0 else block[: last_break(block, first) + 1]
            self._head(region)
            if first >= 0 or self.offset + len(block) > HEAD_LIMIT:
                self.head_done = True
            # the head's lines are few and many hold an "h" (the config dump): read line by
            # line there, by the rare bytes after it
            bounds = self._head_markers(region)
            bounds.extend(self._markers(block, len(region)))
        else:
            bounds = self._markers(block)
        self._progress(block, bounds)
        if self.rec.last_step is None:  # the run's first Step line: 0.1 numbers steps from 0
            first = block.find(b"Step ")
            while first >= 0 and _STEP.match(block, first) is None:
                first = block.find(b"Step ", first + 5)
            if first >= 0 and block.startswith(b"Step 0 |", first):
                self.step_zero = True
        self._last_step_line(block)
        if b"peak_memory_" in block:
            self._peaks(block)
        self.tail = block[-TAIL:] if len(block) >= TAIL else (self.tail + block)[-TAIL:]
        self.offset += len(block)

    def _head(self, region: bytes) -> None:
        if not region:
            return
        self._ranks(region)
        if b"nproc" in region:
            m2 = _NPROC.search(region)
            if m2:
                self.nproc = int(m2.group(1))
            m3 = _NNODES.search(region)
            if m3:
                self.nnodes = int(m3.group(1))
        stamps = find_timestamps(region)
        if stamps:
            if self.rec.first_timestamp is None:
                self.rec.first_timestamp = stamps[0]
            self.pre_train_ts = stamps[-1]
        lines = split_lines(region)
        if lines and not lines[-1]:
            lines.pop()  # the region ends at a line break
        config = self.config
        i, n = 0, len(lines)
        if config is not None and not config.done:
            i = config.feed_lines(lines)
            if config.done:
                self._apply_config()
        while i < n:
            raw = lines[i]
            i += 1
            if not raw:
                continue
            line = _strip_prefix(raw) if raw[:1] == b"[" or raw[:2] == b" [" else raw
            if b"resolved config" in line:
                bm = _BANNER.search(line)
                if bm:
                    self.rec.recipe = decode(bm.group(1))
                    lg = _LOGGER.search(line)
                    if lg:
                        self._logger(decode(lg.group(1)))
                    self.config = config = _ConfigDump()
                    i = config.feed_lines(lines, i)
                    if config.done:
                        self._apply_config()
                continue
            if b"emory" in line:
                self._memory_line(line)
            elif self.rec.logger_name is None and b":torchtune." in line:
                lg = _LOGGER.search(line)
                if lg:
                    self._logger(decode(lg.group(1)))

    def _logger(self, name: str) -> None:
        self.rec.logger_name = name
        for prefix in ("torchtune.utils._logging", "torchtune.utils.logging", "torchtune.training"):
            if name == prefix or name.startswith(prefix + "."):
                self.versions.add(f"logger {prefix}")
                return

    def _ranks(self, data: bytes) -> None:
        # every line of rank 0 may carry its prefix: one search for a ``[`` that starts another
        # rank's prefix (the regex's one-byte prefix scan) is a fast test before _RANK
        if _ANY_OTHER_RANK.search(data) is None and find_via(data, b"+ rank =", 0) < 0:
            return
        for m in _RANK.finditer(data):
            self.max_rank = max(self.max_rank, int(next(g for g in m.groups() if g is not None)))

    def _memory_line(self, line: bytes) -> None:
        if b"training uses " in line and self.rec.device is None:
            # "log_peak_memory_stats was set to True, however, training uses cpu."
            m = _USES.search(line)
            if m:
                self.rec.device = decode(m.group(1))
        if b"after model init" in line:
            if self.rec.memory_after_init is None:
                self.rec.memory_after_init = MemoryStats(source="memory stats after model init")
        if b"'peak_memory_" in line:
            stats = self.rec.memory_after_init or MemoryStats(source="memory stats after model init")
            for key, val in _MEM_DICT.findall(line):
                setattr(stats, decode(key), float(val) * GB_TO_GIB)
            self.rec.memory_after_init = stats
            self.mem_gb_label = True
            self.versions.add("memory dict (Memory Stats after model init: {...})")
            return
        m = _MEM_LINE.search(line)
        if m is None:
            return
        _dev, key, val, unit = m.groups()
        gb = unit == b"GB"
        self.mem_gb_label = gb
        name = {b"allocation": "alloc"}.get(key, decode(key))
        stats = self.rec.memory_after_init or MemoryStats(source="memory stats after model init")
        setattr(stats, name, float(val) * (GB_TO_GIB if gb else 1.0))
        self.rec.memory_after_init = stats
        self.versions.add("peak memory lines in GB" if gb else "peak memory lines in GiB")
        if key == b"alloc":  # main renamed "allocation" and moved "active" first
            self.versions.add("peak memory 'alloc' wording")
        elif key == b"allocation":
            self.versions.add("peak memory 'allocation' wording")
        if _dev and _dev.strip() not in (b"GPU", b"CUDA"):
            self.versions.add("device word other than GPU")

    def _apply_config(self) -> None:
        assert self.config is not None
        c = self.config.values
        r = self.rec
        r.config = dict(c)
        r.batch_size = _int(c.get("batch_size"))
        r.epochs = _int(c.get("epochs"))
        r.gradient_accumulation_steps = _int(c.get("gradient_accumulation_steps"))
        r.max_steps_per_epoch = _int(c.get("max_steps_per_epoch"))
        r.max_seq_len = _int(
            c.get("tokenizer.max_seq_len") or c.get("max_seq_len") or c.get("dataset.max_seq_len")
        )
        r.packed = _bool(c.get("dataset.packed") or c.get("packed"))
        r.model_component = c.get("model._component_")
        r.lora_rank = _int(c.get("model.lora_rank") or c.get("lora_rank"))
        r.lr = _float(c.get("optimizer.lr") or c.get("lr"))
        r.dataset_component = c.get("dataset._component_")
        r.dataset_source = c.get("dataset.source") or c.get("dataset.data_files")
        r.checkpoint_dir = c.get("checkpointer.checkpoint_dir")
        r.output_dir = c.get("output_dir") or c.get("checkpointer.output_dir")
        r.device = c.get("device") or r.device
        r.dtype = c.get("dtype")
        r.compile = _bool(c.get("compile"))

    def _head_markers(self, region: bytes) -> list[int]:
        """What _markers does, for a region of whole lines: the lines holding "heckpoint" or
        "rror" (many head lines hold an "h", the config dump's), found by those words."""
        starts: set[int] = set()
        for word in (b"heckpoint", b"rror"):
            p = region.find(word)
            while p >= 0:
                start = last_break(region, p) + 1
                starts.add(start)
                p = region.find(word, next_break(region, p))
        bounds: list[int] = []
        for start in sorted(starts):
            line = region[start : next_break(region, start)]
            if len(line) > 4096:  # a hit's neighbourhood is not the whole line: as _markers
                bounds.extend(self._markers(region[: start + len(line)], start))
                continue
            ckpt = b"heckpoint" in line
            if ckpt:
                self._checkpoint_line(line)
            err = b"rror" in line and any(byte in line for byte in _RARE)
            if err:
                self._error_line(line, self.offset + start)
            if ckpt or err:
                bounds.append(start)
        return bounds

    def _markers(self, block: bytes, begin: int = 0) -> list[int]:
        """Handle the rare lines of the body; return the line starts that split progress.

        One pass: progress renders and Step lines hold none of the bytes b"h", b"E", b"K",
        b"D", while every checkpoint line holds an "h" and every error line an "E" (Error,
        Exception, CANCELLED), a "K" (Killed) or a "D" / "h" (slurmstepd's oom-kill "Detected ...
        StepId"). Each byte is a memchr-speed search, so a block of progress costs four fast
        scans; only the lines they hit are looked at.
        """
        hits: dict[int, list[int]] = {}  # by the end of the line they are on
        for byte in _RARE:
            p = block.find(byte, begin)
            while p >= 0:
                end = next_break(block, p)
                hits.setdefault(end, []).append(p)
                p = block.find(byte, end)
        if not hits:
            return []
        bounds: list[int] = []
        for end in sorted(hits):
            at = hits[end]
            start = last_break(block, at[0]) + 1
            if end - start <= 4096:  # every hit's neighbourhood is the whole line
                line = block[start:end]
                ckpt = b"heckpoint" in line
                if ckpt:
                    self._checkpoint_line(line)
                err = b"rror" in line
                if err:
                    self._error_line(line, self.offset + start)
            else:
                ckpt = err = False
                for p in at:  # a hit's own neighbourhood holds its marker, however long the line
                    line = line_at(block, p)
                    if not ckpt and b"heckpoint" in line:
                        self._checkpoint_line(line)
                        ckpt = True
                    if not err and b"rror" in line:
                        self._error_line(line, self.offset + start)
                        err = True
            if ckpt or err:
                bounds.append(start)
        return bounds

    def _checkpoint_line(self, line: bytes) -> None:
        saved = _CKPT_EPOCH.search(line)
        if saved:
            self.rec.saved_epochs.add(int(saved.group(1)))
        elif b"Starting checkpoint save" in line:
            self.rec.saves_started += 1
        m = _CKPT_TIME.search(line)
        if m:
            self.versions.add(
                "Saving checkpoint took N secs" if b"took" in line else "Checkpoint saved in N seconds"
            )
            self.rec.checkpoint_seconds.append(float(m.group(1)))
            self.rec.checkpoint_seen = True
        elif _CKPT_EVENT.search(line):
            self.rec.checkpoint_seen = True

    def _error_line(self, line: bytes, at: int) -> None:
        r = self.rec
        if b"slurmstepd" in line:
            if b"oom-kill" in line or b"OUT_OF_MEMORY" in line:
                r.oom, r.oom_kind = True, r.oom_kind or "host"
                r.oom_message = r.oom_message or decode(line.strip())[:300]
            if b"TIME LIMIT" in line:
                r.timed_out = True
            elif b"CANCELLED" in line:
                r.killed = r.cancelled = True
            stamps = find_timestamps(line)
            if stamps:
                r.last_timestamp = max(r.last_timestamp or 0.0, stamps[-1])
            return
        low = line.lower()
        if b"out of memory" in low or b"outofmemoryerror" in low:
            r.oom = True
            r.oom_kind = "mps" if b"mps" in low else "cuda"
            r.oom_message = decode(_PREFIX.sub(b"", line.strip()))[:400]
            m = _CAPACITY.search(line)
            if m:
                val, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
                gib = float(val) / (1024.0 if unit == b"MiB" else 1.0)
                if gib > 0:
                    r.gpu_total_gib, r.gpu_total_source = gib, "CUDA OOM message"
        m2 = _EXC.match(line)
        if m2:
            r.error = decode(_PREFIX.sub(b"", line.strip()))[:400]
            self.exception_at = at

    def _wandb_lines(self, block: bytes, start: int) -> None:
        pos = start
        n = len(block)
        count = 0
        while pos < n and count < 400:
            end = block.find(b"\n", pos)
            if end < 0:
                end = n
            raw = block[pos:end].rstrip(b"\r")
            pos = end + 1
            count += 1
            line = _PREFIX.sub(b"", raw) if raw[:1] == b"[" else raw
            if not line.startswith(b"wandb:"):
                return
            m = _WANDB_KV.match(line)
            if m is None:
                if line.strip() == b"wandb:" and self.rec.wandb_summary:
                    return
                continue
            self.rec.wandb_summary[decode(m.group(1))] = _num(m.group(2))

    # --- progress bars ----------------------------------------------------------------------

    def _progress(self, block: bytes, bounds: list[int]) -> None:
        it = block.find(b"it/s]")
        # "s/it]" only before the first "it/s]" (a bar shows one of the two: no second pass)
        si = block.find(b"s/it]", 0, len(block) if it < 0 else it)
        if it < 0 and si < 0:
            return
        # a segment that ends before the first render's text starts holds no render (the head's
        # checkpointer lines make several such): _segment would find nothing there
        loss = block.find(b"|Loss", 0, it if si < 0 else si)
        first = min(q for q in (it, si, loss) if q >= 0)
        edges = [0, *bounds, len(block)]
        for a, b in itertools.pairwise(edges):
            if b > a and b > first:
                self._segment(block, a, b)

    def _segment(self, block: bytes, a: int, b: int) -> None:
        last = block.rfind(b"|Loss", a, b)
        if last < 0:
            p = max(block.rfind(b"it/s]", a, b), block.rfind(b"s/it]", a, b))
            if p >= 0 and not self.bars:
                start = max(last_break(block, p) + 1, p - 4096)
                found = None
                for m in _RENDER.finditer(block, start, p + 6):
                    found = m
                r = _from_match(found)
                if r is not None:
                    self._apply_plain(r)
            return
        lr = _render_at(block, last)
        if lr is None or lr.epoch is None:
            self._slow(block, a, b)
            return
        # Renders between the first and the last are skipped when the bar only moved forward.
        # A segment may open with re-renders of an older bar: tqdm closes the old bar (and draws
        # it once more) only after the next epoch's bar has been created.
        p = block.find(b"|Loss", a, b)
        for _ in range(4):
            if p >= last:
                break
            fr = _render_at(block, p)
            if fr is None or fr.epoch is None:
                self._slow(block, a, b)
                return
            if fr.epoch == lr.epoch:
                if fr.pos > lr.pos:
                    self._slow(block, a, b)
                    return
                self._apply(fr, block, p, b, exact=True)
                break
            self._apply(fr, block, p, b, exact=True)
            p = block.find(b"|Loss", p + 5, b)
        else:
            if p < last:
                self._slow(block, a, b)
                return
        self._apply(lr, block, min(p, last), b, final=True)

    def _slow(self, block: bytes, a: int, b: int) -> None:
        p = block.find(b"|Loss", a, b)
        while p >= 0:
            r = _render_at(block, p)
            if r is not None and r.epoch is not None:
                self._apply(r, block, p, b, exact=True)
            p = block.find(b"|Loss", p + 5, b)

    def _apply(
        self,
        r: _Render,
        block: bytes,
        seg_start: int,
        seg_end: int,
        final: bool = False,
        exact: bool = False,
    ) -> None:
        assert r.epoch is not None
        bar = self.bars.get(r.epoch)
        if bar is None or (bar.total != r.total and r.pos < bar.pos):
            bar = self.bars[r.epoch] = _Bar(r.epoch, r.total)
        secs = parse_duration(decode(r.elapsed))
        if secs is None:
            return
        if r.pos > bar.pos:
            bar.pos = r.pos
            bar.total = r.total
            bar.rate = r.rate
            bar.loss = r.loss
            if r.elapsed != bar.el_text:
                bar.el, bar.el_text = secs, r.elapsed
                bar.trans = r.pos if exact else None
                if final and not exact:
                    self._find_transition(bar, block, seg_start, seg_end)
            if r.gstep is not None:
                self.desc_step = max(self.desc_step, r.gstep)
            self.advance_at = self.offset + seg_start
        elif r.pos == bar.pos:
            # the same position drawn again: the new description (set_description) or, later,
            # the whole bar once more when tqdm closes it
            bar.loss = r.loss or bar.loss
            if r.gstep is not None:
                self.desc_step = max(self.desc_step, r.gstep)
            if secs > bar.el:
                bar.rerender = max(bar.rerender or 0.0, secs)

    def _find_transition(self, bar: _Bar, block: bytes, a: int, b: int) -> None:
        key = b"[" + bar.el_text + b"<"
        # the renders of the final second sit just before the segment's end: look there first
        start = max(a, b - 65536)
        p = block.find(key, start, b)
        if start > a and 0 <= p < start + 4096:
            p = block.find(key, a, b)
        if p < 0:
            return
        r = _render_around(block, p)
        if r is not None and r.epoch == bar.epoch and r.pos <= bar.pos:
            bar.trans = r.pos

    def _apply_plain(self, r: _Render) -> None:
        secs = parse_duration(decode(r.elapsed))
        if secs is None:
            return
        if not self.plain or r.pos < self.plain[-1].pos or r.total != self.plain[-1].total:
            if r.pos == 0:
                return
            self.plain.append(_Bar(len(self.plain) + 1, r.total))
        bar = self.plain[-1]
        if r.pos > bar.pos:
            bar.pos, bar.el, bar.el_text, bar.rate = r.pos, secs, r.elapsed, r.rate
        elif r.pos == bar.pos and secs > bar.el:
            bar.rerender = max(bar.rerender or 0.0, secs)

    def _last_step_line(self, block: bytes) -> None:
        p = block.rfind(b"Step ")
        tries = 0
        while p >= 0 and tries < 8:
            m = _STEP.match(line_from(block, p))
            if m:
                step = int(m.group(1))
                if step == 0:
                    self.step_zero = True
                metrics = {decode(k): decode(v) for k, v in _PAIR.findall(m.group(2))}
                if "gpu_resources" in metrics:
                    self.gpu_resources = True
                if self.rec.last_step is None or step >= self.rec.last_step:
                    self.rec.last_step = step
                    loss = _float(metrics.get("loss"))
                    if loss is not None:
                        self.rec.final_loss = loss
                    tps = _float(metrics.get("tokens_per_second_per_gpu"))
                    if tps is not None:
                        self.rec.tokens_per_second_per_gpu = tps
                if "tokens_per_second_per_gpu" in metrics:
                    self.versions.add("tokens_per_second_per_gpu Step metric")
                return
            p = block.rfind(b"Step ", 0, p)
            tries += 1

    def _peaks(self, block: bytes) -> None:
        """Peak memory is the Step line that reserved the most (torchtune resets the peak after
        each logged step, so a later line may be lower), with that line's active and allocated
        figures: one regex pass over the block, then one find for the winning line."""
        values = _reserved_values(block)
        if not values:  # MPS logs no reserved figure: the maxima of the others
            for key, pattern in _PEAKS:
                found = pattern.findall(block)
                if found:
                    name = "peak_memory_" + key
                    numbers = [x for x in map(_float, map(decode, found)) if x is not None]
                    if numbers:
                        self.peak_raw[name] = max(self.peak_raw.get(name, 0.0), *numbers)
            return
        distinct = values  # reserved memory changes rarely: few distinct texts to convert
        try:
            top = max(distinct, key=float)
        except ValueError:  # "1.2.3" and the like in a mangled log
            readable = [v for v in distinct if _float(decode(v)) is not None]
            if not readable:
                return
            top = max(readable, key=float)
        best = float(top)
        if best <= self.peak_raw.get("peak_memory_reserved", -1.0):  # the first such line wins
            return
        at = block.find(b"peak_memory_reserved:" + top)
        line = line_at(block, at)
        for key, pattern in _PEAKS:
            m = pattern.search(line)
            if m:
                self.peak_raw["peak_memory_" + key] = float(m.group(1))

    # --- several runs in one file -----------------------------------------------------------

    def trained(self) -> bool:
        """True once this run shows training progress, Step lines or an exception."""
        return bool(self.bars or self.plain) or self.rec.last_step is not None or self.exception_at >= 0

    def banner_cut(self, block: bytes) -> int:
        """Where in ``block`` a second run starts (its `Running ... with resolved config`
        banner after this run trained or failed), or -1. Banners of ranks above 0 are the same
        run; several banners before any training (one per rank in 0.2) are one run too."""
        if b"h" not in block:  # one memchr pass: no "with" in the block, so no banner
            return -1
        p = find_via(block, _BANNER_TEXT, 0)  # by its "w", a byte progress never holds
        banner_before = self.rec.recipe is not None or self.config is not None
        while p >= 0:
            start = last_break(block, p) + 1
            if banner_before or self.trained():
                earlier = block[:start]
                if not _OTHER_RANK_PREFIX.match(block, start) and (
                    self.trained() or b"|Loss" in earlier or b"Step " in earlier or b"Traceback" in earlier
                ):
                    return start
            banner_before = True
            p = find_via(block, _BANNER_TEXT, 0, p + 20)
        return -1

    # --- the end --------------------------------------------------------------------------

    def _tail(self) -> None:
        tail = self.tail
        r = self.rec
        if not tail:
            return
        self._ranks(tail)
        # each phrase holds a byte that progress renders and Step lines never do ("R", "T",
        # "K", "f"): a memchr-speed test first, the phrase's own search only on a hit
        p = tail.rfind(b"Run summary:") if b"R" in tail else -1
        if p >= 0:
            self._wandb_lines(tail, tail.find(b"\n", p) + 1)
        if b"T" in tail and b"Traceback (most recent call last)" in tail:
            r.traceback = True
        for mark, byte in ((b"Killed", b"K"), (b"Segmentation fault", b"f"), (b"core dumped", b"(")):
            if byte in tail and mark in tail:
                p = tail.rfind(mark)
                line = line_at(tail, p)
                if mark != b"Killed" or re.search(rb"(?:^|\s|: )Killed\b", line):
                    r.killed = True
                    r.error = r.error or decode(line.strip())[:300]
        if r.oom_kind is None and b"f" in tail and (b"out of memory" in tail or b"OutOfMemoryError" in tail):
            r.oom, r.oom_kind = True, "cuda"
        stamps = find_timestamps(tail[-STAMP_TAIL:])
        if stamps:
            r.last_timestamp = max(r.last_timestamp or 0.0, stamps[-1])

    def finish(self) -> TrainingRecord:
        """Close the stream and return the record."""
        r = self.rec
        if self.config is not None and not self.config.done:
            self._apply_config()
        elif self.config is not None and not r.config:
            self._apply_config()
        self._tail()
        if self.step_zero:
            self.versions.add("Step lines numbered from 0")
        if self.gpu_resources:
            self.versions.add("gpu_resources Step metric")
        gas_cfg = r.gradient_accumulation_steps or 1
        first_bar = self.bars.get(1) or (self.plain[0] if self.plain else None)
        if (
            gas_cfg > 1
            and self.versions.could_be_v01()
            and r.last_step
            and first_bar is not None
            and first_bar.pos >= 1.5 * r.last_step
        ):
            # Step lines count optimizer steps while the bar went gas times further: batches
            self.versions.add("bar counts batches (Step lines count optimizer steps)")
        r.version_hint = self.versions.text()
        r.version_evidence = sorted(self.versions.seen)
        r.bar_counts_batches = self.versions.only_v01
        if (
            not r.bar_counts_batches
            and gas_cfg > 1
            and self.versions.known
            and self.versions.low == 0
            and self.versions.high <= 1
        ):
            # 0.1 or 0.2 and nothing tells them apart: counting batches errs long, never short
            r.bar_counts_batches = True
            r.notes.append(
                f"torchtune {r.version_hint}: the bar may count batches (0.1) or optimizer steps "
                f"(0.2); read as batches / {gas_cfg}"
            )
        # memory units: GB (1e9) up to v0.2, GiB after
        gb = self.mem_gb_label
        if gb is None:
            gb = self.versions.known and self.versions.high <= 1
        scale = GB_TO_GIB if gb else 1.0
        peak = MemoryStats(source="")
        for key, attr in (
            ("peak_memory_active", "active"),
            ("peak_memory_alloc", "alloc"),
            ("peak_memory_reserved", "reserved"),
        ):
            vals = []
            if key in self.peak_raw:
                vals.append(self.peak_raw[key])
            w = r.wandb_summary.get(key)
            if isinstance(w, float):
                vals.append(w)
            if vals:
                setattr(peak, attr, max(vals) * scale)
        if peak.best() is not None:
            srcs = []
            if self.peak_raw:
                srcs.append("Step metric lines")
            if any(k.startswith("peak_memory") for k in r.wandb_summary):
                srcs.append("wandb run summary")
            peak.source = " and ".join(srcs)
            r.peak_memory = peak
        if r.tokens_per_second_per_gpu is None:
            w = r.wandb_summary.get("tokens_per_second_per_gpu")
            if isinstance(w, float):
                r.tokens_per_second_per_gpu = w
        if not r.bar_counts_batches and self.desc_step >= 0:
            r.last_step = max(r.last_step or 0, self.desc_step)
        gstep = r.wandb_summary.get("global_step")
        if isinstance(gstep, float) and (r.last_step is None or gstep > r.last_step):
            r.last_step = int(gstep)
        # bars
        gas = r.gradient_accumulation_steps or 1
        bars = sorted(self.bars.values(), key=lambda b: b.epoch) if self.bars else self.plain
        for bar in bars:
            if bar.pos < 0:
                continue
            if bars is self.plain and bar.pos <= 0:
                continue
            steps = bar.pos // gas if r.bar_counts_batches else bar.pos
            r.epochs_progress.append(
                EpochProgress(
                    epoch=bar.epoch,
                    position=bar.pos,
                    total=bar.total,
                    elapsed_text=decode(bar.el_text),
                    seconds=round(bar.seconds(), 3),
                    optimizer_steps=steps,
                    complete=bar.pos == bar.total,
                    rate=decode(bar.rate) if bar.rate else None,
                    whole_seconds=bar.el,
                    rerender_seconds=bar.rerender,
                )
            )
        if r.final_loss is None and bars:
            last = bars[-1].loss
            r.final_loss = _float(decode(last)) if last else None
        if r.final_loss is None:
            w = r.wandb_summary.get("loss")
            if isinstance(w, float):
                r.final_loss = w
        # distributed / world size
        recipe = r.recipe or ""
        r.distributed = "Distributed" in recipe or self.max_rank >= 1
        if r.distributed:
            r.kind = LogKind.TORCHTUNE_DISTRIBUTED
            sizes = []
            if self.nproc:
                sizes.append(self.nproc * (self.nnodes or 1))
            if self.max_rank >= 1:
                sizes.append(self.max_rank + 1)
            r.world_size = max(sizes) if sizes else None
        else:
            r.world_size = 1 if (r.recipe or r.epochs_progress) else None
        if self.exception_at > self.advance_at >= 0 or (self.exception_at >= 0 > self.advance_at):
            r.traceback = True
        # wall clock
        if r.first_timestamp is not None and self.pre_train_ts is not None and self.bars:
            if self.pre_train_ts > r.first_timestamp:
                r.startup_seconds = round(self.pre_train_ts - r.first_timestamp, 3)
                r.startup_source = "timestamps before the first training step"
        if (
            r.first_timestamp is not None
            and r.last_timestamp is not None
            and r.last_timestamp > r.first_timestamp
        ):
            r.total_seconds = round(r.last_timestamp - r.first_timestamp, 3)
            r.total_source = "first and last timestamps in the log"
        derive_startup(r)
        # why fields are missing
        if r.recipe is None:
            r.notes.append("no `Running ... with resolved config` banner")
        if not r.config:
            r.notes.append("no resolved-config dump: batch size, epochs and model unknown")
        if not r.epochs_progress:
            r.notes.append("no tqdm training progress: no timing from this log")
        if r.distributed and r.world_size is None:
            r.notes.append("distributed recipe but world size not stated")
        if r.peak_memory is None:
            r.notes.append("no peak memory during training (Step metrics or wandb summary)")
        return r


def parse_runs(blocks: Iterable[bytes], path: str, job_id: str | None = None) -> list[TrainingRecord]:
    """Every run in one torchtune log (a file may hold several, each from its own banner)."""
    done: list[TrainingRecord] = []
    parser = TorchtuneParser(path, job_id)
    sizes: list[int] = []
    for block in blocks:
        while True:
            cut = parser.banner_cut(block)
            if cut < 0:
                parser.feed(block)
                break
            if cut:
                parser.feed(block[:cut])
            sizes.append(parser.offset)
            done.append(parser.finish())
            parser = TorchtuneParser(path, job_id)
            block = block[cut:]
    sizes.append(parser.offset)
    done.append(parser.finish())
    for i, (rec, size) in enumerate(zip(done, sizes, strict=True)):
        rec.part, rec.parts, rec.size_bytes = i + 1, len(done), size
    return done


def derive_startup(r: TrainingRecord) -> None:
    """Set startup_seconds from a known total: total minus training minus checkpoint saves."""
    train = r.training_seconds
    if r.total_seconds is None or train is None:
        return
    rest = r.total_seconds - train - sum(r.checkpoint_seconds)
    if rest < 0:
        if r.total_seconds < train:
            r.notes.append(
                f"total {r.total_seconds:.0f}s ({r.total_source}) is shorter than the training bars: ignored"
            )
            r.total_seconds = None
            r.total_source = None
        return
    r.startup_seconds = round(rest, 3)
    r.startup_source = f"total from {r.total_source} minus training and checkpoint saves"
