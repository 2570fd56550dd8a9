"""The rule registry: every family module, listed once, and the rules they declare.

A family module (`load`, `schema`, `runs`, ...) holds `FAMILY`, `RULES` (its `Rule`s) and, when
its rules look at a loaded plan, `check(plan, context)`, a generator of hits. The registry is explicit and
eager: importing this package imports every family, so `RULES` is complete however it is reached.
Families that do heavy work (logs, git) import what they need inside their checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import TYPE_CHECKING

from planlint.config import ConfigError
from planlint.rules import (
    docs,
    estimates,
    evaluation,
    git,
    layout,
    load,
    runs,
    schema,
    training,
)
from planlint.rules.base import Context, Rule

if TYPE_CHECKING:
    from planlint.config import Config
    from planlint.finding import Hit
    from planlint.plan.model import Plan

#: Semantic checks over a loaded, schema-checked plan; each yields hits for its rule ids.
PlanCheck = Callable[["Plan", Context], Iterable["Hit"]]

FAMILY_MODULES: tuple[ModuleType, ...] = (
    load,
    schema,
    runs,
    training,
    evaluation,
    docs,
    layout,
    estimates,
    git,
)


def _registry() -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    for module in FAMILY_MODULES:
        for rule in module.RULES:
            if rule.id in out:  # pragma: no cover - programming error
                raise ValueError(f"rule id {rule.id} declared twice")
            out[rule.id] = rule
    return dict(sorted(out.items()))


RULES: dict[str, Rule] = _registry()
#: Family prefix (PL2) -> family name (runs).
FAMILIES: dict[str, str] = {m.RULES[0].family: m.FAMILY for m in FAMILY_MODULES}


class SelectionError(ConfigError):
    """A selector that names no rule (a typo would silently hide every finding)."""


def check_selectors(selectors: Iterable[str], where: str) -> None:
    """Refuse a selector that names no rule."""
    for sel in selectors:
        if sel != "ALL" and not any(rid.startswith(sel) for rid in RULES):
            raise SelectionError(
                f"{where}: '{sel}' selects no rule (rule ids look like PL213, prefixes like PL2)"
            )


def check_config_selectors(config: Config) -> None:
    """Every selector the configuration holds names a rule."""
    where = str(config.source) if config.source else "configuration"
    for selectors in (
        config.select,
        config.extend_select,
        config.ignore,
        *config.per_file_ignores.values(),
        list(config.severity),
    ):
        check_selectors([str(s).upper() for s in selectors], where)


def family_enabled(prefix: str, config: Config) -> bool:
    """Does configuration leave any rule of this family on? (If not, the family does not run.)"""
    return any(config.enabled(r.id, r.enabled) for rid, r in RULES.items() if rid.startswith(prefix))


def plan_checks(config: Config) -> list[PlanCheck]:
    """The semantic checks of the families that have a rule switched on, in registry order."""
    return [
        m.check for m in FAMILY_MODULES if hasattr(m, "check") and family_enabled(m.RULES[0].family, config)
    ]
