"""A unified diff of two lists of lines that stays fast on a 10,000-row table.

difflib's matcher looks for the longest common block again inside every gap it leaves, so a
table with a thousand changed or missing rows costs it seconds. Table rows are nearly all
unique (each starts with its run name), so the diff is anchored first: the lines that occur
exactly once in each list, in the longest run that keeps their order in both (patience diff's
idea). difflib then matches only the small gaps between two anchors. Small inputs go to difflib
as they are, so their diffs read exactly as before.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Iterator, Sequence

#: Below this many lines in all, difflib alone is fast enough (and its diff is the reference).
SMALL = 2000
#: A gap between two anchors larger than this (on both sides) is written as one replacement.
_GAP = 400

Opcode = tuple[str, int, int, int, int]


def unified_diff(
    old: Sequence[str], new: Sequence[str], fromfile: str, tofile: str, n: int = 3
) -> Iterator[str]:
    """The lines of a unified diff (no line endings), as `difflib.unified_diff(..., lineterm="")`."""
    if len(old) + len(new) <= SMALL:
        yield from difflib.unified_diff(old, new, fromfile=fromfile, tofile=tofile, n=n, lineterm="")
        return
    matcher = _Anchored(old, new)
    started = False
    for group in matcher.get_grouped_opcodes(n):
        if not started:
            started = True
            yield f"--- {fromfile}"
            yield f"+++ {tofile}"
        first, last = group[0], group[-1]
        yield f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in old[i1:i2])
                continue
            if tag in ("replace", "delete"):
                yield from ("-" + line for line in old[i1:i2])
            if tag in ("replace", "insert"):
                yield from ("+" + line for line in new[j1:j2])


def _range(start: int, stop: int) -> str:
    """A hunk range as unified diffs write it (1-based start, a length unless it is 1)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


class _Anchored(difflib.SequenceMatcher):  # type: ignore[type-arg]
    """difflib's grouping of opcodes, over opcodes found from unique-line anchors."""

    def __init__(self, a: Sequence[str], b: Sequence[str]) -> None:
        super().__init__(None, [], [], autojunk=False)  # difflib's own indexing is not needed
        self._codes = _opcodes(list(a), list(b))

    def get_opcodes(self) -> list[Opcode]:  # type: ignore[override]
        return self._codes


def _opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    out: list[Opcode] = []
    i0 = j0 = 0
    for i, j in [*_anchors(a, b), (len(a), len(b))]:
        out += _gap(a, b, i0, i, j0, j)
        if i < len(a):
            out.append(("equal", i, i + 1, j, j + 1))
        i0, j0 = i + 1, j + 1
    merged: list[Opcode] = []
    for code in out:
        if merged and code[0] == "equal" and merged[-1][0] == "equal":
            tag, i1, _, j1, _ = merged[-1]
            merged[-1] = (tag, i1, code[2], j1, code[4])
        else:
            merged.append(code)
    return merged


def _anchors(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """(i, j) of lines unique in both lists, the longest chain increasing in both."""
    count_a, count_b = Counter(a), Counter(b)
    where_b = {line: j for j, line in enumerate(b) if count_b[line] == 1}
    pairs = [(i, where_b[line]) for i, line in enumerate(a) if count_a[line] == 1 and line in where_b]
    # longest increasing subsequence of the j's (pairs are in increasing i)
    tails: list[int] = []  # tails[k]: the smallest last j of a chain of length k + 1
    tail_at: list[int] = []  # index into pairs of that last element
    back: list[int] = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_at.append(index)
        else:
            tails[k] = j
            tail_at[k] = index
        back[index] = tail_at[k - 1] if k else -1
    chain: list[tuple[int, int]] = []
    at = tail_at[-1] if tail_at else -1
    while at >= 0:
        chain.append(pairs[at])
        at = back[at]
    return chain[::-1]


def _gap(a: list[str], b: list[str], i1: int, i2: int, j1: int, j2: int) -> list[Opcode]:
    """The opcodes of a[i1:i2] against b[j1:j2] (no anchor inside)."""
    if i1 == i2 and j1 == j2:
        return []
    if i1 == i2:
        return [("insert", i1, i1, j1, j2)]
    if j1 == j2:
        return [("delete", i1, i2, j1, j1)]
    if i2 - i1 > _GAP and j2 - j1 > _GAP:
        return [("replace", i1, i2, j1, j2)]
    inner = difflib.SequenceMatcher(None, a[i1:i2], b[j1:j2], autojunk=False).get_opcodes()
    return [(tag, x1 + i1, x2 + i1, y1 + j1, y2 + j1) for tag, x1, x2, y1, y2 in inner]
