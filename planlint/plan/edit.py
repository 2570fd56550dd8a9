"""Surgical edits of plan.yaml: splice text in at the positions the loader reports, nothing else.

A full ruamel.yaml dump is not byte-stable (quotes, indentation, CRLF, BOM), so every edit here
changes only the lines it must, in the file's own indentation, quoting and line endings, and is
re-parsed before it is accepted.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planlint.plan.editsafety import (
    DataChanged,
    ends_with_break,
    line_break_of,
    lines_before,
    parser_lines,
    strip_break,
    verify_edit,
)
from planlint.plan.load import YMap, YSeq, load_plan
from planlint.plan.naming import ImpliedRun
from planlint.plan.runtext import RunStyle, run_lines
from planlint.plan.values import quote


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


def _end_of(node: YMap | YSeq, lines: list[str]) -> int:
    """How many of `lines` come before the first line after `node`'s content (`node` was loaded
    from these lines: the loader recorded where its content ends)."""
    end = node.content_end
    if end is None:
        raise EditError("cannot find where a list or mapping ends; edit it by hand")
    return max(node.line, lines_before(lines, end))


def detect_style(text: str, runs: YSeq) -> RunStyle:
    """The style of the runs already in the plan (the first run, the first block `parameters`)."""
    lines = [strip_break(line)[0] for line in parser_lines(text)]
    if not runs or not isinstance(runs[0], YMap):
        return RunStyle()
    line, col = runs.ipos[0]
    src = lines[line - 1]
    dash = src.rfind("-", 0, col - 1)
    dash_indent = src[:dash] if dash >= 0 else " " * max(0, col - 3)
    flow_item = _opens_flow_mapping(src, col)
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
            flow_params = _opens_flow_mapping(lines[pline - 1], pcol)
            if not flow_params:
                params = item["parameters"]
                first_key = next(iter(params.kpos.values()))
                params_indent = first_key[1] - 1 - (item.kpos["parameters"][1] - 1)
            break
    return RunStyle(dash_indent, flow_item, flow_params, max(1, params_indent), quote_char)


_NODE_PROPERTIES = re.compile(r"(?:[&!][^\s{}\[\],]*\s+)*")


def _opens_flow_mapping(line: str, col: int) -> bool:
    """Does the node starting at 1-based `col` of `line` open a flow mapping, after any anchor
    (`&p`) or tag (`!!map`) in front of it?"""
    rest = line[col - 1 :]
    found = _NODE_PROPERTIES.match(rest)  # matches at least the empty string
    return rest[found.end() if found else 0 :].startswith("{")


def _run_data(run: ImpliedRun) -> dict[str, Any]:
    """The data a run written by `run_lines` must load as."""
    data: dict[str, Any] = {"name": run.name, "type": run.type, "model": run.model}
    data.update({k: v for k, v, _ in run.run_level})
    data["parameters"] = {k: v for k, v, _ in run.parameters}
    return data


class _Overlap(Exception):
    """Two splices touch the same line."""


@dataclass
class Splice:
    """Replace `lines[start:stop]` (lines as `parser_lines` splits them) with `new`; `intended`
    applies the same change to a plain copy of the data, for the data-level check."""

    start: int
    stop: int
    new: list[str]
    intended: Callable[[Any], None]


def apply_splices(old_data: Any, text: str, splices: list[Splice]) -> tuple[str, Any]:
    """`text` with every splice made (all positions are those of `text`), checked once at the
    data level; returns the new text and its Loaded (EditError, and nothing, when it fails)."""
    lines = _lines(text)
    ordered = sorted(splices, key=lambda sp: (sp.start, sp.stop), reverse=True)
    for later, earlier in itertools.pairwise(ordered):
        if earlier.stop > later.start:
            raise _Overlap
    for sp in ordered:
        lines[sp.start : sp.stop] = sp.new
    result = "".join(lines)

    def intended(expected: Any) -> None:
        for sp in splices:
            sp.intended(expected)

    try:
        reloaded = verify_edit(old_data, result, intended)
    except DataChanged as exc:
        raise EditError(str(exc)) from None
    return result, reloaded


def _plan_data(text: str, loaded: Any) -> YMap:
    if loaded is None:
        loaded = load_plan(Path("plan.yaml"), text=text)
    if not isinstance(loaded.data, YMap):
        raise EditError("the plan does not load; fix its YAML first")
    return loaded.data


def add_runs(
    text: str, runs_to_add: list[ImpliedRun], after: list[int | None] | None = None, loaded: Any = None
) -> str:
    """`text` with the runs added to its `runs:` list; every other byte unchanged.

    `after[i]` is the index of the existing run that `runs_to_add[i]` goes right after (each
    model's new runs follow that model's runs); None (or no `after`) appends at the end.
    `loaded` is the Loaded of `text` when the caller has it. The result is re-parsed and must
    hold the old data plus exactly these runs, else EditError.
    """
    if not runs_to_add:
        return text
    data = _plan_data(text, loaded)
    if after is not None and any(a is not None for a in after):
        return apply_splices(data, text, _placed_splices(text, data, runs_to_add, after))[0]
    return apply_splices(data, text, [runs_splice(text, data, runs_to_add)])[0]


def add_runs_and_entries(
    text: str, loaded: Any, runs_to_add: list[ImpliedRun], after: list[int | None] | None = None
) -> tuple[str, bool, Any]:
    """`add_runs` then `add_matrix_entries` in one pass over `loaded` (the Loaded of `text`):
    both splices are placed at the original positions and the result is parsed once.

    Returns the new text, whether matrix entries were added, and the new text's Loaded.
    """
    if not runs_to_add:
        return text, False, loaded
    data = _plan_data(text, loaded)
    placed = after is not None and any(a is not None for a in after)
    splices = (
        _placed_splices(text, data, runs_to_add, after) if placed else [runs_splice(text, data, runs_to_add)]
    )
    matrix = matrix_splice(text, data, runs_to_add)
    if matrix is not None:
        splices.append(matrix)
    try:
        result, reloaded = apply_splices(data, text, splices)
    except _Overlap:  # both end on one line: one edit after the other
        with_runs = add_runs(text, runs_to_add, after, loaded=loaded)
        result = add_matrix_entries(with_runs, runs_to_add)
        reloaded = load_plan(Path("plan.yaml"), text=result)
    return result, matrix is not None, reloaded


def _placed_splices(
    text: str, data: YMap, runs_to_add: list[ImpliedRun], after: list[int | None] | None
) -> list[Splice]:
    """One splice per existing run that new runs follow (each model's runs after its own); the
    first splice carries the whole intended change, the others none."""
    runs = data.get("runs")
    if not isinstance(runs, YSeq) or not runs or after is None:
        return [runs_splice(text, data, runs_to_add)]
    lines = _lines(text)
    if lines[runs.line - 1][runs.col - 1 : runs.col] == "[":
        raise EditError("runs is a flow list ([...]); write it as a block list and retry")
    nl = newline_of(text)
    style = detect_style(text, runs)
    groups: dict[int, list[ImpliedRun]] = {}
    tail: list[ImpliedRun] = []
    for run, index in zip(runs_to_add, after, strict=True):
        if index is None or index >= len(runs) or not isinstance(runs[index], (YMap, YSeq)):
            tail.append(run)
        else:
            groups.setdefault(index, []).append(run)

    def intended(expected: Any) -> None:
        out: list[Any] = []
        for i, item in enumerate(list(expected.get("runs") or [])):
            out.append(item)
            out += [_run_data(r) for r in groups.get(i, [])]
        expected["runs"] = out + [_run_data(r) for r in tail]

    def nothing(expected: Any) -> None:
        return None

    splices: list[Splice] = []
    ends = [(_end_of(runs[i], lines), g) for i, g in groups.items()]
    if tail:
        ends.append((_end_of(runs, lines), tail))
    for k, (end, group) in enumerate(sorted(ends, key=lambda e: e[0])):
        new = [line + nl for r in group for line in run_lines(r, style)]
        how = intended if k == 0 else nothing
        if end <= len(lines) and not ends_with_break(lines[end - 1]):
            splices.append(Splice(end - 1, end, [lines[end - 1] + nl, *new], how))
        else:
            splices.append(Splice(end, end, new, how))
    return splices


def runs_splice(text: str, data: YMap, runs_to_add: list[ImpliedRun]) -> Splice:
    """The splice that appends these runs to the plan's `runs:` list, in the plan's style."""
    nl = newline_of(text)
    lines = _lines(text)
    runs = data.get("runs")

    def intended(expected: Any) -> None:
        got = expected.get("runs")
        expected["runs"] = (got if isinstance(got, list) else []) + [_run_data(r) for r in runs_to_add]

    if isinstance(runs, YSeq) and runs:
        if lines[runs.line - 1][runs.col - 1 : runs.col] == "[":
            raise EditError("runs is a flow list ([...]); write it as a block list and retry")
        style = detect_style(text, runs)
        after = _end_of(runs, lines)
        new = [line + nl for lines_ in (run_lines(r, style) for r in runs_to_add) for line in lines_]
        if after <= len(lines) and not ends_with_break(lines[after - 1]):
            return Splice(after - 1, after, [lines[after - 1] + nl, *new], intended)
        return Splice(after, after, new, intended)
    if "runs" in data and (runs is None or isinstance(runs, YSeq)):
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
        key_line = body[: col - 1].rstrip() + (f"  {rest}" if rest else "") + eol
        return Splice(kline - 1, kline, [key_line, *new], intended)
    if any(strip_break(line)[0] == "..." for line in lines):
        raise EditError("the plan ends its document with `...`; add `runs:` by hand and retry")
    appended = [line + nl for r in runs_to_add for line in run_lines(r, RunStyle())]
    if lines and not ends_with_break(lines[-1]):
        return Splice(len(lines) - 1, len(lines), [lines[-1] + nl, "runs:" + nl, *appended], intended)
    return Splice(len(lines), len(lines), ["runs:" + nl, *appended], intended)


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


def add_matrix_entries(text: str, added: list[ImpliedRun], loaded: Any = None) -> str:
    """Evaluate newly added runs like the runs already in `evaluation.matrix` (same tasks and
    epochs as an entry of a run of the same type), in the matrix's own style."""
    if loaded is None:
        loaded = load_plan(Path("plan.yaml"), text=text)
    if not isinstance(loaded.data, YMap):
        return text
    splice = matrix_splice(text, loaded.data, added)
    if splice is None:
        return text
    return apply_splices(loaded.data, text, [splice])[0]


def matrix_splice(text: str, data: YMap, added: list[ImpliedRun]) -> Splice | None:
    """The splice that gives the added runs `evaluation.matrix` entries, or None if none."""
    from planlint.plan.editsafety import plain_copy

    evaluation = data.get("evaluation")
    matrix = evaluation.get("matrix") if isinstance(evaluation, YMap) else None
    if not added or not isinstance(matrix, YSeq) or not matrix or not isinstance(matrix[0], YMap):
        return None
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
    fallback = next(iter(examples.values()), None)
    controls = data.get("controls") if isinstance(data, YMap) else None
    trained = controls.get("epochs") if isinstance(controls, YMap) else None
    all_epochs = (
        list(range(trained))
        if isinstance(trained, int) and not isinstance(trained, bool) and 0 < trained <= 100
        else [0]
    )
    for run in added:
        # a run of its type shows how to evaluate it; else any entry's tasks (controls: epochs null)
        example = examples.get(run.type) or fallback
        if example is None or run.name in present:
            continue
        tasks = _flow_list(example.get("tasks"))
        fine_tuned = run.type == "fine-tuned"
        same_type = examples.get(run.type) is example
        if fine_tuned and same_type:
            epochs_value = (
                plain_copy(example.get("epochs")) if isinstance(example.get("epochs"), YSeq) else None
            )
            epochs = _flow_list(example.get("epochs"))
        elif fine_tuned:
            epochs_value = all_epochs
            epochs = "[" + ", ".join(map(str, all_epochs)) + "]"
        else:
            epochs_value, epochs = None, "null"
        entries.append(
            {
                "run": run.name,
                "tasks": plain_copy(example.get("tasks")) if isinstance(example.get("tasks"), YSeq) else None,
                "epochs": epochs_value,
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
        return None
    after = _end_of(matrix, lines)

    def intended(expected: Any) -> None:
        expected["evaluation"]["matrix"] += entries

    added_lines = [line_ + nl for line_ in new]
    if not ends_with_break(lines[after - 1]):
        return Splice(after - 1, after, [lines[after - 1] + nl, *added_lines], intended)
    return Splice(after, after, added_lines, intended)


_KEY_AT = re.compile(r"""(?P<q>["']?)(?P<key>[^"':\s]+)(?P=q)\s*:""")


def migrate_keys(text: str) -> tuple[str, list[str]]:
    """Rename, move or drop the keys cruijff_kit retired (plan/schema.py `RETIRED`), in place.

    One change at a time, each re-parsed and verified at the data level (the new document must
    hold the old data with exactly that change); returns the new text and what was done or kept.
    """
    done: list[str] = []
    kept: set[Any] = set()
    for _ in range(64):  # every step removes one retired key, or records it as kept
        loaded = load_plan(Path("plan.yaml"), text=text)
        if not isinstance(loaded.data, YMap):
            raise EditError("the plan does not load; fix its YAML first")
        got = _next_migration(text, loaded.data, kept)
        if got is None:
            break
        entry, (label, result, intended) = got
        if result is None:
            kept.add(entry)
            done.append(label)
            continue
        _checked(loaded.data, result, intended)
        text = result
        done.append(label)
    return text, done


_Step = tuple[str, "str | None", Callable[[Any], None]]


def _nothing(_: Any) -> None:
    return None


def _next_migration(text: str, data: YMap, kept: set[Any]) -> tuple[Any, _Step] | None:
    from planlint.plan.schema import RETIRED, retired_in

    order = {e: i for i, e in enumerate(sorted(RETIRED, key=lambda e: e.action != "rename"))}
    found = sorted(retired_in(data), key=lambda f: order[f[0]])
    for entry, where, node in found:
        if entry in kept:
            continue
        here = _dotted((*where, entry.key))
        if entry.action == "rename":
            new = entry.new[-1] if entry.new else entry.key
            return entry, _rename(text, where, node, entry.key, new, here)
        if entry.action == "drop":
            return entry, _drop_step(text, data, where, node, entry.key, f"dropped {here} ({entry.why})")
        if entry.action == "seeds":
            return entry, _seeds(text, data, where, node, here)
        if entry.parent and "*" in entry.parent:
            return entry, _move_from_items(text, data, entry, found)
        return entry, _move(text, data, where, node, entry, here)
    return None


def _dotted(path: tuple[Any, ...]) -> str:
    from planlint.plan.schema import dotted

    return dotted(path)


def _rename(text: str, where: tuple[Any, ...], node: YMap, old: str, new: str, here: str) -> _Step:
    if new in node:
        return f"kept {here}: {_dotted((*where, new))} already exists", None, _nothing
    lines = _lines(text)
    line, col = node.kpos[old]
    src = lines[line - 1]
    m = _KEY_AT.match(src, col - 1)
    if not m or m.group("key") != old:
        return f"kept {here}: written in a form this edit does not touch", None, _nothing
    renamed = src[: m.start("key")] + new + src[m.end("key") :]
    result = "".join([*lines[: line - 1], renamed, *lines[line:]])

    def intended(expected: Any) -> None:
        holder = _walk(expected, where)
        holder[new] = holder.pop(old)

    return f"renamed {here} to {new} (line {line})", result, intended


def _walk(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def _key_span(text: str, node: YMap, key: str) -> tuple[int, int] | None:
    """First and last line of `key: value` in a block mapping, when it can be cut out whole."""
    lines = _lines(text)
    if _is_flow(lines, node):
        return None
    kline, kcol = node.kpos[key]
    if strip_break(lines[kline - 1])[0][: kcol - 1].strip():
        return None  # the key shares its line with a `- ` or another key
    value = node[key]
    vline, vcol = node.vpos[key]
    if isinstance(value, (YMap, YSeq)):
        # an alias's value is written at its anchor, not here
        end = value.content_end if (value.line, value.col) == (vline, vcol) else None
        if end is None:
            return None
        return kline, max(vline, lines_before(lines, end))
    if vline != kline or _continues(lines, node, key, kline):
        return None  # block or multi-line scalars: left to the researcher
    return kline, kline


def _drop_step(text: str, data: YMap, where: tuple[Any, ...], node: YMap, key: str, label: str) -> _Step:
    """Remove `key` (and its parent when it was the parent's only key)."""
    here = _dotted((*where, key))
    if len(node) == 1 and where and isinstance(where[-1], str):
        parent = _walk(data, where[:-1])
        if isinstance(parent, YMap):
            step = _drop_step(text, data, where[:-1], parent, where[-1], label)
            if step[1] is not None:
                return step
    span = _key_span(text, node, key)
    if span is None:
        return f"kept {here}: written in a form this edit does not touch (delete it by hand)", None, _nothing
    lines = _lines(text)
    first, last = span
    result = "".join(lines[: first - 1] + lines[last:])

    def intended(expected: Any) -> None:
        del _walk(expected, where)[key]

    return label, result, intended


def _source_value(text: str, node: YMap, key: str) -> str | None:
    """The source text of a one-line scalar value, quotes included."""
    lines = _lines(text)
    line, col = node.vpos[key]
    src = strip_break(lines[line - 1])[0]
    if isinstance(node[key], (dict, list)) or src[col - 1 : col] in ("|", ">"):
        return None
    try:
        return src[col - 1 : scalar_end(src, col - 1, flow=_is_flow(lines, node))]
    except EditError:
        return None


def _combine(*steps: Callable[[Any], None]) -> Callable[[Any], None]:
    def intended(expected: Any) -> None:
        for step in steps:
            step(expected)

    return intended


def _add_then_drop(
    text: str,
    data: YMap,
    target: tuple[str, ...],
    value_text: str,
    value: Any,
    drops: list[tuple[tuple[Any, ...], YMap, str]],
    label: str,
) -> _Step:
    """Add `target: value` (its mapping must exist), then drop the old keys."""
    from planlint.plan.editsafety import plain_copy

    what = label.split(" ", 2)[1]
    holder = _walk(data, target[:-1]) if _exists(data, target[:-1]) else None
    if not isinstance(holder, YMap) or not holder.kpos:
        section = _dotted(target[:-1]) or "the top level"
        return f"kept {what}: {section} is not a mapping to add {target[-1]} to", None, _nothing
    lines = _lines(text)
    try:
        added = apply_edits(text, [add_key(lines, holder, target[-1], value_text)])
    except EditError as exc:
        return f"kept {what}: {exc}", None, _nothing
    result = added
    for where, _, key in sorted(drops, key=lambda d: -d[1].kpos[d[2]][0]):
        reloaded = load_plan(Path("plan.yaml"), text=result).data
        node = _walk(reloaded, where)
        span = _key_span(result, node, key)
        if span is None:
            return (
                f"kept {_dotted((*where, key))}: written in a form this edit does not touch",
                None,
                _nothing,
            )
        ls = _lines(result)
        result = "".join(ls[: span[0] - 1] + ls[span[1] :])
    copied = plain_copy(value)

    def add(expected: Any) -> None:
        _walk(expected, target[:-1])[target[-1]] = copied

    def drop(expected: Any) -> None:
        for where, _, key in drops:
            del _walk(expected, where)[key]

    return label, result, _combine(add, drop)


def _exists(data: Any, path: tuple[Any, ...]) -> bool:
    for step in path:
        if not isinstance(data, dict) or step not in data:
            return False
        data = data[step]
    return True


def _move(text: str, data: YMap, where: tuple[Any, ...], node: YMap, entry: Any, here: str) -> _Step:
    from planlint.plan.schema import same_value, target_value

    target = entry.new
    present, current = target_value(data, target)
    value = node[entry.key]
    if present:
        if same_value(current, value):
            return _drop_step(
                text, data, where, node, entry.key, f"dropped {here}: {_dotted(target)} holds the same value"
            )
        return f"kept {here}: {_dotted(target)} holds a different value (choose one by hand)", None, _nothing
    if isinstance(value, YMap):
        return _move_block(text, data, where, node, entry, here)
    value_text = _source_value(text, node, entry.key)
    if value_text is None:
        return f"kept {here}: not a one-line value (move it by hand)", None, _nothing
    label = f"moved {here} to {_dotted(target)}"
    return _add_then_drop(text, data, target, value_text, value, [(where, node, entry.key)], label)


def _move_block(text: str, data: YMap, where: tuple[Any, ...], node: YMap, entry: Any, here: str) -> _Step:
    """Move a block mapping (top-level data_generation) under its new parent, re-indented."""
    from planlint.plan.editsafety import plain_copy

    target = entry.new
    holder = _walk(data, target[:-1]) if _exists(data, target[:-1]) else None
    span = _key_span(text, node, entry.key)
    value = node[entry.key]
    if not isinstance(holder, YMap) or not holder.kpos or _is_flow(_lines(text), holder) or span is None:
        return f"kept {here}: move it under {_dotted(target[:-1])} by hand", None, _nothing
    lines = _lines(text)
    vline, vcol = node.vpos[entry.key]
    if vline == node.kpos[entry.key][0]:
        return f"kept {here}: a flow mapping (move it by hand)", None, _nothing
    indent = next(iter(holder.kpos.values()))[1] - 1
    shift = indent + 2 - (vcol - 1)
    body = lines[vline - 1 : span[1]]
    if shift < 0 and any(line.strip() and not line.startswith(" " * -shift) for line in body):
        return f"kept {here}: move it under {_dotted(target[:-1])} by hand", None, _nothing
    moved = [(" " * shift + line if shift >= 0 else line[-shift:]) if line.strip() else line for line in body]
    nl = newline_of(text)
    end = holder.content_end
    if end is None:
        return f"kept {here}: move it by hand", None, _nothing
    after = max(next(iter(holder.kpos.values()))[0], lines_before(lines, end))
    new_lines = list(lines)
    if not ends_with_break(new_lines[after - 1]):
        new_lines[after - 1] += nl
    block = [" " * indent + target[-1] + ":" + nl] + [
        line if ends_with_break(line) else line + nl for line in moved
    ]
    first, last = span
    if first > after:
        result_lines = new_lines[:after] + block + new_lines[after : first - 1] + new_lines[last:]
    else:
        result_lines = new_lines[: first - 1] + new_lines[last:after] + block + new_lines[after:]
    result = "".join(result_lines)
    copied = plain_copy(value)

    def intended(expected: Any) -> None:
        _walk(expected, target[:-1])[target[-1]] = copied
        del _walk(expected, where)[entry.key]

    return f"moved {here} to {_dotted(target)}", result, intended


def _move_from_items(text: str, data: YMap, entry: Any, found: list[Any]) -> _Step:
    """models.base[].base_recipe: one recipe for every model goes to controls, else kept."""
    from planlint.plan.schema import same_value, target_value

    items = [(where, node) for e, where, node in found if e is entry]
    values = [node[entry.key] for _, node in items]
    label_key = _dotted((*entry.parent[:-1], entry.key)).replace(".base.", ".base[].")
    if any(not same_value(v, values[0]) for v in values):
        return (
            f"kept {label_key}: the models name different recipes (controls.base_recipe holds one)",
            None,
            _nothing,
        )
    present, current = target_value(data, entry.new)
    drops = [(where, node, entry.key) for where, node in items]
    if present:
        if not same_value(current, values[0]):
            return f"kept {label_key}: controls.base_recipe names another recipe", None, _nothing
        result = text
        for where, _, key in sorted(drops, key=lambda d: -d[1].kpos[d[2]][0]):
            node = _walk(load_plan(Path("plan.yaml"), text=result).data, where)
            span = _key_span(result, node, key)
            if span is None:
                return f"kept {label_key}: written in a form this edit does not touch", None, _nothing
            ls = _lines(result)
            result = "".join(ls[: span[0] - 1] + ls[span[1] :])

        def intended(expected: Any) -> None:
            for where, _, key in drops:
                del _walk(expected, where)[key]

        return f"dropped {label_key}: controls.base_recipe names the same recipe", result, intended
    value_text = _source_value(text, items[0][1], entry.key)
    if value_text is None:
        return f"kept {label_key}: not a one-line value (move it by hand)", None, _nothing
    return _add_then_drop(
        text, data, entry.new, value_text, values[0], drops, f"moved {label_key} to {_dotted(entry.new)}"
    )


def _seeds(text: str, data: YMap, where: tuple[Any, ...], node: YMap, here: str) -> _Step:
    """experiment.seed fed both stages: write it as controls.seed and evaluation.seed where unset."""
    value = node["seed"]
    if value == 14:
        return _drop_step(text, data, where, node, "seed", f"dropped {here}: both seeds default to 14")
    for section in ("controls", "evaluation"):
        holder = data.get(section)
        if isinstance(holder, YMap) and "seed" not in holder:
            value_text = _source_value(text, node, "seed")
            if value_text is None:
                break
            return _add_then_drop(
                text,
                data,
                (section, "seed"),
                value_text,
                value,
                [],
                f"wrote {section}.seed: {value_text} (from {here})",
            )
    if all(
        isinstance(data.get(s), YMap) and "seed" in data[s] for s in ("controls", "evaluation")
    ) or not isinstance(data.get("evaluation"), YMap):
        return _drop_step(text, data, where, node, "seed", f"dropped {here}")
    return f"kept {here}: write controls.seed and evaluation.seed by hand", None, _nothing


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


def add_key(lines: list[str], mapping: YMap, key: str, value_text: str) -> Edit:
    """Add `key: value` to a mapping, in its flow or block style."""
    return add_keys(lines, mapping, [(key, value_text)])


def add_keys(lines: list[str], mapping: YMap, pairs: list[tuple[str, str]]) -> Edit:
    """Add several `key: value` pairs to a mapping in one edit, in its flow or block style.

    `mapping` was loaded from the text `lines` come from (its recorded content end places them).
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
    end = mapping.content_end
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
