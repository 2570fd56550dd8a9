"""The rule registry: every rule's id, name, default severity and description, and the checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planlint.finding import Severity

if TYPE_CHECKING:
    from planlint.plan.load import Hit
    from planlint.plan.model import Plan


@dataclass(frozen=True)
class Rule:
    """One stable rule id; configuration may re-grade or disable it."""

    id: str
    name: str
    severity: Severity
    summary: str
    enabled: bool = True

    @property
    def family(self) -> str:
        return self.id[:3]


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741

FAMILIES = {
    "PL0": "load",
    "PL1": "schema",
    "PL2": "runs",
    "PL3": "training",
    "PL4": "evaluation",
    "PL5": "doc",
    "PL6": "layout",
    "PL7": "estimates",
    "PL8": "git",
}

RULES: dict[str, Rule] = {}

#: Semantic checks over a loaded, schema-checked plan; each yields hits for its rule ids.
PlanCheck = Callable[["Plan"], Iterable["Hit"]]
CHECKS: list[PlanCheck] = []


def declare(*rules: Rule) -> None:
    """Add rules to the registry; ids are never reused."""
    for rule in rules:
        if rule.id in RULES:  # pragma: no cover - programming error
            raise ValueError(f"rule id {rule.id} declared twice")
        RULES[rule.id] = rule


def plan_check(func: PlanCheck) -> PlanCheck:
    """Register a semantic check (a generator of hits) run on every plan."""
    CHECKS.append(func)
    return func


def all_checks() -> Iterator[PlanCheck]:
    """Every registered plan check, importing the family modules on first use."""
    from planlint.doc import docs  # noqa: F401  (declare PL5)
    from planlint.rules import (  # noqa: F401
        estimates,
        evaluation,
        git,
        layout,
        runs,
        training,
    )

    yield from CHECKS


declare(
    Rule("PL001", "yaml-syntax", E, "YAML syntax error (with the parser's position)"),
    Rule("PL002", "duplicate-key", E, "a key appears twice in one mapping"),
    Rule("PL003", "encoding", E, "file is binary, not UTF-8, or unreadable"),
    Rule("PL004", "file-too-large", E, "file is over the size limit (max-file-size-mb)"),
    Rule("PL005", "alias-bomb", E, "aliases expand to too many nodes, or form a cycle"),
    Rule("PL006", "too-deep", E, "nesting deeper than a plan can need"),
    Rule("PL007", "forbidden-tag", E, "a YAML tag such as !!python/object (plans are plain data)"),
    Rule("PL008", "impossible-date", E, "a date that does not exist, such as 2026-13-45"),
    Rule("PL009", "empty-file", E, "the plan file is empty"),
    Rule("PL010", "yaml11-bool", W, "yes/no/on/off: a string here, a boolean to YAML 1.1 readers"),
    Rule("PL011", "yaml11-sexagesimal", W, "1:15:00 unquoted: a base-60 number to YAML 1.1 readers"),
    Rule("PL012", "yaml11-date", W, "an unquoted date: a date object to YAML 1.1 readers"),
    Rule("PL013", "yaml11-octal", W, "0755: an octal number to YAML 1.1 readers"),
    Rule(
        "PL014",
        "yaml11-exponent",
        W,
        "1e-5 without a dot: a string to YAML 1.1 readers (off by default)",
        enabled=False,
    ),
    Rule(
        "PL015",
        "symlink-outside-repo",
        E,
        "a plan that is a symlink to a file outside the repository (not read)",
    ),
    Rule("PL020", "unused-suppression", I, "a `# planlint: disable=` comment silenced nothing"),
    Rule("PL101", "schema", E, "the plan does not match the JSON Schema (type, enum, pattern...)"),
    Rule("PL102", "unknown-key", E, "a key the schema does not know, with a did-you-mean"),
    Rule("PL103", "legacy-key", E, "a key cruijff_kit renamed; the hint gives the new name"),
    Rule(
        "PL104",
        "legacy-eval-system-prompt",
        W,
        "evaluation.system_prompt is not read: use controls",
    ),
    Rule("PL105", "controls-near-miss", W, "a controls key close to a known hyper-parameter name"),
    Rule("PL106", "bad-time", E, "compute.time is not a SLURM time (M, M:S, H:M:S, D-H, D-H:M:S)"),
    Rule("PL107", "missing-required", E, "a required key is missing"),
)
