"""Tables the researcher owns the shape of: the doc's header chooses the columns.

Optional columns (Batch Size, Est. Time) may be left out, conditions and controls asked for by
label, and columns planlint does not render (Notes) are the researcher's, kept with their run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, edit, example_repo, rules_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planlint.commands.fix import fix
from planlint.config import Config
from planlint.doc.markers import scan_tables
from planlint.engine import run

SEED_ROWS = [
    ("Llama-3.2-1B_rank8_lr1e-5", "8", "1e-5", "4", "Fine-tuned", "~10min"),
    ("Llama-3.2-1B_rank8_lr5e-5", "8", "5e-5", "4", "Fine-tuned", "~10min"),
    ("Llama-3.2-1B_base", "-", "-", "-", "Control", "N/A"),
]
MODEL = "Llama-3.2-1B-Instruct"


@pytest.fixture
def exp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed example (plan + PLAN.md) in a temp repository."""
    return example_repo(tmp_path, monkeypatch)


def region(text: str) -> str:
    begin = text.index("<!-- planlint:begin all-runs -->\n") + len("<!-- planlint:begin all-runs -->\n")
    return text[begin : text.index("<!-- planlint:end all-runs -->")]


def set_table(doc: Path, lines: list[str]) -> None:
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace(region(text), "\n".join(lines) + "\n"), encoding="utf-8")


def pl5(paths: list[str]) -> list:  # type: ignore[type-arg]
    return [f for f in run(paths, Config()).findings if f.rule.startswith("PL5")]


def markdown_era(rows: list[tuple[str, ...]] = SEED_ROWS) -> list[str]:
    """cruijff's markdown-era All Runs header: no Batch Size column."""
    out = [
        "| Run Name | Model | LoRA Rank | Learning Rate | Type | Est. Time |",
        "|----------|-------|-----------|---------------|------|-----------|",
    ]
    for name, rank, lr, _, rtype, est in rows:
        out.append(f"| {name} | {MODEL} | {rank} | {lr} | {rtype} | {est} |")
    return out


# --------------------------------------------------------------------------- optional columns


def test_markdown_era_header_without_batch_size_is_not_drift(exp: Path) -> None:
    doc = exp / "PLAN.md"
    set_table(doc, markdown_era())
    before = doc.read_bytes()
    assert pl5(["exp"]) == []
    assert fix(["exp"], Config()).changes == []
    assert doc.read_bytes() == before


def test_header_without_est_time_is_not_drift_but_its_values_still_are(exp: Path) -> None:
    doc = exp / "PLAN.md"
    lines = [
        "| Run Name | Model | LoRA Rank | Learning Rate | Batch Size | Type |",
        "|----------|-------|-----------|---------------|------------|------|",
        *(f"| {n} | {MODEL} | {r} | {lr} | {b} | {t} |" for n, r, lr, b, t, _ in SEED_ROWS),
    ]
    set_table(doc, lines)
    assert pl5(["exp"]) == []
    set_table(doc, [lines[0], lines[1], lines[2].replace("| 1e-5 |", "| 2e-5 |"), *lines[3:]])
    found = pl5(["exp"])
    assert rules_of(found) == ["PL501"]
    assert (
        "row Llama-3.2-1B_rank8_lr1e-5: Learning Rate is 2e-5 in the doc, 1e-5 in the plan"
        in found[0].message
    )
    fix(["exp"], Config())
    assert region(doc.read_text(encoding="utf-8")).splitlines() == lines  # still no Est. Time


def test_a_missing_variable_column_is_drift_and_fix_puts_it_in_place(exp: Path) -> None:
    doc = exp / "PLAN.md"
    set_table(
        doc,
        [
            "| Run Name | Model | LoRA Rank | Type |",
            "|----------|-------|-----------|------|",
            *(f"| {n} | {MODEL} | {r} | {t} |" for n, r, _, _, t, _ in SEED_ROWS),
        ],
    )
    found = pl5(["exp"])
    assert rules_of(found) == ["PL501"]
    assert "no Learning Rate column, but lr is a variable of the plan" in found[0].message
    fix(["exp"], Config())
    assert region(doc.read_text(encoding="utf-8")).splitlines() == [
        "| Run Name | Model | LoRA Rank | Learning Rate | Type |",
        "|----------|-------|-----------|---------------|------|",
        *(f"| {n} | {MODEL} | {r} | {lr} | {t} |" for n, r, lr, _, t, _ in SEED_ROWS),
    ]
    assert pl5(["exp"]) == []


