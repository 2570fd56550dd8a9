"""Project consistency: every rule tested, described and in the README; examples pass their own checker."""

from __future__ import annotations

import os
import re
from pathlib import Path

from click.testing import CliRunner

from planlint.cli import cli
from planlint.config import Config
from planlint.engine import run
from planlint.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- rules-table:begin -->", "<!-- rules-table:end -->"


def rules_markdown() -> str:
    result = CliRunner().invoke(cli, ["rules", "--format", "markdown"])
    assert result.exit_code == 0
    return result.output


def test_every_rule_has_a_description() -> None:
    # That every rule is triggered by a test is checked over the whole session (conftest.py).
    for rule in RULES.values():
        assert rule.summary and rule.name and re.fullmatch(r"PL\d{3}", rule.id)


def test_readme_rules_table_is_current() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    wanted = "\n" + rules_markdown()
    if os.environ.get("PLANLINT_UPDATE_README") == "1":
        readme.write_text(text[:start] + wanted + text[end:], encoding="utf-8")
        text = readme.read_text(encoding="utf-8")
        start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    assert text[start:end] == wanted, (
        "README rules table is stale: PLANLINT_UPDATE_README=1 python -m pytest tests/test_consistency.py"
    )


def test_shipped_examples_pass_their_own_checker(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    findings = run(["examples"], Config()).findings
    assert [f for f in findings if f.severity.value != "info"] == []
