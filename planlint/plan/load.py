"""Load plan.yaml into JSON-typed values that remember their line, column and source text (PL0xx)."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planlint.finding import Hit

# Bounds on hostile input. A real plan is a few KB and six levels deep.
MAX_DEPTH = 100  # nesting levels accepted by the walker
PRESCAN_DEPTH = 500  # bound checked on the raw text of deeply bracketed text before libyaml sees it
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
# YAML 1.1's base-60 numbers, as PyYAML resolves them: an int's first digit is 1-9 (so `0:15:00`
# stays a string there too), a float has a dot.
_SEXAGESIMAL = re.compile(
    r"^(?:[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*)$"
)
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


Mark = tuple[int, int]  # 0-based (line, column), as the parser's marks count


class YMap(dict):  # type: ignore[type-arg]
    """A mapping that knows where it, each key and each value sit, and each scalar's source text."""

    __slots__ = ("col", "content_end", "end_col", "end_line", "kpos", "line", "raw", "vpos")

    def __init__(self, line: int, col: int, end_line: int, end_col: int = 0) -> None:
        self.line, self.col, self.end_line = line, col, end_line
        #: 1-based column just after the node on its last line (after the `}` of a flow mapping)
        self.end_col = end_col
        #: the parser's mark just after the last content (see `YSeq.content_end`)
        self.content_end: Mark | None = None
        self.kpos: dict[str, Pos] = {}
        self.vpos: dict[str, Pos] = {}
        self.raw: dict[str, str] = {}


class YSeq(list):  # type: ignore[type-arg]
    """A sequence that knows where it and each item sit, and each scalar item's source text."""

    __slots__ = ("col", "content_end", "end_line", "ipos", "line", "raw")

    def __init__(self, line: int, col: int, end_line: int) -> None:
        self.line, self.col, self.end_line = line, col, end_line
        #: The parser's mark (0-based) just after the node's last content, as the loader saw it:
        #: after the closing bracket of a flow collection, after the last scalar or alias of a
        #: block one (a block scalar's `#` lines and the blank lines `|+` keeps included; the
        #: comments and blank lines that follow are not). None when not built from the text.
        self.content_end: Mark | None = None
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
        hits.append(Hit("PL003", 1, 1, f"cannot read file: {exc.strerror or exc}", _unreadable_hint(exc)))
        return None, False
    return decode(path, raw, hits)


_FLOW_PAIR = re.compile(r"[\[{][^\[\]{}]*[\]}]")
_PEEL_PASSES = 40
#: Every ASCII character but the brackets, deleted by `str.translate` (others stay: they never
#: match a bracket, so the peeling sees the same pairs).
_NOT_BRACKETS = dict.fromkeys(c for c in range(128) if chr(c) not in "[]{}")


def flow_is_shallow(text: str) -> bool:
    """True when brackets nest at most a few dozen levels (quotes ignored), checked at C speed.

    libyaml's time grows with the square of flow nesting, so deeper text gets the exact
    `prescan_depth` before the parser sees it. Each pass deletes the innermost bracket pairs.
    """
    if text.count("[") + text.count("{") <= _PEEL_PASSES:
        return True
    # Only the brackets matter: peel them alone (on a 100,000-run plan, 2% of the text).
    text = text.translate(_NOT_BRACKETS)
    for _ in range(_PEEL_PASSES):
        text, removed = _FLOW_PAIR.subn("", text)
        if not removed:
            return True
    return False


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
    if not flow_is_shallow(text):
        depth, dline = prescan_depth(text)
        if depth > PRESCAN_DEPTH:
            depth, dline = prescan_depth_exact(text)  # perhaps only brackets in quotes or block scalars
        if depth > PRESCAN_DEPTH:
            msg = f"nesting is too deep (more than {PRESCAN_DEPTH} levels by line {dline})"
            out.hits.append(Hit("PL006", dline, 1, msg, "a plan needs only a few levels"))
            return out
    built = _build(text, out.hits)
    if built is None:
        if not out.hits:
            out.hits.append(Hit("PL009", 1, 1, "plan is empty", "start from `planlint init`"))
        return out
    data, (line, col) = built
    if not isinstance(data, YMap):
        kind = "a list" if isinstance(data, list) else "a single value"
        msg = f"plan must be a mapping of sections (experiment, runs, ...), not {kind}"
        out.hits.append(
            Hit("PL101", line, col, msg, "start the file with `experiment:` and the other sections as keys")
        )
        return out
    out.data = data
    out.suppressions = scan_suppressions(text)
    return out


