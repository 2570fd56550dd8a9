"""Where a plan's nodes end: the end of a key, a scalar, a mapping or a list, read lazily.

The loader records where every node starts (``kpos``, ``vpos``, ``ipos``) and where each
collection's last line is; this module finds the rest from the source text only when a finding
needs it, so loading pays nothing. Ends are 1-based and exclusive: ``(line, column)`` of the
character just after the node, as SARIF's ``endColumn`` and GitHub's ``endColumn`` read them.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from planlint.plan.load import Pos, YMap, YSeq, split_lines

#: A node as seen from its parent: ("key", map, key), ("value", map, key), ("item", seq, index)
#: or ("root", data, None).
Node = tuple[str, Any, Any]


class PlanSpans:
    """Ends of the nodes of one loaded plan, computed from its text on demand."""

    def __init__(self, text: str, data: Any) -> None:
        self.text = text
        self.data = data
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        """The source lines, split as the parser counts them."""
        if self._lines is None:
            self._lines = split_lines(self.text)
        return self._lines

    # -- lookups -----------------------------------------------------------------------------
    def end_at_path(self, path: tuple[Any, ...], key: bool, start: Pos) -> Pos | None:
        """The end of the node `path` names (its key with `key`), when that node starts at
        `start`; the path is walked as far as the data goes, as `load.position` walks it."""
        node = self.node_at_path(path, key)
        if node is None or self.start_of(node) != start:
            return None
        return self.end_of(node)

    def end_at(self, start: Pos) -> Pos | None:
        """The end of the key or value that starts at `start` (a key or scalar before the
        mapping that starts at the same place), else of the token written there; None at a
        blank."""
        node = self.node_at(start)
        if node is not None:
            return self.end_of(node)
        # not in the data (a duplicate key the loader dropped): the token written there
        return self._scalar_end(start, None) if self._char(start).strip() else None

    def node_at_path(self, path: tuple[Any, ...], key: bool) -> Node | None:
        """The node `path` reaches (the nearest existing one), as `load.position` finds it."""
        node: Node = ("root", self.data, None)
        cur = self.data
        for step in path:
            if isinstance(cur, YMap) and isinstance(step, str):
                if step not in cur.kpos:
                    return node
                kind = "key" if key or step not in cur.vpos else "value"
                node, cur = (kind, cur, step), cur[step]
            elif isinstance(cur, YSeq) and isinstance(step, int) and 0 <= step < len(cur):
                node, cur = ("item", cur, step), cur[step]
            else:
                return node
        return node

    def node_at(self, start: Pos) -> Node | None:
        """The narrowest node starting at `start`: a key or a scalar, else a collection."""
        found: Node | None = None
        cur: Any = self.data
        if isinstance(cur, (YMap, YSeq)) and (cur.line, cur.col) == start:
            found = ("root", cur, None)
        while True:
            child = _child_containing(cur, start)
            if child is None:
                return found
            kind, parent, step = child
            if kind == "key":
                return child
            value = parent[step]
            vstart = self.start_of(child)
            if not isinstance(value, (YMap, YSeq)):
                return child if vstart == start else found
            if vstart == start:
                found = child
            cur = value

    def start_of(self, node: Node) -> Pos:
        """Where `node` starts, as the loader recorded it."""
        kind, parent, step = node
        if kind == "key":
            return parent.kpos[step]  # type: ignore[no-any-return]
        if kind == "value":
            return parent.vpos[step]  # type: ignore[no-any-return]
        if kind == "item":
            return parent.ipos[step]  # type: ignore[no-any-return]
        return (getattr(parent, "line", 1), getattr(parent, "col", 1))

    # -- ends --------------------------------------------------------------------------------
    def end_of(self, node: Node, depth: int = 0) -> Pos | None:
        """Where `node` ends: a key after its text, a scalar after its source text (a quoted or
        block scalar over all its lines), a flow collection after its bracket, a block one after
        the end of its last child."""
        kind, parent, step = node
        start = self.start_of(node)
        if kind == "key":
            return self._scalar_end(start, str(step))
        value = parent if kind == "root" else parent[step]
        if isinstance(value, (YMap, YSeq)):
            return self._collection_end(value, start, depth)
        raw = getattr(parent, "raw", {}).get(step) if kind != "root" else None
        end = self._scalar_end(start, raw)
        if end is None and kind == "value":  # an empty value (`key:`): the key stands for it
            return self._scalar_end(parent.kpos[step], str(step))
        return end

    def _collection_end(self, value: YMap | YSeq, start: Pos, depth: int) -> Pos | None:
        ch = self._char(start)
        if ch in "[{":
            return _flow_end(self.lines, start)
        last = _last_child(value)
        if last is None or depth > 200:
            return _line_end(self.lines, max(start[0], value.end_line))
        end = self.end_of(last, depth + 1)
        if end is None or end < start:
            return _line_end(self.lines, max(start[0], value.end_line))
        return end

    def _char(self, pos: Pos) -> str:
        line, col = pos
        if not 1 <= line <= len(self.lines):
            return ""
        body = self.lines[line - 1]
        return body[col - 1] if 0 < col <= len(body) else ""

    def _scalar_end(self, start: Pos, value: str | None) -> Pos | None:
        lines = self.lines
        line, col = start
        if not 1 <= line <= len(lines):
            return None
        idx = _skip_properties(lines[line - 1], col - 1)
        body = lines[line - 1]
        if idx >= len(body):
            return None
        ch = body[idx]
        if ch == '"' or ch == "'":
            return _quoted_end(lines, line, idx, ch)
        if value == "":  # an empty plain value: nothing is written
            return None
        if ch in "|>":
            return _block_scalar_end(lines, line, idx)
        if ch in "[{" and value is None:
            return _flow_end(lines, (line, idx + 1))
        if value:
            got = _plain_end(lines, line, idx, value)
            if got is not None:
                return got
        return _token_end(body, line, idx)


def _child_containing(cur: Any, start: Pos) -> Node | None:
    """The child of `cur` whose key or value starts at `start`, else the last collection child
    starting before `start` whose lines reach it."""
    line = start[0]
    if isinstance(cur, YMap):
        best: Node | None = None
        best_pos: Pos = (0, 0)
        for k in cur:
            if cur.kpos.get(k) == start:
                return ("key", cur, k)
            vp = cur.vpos.get(k)
            if vp is None:
                continue
            if vp == start:
                return ("value", cur, k)
            v = cur[k]
            if isinstance(v, (YMap, YSeq)) and best_pos < vp < start and line <= max(v.line, v.end_line):
                best, best_pos = ("value", cur, k), vp
        return best
    if isinstance(cur, YSeq) and cur.ipos:
        i = bisect_right(cur.ipos, start) - 1
        if i < 0:
            return None
        v, ip = cur[i], cur.ipos[i]
        if ip == start:
            return ("item", cur, i)
        if isinstance(v, (YMap, YSeq)) and line <= max(v.line, v.end_line):
            return ("item", cur, i)
    return None


def _last_child(value: YMap | YSeq) -> Node | None:
    """The child written last (greatest start), skipping merged keys written elsewhere."""
    best: Node | None = None
    best_pos: Pos = (0, 0)
    if isinstance(value, YMap):
        for k in value:
            kp = value.kpos.get(k)
            if kp is None or kp[0] < value.line or kp[0] > max(value.line, value.end_line):
                continue
            vp = value.vpos.get(k, kp)
            pos = max(kp, vp)
            if pos >= best_pos:
                best, best_pos = ("value", value, k), pos
        return best
    for i, ip in enumerate(value.ipos):
        if ip >= best_pos and value.line <= ip[0] <= max(value.line, value.end_line):
            best, best_pos = ("item", value, i), ip
    return best


def _skip_properties(body: str, idx: int) -> int:
    """Past an anchor (`&name`) and a tag (`!!str`) in front of a node."""
    while idx < len(body) and body[idx] in "&!":
        while idx < len(body) and body[idx] not in " \t":
            idx += 1
        while idx < len(body) and body[idx] in " \t":
            idx += 1
    return idx


def _line_end(lines: list[str], line: int) -> Pos:
    """The end of a line's text, trailing blanks left out."""
    line = min(max(1, line), len(lines))
    return (line, len(lines[line - 1].rstrip()) + 1)


