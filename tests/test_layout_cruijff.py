"""Layout, data and status against run trees laid out the way cruijff_kit's scaffold really writes them.

The plan follows cruijff_kit's design fixture (tests/fixtures/design/experiment_summary.yaml) with a
control run added; each run folder holds the setup_finetune.yaml scaffold-torchtune writes
(cruijff_kit tests/fixtures/scaffold/torchtune/rank8/setup_finetune.yaml, with its placeholders
filled) and the finetune.yaml `setup_finetune.py` renders from cruijff_kit's finetune_template.yaml
(dataset section included). Evaluation cells follow scaffold-inspect: `{run}/eval/{task}[_epochN]/`
with inspect-ai logs in `logs/`. Reference data from niznik-dev/cruijff_kit, MIT License,
Copyright (c) 2025 Mattie Niznik.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import edit, only

from planlint.commands.status import build_status, format_status
from planlint.config import Config
from planlint.engine import Options, check_plan, run
from planlint.finding import Finding

EXP_NAME = "workflow_test_2026-03-16"

PLAN = """experiment:
  name: "{name}"
  project: "capitalization"
  question: "Verify that the complete workflow executes correctly for a minimal fine-tuning experiment with two LoRA ranks."
  date: "2026-03-16"
  dir: "{exp}"

tools:
  preparation: "torchtune"
  evaluation: "inspect-ai"

variables:
  lora_rank: [4, 8]

controls:
  system_prompt: "You are a helpful assistant."
  prompt: "Capitalize the given word: {{input}}\\n"
  dataset_type: "chat_completion"
  epochs: 1
  batch_size: 4
  gradient_accumulation_steps: 1
  lr: 1e-4
  num_warmup_steps: 100
  max_seq_len: 2048
  packed: false
  validation_during_training: true

models:
  base:
    - name: "Llama-3.2-1B-Instruct"
      path: "{models}/Llama-3.2-1B-Instruct"
      size_gb: 2.5

data:
  training:
    path: "{data}"
    dataset_label: "words_5L_80P_1000"
    format: "json"
    size_kb: 74
    splits:
      train: 800
      validation: 100
      test: 100

output:
  wandb_project: "cruijff_kit_tests"

runs:
  - name: "Llama-3.2-1B-Instruct_rank4"
    type: "fine-tuned"
    model: "Llama-3.2-1B-Instruct"
    parameters:
      lora_rank: 4
  - name: "Llama-3.2-1B-Instruct_rank8"
    type: "fine-tuned"
    model: "Llama-3.2-1B-Instruct"
    parameters:
      lora_rank: 8
  - name: "Llama-3.2-1B-Instruct_base"
    type: "control"
    model: "Llama-3.2-1B-Instruct"
    parameters: {{}}

evaluation:
  temperature: 0.0
  scorers:
    - name: "match"
  tasks:
    - name: "capitalization"
      script: "blueprints/capitalization/inspect_task.py"
      description: "Tests word capitalization accuracy"
  matrix:
    - run: "Llama-3.2-1B-Instruct_rank4"
      vis_label: "rank4"
      tasks: ["capitalization"]
      epochs: [0]
    - run: "Llama-3.2-1B-Instruct_rank8"
      vis_label: "rank8"
      tasks: ["capitalization"]
      epochs: [0]
    - run: "Llama-3.2-1B-Instruct_base"
      vis_label: "1B_control"
      tasks: ["capitalization"]
      epochs: null
