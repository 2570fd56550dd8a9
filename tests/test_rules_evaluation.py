"""PL4xx: evaluation rules on realistic plans — decoding, tasks, the matrix, epochs, coverage, labels."""

from __future__ import annotations

import pytest
from conftest import CASES, SEED, TWO_MODEL, edit, only, rules_of

from planlint.config import Config
from planlint.finding import Finding


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


def pl4(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.severity.value) for f in found if f.rule.startswith("PL4")]


M_1B_R4 = (
    "    - {run: Llama-3.2-1B_rank4_lr1e-5, vis_label: 1B r4 1e-5, tasks: [capitalization], epochs: [0, 1]}\n"
)
M_1B_BASE = "    - {run: Llama-3.2-1B_base, vis_label: 1B base, tasks: [capitalization], epochs: null}\n"
TASK = '      description: "Capitalize a five-letter word"\n      dataset: /scratch/gpfs/me/ck-data/capitalization/words_5L_80P_1000.json\n'

CASES_PL4 = [
    # (id, edits, rule, severity, line needle, message fragment, hint fragment)
    (
        "temperature-without-sampling",
        [("  do_sample: false\n", "  do_sample: false\n  temperature: 0.0\n")],
        "PL401",
        "info",
        "  temperature: 0.0",
        "temperature 0.0 has no effect",
        "do_sample: true",
    ),
    (
        "sampling-without-temperature",
        [("  do_sample: false\n", "  do_sample: true\n")],
        "PL402",
        "error",
        "  do_sample: true",
        "needs a temperature > 0",
        "temperature: 0.7",
    ),
    (
        "sampling-at-temperature-zero",
        [("  do_sample: false\n", "  do_sample: true\n  temperature: 0\n")],
        "PL402",
        "error",
        "  temperature: 0",
        "temperature 0 with do_sample: true",
        "> 0",
    ),
    (
        "matrix-run-typo",
        [(M_1B_R4, M_1B_R4.replace("run: Llama-3.2-1B_rank4_lr1e-5", "run: Llama-3.2-1B_rank4_lr1e5"))],
        "PL403",
        "error",
        M_1B_R4.replace("run: Llama-3.2-1B_rank4_lr1e-5", "run: Llama-3.2-1B_rank4_lr1e5").rstrip("\n"),
        "names run 'Llama-3.2-1B_rank4_lr1e5'",
        "did you mean 'Llama-3.2-1B_rank4_lr1e-5'",
    ),
    (
        "matrix-task-typo",
        [(M_1B_R4, M_1B_R4.replace("tasks: [capitalization]", "tasks: [capitalisation]"))],
        "PL404",
        "error",
        M_1B_R4.replace("tasks: [capitalization]", "tasks: [capitalisation]").rstrip("\n"),
        "task 'capitalisation' is not defined",
        "did you mean 'capitalization'",
    ),
    (
        "run-not-evaluated",
        [(M_1B_R4, "")],
        "PL405",
        "warning",
        "  - name: Llama-3.2-1B_rank4_lr1e-5",
        "run 'Llama-3.2-1B_rank4_lr1e-5' is not evaluated",
        "evaluate-all-runs = false",
    ),
    (
        "epoch-one-indexed",
        [(M_1B_R4, M_1B_R4.replace("epochs: [0, 1]", "epochs: [1, 2]"))],
        "PL406",
        "error",
        M_1B_R4.replace("epochs: [0, 1]", "epochs: [1, 2]").rstrip("\n"),
        "epoch 2 of run 'Llama-3.2-1B_rank4_lr1e-5' does not exist: it trains 2 epochs (controls.epochs), checkpoints epoch_0..epoch_1 (epochs are 0-indexed)",
        "[0, 1]",
    ),
    (
        "control-with-epochs",
        [(M_1B_BASE, M_1B_BASE.replace("epochs: null", "epochs: [0]"))],
        "PL407",
        "error",
        M_1B_BASE.replace("epochs: null", "epochs: [0]").rstrip("\n"),
        "control run 'Llama-3.2-1B_base' lists epochs [0]",
        "epochs: null",
    ),
    (
        "fine-tuned-without-epochs",
        [(M_1B_R4, M_1B_R4.replace("epochs: [0, 1]", "epochs: null"))],
        "PL408",
        "warning",
        M_1B_R4.replace("epochs: [0, 1]", "epochs: null").rstrip("\n"),
        "evaluated at no epoch",
        "epochs: [0]",
    ),
    (
        "duplicate-vis-label",
        [(M_1B_R4, M_1B_R4 + M_1B_R4.replace("epochs: [0, 1]", "epochs: [1]"))],
        "PL409",
        "error",
        "    - {run: Llama-3.2-1B_rank4_lr1e-5, vis_label: 1B r4 1e-5, tasks: [capitalization], epochs: [1]}",
        "run 'Llama-3.2-1B_rank4_lr1e-5' is evaluated twice at epoch 1 under the label '1B r4 1e-5'",
        "own vis_label",
    ),
    (
        "task-with-dataset-and-condition",
        [(TASK, TASK + "      eval_condition: words_5L\n")],
        "PL410",
        "error",
        "      eval_condition: words_5L",
        "gives both dataset and eval_condition",
        "keep one",
    ),
    (
        "task-without-dataset",
        [(TASK, '      description: "Capitalize a five-letter word"\n')],
        "PL411",
        "warning",
        "    - name: capitalization",
        "gives neither dataset nor eval_condition",
        "dataset:",
    ),
    (
        "duplicate-task",
        [
            (
                TASK,
                TASK
                + "    - name: capitalization\n      script: blueprints/capitalization/inspect_task.py\n      dataset: /scratch/gpfs/me/ck-data/capitalization/words_5L_80P_50.json\n",
            )
        ],
        "PL412",
        "error",
        "    - name: capitalization",
        "task name 'capitalization' is used twice",
        "own name",
    ),
]


