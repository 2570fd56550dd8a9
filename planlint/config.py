"""Configuration from `[tool.planlint]` in pyproject.toml or a `.planlint.toml`."""

from __future__ import annotations

import fnmatch
import functools
import math
import os
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from planlint.finding import Severity
from planlint.paths import real_path

#: How a generated table is written when its doc does not show one (`table-style`): `seed` as
#: the planning checklist writes it, `aligned` padded like mdformat-tables, `compact` with
#: `|---|` separators (planlint.doc.tabletext.format_table).
TABLE_STYLES: tuple[str, ...] = ("seed", "aligned", "compact")

DEFAULT_PLAN_FILES = ("plan.yaml", "plan.yml", "experiment_summary.yaml")
#: File suffixes of planning docs (markdown), compared lower-cased.
DOC_SUFFIXES = (".md", ".markdown")
#: A configuration file larger than this is refused (a real one is a few hundred bytes).
CONFIG_MAX_BYTES = 1024 * 1024


class ConfigError(Exception):
    """The configuration cannot be used (a usage error: exit 2)."""


@dataclass
class Config:
    """Every setting, with its default; keys are written with dashes in TOML."""

    select: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    strict: bool = False
    plan_files: list[str] = field(default_factory=lambda: list(DEFAULT_PLAN_FILES))
    log_globs: list[str] = field(default_factory=list)
    scratch: str | None = None
    models_dir: str | None = None
    naming: dict[str, Any] = field(default_factory=dict)
    max_time: str | None = None
    gpu_memory_gb: float | None = None
    table_style: str = "seed"
    max_file_size_mb: float = 10.0
    evaluate_all_runs: bool = True
    #: glob patterns of files and folders discovery skips (explicit file arguments are still checked)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    #: where the configuration was found (None: defaults)
    source: Path | None = None
    root: Path = field(default_factory=Path.cwd)

    # -- rule selection ----------------------------------------------------------------------
    def enabled(self, rule_id: str, default_enabled: bool = True) -> bool:
        if _matches(rule_id, self.ignore):
            return False
        if self.select:
            return _matches(rule_id, self.select)
        return default_enabled or _matches(rule_id, self.extend_select)

    def severity_of(self, rule_id: str, default: Severity) -> Severity:
        """The configured severity: of the rule's id, else of its longest configured prefix."""
        value = self.severity.get(rule_id)
        if value is None and self.severity:
            prefixes = [p for p in self.severity if rule_id.startswith(p)]
            value = self.severity[max(prefixes, key=len)] if prefixes else None
        return Severity(value) if value else default

    def ignored_for(self, rule_id: str, path: str | Path) -> bool:
        """Does a `per-file-ignores` pattern silence `rule_id` in `path`? A pattern with a `/`
        matches the path relative to the configuration's folder (wherever planlint runs from,
        as `exclude` does); one without matches that path or the file's name."""
        if not self.per_file_ignores:
            return False
        rel = _relative(str(path), str(self.root))
        name = rel.rsplit("/", 1)[-1]
        for pattern, ids in self.per_file_ignores.items():
            pat = pattern.removeprefix("./")
            hit = fnmatch.fnmatch(rel, pat) or ("/" not in pat and fnmatch.fnmatch(name, pat))
            if hit and _matches(rule_id, ids):
                return True
        return False

    def excluded(self, path: Path) -> bool:
        """Does an `exclude` / `extend-exclude` pattern match the path (relative to the
        configuration's folder), one of its parent folders, or a component's name?"""
        patterns = [*self.exclude, *self.extend_exclude]
        if not patterns:
            return False
        rel = _relative(str(path), str(self.root))
        parts = rel.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        for pattern in patterns:
            pat = pattern.rstrip("/")
            if "/" in pat:
                if any(fnmatch.fnmatchcase(p, pat.removeprefix("./")) for p in prefixes):
                    return True
            elif any(fnmatch.fnmatchcase(part, pat) for part in parts):
                return True
        return False

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_size_mb * 1024 * 1024)

    def is_plan_name(self, name: str) -> bool:
        return name in self.plan_files


def _relative(path: str, root: str) -> str:
    """`path` (absolute, or relative to the working folder) relative to `root`, with `/`."""
    return _relative_from(path, root, os.getcwd())


@functools.lru_cache(maxsize=256)
def _relative_from(path: str, root: str, cwd: str) -> str:
    return Path(os.path.relpath(os.path.join(cwd, path), os.path.join(cwd, root))).as_posix()


def _matches(rule_id: str, selectors: list[str]) -> bool:
    return any(s == "ALL" or rule_id.startswith(s) for s in selectors)


_FIELDS = {f.name for f in fields(Config)} - {"source", "root"}


