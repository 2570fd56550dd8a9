"""An experiment as cruijff_kit lays it out, built in a temporary folder: the two-model example plan,
its run folders, models and data (shared by the layout rule tests and the status tests).

The run folders follow cruijff_kit's layout: `{experiment.dir}/{run}/setup_finetune.yaml`, `finetune.yaml`,
`finetune.slurm`, `artifacts/epoch_N/` and `artifacts/slurm-<job>.out`. The setup_finetune.yaml text is
cruijff_kit's scaffold fixture (niznik-dev/cruijff_kit, MIT License, Copyright (c) 2025 Mattie Niznik,
tests/fixtures/scaffold/torchtune/rank4/setup_finetune.yaml), with its placeholders filled in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from conftest import TWO_MODEL

from planlint.config import Config
from planlint.engine import Options, run
from planlint.finding import Finding

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
