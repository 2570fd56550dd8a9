"""What to do about a YAML 1.1 trap (PL010-PL014), given the type the schema wants where it stands.

The loader sees a plain `yes`, `0755` or `1e-5` without knowing the field: the advice depends on
it. Where the schema wants a boolean, `yes` means what YAML 1.1 readers (PyYAML, cruijff_kit)
read, `true`, and quoting it would make it text (a PL101 error); where it wants a string, quoting
keeps the text for every reader; elsewhere both readings stay possible and the hint says so.
The CLI hint and the editor's quick fix both come from `advice`, so they never disagree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from planlint.finding import Hit
from planlint.plan.load import YMap, YSeq
from planlint.schemafile import load_schema

#: The rules whose hint depends on the field's type.
TRAP_RULES = ("PL010", "PL011", "PL012", "PL013", "PL014")
_TRUE_11 = frozenset({"yes", "on"})
_OCTAL_DIGITS = re.compile(r"^[-+]?0[0-7_]+$")


class Advice(NamedTuple):
    """The hint for a trap, and the quick fix: the token's replacement, the action's title,
    whether the plan's (YAML 1.2) data changes and to what, and whether the fix is certain."""

    hint: str
    replacement: str | None
    title: str | None
    changes_data: bool = False
    new_value: Any = None
    certain: bool = True


def path_at(data: Any, line: int, column: int) -> tuple[Any, ...] | None:
    """The data path of the scalar value written at (line, column), or None (a key, a comment)."""
    return scalar_paths(data).get((line, column))


def scalar_paths(data: Any) -> dict[tuple[int, int], tuple[Any, ...]]:
    """Where each scalar value is written -> its data path, in one walk of the plan (a plan of
    10,000 runs has a trap in every run: one walk per finding would be quadratic)."""
    found: dict[tuple[int, int], tuple[Any, ...]] = {}
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue  # an alias: its anchor was walked already
        seen.add(id(node))
        if isinstance(node, YMap):
            items: Iterable[tuple[Any, Any, Any]] = ((k, v, node.vpos.get(k)) for k, v in node.items())
        elif isinstance(node, YSeq):
            items = ((i, v, node.ipos[i] if i < len(node.ipos) else None) for i, v in enumerate(node))
        else:
            continue
        for step, value, pos in items:
            if isinstance(value, (YMap, YSeq)):
                stack.append((value, (*path, step)))
            elif pos is not None:
                found.setdefault(pos, (*path, step))
    return found


def _resolve(node: Any) -> Any:
    defs = load_schema().get("$defs", {})
    while (
        isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/$defs/")
    ):
        node = defs.get(node["$ref"][len("#/$defs/") :], {})
    return node


def _types_of(node: Any, depth: int = 0) -> frozenset[str] | None:
    """The JSON types a schema node admits, or None when it admits any (or cannot tell)."""
    node = _resolve(node)
    if not isinstance(node, dict) or depth > 8:
        return None
    declared = node.get("type")
    if isinstance(declared, str):
        return frozenset({declared})
    if isinstance(declared, list):
        return frozenset(t for t in declared if isinstance(t, str))
    values = node["enum"] if isinstance(node.get("enum"), list) else None
    if "const" in node:
        values = [node["const"]]
    if values is not None:
        return frozenset(_json_type(v) for v in values)
    branches = [node[k] for k in ("then", "else") if k in node]
    for key in ("oneOf", "anyOf"):
        if isinstance(node.get(key), list):
            branches.extend(node[key])
    if not branches:
        return None
    out: set[str] = set()
    for branch in branches:
        got = _types_of(branch, depth + 1)
        if got is None:
            return None
        out |= got
    return frozenset(out)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "null" if value is None else "object"


def wanted_types(path: tuple[Any, ...]) -> frozenset[str] | None:
    """The JSON types the plan schema admits at a data path (None: any, or not known). A run's
    parameter the schema leaves open overrides a control: it wants the control's type."""
    # list indexes do not change what the schema wants: one lookup per shape of path
    return _wanted(tuple(0 if isinstance(step, int) else step for step in path))


@functools.lru_cache(maxsize=1024)
def _wanted(path: tuple[Any, ...]) -> frozenset[str] | None:
    got = _schema_types(path)
    if got is None and len(path) == 4 and path[0] == "runs" and path[2] == "parameters":
        return _schema_types(("controls", path[3]))
    return got


def _schema_types(path: tuple[Any, ...]) -> frozenset[str] | None:
    node: Any = load_schema()
    for step in path:
        node = _resolve(node)
        if not isinstance(node, dict):
            return None
        if isinstance(step, int):
            node = node.get("items")
        elif step in node.get("properties", {}):
            node = node["properties"][step]
        else:
            patterns = node.get("patternProperties", {})
            match = next((s for p, s in patterns.items() if re.search(p, str(step))), None)
            node = match if match is not None else node.get("additionalProperties")
        if node is None or isinstance(node, bool):
            return None
    return _types_of(node)


