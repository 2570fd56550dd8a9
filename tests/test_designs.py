"""Designs cruijff_kit documents check clean, and their real defects are caught.

Each plan under tests/cases/designs follows one pattern of cruijff_kit's docs (param_selection.md
Pattern B, several system-prompt controls, tabular_to_text_gen training conditions, issue #201's
cross-length runs, explore-experiment's Format A and Format B variables). Before this round every
one of them got false errors (PL214, PL217, PL206, PL212, PL213, PL221).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DESIGN_QUIET as QUIET
from conftest import TWO_MODEL, data_of, design, edit, not_info, only, rules_of

from planlint.cli import main


@pytest.mark.parametrize(
    "name",
    ["pattern_b_prompts", "system_prompt_controls", "training_conditions", "cross_dataset", "model_axis"],
)
def test_documented_designs_check_clean(lint, name: str) -> None:  # type: ignore[no-untyped-def]
    assert not_info(lint(design(name), QUIET)) == []


# -- Pattern B: per-run prompts ------------------------------------------------------------------


def test_two_runs_with_one_prompt_are_duplicates(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(design("pattern_b_prompts"), ('"Carefully read, then answer: {input}"', '"{input}"'))
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL214"]
    assert "ft_verbose_prompt" in found[0].message and "same condition (prompt)" in found[0].message


def test_a_name_that_contradicts_its_parameters(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(design("pattern_b_prompts"), ("  - name: ft_terse_prompt\n", "  - name: ft_terse_rank4\n"))
    text = text.replace("    - run: ft_terse_prompt\n", "    - run: ft_terse_rank4\n")
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL223"]
    assert "says rank4" in found[0].message and "lora_rank is 8" in found[0].message
    assert found[0].line == 38


def test_each_prompt_group_covers_the_sweep(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(design("pattern_b_prompts"), ("  lora_rank: [8]\n", "  lora_rank: [4, 8]\n"))
    found = only(lint(text, QUIET), "PL213")
    assert len(found) == 2
    assert all("is missing 1 of 2" in f.message for f in found)
    messages = " ".join(f.message for f in found)
    assert "(ft_terse_prompt_rank4)" in messages and "(ft_verbose_prompt_rank4)" in messages
    assert "under condition prompt='{input}'" in messages


# -- several system-prompt controls --------------------------------------------------------------


def test_two_controls_with_one_system_prompt_are_duplicates(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("system_prompt_controls"),
        ('"Answer with one word only."', '"Capitalize the first letter of the word you are given."'),
    )
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL214"]
    assert "Llama-3.2-1B_base_oneword" in found[0].message


def test_a_control_that_sets_a_variable_is_still_an_error(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("system_prompt_controls"),
        (
            'parameters: {system_prompt: "Answer with one word only."}',
            'parameters: {system_prompt: "Answer with one word only.", lora_rank: 8}',
        ),
    )
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL206"]


def test_the_single_plain_control_still_follows_naming_control(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("system_prompt_controls"), ("  - name: Llama-3.2-1B_base\n", "  - name: Llama-3.2-1B_plain\n")
    )
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL217"] and "expected 'Llama-3.2-1B_base'" in found[0].message


# -- training conditions -------------------------------------------------------------------------


def test_an_undeclared_training_condition_is_an_error(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("training_conditions"),
        ("    training_condition: narr_full\n", "    training_condition: narrative_full\n"),
        ("  - name: Llama-3.1-8B-Instruct_narr_full\n", "  - name: Llama-3.1-8B-Instruct_narrative_full\n"),
    )
    found = not_info(lint(text, QUIET))
    assert sorted(rules_of(found)) == ["PL224", "PL225"]
    pl225 = only(found, "PL225")[0]
    assert "narrative_full" in pl225.message and "narr_full" in (pl225.hint or "")


def test_a_declared_condition_no_run_trains_is_a_warning(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("training_conditions"),
        (
            "  - name: Llama-3.1-8B-Instruct_narr_full\n    type: fine-tuned\n    model: Llama-3.1-8B-Instruct\n    training_condition: narr_full\n    parameters: {lr: 1e-4}\n",
            "",
        ),
    )
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL224"] and found[0].severity.value == "warning"
    assert "'narr_full'" in found[0].message


def test_a_template_naming_the_condition_is_checked(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("training_conditions"),
        ("  - name: Llama-3.1-8B-Instruct_dict_full\n", "  - name: Llama-3.1-8B-Instruct_dict\n"),
    )
    text = text.replace(
        "    - run: Llama-3.1-8B-Instruct_dict_full\n", "    - run: Llama-3.1-8B-Instruct_dict\n"
    )
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL217"]
    assert "expected 'Llama-3.1-8B-Instruct_dict_full'" in found[0].message


# -- cross-dataset runs (issue #201) ---------------------------------------------------------------


RUN_9L_5E5 = """  - name: Llama-3.2-1B_rank8_lr5e-5_9L
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    dataset_path: /scratch/gpfs/me/ck-data/capitalization/words_9L_80P_1000.json
    parameters: {lora_rank: 8, lr: 5e-5}