"""

#: What scaffold-torchtune writes (propagate_train_fields first, then the per-run judgment fields).
SETUP = """torchtune_model_name: "Llama-3.2-1B-Instruct"
model_checkpoint: "{models}/Llama-3.2-1B-Instruct"
project_dir: "{project_dir}"
input_dir_base: "{data_dir}/"
input_formatting: ''
models_dir: "{models}"
experiment_name: "{name}"
dataset_label: "{label}"
dataset_ext: ".json"
my_wandb_project: "cruijff_kit_tests"
my_wandb_run_name: "{run}"
batch_size: 4
epochs: 1
gradient_accumulation_steps: 1
lora_rank: {rank}
time: "0:59:00"
gpus: 1
conda_env: "cruijff"
system_prompt: "You are a helpful assistant."
prompt: "Capitalize the given word: {{input}}\\n"
dataset_type: "chat_completion"
run_val_every_n_steps: 50
seed: 14
custom_recipe: cruijff_kit.tools.torchtune.custom_recipes.lora_finetune_single_device_nightly
"""

#: What setup_finetune.py renders from finetune_template.yaml (yaml.dump, sort_keys=False).
FINETUNE = """my_wandb_project: cruijff_kit_tests
my_wandb_run_name: {run}
input_formatting: ''
dataset_label: {label}
output_dir: {output_dir}
input_dir: {data_dir}/
models_dir: {models}
batch_size: {batch_size}
model:
  _component_: torchtune.models.llama3_2.lora_llama3_2_1b
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
  path: ${{models_dir}}/Llama-3.2-1B-Instruct/original/tokenizer.model
  max_seq_len: {max_seq_len}
checkpointer:
  _component_: torchtune.training.FullModelHFCheckpointer
  checkpoint_dir: ${{models_dir}}/Llama-3.2-1B-Instruct/
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
  lr: {lr}
lr_scheduler:
  _component_: torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup
  num_warmup_steps: {warmup}
loss:
  _component_: torchtune.modules.loss.CEWithChunkedOutputLoss
epochs: {epochs}
max_steps_per_epoch: null
gradient_accumulation_steps: {grad_accum}
compile: false
dataset:
  _component_: cruijff_kit.tools.torchtune.datasets.chat_completion.chat_completion_dataset
  source: json
  data_files: ${{input_dir}}/${{dataset_label}}.json
  split: train
  model_path: ${{models_dir}}/Llama-3.2-1B-Instruct
  prompt: 'Capitalize the given word: {{input}}

    '
  system_prompt: {system_prompt}
  input_key: input
  output_key: output
  train_on_input: false
  packed: {packed}
