"""PL6xx: layout rules against real experiment folders built in tmp_path — run folders, configs, models, data.

The experiment tree (cruijff_kit's run-folder layout) is built by tests/experiment_tree.py.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import TWO_MODEL, edit, only
from experiment_tree import FINE_TUNED, SCRATCH_EXP, Experiment, build_experiment, dataset

from planlint.config import Config
from planlint.engine import Options, run
from planlint.finding import Finding
from planlint.rules import layout


@pytest.fixture
def experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Experiment:
    monkeypatch.chdir(tmp_path)
    return build_experiment(tmp_path)


def pl6(found: list[Finding]) -> list[str]:
    return [f.rule for f in found if f.rule.startswith("PL6")]


def test_a_complete_experiment_is_clean(experiment: Experiment) -> None:
    found = experiment.lint()
    assert pl6(found) == [], [(f.rule, f.message) for f in found]
    assert [f for f in found if f.severity.value != "info"] == []


def test_missing_run_folder_points_at_the_run(experiment: Experiment) -> None:
    shutil.rmtree(experiment.run_dir("Llama-3.2-3B_rank8_lr1e-5"))
    found = only(experiment.lint(), "PL601")
    assert len(found) == 1 and found[0].severity.value == "warning"
    assert found[0].line == experiment.line("  - name: Llama-3.2-3B_rank8_lr1e-5")
    assert (
        found[0].message
        == f"fine-tuned run 'Llama-3.2-3B_rank8_lr1e-5' has no folder {experiment.exp}/Llama-3.2-3B_rank8_lr1e-5/"
    )


def test_renamed_run_folder_is_missing_and_orphaned_with_a_rename_hint(experiment: Experiment) -> None:
    d = experiment.run_dir("Llama-3.2-1B_rank8_lr5e-5")
    shutil.rmtree(d / "artifacts")
    d.rename(experiment.exp / "Llama-3.2-1B_r8_lr5e-5")
    found = experiment.lint()
    assert sorted(pl6(found)) == ["PL601", "PL603"]
    missing = only(found, "PL601")[0]
    assert (
        missing.hint
        == "is folder 'Llama-3.2-1B_r8_lr5e-5/' this run? rename it to 'Llama-3.2-1B_rank8_lr5e-5/'"
    )
    orphan = only(found, "PL603")[0]
    assert orphan.line == experiment.line(f"  dir: {experiment.exp}")
    assert orphan.hint == "rename it to 'Llama-3.2-1B_rank8_lr5e-5/' if it is that run"


def test_a_fresh_experiment_folder_is_one_info(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    e = build_experiment(tmp_path)
    for name, *_ in FINE_TUNED:
        shutil.rmtree(e.run_dir(name))
    found = e.lint()
    assert pl6(found) == ["PL602"]
    assert "holds none of the 8 fine-tuned run folders" in only(found, "PL602")[0].message


def test_cruijff_fixture_layout_is_an_orphan_folder(experiment: Experiment) -> None:
    # cruijff_kit's scaffold fixture stores a run under rank4/, not under its run name.
    legacy = experiment.exp / "rank4"
    legacy.mkdir()
    shutil.copy(
        experiment.run_dir("Llama-3.2-1B_rank4_lr1e-5") / "setup_finetune.yaml",
        legacy / "setup_finetune.yaml",
    )
    found = only(experiment.lint(), "PL603")
    assert (
        len(found) == 1
        and found[0].message == "folder rank4/ holds run configs but belongs to no run of the plan"
    )


def test_artifacts_under_a_random_name(experiment: Experiment) -> None:
    stray = experiment.exp / "brave_falcon" / "artifacts" / "epoch_0"
    stray.mkdir(parents=True)
    (stray / "adapter_model.safetensors").write_bytes(b"\0" * 8)
    found = experiment.lint()
    assert pl6(found) == ["PL604"]
    f = only(found, "PL604")[0]
    assert f.message.startswith(
        "brave_falcon/artifacts/ lies under a folder that is no run of the plan (the random name"
    )
    assert "my_wandb_run_name" in (f.hint or "")


def test_setup_finetune_without_wandb_run_name(experiment: Experiment) -> None:
    setup = experiment.run_dir("Llama-3.2-1B_rank4_lr5e-5") / "setup_finetune.yaml"
    setup.write_text(
        setup.read_text(encoding="utf-8").replace('my_wandb_run_name: "Llama-3.2-1B_rank4_lr5e-5"\n', ""),
        encoding="utf-8",
    )
    found = only(experiment.lint(), "PL605")
    assert len(found) == 1 and found[0].severity.value == "error"
    assert found[0].line == experiment.line("  - name: Llama-3.2-1B_rank4_lr5e-5")
    assert "has no my_wandb_run_name" in found[0].message
    assert (
        found[0].hint
        == 'add my_wandb_run_name: "Llama-3.2-1B_rank4_lr5e-5" to Llama-3.2-1B_rank4_lr5e-5/setup_finetune.yaml'
    )


def test_wandb_run_name_that_differs(experiment: Experiment) -> None:
    setup = experiment.run_dir("Llama-3.2-3B_rank4_lr1e-5") / "setup_finetune.yaml"
    setup.write_text(
        setup.read_text(encoding="utf-8").replace(
            'my_wandb_run_name: "Llama-3.2-3B_rank4_lr1e-5"', 'my_wandb_run_name: "Llama-3.2-3B_r4_lr1e-5"'
        ),
        encoding="utf-8",
    )
    found = only(experiment.lint(), "PL605")
    assert len(found) == 1
    assert "my_wandb_run_name is 'Llama-3.2-3B_r4_lr1e-5'" in found[0].message


def test_oom_retry_that_halved_the_batch_is_drift(experiment: Experiment) -> None:
    ft = experiment.run_dir("Llama-3.2-3B_rank8_lr5e-5") / "finetune.yaml"
    ft.write_text(
        ft.read_text(encoding="utf-8").replace("batch_size: 4\n", "batch_size: 2\n", 1), encoding="utf-8"
    )
    found = only(experiment.lint(), "PL606")
    assert len(found) == 1 and found[0].severity.value == "warning"
    assert found[0].line == experiment.line("  - name: Llama-3.2-3B_rank8_lr5e-5")
    assert (
        found[0].message
        == "run 'Llama-3.2-3B_rank8_lr5e-5': finetune.yaml has batch_size 2, the plan says 4 (an OOM retry or a hand edit?)"
    )


def test_drift_of_a_swept_value_points_at_the_run_parameters(experiment: Experiment) -> None:
    ft = experiment.run_dir("Llama-3.2-1B_rank8_lr1e-5") / "finetune.yaml"
    ft.write_text(ft.read_text(encoding="utf-8").replace("  lr: 1.0e-05\n", "  lr: 1e-4\n"), encoding="utf-8")
    found = only(experiment.lint(), "PL606")
    assert len(found) == 1
    lines = [
        i + 1
        for i, line in enumerate(experiment.text.splitlines())
        if line == "    parameters: {lora_rank: 8, lr: 1e-5}"
    ]
    assert found[0].line == lines[0]
    assert "finetune.yaml has lr 1e-4, the plan says 1e-5" in found[0].message


def test_numbers_compare_by_value_and_yaml11_strings_count(experiment: Experiment) -> None:
    d = experiment.run_dir("Llama-3.2-1B_rank4_lr1e-5")
    ft = d / "finetune.yaml"
    ft.write_text(
        ft.read_text(encoding="utf-8").replace("  lr: 1.0e-05\n", "  lr: 0.00001\n"), encoding="utf-8"
    )
    assert pl6(experiment.lint()) == []
    # Without finetune.yaml, setup_finetune.yaml decides; `lr: 1e-4` is a string to PyYAML, a number here.
    ft.unlink()
    setup = d / "setup_finetune.yaml"
    setup.write_text(setup.read_text(encoding="utf-8").replace("lr: 1e-5\n", "lr: 1e-4\n"), encoding="utf-8")
    found = only(experiment.lint(), "PL606")
    assert len(found) == 1 and "setup_finetune.yaml has lr 1e-4, the plan says 1e-5" in found[0].message
    setup.write_text(
        setup.read_text(encoding="utf-8").replace("lr: 1e-4\n", 'lr: "0.00001"\n'), encoding="utf-8"
    )
    assert only(experiment.lint(), "PL606") == []


def test_symlinks_out_of_the_experiment_folder_are_not_followed(experiment: Experiment) -> None:
    outside = experiment.root / "elsewhere"
    real = experiment.run_dir("Llama-3.2-1B_rank4_lr1e-5")
    shutil.move(str(real), str(outside))
    os.symlink(outside, real)
    ft = outside / "finetune.yaml"
    ft.write_text(
        ft.read_text(encoding="utf-8").replace("batch_size: 4\n", "batch_size: 2\n", 1), encoding="utf-8"
    )
    other = experiment.root / "other_run"
    (other / "artifacts").mkdir(parents=True)
    os.symlink(other, experiment.exp / "swift_otter")
    assert pl6(experiment.lint()) == []  # present, but neither read nor reported as a stray folder


def test_model_path_missing_with_a_did_you_mean(experiment: Experiment) -> None:
    experiment.text = experiment.text.replace(
        f"{experiment.models}/Llama-3.2-3B-Instruct", f"{experiment.models}/Llama-3.2-3B-instruct"
    )
    found = only(experiment.lint(), "PL607")
    assert len(found) == 1 and found[0].severity.value == "error"
    assert found[0].line == experiment.line(f"      path: {experiment.models}/Llama-3.2-3B-instruct")
    assert found[0].hint == f"did you mean '{experiment.models}/Llama-3.2-3B-Instruct'?"


def test_model_folder_without_config_json(experiment: Experiment) -> None:
    (experiment.models / "Llama-3.2-1B-Instruct" / "config.json").unlink()
    found = only(experiment.lint(), "PL608")
    assert len(found) == 1 and found[0].line == experiment.line(
        f"      path: {experiment.models}/Llama-3.2-1B-Instruct"
    )


def test_data_path_missing(experiment: Experiment) -> None:
    experiment.text = experiment.text.replace(
        str(experiment.data), str(experiment.data).replace("1000", "10000")
    )
    found = only(experiment.lint(), "PL609")
    assert len(found) == 1 and found[0].line == experiment.line(
        f"    path: {str(experiment.data).replace('1000', '10000')}"
    )
    assert found[0].hint == f"did you mean '{experiment.data}'?"


def test_split_counts_per_split(experiment: Experiment) -> None:
    experiment.data.write_text(json.dumps(dataset(790, 100, 100)), encoding="utf-8")
    found = only(experiment.lint(), "PL610")
    assert len(found) == 1 and found[0].line == experiment.line("      train: 800")
    assert found[0].message == f"training data {experiment.data} holds 790 'train' records, the plan says 800"
    assert found[0].hint == "train: 790"


def test_list_and_json_lines_compare_the_total(experiment: Experiment) -> None:
    recs = [r for split in dataset(800, 100, 100).values() for r in split]
    experiment.data.write_text(json.dumps(recs), encoding="utf-8")
    assert pl6(experiment.lint()) == []
    experiment.data.write_text("\n".join(json.dumps(r) for r in recs[:-1]) + "\n", encoding="utf-8")
    found = only(experiment.lint(), "PL610")
    assert (
        len(found) == 1
        and "holds 999 records, the plan's splits sum to 1000 (train 800 + validation 100 + test 100)"
        in found[0].message
    )


def test_unreadable_data(experiment: Experiment) -> None:
    experiment.data.write_text('{"train": [{"input": "apple", "output": "Apple"},\n', encoding="utf-8")
    found = only(experiment.lint(), "PL611")
    assert len(found) == 1 and "is neither JSON nor JSON lines" in found[0].message


def test_relative_data_path_resolves_against_the_plan(experiment: Experiment) -> None:
    local = experiment.plan.parent / "data" / "words_5L_80P_10.json"
    local.parent.mkdir()
    local.write_text(json.dumps(dataset(8, 1, 1)), encoding="utf-8")
    experiment.text = experiment.text.replace(
        f"    path: {experiment.data}", "    path: data/words_5L_80P_10.json"
    )
    found = only(experiment.lint(), "PL610")
    assert [f.message.split(", ")[-1] for f in found] == [
        "the plan says 800",
        "the plan says 100",
        "the plan says 100",
    ]


def test_unreachable_paths_are_one_info(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a CI runner: scratch is not mounted, so the family says so once and never errs."""
    monkeypatch.chdir(tmp_path)
    plan = tmp_path / "plan.yaml"
    plan.write_text(TWO_MODEL, encoding="utf-8")
    found = [f for f in run([str(plan)], Config()).findings if f.rule.startswith("PL6")]
    assert [(f.rule, f.severity.value) for f in found] == [("PL612", "info")]
    assert found[0].line == TWO_MODEL.splitlines().index(f"  dir: {SCRATCH_EXP}") + 1
    assert found[0].message.startswith(
        f"file-system checks skipped: experiment.dir {SCRATCH_EXP} is not on this machine; models.base[0].path"
    )
    assert run([str(plan)], Config(), Options(layout=False)).findings == [
        f for f in run([str(plan)], Config()).findings if not f.rule.startswith("PL6")
    ]