@pytest.mark.parametrize(
    ("case", "edits", "rule", "severity", "needle", "message", "hint"),
    CASES_PL4,
    ids=[c[0] for c in CASES_PL4],
)
def test_evaluation_rules(lint, case, edits, rule, severity, needle, message, hint) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, *edits)
    found = only(lint(text), rule)
    assert len(found) == 1, [(f.rule, f.message) for f in lint(text)]
    f = found[0]
    assert f.severity.value == severity
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if line == needle]
    assert f.line == lines[-1], (f.line, lines)
    assert message in f.message, f.message
    if hint:
        assert f.hint and hint in f.hint, f.hint


def test_examples_have_no_evaluation_findings(lint) -> None:  # type: ignore[no-untyped-def]
    assert pl4(lint(TWO_MODEL)) == []
    assert pl4(lint(SEED)) == []


def test_cruijff_reference_plan_temperature_is_only_inert(lint) -> None:  # type: ignore[no-untyped-def]
    text = (CASES / "cruijff" / "experiment_summary.yaml").read_text(encoding="utf-8")
    found = lint(text, name="experiment_summary.yaml")
    assert pl4(found) == [("PL401", "info")]
    assert only(found, "PL401")[0].line == line_of(text, "  temperature: 0.0")


def test_sampling_with_a_positive_temperature_is_clean(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, ("  do_sample: false\n", "  do_sample: true\n  temperature: 0.7\n  seed: 14\n"))
    assert pl4(lint(text)) == []


def test_evaluating_every_run_is_configurable(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, (M_1B_R4, ""), (M_1B_BASE, ""))
    assert [f.message.split(":")[0] for f in only(lint(text), "PL405")] == [
        "run 'Llama-3.2-1B_rank4_lr1e-5' is not evaluated",
        "run 'Llama-3.2-1B_base' is not evaluated",
    ]
    assert only(lint(text, Config(evaluate_all_runs=False)), "PL405") == []


