"""The All Runs table compared by what its cells say: numbers by value, times by duration, and
rows that a stray `|` made wider than their header (review 4, F5 and F11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import edit, example_repo, planlint_main, rules_of

from planlint.commands.fix import fix
from planlint.config import Config
from planlint.engine import run

ROW1 = "| Llama-3.2-1B_rank8_lr1e-5 | Llama-3.2-1B-Instruct | 8 | 1e-5 | 4 | Fine-tuned | ~10min |"
ROW2 = "| Llama-3.2-1B_rank8_lr5e-5 | Llama-3.2-1B-Instruct | 8 | 5e-5 | 4 | Fine-tuned | ~10min |"


@pytest.fixture
def exp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed example (plan + PLAN.md, the planning checklist's own table) in a temp repository."""
    return example_repo(tmp_path, monkeypatch)


def pl5(paths: list[str]) -> list:  # type: ignore[type-arg]
    return [f for f in run(paths, Config()).findings if f.rule.startswith("PL5")]


def edit_file(path: Path, *pairs: tuple[str, str]) -> None:
    path.write_bytes(edit(path.read_bytes().decode("utf-8"), *pairs).encode("utf-8"))


def region(text: str) -> list[str]:
    begin = text.index("<!-- planlint:begin all-runs -->")
    return text[begin : text.index("<!-- planlint:end all-runs -->")].splitlines()[1:]


# --------------------------------------------------------------------------- F5: values


@pytest.mark.parametrize(
    ("rank", "lr", "est"),
    [
        ("8", "0.00001", "~10min"),
        ("8", "1.0e-5", "~10min"),
        ("8", "1e-05", "~10min"),
        ("8", "1E-5", "~10min"),
        ("8.0", "1e-5", "~10min"),
        ("8", "1e-5", "~10 min"),
        ("8", "1e-5", "10 mins"),
        ("8", "1e-5", "~0:10:00"),
    ],
)
def test_a_value_spelled_another_way_is_not_drift(exp: Path, rank: str, lr: str, est: str) -> None:
    doc = exp / "PLAN.md"
    edit_file(doc, (ROW1, ROW1.replace("| 8 | 1e-5 |", f"| {rank} | {lr} |").replace("~10min", est)))
    before = doc.read_bytes()
    assert pl5(["exp"]) == []
    report = fix(["exp"], Config(), check_only=True)
    assert report.changes == [] and report.errors == []
    assert fix(["exp"], Config()).changes == []
    assert doc.read_bytes() == before


@pytest.mark.parametrize("written", ["1K", "1k", "1,000", "1000.0"])
def test_a_count_written_with_a_suffix_or_thousands_commas_is_not_drift(exp: Path, written: str) -> None:
    """`batch_size: 1000` in the plan; the doc says `1K` or `1,000`, as run names may (`10K`)."""
    edit_file(exp / "plan.yaml", ("  batch_size: 4\n", "  batch_size: 1000\n"))
    doc = exp / "PLAN.md"
    edit_file(
        doc, ("| 8 | 1e-5 | 4 |", "| 8 | 1e-5 | 1000 |"), ("| 8 | 5e-5 | 4 |", f"| 8 | 5e-5 | {written} |")
    )
    before = doc.read_bytes()
    assert pl5(["exp"]) == []
    assert fix(["exp"], Config()).changes == []
    assert doc.read_bytes() == before
    edit_file(doc, (f"| 8 | 5e-5 | {written} |", "| 8 | 5e-5 | 10K |"))  # a different number is drift
    [found] = pl5(["exp"])
    assert "is 10K in the doc, 1000 in the plan" in found.message


def test_the_plan_spelling_a_number_another_way_is_not_drift(exp: Path) -> None:
    """`lr: 0.00001` in the plan (or PL014's `1.0e-5`) and the doc's `1e-5` are one number."""
    edit_file(
        exp / "plan.yaml",
        ("lr: [1e-5, 5e-5]", "lr: [0.00001, 5.0e-5]"),
        ("{lora_rank: 8, lr: 1e-5}", "{lora_rank: 8, lr: 0.00001}"),
        ("{lora_rank: 8, lr: 5e-5}", "{lora_rank: 8, lr: 5.0e-5}"),
    )
    assert pl5(["exp"]) == []


