"""Surgical edits of plan.yaml: splice text in at the positions the loader reports, nothing else.

A full ruamel.yaml dump is not byte-stable (quotes, indentation, CRLF, BOM), so every edit here
changes only the lines it must, in the file's own indentation, quoting and line endings, and is
re-parsed before it is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planlint.plan.editsafety import (
    DataChanged,
    collection_ends,
    ends_with_break,
    line_break_of,
    lines_before,
    parser_lines,
    strip_break,
    verify_edit,
)
from planlint.plan.load import YMap, YSeq, load_plan
from planlint.plan.naming import ImpliedRun, quote
from planlint.plan.schema import LEGACY_KEYS


class EditError(Exception):
    """An edit that cannot be made safely; the file is left alone."""


def newline_of(text: str) -> str:
    """The line ending new lines get: the file's own (CRLF, CR or LF)."""
    return line_break_of(text)


def _lines(text: str) -> list[str]:
    return parser_lines(text)


def _checked(old_data: Any, new_text: str, intended: Callable[[Any], None]) -> None:
    try:
        verify_edit(old_data, new_text, intended)
    except DataChanged as exc:
        raise EditError(str(exc)) from None


def _end_of(text: str, node: YMap | YSeq, lines: list[str]) -> int:
    """How many lines of `text` come before the first line after `node`'s content."""
    end = collection_ends(text).get((node.line, node.col))
    if end is None:
        raise EditError("cannot find where a list or mapping ends; edit it by hand")
    return max(node.line, lines_before(lines, end))


@dataclass(frozen=True)
class RunStyle:
    """How the plan already writes its runs: block or flow, indentation, quoting."""

    dash_indent: str = "  "
    flow_item: bool = False
    flow_params: bool = True
    params_indent: int = 2
    quote_char: str = ""


def detect_style(text: str, runs: YSeq) -> RunStyle:
    """The style of the runs already in the plan (the first run, the first block `parameters`)."""
    lines = [strip_break(line)[0] for line in parser_lines(text)]
    if not runs or not isinstance(runs[0], YMap):
        return RunStyle()
    line, col = runs.ipos[0]
    src = lines[line - 1]
    dash = src.rfind("-", 0, col - 1)
    dash_indent = src[:dash] if dash >= 0 else " " * max(0, col - 3)
    flow_item = src[col - 1 : col] == "{"
    quote_char = ""
    first = runs[0]
    if "name" in first.vpos:
        nline, ncol = first.vpos["name"]
        ch = lines[nline - 1][ncol - 1 : ncol]
        quote_char = ch if ch in "\"'" else ""
    flow_params, params_indent = True, 2
    for item in runs:
        if isinstance(item, YMap) and isinstance(item.get("parameters"), YMap) and item["parameters"]:
            pline, pcol = item.vpos["parameters"]
            flow_params = lines[pline - 1][pcol - 1 : pcol] == "{"
            if not flow_params:
                params = item["parameters"]
                first_key = next(iter(params.kpos.values()))
                params_indent = first_key[1] - 1 - (item.kpos["parameters"][1] - 1)
            break
    return RunStyle(dash_indent, flow_item, flow_params, max(1, params_indent), quote_char)


def _value_text(value: Any, written: str) -> str:
    return quote(value) if isinstance(value, str) else written


def run_lines(run: ImpliedRun, style: RunStyle) -> list[str]:
    """One run written in the plan's style (no line endings)."""
    q = style.quote_char
    name = f"{q}{run.name}{q}" if q else quote(run.name)
    model = f"{q}{run.model}{q}" if q else quote(run.model)
    rtype = f"{q}{run.type}{q}" if q else run.type
    flow_params = "{" + ", ".join(f"{k}: {_value_text(v, t)}" for k, v, t in run.params) + "}"
    if style.flow_item:
        return [
            f"{style.dash_indent}- {{name: {name}, type: {rtype}, model: {model}, parameters: {flow_params}}}"
        ]
    key = style.dash_indent + "  "
    out = [f"{style.dash_indent}- name: {name}", f"{key}type: {rtype}", f"{key}model: {model}"]
    if style.flow_params or not run.params:
        out.append(f"{key}parameters: {flow_params}")
    else:
        out.append(f"{key}parameters:")
        inner = key + " " * style.params_indent
        out += [f"{inner}{k}: {_value_text(v, t)}" for k, v, t in run.params]
    return out


def _run_data(run: ImpliedRun) -> dict[str, Any]:
    """The data a run written by `run_lines` must load as."""
    return {
        "name": run.name,
        "type": run.type,
        "model": run.model,
        "parameters": {k: v for k, v, _ in run.params},
    }


