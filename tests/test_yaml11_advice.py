"""YAML 1.1 traps (PL010-PL014): the CLI hint and the editor's quick fix follow the type the
schema wants in the field, and applying any offered fix leaves the plan with no new error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import TWO_MODEL, edit

from planlint.config import Config
from planlint.engine import check_buffer
from planlint.finding import Finding, Severity
from planlint.lsp.actions import fixes_for

CONFIG = Config(extend_select=["PL014"], ignore=["PL504"])

#: (rule, where the trap is written in the two-model example, old, new, what the fix writes)
CASES = [
    # a boolean field: yes means true to PyYAML; a quoted "yes" would be a PL101 error
    ("PL010", "  validation_during_training: true\n", "  validation_during_training: yes\n", "true"),
    ("PL010", "  packed: false\n", "  packed: off\n", "false"),
    # a run's override of a boolean control wants a boolean too
    (
        "PL010",
        "    parameters: {lora_rank: 4, lr: 1e-5}\n    compute: {time: \"0:15:00\", gpus: 1, mem: 40G}\n  - name: Llama-3.2-1B_rank4_lr5e-5",
        "    parameters: {lora_rank: 4, lr: 1e-5, packed: no}\n    compute: {time: \"0:15:00\", gpus: 1, mem: 40G}\n  - name: Llama-3.2-1B_rank4_lr5e-5",
        "false",
    ),
    # a string field: quote it
    ("PL010", "  dataset_type: chat_completion\n", "  dataset_type: chat_completion\n  lr_scheduler: on\n", '"on"'),
    # a key the schema leaves open: quoting keeps planlint's reading
    ("PL010", "  packed: false\n", "  packed: false\n  wandb_mode: off\n", '"off"'),
    ("PL011", '    compute: {time: "0:15:00", gpus: 1, mem: 40G}\n  - name: Llama-3.2-1B_rank4_lr5e-5',
     "    compute: {time: 1:15:00, gpus: 1, mem: 40G}\n  - name: Llama-3.2-1B_rank4_lr5e-5", '"1:15:00"'),
    ("PL012", '  date: "2026-11-24"\n', "  date: 2026-11-24\n", '"2026-11-24"'),
    ("PL013", "  seed: 14\n", "  seed: 014\n", "14"),
    ("PL014", "  lr: [1e-5, 5e-5]\n", "  lr: [1e-5, 5.0e-5]\n", "1.0e-5"),
]  # fmt: skip


def _errors(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.rule, f.message) for f in findings if f.severity is Severity.ERROR}


def _line(text: str, row: str) -> int:
    return text.splitlines().index(row) + 1


def _trap(text: str, rule: str, line: int) -> tuple[Finding, list[Finding]]:
    findings = check_buffer(Path("plan.yaml"), text, CONFIG).findings
    trap = [f for f in findings if f.rule == rule and f.line == line]
    assert len(trap) == 1, [(f.rule, f.line, f.hint) for f in findings]
    return trap[0], findings


@pytest.mark.parametrize(("rule", "old", "new", "written"), CASES)
def test_every_trap_fix_leaves_no_new_error(rule: str, old: str, new: str, written: str) -> None:
    text = edit(TWO_MODEL, (old, new))
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row not in TWO_MODEL.splitlines())
    trap, before = _trap(text, rule, line)
    fixes = fixes_for(
        Path("plan.yaml"), text, CONFIG, [trap], check_buffer(Path("plan.yaml"), text, CONFIG), True
    )
    assert fixes, trap
    for fix in fixes:
        after = check_buffer(Path("plan.yaml"), fix.new_text, CONFIG).findings
        assert _errors(after) <= _errors(before), (fix.title, _errors(after) - _errors(before))
        assert not [f for f in after if f.rule == rule and f.line == line]
        changed = [b for a, b in zip(text.splitlines(), fix.new_text.splitlines(), strict=True) if a != b]
        assert len(changed) == 1 and written in changed[0], (fix.title, changed)
        assert written in fix.title
        if rule == "PL010" and written in ("true", "false"):
            # what cruijff_kit's PyYAML read before is what it reads after
            assert yaml.safe_load(text) == yaml.safe_load(fix.new_text)


def test_a_boolean_field_is_hinted_true_not_quoted() -> None:
    text = edit(TWO_MODEL, ("  validation_during_training: true\n", "  validation_during_training: yes\n"))
    trap, _ = _trap(text, "PL010", _line(text, "  validation_during_training: yes"))
    assert trap.hint is not None and trap.hint.startswith("write true")
    assert "quote it" not in trap.hint
    (fix,) = fixes_for(
        Path("plan.yaml"), text, CONFIG, [trap], check_buffer(Path("plan.yaml"), text, CONFIG), True
    )
    assert fix.title == "Rewrite yes as true (what YAML 1.1 readers read)"


def test_a_string_field_is_hinted_quoted() -> None:
    text = edit(
        TWO_MODEL,
        ("  dataset_type: chat_completion\n", "  dataset_type: chat_completion\n  lr_scheduler: on\n"),
    )
    trap, _ = _trap(text, "PL010", _line(text, "  lr_scheduler: on"))
    assert trap.hint == 'quote it: "on" (YAML 1.1 readers read on as true)'


def test_an_octal_looking_seed_says_what_yaml11_reads() -> None:
    text = edit(TWO_MODEL, ("  seed: 14\n", "  seed: 0755\n"))
    trap, _ = _trap(text, "PL013", _line(text, "  seed: 0755"))
    assert trap.hint == "write 755 (YAML 1.1 readers read 0755 as octal 493)"
    (fix,) = fixes_for(
        Path("plan.yaml"), text, CONFIG, [trap], check_buffer(Path("plan.yaml"), text, CONFIG), True
    )
    assert "same value" not in fix.title and "493" in fix.title
    assert yaml.safe_load(text)["controls"]["seed"] == 493  # the hint's claim, checked with PyYAML
