"""PL1xx: schema violations mapped to line:col, unknown and legacy keys, cruijff_kit plans."""

from __future__ import annotations

import pytest
from conftest import CASES, TWO_MODEL, edit, only, rules_of


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


@pytest.mark.parametrize(
    ("pairs", "rule", "needle", "col", "hint_part"),
    [
        ((("  batch_size: 4\n", "  batch_size: four\n"),), "PL101", "  batch_size: four", 15, None),
        (
            (("1B_rank4_lr1e-5\n    type: fine-tuned\n", "1B_rank4_lr1e-5\n    type: finetuned\n"),),
            "PL101",
            "    type: finetuned",
            11,
            None,
        ),
        (
            (("  dataset_type: chat_completion\n", "  dataset_type: chat\n"),),
            "PL101",
            "  dataset_type: chat",
            17,
            None,
        ),
        (
            (
                (
                    "  wandb_project: capitalization\n",
                    "  wandb_project: capitalization\n  wandb_entity: lab\n",
                ),
            ),
            "PL102",
            "  wandb_entity: lab",
            3,
            "did you mean 'wandb_project'",
        ),
        (
            (
                (
                    "  wandb_project: capitalization\n",
                    "  wandb_project: capitalization\n  tags: [a]\n",
                ),
            ),
            "PL102",
            "  tags: [a]",
            3,
            "known keys: wandb_project",
        ),
        ((("  hypothesis:", "  hypotesis:"),), "PL102", None, 3, "did you mean 'hypothesis'"),
        ((("  dir: /scratch", "  directory: /scratch"),), "PL103", None, 3, "rename it: dir"),
        ((("    dataset_label: words", "    label: words"),), "PL103", None, 5, "dataset_label"),
        ((("  scorers:\n", "  scorer:\n"),), "PL103", "  scorer:", 3, "scorers"),
        (
            (("  do_sample: false\n", '  do_sample: false\n  system_prompt: ""\n'),),
            "PL104",
            None,
            3,
            "controls.system_prompt",
        ),
        (
            (("  seed: 14\n", "  seed: 14\n  learning_rate: 1e-5\n"),),
            "PL105",
            "  learning_rate: 1e-5",
            3,
            "did you mean 'lr'",
        ),
        (
            (("  seed: 14\n", "  seed: 14\n  lora_ranks: 8\n"),),
            "PL105",
            "  lora_ranks: 8",
            3,
            "did you mean 'lora_rank'",
        ),
        (
            (
                (
                    'lora_rank: 4, lr: 1e-5}\n    compute: {time: "0:15:00", gpus: 1',
                    'lora_rank: 4, lr: 1e-5}\n    compute: {time: "15 minutes", gpus: 1',
                ),
            ),
            "PL106",
            None,
            21,
            "H:MM:SS",
        ),
        ((("  question:", "  q:"),), "PL107", "experiment:", 1, None),
        ((("  dataset_type: chat_completion\n", ""),), "PL107", "controls:", 1, "chat_completion"),
    ],
)
def test_schema_findings(lint, pairs, rule: str, needle: str | None, col: int, hint_part: str | None) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, *pairs)
    found = only(lint(text), rule)
    assert len(found) == 1, lint(text)
    f = found[0]
    if needle is not None:
        assert f.line == line_of(text, needle)
    else:
        new = pairs[0][1].strip().splitlines()[-1]
        assert new.split(":")[0].strip() in text.splitlines()[f.line - 1]
    assert f.column == col
    if hint_part:
        assert f.hint and hint_part in f.hint


def test_every_schema_error_is_reported_not_only_the_first(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        ("  batch_size: 4\n", "  batch_size: four\n"),
        ("  epochs: 2\n", "  epochs: two\n"),
        ("      size_gb: 2.5\n", "      size_gb: big\n"),
    )
    assert rules_of(lint(text)).count("PL101") == 3


def test_schema_error_in_many_identical_runs_is_reported_per_run(lint) -> None:  # type: ignore[no-untyped-def]
    import sys

    sys.path.insert(0, str(CASES.parent.parent / "bench"))
    from planfactory import sweep_plan

    text = sweep_plan(200).replace("gpus: 1}", "gpus: one}")
    found = only(lint(text), "PL101")
    assert len(found) == text.count("gpus: one}")
    assert len({f.line for f in found}) == len(found)
    assert all("'one'" in f.message for f in found)


def test_cruijff_reference_plan_has_only_true_defects(lint) -> None:  # type: ignore[no-untyped-def]
    text = (CASES / "cruijff" / "experiment_summary.yaml").read_text(encoding="utf-8")
    found = lint(text, name="experiment_summary.yaml")
    # No base-model control (PL205), a leftover evaluation.system_prompt (PL104), and 2 optimizer
    # steps against torchtune's default warmup of 100 (PL302): warnings, never errors.
    assert sorted(f.rule for f in found if f.severity.value != "info") == ["PL104", "PL205", "PL302"]
    assert all(f.severity.value == "warning" for f in found if f.severity.value != "info")


def test_cruijff_template_vocabulary_is_fully_known(lint) -> None:  # type: ignore[no-untyped-def]
    text = (CASES / "cruijff" / "template_experiment_summary.yaml").read_text(encoding="utf-8")
    found = lint(text, name="experiment_summary.yaml")
    # Its values are type names ("string", "int"): type errors, but no key is unknown.
    assert not {"PL102", "PL103", "PL107"} & set(rules_of(found))
    assert "PL101" in rules_of(found)


def test_plan_that_is_not_a_mapping(lint) -> None:  # type: ignore[no-untyped-def]
    assert rules_of(lint("- a\n- b\n")) == ["PL101"]


@pytest.mark.parametrize(
    ("value", "bad"),
    [
        ('"1:99:99"', True),
        ('"1:60"', True),
        ('"99999999999999999999-0"', True),
        ('"2-12:30:00"', False),
        ("90", False),
        ('"0:15:00"', False),
    ],
)
def test_compute_time_is_judged_by_the_table_parser(lint, value: str, bad: bool) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        (
            'lora_rank: 4, lr: 1e-5}\n    compute: {time: "0:15:00", gpus: 1',
            f"lora_rank: 4, lr: 1e-5}}\n    compute: {{time: {value}, gpus: 1",
        ),
    )
    found = only(lint(text), "PL106")
    assert len(found) == (1 if bad else 0)
    assert "PL101" not in rules_of(lint(text))
