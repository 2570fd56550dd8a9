"""Load plan.yaml into JSON-typed values that remember their line, column and source text (PL0xx)."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planlint.finding import Hit

# Bounds on hostile input. A real plan is a few KB and six levels deep.
MAX_DEPTH = 100  # nesting levels accepted by the walker
PRESCAN_DEPTH = 500  # conservative bound checked on the raw text before the C composer sees it
ALIAS_EXPANSION_BUDGET = 100_000  # extra nodes that aliases may add once expanded
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

_CORE = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_CORE + t for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _MAP, _SEQ, _MERGE = (_CORE + t for t in ("timestamp", "map", "seq", "merge"))
_BINARY = _CORE + "binary"
_ACCEPTED_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _MAP, _SEQ, _MERGE, _BINARY}

# What PyYAML (YAML 1.1) reads differently from YAML 1.2.
_YAML11_BOOL = {
    "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
}  # fmt: skip
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_OCTAL_11 = re.compile(r"^[-+]?0[0-9_]+$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SUPPRESS = re.compile(r"#\s*planlint:\s*disable=([A-Za-z0-9_, ]+)")
# YAML 1.2 core schema resolution of plain scalars (as ruamel.yaml's 1.2 resolver does it).
_INT12 = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$")
_FLOAT12 = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
    r"|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_TIMESTAMP12 = re.compile(
    r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}"
    r":[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$"
)
_BOOLS = {"true", "True", "TRUE", "false", "False", "FALSE"}
_NULLS = {"~", "null", "Null", "NULL"}


def resolve_plain(value: str) -> str:
    """The YAML 1.2 core tag of a plain scalar."""
    if not value:
        return _NULL
    first = value[0]
    if first in "-+0123456789.":
        if _FLOAT12.match(value):
            return _FLOAT
        if _INT12.match(value):
            return _INT
        if first.isdigit() and _TIMESTAMP12.match(value):
            return _TIMESTAMP
        return _STR
    if value in _BOOLS:
        return _BOOL
    if value in _NULLS:
        return _NULL
    if value == "<<":
        return _MERGE
    return _STR


Pos = tuple[int, int]  # 1-based (line, column)


class YMap(dict):  # type: ignore[type-arg]
    """A mapping that knows where it, each key and each value sit, and each scalar's source text."""

    __slots__ = ("col", "end_col", "end_line", "kpos", "line", "raw", "vpos")

    def __init__(self, line: int, col: int, end_line: int, end_col: int = 0) -> None:
        super().__init__()
        self.line, self.col, self.end_line = line, col, end_line
        #: 1-based column just after the node on its last line (after the `}` of a flow mapping)
        self.end_col = end_col
        self.kpos: dict[str, Pos] = {}
        self.vpos: dict[str, Pos] = {}
        self.raw: dict[str, str] = {}


class YSeq(list):  # type: ignore[type-arg]
    """A sequence that knows where it and each item sit, and each scalar item's source text."""

    __slots__ = ("col", "end_line", "ipos", "line", "raw")

    def __init__(self, line: int, col: int, end_line: int) -> None:
        super().__init__()
        self.line, self.col, self.end_line = line, col, end_line
        self.ipos: list[Pos] = []
        self.raw: dict[int, str] = {}


@dataclass
class Loaded:
    """The outcome of loading one YAML file."""

    path: Path
    text: str = ""
    data: Any = None
    hits: list[Hit] = field(default_factory=list)
    bom: bool = False
    #: line -> rule ids silenced on that line by `# planlint: disable=...`
    suppressions: dict[int, set[str]] = field(default_factory=dict)

    @property
    def fatal(self) -> bool:
        """True when the file could not be read into data at all."""
        return self.data is None


def line_col_of_offset(data: bytes, offset: int) -> Pos:
    """1-based line and column of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def decode(path: Path, raw: bytes, hits: list[Hit]) -> tuple[str | None, bool]:
    """Decode UTF-8 text (BOM allowed); report binary and other encodings as PL003."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        hits.append(Hit("PL003", 1, 1, "file is UTF-16 or UTF-32 encoded", "save it as UTF-8"))
        return None, False
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = line_col_of_offset(raw, nul)
        msg = "file holds a NUL byte: it looks binary, not YAML text"
        hits.append(Hit("PL003", line, col, msg, "save it as UTF-8 text"))
        return None, False
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        text = raw[3:].decode("utf-8") if bom else raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = line_col_of_offset(raw, exc.start)
        msg = f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})"
        hits.append(Hit("PL003", line, col, msg, "re-save the file as UTF-8 (e.g. iconv -f latin1)"))
        return None, False
    return text, bom