def test_hours_compare_by_duration(exp: Path) -> None:
    """A 75-minute job renders `~1h15min`; the doc's `~1h 15m` or `~75 min` says the same."""
    plan = exp / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    first = text.index('compute: {time: "0:10:00"')
    plan.write_text(text[:first] + text[first:].replace('"0:10:00"', '"1:15:00"', 1), encoding="utf-8")
    doc = exp / "PLAN.md"
    edit_file(doc, (ROW1, ROW1.replace("~10min", "~1h 15m")))
    assert pl5(["exp"]) == []
    edit_file(doc, ("~1h 15m", "~75 min"))
    assert pl5(["exp"]) == []
    edit_file(doc, ("~75 min", "~1h 20m"))
    [found] = pl5(["exp"])
    assert "Est. Time is ~1h 20m in the doc, ~1h15min in the plan" in found.message


def test_a_different_value_is_still_drift_and_fix_keeps_the_equal_spellings(exp: Path) -> None:
    doc = exp / "PLAN.md"
    edit_file(
        doc,
        (ROW1, ROW1.replace("| 1e-5 |", "| 0.00001 |").replace("~10min", "~10 min")),
        (ROW2, ROW2.replace("| 5e-5 |", "| 2e-5 |")),
    )
    [found] = pl5(["exp"])
    assert found.rule == "PL501"
    assert found.message.endswith(
        "row Llama-3.2-1B_rank8_lr5e-5: Learning Rate is 2e-5 in the doc, 5e-5 in the plan"
    )
    assert fix(["exp"], Config()).changes
    rows = region(doc.read_text(encoding="utf-8"))
    assert rows[2] == ROW1.replace("| 1e-5 |", "| 0.00001 |").replace("~10min", "~10 min")
    assert rows[3] == ROW2
    assert pl5(["exp"]) == []
    code, out, _ = planlint_main("fix", "--check", "exp")
    assert (code, out) == (0, "")


def test_a_string_value_compares_as_text(exp: Path) -> None:
    """A value the plan writes as a string is text: `"1e-5"` as a system prompt is not 0.00001."""
    edit_file(exp / "plan.yaml", ('system_prompt: ""', 'system_prompt: "1e-5"'))
    doc = exp / "PLAN.md"
    header = "| Run Name | Model | LoRA Rank | Learning Rate | Batch Size | Type | Est. Time |"
    edit_file(
        doc,
        (header, header.replace("| Type |", "| System Prompt | Type |")),
        ("|------------|------|", "|------------|---------------|------|"),
        (ROW1, ROW1.replace("| 4 | Fine-tuned |", "| 4 | 0.00001 | Fine-tuned |")),
        (ROW2, ROW2.replace("| 4 | Fine-tuned |", "| 4 | 1e-5 | Fine-tuned |")),
        ("| - | Control |", "| - | 1e-5 | Control |"),
    )
    [found] = pl5(["exp"])
    assert "System Prompt is 0.00001 in the doc, 1e-5 in the plan" in found.message


# --------------------------------------------------------------------------- F11: wide rows

HEADER = "| Run Name | Notes | Model | LoRA Rank | Learning Rate | Type |"
WIDE = "| Llama-3.2-1B_rank8_lr5e-5 | `a|b` and \\| pipe 😀 | Llama-3.2-1B-Instruct | 8 | 5e-5 | Fine-tuned |"


def notes_doc(exp: Path, intro: str = "", eol: str = "\r\n") -> Path:
    """PLAN.md (CRLF) whose All Runs table has a researcher's Notes column, compact separator."""
    lines = [
        "# Plan",
        "",
        "<!-- planlint:begin all-runs -->",
        *([intro, ""] if intro else []),
        HEADER,
        "|---|---|---|---|---|---|",
        WIDE,
        "| Llama-3.2-1B_rank8_lr1e-5 | first <br> line | Llama-3.2-1B-Instruct | 8 | 1e-4 | Fine-tuned |",
        "<!-- planlint:end all-runs -->",
        "After text",
    ]
    doc = exp / "PLAN.md"
    doc.write_bytes(eol.join(lines).encode("utf-8") + eol.encode())
    return doc