def add_runs(text: str, runs_to_add: list[ImpliedRun]) -> str:
    """`text` with the runs appended to its `runs:` list; every other byte unchanged.

    The result is re-parsed and must hold the old data plus exactly these runs, else EditError.
    """
    if not runs_to_add:
        return text
    loaded = load_plan(Path("plan.yaml"), text=text)
    if not isinstance(loaded.data, YMap):
        raise EditError("the plan does not load; fix its YAML first")
    data = loaded.data
    nl = newline_of(text)
    lines = _lines(text)
    runs = data.get("runs")
    if isinstance(runs, YSeq) and runs:
        if lines[runs.line - 1][runs.col - 1 : runs.col] == "[":
            raise EditError("runs is a flow list ([...]); write it as a block list and retry")
        style = detect_style(text, runs)
        after = _end_of(text, runs, lines)
        new = [line + nl for lines_ in (run_lines(r, style) for r in runs_to_add) for line in lines_]
        if after <= len(lines) and not ends_with_break(lines[after - 1]):
            lines[after - 1] += nl
        result = "".join(lines[:after] + new + lines[after:])
    elif "runs" in data and (runs is None or isinstance(runs, YSeq)):
        line, col = data.vpos["runs"]
        kline = data.kpos["runs"][0]
        src = lines[kline - 1]
        style = RunStyle(dash_indent="  ")
        new = [line_ + nl for r in runs_to_add for line_ in run_lines(r, style)]
        body, eol = strip_break(src)
        eol = eol or nl
        if line != kline:
            raise EditError("runs: holds a value on another line; write `runs:` and retry")
        if isinstance(runs, YSeq):  # `runs: []` or `runs: [ ]`
            close = body.find("]", col - 1)
            if body[col - 1 : col] != "[" or close < 0 or body[col:close].strip():
                raise EditError("runs is an empty flow list that spans lines; write `runs:` and retry")
            value_end = close + 1
        else:  # `runs:`, `runs: ~`, `runs: null`
            value_end = (
                scalar_end(body, col - 1, flow=False) if body[col - 1 : col] not in ("", "#") else col - 1
            )
        rest = body[value_end:].strip()
        lines[kline - 1] = body[: col - 1].rstrip() + (f"  {rest}" if rest else "") + eol
        result = "".join(lines[:kline] + new + lines[kline:])
    else:
        if any(strip_break(line)[0] == "..." for line in lines):
            raise EditError("the plan ends its document with `...`; add `runs:` by hand and retry")
        body = "".join(line + nl for r in runs_to_add for line in run_lines(r, RunStyle()))
        sep = "" if not text or ends_with_break(text[-2:]) else nl
        result = text + sep + "runs:" + nl + body

    def intended(expected: Any) -> None:
        got = expected.get("runs")
        expected["runs"] = (got if isinstance(got, list) else []) + [_run_data(r) for r in runs_to_add]

    _checked(data, result, intended)
    return result


def _flow_list(seq: Any) -> str:
    from planlint.plan.model import text_of

    if not isinstance(seq, YSeq):
        return "null"
    items = []
    for i, value in enumerate(seq):
        if isinstance(value, str):
            items.append(dq(value) if _needs_escape(value) else quote(value))
        else:
            items.append(text_of(seq, i))
    return "[" + ", ".join(items) + "]"


def _unprintable(ch: str) -> bool:
    """A character YAML does not allow as is (or a line break it counts), so it goes escaped."""
    code = ord(ch)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or 0xD800 <= code <= 0xDFFF
        or ch in "\u2028\u2029\ufeff\ufffe\uffff"
    )


def _needs_escape(value: str) -> bool:
    return any(_unprintable(ch) for ch in value)


def _str_text(value: str) -> str:
    return dq(value) if _needs_escape(value) else quote(value)


