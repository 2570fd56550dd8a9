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
        assert text.count(old) >= 1, f"{old!r} not in plan"
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
