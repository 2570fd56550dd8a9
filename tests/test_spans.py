"""Findings cover the key, value, run or region at fault: end_line/end_column from the node's span."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, TWO_MODEL, edit, only

from planlint.cli import main
from planlint.finding import Finding


def covered(text: str, f: Finding) -> str:
    """The source text from a finding's start to its (exclusive) end."""
    assert f.end_line is not None and f.end_column is not None, f
    lines = text.splitlines()
    if f.line == f.end_line:
        return lines[f.line - 1][f.column - 1 : f.end_column - 1]
    parts = [lines[f.line - 1][f.column - 1 :]]
    parts += lines[f.line : f.end_line - 1]
    parts.append(lines[f.end_line - 1][: f.end_column - 1])
    return "\n".join(parts)


def test_a_run_finding_covers_the_runs_name_value(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        ("  - name: Llama-3.2-1B_rank4_lr5e-5\n", "  - name: Llama-3.2-1B_rank4_lr9e-5\n"),
    )
    (f,) = only(lint(text), "PL217")
    assert covered(text, f) == "Llama-3.2-1B_rank4_lr9e-5"
    assert f.end_line == f.line and f.end_column == f.column + len("Llama-3.2-1B_rank4_lr9e-5")


def test_a_schema_finding_covers_the_offending_value(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, ("  epochs: 2\n", "  epochs: two epochs  # was 2\n"))
    (f,) = [f for f in only(lint(text), "PL101") if "controls.epochs" in f.message]
    assert covered(text, f) == "two epochs"


def test_a_quoted_value_is_covered_with_its_quotes(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, ("  gpus: 1\n", '  gpus: "one GPU"\n'))
    (f,) = [f for f in only(lint(text), "PL101") if "controls.gpus" in f.message]
    assert covered(text, f) == '"one GPU"'


def test_an_unknown_key_covers_the_key_even_where_its_mapping_starts(lint) -> None:  # type: ignore[no-untyped-def]
    # the misspelt key is the first of its section: the mapping starts where the key does
    text = edit(TWO_MODEL, ("experiment:\n  name:", "experiment:\n  nmae: cap\n  name:"))
    (f,) = only(lint(text), "PL102")
    assert covered(text, f) == "nmae"


def test_a_flow_mapping_is_covered_to_its_brace(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        (
            "    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 5e-5}\n",
            "    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4}\n",
        ),
    )
    (f,) = [f for f in only(lint(text), "PL212") if "does not set variable 'lr'" in f.message]
    assert covered(text, f) == "{lora_rank: 4}"


def test_a_block_mapping_is_covered_to_the_end_of_its_last_line(lint) -> None:  # type: ignore[no-untyped-def]
    block = '    parameters:\n      lora_rank: 4  # the smallest rank\n\n    compute: {time: "0:15:00"}\n'
    text = edit(
        TWO_MODEL,
        (
            "    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 5e-5}\n"
            '    compute: {time: "0:15:00", gpus: 1, mem: 40G}\n',
            "    model: Llama-3.2-1B-Instruct\n" + block,
        ),
    )
    (f,) = [f for f in only(lint(text), "PL212") if "does not set variable 'lr'" in f.message]
    # the comment and the blank line after the last value are not part of the mapping
    assert covered(text, f) == "lora_rank: 4"


def test_a_run_missing_a_required_key_is_covered_whole(lint) -> None:  # type: ignore[no-untyped-def]
    run = (
        "  - name: Llama-3.2-1B_rank4_lr5e-5\n    type: fine-tuned\n    model: Llama-3.2-1B-Instruct\n"
        '    parameters: {lora_rank: 4, lr: 5e-5}\n    compute: {time: "0:15:00", gpus: 1, mem: 40G}\n'
    )
    text = edit(TWO_MODEL, (run, run.replace("    parameters: {lora_rank: 4, lr: 5e-5}\n", "")))
    (f,) = only(lint(text), "PL107")
    assert covered(text, f) == (
        "name: Llama-3.2-1B_rank4_lr5e-5\n    type: fine-tuned\n    model: Llama-3.2-1B-Instruct\n"
        '    compute: {time: "0:15:00", gpus: 1, mem: 40G}'
    )