run_val_every_n_steps: 50
seed: 14
shuffle: true
"""

RENDERED = {
    "batch_size": "4",
    "max_seq_len": "2048",
    "lr": "0.0001",
    "warmup": "100",
    "epochs": "1",
    "grad_accum": "1",
    "system_prompt": "You are a helpful assistant.",
    "packed": "false",
}


@dataclass
class Tree:
    """A cruijff experiment folder in tmp_path: the plan, its runs, models and data."""

    root: Path
    exp: Path
    models: Path
    data: Path
    text: str

    @property
    def plan(self) -> Path:
        return self.exp / "experiment_summary.yaml"

    def lint(self) -> list[Finding]:
        self.plan.write_text(self.text, encoding="utf-8")
        return run([str(self.plan)], Config(), Options(layout=True)).findings

    def status(self):  # type: ignore[no-untyped-def]
        self.plan.write_text(self.text, encoding="utf-8")
        plan, _ = check_plan(self.plan, Config())
        return build_status(plan)

    def scaffold(self, run: str, rank: int, *, project_dir: str | None = None, **rendered: str) -> Path:
        """The run folder scaffold-torchtune + setup_finetune.py write (values as `rendered` overrides)."""
        d = self.exp / run
        d.mkdir(parents=True, exist_ok=True)
        fill = {
            "models": self.models,
            "data_dir": self.data.parent,
            "name": EXP_NAME,
            "label": self.data.stem,
            "run": run,
            "rank": rank,
            "alpha": 2 * rank,
            "project_dir": project_dir if project_dir is not None else f"{self.exp.parent}/",
        }
        (d / "setup_finetune.yaml").write_text(SETUP.format(**fill), encoding="utf-8")
        values = {**RENDERED, **rendered}
        values.setdefault("output_dir", f"{self.exp}/{run}/artifacts/")
        (d / "finetune.yaml").write_text(FINETUNE.format(**fill, **values), encoding="utf-8")
        (d / "finetune.slurm").write_text(f"#!/bin/bash\n#SBATCH --job-name={run}\n", encoding="utf-8")
        return d

    def set(self, run: str, file: str, old: str, new: str) -> None:
        p = self.exp / run / file
        p.write_text(edit(p.read_text(encoding="utf-8"), (old, new)), encoding="utf-8")


def words(n: int) -> list[dict[str, str]]:
    return [{"input": f"w{i:05d}", "output": f"W{i:05d}"} for i in range(n)]


def build(tmp_path: Path) -> Tree:
    scratch = tmp_path / "scratch" / "gpfs" / "me"
    exp = scratch / "ck-projects" / "capitalization" / EXP_NAME
    models = scratch / "pretrained-llms"
    data = scratch / "ck-data" / "capitalization" / "words_5L_80P_1000.json"
    (models / "Llama-3.2-1B-Instruct").mkdir(parents=True)
    (models / "Llama-3.2-1B-Instruct" / "config.json").write_text('{"model_type": "llama"}', encoding="utf-8")
    data.parent.mkdir(parents=True)
    recs = words(1000)
    data.write_text(
        json.dumps({"train": recs[:800], "validation": recs[800:900], "test": recs[900:]}), encoding="utf-8"
    )
    exp.mkdir(parents=True)
    text = PLAN.format(name=EXP_NAME, exp=exp, models=models, data=data)
    t = Tree(tmp_path, exp, models, data, text)
    t.scaffold("Llama-3.2-1B-Instruct_rank4", 4)
    t.scaffold("Llama-3.2-1B-Instruct_rank8", 8)
    (exp / "Llama-3.2-1B-Instruct_base" / "eval" / "capitalization" / "logs").mkdir(parents=True)
    return t


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tree:
    monkeypatch.chdir(tmp_path)
    return build(tmp_path)


def pl6(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.message) for f in found if f.rule.startswith("PL6")]


def test_a_run_tree_as_cruijff_scaffolds_it_is_clean(tree: Tree) -> None:
    assert pl6(tree.lint()) == []
    states = {r.run: r.state for r in tree.status().runs}
    assert states == {
        "Llama-3.2-1B-Instruct_rank4": "scaffolded",
        "Llama-3.2-1B-Instruct_rank8": "scaffolded",
        "Llama-3.2-1B-Instruct_base": "scaffolded",
    }


def test_a_plan_checked_by_a_relative_path_is_clean(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    tree.plan.write_text(tree.text.replace(f'dir: "{tree.exp}"', 'dir: "."'), encoding="utf-8")
    monkeypatch.chdir(tree.exp.parent)
    found = run([f"{EXP_NAME}/experiment_summary.yaml"], Config(), Options(layout=True)).findings
    assert pl6(found) == []


# -- config drift: every value the plan decides ---------------------------------------------------

R8 = "Llama-3.2-1B-Instruct_rank8"


@pytest.mark.parametrize(
    ("rendered", "message"),
    [
        ({"grad_accum": "8"}, "finetune.yaml has gradient_accumulation_steps 8, the plan says 1"),
        ({"epochs": "3"}, "finetune.yaml has epochs 3, the plan says 1"),
        ({"batch_size": "2"}, "finetune.yaml has batch_size 2, the plan says 4"),
        ({"lr": "0.0003"}, "finetune.yaml has lr 0.0003, the plan says 1e-4"),
        ({"max_seq_len": "512"}, "finetune.yaml has max_seq_len 512, the plan says 2048"),
        ({"packed": "true"}, "finetune.yaml has packed true, the plan says false"),
        (
            {"system_prompt": "''"},
            'finetune.yaml has system_prompt "", the plan says "You are a helpful assistant."',
        ),
    ],
)
def test_each_value_the_plan_decides_is_compared(tree: Tree, rendered: dict[str, str], message: str) -> None:
    tree.scaffold(R8, 8, **rendered)
    found = only(tree.lint(), "PL606")
    assert [f.message.split(": ", 1)[1].split(" (")[0] for f in found] == [message]
    assert found[0].message.startswith(f"run '{R8}': ")


def test_lora_rank_drift_points_at_the_run(tree: Tree) -> None:
    tree.scaffold(R8, 8)
    tree.set(R8, "finetune.yaml", "  lora_rank: 8\n", "  lora_rank: 16\n")
    (f,) = only(tree.lint(), "PL606")
    assert "finetune.yaml has lora_rank 16, the plan says 8" in f.message
    assert f.line == tree.text.splitlines().index("      lora_rank: 8") + 1


def test_a_control_scaffold_does_not_copy_names_where_it_must_go(tree: Tree) -> None:
    """controls.num_warmup_steps never reaches finetune.yaml: the hint says what makes it take effect."""
    tree.text = edit(tree.text, ("  num_warmup_steps: 100\n", "  num_warmup_steps: 10\n"))
    found = only(tree.lint(), "PL606")
    assert len(found) == 2  # both runs
    f = found[0]
    assert f.message == (
        "run 'Llama-3.2-1B-Instruct_rank4': finetune.yaml has num_warmup_steps 100, the plan says 10"
        " (cruijff_kit's scaffold does not copy controls.num_warmup_steps into setup_finetune.yaml)"
    )
    assert (
        f.hint is not None
        and "`num_warmup_steps: 10` into Llama-3.2-1B-Instruct_rank4/setup_finetune.yaml" in f.hint
    )
    assert "re-run setup_finetune.py" in f.hint
    # Follow the hint: the value in setup_finetune.yaml, then setup_finetune.py renders it.
    for name, rank in (("Llama-3.2-1B-Instruct_rank4", 4), (R8, 8)):
        tree.scaffold(name, rank, warmup="10")
        tree.set(name, "setup_finetune.yaml", "seed: 14\n", "seed: 14\nnum_warmup_steps: 10\n")
    assert pl6(tree.lint()) == []


def test_a_text_completion_run_has_no_system_prompt_to_compare(tree: Tree) -> None:
    tree.text = edit(
        tree.text, ('  dataset_type: "chat_completion"\n', '  dataset_type: "text_completion"\n')
    )
    for name, rank in (("Llama-3.2-1B-Instruct_rank4", 4), (R8, 8)):
        tree.scaffold(name, rank, system_prompt="''")
        tree.set(name, "setup_finetune.yaml", '"chat_completion"', '"text_completion"')
        tree.set(name, "setup_finetune.yaml", 'system_prompt: "You are a helpful assistant."\n', "")
    assert pl6(tree.lint()) == []


def test_the_training_data_file_is_compared(tree: Tree) -> None:
    other = tree.data.parent / "words_5L_80P_10.json"
    other.write_text("[]", encoding="utf-8")
    tree.set(R8, "finetune.yaml", "dataset_label: words_5L_80P_1000\n", "dataset_label: words_5L_80P_10\n")
    (f,) = only(tree.lint(), "PL606")
    assert f.message == f"run '{R8}': finetune.yaml trains on {other}, the plan says {tree.data}"
    assert f.line == tree.text.splitlines().index(f'  - name: "{R8}"') + 1  # the run that drifted
    # Without finetune.yaml, setup_finetune.yaml's input_dir_base + dataset_label + dataset_ext decide.
    (tree.exp / R8 / "finetune.yaml").unlink()
    tree.set(
        R8, "setup_finetune.yaml", 'dataset_label: "words_5L_80P_1000"', 'dataset_label: "words_5L_80P_10"'
    )
    (f,) = only(tree.lint(), "PL606")
    assert f.message == f"run '{R8}': setup_finetune.yaml trains on {other}, the plan says {tree.data}"


def test_a_cross_dataset_run_trains_on_its_own_dataset_path(tree: Tree) -> None:
    """Issue #201's cross-length runs: `dataset_path` on the run, used verbatim by scaffold."""
    nine = tree.data.parent / "words_9L_80P_1000.json"
    nine.write_text("[]", encoding="utf-8")
    tree.text = edit(
        tree.text,
        (
            '  - name: "Llama-3.2-1B-Instruct_rank8"\n    type: "fine-tuned"\n',
            f'  - name: "Llama-3.2-1B-Instruct_rank8"\n    type: "fine-tuned"\n    dataset_path: "{nine}"\n',
        ),
    )
    (f,) = only(tree.lint(), "PL606")
    assert f.message == f"run '{R8}': finetune.yaml trains on {tree.data}, the plan says {nine}"
    tree.set(R8, "finetune.yaml", "dataset_label: words_5L_80P_1000\n", "dataset_label: words_9L_80P_1000\n")
    assert only(tree.lint(), "PL606") == []