def _toml_load(path: Path, needle: bytes = b"") -> dict[str, Any]:
    """The TOML table in `path`; {} without parsing when the file does not contain `needle`."""
    from planlint.readfile import read_bounded

    try:
        raw = read_bounded(path, CONFIG_MAX_BYTES)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    if needle not in raw:
        # A project's pyproject.toml without a planlint table is none of our business:
        # not parsed (tomllib's import and parse are a tenth of a cold check), not judged.
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
        return data
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest `.planlint.toml` or pyproject.toml with [tool.planlint], walking up."""
    cur = real_path(start)
    for folder in (cur, *cur.parents):
        dot = folder / ".planlint.toml"
        if dot.is_file():
            return dot, _toml_load(dot)
        py = folder / "pyproject.toml"
        if py.is_file():
            table = _toml_load(py, b"planlint").get("tool", {}).get("planlint")
            if isinstance(table, dict):
                return py, table
        if (folder / ".git").exists():
            break
    return None


def load_config(start: Path | None = None, explicit: Path | None = None) -> Config:
    """Read the configuration that applies to `start` (default: the working folder)."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        data = _toml_load(explicit)
        if explicit.name == "pyproject.toml":
            data = data.get("tool", {}).get("planlint", {})
        found: tuple[Path, dict[str, Any]] | None = (explicit, data)
    else:
        found = find_config(start or Path.cwd())
    if found is None:
        return Config()
    path, table = found
    return from_mapping(table, source=path)


def _fits(value: Any, hint: Any) -> bool:
    """Does a TOML value have the type of a Config field (as annotated)?"""
    import math
    import types
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if hint is str:
        return isinstance(value, str)
    if origin is list:
        return isinstance(value, list) and all(_fits(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            _fits(k, args[0]) and _fits(v, args[1]) for k, v in value.items()
        )
    return isinstance(value, hint)  # pragma: no cover - a field type not handled above


def _describe(hint: Any, plural: bool = False) -> str:
    """A field type in the words of a TOML user ("a table of lists of strings")."""
    import types
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a, plural) for a in args if a is not type(None))
    if origin is list:
        return f"{'lists' if plural else 'a list'} of {_describe(args[0], True)}"
    if origin is dict:
        what = "tables" if plural else "a table"
        return what if args[1] is Any else f"{what} of {_describe(args[1], True)}"
    words = {
        bool: ("true or false", "booleans"),
        float: ("a finite number", "numbers"),
        str: ("a string", "strings"),
    }
    return words[hint][plural] if hint in words else str(hint)


def _hints() -> dict[str, Any]:
    import typing

    return typing.get_type_hints(Config)


def _check_naming(where: str, value: dict[str, Any]) -> None:
    """The naming table has the shape of a plan's `naming:` section (one schema for both)."""
    from jsonschema import Draft202012Validator

    from planlint.schemafile import load_schema

    schema = load_schema()
    sub = dict(schema["properties"]["naming"], **{"$defs": schema.get("$defs", {})})
    error = next(iter(sorted(Draft202012Validator(sub).iter_errors(value), key=lambda e: list(e.path))), None)
    if error is not None:
        at = ".".join(str(p) for p in error.path)
        raise ConfigError(f"{where}: setting 'naming{'.' + at if at else ''}': {error.message}")


def from_mapping(table: dict[str, Any], source: Path | None = None) -> Config:
    """Build a Config from a TOML table, refusing unknown keys and wrong types or values."""
    cfg = Config(source=source, root=source.parent if source else Path.cwd())
    where = str(source) if source else "configuration"
    hints = _hints()
    for raw_key, value in table.items():
        key = str(raw_key).replace("-", "_")
        if key not in _FIELDS:
            from planlint.suggest import closest

            close = closest(key, sorted(_FIELDS))
            extra = f" (did you mean '{close.replace('_', '-')}'?)" if close else ""
            raise ConfigError(f"{where}: unknown setting '{raw_key}'{extra}")
        default = getattr(cfg, key)
        if isinstance(default, list) and isinstance(value, str):
            value = [value]
        if not _fits(value, hints[key]):
            got = type(value).__name__
            raise ConfigError(
                f"{where}: setting '{raw_key}' must be {_describe(hints[key])} (got {got} {value!r:.40})"
            )
        if hints[key] in (float, float | None) and value is not None:
            value = float(value)
            if value <= 0:
                raise ConfigError(f"{where}: setting '{raw_key}' must be above 0 (got {value:g})")
        if key == "severity":
            for rid, sev in value.items():
                if sev not in ("error", "warning", "info"):
                    raise ConfigError(f"{where}: severity of {rid} must be error, warning or info")
            value = {k.upper(): v for k, v in value.items()}
        if key in ("select", "extend_select", "ignore"):
            value = [str(v).upper() for v in value]
        if key == "plan_files":
            if not value:
                raise ConfigError(
                    f"{where}: setting 'plan-files' must name at least one file (e.g. [\"plan.yaml\"])"
                )
            for name in value:
                if not name or "/" in name or "\\" in name:
                    raise ConfigError(
                        f"{where}: setting 'plan-files' holds file names, not paths (got {name!r})"
                    )
        if key == "table_style" and value not in TABLE_STYLES:
            raise ConfigError(
                f"{where}: table-style must be one of {', '.join(repr(s) for s in TABLE_STYLES)} (got {value!r})"
            )
        if key == "max_time":
            from planlint.slurmtime import parse_limit

            limit = parse_limit(value)
            if limit is None:
                raise ConfigError(
                    f"{where}: setting 'max-time' is not a SLURM time like \"2-00:00:00\" (got {value!r})"
                )
            if math.isinf(limit):
                value = None  # 0, infinite, UNLIMITED: the partition has no limit to check against
        if key == "naming":
            _check_naming(where, value)
        setattr(cfg, key, value)
    return cfg
