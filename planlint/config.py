"""Configuration from `[tool.planlint]` in pyproject.toml or a `.planlint.toml`."""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from planlint.finding import Severity

DEFAULT_PLAN_FILES = ("plan.yaml", "plan.yml", "experiment_summary.yaml")
#: A configuration file larger than this is refused (a real one is a few hundred bytes).
CONFIG_MAX_BYTES = 1024 * 1024
DEFAULT_LOG_GLOBS = ("{scratch}/ck-projects/*/*/*/artifacts/slurm-*.out",)


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
        value = self.severity.get(rule_id)
        return Severity(value) if value else default

    def ignored_for(self, rule_id: str, relpath: str) -> bool:
        for pattern, ids in self.per_file_ignores.items():
            if fnmatch.fnmatch(relpath, pattern) and _matches(rule_id, ids):
                return True
        return False

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_size_mb * 1024 * 1024)

    def is_plan_name(self, name: str) -> bool:
        return name in self.plan_files


def check_selectors(selectors: list[str], where: str) -> None:
    """Refuse a selector that names no rule (a typo would silently hide every finding)."""
    from planlint.rules import RULES, all_checks

    list(all_checks())
    for sel in selectors:
        if sel != "ALL" and not any(rid.startswith(sel) for rid in RULES):
            raise ConfigError(
                f"{where}: '{sel}' selects no rule (rule ids look like PL213, prefixes like PL2)"
            )


def _matches(rule_id: str, selectors: list[str]) -> bool:
    return any(s == "ALL" or rule_id.startswith(s) for s in selectors)


_FIELDS = {f.name for f in fields(Config)} - {"source", "root"}


def _toml_load(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    from planlint.readfile import read_bounded

    try:
        return tomllib.loads(read_bounded(path, CONFIG_MAX_BYTES).decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest `.planlint.toml` or pyproject.toml with [tool.planlint], walking up."""
    cur = start.resolve()
    for folder in (cur, *cur.parents):
        dot = folder / ".planlint.toml"
        if dot.is_file():
            return dot, _toml_load(dot)
        py = folder / "pyproject.toml"
        if py.is_file():
            table = _toml_load(py).get("tool", {}).get("planlint")
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


def from_mapping(table: dict[str, Any], source: Path | None = None) -> Config:
    """Build a Config from a TOML table, refusing unknown keys and wrong types."""
    cfg = Config(source=source, root=source.parent if source else Path.cwd())
    where = str(source) if source else "configuration"
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        if key not in _FIELDS:
            import difflib

            close = difflib.get_close_matches(key, sorted(_FIELDS), n=1)
            extra = f" (did you mean '{close[0].replace('_', '-')}'?)" if close else ""
            raise ConfigError(f"{where}: unknown setting '{raw_key}'{extra}")
        default = getattr(cfg, key)
        if isinstance(default, list) and isinstance(value, str):
            value = [value]
        if key in ("gpu_memory_gb", "max_file_size_mb") and isinstance(value, int):
            value = float(value)
        expected = type(default) if default is not None else (str, float, int)
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ConfigError(f"{where}: setting '{raw_key}' has the wrong type")
        if key == "severity" and isinstance(value, dict):
            for rid, sev in value.items():
                if sev not in ("error", "warning", "info"):
                    raise ConfigError(f"{where}: severity of {rid} must be error, warning or info")
            value = {k.upper(): v for k, v in value.items()}
        if key in ("select", "extend_select", "ignore"):
            value = [str(v).upper() for v in value]
            check_selectors(value, where)
        if key == "per_file_ignores":
            for ids in value.values():
                check_selectors([str(v).upper() for v in ids], where)
        if key == "table_style" and value not in ("seed", "aligned"):
            raise ConfigError(f"{where}: table-style must be 'seed' or 'aligned'")
        setattr(cfg, key, value)
    return cfg
