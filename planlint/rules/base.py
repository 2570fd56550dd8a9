"""What a rule is: a stable id, a name, a default severity and a one-line description."""

from __future__ import annotations

from dataclasses import dataclass

from planlint.finding import Severity


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


@dataclass(frozen=True)
class Context:
    """What a check run was asked for beyond the plan and its configuration."""

    #: log globs given to `check --logs` (PL703 compares compute.time with estimates from them)
    logs: tuple[str, ...] = ()
