"""What `planlint init` writes stays true and fits the tools around it: the summary region that
`check` and `fix` keep current, plans the real yamllint accepts, every option as an answers-file
key, notes on what init decided, and the checklist's estimate step on real logs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import edit, init_workspace, planlint_main

import planlint.cli
from planlint.cli import init_command
from planlint.commands.init import answer_flags
from planlint.commands.init.answers import NOT_ANSWERS
from planlint.config import Config
from planlint.engine import run
from planlint.plan.load import load_plan
from planlint.plan.yamltext import MAX_LINE

#: cruijff_kit's training log: Llama-3.2-1B (lora_llama3_2_1b), batch 32, 2 epochs.
PRIOR = Path(__file__).parent / "logs" / "cruijff_kit" / "slurm_training_output.txt"
QUESTION = ["--question", "Does LoRA rank change capitalization accuracy?"]
SWEEP = ["--model", "Llama-3.2-1B-Instruct", "--dataset", "data/words_5L.json", *QUESTION]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The init workspace (conftest.init_workspace) with data/words_5L.json, as the cwd."""
    monkeypatch.chdir(tmp_path)
    return init_workspace(tmp_path, data="words_5L.json")


def findings(folder: Path) -> list[str]:
    return [
        f"{f.rule} {f.message}" for f in run([str(folder)], Config()).findings if f.severity.value != "info"
    ]


def summary_of(folder: Path) -> str:
    doc = (folder / "PLAN.md").read_text(encoding="utf-8")
    return doc[doc.index("<!-- planlint:begin summary -->") : doc.index("<!-- planlint:end summary -->")]