"""


def test_a_missing_run_of_one_dataset_is_named_like_its_siblings(lint) -> None:  # type: ignore[no-untyped-def]
    found = not_info(lint(edit(design("cross_dataset"), (RUN_9L_5E5, "")), QUIET))
    assert rules_of(found) == ["PL213"]
    assert "missing 1 of 2" in found[0].message and "Llama-3.2-1B_rank8_lr5e-5_9L" in found[0].message
    assert 'dataset_path: "/scratch/gpfs/me/ck-data/capitalization/words_9L_80P_1000.json"' in (
        found[0].hint or ""
    )


def test_fix_runs_adds_the_missing_run_with_its_dataset_and_check_is_clean(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    before = edit(design("cross_dataset"), (RUN_9L_5E5, ""))
    (tmp_path / "plan.yaml").write_text(before, encoding="utf-8")
    assert main(["fix", "--runs", "plan.yaml"]) == 0
    after = (tmp_path / "plan.yaml").read_text(encoding="utf-8")
    old, new = data_of(before), data_of(after)
    added = [r for r in new["runs"] if r not in old["runs"]]  # type: ignore[index]
    assert added == [
        {
            "name": "Llama-3.2-1B_rank8_lr5e-5_9L",
            "type": "fine-tuned",
            "model": "Llama-3.2-1B-Instruct",
            "dataset_path": "/scratch/gpfs/me/ck-data/capitalization/words_9L_80P_1000.json",
            "parameters": {"lora_rank": 8, "lr": 5e-5},
        }
    ]
    # after the model's last run (its control), not somewhere else
    assert [r["name"] for r in new["runs"]][-1] == "Llama-3.2-1B_rank8_lr5e-5_9L"  # type: ignore[index]
    assert main(["check", "--no-layout", "--ignore", "PL504,PL701", "plan.yaml"]) == 0


# -- the model as an axis (Format A) and the nested form (Format B) --------------------------------


def test_model_axis_values_must_be_declared_models(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("model_axis"),
        (
            "  model: [Llama-3.2-1B-Instruct, Llama-3.2-3B-Instruct]\n",
            "  model: [Llama-3.2-1B-Instruct, Llama-3.2-3B-Instruct, Llama-3.2-8B-Instruct]\n",
        ),
    )
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL222"] and "Llama-3.2-8B-Instruct" in found[0].message


def test_model_axis_missing_run_has_a_sensible_name(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("model_axis"),
        (
            "  - name: 3B_rank8\n    type: fine-tuned\n    model: Llama-3.2-3B-Instruct\n    parameters: {lora_rank: 8}\n",
            "",
        ),
    )
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL213"]
    assert "(3B_rank8)" in found[0].message and "Instruct_" not in found[0].message


def test_nested_variables_are_read_as_the_flat_form(lint) -> None:  # type: ignore[no-untyped-def]
    """explore-experiment documents both forms (its Format B is the nested one): the same plan in
    either form has the same findings, and the nested one gets an info with the flat form."""
    nested = """variables:
  independent:
    - name: "model"
      values: ["Llama-3.2-1B-Instruct", "Llama-3.2-3B-Instruct"]
    - name: "lora_rank"
      values: [4, 8]
  dependent:
    - name: "accuracy"
      metric: "match_accuracy"
"""
    text = edit(
        design("model_axis"),
        (
            "variables:\n  model: [Llama-3.2-1B-Instruct, Llama-3.2-3B-Instruct]\n  lora_rank: [4, 8]\n",
            nested,
        ),
    )
    assert not_info(lint(text, QUIET)) == not_info(lint(design("model_axis"), QUIET)) == []
    found = only(lint(text, QUIET), "PL108")
    assert [f.severity.value for f in found] == ["info"]
    assert (found[0].hint or "").endswith(
        "variables:\n  model: [Llama-3.2-1B-Instruct, Llama-3.2-3B-Instruct]\n  lora_rank: [4, 8]"
    )


# -- fix --runs keeps models together and evaluates what it adds -------------------------------------


def test_fix_runs_inserts_each_models_runs_after_its_own(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    grown = edit(TWO_MODEL, ("  lr: [1e-5, 5e-5]\n", "  lr: [1e-5, 5e-5, 1e-4]\n"))
    (tmp_path / "plan.yaml").write_text(grown, encoding="utf-8")
    assert main(["fix", "--runs", "plan.yaml"]) == 0
    new = data_of((tmp_path / "plan.yaml").read_text(encoding="utf-8"))
    models = [r["model"] for r in new["runs"]]  # type: ignore[index]
    # all 1B runs, then all 3B runs: the table does not interleave the models
    assert models == sorted(models, key=lambda m: models.index(m))
    assert len(new["runs"]) == len(data_of(grown)["runs"]) + 4  # type: ignore[index]
    assert main(["check", "--no-layout", "--ignore", "PL504,PL701", "plan.yaml"]) == 0


def test_fix_runs_evaluates_an_added_control_with_epochs_null(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    text = design("pattern_b_prompts")
    text = edit(
        text,
        (
            "  - name: Llama-3.2-1B-Instruct_base\n    type: control\n    model: Llama-3.2-1B-Instruct\n    parameters: {}\n",
            "",
        ),
        ("    - run: Llama-3.2-1B-Instruct_base\n      tasks: [capitalization]\n      epochs: null\n", ""),
    )
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    assert main(["fix", "--runs", "plan.yaml"]) == 0
    new = data_of((tmp_path / "plan.yaml").read_text(encoding="utf-8"))
    assert {"run": "Llama-3.2-1B-Instruct_base", "tasks": ["capitalization"], "epochs": None} in new[
        "evaluation"
    ]["matrix"]  # type: ignore[index]
    assert main(["check", "--no-layout", "--ignore", "PL504,PL701", "plan.yaml"]) == 0