def test_the_docs_column_order_alignment_and_style_are_kept(exp: Path) -> None:
    doc = exp / "PLAN.md"
    lines = [
        "| Model                 | Run Name                  | Type       | Learning Rate | LoRA Rank |",
        "| :-------------------- | ------------------------- | :--------: | ------------: | --------- |",
    ]
    for name, rank, lr, _, rtype, _ in SEED_ROWS:
        lines.append(f"| {MODEL} | {name:<25} | {rtype:<10} | {lr:<13} | {rank:<9} |")
    set_table(doc, lines)
    assert pl5(["exp"]) == []
    plan = exp / "plan.yaml"
    plan.write_text(edit(plan.read_text(encoding="utf-8"), ("lr: 5e-5", "lr: 3e-5")), encoding="utf-8")
    assert "Learning Rate is 5e-5 in the doc, 3e-5 in the plan" in pl5(["exp"])[0].message + (
        pl5(["exp"])[0].hint or ""
    )
    fix(["exp"], Config())
    got = region(doc.read_text(encoding="utf-8")).splitlines()
    assert got[:2] == lines[:2]
    assert got[3] == f"| {MODEL} | Llama-3.2-1B_rank8_lr5e-5 | Fine-tuned | 3e-5          | 8         |"
    assert fix(["exp"], Config()).changes == []


# --------------------------------------------------------------------------- the researcher's columns


def test_notes_column_is_kept_with_each_run(exp: Path) -> None:
    doc = exp / "PLAN.md"
    notes = {
        "Llama-3.2-1B_rank8_lr1e-5": "baseline lr from the 2025 sweep",
        "Llama-3.2-1B_rank8_lr5e-5": "watch for **divergence** \\| see `loss.png`",
        "Llama-3.2-1B_base": "",
    }
    table = markdown_era()
    lines = [table[0] + " Notes |", table[1] + "-------|"]
    for line, (name, *_rest) in zip(table[2:], SEED_ROWS, strict=True):
        lines.append(line + f" {notes[name]} |")
    set_table(doc, lines)
    assert pl5(["exp"]) == []
    assert fix(["exp"], Config()).changes == []

    # a plan change: fix rewrites the row and keeps its note; a new run gets an empty note;
    # a removed run's note goes with it
    plan = exp / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    text = edit(text, ("lr: [1e-5, 5e-5]", "lr: [1e-5, 5e-5, 1e-4]"))
    text = text.replace("  - name: Llama-3.2-1B_rank8_lr1e-5\n", "  - name: Llama-3.2-1B_rank8_lr1e-4\n", 1)
    text = text.replace("parameters: {lora_rank: 8, lr: 1e-5}", "parameters: {lora_rank: 8, lr: 1e-4}", 1)
    plan.write_text(text, encoding="utf-8")
    found = pl5(["exp"])
    assert rules_of(found) == ["PL501"]
    assert "Notes" not in found[0].message + (found[0].hint or "")
    fix(["exp"], Config())
    got = region(doc.read_text(encoding="utf-8")).splitlines()
    assert got[0] == "| Run Name | Model | LoRA Rank | Learning Rate | Type | Est. Time | Notes |"
    assert got[2:] == [
        f"| Llama-3.2-1B_rank8_lr1e-4 | {MODEL} | 8 | 1e-4 | Fine-tuned | ~10min |  |",
        f"| Llama-3.2-1B_rank8_lr5e-5 | {MODEL} | 8 | 5e-5 | Fine-tuned | ~10min | watch for **divergence** \\| see `loss.png` |",
        f"| Llama-3.2-1B_base | {MODEL} | - | - | Control | N/A |  |",
    ]
    assert "baseline lr from the 2025 sweep" not in doc.read_text(encoding="utf-8")
    assert pl5(["exp"]) == [] and fix(["exp"], Config()).changes == []


def test_notes_follow_their_run_when_the_plan_reorders_runs(exp: Path) -> None:
    doc = exp / "PLAN.md"
    table = markdown_era()
    lines = [table[0] + " Notes |", table[1] + "---|"]
    lines += [line + f" note {i} |" for i, line in enumerate(table[2:])]
    set_table(doc, lines)
    plan = exp / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    first = text.index("  - name: Llama-3.2-1B_rank8_lr1e-5")
    second = text.index("  - name: Llama-3.2-1B_rank8_lr5e-5")
    third = text.index("  - name: Llama-3.2-1B_base")
    plan.write_text(text[:first] + text[second:third] + text[first:second] + text[third:], encoding="utf-8")
    assert "different order" in (pl5(["exp"])[0].hint or "") + pl5(["exp"])[0].message
    fix(["exp"], Config())
    got = region(doc.read_text(encoding="utf-8")).splitlines()
    assert got[2].startswith("| Llama-3.2-1B_rank8_lr5e-5 ") and got[2].endswith("| note 1 |")
    assert got[3].startswith("| Llama-3.2-1B_rank8_lr1e-5 ") and got[3].endswith("| note 0 |")