@pytest.mark.parametrize("intro", ["", "Generated from plan.yaml."])
def test_a_row_wider_than_its_header_is_reported_and_never_rewritten(exp: Path, intro: str) -> None:
    """An unescaped `|` inside backticks splits the Notes cell (as GFM does): the row has 7 cells
    under a header of 6. `check` names the row; `fix` refuses the region and loses no byte."""
    doc = notes_doc(exp, intro)
    before = doc.read_bytes()
    found = pl5(["exp"])
    assert rules_of(found) == ["PL509"]
    line = 6 + (2 if intro else 0)
    assert (found[0].line, found[0].column) == (line, 1)
    assert found[0].message.startswith(
        "All Runs table row Llama-3.2-1B_rank8_lr5e-5 has 7 cells under a header of 6"
    )
    assert "`\\|`" in (found[0].hint or "")
    code, out, err = planlint_main("fix", "exp")
    assert code == 1 and out == ""
    assert err == (
        f"planlint: exp/PLAN.md:{line}: all-runs region not rewritten: {found[0].message};"
        " escape the `|` as `\\|`\n"
    )
    assert doc.read_bytes() == before
    code, _, err = planlint_main("fix", "--check", "exp")
    assert code == 1 and "Llama-3.2-1B_rank8_lr5e-5 has 7 cells" in err
    assert doc.read_bytes() == before


def test_an_escaped_pipe_keeps_the_notes_and_the_compact_separator(exp: Path) -> None:
    doc = notes_doc(exp)
    edit_file(doc, ("`a|b`", "`a\\|b`"))
    assert "PL501" in rules_of(pl5(["exp"]))
    assert fix(["exp"], Config()).errors == []
    text = doc.read_bytes().decode("utf-8")
    assert region(text) == [
        HEADER,
        "|---|---|---|---|---|---|",
        "| Llama-3.2-1B_rank8_lr1e-5 | first <br> line | Llama-3.2-1B-Instruct | 8 | 1e-5 | Fine-tuned |",
        WIDE.replace("`a|b`", "`a\\|b`"),
        "| Llama-3.2-1B_base |  | Llama-3.2-1B-Instruct | - | - | Control |",
    ]
    assert text.count("\r\n") == text.count("\n")  # still CRLF
    assert pl5(["exp"]) == []
    assert fix(["exp"], Config(), check_only=True).changes == []


def test_compact_separators_with_alignments_are_kept(exp: Path) -> None:
    doc = exp / "PLAN.md"
    edit_file(
        doc,
        (
            "|----------|-------|-----------|---------------|------------|------|-----------|",
            "|:--|---|--:|--:|--:|:-:|---|",
        ),
        (ROW2, ROW2.replace("| 5e-5 |", "| 2e-5 |")),
    )
    fix(["exp"], Config())
    assert region(doc.read_text(encoding="utf-8"))[1] == "|:--|---|--:|--:|--:|:-:|---|"
    assert pl5(["exp"]) == []


def test_the_summary_compares_numbers_by_value_and_fix_keeps_their_spelling(exp: Path) -> None:
    doc = exp / "PLAN.md"
    with doc.open("a", encoding="utf-8") as out:
        out.write("\n## Summary\n\n<!-- planlint:begin summary -->\n<!-- planlint:end summary -->\n")
    fix(["exp"], Config())
    edit_file(doc, ("(`lr`): 1e-5, 5e-5", "(`lr`): 0.00001, 5.0e-5"))
    assert pl5(["exp"]) == []
    edit_file(exp / "plan.yaml", ("  epochs: 1\n", "  epochs: 2\n"))
    [found] = pl5(["exp"])
    assert found.message.endswith(
        "Training differs (the plan says: 2 epochs, batch size 4 per GPU on 1 GPU, packing off, validation during training on)"
    )
    fix(["exp"], Config())
    text = doc.read_text(encoding="utf-8")
    assert "  - Learning Rate (`lr`): 0.00001, 5.0e-5\n" in text
    assert "- **Training**: 2 epochs, batch size 4 per GPU" in text
    assert pl5(["exp"]) == []


