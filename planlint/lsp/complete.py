"""Completion and hover in a plan, from the text around the cursor and the last plan that loaded.

The context comes from the line being typed (which may not parse yet): the key before the
cursor, and the keys above it found by indentation. The values offered come from the plan:
`models.base` names, a variable's declared values, run names, task names, and the schema's keys
with their descriptions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lsprotocol import types

from planlint.lsp.convert import Lines
from planlint.plan.model import Plan

_VALUE_AT = re.compile(r"(?:^|[\s{,])([A-Za-z_][\w.-]*)\s*:\s*([^\s,{}\[\]:\"']*)$")
_TASKS_AT = re.compile(r"(?:^|[\s{,])tasks\s*:\s*\[([^\]]*)$")
_KEY_AT = re.compile(r"^(\s*)(-\s+)?([\w-]*)$")
_LINE = re.compile(r"^(\s*)(-\s+)?(?:([\w.-]+|\"[^\"]*\"|'[^']*')\s*:(?:\s+|$))?(.*)$")


def _line_shape(body: str) -> tuple[int | None, int, str | None, str]:
    """(dash column or None, key column, key or None, rest) of one block-YAML line."""
    m = _LINE.match(body)
    if m is None:  # pragma: no cover - the pattern matches every line
        return None, 0, None, body
    indent, dash, key, rest = m.group(1), m.group(2), m.group(3), m.group(4)
    dash_col = len(indent) if dash else None
    key_col = len(indent) + (len(dash) if dash else 0)
    return dash_col, key_col, key.strip("\"'") if key else None, rest


def enclosing_path(lines: Lines, line: int, indent: int, in_item: bool) -> list[str]:
    """The keys above (line, indent) by indentation, outermost first; "[]" for a list item."""
    path: list[str] = []
    need = indent
    seq_ok = False
    if in_item:
        path.append("[]")
        seq_ok = True
    for index in range(line - 1, -1, -1):
        body = lines.line(index)
        stripped = body.strip()
        if not stripped or stripped.startswith("#"):
            continue
        dash_col, key_col, key, rest = _line_shape(body)
        if dash_col is not None and key_col == need and not seq_ok:
            path.insert(0, "[]")
            need, seq_ok = dash_col, True
            continue
        if key is None or key_col > need or (key_col == need and not seq_ok):
            if key_col < need and key is None:
                break
            continue
        if rest.strip() and not rest.strip().startswith("#"):
            continue  # `key: value` closes nothing around the cursor
        if dash_col is not None:
            path.insert(0, key)
            path.insert(0, "[]")
            need, seq_ok = dash_col, True
            continue
        path.insert(0, key)
        need, seq_ok = key_col, False
        if need == 0:
            break
    return path


def _resolve(schema: dict[str, Any], node: Any) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        name = str(node["$ref"]).rsplit("/", 1)[-1]
        node = {**schema.get("$defs", {}).get(name, {}), **{k: v for k, v in node.items() if k != "$ref"}}
    return node if isinstance(node, dict) else {}


def schema_at(path: list[str]) -> dict[str, Any]:
    """The schema of the mapping at `path` ({} when the schema does not describe it)."""
    from planlint.schemafile import load_schema

    schema = load_schema()
    node = _resolve(schema, schema)
    for step in path:
        node = _resolve(schema, node.get("items") if step == "[]" else node.get("properties", {}).get(step))
        if not node:
            return {}
    return node


def _key_items(path: list[str], present: set[str]) -> Iterator[types.CompletionItem]:
    from planlint.schemafile import load_schema

    schema = load_schema()
    node = schema_at(path)
    for key, sub in node.get("properties", {}).items():
        if key in present:
            continue
        sub = _resolve(schema, sub)
        yield types.CompletionItem(
            label=key,
            kind=types.CompletionItemKind.Property,
            detail=sub.get("title"),
            documentation=types.MarkupContent(types.MarkupKind.Markdown, sub.get("description", "")),
            insert_text=f"{key}: ",
        )


def _values(
    label_values: list[tuple[str, str]], kind: types.CompletionItemKind
) -> list[types.CompletionItem]:
    seen: set[str] = set()
    out = []
    for label, detail in label_values:
        if label in seen:
            continue
        seen.add(label)
        out.append(types.CompletionItem(label=label, kind=kind, detail=detail))
    return out


def _siblings(lines: Lines, line: int, indent: int) -> set[str]:
    """Keys already written at this indentation in the same block (not offered again)."""
    out: set[str] = set()
    for step in (-1, 1):
        index = line + step
        while 0 <= index < len(lines):
            body = lines.line(index)
            if body.strip() and not body.strip().startswith("#"):
                dash_col, key_col, key, _ = _line_shape(body)
                if key_col < indent or (dash_col is not None and key_col == indent and step == 1):
                    break
                if key_col == indent and key:
                    out.add(key)
                if dash_col is not None and key_col == indent:
                    break
            index += step
    return out


def completions(
    text: str, pos: types.Position, plan: Plan | None, encoding: str
) -> list[types.CompletionItem]:
    """What may be typed at `pos`: a value for the key before the cursor, else a key."""
    from planlint.plan.run import RUN_TYPES

    lines = Lines(text, encoding)
    line, char = lines.char_of(pos)
    prefix = lines.line(line)[:char]
    tasks = _TASKS_AT.search(prefix)
    if tasks is not None:
        names = [(str(t.get("name")), "task") for t in _maps(plan, "evaluation", "tasks") if t.get("name")]
        return _values(names, types.CompletionItemKind.EnumMember)
    value = _VALUE_AT.search(prefix)
    if value is not None:
        key = value.group(1)
        dash_col, key_col, _, _ = _line_shape(prefix)
        path = enclosing_path(lines, line, key_col, dash_col is not None)
        top = path[0] if path else None
        if key == "model" and top == "runs":
            models = [(str(m.get("name")), str(m.get("short") or "")) for m in _maps(plan, "models", "base")]
            return _values([m for m in models if m[0] != "None"], types.CompletionItemKind.Value)
        if key == "run" and top == "evaluation":
            runs = [(str(r.get("name")), str(r.get("type") or "")) for r in _maps(plan, "runs")]
            return _values([r for r in runs if r[0] != "None"], types.CompletionItemKind.Reference)
        if key == "type" and top == "runs":
            return _values([(t, "run type") for t in RUN_TYPES], types.CompletionItemKind.EnumMember)
        if plan is not None and key in plan.variables and top != "variables":
            seq = plan.variables[key]
            from planlint.plan.model import text_of

            return _values(
                [(text_of(seq, i), f"{key}") for i in range(len(seq))], types.CompletionItemKind.Value
            )
        return []
    at_key = _KEY_AT.match(prefix)
    if at_key is None:
        return []
    indent = len(at_key.group(1)) + len(at_key.group(2) or "")
    path = enclosing_path(lines, line, indent, at_key.group(2) is not None)
    return list(_key_items(path, _siblings(lines, line, indent)))


def _maps(plan: Plan | None, *path: str) -> list[Any]:
    if plan is None:
        return []
    return [item for item in plan.seq(*path) if isinstance(item, dict)]


# --------------------------------------------------------------------------- hover


def hover(text: str, pos: types.Position, plan: Plan | None, encoding: str) -> types.Hover | None:
    """On a run: its identity, the name its parameters render, its time; on a variable's value:
    the runs that use it."""
    if plan is None or plan.loaded.fatal:
        return None
    lines = Lines(text, encoding)
    line, char = lines.char_of(pos)
    number = line + 1
    got = _variable_value_at(plan, lines, line, char)
    if got is not None:
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, got))
    from planlint.plan.run import runs_of

    for run in runs_of(plan):
        if run.node.line <= number <= max(run.node.line, run.node.end_line):
            return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, describe_run(plan, run)))
    return None


def describe_run(plan: Plan, run: Any) -> str:
    """A run as hover text: name, identity (model, type, condition, variables), rendered name,
    estimated time."""
    from planlint.plan.naming import name_slots, render, run_params

    out = [f"**{run.name or '(no name)'}** ({run.type or 'no type'})", ""]
    out.append(f"- model: `{run.model}`")
    variables = ", ".join(f"{k}={v.text}" for k, v in run.variables.items())
    out.append(f"- variables: {variables or 'none'}")
    condition = ", ".join(f"{k}={v.text!r}" for k, v in run.condition_items.items())
    out.append(f"- condition: {condition or 'none besides the variables'}")
    if run.model is not None:
        slots = name_slots(plan, run.model, run_params(plan, run.node), control=run.type == "control")
        if slots is not None:
            rendered = render(slots)
            same = "matches" if rendered == run.name else "differs from the name"
            out.append(f"- name from its parameters: `{rendered}` ({same})")
    compute = run.node.get("compute")
    time = compute.get("time") if isinstance(compute, dict) else None
    if time is not None:
        out.append(f"- estimated time: {time} (compute.time)")
    elif run.fine_tuned:
        out.append("- estimated time: none yet (`planlint estimate --write` fills compute.time)")
    return "\n".join(out)


#: Runs a variable value's hover lists by name before it says how many more there are.
HOVER_RUNS = 25


def _variable_value_at(plan: Plan, lines: Lines, line: int, char: int) -> str | None:
    """The runs that use the variable value under the cursor: a value in a `variables` list, or
    a variable's value in a run's `parameters`."""
    from planlint.plan.load import YMap
    from planlint.plan.model import text_of
    from planlint.plan.run import runs_of

    for var, seq in plan.variables.items():
        for i, (v_line, v_col) in enumerate(seq.ipos):
            if v_line - 1 == line and v_col - 1 <= char <= lines.token_end(line, v_col - 1):
                return _users_of(plan, var, seq[i], text_of(seq, i))
    number = line + 1
    for run in runs_of(plan):
        if not run.node.line <= number <= max(run.node.line, run.node.end_line):
            continue
        params = run.parameters
        if not isinstance(params, YMap):
            return None
        for var in plan.variables:
            where = params.vpos.get(var)
            if var in run.variables and where is not None and where[0] == number:
                if where[1] - 1 <= char <= lines.token_end(line, where[1] - 1):
                    value = run.variables[var]
                    return _users_of(plan, var, value.value, value.text)
        return None
    return None


def _users_of(plan: Plan, var: str, value: Any, text: str) -> str:
    """Hover text: the runs whose `var` is `value` (compared by value: 1e-4 is 0.0001)."""
    from planlint.plan.run import runs_of
    from planlint.plan.values import norm

    wanted = norm(value)
    users = [
        r.name or f"runs[{r.index}]"
        for r in runs_of(plan)
        if var in r.variables and norm(r.variables[var].value) == wanted
    ]
    listed = [f"- `{u}`" for u in users[:HOVER_RUNS]]
    if len(users) > HOVER_RUNS:
        listed.append(f"- ... and {len(users) - HOVER_RUNS} more")
    shown = "\n".join(listed) or "- none"
    return f"**{var} = {text}**: {len(users)} run{'s' if len(users) != 1 else ''}\n\n{shown}"
