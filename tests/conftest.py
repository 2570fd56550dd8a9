"""Shared fixtures: realistic plans and a helper that checks plan text the way the CLI does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from planlint.config import Config
from planlint.engine import run
from planlint.finding import Finding

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TWO_MODEL = (EXAMPLES / "two-model-sweep" / "plan.yaml").read_text(encoding="utf-8")
SEED = (EXAMPLES / "seed-sweep" / "plan.yaml").read_text(encoding="utf-8")
CASES = Path(__file__).resolve().parent / "cases"

#: The planning checklist's own All Runs table, as cells.
SEED_HEADER = ["Run Name", "Model", "LoRA Rank", "Learning Rate", "Batch Size", "Type", "Est. Time"]
SEED_ROWS = [
    [
        "Llama-3.2-1B_rank8_lr1e-5",
        "Llama-3.2-1B-Instruct",
        "8",
        "1e-5",
        "4",
        "Fine-tuned",
        "~10min",
    ],
    [
        "Llama-3.2-1B_rank8_lr5e-5",
        "Llama-3.2-1B-Instruct",
        "8",
        "5e-5",
        "4",
        "Fine-tuned",
        "~10min",
    ],
    ["Llama-3.2-1B_base", "Llama-3.2-1B-Instruct", "-", "-", "-", "Control", "N/A"],
]


def edit(text: str, *pairs: tuple[str, str]) -> str:
    """Apply exact, single-occurrence replacements, so a test fails loudly if the base plan moves."""
    for old, new in pairs:
        count = text.count(old)
        assert count == 1, f"{old!r} occurs {count} times in the plan (make it unique)"
        text = text.replace(old, new, 1)
    return text


Lint = Callable[..., list[Finding]]


@pytest.fixture
def lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lint:
    """Write plan text to tmp_path/plan.yaml and check it; returns the findings."""
    monkeypatch.chdir(tmp_path)

    def _lint(text: str | bytes, config: Config | None = None, name: str = "plan.yaml") -> list[Finding]:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return run([str(path)], config or Config(ignore=["PL504"])).findings

    return _lint


def rules_of(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


# Hypothesis profiles: "ci" (default) keeps the fuzz campaign to a minute or two;
# HYPOTHESIS_PROFILE=long runs it for real before a release.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))


# -- every rule is triggered by some test ----------------------------------------------------------
#: Rule ids of every finding the engine produced during this test session.
TRIGGERED: set[str] = set()


def pytest_configure(config: pytest.Config) -> None:
    """Record which rules tests actually trigger (findings that reach a user, not id strings)."""
    from planlint import engine

    original = engine.Collector.add

    def add(self: engine.Collector, *args: object, **kwargs: object) -> None:
        before = len(self.findings)
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        TRIGGERED.update(f.rule for f in self.findings[before:])

    engine.Collector.add = add  # type: ignore[method-assign]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After a clean run of the whole suite, fail when a rule was never triggered by any test."""
    opts = session.config.option
    whole = not session.config.args or [Path(a).resolve() for a in session.config.args] in (
        [ROOT],
        [ROOT / "tests"],
    )
    if exitstatus != 0 or not whole or opts.keyword or opts.markexpr or session.testsfailed:
        return
    from planlint.rules import RULES

    never = sorted(set(RULES) - TRIGGERED)
    if never:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"rules no test triggered: {', '.join(never)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