def two_model(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    shutil.copytree(EXAMPLES / "two-model-sweep", tmp_path / "two")
    return tmp_path / "two"


def test_eval_matrix_notes_kept_and_a_removed_tasks_column_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exp = two_model(tmp_path)
    monkeypatch.chdir(tmp_path)
    doc = exp / "PLAN.md"
    text = doc.read_text(encoding="utf-8")
    text = text.replace("| Run Name | capitalization |\n", "| Run Name | capitalization | Notes |\n")
    text = text.replace("|----------|----------------|\n", "|----------|----------------|-------|\n")
    text = text.replace("| Llama-3.2-1B_base | ✓ |\n", "| Llama-3.2-1B_base | ✓ | zero-shot reference |\n")
    doc.write_text(text, encoding="utf-8")
    assert pl5(["two"]) == []
    assert fix(["two"], Config()).changes == []

    # the task is renamed in the plan: its old column is drift (its cells are only marks), the
    # note is not, and fix replaces the column and keeps the note
    plan = exp / "plan.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8")
        .replace("capitalization\n", "capitalize\n")
        .replace("tasks: [capitalization]", "tasks: [capitalize]"),
        encoding="utf-8",
    )
    messages = [f.message + (f.hint or "") for f in pl5(["two"])]
    assert any("column capitalization: no task 'capitalization' in evaluation.tasks" in m for m in messages)
    fix(["two"], Config())
    after = doc.read_text(encoding="utf-8")
    assert "| Run Name | capitalize | Notes |" in after
    assert "| Llama-3.2-1B_base | ✓ | zero-shot reference |" in after
    assert "capitalization |" not in after.split("<!-- planlint:begin eval-matrix -->")[1]
    assert pl5(["two"]) == []


# --------------------------------------------------------------------------- conditions by label

SYSTEM_PROMPTS = """\
  - name: Llama-3.2-1B_base_terse
    type: control
    model: Llama-3.2-1B-Instruct
    parameters: {system_prompt: "Answer with the word only."}
  - name: Llama-3.2-1B_base_polite
    type: control
    model: Llama-3.2-1B-Instruct
    parameters: {system_prompt: "You are a helpful assistant | be brief."}
"""


def test_system_prompt_column_by_label(exp: Path) -> None:
    """Several system-prompt controls (cruijff's prompt-sensitivity pattern), shown by label."""
    plan = exp / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    anchor = "  - name: Llama-3.2-1B_base\n"
    plan.write_text(edit(text, (anchor, SYSTEM_PROMPTS + anchor)), encoding="utf-8")
    doc = exp / "PLAN.md"
    set_table(
        doc,
        [
            "| Run Name | Model | LoRA Rank | Learning Rate | System Prompt | Type |",
            "|---|---|---|---|---|---|",
        ],
    )
    fix(["exp"], Config())
    got = region(doc.read_text(encoding="utf-8")).splitlines()
    assert got[0] == "| Run Name | Model | LoRA Rank | Learning Rate | System Prompt | Type |"
    assert got[1] == "|---|---|---|---|---|---|"  # the doc's compact separator row is kept
    assert f"| Llama-3.2-1B_base_terse | {MODEL} | - | - | Answer with the word only. | Control |" in got
    assert (
        f"| Llama-3.2-1B_base_polite | {MODEL} | - | - | You are a helpful assistant \\| be brief. | Control |"
        in got
    )
    assert f"| Llama-3.2-1B_base | {MODEL} | - | - | - | Control |" in got  # controls.system_prompt: ""
    assert pl5(["exp"]) == []
    # the cell is compared with the plan like any other
    doc.write_text(
        doc.read_text(encoding="utf-8").replace("Answer with the word only.", "Answer."), encoding="utf-8"
    )
    found = pl5(["exp"])
    assert (
        "row Llama-3.2-1B_base_terse: System Prompt is Answer. in the doc, Answer with the word only. in the plan"
        in found[0].message
    )


