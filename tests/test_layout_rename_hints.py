"""PL601/PL603 rename hints offer a folder to a run only on evidence: a name and configs that state
no other parameters, results only with configs that say they are the run's, one folder per run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import edit, only
from experiment_tree import Experiment, build_experiment, scaffold_run

SCAFFOLD = "is folder '"
NONE = "scaffold the run, or remove it from the plan"
RUN = (
    "  - name: Llama-3.2-1B_rank8_lr5e-5\n    type: fine-tuned\n    model: Llama-3.2-1B-Instruct\n"
    "    parameters: {lora_rank: 8, lr: 5e-5}\n"
)


@pytest.fixture
def experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Experiment:
    monkeypatch.chdir(tmp_path)
    return build_experiment(tmp_path)


def hints(experiment: Experiment, rule: str) -> dict[str, str | None]:
    """Run name (PL601) or folder (PL603) -> the finding's hint."""
    out: dict[str, str | None] = {}
    for f in only(experiment.lint(), rule):
        key = f.message.split("'")[1] if rule == "PL601" else f.message.split()[1].rstrip("/")
        out[key] = f.hint
    return out


def test_a_folder_holding_results_of_other_parameters_is_never_offered(experiment: Experiment) -> None:
    """The review's case: the run is re-parameterised and renamed in the plan (lr 5e-5 -> 2e-5);
    its old folder holds a trained adapter at lr 5e-5, and its name says so."""
    experiment.text = edit(
        experiment.text,
        (RUN, RUN.replace("lr5e-5", "lr2e-5").replace("lr: 5e-5", "lr: 2e-5")),
    )
    assert hints(experiment, "PL601") == {"Llama-3.2-1B_rank8_lr2e-5": NONE}


def test_a_folder_whose_name_states_another_value_is_not_offered_even_untrained(
    experiment: Experiment,
) -> None:
    shutil.rmtree(experiment.run_dir("Llama-3.2-1B_rank8_lr5e-5") / "artifacts")
    experiment.text = edit(
        experiment.text,
        (RUN, RUN.replace("lr5e-5", "lr2e-5").replace("lr: 5e-5", "lr: 2e-5")),
    )
    assert hints(experiment, "PL601") == {"Llama-3.2-1B_rank8_lr2e-5": NONE}
    # and the folder is not offered to that run from its side either
    assert hints(experiment, "PL603") == {
        "Llama-3.2-1B_rank8_lr5e-5": "remove it, or add its run to the plan"
    }


def test_a_folder_whose_configs_state_another_value_is_not_offered(experiment: Experiment) -> None:
    """The folder's name agrees with the run (lr5e-5), its finetune.yaml says lr 1e-5: not the run."""
    shutil.rmtree(experiment.run_dir("Llama-3.2-1B_rank8_lr5e-5"))
    scaffold_run(experiment, "Llama-3.2-1B_rank8_lr5e-5", "Llama-3.2-1B-Instruct", 8, "1e-5")
    experiment.run_dir("Llama-3.2-1B_rank8_lr5e-5").rename(experiment.exp / "Llama-3.2-1B_rank8_lr5e-5_v2")
    assert hints(experiment, "PL601") == {"Llama-3.2-1B_rank8_lr5e-5": NONE}


def test_one_folder_is_offered_to_one_run_only(experiment: Experiment) -> None:
    """Two runs without a folder and one scaffolded folder `Llama-3.2-1B_rank8` (never trained)
    alike to both: its finetune.yaml says lr 5e-5, so it is offered to that run alone."""
    for name in ("Llama-3.2-1B_rank8_lr1e-5", "Llama-3.2-1B_rank8_lr5e-5"):
        shutil.rmtree(experiment.run_dir(name))
    scaffold_run(experiment, "Llama-3.2-1B_rank8", "Llama-3.2-1B-Instruct", 8, "5e-5")
    (experiment.exp / "Llama-3.2-1B_rank8" / "artifacts").rmdir()
    assert hints(experiment, "PL601") == {
        "Llama-3.2-1B_rank8_lr1e-5": NONE,
        "Llama-3.2-1B_rank8_lr5e-5": "is folder 'Llama-3.2-1B_rank8/' this run? rename it to 'Llama-3.2-1B_rank8_lr5e-5/'",
    }
    assert hints(experiment, "PL603") == {
        "Llama-3.2-1B_rank8": "rename it to 'Llama-3.2-1B_rank8_lr5e-5/' if it is that run"
    }


def test_a_folder_alike_to_two_runs_without_evidence_is_offered_to_neither(experiment: Experiment) -> None:
    for name in ("Llama-3.2-1B_rank8_lr1e-5", "Llama-3.2-1B_rank8_lr5e-5"):
        shutil.rmtree(experiment.run_dir(name))
    folder = experiment.exp / "Llama-3.2-1B_rank8"
    folder.mkdir()
    (folder / "setup_finetune.yaml").write_text("", encoding="utf-8")  # scaffolded, says nothing
    assert hints(experiment, "PL601") == {
        "Llama-3.2-1B_rank8_lr1e-5": NONE,
        "Llama-3.2-1B_rank8_lr5e-5": NONE,
    }
    assert hints(experiment, "PL603") == {"Llama-3.2-1B_rank8": "remove it, or add its run to the plan"}


def test_a_trained_folder_is_offered_when_its_configs_say_it_is_the_run(experiment: Experiment) -> None:
    """The run was renamed in the plan only (same model and parameters): its trained folder,
    whose finetune.yaml states rank 8 and lr 5e-5, is the run under its old name."""
    experiment.text = edit(experiment.text, (RUN, RUN.replace("_rank8_lr5e-5", "_r8_lr5e-5")))
    assert hints(experiment, "PL601") == {
        "Llama-3.2-1B_r8_lr5e-5": "is folder 'Llama-3.2-1B_rank8_lr5e-5/' this run? rename it to 'Llama-3.2-1B_r8_lr5e-5/'"
    }


def test_a_trained_folder_without_configs_is_not_offered(experiment: Experiment) -> None:
    """Results whose parameters nothing states are never relabelled by a name guess."""
    folder = experiment.run_dir("Llama-3.2-1B_rank8_lr5e-5")
    for name in ("setup_finetune.yaml", "finetune.yaml"):
        (folder / name).unlink()
    experiment.text = edit(experiment.text, (RUN, RUN.replace("_rank8_lr5e-5", "_r8_lr5e-5")))
    assert hints(experiment, "PL601") == {"Llama-3.2-1B_r8_lr5e-5": NONE}