def test_status_shows_the_new_drift(tree: Tree) -> None:
    tree.scaffold(R8, 8, packed="true")
    row = next(r for r in tree.status().runs if r.run == R8)
    assert row.state == "drifted"
    assert row.drift == [{"key": "packed", "plan": "false", "found": "true", "file": "finetune.yaml"}]


# -- project_dir / experiment_name: where the checkpoints land -------------------------------------


def test_project_dir_set_to_the_experiment_puts_checkpoints_one_level_too_deep(tree: Tree) -> None:
    """cruijff_kit's own scaffold fixture: project_dir is the experiment folder itself."""
    deep = tree.exp / EXP_NAME / R8 / "artifacts"
    tree.scaffold(R8, 8, project_dir=str(tree.exp), output_dir=f"{deep}/")
    (deep / "epoch_0").mkdir(parents=True)
    found = tree.lint()
    (f,) = only(found, "PL613")
    assert f.severity.value == "error"
    assert f.message == (
        f"run '{R8}': its checkpoints would land in {deep}/, not {tree.exp}/{R8}/artifacts/"
        f" (setup_finetune.yaml's project_dir is experiment.dir itself; it must be its parent, {tree.exp.parent}/):"
        " evaluation and `planlint status` look for them in the run folder"
    )
    assert f.hint is not None and f'project_dir: "{tree.exp.parent}/"' in f.hint
    assert f'experiment_name: "{EXP_NAME}"' in f.hint
    report = tree.status()
    row = next(r for r in report.runs if r.run == R8)
    assert row.state == "drifted" and row.checkpoints == [0] and row.artifacts == f"{deep}/"
    assert any("project_dir is experiment.dir itself" in n for n in row.notes)
    text = format_status(report, "text")
    assert f"checkpoints go to {deep}/" in text
    # Following the hint: project_dir fixed and setup_finetune.py re-run.
    tree.scaffold(R8, 8)
    assert only(tree.lint(), "PL613") == []