def yamllint(path: Path) -> subprocess.CompletedProcess[str]:
    """The real yamllint with its default configuration."""
    return subprocess.run(
        [sys.executable, "-m", "yamllint", "--format", "parsable", "--strict", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


# -- the summary region ----------------------------------------------------------------------------


def test_generated_facts_live_in_the_summary_region_and_fix_keeps_them_current(workspace: Path) -> None:
    code, _, err = planlint_main(
        "init", "exp", *SWEEP, "--model", "Llama-3.2-3B-Instruct", "--vary", "lora_rank=4,8",
        "--vary", "lr=1e-5,5e-5", "--epochs", "2", "--no-packing",
    )  # fmt: skip
    assert (code, err) == (0, "")
    exp = workspace / "exp"
    doc = (exp / "PLAN.md").read_text(encoding="utf-8")
    summary = summary_of(exp)
    for fact in (
        "  - LoRA Rank (`lora_rank`): 4, 8\n",
        "  - Learning Rate (`lr`): 1e-5, 5e-5\n",
        "- **Training**: 2 epochs, batch size 4 per GPU on 1 GPU, packing off, validation during training on\n",
        "- **Compute**: 8 fine-tuned runs and 2 controls (evaluation only), 1 GPU per job; "
        "no compute.time estimates yet\n",
        "- **Data**: `../data/words_5L.json` (chat_completion): 800 train / 100 validation / 100 test samples\n",
    ):
        assert fact in summary
    # outside the regions, nothing the plan can change: no run count, value or GPU count
    outside = doc.replace(summary, "")
    start = outside.index("<!-- planlint:begin all-runs -->")
    outside = outside[:start] + outside[outside.index("<!-- planlint:end all-runs -->") :]
    for stale in ("fine-tuned runs", "1e-5", "GPU per job", "800", "2 epochs"):
        assert stale not in outside
    assert findings(exp) == []

    plan = exp / "plan.yaml"
    plan.write_text(
        edit(plan.read_text(encoding="utf-8"), ("  lr: [1e-5, 5e-5]\n", "  lr: [1e-5, 5e-5, 1e-4]\n")),
        encoding="utf-8",
    )
    stale = [f for f in findings(exp) if f.startswith("PL501")]
    assert stale == [
        "PL501 summary differs from plan.yaml: Variables differs (the plan says: LoRA Rank (`lora_rank`): "
        "4, 8; Learning Rate (`lr`): 1e-5, 5e-5, 1e-4)"
    ]
    assert planlint_main("fix", "--runs", "exp")[0] == 0
    assert findings(exp) == []
    summary = summary_of(exp)
    assert "  - Learning Rate (`lr`): 1e-5, 5e-5, 1e-4\n" in summary
    assert "- **Compute**: 12 fine-tuned runs and 2 controls (evaluation only), 1 GPU per job;" in summary

    # a control that only the summary shows: check reports it, fix rewrites it
    plan.write_text(edit(plan.read_text(encoding="utf-8"), ("  gpus: 1\n", "  gpus: 2\n")), encoding="utf-8")
    assert [f for f in findings(exp) if f.startswith("PL501")] == [
        "PL501 summary differs from plan.yaml: Training differs (the plan says: 2 epochs, batch size 4 per "
        "GPU on 2 GPUs, packing off, validation during training on); Compute differs (the plan says: "
        "12 fine-tuned runs and 2 controls (evaluation only), 2 GPUs per job; no compute.time estimates yet)"
    ]
    code, _, _ = planlint_main("fix", "exp/PLAN.md")
    assert code == 0
    assert "2 GPUs per job" in summary_of(exp)
    assert [f for f in findings(exp) if f.startswith("PL501")] == []


def test_the_researchers_notes_around_the_summary_are_kept_by_fix(workspace: Path) -> None:
    assert planlint_main("init", "exp", *SWEEP, "--vary", "lora_rank=4,8")[0] == 0
    doc_path = workspace / "exp" / "PLAN.md"
    doc = doc_path.read_text(encoding="utf-8")
    doc = edit(
        doc,
        (
            "<!-- planlint:begin summary -->\n",
            "Rank 4 is the cheap one.\n\n<!-- planlint:begin summary -->\n",
        ),
    )
    doc = edit(
        doc, ("<!-- planlint:end summary -->\n", "<!-- planlint:end summary -->\n\nAsk Ana about rank 16.\n")
    )
    doc_path.write_text(doc, encoding="utf-8")
    plan = workspace / "exp" / "plan.yaml"
    plan.write_text(
        edit(plan.read_text(encoding="utf-8"), ("  lora_rank: [4, 8]\n", "  lora_rank: [4, 8, 16]\n")),
        encoding="utf-8",
    )
    assert planlint_main("fix", "--runs", "exp")[0] == 0
    fixed = doc_path.read_text(encoding="utf-8")
    assert "Rank 4 is the cheap one.\n\n<!-- planlint:begin summary -->\n" in fixed
    assert "<!-- planlint:end summary -->\n\nAsk Ana about rank 16.\n" in fixed
    assert "  - LoRA Rank (`lora_rank`): 4, 8, 16\n" in fixed
    assert findings(workspace / "exp") == []


# -- yamllint --------------------------------------------------------------------------------------


def test_the_plan_init_writes_passes_yamllints_default_config(workspace: Path) -> None:
    long_home = "/scratch/gpfs/MSALGANIK/shared/pretrained-llms/instruction-tuned/meta-llama"
    (workspace / "models" / "Llama-3.2-1B-Instruct").rename(workspace / "models" / "x")
    Path(long_home.lstrip("/")).mkdir(parents=True)
    model = Path(long_home.lstrip("/")) / "Llama-3.2-1B-Instruct"
    (workspace / "models" / "x").rename(model)
    question = (
        "Does LoRA rank change capitalization accuracy on five-letter words, across two model sizes "
        "and two learning rates, when the prompt asks for the word only?"
    )
    system = (
        'You are a careful assistant. Answer with the capitalized word only: no "quotes", no\\tpunctuation.'
    )
    code, out, err = planlint_main(
        "init", "exp", "--model", str(model.absolute()), "--model", "Llama-3.2-3B-Instruct",
        "--dataset", "data/words_5L.json", "--question", question, "--hypothesis", "Rank 8 is enough",
        "--vary", "lora_rank=4,8", "--vary", "lr=1e-5,5e-5", "--system-prompt", system,
        "--prompt", "Capitalize the given word: {input}\\n", "--eval-task", "capitalization_five_letter_words",
        "--eval-script", "tasks/capitalization/inspect_task_capitalization_five_letter.py",
    )  # fmt: skip
    assert (code, err) == (0, ""), out
    plan = workspace / "exp" / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines() if " " in line.strip()) <= MAX_LINE
    assert "\n---\n" in text
    linted = yamllint(plan)
    assert (linted.returncode, linted.stdout) == (0, "")
    # the broken lines read back as the strings typed
    data = load_plan(plan).data
    assert data["experiment"]["question"] == question
    assert data["controls"]["system_prompt"] == system  # a typed backslash stays one (only \\n is a newline)
    assert data["controls"]["prompt"] == "Capitalize the given word: {input}\n"
    assert data["models"]["base"][0]["path"] == str(model.absolute())
    assert findings(workspace / "exp") == []


def test_long_run_names_and_parameters_stay_within_yamllints_line_length(workspace: Path) -> None:
    """A long model name and four variables make names of over 80 characters: each goes on a line
    of its own (one word, which yamllint allows), and the parameters become a block; `fix --runs`
    writes the runs it adds the same way, and everything reads back as the same data."""
    long_name = "Qwen2.5-14B-Instruct-GPTQ-Int4"
    (workspace / "models" / "Llama-3.2-1B-Instruct").rename(workspace / "models" / long_name)
    code, out, err = planlint_main(
        "init", "exp", "--model", long_name, "--dataset", "data/words_5L.json", *QUESTION,
        "--vary", "lora_rank=16,32", "--vary", "lr=1e-5,5e-5", "--vary", "seed=42,43",
        "--vary", "lora_dropout=0.05,0.1", "--vary", "num_warmup_steps=100,200",
    )  # fmt: skip
    assert (code, err) == (0, ""), out
    plan = workspace / "exp" / "plan.yaml"
    linted = yamllint(plan)
    assert (linted.returncode, linted.stdout) == (0, "")
    names = [r["name"] for r in load_plan(plan).data["runs"]]
    assert len(names) == 33 and max(len(n) for n in names) > 80
    assert findings(workspace / "exp") == []
    # `fix --runs` puts a removed run back in the same shape
    text = plan.read_text(encoding="utf-8")
    start = text.index("  - name:\n", text.index("runs:"))
    end = text.index("  - name:", start + 1)
    plan.write_text(text[:start] + text[end:], encoding="utf-8")
    code, out, err = planlint_main("fix", "--runs", "exp/plan.yaml")
    assert code == 0, (out, err)
    linted = yamllint(plan)
    assert (linted.returncode, linted.stdout) == (0, "")
    assert sorted(r["name"] for r in load_plan(plan).data["runs"]) == sorted(names)


def test_plans_init_writes_from_the_interview_pass_yamllint(workspace: Path, terminal: None) -> None:
    code, out, _ = planlint_main(
        "init", "sweep", *SWEEP, "--vary", "lora_rank=4,8", "--eval-task", "capitalization",
        input="\n" * 20,
    )  # fmt: skip
    assert code == 0, out
    linted = yamllint(workspace / "sweep" / "plan.yaml")
    assert (linted.returncode, linted.stdout) == (0, "")
    code, out, _ = planlint_main("init", "controls", *SWEEP, input="\n" * 20)  # nothing trained
    assert code == 0, out
    linted = yamllint(workspace / "controls" / "plan.yaml")
    assert (linted.returncode, linted.stdout) == (0, "")


# -- --from-answers --------------------------------------------------------------------------------

#: A valid answer for every option of the init command (a new option needs one here).
SAMPLE_ANSWERS = {
    "name": "cap_sweep",
    "question": "Does LoRA rank change capitalization accuracy?",
    "hypothesis": "Rank 8 learns it in one epoch",
    "model": ["Llama-3.2-1B-Instruct"],
    "models_dir": "models",
    "dataset": "data/words_5L.json",
    "splits": "800,100,100",
    "vary": ["lora_rank=4,8"],
    "controls": True,
    "epochs": 2,
    "gpus": 1,
    "validation": True,
    "dataset_type": "chat_completion",
    "system_prompt": "",
    "prompt": "Capitalize: {input}",
    "packing": False,
    "batch_size": 8,
    "lr": "1e-5",
    "lora_rank": 8,
    "logs": ["prior/*/slurm-*.out"],
    "estimate": False,
    "eval_task": "capitalization",
    "eval_script": "tasks/capitalization.py",
    "date": "2025-01-15",
}


def option_keys() -> list[str]:
    """The init command's options as answers-file keys, straight from click."""
    return [
        str(p.name) for p in init_command.params if isinstance(p, click.Option) and p.name not in NOT_ANSWERS
    ]


def test_every_option_is_an_answers_file_key(workspace: Path) -> None:
    keys = option_keys()
    assert "models_dir" in keys and list(answer_flags(init_command.params)) == keys
    assert sorted(SAMPLE_ANSWERS) == sorted(keys)
    (workspace / ".planlint.toml").write_text("", encoding="utf-8")  # models-dir only from the answers
    required = {k: SAMPLE_ANSWERS[k] for k in ("question", "model", "dataset", "models_dir")}
    for key in keys:
        for spelling in dict.fromkeys((key, key.replace("_", "-"))):
            answers = workspace / "answers.yaml"
            answers.write_text(json.dumps({**required, spelling: SAMPLE_ANSWERS[key]}), encoding="utf-8")
            folder = f"out_{spelling}"
            code, out, err = planlint_main("init", folder, "--from-answers", str(answers))
            assert (code, err) == (0, ""), (spelling, out)
            assert findings(workspace / folder) == []
    # the answer reached the plan
    plan = load_plan(workspace / "out_models-dir" / "plan.yaml").data
    assert plan["models"]["base"][0]["path"] == str(
        (workspace / "models" / "Llama-3.2-1B-Instruct").absolute()
    )
    assert load_plan(workspace / "out_batch_size" / "plan.yaml").data["controls"]["batch_size"] == 8


def test_an_unknown_answer_is_refused_with_a_did_you_mean(workspace: Path) -> None:
    answers = workspace / "answers.yaml"
    answers.write_text("question: Q?\nmodel: Llama-3.2-1B-Instruct\nmodel-dir: models\n", encoding="utf-8")
    code, _, err = planlint_main("init", "exp", "--from-answers", str(answers))
    assert code == 2
    assert err == f"planlint: error: {answers}: unknown answer 'model-dir' (did you mean 'models_dir'?)\n"


# -- what init decided, said ----------------------------------------------------------------------


def test_a_dataset_that_is_not_here_is_named_before_splits_are_needed(
    workspace: Path, terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = planlint_main(
        "init", "exp", *QUESTION, "--model", "1", "--dataset", "/cluster/data/words_5L.json",
        "--no-packing", input="\n\n800,100,100\n" + "\n" * 20,
    )  # fmt: skip
    assert code == 0, out
    note = out.index(
        "/cluster/data/words_5L.json is not on this machine: its record counts cannot be checked here"
    )
    assert note < out.index("Samples per split")
    # without a terminal: one line that says why --splits is needed
    monkeypatch.setattr(planlint.cli, "_stdin_is_terminal", lambda: False)
    code, _, err = planlint_main(
        "init", "exp2", *QUESTION, "--model", "1", "--dataset", "/cluster/data/words_5L.json"
    )
    assert (code, err) == (
        2,
        "planlint: error: --dataset /cluster/data/words_5L.json is not on this machine: init needs --splits "
        "with its train,validation,test counts (no terminal to ask on)\n",
    )
    flat = workspace / "data" / "flat.json"
    flat.write_text(json.dumps([{"input": "a", "output": "A"}] * 50), encoding="utf-8")
    code, _, err = planlint_main("init", "exp3", *QUESTION, "--model", "1", "--dataset", "data/flat.json")
    assert code == 2
    assert "--dataset data/flat.json holds one list of 50 records, not train/validation/test splits" in err


def test_two_gpus_turning_validation_off_is_said(workspace: Path) -> None:
    code, out, err = planlint_main("init", "exp", *SWEEP, "--vary", "lr=1e-5,5e-5", "--gpus", "2")
    assert (code, err) == (0, "")
    assert "  validation during training: off (the multi-GPU recipe has no validation loop)\n" in out
    assert "  validation_during_training: false\n" in (workspace / "exp" / "plan.yaml").read_text(
        encoding="utf-8"
    )
    assert findings(workspace / "exp") == []


# -- the checklist's advanced step: estimates from prior runs' logs --------------------------------


@pytest.fixture
def scratch(workspace: Path) -> Path:
    """A prior run's SLURM log where the checklist says to look: {scratch}/*/slurm-*.out."""
    prior = workspace / "scratch" / "cap_pilot"
    prior.mkdir(parents=True)
    shutil.copy(PRIOR, prior / "slurm-5550001.out")
    (workspace / ".planlint.toml").write_text(
        'models-dir = "models"\nscratch = "scratch"\n', encoding="utf-8"
    )
    return workspace


def compute_of(folder: Path) -> dict[str, object]:
    data = load_plan(folder / "plan.yaml").data
    return {r["name"]: r.get("compute") for r in data["runs"] if r["type"] == "fine-tuned"}


def test_init_estimates_each_run_from_prior_logs_as_estimate_write_does(scratch: Path) -> None:
    args = [*SWEEP, "--vary", "lora_rank=4,8", "--epochs", "2", "--no-packing"]
    code, out, err = planlint_main("init", "exp", *args)
    assert (code, err) == (0, "")
    assert "  compute.time of 2 of 2 fine-tuned runs estimated from 1 prior training log\n" in out
    estimated = compute_of(scratch / "exp")
    assert all(
        isinstance(c, dict) and c["time"] and "basis" not in c  # no provenance in the plan
        for c in estimated.values()
    )
    # the same values `estimate --write` stores into a plan written without them
    assert planlint_main("init", "later", *args, "--no-estimate")[0] == 0
    assert list(compute_of(scratch / "later").values()) == [None, None]
    code, _, _ = planlint_main("estimate", "later/plan.yaml", "--logs", "scratch/*/slurm-*.out", "--write")
    assert code == 0
    assert compute_of(scratch / "later") == estimated
    # the plan with its estimates is still yamllint-clean, and the doc shows them
    linted = yamllint(scratch / "exp" / "plan.yaml")
    assert (linted.returncode, linted.stdout) == (0, "")
    assert "; no compute.time estimates yet" not in summary_of(scratch / "exp")
    assert " GPU hours estimated\n" in summary_of(scratch / "exp")
    assert "| Fine-tuned | ?" not in (scratch / "exp" / "PLAN.md").read_text(encoding="utf-8")
    assert findings(scratch / "exp") == []


def test_the_interview_offers_the_estimate_when_logs_are_found(scratch: Path, terminal: None) -> None:
    flags = [*SWEEP, "--vary", "lora_rank=4,8", "--no-packing", "--batch-size", "4"]
    code, out, _ = planlint_main("init", "asked", *flags, input="\n" * 20)
    assert code == 0, out
    assert "  Found 1 prior training log in scratch/*/slurm-*.out" in out
    assert "Estimate each run's time (and suggest a batch size) from them? [Y/n]" in out
    assert None not in compute_of(scratch / "asked").values()
    code, out, _ = planlint_main("init", "declined", *flags, input="\n" * 10 + "n\n" + "\n" * 20)
    assert code == 0, out
    assert list(compute_of(scratch / "declined").values()) == [None, None]


def test_estimate_without_logs_says_where_it_looked(workspace: Path) -> None:
    code, _, err = planlint_main("init", "exp", *SWEEP, "--vary", "lora_rank=4,8", "--estimate")
    assert code == 2
    assert "--estimate: no logs to look in: give --logs GLOB, or set log-globs or scratch" in err
    code, _, err = planlint_main(
        "init", "exp", *SWEEP, "--vary", "lora_rank=4,8", "--estimate", "--logs", "nowhere/*/slurm-*.out"
    )
    assert (code, err) == (
        2,
        "planlint: error: --estimate: no prior training logs in nowhere/*/slurm-*.out\n",
    )


def test_init_writes_a_gpu_count_where_the_scaffold_reads_it(workspace: Path) -> None:
    """`--gpus 2` goes into each fine-tuned run's compute block too (cruijff_kit's scaffold passes
    only runs[].compute.gpus on): no PL312, and the steps count the two GPUs."""
    code, out, err = planlint_main(
        "init", "exp", *SWEEP, "--vary", "lora_rank=4,8", "--gpus", "2", "--no-validation"
    )  # fmt: skip
    assert (code, err) == (0, ""), out
    data = load_plan(workspace / "exp" / "plan.yaml").data
    assert [r.get("compute", {}).get("gpus") for r in data["runs"]] == [2, 2, None]
    assert findings(workspace / "exp") == []