def add_matrix_entries(text: str, added: list[ImpliedRun]) -> str:
    """Evaluate newly added runs like the runs already in `evaluation.matrix` (same tasks and
    epochs as an entry of a run of the same type), in the matrix's own style."""
    from planlint.plan.editsafety import plain_copy

    loaded = load_plan(Path("plan.yaml"), text=text)
    data = loaded.data
    evaluation = data.get("evaluation") if isinstance(data, YMap) else None
    matrix = evaluation.get("matrix") if isinstance(evaluation, YMap) else None
    if not added or not isinstance(matrix, YSeq) or not matrix or not isinstance(matrix[0], YMap):
        return text
    runs = data.get("runs")
    types = {
        r.get("name"): r.get("type")
        for r in (runs if isinstance(runs, list) else [])
        if isinstance(r, YMap) and isinstance(r.get("name"), str)
    }
    examples: dict[str, YMap] = {}
    for entry in matrix:
        if isinstance(entry, YMap) and isinstance(entry.get("run"), str):
            examples.setdefault(str(types.get(entry.get("run"))), entry)
    lines = _lines(text)
    nl = newline_of(text)
    line, col = matrix.ipos[0]
    src = strip_break(lines[line - 1])[0]
    if src[matrix.col - 1 : matrix.col] == "[":
        raise EditError("evaluation.matrix is a flow list ([...]); add its entries by hand")
    dash = src.rfind("-", 0, col - 1)
    indent = src[:dash] if dash >= 0 else "  "
    flow = src[col - 1 : col] == "{"
    present = {e.get("run") for e in matrix if isinstance(e, YMap) and isinstance(e.get("run"), str)}
    new: list[str] = []
    entries: list[dict[str, Any]] = []
    for run in added:
        example = examples.get(run.type)
        if example is None or run.name in present:
            continue
        tasks = _flow_list(example.get("tasks"))
        fine_tuned = run.type == "fine-tuned"
        epochs = _flow_list(example.get("epochs")) if fine_tuned else "null"
        entries.append(
            {
                "run": run.name,
                "tasks": plain_copy(example.get("tasks")) if isinstance(example.get("tasks"), YSeq) else None,
                "epochs": plain_copy(example.get("epochs"))
                if fine_tuned and isinstance(example.get("epochs"), YSeq)
                else None,
            }
        )
        if flow:
            new.append(f"{indent}- {{run: {_str_text(run.name)}, tasks: {tasks}, epochs: {epochs}}}")
        else:
            new += [
                f"{indent}- run: {_str_text(run.name)}",
                f"{indent}  tasks: {tasks}",
                f"{indent}  epochs: {epochs}",
            ]
    if not new:
        return text
    after = _end_of(text, matrix, lines)
    if not ends_with_break(lines[after - 1]):
        lines[after - 1] += nl
    result = "".join(lines[:after] + [line_ + nl for line_ in new] + lines[after:])

    def intended(expected: Any) -> None:
        expected["evaluation"]["matrix"] += entries

    _checked(data, result, intended)
    return result


_KEY_AT = re.compile(r"""(?P<q>["']?)(?P<key>[^"':\s]+)(?P=q)\s*:""")


def migrate_keys(text: str) -> tuple[str, list[str]]:
    """Rename the legacy cruijff_kit keys in place; returns the new text and what changed."""
    loaded = load_plan(Path("plan.yaml"), text=text)
    if not isinstance(loaded.data, YMap):
        raise EditError("the plan does not load; fix its YAML first")
    lines = _lines(text)
    done: list[str] = []
    renamed: list[tuple[tuple[str, ...], str, str]] = []
    for (parent, old), new in LEGACY_KEYS.items():
        node: Any = loaded.data
        for step in parent:
            node = node.get(step) if isinstance(node, dict) else None
        if not isinstance(node, YMap) or old not in node.kpos:
            continue
        if new in node:
            done.append(f"kept {'.'.join((*parent, old))}: {'.'.join((*parent, new))} already exists")
            continue
        line, col = node.kpos[old]
        src = lines[line - 1]
        m = _KEY_AT.match(src, col - 1)
        if not m or m.group("key") != old:
            done.append(f"kept {'.'.join((*parent, old))}: written in a form this edit does not touch")
            continue
        start, end = m.start("key"), m.end("key")
        lines[line - 1] = src[:start] + new + src[end:]
        renamed.append((parent, old, new))
        done.append(f"renamed {'.'.join((*parent, old))} to {new} (line {line})")
    result = "".join(lines)

    def intended(expected: Any) -> None:
        for parent, old, new in renamed:
            node = expected
            for step in parent:
                node = node[step]
            node[new] = node.pop(old)

    if result != text:
        _checked(loaded.data, result, intended)
    return result, done


# --------------------------------------------------------------------------- span edits