def read_text(path: Path, hits: list[Hit], max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str | None, bool]:
    """Read a regular file as text within the size bound, reporting problems as PL003/PL004 hits."""
    from planlint.readfile import Refused, read_bounded

    try:
        raw = read_bounded(path, max_bytes)
    except Refused as exc:
        if exc.too_large:
            hits.append(
                Hit("PL004", 1, 1, f"file is {exc.reason}", "raise max-file-size-mb in the configuration")
            )
        else:
            hits.append(
                Hit("PL003", 1, 1, f"file is {exc.reason}: not read", "point planlint at a plan file")
            )
        return None, False
    except OSError as exc:
        hits.append(Hit("PL003", 1, 1, f"cannot read file: {exc.strerror or exc}"))
        return None, False
    return decode(path, raw, hits)


def prescan_depth(text: str) -> tuple[int, int]:
    """Upper bound of the nesting depth and the line where it is reached, without parsing.

    Block depth on a line is at most the column where its content starts (after `- ` items);
    flow depth is the count of open brackets. Quotes are ignored, so this over-estimates.
    """
    worst, worst_line, flow = 0, 1, 0
    for n, line in enumerate(split_lines(text), 1):
        stripped = line.lstrip(" -")
        indent = len(line) - len(stripped)
        opens = stripped.count("[") + stripped.count("{")
        if opens > 8:
            peak = flow
            for ch in stripped:
                if ch in "[{":
                    flow += 1
                    peak = max(peak, flow)
                elif ch in "]}":
                    flow = max(0, flow - 1)
        else:
            peak = flow + opens
            flow = max(0, flow + opens - stripped.count("]") - stripped.count("}"))
        if indent + peak > worst:
            worst, worst_line = indent + peak, n
    return worst, worst_line


_BLOCK_SCALAR = re.compile(r"(?:^|[\s:-])[|>][-+0-9]*\s*(?:#.*)?$")


def prescan_depth_exact(text: str) -> tuple[int, int]:
    """Like prescan_depth, but brackets inside quotes, comments and block scalars do not count.

    Slower (a loop over characters): run only when the quick bound is exceeded.
    """
    worst, worst_line, flow = 0, 1, 0
    quote = ""
    block_indent = -1  # inside a block scalar whose parent line has this indent
    for n, line in enumerate(split_lines(text), 1):
        stripped = line.lstrip(" -")
        indent = len(line) - len(stripped)
        if block_indent >= 0:
            if not line.strip() or len(line) - len(line.lstrip(" ")) > block_indent:
                continue
            block_indent = -1
        peak, prev, skip = flow, " ", False
        for i, ch in enumerate(stripped):
            if skip:
                skip = False
            elif quote:
                if ch == "\\" and quote == '"':
                    skip = True  # an escape: \" does not end the string
                elif ch == quote:
                    if quote == "'" and stripped[i + 1 : i + 2] == "'":
                        skip = True  # '' is a quote inside a single-quoted string
                    else:
                        quote = ""
            elif ch in "'\"" and prev in " \t[{,:":
                quote = ch
            elif ch == "#" and prev in " \t":
                break
            elif ch in "[{":
                flow += 1
                peak = max(peak, flow)
            elif ch in "]}":
                flow = max(0, flow - 1)
            prev = ch
        if not quote and flow == 0 and _BLOCK_SCALAR.search(stripped):
            block_indent = len(line) - len(line.lstrip(" "))
        if indent + peak > worst:
            worst, worst_line = indent + peak, n
    return worst, worst_line


def scan_suppressions(text: str) -> dict[int, set[str]]:
    """Lines carrying `# planlint: disable=ID[,ID]` and the ids they name."""
    out: dict[int, set[str]] = {}
    if "planlint:" not in text:
        return out
    for n, line in enumerate(split_lines(text), 1):
        if "planlint:" in line:
            m = _SUPPRESS.search(line)
            if m:
                ids = {p.strip().upper() for p in m.group(1).split(",") if p.strip()}
                out[n] = ids
    return out


