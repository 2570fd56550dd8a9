"""YAML scalars as numbers: one place that decides what counts as an integer, a number, or equal."""

from __future__ import annotations

import math
import re
from typing import Any


def as_int(value: Any) -> int | None:
    """An integer from a YAML number (4 or 4.0); None for anything else, booleans included."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def as_number(value: Any) -> float | None:
    """A finite number from YAML: 1e-4 and "1e-4" (a YAML 1.1 string) both give 0.0001."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            got = float(value.strip())
        except ValueError:
            return None
        return got if math.isfinite(got) else None
    return None


#: A number as a run name or a doc cell may spell it: also with a thousands or millions suffix
#: (`10K` = 10000, `1.5M`). One group: the whole token.
SCALED_NUMBER = r"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?[kKmM]?)"
_SCALED = re.compile(SCALED_NUMBER)
_SCALE = {"k": 1e3, "m": 1e6}
#: Digits grouped in thousands with commas, as prose writes them (`10,000`, `1,234.5`).
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def scaled_number(token: str) -> float | None:
    """The number `token` spells (`1e-5`, `10K` = 10000, `1.5M`), else None."""
    if _SCALED.fullmatch(token) is None:
        return None
    scale = _SCALE.get(token[-1].lower(), 1.0)
    try:
        return float(token[:-1] if scale != 1.0 else token) * scale
    except ValueError:
        return None


def is_number(value: Any) -> bool:
    """A YAML number (an int or a float), not a boolean and not a string that looks like one."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def same_number(text: str, value: Any) -> bool:
    """`text` (as a doc writes it: `0.00001`, `1.0e-5`, `1E-5`, `8.0`, `10K`, `10,000`) is the
    number `value`: compared by value, an integer equal to its float, a suffix scaled as run names
    scale it (`scaled_number`).
    """
    if not is_number(value):
        return False
    got = as_number(text)
    if got is None:
        text = text.strip()
        got = scaled_number(text.replace(",", "") if _GROUPED.fullmatch(text) else text)
    return got is not None and math.isclose(got, float(value), rel_tol=1e-9, abs_tol=0.0)


def norm(value: Any) -> tuple[str, Any]:
    """A value as the sweep compares it: numbers by value (1e-5 == 0.00001), the rest exactly."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", float(value))
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, dict):
        return ("m", tuple(sorted((str(k), norm(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("l", tuple(norm(v) for v in value))
    return ("o", repr(value))


#: (type, value) -> `norm(value)` for hashable values (a sweep repeats few of them)
_NORMS: dict[tuple[type, Any], tuple[str, Any]] = {}


def norm_of(value: Any) -> tuple[str, Any]:
    """`norm(value)`, remembered for hashable values (a sweep's values repeat in every run)."""
    try:
        key = (value.__class__, value)
        got = _NORMS.get(key)
    except TypeError:  # a list or mapping: not remembered
        return norm(value)
    if got is None:
        got = norm(value)
        if len(_NORMS) < 100_000:
            _NORMS[key] = got
    return got


def quote(value: str) -> str:
    """A string as a YAML scalar: plain when safe, else double-quoted."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9._/-]*", value) and value.lower() not in {
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    }:  # fmt: skip
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