def test_no_wandb_name_and_a_wrong_project_dir_status_finds_the_random_folder(tree: Tree) -> None:
    """Before setup_finetune.py rendered finetune.yaml, setup_finetune.yaml alone says where."""
    d = tree.scaffold(R8, 8, project_dir=str(tree.exp))
    (d / "finetune.yaml").unlink()
    tree.set(R8, "setup_finetune.yaml", f'my_wandb_run_name: "{R8}"\n', "")
    (tree.exp / EXP_NAME / "brave_falcon" / "artifacts" / "epoch_0").mkdir(parents=True)
    found = tree.lint()
    assert len(only(found, "PL605")) == 1
    (f,) = only(found, "PL613")
    assert f"{tree.exp}/{EXP_NAME}/<random name>/artifacts/" in f.message
    report = tree.status()
    orphans = [(o.folder, o.checkpoints) for o in report.orphans]
    assert orphans == [(f"{EXP_NAME}/brave_falcon", [0])]
    assert report.orphans[0].reason is not None and "project_dir" in report.orphans[0].reason
    assert "checkpoints of a run written here" in format_status(report, "text")


def test_a_wrong_experiment_name_is_named(tree: Tree) -> None:
    tree.scaffold(R8, 8)
    tree.set(R8, "setup_finetune.yaml", f'experiment_name: "{EXP_NAME}"', 'experiment_name: "workflow_test"')
    (tree.exp / R8 / "finetune.yaml").unlink()
    (f,) = only(tree.lint(), "PL613")
    assert f"experiment_name is workflow_test, experiment.dir ends in {EXP_NAME}" in f.message


# -- data files ------------------------------------------------------------------------------------


