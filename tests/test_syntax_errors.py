"""PL001 keeps what the YAML parser knew: where an unclosed flow list or mapping started, a tab."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TWO_MODEL, edit

from planlint.cli import main
from planlint.config import Config
from planlint.engine import run


def _pl001(tmp_path: Path, text: str) -> dict[str, object]:
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    findings = run([str(tmp_path / "plan.yaml")], Config()).findings
    assert [f.rule for f in findings] == ["PL001"], findings
    f = findings[0]
    return {**f.to_json(), "related": f.related}


def _line_of(text: str, needle: str) -> int:
    (n,) = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return n


def _line_is(text: str, whole: str) -> int:
    (n,) = [i for i, line in enumerate(text.splitlines(), 1) if line == whole]
    return n


def test_a_tab_indented_run_key_is_named_a_tab(tmp_path: Path) -> None:
    text = edit(
        TWO_MODEL,
        (
            "  - name: Llama-3.2-1B_rank4_lr1e-5\n    type: fine-tuned\n    model:",
            "  - name: Llama-3.2-1B_rank4_lr1e-5\n    type: fine-tuned\n\tmodel:",
        ),
    )
    f = _pl001(tmp_path, text)
    line = _line_of(text, "\tmodel:")
    assert (f["line"], f["column"], f["end_line"], f["end_column"]) == (line, 1, line, 2)
    assert f["message"] == "YAML syntax error: a tab character indents this line"
    assert f["hint"] == "tabs are not allowed for indentation; use spaces"


def test_tabs_after_a_dash_are_covered_and_named(tmp_path: Path) -> None:
    text = edit(TWO_MODEL, ("  - name: Llama-3.2-3B_base\n", "  -\t\tname: Llama-3.2-3B_base\n"))
    f = _pl001(tmp_path, text)
    line = _line_of(text, "\t\tname: Llama-3.2-3B_base")
    assert (f["line"], f["column"], f["end_line"], f["end_column"]) == (line, 4, line, 6)
    assert "a tab character" in str(f["message"])
    assert f["hint"] == "tabs are not allowed for indentation; use spaces"


def test_an_unclosed_list_in_variables_says_where_it_started(tmp_path: Path) -> None:
    text = edit(TWO_MODEL, ("  lora_rank: [4, 8]\n", "  lora_rank: [4, 8\n"))
    f = _pl001(tmp_path, text)
    start = _line_of(text, "lora_rank: [4, 8")
    assert f["message"] == (
        f"YAML syntax error: the flow sequence started at {start}:14 is not closed (expected ',' or ']')"
    )
    assert f["hint"] == f"add the missing ']' to line {start}: lora_rank: [4, 8"
    assert f["related"] == ((start, 14, "the flow sequence starts here"),)
    assert f["line"] == start + 1  # where the parser found the next key instead


def test_an_unclosed_mapping_in_a_run_says_where_it_started(tmp_path: Path) -> None:
    text = edit(
        TWO_MODEL,
        (
            "    model: Llama-3.2-3B-Instruct\n    parameters: {lora_rank: 8, lr: 5e-5}\n",
            "    model: Llama-3.2-3B-Instruct\n    parameters: {lora_rank: 8, lr: 5e-5\n",
        ),
    )
    f = _pl001(tmp_path, text)
    start = _line_is(text, "    parameters: {lora_rank: 8, lr: 5e-5")
    assert f["message"] == (
        f"YAML syntax error: the flow mapping started at {start}:17 is not closed (expected ',' or '}}')"
    )
    assert f["hint"] == f"add the missing '}}' to line {start}: parameters: {{lora_rank: 8, lr: 5e-5"
    assert f["related"] == ((start, 17, "the flow mapping starts here"),)


def test_a_bad_item_inside_a_closed_list_keeps_the_parsers_words(tmp_path: Path) -> None:
    text = edit(TWO_MODEL, ("  lr: [1e-5, 5e-5]\n", "  lr: [1e-5, 5e-5 }\n"))
    f = _pl001(tmp_path, text)
    start = _line_of(text, "lr: [1e-5, 5e-5 }")
    assert str(f["message"]).startswith(f"YAML syntax error: in the flow sequence started at {start}:7: ")


def test_an_unclosed_quoted_prompt_points_at_its_opening_quote(tmp_path: Path) -> None:
    text = edit(TWO_MODEL, ("  seed: 14\n", '  seed: 14\n  notes: "ends without its quote\n'))
    text = text[: text.index("\n  notes:")] + '\n  notes: "ends without its quote\n'
    f = _pl001(tmp_path, text)
    line = _line_of(text, "notes:")
    assert (f["line"], f["column"]) == (line, 10)
    assert f["message"] == (
        f"YAML syntax error: the quoted string started at {line}:10 is not closed (the file ends inside it)"
    )


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_cli_reports_it_in_one_finding(tmp_path: Path, monkeypatch, capsys, fmt: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    text = edit(TWO_MODEL, ("  lora_rank: [4, 8]\n", "  lora_rank: [4, 8\n"))
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    assert main(["check", "--format", fmt, "plan.yaml"]) == 1
    out = capsys.readouterr().out
    start = _line_of(text, "lora_rank: [4, 8")
    if fmt == "json":
        (f,) = json.loads(out)
        assert f["rule"] == "PL001" and f"started at {start}:14" in f["message"]
    else:
        assert (
            f"plan.yaml:{start + 1}:5: PL001 error: YAML syntax error: the flow sequence started at {start}:14"
            in out
        )
        assert f"    hint: add the missing ']' to line {start}: lora_rank: [4, 8" in out
