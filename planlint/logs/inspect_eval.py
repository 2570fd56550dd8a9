"""Parser of the inspect-ai end-of-eval panel (total time, token counts, model, metrics)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from planlint.logs.reader import decode, parse_duration
from planlint.logs.records import EvalRecord

_BOX = re.compile("[\u2500-\u257f]")
_TITLE = re.compile(r"^(\S+) \(([\d,]+) samples?\):\s*(\S+)")
_TOTAL = re.compile(r"^total time:\s+(.+)$")
_TOKENS = re.compile(r"^(\S+)\s+([\d,]+) tokens \[([^\]]*)\]")
_PART = re.compile(r"([A-Z]+): ([\d,]+)")
_METRIC = re.compile(r"^([\w/.-]+)\s+(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)$")
_WORD = re.compile(r"^[\w/.-]+$")
_INTERRUPTED = re.compile(r"Task interrupted \((\d+) of (\d+)")
_ERRORS = re.compile(r"WARNING: (\d+) of (\d+) samples .*had errors")


_SAMPLES_TITLE = re.compile(rb"\S \(\d[\d,]* samples?\): *\S")
_PANEL = ("\u2502".encode(), "\u256d".encode(), "\u2570".encode())  # box sides and corners


def looks_like_inspect(data: bytes) -> bool:
    """True when the bytes hold an inspect-ai results panel, also one without a token line
    (a box panel or a `task (N samples): model` title with `total time:`)."""
    if b"total time:" not in data:
        return False
    return (
        b" tokens [I:" in data
        or b"inspect_ai" in data
        or any(c in data for c in _PANEL)
        or _SAMPLES_TITLE.search(data) is not None
    )


def parse_inspect(lines: Iterable[bytes], path: str, size: int = 0) -> EvalRecord:
    """Parse the last results panel in ``lines`` (later panels overwrite earlier ones)."""
    r = EvalRecord(path=path, size_bytes=size)
    scorer: str | None = None
    in_scores = False
    for raw in lines:
        text = _BOX.sub(" ", decode(raw)).strip()
        if not text:
            continue
        m = _TITLE.match(text)
        if m:
            r.task, r.samples, r.model = m.group(1), int(m.group(2).replace(",", "")), m.group(3)
            r.metrics = {}
            in_scores = False
            continue
        m = _TOTAL.match(text)
        if m:
            r.total_seconds = parse_duration(m.group(1).strip())
            in_scores = False
            continue
        m = _TOKENS.match(text)
        if m:
            r.model = r.model or m.group(1)
            if r.model != m.group(1) and r.total_tokens is None:
                r.model = m.group(1)
            r.total_tokens = int(m.group(2).replace(",", ""))
            parts = {k: int(v.replace(",", "")) for k, v in _PART.findall(m.group(3))}
            r.tokens = parts
            r.input_tokens = parts.get("I")
            r.output_tokens = parts.get("O")
            in_scores = True
            scorer = None
            continue
        m = _INTERRUPTED.search(text)
        if m:
            r.interrupted = True
            continue
        m = _ERRORS.search(text)
        if m:
            r.errors = text
            continue
        if text.startswith("Log:"):
            in_scores = False
            continue
        if in_scores:
            m = _METRIC.match(text)
            if m:
                key = f"{scorer}/{m.group(1)}" if scorer and "/" not in m.group(1) else m.group(1)
                r.metrics[key] = float(m.group(2))
            elif _WORD.match(text):
                scorer = text
    if r.metrics and all(k.split("/", 1)[0] == next(iter(r.metrics)).split("/", 1)[0] for k in r.metrics):
        r.metrics = {k.split("/", 1)[-1]: v for k, v in r.metrics.items()}
    if r.total_seconds is None:
        r.notes.append("no `total time:` line")
    if r.total_tokens is None:
        r.notes.append("no token count line")
    return r