def test_cruijff_placeholders_are_unreachable(experiment: Experiment) -> None:
    experiment.text = edit(
        experiment.text,
        (
            f"  dir: {experiment.exp}\n",
            '  dir: "__SCRATCH__/ck-projects/capitalization/cap_lora_rank_lr_sweep"\n',
        ),
    )
    found = [f for f in experiment.lint() if f.rule.startswith("PL6")]
    assert [f.rule for f in found] == ["PL612"]
    assert (
        found[0].message
        == "file-system checks skipped: experiment.dir __SCRATCH__/ck-projects/capitalization/cap_lora_rank_lr_sweep holds a placeholder"
    )


def test_a_large_data_file_is_not_parsed(experiment: Experiment, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout, "MAX_DATA_BYTES", 256)
    experiment.data.write_text(json.dumps(dataset(10, 1, 1)), encoding="utf-8")  # would mismatch if parsed
    found = [f for f in experiment.lint() if f.rule.startswith("PL6")]
    assert [f.rule for f in found] == ["PL612"]
    assert "(records not counted)" in found[0].message and found[0].line == experiment.line(
        f"    path: {experiment.data}"
    )


def test_no_layout_turns_the_family_off(experiment: Experiment) -> None:
    shutil.rmtree(experiment.run_dir("Llama-3.2-3B_rank8_lr1e-5"))
    assert pl6(experiment.lint(layout=False)) == []
    assert pl6(experiment.lint()) == ["PL601"]


