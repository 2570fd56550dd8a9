"""What one check of a buffer leaves for the next: the loaded plan and its Run views.

A keystroke in a 10,000-run plan changes one line of one section; composing the other 60,000
lines again is most of a check's time. `Reuse.load` re-reads only what changed, when the change
keeps the number of lines (every other node keeps its position):

- inside one run (`runs[k]`): that run's lines alone are parsed, at their own line numbers, with
  the line that follows them (so the run ends where it ends in the file), and the run is
  swapped into a copy of the previous top-level mapping;
- outside the run list: the text is parsed with the runs' lines blanked, and the previous run
  list is put back.

Anything else (a changed line count, an anchor, alias, tag or merge key near the change, a
duplicate key, a buffer that did not load, a BOM, a size or encoding problem) is loaded in full,
so the result is always what `engine.load_buffer` would give; tests compare the two on many edits.
When only one run changed, the other runs' Run views (with what they computed) are carried
into the new plan, so nothing is computed twice for a run whose text did not change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planlint.config import Config
from planlint.finding import Hit
from planlint.plan.load import Loaded, YMap, YSeq, decode, load_plan, scan_suppressions, split_lines
from planlint.plan.model import Plan
from planlint.plan.run import Run

#: Characters near a change that make it non-local: anchors, aliases, tags, directives, tabs.
_NON_LOCAL = ("&", "*", "!", "%", "<<", "\t", "\x85", "\u2028", "\u2029", "\ufeff")
#: The cached properties of a Run: all of them depend on the run's node and on plan sections
#: outside `runs` only (tests check this list against the class).
RUN_CACHED = ("params", "variables", "combination", "condition_items", "condition", "settings", "_recipe")


class Reuse:
    """The last loaded plan of one buffer, and how the next text was loaded (for the figures)."""

    def __init__(self) -> None:
        self.loaded: Loaded | None = None
        self.plan: Plan | None = None
        #: "full", "run" (one run re-read) or "outside" (the rest re-read): the last load's way
        self.how = "full"
        #: index of the one run re-read (its neighbours' Run views carry over)
        self._changed_run: int | None = None
        #: the load the last one was compared with (Run views carry over from its plan only),
        #: and the last incremental load (None: it was loaded in full)
        self._base: Loaded | None = None
        self._pending: Loaded | None = None

    def load(self, path: Path, text: str, config: Config) -> Loaded | None:
        """The buffer's plan as `engine.load_buffer(path, text, config)` gives it, re-read from
        the last one; None when it must be loaded in full."""
        self._changed_run = None
        self.how = "full"
        previous = self._base = self.loaded
        got = None
        if previous is not None and previous.path == path:
            try:
                got = self._incremental(previous, path, text, config)
            except (KeyError, IndexError, TypeError, ValueError, AttributeError):
                got = None  # a shape this module did not foresee: load it in full
        if got is None:
            self.how, self._changed_run = "full", None
        self._pending = got
        return got

    def seed(self, plan: Plan) -> None:
        """Keep the new plan for the next load, and give it the Run views of the runs that did
        not change (called before any rule reads it)."""
        old, self.plan, self.loaded = self.plan, plan, plan.loaded
        if old is None or self._changed_run is None or "runs" not in old.cache:
            return
        if old.loaded is not self._base or plan.loaded is not self._pending:
            return
        if old.config is not plan.config or old.path != plan.path or plan.loaded.fatal:
            return
        new_nodes = plan.seq("runs")
        carried: list[Run] = []
        for run in old.cache["runs"]:
            i = run.index
            node = new_nodes[i] if i < len(new_nodes) else None
            if not isinstance(node, YMap):
                return
            fresh = Run(plan, i, node)
            if i != self._changed_run and node is run.node:
                for name in RUN_CACHED:
                    if name in run.__dict__:
                        fresh.__dict__[name] = run.__dict__[name]
            carried.append(fresh)
        if len(carried) != sum(1 for n in new_nodes if isinstance(n, YMap)):
            return
        plan.cache["runs"] = carried

    # -- the incremental load ---------------------------------------------------------------
    def _incremental(self, previous: Loaded, path: Path, text: str, config: Config) -> Loaded | None:
        old = previous.text
        if previous.fatal or previous.bom or not isinstance(previous.data, YMap) or not old:
            return None
        if text == old:
            return _copy(previous, text, previous.data, list(previous.hits))
        if any(h.rule in ("PL002", "PL005") for h in previous.hits):
            return None
        raw = text.encode("utf-8", "surrogateescape")
        if len(raw) > config.max_bytes:
            return None
        hits: list[Hit] = []
        decoded, bom = decode(path, raw, hits)
        if decoded != text or bom or hits:
            return None
        old_lines, new_lines = split_lines(old), split_lines(text)
        if len(old_lines) != len(new_lines):
            return None
        first = 0
        while first < len(old_lines) and old_lines[first] == new_lines[first]:
            first += 1
        if first == len(old_lines):
            return None  # same lines, other line breaks
        last = len(old_lines) - 1
        while old_lines[last] == new_lines[last]:
            last -= 1
        first_line, last_line = first + 1, last + 1  # 1-based, inclusive
        for lines in (old_lines, new_lines):
            changed = "\n".join(lines[first : last + 1])
            if any(mark in changed for mark in _NON_LOCAL):
                return None
        data = previous.data
        runs = data.get("runs")
        if not isinstance(runs, YSeq) or len(runs) < 2 or "runs" not in data.kpos:
            return None
        if not all(isinstance(r, YMap) for r in runs):
            return None
        starts = [line for line, _ in runs.ipos]
        dash = _dash_column(old_lines[starts[0] - 1])
        if dash is None or starts[0] <= data.kpos["runs"][0]:
            return None
        runs_end = _section_end(data, old_lines)  # last line of the run list's region
        if first_line >= starts[0] and last_line <= runs_end:
            k = _run_holding(starts, first_line)
            end = starts[k + 1] - 1 if k + 1 < len(starts) else runs_end
            if last_line > end:
                return None
            return self._one_run(previous, path, text, new_lines, k, end, dash)
        if last_line < starts[0] or first_line > runs_end:
            return self._outside(previous, path, text, new_lines, starts[0], runs_end)
        return None

    def _one_run(
        self,
        previous: Loaded,
        path: Path,
        text: str,
        lines: list[str],
        k: int,
        end: int,
        dash: int,
    ) -> Loaded | None:
        data = previous.data
        runs: YSeq = data["runs"]
        start = runs.ipos[k][0]
        if _dash_column(lines[start - 1]) != dash:
            return None
        at_eof = end >= len(lines)
        following = "" if at_eof else lines[end]
        if k + 1 < len(runs) and _dash_column(following) != dash:
            return None
        old_chunk = split_lines(previous.text)[start - 1 : end]
        body = lines[start - 1 : end]
        for part in ("\n".join(old_chunk), "\n".join(body), following):
            if any(mark in part for mark in ("&", "*", "<<", "!", "%")):
                return None
        chunk = "\n" * (start - 2) + "runs:\n" + "\n".join(body)
        if not at_eof:
            chunk += "\n" + following + "\n"
        got = load_plan(path, text=chunk)
        if got.fatal or not isinstance(got.data, YMap):
            return None
        new_runs = got.data.get("runs")
        if not isinstance(new_runs, YSeq) or not new_runs or not isinstance(new_runs[0], YMap):
            return None
        expect = 2 if k + 1 < len(runs) else 1
        if len(new_runs) != expect or new_runs.ipos[0] != runs.ipos[k]:
            return None
        if expect == 2 and new_runs.ipos[1] != runs.ipos[k + 1]:
            return None
        if any(h.rule in ("PL002", "PL005", "PL006", "PL001") for h in got.hits):
            return None
        seq = YSeq(runs.line, runs.col, new_runs.end_line if at_eof else runs.end_line)
        seq.extend(runs)
        seq[k] = new_runs[0]
        seq.ipos = list(runs.ipos)
        seq.raw = {i: t for i, t in runs.raw.items() if i != k}
        if 0 in new_runs.raw:
            seq.raw[k] = new_runs.raw[0]
        top = _top_copy(data)
        top["runs"] = seq
        if at_eof:  # the file ends in this run: the top mapping ends where the chunk does
            top.end_line, top.end_col = got.data.end_line, got.data.end_col
        inside = [h for h in got.hits if start <= h.line <= end]
        kept = [h for h in previous.hits if not start <= h.line <= end]
        self.how, self._changed_run = "run", k
        return _copy(previous, text, top, _in_order(kept + inside))

    def _outside(
        self, previous: Loaded, path: Path, text: str, lines: list[str], start: int, end: int
    ) -> Loaded | None:
        data = previous.data
        region = "\n".join(split_lines(previous.text)[start - 1 : end])
        if any(mark in region for mark in ("&", "*", "<<")):
            return None
        blanked = "\n".join(lines[: start - 1] + [""] * (end - start + 1) + lines[end:])
        got = load_plan(path, text=blanked)
        if got.fatal or not isinstance(got.data, YMap) or list(got.data) != list(data):
            return None
        if got.data.get("runs") is not None or got.data.kpos.get("runs") != data.kpos["runs"]:
            return None
        if any(h.rule in ("PL002", "PL005") for h in got.hits):
            return None
        top = got.data
        top["runs"] = data["runs"]
        top.vpos["runs"] = data.vpos["runs"]
        top.raw.pop("runs", None)
        if "runs" in data.raw:
            top.raw["runs"] = data.raw["runs"]
        if end >= len(lines):  # the file ends in the run list, which this parse did not read
            top.end_line, top.end_col = data.end_line, data.end_col
        outside = [h for h in got.hits if not start <= h.line <= end]
        kept = [h for h in previous.hits if start <= h.line <= end]
        self.how = "outside"
        return _copy(previous, text, top, _in_order(outside + kept))


def _dash_column(line: str) -> int | None:
    """Column (0-based) of the `- ` that starts a sequence item on this line, else None."""
    body = line.lstrip(" ")
    return len(line) - len(body) if body.startswith("- ") else None


def _section_end(data: YMap, lines: list[str]) -> int:
    """Last line (1-based) of the run list's region: before the next top-level key, else EOF."""
    runs_line = data.kpos["runs"][0]
    after = [line for line, _ in data.kpos.values() if line > runs_line]
    return (min(after) - 1) if after else len(lines)


def _run_holding(starts: list[int], line: int) -> int:
    """Index of the run whose region holds `line` (the last run starting at or before it)."""
    import bisect

    return bisect.bisect_right(starts, line) - 1


def _top_copy(data: YMap) -> YMap:
    top = YMap(data.line, data.col, data.end_line, data.end_col)
    top.update(data)
    top.kpos, top.vpos, top.raw = dict(data.kpos), dict(data.vpos), dict(data.raw)
    return top


def _in_order(hits: list[Hit]) -> list[Hit]:
    return sorted(hits, key=lambda h: (h.line, h.column))


def _copy(previous: Loaded, text: str, data: Any, hits: list[Hit]) -> Loaded:
    out = Loaded(previous.path, text=text, data=data, hits=hits, bom=previous.bom)
    out.suppressions = scan_suppressions(text)
    return out