def load_plan(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, text: str | None = None) -> Loaded:
    """Read, decode, compose and walk a plan; every problem becomes a PL0 hit, never an exception."""
    out = Loaded(path)
    if text is None:
        got, out.bom = read_text(path, out.hits, max_bytes)
        if got is None:
            return out
        text = got
    out.text = text
    if not text.strip():
        out.hits.append(Hit("PL009", 1, 1, "plan is empty", "start from `planlint init`"))
        return out
    depth, dline = prescan_depth(text)
    if depth > PRESCAN_DEPTH:
        depth, dline = prescan_depth_exact(text)  # perhaps only brackets in quotes or block scalars
    if depth > PRESCAN_DEPTH:
        msg = f"nesting is too deep (more than {PRESCAN_DEPTH} levels by line {dline})"
        out.hits.append(Hit("PL006", dline, 1, msg, "a plan needs only a few levels"))
        return out
    node = _compose(text, out.hits)
    if node is None:
        if not out.hits:
            out.hits.append(Hit("PL009", 1, 1, "plan is empty", "start from `planlint init`"))
        return out
    walker = _Walker(out.hits, text)
    try:
        data = walker.build(node, 0)
    except _Abort:
        return out
    if not isinstance(data, YMap):
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        kind = "a list" if isinstance(data, list) else "a single value"
        msg = f"plan must be a mapping of sections (experiment, runs, ...), not {kind}"
        out.hits.append(Hit("PL101", line, col, msg))
        return out
    out.data = data
    out.suppressions = scan_suppressions(text)
    return out


_FAST: dict[str, Any] = {}


def _fast_resolver() -> Any:
    """A resolver that only marks plain scalars; the walker resolves them (ruamel's is slow)."""
    if "cls" not in _FAST:
        from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
        from ruamel.yaml.resolver import BaseResolver
        from ruamel.yaml.tag import Tag

        plain, quoted = Tag(suffix="tag:planlint,2026:plain"), Tag(suffix=_STR)
        seq, mapping = Tag(suffix=_SEQ), Tag(suffix=_MAP)

        class FastResolver(BaseResolver):
            def __init__(self, version: Any = None, loader: Any = None, loadumper: Any = None) -> None:
                super().__init__(loadumper=loadumper or loader)
                self._loader_version = None

            def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
                if kind is ScalarNode:
                    return plain if implicit[0] else quoted
                if kind is SequenceNode:
                    return seq
                if kind is MappingNode:
                    return mapping
                return quoted  # pragma: no cover

            @property
            def processing_version(self) -> Any:
                return (1, 2)

        _FAST.update(cls=FastResolver, plain=plain, quoted=quoted, seq=seq, map=mapping)
    return _FAST["cls"]


