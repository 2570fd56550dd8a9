"""PL6xx: layout rules against real experiment folders built in tmp_path — run folders, configs, models, data.

The run folders follow cruijff_kit's layout: `{experiment.dir}/{run}/setup_finetune.yaml`, `finetune.yaml`,
`finetune.slurm`, `artifacts/epoch_N/` and `artifacts/slurm-<job>.out`. The setup_finetune.yaml text is
cruijff_kit's scaffold fixture (niznik-dev/cruijff_kit, MIT License, Copyright (c) 2025 Mattie Niznik,
tests/fixtures/scaffold/torchtune/rank4/setup_finetune.yaml), with its placeholders filled in.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import TWO_MODEL, edit, only

from planlint.config import Config
from planlint.engine import Options, run
from planlint.finding import Finding
from planlint.rules import layout

SCRATCH_EXP = "/scratch/gpfs/me/ck-projects/capitalization/cap_lora_rank_lr_sweep"
SCRATCH_MODELS = "/scratch/gpfs/me/pretrained-llms"
SCRATCH_DATA = "/scratch/gpfs/me/ck-data/capitalization/words_5L_80P_1000.json"

#: cruijff_kit's fixture, as scaffold-experiment writes it for one run (placeholders filled in).
SETUP_FINETUNE = """# Reference setup_finetune.yaml for rank4 run
# Path placeholders: __SCRATCH__, __REPO__ (replaced at test time)

torchtune_model_name: "{model}"
project_dir: "{exp}"
input_dir_base: "{data_dir}/"
models_dir: "{models}"
experiment_name: "cap_lora_rank_lr_sweep"
dataset_label: "words_5L_80P_1000"
dataset_ext: ".json"
my_wandb_project: "capitalization"
my_wandb_run_name: "{run}"
batch_size: 4
epochs: 2
lora_rank: {rank}
lr: {lr}
time: "0:15:00"
gpus: 1
conda_env: "cruijff"
system_prompt: ""
prompt: "Capitalize the given word: {{input}}\\n"
run_val_every_n_steps: 10
"""

#: What setup_finetune.py renders from cruijff_kit's finetune_template.yaml (PyYAML dump: 1.0e-05).
FINETUNE = """my_wandb_project: capitalization
my_wandb_run_name: {run}
input_formatting: ''
dataset_label: words_5L_80P_1000
output_dir: {exp}/{run}/artifacts/
input_dir: {data_dir}/
models_dir: {models}
batch_size: 4
model:
  _component_: torchtune.models.llama3_2.lora_llama3_2_{size}
  lora_attn_modules:
  - q_proj
  - v_proj
  - output_proj
  apply_lora_to_mlp: true
  lora_rank: {rank}
  lora_alpha: {alpha}
  lora_dropout: 0.0
tokenizer:
  _component_: torchtune.models.llama3.llama3_tokenizer
  path: ${{models_dir}}/{model}/original/tokenizer.model
  max_seq_len: 512
checkpointer:
  _component_: torchtune.training.FullModelHFCheckpointer
  checkpoint_dir: ${{models_dir}}/{model}/
  checkpoint_files:
  - model.safetensors
  recipe_checkpoint: null
  output_dir: ${{output_dir}}
  model_type: LLAMA3_2
resume_from_checkpoint: false
save_adapter_weights_only: true
optimizer:
  _component_: torch.optim.AdamW
  fused: true
  weight_decay: 0.01
  lr: {lr_dump}
lr_scheduler:
  _component_: torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup
  num_warmup_steps: 20
loss:
  _component_: torchtune.modules.loss.CEWithChunkedOutputLoss