def test_training_condition_and_dataset_path_columns(exp: Path) -> None:
    """Runs that name a data_generation condition or a literal dataset (cross-dataset runs)."""
    plan = exp / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    text = edit(
        text,
        (
            "    parameters: {lora_rank: 8, lr: 1e-5}\n",
            "    parameters: {lora_rank: 8, lr: 1e-5}\n    training_condition: dict_full\n",
        ),
        (
            "    parameters: {lora_rank: 8, lr: 5e-5}\n",
            "    parameters: {lora_rank: 8, lr: 5e-5}\n"
            "    dataset_path: /scratch/gpfs/me/ck-data/words/dict_synonym_train_e5f6a7b8.json\n",
        ),
    )
    plan.write_text(text, encoding="utf-8")
    doc = exp / "PLAN.md"
    set_table(
        doc,
        [
            "| Run Name | Model | LoRA Rank | Learning Rate | Training Condition | Dataset Path | Type | Epochs |",
            "|-|-|-|-|-|-|-|-|",
        ],
    )
    fix(["exp"], Config())
    got = region(doc.read_text(encoding="utf-8")).splitlines()
    assert got[2:] == [
        f"| Llama-3.2-1B_rank8_lr1e-5 | {MODEL} | 8 | 1e-5 | dict_full | - | Fine-tuned | 1 |",
        f"| Llama-3.2-1B_rank8_lr5e-5 | {MODEL} | 8 | 5e-5 | - | /scratch/gpfs/me/ck-data/words/dict_synonym_train_e5f6a7b8.json | Fine-tuned | 1 |",
        f"| Llama-3.2-1B_base | {MODEL} | - | - | - | - | Control | - |",
    ]
    assert pl5(["exp"]) == []


def test_a_new_region_gets_the_full_default_set(exp: Path) -> None:
    doc = exp / "PLAN.md"
    golden = region(doc.read_text(encoding="utf-8"))
    set_table(doc, [])
    doc.write_text(
        doc.read_text(encoding="utf-8").replace(
            "<!-- planlint:begin all-runs -->\n\n", "<!-- planlint:begin all-runs -->\n"
        ),
        encoding="utf-8",
    )
    assert rules_of(pl5(["exp"])) == ["PL501"]
    fix(["exp"], Config())
    assert region(doc.read_text(encoding="utf-8")) == golden


# --------------------------------------------------------------------------- the fast path


def test_a_cell_with_marker_text_is_refused_not_written(exp: Path) -> None:
    plan = exp / "plan.yaml"
    anchor = "  - name: Llama-3.2-1B_base\n"
    plan.write_text(
        edit(
            plan.read_text(encoding="utf-8"),
            (
                anchor,
                anchor.replace("base", "base_x") + "    type: control\n    model: Llama-3.2-1B-Instruct\n"
                '    parameters: {system_prompt: "<!-- planlint:end all-runs -->"}\n' + anchor,
            ),
        ),
        encoding="utf-8",
    )
    doc = exp / "PLAN.md"
    set_table(
        doc,
        [
            "| Run Name | Model | LoRA Rank | Learning Rate | System Prompt | Type |",
            "|---|---|---|---|---|---|",
        ],
    )
    before = doc.read_bytes()
    report = fix(["exp"], Config())
    assert report.changes == [] and "marker text" in " ".join(report.errors)
    assert doc.read_bytes() == before


CELL = st.sampled_from(
    ["a", "b c", "\\|", "`x|y`", "-", "", "✓", "<br>", "> q", "<!-- planlint:end all-runs -->"]
)
LINE = st.one_of(
    st.lists(CELL, min_size=1, max_size=4).map(lambda cells: "| " + " | ".join(cells) + " |"),
    st.sampled_from(
        [
            "",
            "|---|---|",
            "|---|",
            "| --- | :-: |",
            "<!-- planlint:begin all-runs -->",
            "<!-- planlint:end all-runs -->",
            "<!-- planlint:begin eval-matrix -->",
            "<!-- planlint:end eval-matrix -->",
            "```",
            "<div>",
            "<!--",
            "-->",
            "    indented",
            "- item",
            "> quote",
            "text",
            "<?php",
        ]
    ),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=14), st.sampled_from(["\n", "\r\n"]))
def test_skipping_the_parse_of_table_regions_changes_nothing(lines: list[str], eol: str) -> None:
    """The fast scan (table-only regions not parsed) finds what a full parse finds."""
    text = eol.join(lines) + eol
    fast = scan_tables(text)
    slow = scan_tables(text, fast=False)
    assert fast[:2] == slow[:2]
    from planlint.doc.markers import read_table

    for index, found in enumerate(fast[0]):
        assert read_table(text, found) == slow[2][index]