def _numeric(types: frozenset[str] | None) -> bool:
    return types is not None and bool(types & {"integer", "number"}) and "string" not in types


def _textual(types: frozenset[str] | None) -> bool:
    return types is not None and "string" in types and not types & {"integer", "number", "boolean"}


def advice(rule: str, token: str, types: frozenset[str] | None) -> Advice | None:
    """The hint and quick fix for the trap `token` (as written, plain) under `rule`, in a field
    the schema types as `types` (None: any type)."""
    quoted = f'"{token}"'
    if rule == "PL010":
        meant = token.lower() in _TRUE_11
        word = "true" if meant else "false"
        if types is not None and "boolean" in types and "string" not in types:
            return Advice(
                f"write {word}: YAML 1.1 readers (PyYAML, cruijff_kit) read {token} as {word}, "
                f'and a quoted "{token}" is text, not a boolean',
                word,
                f"Rewrite {token} as {word} (what YAML 1.1 readers read)",
                changes_data=True,
                new_value=meant,
            )
        if _textual(types):
            return Advice(
                f"quote it: {quoted} (YAML 1.1 readers read {token} as {word})",
                quoted,
                f"Quote {token} as {quoted} (text for every YAML reader)",
            )
        return Advice(
            f"quote it ({quoted}) to keep the text, or write {word}, what YAML 1.1 readers read",
            quoted,
            f"Quote {token} as {quoted} (text for every YAML reader)",
            certain=False,
        )
    if rule in ("PL011", "PL012"):
        return Advice(
            f"quote it: {quoted}", quoted, f"Quote {token} as {quoted} (text for every YAML reader)"
        )
    if rule in ("PL013", "PL014") and _textual(types):
        # a text field: YAML 1.2 reads a number here, so quoting changes the data to what is meant
        return Advice(
            f"quote it: {quoted}",
            quoted,
            f"Quote {token} as {quoted} (text for every YAML reader)",
            changes_data=True,
            new_value=token,
        )
    if rule == "PL013":
        sign = token[0] if token[0] in "+-" else ""
        digits = token[len(sign) :].replace("_", "").lstrip("0") or "0"
        decimal = sign + digits
        if _OCTAL_DIGITS.match(token):
            old = int(token.replace("_", ""), 8)
            reads = f"octal {old}"
        else:
            reads = "text"
        title = f"Rewrite {token} as {decimal} ({decimal} for every YAML reader; YAML 1.1 read {reads})"
        if _numeric(types):
            return Advice(f"write {decimal} (YAML 1.1 readers read {token} as {reads})", decimal, title)
        return Advice(
            f"drop the leading zero ({decimal}) or quote it ({quoted})", decimal, title, certain=False
        )
    if rule == "PL014":
        mant, sep, exp = token.partition("e") if "e" in token else token.partition("E")
        dotted = f"{mant}.0{sep}{exp}" if sep else None
        retitle = f"Rewrite {token} as {dotted} (a number for every YAML reader)" if dotted else None
        if _numeric(types) and dotted:
            return Advice(f"write {dotted} (YAML 1.1 readers read {token} as text)", dotted, retitle)
        return Advice(f"write {dotted or token} or quote it", dotted, retitle, certain=False)
    return None


def with_advice(data: Any, hits: list[Hit], reported: Callable[[str], bool] = lambda rule: True) -> list[Hit]:
    """`hits` with each trap's hint said for the type its field wants (others unchanged).
    `reported`: whether a rule's findings are shown at all; the others are not worth advising
    (PL014 is off by default and fires on every `lr: 1e-5` of a sweep)."""
    out = []
    paths: dict[tuple[int, int], tuple[Any, ...]] | None = None
    for hit in hits:
        if hit.rule in TRAP_RULES and reported(hit.rule):
            if paths is None:
                paths = scalar_paths(data)
            path = paths.get((hit.line, hit.column))
            token = _token(data, path)
            got = advice(hit.rule, token, wanted_types(path)) if token is not None and path else None
            if got is not None:
                hit = hit._replace(hint=got.hint)
        out.append(hit)
    return out


def _token(data: Any, path: tuple[Any, ...] | None) -> str | None:
    """The source text of the plain scalar at `path`."""
    if not path:
        return None
    node = data
    for step in path[:-1]:
        node = node[step]
    raw = getattr(node, "raw", {})
    text = raw.get(path[-1]) if isinstance(raw, dict) else None
    if text is None and isinstance(node[path[-1]], str):
        text = node[path[-1]]
    return text if isinstance(text, str) else None