def test_a_path_the_scaffold_uses_as_written_must_exist(experiment: Experiment) -> None:
    """PL615 (review 5, F4): a run's dataset_path, an eval task's absolute dataset or script, are
    used verbatim by cruijff's scaffold, so a typo is an error with the near name; a relative
    script is the blueprint's (resolved in the cruijff_kit checkout): not checked here."""
    data = str(experiment.data)
    typo = data.replace(".json", "_typo.json")
    experiment.text = edit(
        experiment.text,
        (f"      dataset: {data}\n", f"      dataset: {typo}\n"),
        (
            "  - name: Llama-3.2-1B_rank4_lr5e-5\n    type: fine-tuned\n",
            f"  - name: Llama-3.2-1B_rank4_lr5e-5\n    type: fine-tuned\n    dataset_path: {data}s\n",
        ),
    )
    found = only(experiment.lint(), "PL615")
    assert [(f.line, f.message) for f in found] == [
        (
            experiment.line(f"    dataset_path: {data}s"),
            f"runs[1].dataset_path {data}s does not exist (the scaffold uses it as written)",
        ),
        (
            experiment.line(f"      dataset: {typo}"),
            f"evaluation.tasks[0].dataset {typo} does not exist (the scaffold uses it as written)",
        ),
    ]
    assert all(f.hint == f"did you mean '{data}'?" for f in found)