#: Line breaks to YAML 1.1 (and libyaml) that YAML 1.2 and editors treat as ordinary characters.
_UNUSUAL_BREAKS = ("\x85", "\u2028", "\u2029")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text` as the YAML 1.2 parser and editors count them (\\n, \\r\\n and \\r)."""
    return _LINE_BREAK.split(text)


_EV: dict[str, Any] = {}


def _event_classes() -> dict[str, Any]:
    """Our event classes (`cevents`) and ComposerError, imported once (on the first plan loaded)."""
    if not _EV:
        from ruamel.yaml.composer import ComposerError

        from planlint.plan import cevents

        _EV.update(
            scalar=cevents.Scalar,
            alias=cevents.Alias,
            map=cevents.MappingStart,
            seq=cevents.SequenceStart,
            map_end=cevents.MappingEnd,
            seq_end=cevents.SequenceEnd,
            stream_end=cevents.StreamEnd,
            error=ComposerError,
        )
    return _EV


_PURE: list[Any] = []


def _pure_events(text: str) -> Iterator[Any]:
    """Parser events from ruamel's pure-Python parser (YAML 1.2), as `cevents` objects."""
    from ruamel.yaml.error import YAMLError

    from planlint.plan.cevents import converted

    if not _PURE:
        from ruamel.yaml import YAML

        _PURE.append(YAML(typ="safe", pure=True))
    yaml = _PURE[0]
    try:
        yield from converted(yaml.parse(text))
    except (YAMLError, ValueError, RecursionError):
        raise
    except Exception as exc:  # e.g. ruamel asserts on a `%YAML 1.3` directive
        raise YAMLError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        yaml.version = None  # a %YAML directive sets it on the shared instance


def _build_c(text: str, hits: list[Hit]) -> tuple[Any, Pos] | None:
    """Build from libyaml's events (through ruamel.yaml.clib); the pure parser without it."""
    try:
        import _ruamel_yaml
    except ImportError:  # pragma: no cover - no C extension
        return _Builder(text).run(_pure_events(text).__next__, hits)
    from planlint.plan.cevents import c_events

    with c_events(_ruamel_yaml):
        parser = _ruamel_yaml.CParser(text)
        try:
            return _Builder(text).run(parser.get_event, hits)
        finally:
            parser.dispose()


def _build(text: str, hits: list[Hit]) -> tuple[Any, Pos] | None:
    """The plan's data built from parser events, with its root position; None when the text
    holds no document or does not parse (then a PL001 hit says why).

    libyaml is fast but reads YAML 1.1: it refuses `:` inside plain scalars in flow collections
    (`{time: 0:10:00}`, URLs in `[...]`) and a tab in a block scalar's content, and counts U+0085,
    U+2028 and U+2029 as line breaks. Such text goes to the pure parser, and a C syntax error is
    only reported when the pure parser refuses the text too. No node tree is composed: values and
    positions are built straight from the event stream, so a big plan is held in memory once.
    """
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    _event_classes()
    try:
        if any(ch in text for ch in _UNUSUAL_BREAKS):
            return _Builder(text).run(_pure_events(text).__next__, hits)
        try:
            return _build_c(text, hits)
        except MarkedYAMLError as c_error:
            try:
                return _Builder(text).run(_pure_events(text).__next__, hits)
            except (YAMLError, ValueError, RecursionError):
                raise c_error from None
    except MarkedYAMLError as exc:
        hits.append(syntax_hit(exc, text))
    except (YAMLError, ValueError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "mark", None)
        line = getattr(mark, "line", 0) + 1
        col = getattr(mark, "column", 0) + 1
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hits.append(Hit("PL001", line, col, f"YAML error: {first}"))
    return None


def _no_events() -> Any:
    raise StopIteration  # pragma: no cover - replaced before use


_FLOW_KINDS = {"flow sequence": "]", "flow mapping": "}"}
_QUOTED = "while scanning a quoted scalar"


def _unclosed_flow(text: str) -> tuple[str, Pos] | None:
    """The innermost flow list or mapping still open where the text ends, and where it opened
    (the parser's error for `a: [` at the end of a file does not say)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.tokens import (
        FlowMappingEndToken,
        FlowMappingStartToken,
        FlowSequenceEndToken,
        FlowSequenceStartToken,
    )

    stack: list[tuple[str, Pos]] = []
    try:
        for token in YAML(typ="rt", pure=True).scan(text):
            if isinstance(token, (FlowSequenceStartToken, FlowMappingStartToken)):
                kind = "flow sequence" if isinstance(token, FlowSequenceStartToken) else "flow mapping"
                stack.append((kind, (token.start_mark.line + 1, token.start_mark.column + 1)))
            elif isinstance(token, (FlowSequenceEndToken, FlowMappingEndToken)) and stack:
                stack.pop()
    except (YAMLError, ValueError, RecursionError):
        pass  # the tokens before the error are the ones that count
    return stack[-1] if stack else None


def _unreadable_hint(exc: OSError) -> str:
    """How to make a file planlint could not open readable."""
    import errno

    if exc.errno == errno.ELOOP:
        return "the path is a loop of symbolic links: point the link at the plan file itself"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "give yourself read permission on the file (chmod u+r)"
    return "check that the path names a readable plan file"


def syntax_hit(exc: Any, text: str) -> Hit:
    """PL001 for a parser error, keeping what the parser knew: where an unclosed flow list,
    flow mapping or quoted string started (as a related place), and that a bad character is a
    tab (the finding then covers the tabs)."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    context = str(exc.context) if exc.context else ""
    problem = str(exc.problem) if exc.problem else ""
    cmark = exc.context_mark
    started = (cmark.line + 1, cmark.column + 1) if cmark is not None else None
    lines = split_lines(text)
    body = lines[line - 1] if 0 < line <= len(lines) else ""
    related: tuple[tuple[int, int, str], ...] = ()
    end: Pos | None = None
    hint: str | None = None
    kind = next((k for k in _FLOW_KINDS if context == f"while parsing a {k}"), None)
    ends = not "".join(lines[line - 1 :]).strip() if line <= len(lines) else True
    if kind is None and context == "while parsing a flow node" and ends:
        kind, started = _unclosed_flow(text) or (None, started)
    if kind is not None and started is not None and ends:  # the file ends inside it: fix it there
        close, at = _FLOW_KINDS[kind], f"{started[0]}:{started[1]}"
        opened = lines[started[0] - 1].strip() if started[0] <= len(lines) else ""
        message = f"YAML syntax error: the {kind} started at {at} is not closed (the file ends inside it)"
        hint = f"add the missing '{close}' to line {started[0]}: {opened}"
        related = ((started[0], started[1], f"the {kind} starts here"),)
        return Hit("PL001", started[0], started[1], message, hint, related=related)
    if body[col - 1 : col] == "\t":
        tabs = len(body[col - 1 :]) - len(body[col - 1 :].lstrip("\t"))
        where = "indents this line" if not body[: col - 1].strip(" -") else "where YAML allows no tab"
        message = f"YAML syntax error: a tab character {where}"
        hint = "tabs are not allowed for indentation; use spaces"
        end = (line, col + tabs)
    elif kind is not None and started is not None:
        close, at = _FLOW_KINDS[kind], f"{started[0]}:{started[1]}"
        opened = lines[started[0] - 1].strip() if started[0] <= len(lines) else ""
        if started[0] < line:
            message = (
                f"YAML syntax error: the {kind} started at {at} is not closed (expected ',' or '{close}')"
            )
            hint = f"add the missing '{close}' to line {started[0]}: {opened}"
        else:
            message = f"YAML syntax error: in the {kind} started at {at}: {problem}"
            hint = f"separate items with ', ', quote values holding ': ' or '#', and close it with '{close}'"
        related = ((started[0], started[1], f"the {kind} starts here"),)
    elif context == _QUOTED and started is not None:
        at = f"{started[0]}:{started[1]}"
        message = f"YAML syntax error: the quoted string started at {at} is not closed ({problem})"
        if "end of stream" in problem:  # the file ends inside it: its start is the place to fix
            line, col = started
            message = f"YAML syntax error: the quoted string started at {at} is not closed (the file ends inside it)"
        hint = (
            'add the closing quote (a quote inside the value is doubled in \'...\', escaped as \\" in "...")'
        )
        related = ((started[0], started[1], "the quoted string starts here"),)
    else:
        parts = [context, problem]
        if context and started is not None and started != (line, col):
            parts[0] = f"{context} (at {started[0]}:{started[1]})"
            related = ((started[0], started[1], context.removeprefix("while ")),)
        joined = " ".join(p for p in parts if p) or str(exc)
        if "expected a single document" in joined:
            joined, related = "the file holds more than one YAML document", ()
        message = f"YAML syntax error: {joined}"
        hint = _syntax_hint(joined)
    end_line, end_col = end if end is not None else (None, None)
    return Hit("PL001", line, col, message, hint, end_line=end_line, end_column=end_col, related=related)


def _syntax_hint(problem: str) -> str:
    if "'\\t'" in problem or "\\t" in problem or "tab character" in problem:
        return "tabs are not allowed for indentation; use spaces"
    if "mapping values are not allowed" in problem:
        return "quote values that contain ': ' (e.g. prompts)"
    if "found character '%'" in problem or "found character '@'" in problem:
        return "quote the value"
    for phrase, hint in _SYNTAX_HINTS:
        if phrase in problem:
            return hint
    return "compare the line with the lines around it: indentation, a missing ':' or quote"


#: What to do about the parser's other complaints (phrase of its message -> hint).
_SYNTAX_HINTS = (
    ("more than one YAML document", "keep one plan per file: remove the second `---` and what follows"),
    ("document start", "keep one plan per file: remove the second `---` and what follows"),
    ("directive", "remove the `%` directive line (a plan needs none)"),
    ("incompatible YAML document", "remove the `%YAML` line (a plan needs none)"),
    (
        "could not find expected ':'",
        "a key needs ': ' after it on its own line; quote a value that spans lines",
    ),
    ("expected key", "indent this line like the other keys of its mapping"),
    ("expected '-' indicator", "indent this line like the other `- ` items of its list"),
    ("sequence entries are not allowed", "put the `- ` list under a key of its own line, indented"),
    ("expected node content", "write a value after the key, or close the [ ] or { } it is in"),
    ("unknown escape character", "in \"...\", write a backslash as \\\\ (or use '...' quotes)"),
    ("block scalar", "write | or > alone after the key (optionally |- or |2), the text on the next lines"),
    ("scanning a tag", "quote a value that starts with '!'"),
    ("alias", "quote a value that starts with '*' or '&'"),
)


class _Abort(Exception):
    """Stop building: a hit explains why."""


class _Anchor:
    """What an alias stands for: the built value, where the anchored node starts, its text (for a
    scalar) or None, its tag, and how many nodes it stands for once expanded."""

    __slots__ = ("building", "col", "line", "raw", "size", "tag", "value")

    def __init__(self, line: int, col: int, tag: str) -> None:
        self.line, self.col, self.tag = line, col, tag
        self.value: Any = None
        self.raw: str | None = None
        self.size = 1
        self.building = True


def _event_tag(event: Any, kind: str) -> str:
    """The resolved tag of a node event: explicit, else by YAML 1.2 core resolution."""
    tag = event.ctag
    if tag is not None and str(tag) != "!":
        return str(tag)
    if kind == "scalar":
        return resolve_plain(event.value) if event.implicit[0] else _STR
    return _MAP if kind == "map" else _SEQ


#: Plain scalars that are not simply strings (or are strings YAML 1.1 reads otherwise).
_SPECIAL_PLAIN = frozenset(_BOOLS | _NULLS | _YAML11_BOOL | {"<<"})
_NUMERIC_START = frozenset("-+0123456789.")
#: Scalar texts up to this length are shared between their repeats (model names, run types, ...).
_SHARED_TEXT = 64


class _Builder:
    """Turns parser events into YMap/YSeq/scalars, checking tags, keys, aliases and YAML 1.1 traps.

    The common case (an untagged, unanchored scalar) takes a short path; everything else goes
    through `node`, which handles tags, anchors, aliases and the alias expansion budget.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.hits: list[Hit] = []
        self.anchors: dict[str, _Anchor] = {}
        self.total = 0  # nodes visited, aliases expanded
        self.distinct = 0  # nodes in the file
        self.counting = True  # False inside a duplicate key's value: read, dropped, not counted
        self.next: Callable[[], Any] = _no_events
        self._starts: list[int] | None = None
        #: the end mark of the last scalar, alias or collection read (a collection's content end)
        self.last: Any = None
        #: one string object per distinct short text (keys and values repeat in every run)
        self.strings: dict[str, str] = {}
        #: plain scalar text -> its value and the YAML 1.1 hit it gives (rule, message, hint)
        self.plains: dict[str, tuple[Any, tuple[str, str, str | None] | None]] = {}

    def run(self, nxt: Callable[[], Any], hits: list[Hit]) -> tuple[Any, Pos] | None:
        """Build the single document `nxt` yields event by event; its hits go to `hits` only when
        the whole stream parses (a syntax error anywhere is the one finding, as with a composed
        tree)."""
        ev = _EV
        self.next = nxt
        nxt()  # StreamStartEvent
        doc = nxt()
        if type(doc) is ev["stream_end"]:
            return None
        root = nxt()
        try:
            if type(root) is ev["alias"]:
                raise ev["error"](None, None, f"found undefined alias {root.anchor!r}", root.start_mark)
            value = self.node(root, 0)
        except _Abort:
            self._drain()  # the rest must still parse: a syntax error would be the finding
            hits.append(self.hits[-1])  # the one reason the plan does not load
            return None
        nxt()  # DocumentEndEvent
        extra = nxt()
        if type(extra) is not ev["stream_end"]:
            raise ev["error"](
                "expected a single document in the stream",
                root.start_mark,
                "but found another document",
                extra.start_mark,
            )
        hits.extend(self.hits)
        return value, (root.start_mark.line + 1, root.start_mark.column + 1)

    def _drain(self) -> None:
        """Read the events left after an abort, failing as the whole document would."""
        alias, stream_end = _EV["alias"], _EV["stream_end"]
        names = set(self.anchors)
        while True:
            event = self.next()
            if event is None or type(event) is stream_end:
                return
            anchor = getattr(event, "anchor", None)
            if anchor is None:
                continue
            if type(event) is alias:
                if anchor not in names:
                    raise _EV["error"](None, None, f"found undefined alias {anchor!r}", event.start_mark)
            else:
                names.add(anchor)

    def hit(self, rule: str, line: int, col: int, message: str, hint: str | None = None) -> None:
        self.hits.append(Hit(rule, line, col, message, hint))

    def plain(self, text: str, style: Any, line: int, col: int) -> Any:
        """The value of an untagged plain scalar."""
        if text and text[0] not in _NUMERIC_START and text not in _SPECIAL_PLAIN:
            return text
        return self._resolved(text, style, line, col)

    def _resolved(self, text: str, style: Any, line: int, col: int) -> Any:
        """The value of a plain scalar that may be a number, boolean, null or date: resolved once
        per distinct text (a sweep repeats its values in every run), its hit given at each place."""
        got = self.plains.get(text)
        if got is not None:
            value, said = got
            if said is not None:
                self.hits.append(Hit(said[0], line, col, said[1], said[2]))
            return value
        kept = len(self.hits)
        value = self._scalar(text, style, line, col, resolve_plain(text))
        new = self.hits[kept:]
        if not style and len(new) <= 1:
            said = (new[0].rule, new[0].message, new[0].hint) if new else None
            self.plains[text] = (value, said)
        return value

    def node(self, event: Any, depth: int) -> Any:
        """The value of the node that starts with `event` (its other events are read here)."""
        ev = _EV
        kind = type(event)
        if kind is ev["scalar"]:
            tag = _event_tag(event, "scalar")
            self.total += 1
            self.distinct += 1
            self.last = event.end_mark
            mark = event.start_mark
            line, col = mark.line + 1, mark.column + 1
            if tag in _ACCEPTED_TAGS and tag != _MAP and tag != _SEQ:
                value = self._scalar(event.value, event.style, line, col, tag)
            elif (tag == _MAP or tag == _SEQ) and not event.value:  # `!!map` alone: an empty one
                end_line, end_col = self._end_mark(event.end_mark)
                value = YMap(line, col, end_line, end_col) if tag == _MAP else YSeq(line, col, end_line)
            else:
                value = self._forbidden(line, col, tag)
            if event.anchor is not None:
                named = self.anchors[event.anchor] = _Anchor(line, col, tag)
                named.value, named.raw, named.building = value, event.value, False
            return value
        if kind is ev["alias"]:
            self.last = event.end_mark
            return self.alias(event).value
        is_map = kind is ev["map"]
        tag = _event_tag(event, "map" if is_map else "seq")
        mark = event.start_mark
        line, col = mark.line + 1, mark.column + 1
        if depth > MAX_DEPTH:
            self.hit(
                "PL006",
                line,
                col,
                f"nesting is deeper than {MAX_DEPTH} levels",
                "a plan needs only a few levels",
            )
            raise _Abort
        anchor: _Anchor | None = None
        if event.anchor is not None:
            anchor = self.anchors[event.anchor] = _Anchor(line, col, tag)
        before, kept = self.total, len(self.hits)
        self.total += 1
        self.distinct += 1
        self.last = mark  # an empty collection ends where it starts
        flow = bool(event.flow_style)
        built: Any = (
            self._mapping(line, col, depth, flow) if is_map else self._sequence(line, col, depth, flow)
        )
        if tag != _MAP and tag != _SEQ:  # read, then dropped with what it holds
            del self.hits[kept:]
            built = self._forbidden(line, col, tag)
        if anchor is not None:
            anchor.value, anchor.size, anchor.building = built, self.total - before, False
        return built

    def alias(self, event: Any) -> _Anchor:
        """The anchor an alias names, counted as the nodes it expands to."""
        anchor = self.anchors.get(event.anchor)
        if anchor is None:
            raise _EV["error"](None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
        if anchor.raw is not None:  # a scalar: counted like one written out
            self.total += 1
            self.distinct += 1
            return anchor
        if anchor.building:
            msg = "an alias refers to a node that contains it (a cycle)"
            self.hit("PL005", anchor.line, anchor.col, msg, "replace the alias by the value it stands for")
            raise _Abort
        self.total += anchor.size
        if self.counting and self.total - self.distinct > ALIAS_EXPANSION_BUDGET:
            msg = "aliases expand to too many nodes (a 'billion laughs' alias bomb?)"
            self.hit("PL005", anchor.line, anchor.col, msg, "write the values out instead of nesting aliases")
            raise _Abort
        return anchor

    def item(self, event: Any, depth: int) -> tuple[Any, int, int, str | None]:
        """A child node: its value, 1-based line and column, and its text when it is a scalar
        (an alias stands where its anchor is, with its anchor's text)."""
        kind = type(event)
        if kind is _EV["alias"]:
            self.last = event.end_mark
            anchor = self.alias(event)
            return anchor.value, anchor.line, anchor.col, anchor.raw
        mark = event.start_mark
        line, col = mark.line + 1, mark.column + 1
        if kind is _EV["scalar"]:
            if event.ctag is None and event.anchor is None:  # the short path
                self.total += 1
                self.distinct += 1
                self.last = event.end_mark
                text = event.value
                if event.implicit[0]:
                    return self.plain(text, event.style, line, col), line, col, text
                return text, line, col, text
            return self.node(event, depth), line, col, event.value
        return self.node(event, depth), line, col, None

    def _end_mark(self, mark: Any) -> tuple[int, int]:
        """1-based last line and end column of a collection whose end event has `mark`.

        A block collection's end mark is the start of the next token; a flow one's is just past
        its closing bracket."""
        line, column, index = mark.line, mark.column, mark.index
        prefix = self.text[index - column : index] if index >= column else "\n"
        if "\n" in prefix or "\r" in prefix:  # the mark does not count like the text: slow path
            prefix = self._line_prefix(line, column)
        end_line = line + 1 if prefix.strip() else max(1, line)
        return end_line, column + 1

    def _line_prefix(self, line: int, column: int) -> str:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in _LINE_BREAK.finditer(self.text)]
        if line >= len(self._starts):
            return ""
        start = self._starts[line]
        stop = self._starts[line + 1] if line + 1 < len(self._starts) else len(self.text)
        return self.text[start : min(start + column, stop)]

    def _forbidden(self, line: int, col: int, tag: str) -> Any:
        shown = tag.replace(_CORE, "!!")
        self.hit(
            "PL007",
            line,
            col,
            f"tag {shown} is not allowed in a plan",
            "remove the tag: plans hold plain data only",
        )
        return None

    def _mapping(self, line: int, col: int, depth: int, flow: bool) -> YMap:
        scalar, map_end, mapping, sequence = _EV["scalar"], _EV["map_end"], _EV["map"], _EV["seq"]
        nxt, strings, plains = self.next, self.strings, self.plains
        m = YMap(line, col, 0)
        merges: list[tuple[Any, int, int]] = []
        kpos, vpos, raw = m.kpos, m.vpos, m.raw
        depth += 1
        plain_scalars = 0  # counted once at the end (no anchor can start in between)
        try:
            while True:
                kev = nxt()
                kind = type(kev)
                # `args` of a scalar: anchor, ctag, implicit, value, start_mark, end_mark, style
                if kind is scalar and kev.args[1] is None and kev.args[0] is None:
                    _, _, implicit, k, mark, _, _ = kev.args
                    k = strings.setdefault(k, k)
                    kline = mark.line + 1
                    kp = (kline, mark.column + 1)
                    if k == "<<" and implicit[0]:
                        merges.extend(self._merge_sources(nxt(), depth))
                        continue
                    vev = nxt()
                    vkind = type(vev)
                    if vkind is scalar:
                        anchor, tag, implicit, text, mark, end, style = vev.args
                        if tag is None and anchor is None and k not in m:
                            # the short path: an untagged, unanchored scalar under a plain key
                            plain_scalars += 1
                            self.last = end
                            vline = mark.line + 1
                            vcol = mark.column + 1
                            if vline == kline:
                                vline = kline  # one int object for the line the key and value share
                            if len(text) <= _SHARED_TEXT:
                                text = strings.setdefault(text, text)
                            if not implicit[0]:
                                value = text
                            elif text and text[0] not in _NUMERIC_START and text not in _SPECIAL_PLAIN:
                                value = text
                            else:  # a number, boolean, null or date: read once per distinct text
                                said = plains.get(text)
                                if said is not None and said[1] is None:  # read before, no hit
                                    value = said[0]
                                else:
                                    value = self._resolved(text, style, vline, vcol)
                            m[k] = value
                            kpos[k] = kp
                            vpos[k] = (vline, vcol)
                            raw[k] = text
                            continue
                    elif (vkind is mapping or vkind is sequence) and depth <= MAX_DEPTH and k not in m:
                        # `args` of a collection start: anchor, ctag, implicit, start_mark, ...
                        anchor, tag, _, mark, _, flow_style = vev.args
                        if anchor is None and tag is None:
                            # a plain mapping or list under a plain key, as `node` reads it
                            vline, vcol = mark.line + 1, mark.column + 1
                            if vline == kline:
                                vline = kline
                            self.total += 1
                            self.distinct += 1
                            self.last = mark  # an empty collection ends where it starts
                            flow_value = bool(flow_style)
                            m[k] = (
                                self._mapping(vline, vcol, depth, flow_value)
                                if vkind is mapping
                                else self._sequence(vline, vcol, depth, flow_value)
                            )
                            kpos[k] = kp
                            vpos[k] = (vline, vcol)
                            continue
                    self._value(m, k, kp, vev, depth)
                    continue
                if kind is map_end:
                    break
                key = self._key(kev, depth)
                if key is None:
                    continue
                k, kp, merge = key
                if merge:
                    merges.extend(self._merge_sources(nxt(), depth))
                    continue
                self._value(m, k, kp, nxt(), depth)
        finally:
            self.total += plain_scalars
            self.distinct += plain_scalars
        m.end_line, m.end_col = self._end_mark(kev.end_mark)
        last = self.last = kev.end_mark if flow else self.last
        m.content_end = (last.line, last.column)
        for merged, sline, scol in merges:
            if not isinstance(merged, YMap):
                self.hit("PL001", sline, scol, "a merge key (<<) must refer to a mapping")
                continue
            for k, v in merged.items():
                if k not in m:
                    m[k] = v
                    kpos[k] = merged.kpos[k]
                    vpos[k] = merged.vpos[k]
                    if k in merged.raw:
                        raw[k] = merged.raw[k]
        return m

    def _value(self, m: YMap, k: str, kp: Pos, vev: Any, depth: int) -> None:
        """Read the value of key `k` (at `kp`) into `m`, or drop it with PL002 when `k` is there."""
        if k in m:
            self._duplicate(vev, depth)
            msg = f"duplicate key '{k}' (first at line {m.kpos[k][0]})"
            self.hits.append(Hit("PL002", *kp, msg, "keep one of them: YAML readers disagree on which wins"))
            return
        value, vline, vcol, text = self.item(vev, depth)
        m[k] = value
        m.kpos[k] = kp
        m.vpos[k] = (vline, vcol)
        if text is not None:
            m.raw[k] = text

    def _key(self, event: Any, depth: int) -> tuple[str, Pos, bool] | None:
        """A key that is tagged, anchored or an alias: its text, position and whether it is a
        merge key; None (and PL001) for a mapping or list used as a key, which is read and dropped.
        """
        if type(event) is _EV["scalar"]:
            k, ktag = event.value, _event_tag(event, "scalar")
            kp = (event.start_mark.line + 1, event.start_mark.column + 1)
            if event.anchor is not None:
                anchor = self.anchors[event.anchor] = _Anchor(*kp, ktag)
                anchor.raw, anchor.building = k, False
                anchor.value = self._scalar(k, event.style, *kp, ktag) if ktag in _ACCEPTED_TAGS else k
        elif type(event) is _EV["alias"] and self._is_scalar_alias(event):
            anchor = self.alias(event)
            k, ktag, kp = str(anchor.raw), anchor.tag, (anchor.line, anchor.col)
        else:
            kline, kcol = self._key_position(event)
            kept = len(self.hits)
            self.node(event, depth)  # a key that is a mapping or list: read it, then drop it
            self.node(self.next(), depth)
            del self.hits[kept:]
            self.hit(
                "PL001",
                kline,
                kcol,
                "a key must be a plain value, not a mapping or list",
                "write the key as a plain name",
            )
            return None
        return k, kp, k == "<<" and ktag == _MERGE

    def _duplicate(self, event: Any, depth: int) -> None:
        """Read a duplicate key's value and drop it, uncounted: the first one stays."""
        kept, counted = len(self.hits), (self.total, self.distinct)
        self.counting = False
        try:
            self.item(event, depth)
        finally:
            self.counting = True
        del self.hits[kept:]
        self.total, self.distinct = counted

    def _is_scalar_alias(self, event: Any) -> bool:
        anchor = self.anchors.get(event.anchor)
        return anchor is None or anchor.raw is not None  # an undefined one fails in alias()

    def _key_position(self, event: Any) -> Pos:
        if type(event) is _EV["alias"]:
            anchor = self.anchors[event.anchor]
            return anchor.line, anchor.col
        return event.start_mark.line + 1, event.start_mark.column + 1

    def _merge_sources(self, event: Any, depth: int) -> list[tuple[Any, int, int]]:
        """The mappings a `<<` value names: an alias, a mapping, or a list of those."""
        if type(event) is _EV["seq"] and _event_tag(event, "seq") == _SEQ:
            seq = self.node(event, depth)
            return [(v, line, col) for v, (line, col) in zip(seq, seq.ipos, strict=True)]
        value, line, col, _ = self.item(event, depth)
        return [(value, line, col)]

    def _sequence(self, line: int, col: int, depth: int, flow: bool) -> YSeq:
        scalar, seq_end, mapping, alias = _EV["scalar"], _EV["seq_end"], _EV["map"], _EV["alias"]
        nxt, item, strings, plains = self.next, self.item, self.strings, self.plains
        s = YSeq(line, col, 0)
        append, ipos, raw = s.append, s.ipos, s.raw
        add_pos = ipos.append
        depth += 1
        i = 0
        plain_scalars = 0  # counted once at the end, as in _mapping
        try:
            while True:
                ev = nxt()
                kind = type(ev)
                if kind is seq_end:
                    break
                # every node event's `args` start with anchor and ctag
                if kind is not alias and ev.args[0] is None and ev.args[1] is None:
                    if kind is scalar:  # the short path, as in _mapping
                        _, _, implicit, text, mark, end, style = ev.args
                        vline, vcol = mark.line + 1, mark.column + 1
                        plain_scalars += 1
                        self.last = end
                        if len(text) <= _SHARED_TEXT:
                            text = strings.setdefault(text, text)
                        if not implicit[0]:
                            value = text
                        elif text and text[0] not in _NUMERIC_START and text not in _SPECIAL_PLAIN:
                            value = text
                        else:  # as in _mapping
                            said = plains.get(text)
                            if said is not None and said[1] is None:
                                value = said[0]
                            else:
                                value = self._resolved(text, style, vline, vcol)
                        raw[i] = text
                    else:
                        mark = ev.args[3]  # a collection start's start_mark
                        vline, vcol = mark.line + 1, mark.column + 1
                        if kind is mapping and depth <= MAX_DEPTH:  # a plain mapping item (a run)
                            self.total += 1
                            self.distinct += 1
                            self.last = mark  # an empty collection ends where it starts
                            value = self._mapping(vline, vcol, depth, bool(ev.args[5]))
                        else:
                            value = self.node(ev, depth)
                    append(value)
                    add_pos((vline, vcol))
                    i += 1
                    continue
                value, vline, vcol, text = item(ev, depth)
                append(value)
                add_pos((vline, vcol))
                if text is not None:
                    raw[i] = text
                i += 1
        finally:
            self.total += plain_scalars
            self.distinct += plain_scalars
        s.end_line = self._end_mark(ev.end_mark)[0]
        last = self.last = ev.end_mark if flow else self.last
        s.content_end = (last.line, last.column)
        return s

    def _scalar(self, text: str, style: Any, line: int, col: int, tag: str) -> Any:
        plain = not style
        if tag == _STR:
            if plain:
                if text in _YAML11_BOOL:
                    msg = f"'{text}' is a string here but a boolean to YAML 1.1 readers (PyYAML)"
                    self.hit("PL010", line, col, msg, f'quote it ("{text}") or write true/false')
                elif _SEXAGESIMAL.match(text):
                    msg = f"'{text}' is a string here but a base-60 number to YAML 1.1 readers"
                    self.hit("PL011", line, col, msg, f'quote it: "{text}"')
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
                self.hit("PL013", line, col, msg, f'drop the leading zero or quote it: "{text}"')
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
                self.hit("PL014", line, col, msg, f"write {mant}.0e{exp} or quote it")
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
                    self.hit("PL008", line, col, f"'{text}' is not a real date ({exc})", "use YYYY-MM-DD")
                    return text
            if plain:
                msg = f"unquoted date {text}: YAML 1.1 readers load a date object, not text"
                self.hit("PL012", line, col, msg, f'quote it: "{text}"')
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