def test_an_empty_cell_beyond_the_header_loses_no_text_and_is_not_reported(exp: Path) -> None:
    """A stray `||` at a row's end: markdown drops an empty cell, nothing is lost."""
    doc = exp / "PLAN.md"
    edit_file(doc, (ROW2, ROW2 + "|"), (ROW1, ROW1.replace("| 1e-5 |", "| 2e-5 |")))
    assert rules_of(pl5(["exp"])) == ["PL501"]
    assert fix(["exp"], Config()).errors == []
    assert region(doc.read_text(encoding="utf-8"))[2:4] == [ROW1, ROW2]


# --------------------------------------------------------------------------- review 5, F6: notes


def notes_table(exp: Path, name1: str, name2: str) -> Path:
    """The seed doc's All Runs table with a Notes column, two run names formatted as given."""
    doc = exp / "PLAN.md"
    edit_file(
        doc,
        ("| Type | Est. Time |\n|", "| Type | Est. Time | Notes |\n|"),
        ("|------|-----------|\n", "|------|-----------|-------|\n"),
        (ROW1, ROW1.replace("Llama-3.2-1B_rank8_lr1e-5", name1) + " smallest 🙂 |"),
        (ROW2, ROW2.replace("Llama-3.2-1B_rank8_lr5e-5", name2) + " biggest, risky |"),
        ("| Control | N/A |\n", "| Control | N/A | baseline |\n"),
    )
    return doc


@pytest.mark.parametrize(
    ("name1", "name2"),
    [
        ("`Llama-3.2-1B_rank8_lr1e-5`", "**Llama-3.2-1B_rank8_lr5e-5**"),
        ("*Llama-3.2-1B_rank8_lr1e-5*", "[Llama-3.2-1B_rank8_lr5e-5](runs/lr5e-5.md)"),
    ],
)
def test_a_formatted_run_name_keeps_its_row_and_its_notes(exp: Path, name1: str, name2: str) -> None:
    """`` `name` `` and **name** say name: the row pairs with its run, so nothing is drift and
    `fix` (even when another cell changes) keeps the researcher's Notes and formatting."""
    doc = notes_table(exp, name1, name2)
    assert pl5(["exp"]) == []
    edit_file(
        doc, ("| 1e-5 | 4 | Fine-tuned | ~10min | smallest", "| 1e-5 | 8 | Fine-tuned | ~10min | smallest")
    )
    [found] = pl5(["exp"])
    assert "Batch Size is 8 in the doc, 4 in the plan" in found.message
    assert "not in the plan" not in found.message
    report = fix(["exp"], Config())
    assert report.errors == [] and [c.notes for c in report.changes] == [[]]
    text = doc.read_text(encoding="utf-8")
    assert f"| {name1} |" in text and f"| {name2} |" in text
    assert "smallest 🙂" in text and "biggest, risky" in text and "| baseline |" in text
    assert pl5(["exp"]) == []


def test_fix_says_which_notes_a_removed_or_renamed_run_takes_with_it(exp: Path) -> None:
    doc = notes_table(exp, "Llama-3.2-1B_rank8_lr1e-5", "Llama-3.2-1B_rank8_lr5e-5")
    plan = exp / "plan.yaml"
    edit_file(plan, ("- name: Llama-3.2-1B_rank8_lr5e-5\n", "- name: Llama-3.2-1B_rank8_lr5e-5_v2\n"))
    code, out, err = planlint_main("check", "--fix", "--no-layout", "--select", "PL5", "exp")
    assert err.splitlines() == [
        "Fixing exp/PLAN.md",
        "  row Llama-3.2-1B_rank8_lr5e-5 is no run of the plan: dropped its Notes 'biggest, risky'",
    ]
    assert code == 0 and out.splitlines()[-1].startswith("2 files checked: 0 errors, 0 warnings, 0 info")
    assert "smallest 🙂" in doc.read_text(encoding="utf-8")