epochs: 2
max_steps_per_epoch: null
gradient_accumulation_steps: 1
compile: false
seed: 14
shuffle: true
"""

#: The end of a successful torchtune run (torchtune 0.6.1 stdout, as in slurm-<job>.out).
LOG_OK = (
    "Running LoRAFinetuneRecipeSingleDevice with resolved config:\n\nbatch_size: 4\n"
    "2|400|Loss: 0.0412: 100%|██████████| 200/200 [01:51<00:00,  1.80it/s]Step 400 | loss:0.0412 lr:0.0 tokens_per_second_per_gpu:2031.5\n"
    "Starting checkpoint save...\n"
    "Model checkpoint of size 2.30 GiB saved to {out}epoch_1/model-00001-of-00001.safetensors\n"
    "Adapter checkpoint of size 0.01 GiB saved to {out}epoch_1/adapter_model.safetensors\n"
    "Saving final epoch checkpoint.\n"
    "The full model checkpoint, including all weights and configurations, has been saved successfully.You can now use this checkpoint for further training or inference.\n"
    "Checkpoint saved in 33.06 seconds.\n"
    "2|400|Loss: 0.0412: 100%|██████████| 200/200 [02:28<00:00,  1.35it/s]\n"
)


@dataclass
class Experiment:
    """A plan and its experiment folder, models and data on this machine."""

    root: Path
    plan: Path
    text: str
    exp: Path
    models: Path
    data: Path

    def run_dir(self, name: str) -> Path:
        return self.exp / name

    def lint(self, config: Config | None = None, layout: bool = True) -> list[Finding]:
        self.plan.write_text(self.text, encoding="utf-8")
        return run([str(self.plan)], config or Config(), Options(layout=layout)).findings

    def line(self, needle: str) -> int:
        return self.text.splitlines().index(needle) + 1


FINE_TUNED = [
    ("Llama-3.2-1B_rank4_lr1e-5", "Llama-3.2-1B-Instruct", 4, "1e-5"),
    ("Llama-3.2-1B_rank4_lr5e-5", "Llama-3.2-1B-Instruct", 4, "5e-5"),
    ("Llama-3.2-1B_rank8_lr1e-5", "Llama-3.2-1B-Instruct", 8, "1e-5"),
    ("Llama-3.2-1B_rank8_lr5e-5", "Llama-3.2-1B-Instruct", 8, "5e-5"),
    ("Llama-3.2-3B_rank4_lr1e-5", "Llama-3.2-3B-Instruct", 4, "1e-5"),
    ("Llama-3.2-3B_rank4_lr5e-5", "Llama-3.2-3B-Instruct", 4, "5e-5"),
    ("Llama-3.2-3B_rank8_lr1e-5", "Llama-3.2-3B-Instruct", 8, "1e-5"),
    ("Llama-3.2-3B_rank8_lr5e-5", "Llama-3.2-3B-Instruct", 8, "5e-5"),
]


def scaffold_run(
    e: Experiment, name: str, model: str, rank: int, lr: str, epochs: tuple[int, ...] = (), job: int = 5120931
) -> Path:
    """One run folder as cruijff_kit scaffolds and trains it."""
    d = e.run_dir(name)
    (d / "artifacts").mkdir(parents=True, exist_ok=True)
    fill = {
        "model": model,
        "exp": e.exp,
        "data_dir": e.data.parent,
        "models": e.models,
        "run": name,
        "rank": rank,
        "lr": lr,
    }
    (d / "setup_finetune.yaml").write_text(SETUP_FINETUNE.format(**fill), encoding="utf-8")
    size = "1b" if "1B" in model else "3b"
    lr_dump = {"1e-5": "1.0e-05", "5e-5": "5.0e-05"}[lr]
    (d / "finetune.yaml").write_text(
        FINETUNE.format(**fill, size=size, alpha=2 * rank, lr_dump=lr_dump), encoding="utf-8"
    )
    (d / "finetune.slurm").write_text(
        f"#!/bin/bash\n#SBATCH --job-name={name}\n#SBATCH --output={d}/artifacts/slurm-%j.out\n\ntune run lora_finetune_single_device --config finetune.yaml\n",
        encoding="utf-8",
    )
    for n in epochs:
        ep = d / "artifacts" / f"epoch_{n}"
        ep.mkdir()
        (ep / "adapter_config.json").write_text(
            json.dumps({"r": rank, "lora_alpha": 2 * rank}) + "\n", encoding="utf-8"
        )
    if epochs:
        (d / "artifacts" / f"slurm-{job}.out").write_text(
            LOG_OK.format(out=f"{d}/artifacts/"), encoding="utf-8"
        )
    return d


def dataset(train: int, validation: int, test: int) -> dict[str, list[dict[str, str]]]:
    words = [f"w{i:05d}" for i in range(train + validation + test)]
    recs = [{"input": w, "output": w.capitalize()} for w in words]
    return {
        "train": recs[:train],
        "validation": recs[train : train + validation],
        "test": recs[train + validation :],
    }


def build_experiment(tmp_path: Path, trained: bool = True) -> Experiment:
    """The two-model example plan, with its scratch paths moved to a real folder tree in tmp_path."""
    scratch = tmp_path / "scratch" / "gpfs" / "me"
    exp = scratch / "ck-projects" / "capitalization" / "cap_lora_rank_lr_sweep"
    models = scratch / "pretrained-llms"
    data = scratch / "ck-data" / "capitalization" / "words_5L_80P_1000.json"
    for m in ("Llama-3.2-1B-Instruct", "Llama-3.2-3B-Instruct"):
        (models / m / "original").mkdir(parents=True)
        (models / m / "config.json").write_text(
            json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}), encoding="utf-8"
        )
        (models / m / "model.safetensors").write_bytes(b"\0" * 16)
    data.parent.mkdir(parents=True)
    data.write_text(json.dumps(dataset(800, 100, 100), indent=1), encoding="utf-8")
    exp.mkdir(parents=True)
    repo = tmp_path / "repo" / "experiments" / "cap_lora_rank_lr_sweep"
    repo.mkdir(parents=True)
    text = (
        TWO_MODEL.replace(SCRATCH_EXP, str(exp))
        .replace(SCRATCH_MODELS, str(models))
        .replace(SCRATCH_DATA, str(data))
    )
    e = Experiment(tmp_path, repo / "plan.yaml", text, exp, models, data)
    for i, (name, model, rank, lr) in enumerate(FINE_TUNED):
        scaffold_run(e, name, model, rank, lr, epochs=(0, 1) if trained else (), job=5120931 + i)
    for control in ("Llama-3.2-1B_base", "Llama-3.2-3B_base"):
        (exp / control / "eval" / "capitalization_epoch0").mkdir(parents=True)
        (exp / control / "eval" / "capitalization_epoch0" / "eval.yaml").write_text(
            f'task_name: "capitalization"\nvis_label: "{control}"\nis_finetuned: false\n', encoding="utf-8"
        )
    (exp / "logs").mkdir()  # a folder that is no run folder: ignored
    (exp / ".ipynb_checkpoints" / "artifacts").mkdir(parents=True)  # hidden: ignored
    (exp / "plan.yaml").write_text(text, encoding="utf-8")
    return e


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