def _token_end(body: str, line: int, idx: int) -> Pos:
    """The end of a plain token: before ` #`, a `: ` or a line-ending `:`, or the line's end."""
    i = idx
    while i < len(body):
        ch = body[i]
        if ch == "#" and i > idx and body[i - 1] in " \t":
            break
        if ch == ":" and (i + 1 == len(body) or body[i + 1] in " \t"):
            break
        i += 1
    text = body[idx:i].rstrip()
    return (line, idx + len(text) + 1)


def _plain_end(lines: list[str], line: int, idx: int, value: str) -> Pos | None:
    """The end of a plain scalar whose value is `value`: its words, in order, over as many lines
    as it folds over (a plain scalar holds no comment and no `: `)."""
    n = line - 1
    i = idx
    for word in value.split():
        while True:
            body = lines[n]
            while i < len(body) and body[i] in " \t":
                i += 1
            if i < len(body):
                break
            n += 1
            i = 0
            if n >= len(lines):
                return None
        if not lines[n].startswith(word, i):
            return None
        i += len(word)
    return (n + 1, i + 1)


def _quoted_end(lines: list[str], line: int, idx: int, quote: str) -> Pos | None:
    """Just past the closing quote of the string that opens at `idx`, over lines if it folds."""
    n, i = line - 1, idx + 1
    while n < len(lines):
        body = lines[n]
        while i < len(body):
            ch = body[i]
            if quote == '"' and ch == "\\":
                i += 2
                continue
            if ch == quote:
                if quote == "'" and body[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                return (n + 1, i + 2)
            i += 1
        n, i = n + 1, 0
    return None


def _indent(body: str) -> int:
    return len(body) - len(body.lstrip(" "))


def _block_scalar_end(lines: list[str], line: int, idx: int) -> Pos:
    """The end of the last content line of the block scalar whose header (`|`, `>-`, ...) is at
    `idx`: content runs while lines are blank or indented at least as deep as its first line."""
    header = lines[line - 1]
    i = idx + 1
    while i < len(header) and header[i] in "+-0123456789":
        i += 1
    end: Pos = (line, i + 1)
    parent = _indent(header)
    content: int | None = None
    for n in range(line, len(lines)):
        body = lines[n]
        if not body.strip():
            continue
        depth = _indent(body)
        if content is None:
            if depth <= parent:
                break
            content = depth
        elif depth < content:
            break
        end = (n + 1, len(body.rstrip()) + 1)
    return end


def _flow_end(lines: list[str], start: Pos) -> Pos | None:
    """Just past the bracket that closes the flow collection opening at `start` (quotes and
    comments skipped), or None when it is never closed."""
    n, i = start[0] - 1, start[1] - 1
    depth = 0
    while n < len(lines):
        body = lines[n]
        while i < len(body):
            ch = body[i]
            if ch in "\"'" and (i == 0 or body[i - 1] in " \t[{,:"):
                got = _quoted_end(lines, n + 1, i, ch)
                if got is None:
                    return None
                n, i = got[0] - 1, got[1] - 1
                body = lines[n]
                continue
            if ch == "#" and (i == 0 or body[i - 1] in " \t"):
                break
            if ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
                if depth == 0:
                    return (n + 1, i + 2)
            i += 1
        n, i = n + 1, 0
    return None