def organism(tree: Tree, train: int, validation: int, ood: bool = False) -> Path:
    path = tree.exp / "data" / "bits_parity_k8.json"
    path.parent.mkdir(exist_ok=True)
    recs = words(train + validation)
    body: dict[str, object] = {
        "train": recs[:train],
        "validation": recs[train:],
        "metadata": {"tool": "model_organism", "input_type": "bits", "rule": "parity", "k": 8, "N": 500},
    }
    if ood:
        body["validation_ood_0"] = words(100)
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


ORGANISM = """data:
  training:
    path: "{path}"
    dataset_label: bits_parity_k8
    format: json
    size_kb: 25
    splits:
      train: 400
      validation: 100
      test: 0
  data_generation:
    tool: model_organism
    name: bits_parity_k8
    input_type: bits
    rule: parity
    k: 8
    N: 500
    seed: 42
    design: {design}
    split_ratio: 0.8
    output_path: data/bits_parity_k8.json
"""


def with_organism(tree: Tree, path: Path, design: str = "in_distribution") -> None:
    start = tree.text.index("data:\n")
    end = tree.text.index("output:\n")
    tree.text = tree.text[:start] + ORGANISM.format(path=path, design=design) + "\n" + tree.text[end:]
    for name in ("Llama-3.2-1B-Instruct_rank4", R8):
        (tree.exp / name).joinpath("finetune.yaml").unlink()
        (tree.exp / name).joinpath("setup_finetune.yaml").unlink()


def test_a_model_organism_file_is_readable_and_counted(tree: Tree) -> None:
    path = organism(tree, 400, 100, ood=True)
    with_organism(tree, path)
    assert pl6(tree.lint()) == []
    organism(tree, 400, 90)
    (f,) = only(tree.lint(), "PL610")
    assert f.message == f"training data {path} holds 90 'validation' records, the plan says 100"
    assert only(tree.lint(), "PL611") == []


def test_an_object_of_splits_with_other_values_is_still_unreadable(tree: Tree) -> None:
    path = organism(tree, 400, 100)
    body = json.loads(path.read_text(encoding="utf-8"))
    body["notes"] = "hand-made"
    path.write_text(json.dumps(body), encoding="utf-8")
    with_organism(tree, path)
    (f,) = only(tree.lint(), "PL611")
    assert "non-list entries (notes)" in f.message


def test_data_generated_at_scaffold_time_is_an_info_not_an_error(tree: Tree) -> None:
    path = tree.exp / "data" / "bits_parity_k8.json"
    path.parent.mkdir()
    with_organism(tree, path)
    found = tree.lint()
    assert only(found, "PL609") == []
    (f,) = only(found, "PL614")
    assert f.severity.value == "info"
    assert f.message == (
        f"training data {path} does not exist yet: data.data_generation (tool model_organism) generates it at scaffold time"
    )
    # Without data_generation the missing file stays an error.
    start = tree.text.index("  data_generation:\n")
    tree.text = tree.text[:start] + tree.text[tree.text.index("output:\n") - 1 :]
    assert len(only(tree.lint(), "PL609")) == 1


# -- status: evaluated -----------------------------------------------------------------------------

BASE = "Llama-3.2-1B-Instruct_base"