def test_a_multi_line_block_scalar_ends_at_its_last_content_line(lint) -> None:  # type: ignore[no-untyped-def]
    prompt = '  prompt: "Capitalize the given word: {input}\\n"\n'
    block = "  prompt: |\n    Capitalize the given word.\n    Answer with the word only.\n\n"
    text = edit(TWO_MODEL, (prompt, block))
    (f,) = only(lint(text), "PL306")
    assert covered(text, f) == "|\n    Capitalize the given word.\n    Answer with the word only."


def test_a_plain_scalar_folded_over_lines_is_covered_whole(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        ("  epochs: 2\n", "  epochs: two epochs\n    and then some\n"),
    )
    (f,) = [f for f in only(lint(text), "PL101") if "controls.epochs" in f.message]
    assert covered(text, f) == "two epochs\n    and then some"


def test_a_yaml11_trap_covers_its_scalar(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, ("  packed: false\n", "  packed: no\n"))
    (f,) = only(lint(text), "PL010")
    assert covered(text, f) == "no"


def test_a_duplicate_key_the_loader_dropped_covers_the_key(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, ("  seed: 14\n", '  seed: 14\n  "seed": 42\n'))
    (f,) = only(lint(text), "PL002")
    assert covered(text, f) == '"seed"'


def test_a_table_drift_covers_its_first_stale_row_to_the_end_marker(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from planlint.config import Config
    from planlint.engine import run

    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.yaml").write_text(TWO_MODEL, encoding="utf-8")
    doc = (EXAMPLES / "two-model-sweep" / "PLAN.md").read_text(encoding="utf-8")
    doc = doc.replace(
        "| Llama-3.2-1B_rank4_lr1e-5 | Llama-3.2-1B-Instruct | 4 |",
        "| Llama-3.2-1B_rank4_lr1e-5 | Llama-3.2-1B-Instruct | 8 |",
        1,
    )
    (tmp_path / "PLAN.md").write_text(doc, encoding="utf-8")
    findings = only(run(["."], Config()).findings, "PL501")
    assert findings, "the edited row must drift"
    f = findings[0]
    lines = doc.splitlines()
    assert lines[f.line - 1].startswith("| Llama-3.2-1B_rank4_lr1e-5 | Llama-3.2-1B-Instruct | 8 |")
    assert lines[f.end_line - 1].startswith("<!-- planlint:end all-runs")  # type: ignore[operator]
    assert f.end_column == len(lines[f.end_line - 1]) + 1  # type: ignore[operator]


@pytest.fixture
def bad_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "PRE_COMMIT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    text = edit(
        TWO_MODEL,
        ("  - name: Llama-3.2-1B_rank4_lr5e-5\n", "  - name: Llama-3.2-1B_rank4_lr9e-5\n"),
    )
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _pl217_line() -> int:
    text = edit(
        TWO_MODEL,
        ("  - name: Llama-3.2-1B_rank4_lr5e-5\n", "  - name: Llama-3.2-1B_rank4_lr9e-5\n"),
    )
    return text.splitlines().index("  - name: Llama-3.2-1B_rank4_lr9e-5") + 1


def test_json_output_carries_the_end(bad_run: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", "--format", "json", "--ignore", "PL504", "plan.yaml"]) == 1
    (f,) = [f for f in json.loads(capsys.readouterr().out) if f["rule"] == "PL217"]
    assert (f["line"], f["column"], f["end_line"], f["end_column"]) == (_pl217_line(), 11, _pl217_line(), 36)


def test_sarif_region_has_end_line_and_column(bad_run: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", "--format", "sarif", "--ignore", "PL504", "plan.yaml"]) == 1
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    (res,) = [r for r in results if r["ruleId"] == "PL217"]
    region = res["locations"][0]["physicalLocation"]["region"]
    line = _pl217_line()
    assert region == {"startLine": line, "startColumn": 11, "endLine": line, "endColumn": 36}


def test_github_annotation_has_end_line_and_column(bad_run: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", "--format", "github", "--ignore", "PL504", "plan.yaml"]) == 1
    out = capsys.readouterr().out
    (ann,) = [a for a in out.splitlines() if "title=PL217" in a]
    line = _pl217_line()
    assert f"file=plan.yaml,line={line},col=11,endLine={line},endColumn=36," in ann