#: Line breaks to YAML 1.1 (and libyaml) that YAML 1.2 and editors treat as ordinary characters.
_UNUSUAL_BREAKS = ("\x85", "\u2028", "\u2029")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text` as the YAML 1.2 parser and editors count them (\\n, \\r\\n and \\r)."""
    return _LINE_BREAK.split(text)


def _composer(pure: bool) -> Any:
    """The YAML composer (libyaml's C one, or ruamel's pure-Python one), made once per process."""
    key = "pure" if pure else "yaml"
    yaml = _FAST.get(key)
    if yaml is None:
        from ruamel.yaml import YAML

        try:
            yaml = YAML(typ="safe", pure=pure)
        except Exception:  # pragma: no cover - no C extension
            yaml = YAML(typ="safe", pure=True)
        yaml.Resolver = _fast_resolver()
        _FAST[key] = yaml
    return yaml


def _compose_pure(text: str) -> Any:
    """Compose with ruamel's pure-Python parser (YAML 1.2), which builds the same node tree."""
    import warnings

    from ruamel.yaml.error import YAMLError

    yaml = _composer(pure=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a re-defined anchor is valid YAML: the later one wins
        try:
            return yaml.compose(text)
        except (YAMLError, ValueError, RecursionError):
            raise
        except Exception as exc:  # e.g. ruamel asserts on a `%YAML 1.3` directive
            raise YAMLError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            yaml.version = None  # a %YAML directive sets it on the shared instance


def _compose(text: str, hits: list[Hit]) -> Any:
    """The node tree of `text`; a syntax error becomes a PL001 hit and None.

    libyaml is fast but reads YAML 1.1: it refuses `:` inside plain scalars in flow collections
    (`{time: 0:10:00}`, URLs in `[...]`), a tab in a block scalar's content and a re-defined
    anchor, and counts U+0085, U+2028 and U+2029 as line breaks. Such text goes to the pure
    parser, and a C syntax error is only reported when the pure parser refuses the text too.
    """
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        if any(ch in text for ch in _UNUSUAL_BREAKS):
            return _compose_pure(text)
        try:
            return _composer(pure=False).compose(text)
        except MarkedYAMLError as c_error:
            try:
                return _compose_pure(text)
            except (YAMLError, ValueError, RecursionError):
                raise c_error from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p) or str(exc)
        if "expected a single document" in problem:
            problem = "the file holds more than one YAML document"
        hits.append(Hit("PL001", line, col, f"YAML syntax error: {problem}", _syntax_hint(problem)))
    except (YAMLError, ValueError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "mark", None)
        line = getattr(mark, "line", 0) + 1
        col = getattr(mark, "column", 0) + 1
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hits.append(Hit("PL001", line, col, f"YAML error: {first}"))
    return None


def _tag(node: Any) -> str:
    """The resolved tag of a node composed with the fast resolver."""
    ctag = node.ctag
    if ctag is _FAST["plain"]:
        return resolve_plain(node.value)
    if ctag is _FAST["quoted"]:
        return _STR
    if ctag is _FAST["map"]:
        return _MAP
    if ctag is _FAST["seq"]:
        return _SEQ
    return str(ctag)


def _syntax_hint(problem: str) -> str | None:
    if "'\\t'" in problem or "\\t" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "quote values that contain ': ' (e.g. prompts)"
    if "found character '%'" in problem or "found character '@'" in problem:
        return "quote the value"
    return None


class _Abort(Exception):
    """Stop walking: a hit explains why."""


class _Walker:
    """Turns composed nodes into YMap/YSeq/scalars, checking tags, keys, aliases and YAML 1.1 traps."""

    def __init__(self, hits: list[Hit], text: str = "") -> None:

        self.hits = hits
        self.lines = split_lines(text)
        self.seen: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}
        self.building: set[int] = set()
        self.total = 0  # nodes visited, aliases expanded
        self.distinct = 0  # nodes in the file

    def hit(self, rule: str, node: Any, message: str, hint: str | None = None) -> None:
        self.hits.append(Hit(rule, node.start_mark.line + 1, node.start_mark.column + 1, message, hint))

    def build(self, node: Any, depth: int) -> Any:
        tag = _tag(node)
        if tag != _MAP and tag != _SEQ:
            self.total += 1
            self.distinct += 1
            if tag in _ACCEPTED_TAGS:
                return self._scalar(node, tag)
            return self._forbidden(node, tag)
        key = id(node)
        if key in self.seen:
            # An alias: share the built value, but count the nodes it stands for.
            self.total += self.sizes[key]
            if self.total - self.distinct > ALIAS_EXPANSION_BUDGET:
                msg = "aliases expand to too many nodes (a 'billion laughs' alias bomb?)"
                self.hit("PL005", node, msg, "write the values out instead of nesting aliases")
                raise _Abort
            return self.seen[key]
        if key in self.building:
            self.hit("PL005", node, "an alias refers to a node that contains it (a cycle)")
            raise _Abort
        if depth > MAX_DEPTH:
            self.hit("PL006", node, f"nesting is deeper than {MAX_DEPTH} levels")
            raise _Abort
        before = self.total
        self.total += 1
        self.distinct += 1
        self.building.add(key)
        value = self._mapping(node, depth) if tag == _MAP else self._sequence(node, depth)
        self.building.discard(key)
        self.seen[key] = value
        self.sizes[key] = self.total - before
        return value

    def _end_line(self, mark: Any) -> int:
        """1-based last line of a node whose end mark is `mark` (the start of the next token for
        block nodes, just past the closing bracket for flow ones)."""
        line: int = mark.line
        if line < len(self.lines) and self.lines[line][: mark.column].strip():
            return line + 1
        return max(1, line)

    def _forbidden(self, node: Any, tag: str) -> None:
        shown = tag.replace(_CORE, "!!")
        self.hit(
            "PL007",
            node,
            f"tag {shown} is not allowed in a plan",
            "remove the tag: plans hold plain data only",
        )
        return None

    def _mapping(self, node: Any, depth: int) -> YMap:
        sm, em = node.start_mark, node.end_mark
        m = YMap(sm.line + 1, sm.column + 1, self._end_line(em), em.column + 1)
        merges: list[Any] = []
        kpos, vpos, raw = m.kpos, m.vpos, m.raw
        for knode, vnode in node.value:
            if not isinstance(knode.value, str):
                self.hit("PL001", knode, "a key must be a plain value, not a mapping or list")
                continue
            k = knode.value
            if k == "<<" and _tag(knode) == _MERGE:
                merges.append(vnode)
                continue
            kp = (knode.start_mark.line + 1, knode.start_mark.column + 1)
            if k in m:
                msg = f"duplicate key '{k}' (first at line {kpos[k][0]})"
                self.hits.append(
                    Hit("PL002", *kp, msg, "keep one of them: YAML readers disagree on which wins")
                )
                continue
            m[k] = self.build(vnode, depth + 1)
            kpos[k] = kp
            vpos[k] = (vnode.start_mark.line + 1, vnode.start_mark.column + 1)
            if isinstance(vnode.value, str):
                raw[k] = vnode.value
        for mnode in merges:
            sources = mnode.value if isinstance(mnode.value, list) and _tag(mnode) == _SEQ else [mnode]
            for src in sources:
                merged = self.build(src, depth + 1)
                if not isinstance(merged, YMap):
                    self.hit("PL001", src, "a merge key (<<) must refer to a mapping")
                    continue
                for k, v in merged.items():
                    if k not in m:
                        m[k] = v
                        kpos[k] = merged.kpos[k]
                        vpos[k] = merged.vpos[k]
                        if k in merged.raw:
                            raw[k] = merged.raw[k]
        return m

    def _sequence(self, node: Any, depth: int) -> YSeq:
        sm, em = node.start_mark, node.end_mark
        s = YSeq(sm.line + 1, sm.column + 1, self._end_line(em))
        for i, item in enumerate(node.value):
            s.append(self.build(item, depth + 1))
            s.ipos.append((item.start_mark.line + 1, item.start_mark.column + 1))
            if isinstance(item.value, str):
                s.raw[i] = item.value
        return s

    def _scalar(self, node: Any, tag: str) -> Any:
        text = node.value
        plain = not node.style
        if tag == _STR:
            if plain:
                if text in _YAML11_BOOL:
                    msg = f"'{text}' is a string here but a boolean to YAML 1.1 readers (PyYAML)"
                    self.hit("PL010", node, msg, f'quote it ("{text}") or write true/false')
                elif _SEXAGESIMAL.match(text):
                    msg = f"'{text}' is a string here but a base-60 number to YAML 1.1 readers"
                    self.hit("PL011", node, msg, f'quote it: "{text}"')
            return text
        if tag == _INT:
            t = text.replace("_", "")
            try:
                if t.lower().lstrip("+-").startswith("0o"):
                    sign = -1 if t.startswith("-") else 1
                    return sign * int(t.lstrip("+-")[2:], 8)
                if t.lower().lstrip("+-").startswith("0x"):
                    return int(t, 16)
                if t.lower().lstrip("+-").startswith("0b"):
                    return int(t, 2)
                value = int(t, 10)
            except ValueError:
                return text
            if plain and _OCTAL_11.match(text):
                msg = f"{text} is {value} here but an octal number to YAML 1.1 readers"
                self.hit("PL013", node, msg, f'drop the leading zero or quote it: "{text}"')
            return value
        if tag == _FLOAT:
            t = text.replace("_", "").lower()
            if t in (".inf", "+.inf", "-.inf", ".nan"):
                return float(t.replace(".", ""))
            try:
                value_f = float(t)
            except ValueError:
                return text
            if plain and "." not in text and "e" in t:
                msg = f"{text} is a number here but a string to YAML 1.1 readers (no dot)"
                mant, _, exp = text.lower().partition("e")
                self.hit("PL014", node, msg, f"write {mant}.0e{exp} or quote it")
            return value_f
        if tag == _BOOL:
            return text.lower() == "true"
        if tag == _NULL:
            return None
        if tag == _TIMESTAMP:
            m = _DATE.match(text)
            if m:
                try:
                    _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError as exc:
                    self.hit("PL008", node, f"'{text}' is not a real date ({exc})", "use YYYY-MM-DD")
                    return text
            if plain:
                msg = f"unquoted date {text}: YAML 1.1 readers load a date object, not text"
                self.hit("PL012", node, msg, f'quote it: "{text}"')
            return text
        return text  # !!binary and anything else accepted stays text


def walk_positions(data: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, Any]]:
    """Yield (container, step) pairs along a path, stopping where the data ends."""
    cur = data
    for step in path:
        yield cur, step
        try:
            cur = cur[step]
        except (KeyError, IndexError, TypeError):
            return


def position(data: Any, path: tuple[Any, ...], key: bool = False) -> Pos:
    """Position of the value (or, with key=True, the key) at ``path``; the nearest known one."""
    pos: Pos = (getattr(data, "line", 1), getattr(data, "col", 1))
    for container, step in walk_positions(data, path):
        if isinstance(container, YMap) and isinstance(step, str):
            table = container.kpos if key else container.vpos
            got = table.get(step) or container.kpos.get(step)
            if got is None:
                return pos
            pos = got
        elif isinstance(container, YSeq) and isinstance(step, int) and 0 <= step < len(container):
            pos = container.ipos[step]
        else:
            return pos
    return pos


def source_text(container: Any, step: Any) -> str | None:
    """The scalar's text as written in the file (`1e-5` stays `1e-5`)."""
    raw = getattr(container, "raw", None)
    if raw is None:
        return None
    text: str | None = raw.get(step)
    return text
