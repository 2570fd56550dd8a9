"""Typed answer values for `planlint init`: YAML scalars as written, checked against the schema."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from planlint.plan.values import quote

_PLAIN_PATH = re.compile(r"^(?:/|\./|\.\./|~/)[A-Za-z0-9._/+-]*$")


class Invalid(ValueError):
    """An answer that does not fit; the message says why, so the interview can ask again."""


def yaml_str(value: str) -> str:
    """A string as a YAML scalar: plain when safe (paths too), else double-quoted with escapes."""
    if _PLAIN_PATH.match(value) and "//" not in value:
        return value
    out = quote(value)
    if out.startswith('"'):
        out = out.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return out


def unescape(text: str) -> str:
    """`\\n` typed at a prompt means a newline, as it does in the examples' double-quoted prompts;
    every other backslash is the character itself (`C:\\temp` keeps its `\\t`)."""
    return text.replace("\\n", "\n")


@dataclass(frozen=True)
class Value:
    """A scalar answer: the YAML text to write (as typed for numbers) and the value it stands for."""

    text: str
    value: Any

    @property
    def shown(self) -> str:
        return self.value if isinstance(self.value, str) else self.text


def scalar(token: str) -> Value:
    """A typed value as YAML 1.2 reads it: `1e-5` a number written as typed, `yes` a string."""
    from planlint.plan.load import resolve_plain

    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        return Value(yaml_str(token[1:-1]), token[1:-1])
    tag = resolve_plain(token).rsplit(":", 1)[-1]
    if tag == "int" and re.fullmatch(r"[-+]?[0-9]+", token) and not re.fullmatch(r"[-+]?0[0-9]+", token):
        return Value(token, int(token))
    if tag == "float" and re.fullmatch(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", token):
        return Value(token, float(token))
    if tag == "bool":
        return Value(token.lower(), token.lower() == "true")
    return Value(yaml_str(token), token)


def _schema_controls() -> dict[str, Any]:
    from planlint.schemafile import load_schema

    props = load_schema().get("properties", {}).get("controls", {}).get("properties", {})
    return props if isinstance(props, dict) else {}


_KINDS = {"integer": "a whole number", "number": "a number", "boolean": "true or false", "string": "text"}


EXAMPLES = {"lr": "1e-5", "lora_rank": "8", "epochs": "1", "batch_size": "4", "gpus": "1"}


def typed(key: str, token: str) -> Value:
    """A value of hyper-parameter `key`, checked against the schema's type, minimum and choices."""
    spec = _schema_controls().get(key, {})
    v = scalar(token)
    declared = spec.get("type")
    kinds = [t for t in (declared if isinstance(declared, list) else [declared]) if t != "null"]
    kind = kinds[0] if len(kinds) == 1 else None  # null: an optional key may be left unset
    what = f"{key} {token.strip()!r}" if key else repr(token.strip())
    if not token.strip():
        raise Invalid(f"{key}: a value is missing")
    example = f" (e.g. {EXAMPLES[key]})" if key in EXAMPLES else ""
    if kind == "integer" and not (isinstance(v.value, int) and not isinstance(v.value, bool)):
        raise Invalid(f"{what} is not {_KINDS[kind]}{example}")
    if kind == "number" and (isinstance(v.value, bool) or not isinstance(v.value, (int, float))):
        raise Invalid(f"{what} is not {_KINDS[kind]}{example}")
    if kind == "boolean" and not isinstance(v.value, bool):
        raise Invalid(f"{what} is not {_KINDS[kind]}")
    if kind == "string" and not isinstance(v.value, str):
        v = Value(yaml_str(token.strip()), token.strip())
    minimum = spec.get("minimum")
    if isinstance(minimum, (int, float)) and isinstance(v.value, (int, float)) and v.value < minimum:
        raise Invalid(f"{what} is below {minimum}")
    enum = spec.get("enum")
    if isinstance(enum, list) and v.value not in enum:
        raise Invalid(f"{what} is not one of {', '.join(str(e) for e in enum if e is not None)}")
    return v


def near_miss(key: str) -> str | None:
    """The known hyper-parameter a variable name probably means (`learning_rate` -> `lr`)."""
    from planlint.plan.schema import CONTROL_ALIASES

    known = sorted(_schema_controls())
    if key in known:
        return None
    if key in CONTROL_ALIASES:
        return CONTROL_ALIASES[key]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
    return close[0] if close else None
