"""SLURM time limits: the one parser and the formatters (`compute.time`, `max-time`, Est. Time)."""

from __future__ import annotations

import functools
import math
import re

_TIME_RE = re.compile(
    r"""\A\s*(?:
        (?P<days>\d+)-(?P<dh>\d+)(?::(?P<dm>\d+)(?::(?P<ds>\d+))?)?   # D-H, D-H:M, D-H:M:S
      | (?P<a>\d+)(?::(?P<b>\d+)(?::(?P<c>\d+))?)?                    # M, M:S, H:M:S
    )\s*\Z""",
    re.VERBOSE,
)


@functools.lru_cache(maxsize=4096, typed=True)  # a sweep repeats one time in every run
def parse_time(text: str | int) -> int | None:
    """Seconds in a SLURM time limit, or None when it is not one.

    Forms: ``M`` (a plain integer is minutes), ``M:S``, ``H:M:S``, ``D-H``, ``D-H:M``,
    ``D-H:M:S``. The first field may be any size (``90:00`` is 90 minutes); the fields after it
    must be in range (hours below 24 after days, minutes and seconds below 60).
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text * 60 if text >= 0 else None
    if not isinstance(text, str):
        return None
    match = _TIME_RE.match(text)
    if match is None:
        return None
    if match["days"] is not None:
        days, hours = int(match["days"]), int(match["dh"])
        minutes = int(match["dm"] or 0)
        seconds = int(match["ds"] or 0)
        if hours >= 24 or minutes >= 60 or seconds >= 60:
            return None
        return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    first, second, third = match["a"], match["b"], match["c"]
    if second is None:  # M
        return int(first) * 60
    if third is None:  # M:S
        if int(second) >= 60:
            return None
        return int(first) * 60 + int(second)
    if int(second) >= 60 or int(third) >= 60:  # H:M:S
        return None
    return (int(first) * 60 + int(second)) * 60 + int(third)


def parse_limit(text: str | int) -> float | None:
    """Seconds in a partition's time limit; ``math.inf`` for no limit; None when it is neither.

    SLURM spells no limit three ways: ``0`` (sbatch: a limit of zero imposes none), and
    ``infinite`` / ``UNLIMITED`` (how sinfo and scontrol show such a partition).
    """
    if isinstance(text, str) and text.strip().lower() in ("infinite", "unlimited"):
        return math.inf
    seconds = parse_time(text)
    if seconds == 0:
        return math.inf
    return None if seconds is None else float(seconds)


def value_seconds(value: object) -> int | None:
    """Seconds in a plan's compute.time value as loaded (a string, or an integer of minutes);
    None for null, booleans and anything that is not a SLURM time."""
    if isinstance(value, bool) or value is None:
        return None
    return parse_time(value if isinstance(value, int) else str(value))


def format_est_time(seconds: int) -> str:
    """The Est. Time cell for a duration: ``~40s`` under a minute, else rounded UP to whole
    minutes: ``~10min`` under an hour, ``~2h`` on whole hours, ``~1h50min``, days as hours.
    """
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {seconds}")
    whole = math.ceil(seconds)
    if whole < 60:
        return f"~{whole}s"
    minutes = -(-whole // 60)
    if minutes < 60:
        return f"~{minutes}min"
    hours, rest = divmod(minutes, 60)
    return f"~{hours}h" if rest == 0 else f"~{hours}h{rest}min"


_EST_RE = re.compile(
    r"""\A~?\s*
    (?:(?P<h>\d+(?:\.\d+)?)\s*(?:hours?|hrs?|h)(?![a-z]))?\s*
    (?:(?P<m>\d+(?:\.\d+)?)\s*(?:minutes?|mins?|m)(?![a-z]))?\s*
    (?:(?P<s>\d+(?:\.\d+)?)\s*(?:seconds?|secs?|s)(?![a-z]))?\s*\Z""",
    re.VERBOSE | re.IGNORECASE,
)


def parse_est_time(text: str) -> int | None:
    """Seconds in an Est. Time cell, or None when it is not a duration.

    Reads what `format_est_time` writes (`~40s`, `~10min`, `~2h`, `~1h50min`) and the spellings
    people write by hand (`~10 min`, `~1h 15m`, `10 mins`, `~1.5h`), and a SLURM time with a
    colon (`0:10:00`). A bare number is not read (minutes or hours?).
    """
    match = _EST_RE.match(text)
    if match is not None and any(match.group(unit) for unit in "hms"):
        total = sum(
            float(match.group(unit) or 0) * scale for unit, scale in (("h", 3600), ("m", 60), ("s", 1))
        )
        return math.ceil(total)
    if ":" in text:
        return parse_time(text.strip().removeprefix("~").strip())
    return None


def same_est_time(text: str, rendered: str) -> bool:
    """The Est. Time cell `text` is the duration of the cell planlint renders (`rendered`): both
    read as durations that `format_est_time` writes alike (`~10 min` = `~10min`)."""
    got, want = parse_est_time(text), parse_est_time(rendered)
    return got is not None and want is not None and format_est_time(got) == format_est_time(want)


def format_time(seconds: float) -> str:
    """Seconds as SLURM ``H:MM:SS`` (hours may exceed 24)."""
    s = math.ceil(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}"
