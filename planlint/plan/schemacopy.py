"""The repository's copy of planlint's JSON Schema, named by a plan's yaml-language-server modeline.

Editors load a schema only from where the modeline points. `$id` is the schema's identity, but
nothing serves it, so `planlint init` writes the schema into the repository and points the
modeline at it relatively. A copy goes stale when planlint is upgraded; `check` reports it
(PL508) and `fix` rewrites it from the installed schema.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

#: Where `init` writes the copy, relative to the repository root.
DEFAULT_COPY = Path("schemas") / "plan.schema.json"
_MODELINE = re.compile(r"^\ufeff?#\s*yaml-language-server:\s*\$schema=(?P<value>\S+)")
#: A copy is at most this large (the schema is ~30 KB); a bigger file is not planlint's.
_MAX_COPY = 4 * 1024 * 1024


@dataclass(frozen=True)
class Modeline:
    """A `# yaml-language-server: $schema=...` line: its 1-based line, value columns and value."""

    line: int
    column: int
    end_column: int
    value: str

    @property
    def is_local(self) -> bool:
        """A path, not a URL (`https://...`, `file://...`)."""
        return "://" not in self.value


def find_modeline(text: str) -> Modeline | None:
    """The modeline among the leading comment lines of a YAML text, if any."""
    for number, line in enumerate(text.splitlines()[:50], start=1):
        stripped = line.lstrip("\ufeff").strip()
        if stripped and not stripped.startswith("#"):
            if stripped in ("---", "%YAML 1.2", "%YAML 1.1"):
                continue
            return None
        match = _MODELINE.match(line.lstrip(" "))
        if match:
            start = line.index(match.group("value"))
            return Modeline(number, start + 1, start + 1 + len(match.group("value")), match.group("value"))
    return None


def installed_schema() -> str:
    """The text of the schema this planlint validates with."""
    from planlint.schemafile import schema_path

    return schema_path().read_text(encoding="utf-8")


def _schema_id(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    value = data.get("$id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def same_identity(path: Path) -> bool:
    """Is the file at `path` a copy (any version) of planlint's schema?"""
    try:
        if not path.is_file() or path.stat().st_size > _MAX_COPY:
            return False
        return _schema_id(path.read_bytes().decode("utf-8")) == _schema_id(installed_schema())
    except (OSError, UnicodeDecodeError):
        return False


@dataclass(frozen=True)
class Stale:
    """A copy that differs from the installed schema (or is missing), and why."""

    path: Path
    reason: str


def stale_copy(plan_path: Path, text: str) -> tuple[Modeline, Stale] | None:
    """The plan's local schema copy when it is missing or differs from the installed schema.

    Only a copy of planlint's schema inside the plan's repository (outside one, its folder)
    counts: a file whose `$id` is planlint's, or a missing file named `plan.schema.json`.
    Another project's schema at the modeline is not planlint's business.
    """
    mode = find_modeline(text)
    if mode is None or not mode.is_local:
        return None
    target = Path(os.path.expanduser(mode.value))
    if not target.is_absolute():
        target = plan_path.parent / target
    from planlint.doc.markers import write_root
    from planlint.paths import is_inside

    if not is_inside(target, os.path.realpath(write_root(plan_path))):
        return None  # outside the plan's repository: not a copy this repository keeps
    ours = installed_schema()
    if not target.exists():
        if target.name != DEFAULT_COPY.name:
            return None
        return mode, Stale(target, f"the schema copy {mode.value} that its modeline names does not exist")
    if not same_identity(target):
        return None
    current = target.read_bytes().decode("utf-8")
    if current.replace("\r\n", "\n") == ours.replace("\r\n", "\n"):
        return None
    return mode, Stale(target, f"the schema copy {mode.value} differs from the schema of this planlint")


def write_copy(path: Path, force: bool = False) -> None:
    """Write the installed schema to `path` atomically (parents created), inside its repository."""
    from planlint.doc.markers import atomic_write, write_root

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, installed_schema().encode("utf-8"), root=write_root(path), force=force)


def modeline_for(plan_folder: Path, copy: Path) -> str:
    """The modeline pointing from a plan in `plan_folder` to the schema copy, relatively."""
    relative = os.path.relpath(os.path.abspath(copy), os.path.abspath(plan_folder))
    return f"# yaml-language-server: $schema={Path(relative).as_posix()}"