def eval_log(
    folder: Path, status: str | None, name: str = "2026-03-17T10-02-11_capitalization_abc123.eval"
) -> Path:
    """An inspect-ai .eval log: a zip with the journal, and header.json once the evaluation ended."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("_journal/start.json", json.dumps({"version": 2, "eval": {"task": "capitalization"}}))
        if status is not None:
            z.writestr(
                "header.json",
                json.dumps({"version": 2, "status": status, "eval": {"task": "capitalization_1B_control"}}),
            )
    return path


def test_a_control_whose_evaluation_finished_is_evaluated(tree: Tree) -> None:
    logs = tree.exp / BASE / "eval" / "capitalization" / "logs"
    eval_log(logs, None)
    row = next(r for r in tree.status().runs if r.run == BASE)
    assert row.state == "scaffolded" and row.notes == ["evaluation started, not finished"]
    eval_log(logs, "success")
    report = tree.status()
    row = next(r for r in report.runs if r.run == BASE)
    assert row.state == "evaluated" and row.evaluations == ["capitalization"]
    data = json.loads(format_status(report, "json"))
    assert data["summary"]["evaluated"] == 1
    assert next(r for r in data["runs"] if r["run"] == BASE)["evaluations"] == ["capitalization"]
    text = format_status(report, "text")
    assert any(line.startswith(BASE) and "evaluated" in line for line in text.splitlines())
    assert "1 evaluated" in text.splitlines()[-1]


def test_a_failed_evaluation_is_failed(tree: Tree) -> None:
    eval_log(tree.exp / BASE / "eval" / "capitalization" / "logs", "error")
    row = next(r for r in tree.status().runs if r.run == BASE)
    assert row.state == "failed"
    assert row.failure is not None and row.failure.startswith("evaluation error: eval/capitalization/logs/")


def test_an_eval_only_run_in_the_legacy_layout_with_a_json_log(tree: Tree) -> None:
    tree.text = edit(
        tree.text,
        (
            "evaluation:\n",
            '  - name: "Llama-3.2-1B-Instruct_rank8_prior"\n    type: "eval-only"\n'
            '    model: "Llama-3.2-1B-Instruct"\n    parameters:\n'
            '      checkpoint_path: "/scratch/gpfs/me/ck-projects/capitalization/old/rank8/artifacts/epoch_0"\n\n'
            "evaluation:\n",
        ),
    )
    logs = tree.exp / "Llama-3.2-1B-Instruct_rank8_prior" / "eval" / "logs"
    logs.mkdir(parents=True)
    (logs / "test.json").write_text(
        json.dumps({"version": 2, "status": "success", "eval": {"task": "capitalization"}, "samples": []}),
        encoding="utf-8",
    )
    row = next(r for r in tree.status().runs if r.run == "Llama-3.2-1B-Instruct_rank8_prior")
    assert row.state == "evaluated" and row.evaluations == ["eval"]


def test_a_control_evaluated_by_its_inspect_stdout(tree: Tree) -> None:
    """scaffold-inspect puts a control cell's slurm-<job>.out in {run}/artifacts/."""
    art = tree.exp / BASE / "artifacts"
    art.mkdir()
    (art / "slurm-5121001.out").write_text(
        "capitalization_1B_control (100 samples): hf/Llama-3.2-1B-Instruct_base\n"
        "total time:                  0:01:12\n"
        "hf/Llama-3.2-1B-Instruct_base     10,404 tokens [I: 9,904, O: 500]\n\n"
        "match\naccuracy  0.910\nstderr    0.029\n",
        encoding="utf-8",
    )
    row = next(r for r in tree.status().runs if r.run == BASE)
    assert row.state == "evaluated" and row.evaluations == ["artifacts/slurm-5121001.out"]


R4 = "Llama-3.2-1B-Instruct_rank4"


def test_a_trained_run_whose_epoch_evaluations_finished_is_evaluated(tree: Tree) -> None:
    """scaffold-inspect evaluates each epoch of a fine-tuned run in {run}/eval/{cell}/logs/: once
    an evaluation succeeded, the run is past `trained` (it used to stop there for good)."""
    (tree.exp / R4 / "artifacts" / "epoch_0").mkdir(parents=True)
    assert next(r for r in tree.status().runs if r.run == R4).state == "trained"
    eval_log(tree.exp / R4 / "eval" / "capitalization_epoch0" / "logs", "success")
    report = tree.status()
    row = next(r for r in report.runs if r.run == R4)
    assert row.state == "evaluated" and row.evaluations == ["capitalization_epoch0"]
    line = next(x for x in format_status(report, "text").splitlines() if x.startswith(R4))
    assert "evaluated: capitalization_epoch0" in line


def test_a_trained_run_whose_evaluation_failed_is_failed(tree: Tree) -> None:
    (tree.exp / R4 / "artifacts" / "epoch_0").mkdir(parents=True)
    eval_log(tree.exp / R4 / "eval" / "capitalization_epoch0" / "logs", "error")
    row = next(r for r in tree.status().runs if r.run == R4)
    assert row.state == "failed" and row.failure is not None and "evaluation error" in row.failure
