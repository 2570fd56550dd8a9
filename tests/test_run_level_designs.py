"""Run-level data and conditions, as cruijff_kit's designs write them (review 5 F3, F4, F8, F2).

A variable may be named like a run key (`training_condition: [dict_full, narr_full]`): a run's
run-level `training_condition` is then its value of the variable. A run's training file may sit at
run level or in `parameters` (`dataset_path`, both read by scaffold-torchtune). A control may set a
variable that is a condition key (one base-model control per system prompt). An eval task's
`eval_condition` is a use of a declared condition, and is checked against them.
"""

from __future__ import annotations

from pathlib import Path

from conftest import DESIGN_QUIET as QUIET
from conftest import data_of, design, edit, not_info, only, rules_of

from planlint.cli import main

# -- F3: a sweep over training_condition -----------------------------------------------------------

NARR_RUN = """  - name: 1B_narr_full
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    training_condition: narr_full
    parameters: {}
"""
NARR_MATRIX = """    - run: 1B_narr_full
      vis_label: narr
      tasks: [acs_dict_full, acs_dict_synonym]
      epochs: [0]
"""


def test_a_condition_sweep_set_at_run_level_is_covered(lint) -> None:  # type: ignore[no-untyped-def]
    assert not_info(lint(design("condition_sweep"), QUIET)) == []


