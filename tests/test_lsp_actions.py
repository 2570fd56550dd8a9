"""The language server's quick fixes and positions, on findings the engine gives for buffers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import TWO_MODEL, edit
from lsprotocol import types

from planlint.config import Config
from planlint.engine import check_buffer
from planlint.lsp.actions import fixes_for, text_edits
from planlint.lsp.convert import Lines, to_diagnostics

CONTROL_3B = """  - name: Llama-3.2-3B_base
    type: control
    model: Llama-3.2-3B-Instruct
    parameters: {}
"""
MATRIX_3B = "    - {run: Llama-3.2-3B_base, vis_label: 3B base, tasks: [capitalization], epochs: null}\n"


def _fixes(tmp_path: Path, text: str, rule: str) -> list[str]:
    """The fixes offered for the first finding of `rule`."""
    path = tmp_path / "plan.yaml"
    config = Config(extend_select=["PL014"])
    result = check_buffer(path, text, config)
    findings = [f for f in result.findings if f.rule == rule][:1]
    assert findings, [f.rule for f in result.findings]
    return [fix.new_text for fix in fixes_for(path, text, config, findings, result, is_plan=True)]


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = Lines(text)
    for e in sorted(edits, key=lambda e: lines.offset_of(e.range.start), reverse=True):
        text = text[: lines.offset_of(e.range.start)] + e.new_text + text[lines.offset_of(e.range.end) :]
    return text


@pytest.mark.parametrize(
    ("rule", "old", "new"),
    [
        ("PL010", "  packed: false\n", "  packed: false\n  wandb_mode: off\n"),
        (
            "PL011",
            '    compute: {time: "0:15:00", gpus: 1, mem: 40G}\n  - name: Llama-3.2-1B_rank4_lr5e-5',
            "    compute: {time: 1:15:00, gpus: 1, mem: 40G}\n  - name: Llama-3.2-1B_rank4_lr5e-5",
        ),
        ("PL013", "  seed: 14\n", "  seed: 014\n"),
        ("PL014", "  lr: [1e-5, 5e-5]\n", "  lr: [1e-5, 5.0e-5]\n"),
    ],
)
def test_trap_fixes_keep_the_data_and_clear_the_finding(
    tmp_path: Path, rule: str, old: str, new: str
) -> None:
    text = edit(TWO_MODEL, (old, new))
    (fixed,) = _fixes(tmp_path, text, rule)
    after = check_buffer(tmp_path / "plan.yaml", fixed, Config(extend_select=["PL014"])).findings
    line = text.splitlines().index(new.splitlines()[-1 if rule == "PL010" else 0]) + 1
    assert not [f for f in after if f.rule == rule and f.line == line]
    changed = [(a, b) for a, b in zip(text.splitlines(), fixed.splitlines(), strict=True) if a != b]
    assert len(changed) == 1
    expected = {"PL013": "  seed: 14", "PL014": "  lr: [1.0e-5, 5.0e-5]"}.get(rule)
    if expected:
        assert changed[0][1] == expected
    else:
        assert '"' in changed[0][1]


def test_add_runs_edit_keeps_crlf_and_touches_only_new_lines(tmp_path: Path) -> None:
    text = edit(TWO_MODEL, (CONTROL_3B, ""), (MATRIX_3B, "")).replace("\n", "\r\n")
    (fixed,) = _fixes(tmp_path, text, "PL204")
    assert "\n" not in fixed.replace("\r\n", "")
    edits = text_edits(text, fixed, types.PositionEncodingKind.Utf16)
    assert _apply(text, edits) == fixed
    assert len(edits) == 2  # the runs and the matrix entries
    assert all(e.range.start == e.range.end for e in edits)  # insertions: no line is rewritten
    assert edits[0].new_text.startswith("  - name: Llama-3.2-3B_base\r\n")


def test_utf16_columns_after_astral_characters(tmp_path: Path) -> None:
    text = edit(TWO_MODEL, ("  project: capitalization\n", '  project: "caps 🦙"\n  bogus_key: 1\n'))
    result = check_buffer(tmp_path / "plan.yaml", text, Config())
    (bad,) = [f for f in result.findings if f.rule == "PL102"]
    line = text.splitlines().index("  bogus_key: 1")
    (diag,) = [d for d in to_diagnostics(text, [bad], "file:///p", types.PositionEncodingKind.Utf16)]
    assert diag.range.start == types.Position(line, 2) and diag.range.end == types.Position(line, 11)
    emoji = Lines('a: "🦙x"\n')
    assert emoji.position(0, 5) == types.Position(0, 6)  # the llama is two UTF-16 units
    assert emoji.char_of(types.Position(0, 6)) == (0, 5)


def test_a_doc_buffer_renders_from_the_open_plan(tmp_path: Path) -> None:
    from conftest import EXAMPLES

    doc = (EXAMPLES / "two-model-sweep" / "PLAN.md").read_text(encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(TWO_MODEL, encoding="utf-8")
    unsaved = edit(TWO_MODEL, ("  batch_size: 4\n", "  batch_size: 8\n"))
    plan = (tmp_path / "plan.yaml").resolve()
    clean = check_buffer(tmp_path / "PLAN.md", doc, Config())
    assert "PL501" not in [f.rule for f in clean.findings]
    drift = check_buffer(tmp_path / "PLAN.md", doc, Config(), {plan: unsaved})
    assert [f.rule for f in drift.findings] == ["PL501", "PL501"][: len(drift.findings)] and drift.findings
    (fixed,) = {
        fix.new_text
        for fix in fixes_for(tmp_path / "PLAN.md", doc, Config(), drift.findings, drift, is_plan=False)
    }
    assert "| 8 | Fine-tuned |" in fixed
    assert not check_buffer(tmp_path / "PLAN.md", fixed, Config(), {plan: unsaved}).findings


def test_every_rule_links_to_its_own_anchor_in_the_readme() -> None:
    from planlint.lsp.convert import rule_url
    from planlint.rules import RULES

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="(pl\d+)"></a>', readme))
    for rule_id in RULES:
        url = rule_url(rule_id)
        base, _, anchor = url.partition("#")
        assert base.endswith("/README.md") and anchor == rule_id.lower()
        assert anchor in anchors, f"README has no anchor for {rule_id}"


def test_a_rename_keeps_double_quotes_and_is_not_offered_onto_a_taken_name(tmp_path: Path) -> None:
    misnamed = edit(
        TWO_MODEL,
        ("  - name: Llama-3.2-3B_rank8_lr5e-5\n", '  - name: "Llama-3.2-3B_r8"\n'),
        ("{run: Llama-3.2-3B_rank8_lr5e-5,", '{run: "Llama-3.2-3B_r8",'),
    )
    (fixed,) = _fixes(tmp_path, misnamed, "PL217")
    assert fixed == TWO_MODEL.replace(
        "  - name: Llama-3.2-3B_rank8_lr5e-5\n", '  - name: "Llama-3.2-3B_rank8_lr5e-5"\n'
    ).replace("{run: Llama-3.2-3B_rank8_lr5e-5,", '{run: "Llama-3.2-3B_rank8_lr5e-5",')
    # two runs train rank 8 at 5e-5: the misnamed one's expected name is the other's
    taken = edit(
        TWO_MODEL,
        ("  - name: Llama-3.2-3B_rank8_lr1e-5\n", "  - name: Llama-3.2-3B_r8_twin\n"),
        (
            "    model: Llama-3.2-3B-Instruct\n    parameters: {lora_rank: 8, lr: 1e-5}",
            "    model: Llama-3.2-3B-Instruct\n    parameters: {lora_rank: 8, lr: 5e-5}",
        ),
    )
    assert _fixes(tmp_path, taken, "PL217") == []