@dataclass(frozen=True)
class Edit:
    """Replace characters [start, end) of one line (1-based `line`, 0-based columns, no EOL)."""

    line: int
    start: int
    end: int
    text: str


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits computed against the same original text."""
    lines = _lines(text) or [""]
    by_line: dict[int, list[Edit]] = {}
    for e in edits:
        by_line.setdefault(e.line, []).append(e)
    for number, group in by_line.items():
        body, eol = strip_break(lines[number - 1])
        last = len(body) + 1
        # Right to left; insertions at one spot go in list order (so the last is applied first).
        ordered = sorted(enumerate(group), key=lambda ie: (ie[1].start, ie[1].end, ie[0]), reverse=True)
        for _, e in ordered:
            if e.end > last:
                raise EditError(f"overlapping edits on line {number}")
            body = body[: e.start] + e.text + body[e.end :]
            last = e.start
        lines[number - 1] = body + eol
    return "".join(lines)


def scalar_end(src: str, start: int, flow: bool) -> int:
    """End index of the scalar that starts at `start` in `src` (one line, no EOL)."""
    if start >= len(src):
        return start
    quote_char = src[start]
    if quote_char == '"':
        i = start + 1
        while i < len(src):
            if src[i] == "\\":
                i += 2
                continue
            if src[i] == '"':
                return i + 1
            i += 1
        raise EditError("a double-quoted value spans lines; edit it by hand")
    if quote_char == "'":
        i = start + 1
        while i < len(src):
            if src[i] == "'":
                if i + 1 < len(src) and src[i + 1] == "'":
                    i += 2
                    continue
                return i + 1
            i += 1
        raise EditError("a single-quoted value spans lines; edit it by hand")
    i = start
    while i < len(src):
        ch = src[i]
        if ch == "#" and i > start and src[i - 1] in " \t":
            break
        if flow and ch in ",}]":
            break
        i += 1
    return len(src[:i].rstrip(" \t"))


def _is_flow(lines: list[str], node: YMap) -> bool:
    return lines[node.line - 1][node.col - 1 : node.col] == "{"


def set_scalar(lines: list[str], mapping: YMap, key: str, value_text: str) -> Edit:
    """Replace the scalar value of `key` in `mapping` (which must hold a one-line scalar there)."""
    line, col = mapping.vpos[key]
    src = strip_break(lines[line - 1])[0]
    flow = _is_flow(lines, mapping)
    if src[col - 1 : col] in ("|", ">"):
        raise EditError(f"{key} is a block scalar (| or >); edit it by hand")
    end = scalar_end(src, col - 1, flow=flow)
    if not flow and _continues(lines, mapping, key, line):
        raise EditError(f"{key} spans several lines; edit it by hand")
    if mapping.get(key) is None and src[col - 2 : col - 1] == ":":
        value_text = " " + value_text  # `time:` (null) becomes `time: "0:10:00"`
    return Edit(line, col - 1, end, value_text)


def _continues(lines: list[str], mapping: YMap, key: str, line: int) -> bool:
    """Does the block value of `key` (starting on `line`) continue on the next lines?"""
    later = [kl for kl, _ in mapping.kpos.values() if kl > line]
    stop = min(later) if later else mapping.end_line + 1
    for n in range(line + 1, min(stop, len(lines) + 1)):
        text = lines[n - 1].strip()
        if text and not text.startswith("#"):
            return True
    return False


def add_key(
    lines: list[str],
    mapping: YMap,
    key: str,
    value_text: str,
    ends: dict[tuple[int, int], tuple[int, int]] | None = None,
) -> Edit:
    """Add `key: value` to a mapping, in its flow or block style."""
    return add_keys(lines, mapping, [(key, value_text)], ends)


def add_keys(
    lines: list[str],
    mapping: YMap,
    pairs: list[tuple[str, str]],
    ends: dict[tuple[int, int], tuple[int, int]] | None = None,
) -> Edit:
    """Add several `key: value` pairs to a mapping in one edit, in its flow or block style.

    `ends` is `collection_ends` of the text the lines come from (computed here when not given).
    """
    if _is_flow(lines, mapping):
        line = mapping.end_line
        src = strip_break(lines[line - 1])[0]
        close = mapping.end_col - 2
        if close < 0 or src[close : close + 1] != "}":
            raise EditError("cannot find the end of a flow mapping; edit it by hand")
        if line != mapping.line and not src[:close].strip():
            raise EditError("a flow mapping whose } stands on its own line; edit it by hand")
        before = len(src[:close].rstrip(" \t"))
        body = ", ".join(f"{k}: {v}" for k, v in pairs)
        prev = src[:before][-1:]
        sep = "" if not mapping or prev in ("{", ",") else ", "
        if prev == ",":
            sep = " "
        return Edit(line, before, before, f"{sep}{body}")
    if not mapping.kpos:
        raise EditError("an empty block mapping; edit it by hand")
    first_line, first_col = next(iter(mapping.kpos.values()))
    indent = " " * (first_col - 1)
    if ends is None:
        ends = collection_ends("".join(lines))
    end = ends.get((mapping.line, mapping.col))
    if end is None:
        raise EditError("cannot find where a mapping ends; edit it by hand")
    after = max(first_line, lines_before(lines, end))
    body, _ = strip_break(lines[after - 1])
    nl = line_break_of(lines[0])
    return Edit(after, len(body), len(body), "".join(f"{nl}{indent}{k}: {v}" for k, v in pairs))


def own(mapping: YMap, owner: YMap) -> bool:
    """Is `mapping` written inside `owner` (not reached through an alias or a merge key)?"""
    return owner.line <= mapping.line <= max(owner.line, owner.end_line)


def dq(text: str) -> str:
    """A double-quoted YAML string."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif _unprintable(ch):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
