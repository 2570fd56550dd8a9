"""Designs cruijff_kit's own docs tell researchers to write get no false errors (review 3: F1, F3,
F4, F5), and the real defects next to them are still caught.

The plans under tests/cases/real_designs are the outside tester's repros:
- shared_vis_label: the workflow_test_recipe design with both rank runs labelled "1B"
  (design-experiment/param_selection.md:493-495: group by one dimension with a shorter label);
- format_a: explore-experiment's Format A (parsing.md:36-51), runs `1B_1K` ... with `dataset:`
  labels and vis_labels `1K` / `10K` (param_selection.md:483-488), controls `1B_base`;
- controls_only: docs/ACS_EXAMPLE.md:100, one base evaluation and one LoRA rank 8 fine-tune, no
  `variables` ("optional if only controls", experiment_generation.md:16);
- epoch_override: a complete two-model sweep with one run trained for 3 epochs instead of 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CASES, edit, only, rules_of
from ruamel.yaml import YAML

from planlint.cli import main
from planlint.config import Config

REAL = CASES / "real_designs"
#: the plans' paths are not on this machine; PL011 (an unquoted 0:15:00) and the step guard are
#: other rules' business.
QUIET = Config(ignore=["PL504", "PL6", "PL701", "PL011", "PL302"])


def real(name: str) -> str:
    return (REAL / f"{name}.yaml").read_text(encoding="utf-8")


def errors(findings):  # type: ignore[no-untyped-def]
    return [(f.rule, f.message) for f in findings if f.severity.value == "error"]


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


# -- F1: a shared vis_label groups runs; only one run's own cells can collide -------------------


@pytest.mark.parametrize("name", ["shared_vis_label", "format_a"])
def test_runs_sharing_a_vis_label_are_not_a_collision(lint, name: str) -> None:  # type: ignore[no-untyped-def]
    found = lint(real(name), QUIET, name="experiment_summary.yaml")
    assert only(found, "PL409") == []


def test_one_run_labelled_twice_at_one_epoch_is_still_an_error(lint) -> None:  # type: ignore[no-untyped-def]
    entry = '    - run: "Llama-3.2-1B-Instruct_rank16"\n      vis_label: "1B"\n      tasks: ["capitalization"]\n      epochs: [0]\n'
    text = edit(
        real("shared_vis_label"),
        (entry, entry + entry.replace('vis_label: "1B"', 'vis_label: "1B"  # again')),
    )
    found = only(lint(text, QUIET, name="experiment_summary.yaml"), "PL409")
    assert len(found) == 1
    # a single-task entry is labelled with the bare vis_label (scaffold-inspect.md:583)
    assert "under the label '1B'" in found[0].message and "(capitalization)" not in found[0].message
    assert found[0].line == line_of(text, '      vis_label: "1B"  # again')


# -- F5: runs[].dataset is explore-experiment's label; names in the researcher's own form ---------


def test_format_a_plan_has_no_errors(lint) -> None:  # type: ignore[no-untyped-def]
    found = lint(real("format_a"), QUIET, name="experiment_summary.yaml")
    assert errors(found) == []
    assert only(found, "PL102") == []  # runs[].dataset is a known key
    notes = only(found, "PL226")
    # one note for the plan, at its first run, saying how to declare the form
    assert len(notes) == 1 and notes[0].severity.value == "info"
    assert "'1B_1K' (and 5 more run names)" in notes[0].message
    assert "naming" in (notes[0].hint or "") and "short" in (notes[0].hint or "")


def test_run_dataset_must_be_a_string(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        real("format_a"),
        (
            "- name: 1B_1K\n  type: fine-tuned\n  model: Llama-3.2-1B-Instruct\n  dataset: acs_employment_verbose_1000_80P\n",
            "- name: 1B_1K\n  type: fine-tuned\n  model: Llama-3.2-1B-Instruct\n  dataset: [acs_employment_verbose_1000_80P]\n",
        ),
    )
    found = only(lint(text, QUIET, name="experiment_summary.yaml"), "PL101")
    assert len(found) == 1 and "dataset" in found[0].message


def test_the_declared_form_makes_names_checked_strictly(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        real("format_a"),
        ("output:\n", 'naming: {template: "{model}_{sample_size}", control: "{model}_base"}\noutput:\n'),
        (
            "  - name: Llama-3.2-1B-Instruct\n    path:",
            "  - name: Llama-3.2-1B-Instruct\n    short: 1B\n    path:",
        ),
        (
            "  - name: Llama-3.2-3B-Instruct\n    path:",
            "  - name: Llama-3.2-3B-Instruct\n    short: 3B\n    path:",
        ),
    )
    found = lint(text, QUIET, name="experiment_summary.yaml")
    assert [f.rule for f in found if f.rule.startswith("PL2")] == []  # 10K = 10000
    off = edit(
        text, ("- name: 1B_base\n", "- name: 1B_control\n"), ("- run: 1B_base\n", "- run: 1B_control\n")
    )
    found = only(lint(off, QUIET, name="experiment_summary.yaml"), "PL217")
    assert len(found) == 1 and "expected '1B_base'" in found[0].message


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("1B_10K", "1B_10K_v2", None),  # a suffix contradicts nothing
        ("1B_1K", "1B_1K_teacher_8B", None),  # a size after the model part is not the model's
        ("1B_1K", "3B_1K_v2", "it says 3B, but its model Llama-3.2-1B-Instruct is a 1B model"),
        ("1B_1K", "1B_10K_v2", "it says 10K, but the run's sample_size is 1000"),
        ("1B_base", "3B_control", "it says 3B, but its model Llama-3.2-1B-Instruct is a 1B model"),
    ],
    ids=["suffix", "later-size", "other-size", "other-value", "control-other-size"],
)
def test_a_name_in_the_researchers_form_is_an_error_only_when_it_contradicts(
    lint, old: str, new: str, says: str | None
) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        real("format_a"), (f"- name: {old}\n", f"- name: {new}\n"), (f"- run: {old}\n", f"- run: {new}\n")
    )
    found = only(lint(text, QUIET, name="experiment_summary.yaml"), "PL217")
    if says is None:
        assert found == []
    else:
        assert len(found) == 1 and says in found[0].message, found
        assert found[0].line == line_of(text, f"- name: {new}")


# -- F4: no variables: a fine-tuned run has nothing to render, only contradictions count ----------


def test_controls_only_plan_names_its_fine_tune_freely(lint) -> None:  # type: ignore[no-untyped-def]
    text = real("controls_only")
    assert errors(lint(text, QUIET, name="experiment_summary.yaml")) == []
    free = text.replace("Llama-3.2-1B-Instruct_rank8", "Llama-3.2-1B-Instruct_ft")
    assert errors(lint(free, QUIET, name="experiment_summary.yaml")) == []


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("Llama-3.2-1B-Instruct_rank4", "says rank4, but the run's lora_rank is 8 (controls)"),
        ("Llama-3.2-3B-Instruct_rank8", "says 3B, but its model Llama-3.2-1B-Instruct is a 1B model"),
    ],
)
def test_controls_only_plan_still_catches_a_contradicting_name(lint, name: str, says: str) -> None:  # type: ignore[no-untyped-def]
    text = real("controls_only").replace("Llama-3.2-1B-Instruct_rank8", name)
    found = lint(text, QUIET, name="experiment_summary.yaml")
    assert [(f.rule, says in f.message) for f in found if f.severity.value == "error"] == [("PL223", True)]


# -- F3: one run overriding a control is a one-off variant, not a sweep of its own ---------------

OVERRIDE = "    lr: 5e-5\n    epochs: 3\n"


def test_one_control_override_is_the_info_only(lint) -> None:  # type: ignore[no-untyped-def]
    found = lint(real("epoch_override"), QUIET, name="experiment_summary.yaml")
    assert errors(found) == []
    assert [f.message for f in found if f.rule.startswith("PL2")] == [
        "run 'Llama-3.2-1B-Instruct_rank4_lr5e-5' overrides controls.epochs with 3"
    ]


def test_a_gap_beside_a_one_off_variant_never_proposes_an_existing_name(lint) -> None:  # type: ignore[no-untyped-def]
    gone = "- name: Llama-3.2-1B-Instruct_rank8_lr5e-5\n  type: fine-tuned\n  model: Llama-3.2-1B-Instruct\n  parameters:\n    lora_rank: 8\n    lr: 5e-5\n"
    text = edit(real("epoch_override"), (gone, ""))
    text = text.replace(
        "  - run: Llama-3.2-1B-Instruct_rank8_lr5e-5\n    tasks:\n    - capitalization\n    epochs:\n    - 1\n",
        "",
    )
    found = [f for f in lint(text, QUIET, name="experiment_summary.yaml") if f.severity.value == "error"]
    assert rules_of(found) == ["PL213"]
    assert "missing 1 of 4 sweep combinations: lora_rank=8 lr=5e-5" in found[0].message
    assert "- name: Llama-3.2-1B-Instruct_rank8_lr5e-5" in (found[0].hint or "")
    assert "epochs: 3" not in (found[0].hint or "")


def test_an_override_of_a_combination_the_plain_sweep_has_is_a_variant_too(lint) -> None:  # type: ignore[no-untyped-def]
    # the complete sweep plus one more run: rank 4, lr 5e-5, trained 3 epochs
    extra = "- name: Llama-3.2-1B-Instruct_rank4_lr5e-5_ep3\n  type: fine-tuned\n  model: Llama-3.2-1B-Instruct\n  parameters:\n    lora_rank: 4\n    lr: 5e-5\n    epochs: 3\n"
    text = edit(
        real("epoch_override"),
        (OVERRIDE, "    lr: 5e-5\n"),
        (
            "  - run: Llama-3.2-1B-Instruct_rank4_lr5e-5\n    tasks:\n    - capitalization\n    epochs:\n    - 2\n",
            "",
        ),
    )
    text = edit(
        text,
        (
            "- name: Llama-3.2-3B-Instruct_rank4_lr1e-5\n",
            extra + "- name: Llama-3.2-3B-Instruct_rank4_lr1e-5\n",
        ),
    )
    found = lint(text, Config(ignore=[*QUIET.ignore, "PL405"]), name="experiment_summary.yaml")
    assert errors(found) == []


def test_two_runs_under_one_override_are_still_a_group_that_covers_the_sweep(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        real("epoch_override"),
        (
            "  parameters:\n    lora_rank: 8\n    lr: 5e-5\n- name: Llama-3.2-3B-Instruct_rank4_lr1e-5\n",
            "  parameters:\n    lora_rank: 8\n    lr: 5e-5\n    epochs: 3\n- name: Llama-3.2-3B-Instruct_rank4_lr1e-5\n",
        ),
    )
    found = only(lint(text, QUIET, name="experiment_summary.yaml"), "PL213")
    assert found and any("under condition epochs=" in f.message for f in found)


def test_fix_runs_adds_nothing_and_refuses_nothing_for_a_variant(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    plan = tmp_path / "experiment_summary.yaml"
    plan.write_text(real("epoch_override"), encoding="utf-8")
    assert main(["fix", "--runs", "--check", "experiment_summary.yaml"]) == 0
    _, err = capsys.readouterr()
    assert "PL219" not in err and "not adding" not in err


def test_fix_runs_refuses_each_colliding_name_once(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    text = edit(
        real("epoch_override"), ("output:\n", 'naming: {template: "{model}_r{lora_rank}"}\noutput:\n')
    )
    gone = "- name: Llama-3.2-3B-Instruct_rank8_lr5e-5\n  type: fine-tuned\n  model: Llama-3.2-3B-Instruct\n  parameters:\n    lora_rank: 8\n    lr: 5e-5\n"
    text = edit(text, (gone, ""))
    (tmp_path / "experiment_summary.yaml").write_text(text, encoding="utf-8")
    main(["fix", "--runs", "experiment_summary.yaml"])
    _, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if "not adding" in line]
    assert lines and len(lines) == len(set(lines)), lines
    assert YAML(typ="safe").load((tmp_path / "experiment_summary.yaml").read_text(encoding="utf-8"))


def test_a_run_restating_a_control_says_so(lint) -> None:  # type: ignore[no-untyped-def]
    # F4's workaround: the control's value written into the run too; same value, same training
    text = edit(
        real("epoch_override"),
        (OVERRIDE, "    lr: 5e-5\n    epochs: 2\n"),
        (
            "  - run: Llama-3.2-1B-Instruct_rank4_lr5e-5\n    tasks:\n    - capitalization\n    epochs:\n    - 2\n",
            "",
        ),
    )
    found = lint(text, Config(ignore=[*QUIET.ignore, "PL405"]), name="experiment_summary.yaml")
    assert errors(found) == []
    assert [f.message for f in only(found, "PL210")] == [
        "run 'Llama-3.2-1B-Instruct_rank4_lr5e-5' restates controls.epochs (2, the same value)"
    ]