def test_no_evaluation_section_means_no_coverage_rule(lint) -> None:  # type: ignore[no-untyped-def]
    text = TWO_MODEL[: TWO_MODEL.index("evaluation:\n")]
    assert pl4(lint(text)) == []


def test_an_evaluation_without_matrix_is_one_finding(lint) -> None:  # type: ignore[no-untyped-def]
    text = TWO_MODEL[: TWO_MODEL.index("  matrix:\n")]
    found = only(lint(text), "PL405")
    assert len(found) == 1 and found[0].line == line_of(text, "evaluation:")
    assert "no run is evaluated" in found[0].message


def test_epochs_follow_a_run_override(lint) -> None:  # type: ignore[no-untyped-def]
    longer = edit(
        TWO_MODEL,
        (
            'model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}\n    compute: {time: "0:15:00"',
            'model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5, epochs: 3}\n    compute: {time: "0:15:00"',
        ),
        (M_1B_R4, M_1B_R4.replace("epochs: [0, 1]", "epochs: [0, 1, 2]")),
    )
    assert pl4(lint(longer)) == []
    shorter = edit(
        TWO_MODEL,
        (
            'model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}\n    compute: {time: "0:15:00"',
            'model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5, epochs: 1}\n    compute: {time: "0:15:00"',
        ),
    )
    found = only(lint(shorter), "PL406")
    assert len(found) == 1 and "it trains 1 epoch (its parameters)" in found[0].message


def test_eval_only_run_lists_no_epochs(lint) -> None:  # type: ignore[no-untyped-def]
    run = "  - name: prior_rank8_epoch1\n    type: eval-only\n    model: Llama-3.2-1B-Instruct\n    parameters: {checkpoint_path: /scratch/gpfs/me/ck-projects/old/run/artifacts/epoch_1}\n"
    entry = "    - {run: prior_rank8_epoch1, tasks: [capitalization], epochs: [1]}\n"
    text = edit(TWO_MODEL, ("runs:\n", "runs:\n" + run), (M_1B_BASE, M_1B_BASE + entry))
    found = only(lint(text), "PL407")
    assert len(found) == 1 and "eval-only run 'prior_rank8_epoch1' lists epochs [1]" in found[0].message
    fixed = edit(text, (entry, entry.replace("epochs: [1]", "epochs: null")))
    assert pl4(lint(fixed)) == []


def test_vis_label_defaults_to_the_run_name(lint) -> None:  # type: ignore[no-untyped-def]
    # Two entries for one run without vis_label: both cells are labelled with the run name.
    twice = M_1B_R4.replace("vis_label: 1B r4 1e-5, ", "")
    text = edit(TWO_MODEL, (M_1B_R4, twice + twice))
    found = only(lint(text), "PL409")
    assert len(found) == 1 and "under the label 'Llama-3.2-1B_rank4_lr1e-5'" in found[0].message
    # Another task under the same single-task label still collides: explore-experiment keys its
    # logs by (model, epoch, vis_label), not by task (scaffold-inspect.md, multi-task composition).
    long_task = "    - name: capitalization_long\n      script: blueprints/capitalization/inspect_task.py\n      dataset: /scratch/gpfs/me/ck-data/capitalization/words_8L.json\n"
    split = edit(
        TWO_MODEL,
        (TASK, TASK + long_task),
        (M_1B_R4, twice + twice.replace("[capitalization]", "[capitalization_long]")),
    )
    assert rules_of(only(lint(split), "PL409")) == ["PL409"]
    # Both tasks in one entry compose "{label} ({task})": distinct, clean.
    together = edit(
        TWO_MODEL,
        (TASK, TASK + long_task),
        (M_1B_R4, twice.replace("[capitalization]", "[capitalization, capitalization_long]")),
    )
    assert pl4(lint(together)) == []
    # Disjoint epochs of one run are distinct models (hf/{run}_epoch_N).
    epochs = edit(
        TWO_MODEL,
        (M_1B_R4, twice.replace("[0, 1]", "[0]") + twice.replace("[0, 1]", "[1]")),
    )
    assert pl4(lint(epochs)) == []