def test_a_missing_condition_of_the_sweep_is_one_run_at_run_level(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(design("condition_sweep"), (NARR_RUN, ""), (NARR_MATRIX, ""))
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL213", "PL224"]  # and narr_full is trained by no run
    assert "missing 1 of 2" in found[0].message and "training_condition=narr_full" in found[0].message
    hint = found[0].hint or ""
    assert "    training_condition: narr_full\n" in hint and "parameters: {}" in hint
    assert "parameters: {training_condition" not in hint


def test_fix_runs_adds_the_missing_condition_once_and_nothing_twice(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    before = edit(design("condition_sweep"), (NARR_RUN, ""), (NARR_MATRIX, ""))
    (tmp_path / "plan.yaml").write_text(before, encoding="utf-8")
    assert main(["fix", "--runs", "plan.yaml"]) == 0
    after = (tmp_path / "plan.yaml").read_text(encoding="utf-8")
    old, new = data_of(before), data_of(after)
    added = [r for r in new["runs"] if r not in old["runs"]]  # type: ignore[index]
    assert added == [
        {
            "name": "Llama-3.2-1B-Instruct_narr_full",
            "type": "fine-tuned",
            "model": "Llama-3.2-1B-Instruct",
            "training_condition": "narr_full",
            "parameters": {},
        }
    ]
    assert main(["check", "--no-layout", "--ignore", "PL504,PL701", "plan.yaml"]) == 0
    # a covered sweep: nothing more to add
    assert main(["fix", "--runs", "plan.yaml"]) == 0
    assert (tmp_path / "plan.yaml").read_text(encoding="utf-8") == after


def test_a_run_level_value_outside_the_variable_is_pl211_at_the_run_key(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("condition_sweep"),
        (
            "    training_condition: narr_full\n    parameters: {}\n",
            "    training_condition: dict_synonym\n    parameters: {}\n",
        ),
    )
    found = not_info(lint(text, QUIET))
    pl211 = only(found, "PL211")
    assert len(pl211) == 1 and "training_condition dict_synonym of run '1B_narr_full'" in pl211[0].message
    assert pl211[0].line == text.splitlines().index("    training_condition: dict_synonym") + 1
    assert "PL208" not in rules_of(found)


def test_a_run_without_its_condition_sets_none_of_the_variables(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(design("condition_sweep"), ("    training_condition: narr_full\n", ""))
    found = only(lint(text, QUIET), "PL208")
    assert len(found) == 1 and "'1B_narr_full'" in found[0].message
    assert "training_condition goes beside parameters" in (found[0].hint or "")


# -- F2: eval_condition is a use of a declared condition, and is checked -----------------------------


def test_a_condition_only_evaluated_on_is_used(lint) -> None:  # type: ignore[no-untyped-def]
    found = lint(design("condition_sweep"), QUIET)
    assert only(found, "PL224") == []


def test_a_condition_neither_trained_nor_evaluated_is_still_a_warning(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("condition_sweep"),
        ("      eval_condition: dict_synonym\n", "      eval_condition: dict_full\n"),
    )
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL224"] and "'dict_synonym'" in found[0].message
    assert "eval_condition: dict_synonym" in (found[0].hint or "")


def test_an_undeclared_eval_condition_is_pl225_with_did_you_mean(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("condition_sweep"),
        ("      eval_condition: dict_synonym\n", "      eval_condition: dict_synonm\n"),
    )
    found = not_info(lint(text, QUIET))
    pl225 = only(found, "PL225")
    assert len(pl225) == 1
    assert "eval task 'acs_dict_synonym' evaluates on condition 'dict_synonm'" in pl225[0].message
    assert pl225[0].hint == "did you mean 'dict_synonym'?"
    assert pl225[0].line == text.splitlines().index("      eval_condition: dict_synonm") + 1


# -- F4: parameters.dataset_path is the run's training file, like run-level dataset_path -------------


def test_a_training_file_in_parameters_is_accepted(lint) -> None:  # type: ignore[no-untyped-def]
    assert not_info(lint(design("own_dataset_paths"), QUIET)) == []


def test_one_file_at_run_level_and_in_parameters_is_one_condition(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("own_dataset_paths"),
        (
            "      dataset_path: /scratch/gpfs/me/ck-data/capitalization/words2.json\n",
            "      dataset_path: /scratch/gpfs/me/ck-data/capitalization/words.json\n",
        ),
    )
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL214"] and "'1B_words2'" in found[0].message
    assert "same condition (dataset_path)" in found[0].message


def test_a_misspelt_training_file_key_suggests_dataset_path(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("own_dataset_paths"),
        (
            "      dataset_path: /scratch/gpfs/me/ck-data/capitalization/words2.json\n",
            "      datset_path: /scratch/gpfs/me/ck-data/capitalization/words2.json\n",
        ),
    )
    found = only(lint(text, QUIET), "PL209")
    assert len(found) == 1 and found[0].hint == "did you mean 'dataset_path'?"


# -- F8: one base-model control per system prompt ------------------------------------------------------


def test_a_control_per_swept_system_prompt_is_the_like_for_like_baseline(lint) -> None:  # type: ignore[no-untyped-def]
    assert not_info(lint(design("system_prompt_sweep"), QUIET)) == []


def test_two_controls_under_one_system_prompt_are_duplicates(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("system_prompt_sweep"),
        (
            '  - name: 1B_base_editor\n    type: control\n    model: Llama-3.2-1B-Instruct\n    parameters:\n      system_prompt: "You are a meticulous copy editor."\n',
            '  - name: 1B_base_editor\n    type: control\n    model: Llama-3.2-1B-Instruct\n    parameters:\n      system_prompt: ""\n',
        ),
    )
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL214"] and "'1B_base_editor'" in found[0].message


def test_a_control_setting_a_trained_variable_gets_a_hint_that_is_a_way_out(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("system_prompt_sweep"),
        (
            '  system_prompt: ["", "You are a meticulous copy editor."]\n',
            '  system_prompt: ["", "You are a meticulous copy editor."]\n  lora_rank: [8]\n',
        ),
        ("  lora_rank: 8\n", ""),
        (
            '    parameters:\n      system_prompt: ""\n  - name: 1B_editor',
            '    parameters:\n      system_prompt: ""\n      lora_rank: 8\n  - name: 1B_editor',
        ),
        (
            '      system_prompt: "You are a meticulous copy editor."\n  - name: 1B_base_nosys',
            '      system_prompt: "You are a meticulous copy editor."\n      lora_rank: 8\n  - name: 1B_base_nosys',
        ),
        (
            '    parameters:\n      system_prompt: ""\n  - name: 1B_base_editor',
            '    parameters:\n      system_prompt: ""\n      lora_rank: 8\n  - name: 1B_base_editor',
        ),
    )
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL206"] and "'1B_base_nosys' sets variable 'lora_rank'" in found[0].message
    hint = found[0].hint or ""
    assert (
        hint.startswith("remove lora_rank: a control trains nothing") and "remove system_prompt" not in hint
    )


# -- F13: a run's own dataset_path is its training data for the step checks and the estimate -------

LOG = Path(__file__).resolve().parent / "logs" / "cruijff_kit" / "slurm_training_output.txt"


def own_files_plan(tmp_path: Path, big: int, small: int) -> str:
    """own_dataset_paths with each run's file in tmp_path/data: `big` and `small` train records."""
    import json

    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    record = {"input": "paris", "output": "Paris"}
    (data / "words.json").write_text(
        json.dumps({"train": [record] * 800, "validation": [record] * 100, "test": [record] * 100})
    )
    (data / "words_50k.json").write_text(json.dumps({"train": [record] * big, "validation": [record] * 10}))
    (data / "tiny.json").write_text("\n".join(json.dumps(record) for _ in range(small)) + "\n")
    return edit(
        design("own_dataset_paths"),
        ('    path: "/scratch/gpfs/me/ck-data/capitalization/words.json"\n', "    path: data/words.json\n"),
        (
            "    dataset_path: /scratch/gpfs/me/ck-data/capitalization/words.json\n",
            "    dataset_path: data/words_50k.json\n",
        ),
        (
            "      dataset_path: /scratch/gpfs/me/ck-data/capitalization/words2.json\n",
            "      dataset_path: data/tiny.json\n",
        ),
    )


def test_a_run_on_a_tiny_file_of_its_own_is_short_of_warmup(lint, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = own_files_plan(tmp_path, big=40000, small=8)
    found = only(lint(text, QUIET), "PL302")
    assert len(found) == 1, found
    assert found[0].message.startswith(
        "run '1B_words2' trains 4 optimizer steps (8 records of data/tiny.json / (batch 4"
    )
    assert found[0].line == text.splitlines().index("      dataset_path: data/tiny.json") + 1


def test_the_plans_splits_no_longer_stand_for_a_run_with_its_own_file(lint, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # data.training says 800 (200 steps per epoch, enough); the run's own file has 40 train records
    text = own_files_plan(tmp_path, big=40, small=40000)
    found = only(lint(text, QUIET), "PL302")
    assert len(found) == 1 and "run '1B_words' trains 20 optimizer steps" in found[0].message
    assert "40 'train' records of data/words_50k.json" in found[0].message


def test_estimate_counts_the_steps_of_each_runs_own_file(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.yaml").write_text(own_files_plan(tmp_path, big=40000, small=8), encoding="utf-8")
    assert main(["estimate", "plan.yaml", "--logs", str(LOG)]) == 0
    out = capsys.readouterr().out
    assert "10000 steps/epoch x 2 epochs" in out and "2 steps/epoch x 2 epochs" in out
    assert "200 steps/epoch" not in out  # data.training's 800 describes neither run


def test_estimate_says_a_generated_conditions_count_is_unknown(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.yaml").write_text(design("condition_sweep"), encoding="utf-8")
    assert main(["estimate", "plan.yaml", "--logs", str(LOG)]) == 0
    out = capsys.readouterr().out
    assert "1B_dict_full: no estimate" in out
    assert "trains on condition 'dict_full', whose file is generated (data.data_generation)" in out
    assert "unknown until generation" in out


# -- F12: the summary's Data bullet says what each run trains on -----------------------------------

SUMMARY_DOC = "# Plan\n\n<!-- planlint:begin summary -->\n<!-- planlint:end summary -->\n"


def summary_of(tmp_path: Path, plan_text: str) -> list[str]:
    (tmp_path / "plan.yaml").write_text(plan_text, encoding="utf-8")
    (tmp_path / "PLAN.md").write_text(SUMMARY_DOC, encoding="utf-8")
    assert main(["fix", "PLAN.md"]) == 0
    return (tmp_path / "PLAN.md").read_text(encoding="utf-8").splitlines()


def test_the_summary_names_the_condition_each_run_trains_on(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    lines = summary_of(tmp_path, design("condition_sweep"))
    at = next(i for i, line in enumerate(lines) if line.startswith("- **Data**"))
    assert lines[at] == (
        "- **Data**: by default `/scratch/gpfs/me/ck-data/acs/words.json` (chat_completion):"
        " 800 train / 100 validation / 100 test samples; no run trains on it"
    )
    assert lines[at + 1 : at + 3] == [
        "  - run `1B_dict_full`: condition `dict_full` (generated by `tabular_to_text_gen`)",
        "  - run `1B_narr_full`: condition `narr_full` (generated by `tabular_to_text_gen`)",
    ]


def test_the_summary_names_each_runs_own_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    lines = summary_of(tmp_path, design("own_dataset_paths"))
    at = next(i for i, line in enumerate(lines) if line.startswith("- **Data**"))
    assert lines[at].endswith("; no run trains on it")
    assert lines[at + 1 : at + 3] == [
        "  - run `1B_words`: its own file `/scratch/gpfs/me/ck-data/capitalization/words.json`",
        "  - run `1B_words2`: its own file `/scratch/gpfs/me/ck-data/capitalization/words2.json`",
    ]
    assert "- **Variables**: nothing is swept (the runs differ by their training data)" in lines
    assert main(["check", "--no-layout", "--ignore", "PL504,PL701", "PLAN.md"]) == 0


# -- the All Runs table shows a run-level variable and a control's swept system prompt -------------

TABLE_DOC = "# Plan\n\n<!-- planlint:begin all-runs -->\n<!-- planlint:end all-runs -->\n"


def table_of(tmp_path: Path, plan_text: str) -> list[str]:
    (tmp_path / "plan.yaml").write_text(plan_text, encoding="utf-8")
    (tmp_path / "PLAN.md").write_text(TABLE_DOC, encoding="utf-8")
    assert main(["fix", "PLAN.md"]) == 0
    return [
        line
        for line in (tmp_path / "PLAN.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| ")
    ]


def test_the_table_shows_each_runs_training_condition(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    rows = table_of(tmp_path, design("condition_sweep"))
    assert rows[0].startswith("| Run Name | Model | Training Condition |")
    assert rows[1].startswith("| 1B_dict_full | Llama-3.2-1B-Instruct | dict_full |")
    assert rows[2].startswith("| 1B_narr_full | Llama-3.2-1B-Instruct | narr_full |")


def test_the_table_shows_the_system_prompt_of_each_control(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    rows = table_of(tmp_path, design("system_prompt_sweep"))
    assert rows[0].startswith("| Run Name | Model | System Prompt |")
    assert rows[4].startswith(
        "| 1B_base_editor | Llama-3.2-1B-Instruct | You are a meticulous copy editor. |"
    )
    assert main(["check", "--no-layout", "--ignore", "PL504,PL701", "PLAN.md"]) == 0


# -- a sweep over dataset_path: the run's file, at run level or in parameters ------------------------

WORDS2_RUN = """  - name: 1B_words2
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters:
      dataset_path: /scratch/gpfs/me/ck-data/capitalization/words2.json
"""
WORDS2_MATRIX = """    - run: 1B_words2
      vis_label: words2
      tasks: [capitalization_ood]
      epochs: [1]
"""


def dataset_sweep() -> str:
    return edit(
        design("own_dataset_paths"),
        (
            "\ncontrols:\n",
            "\nvariables:\n  dataset_path:\n    - /scratch/gpfs/me/ck-data/capitalization/words.json\n"
            "    - /scratch/gpfs/me/ck-data/capitalization/words2.json\n\ncontrols:\n",
        ),
    )


def test_a_dataset_sweep_is_covered_by_run_level_and_parameter_paths(lint) -> None:  # type: ignore[no-untyped-def]
    assert not_info(lint(dataset_sweep(), QUIET)) == []


def test_fix_runs_adds_a_missing_file_of_a_dataset_sweep_at_run_level(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    before = edit(dataset_sweep(), (WORDS2_RUN, ""), (WORDS2_MATRIX, ""))
    (tmp_path / "plan.yaml").write_text(before, encoding="utf-8")
    assert main(["fix", "--runs", "plan.yaml"]) == 0
    new = data_of((tmp_path / "plan.yaml").read_text(encoding="utf-8"))
    added = [r for r in new["runs"] if r not in data_of(before)["runs"]]  # type: ignore[index]
    assert added == [
        {
            "name": "Llama-3.2-1B-Instruct_words2",
            "type": "fine-tuned",
            "model": "Llama-3.2-1B-Instruct",
            "dataset_path": "/scratch/gpfs/me/ck-data/capitalization/words2.json",
            "parameters": {},
        }
    ]
    assert main(["check", "--no-layout", "--ignore", "PL504,PL701", "plan.yaml"]) == 0


# -- a run key where scaffold does not read it, or set twice -----------------------------------------


def test_a_training_condition_in_parameters_is_not_where_scaffold_reads_it(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("condition_sweep"),
        (
            "    training_condition: narr_full\n    parameters: {}\n",
            "    parameters: {training_condition: narr_full}\n",
        ),
    )
    found = not_info(lint(text, QUIET))
    pl209 = only(found, "PL209")
    assert len(pl209) == 1 and "run '1B_narr_full' sets training_condition in parameters" in pl209[0].message
    assert pl209[0].hint == "move it beside parameters, as a run key: training_condition: narr_full"
    # scaffold trains it on data.training: it sets none of the variables, and narr_full is untrained
    assert "PL208" in rules_of(found) and "PL213" in rules_of(found)


def test_a_training_file_set_twice_to_two_files_is_an_error(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        design("own_dataset_paths"),
        (
            "    parameters:\n      dataset_path: /scratch/gpfs/me/ck-data/capitalization/words2.json\n",
            "    dataset_path: /scratch/gpfs/me/ck-data/capitalization/words3.json\n"
            "    parameters:\n      dataset_path: /scratch/gpfs/me/ck-data/capitalization/words2.json\n",
        ),
    )
    found = not_info(lint(text, QUIET))
    assert rules_of(found) == ["PL209"]
    assert "run '1B_words2' sets dataset_path twice" in found[0].message
    assert "words3.json beside parameters" in found[0].message and "words2.json in them" in found[0].message


def test_a_swept_path_without_a_folder_is_named_by_its_stem_too(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`dataset_path: [words.json, words2.json]` (files beside the plan) names a run `_words2`
    as `/data/words2.json` does: the stem of a path key, whether or not it holds a `/`."""
    monkeypatch.chdir(tmp_path)
    here = dataset_sweep().replace("/scratch/gpfs/me/ck-data/capitalization/", "")
    before = edit(
        here, (WORDS2_RUN.replace("/scratch/gpfs/me/ck-data/capitalization/", ""), ""), (WORDS2_MATRIX, "")
    )
    (tmp_path / "plan.yaml").write_text(before, encoding="utf-8")
    assert main(["fix", "--runs", "plan.yaml"]) == 0
    new = data_of((tmp_path / "plan.yaml").read_text(encoding="utf-8"))
    assert [r["name"] for r in new["runs"] if r not in data_of(before)["runs"]] == [
        "Llama-3.2-1B-Instruct_words2"
    ]  # type: ignore[index]
