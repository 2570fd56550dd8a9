"""`planlint init`: the interview, its flags and answers file, and plans that pass their own checker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import LLAMA_1B_SHAPE, init_workspace, planlint_main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planlint.commands.init.discover import find_models, number_text, size_from_config
from planlint.commands.init.parse import parse_variables
from planlint.commands.init.values import yaml_str
from planlint.config import Config
from planlint.doc.render import render_lines
from planlint.engine import check_plan, run
from planlint.plan.load import load_plan

FLAGS = ["--question", "Does LoRA rank change capitalization accuracy?", "--dataset", "data/words.json"]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The init workspace (conftest.init_workspace) with data/words.json, as the cwd."""
    monkeypatch.chdir(tmp_path)
    return init_workspace(tmp_path)


def init(*args: str, input: str | None = None) -> tuple[int, str, str]:
    """Run `planlint init` in-process; returns exit code, stdout, stderr."""
    return planlint_main("init", *args, input=input)


def answers(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def assert_clean(folder: Path) -> None:
    """planlint itself finds nothing wrong, and the doc's region is the table the plan renders."""
    findings = run([str(folder)], Config()).findings
    assert [f"{f.rule} {f.message}" for f in findings if f.severity.value != "info"] == []
    plan, _ = check_plan(folder / "plan.yaml", Config())
    doc = (folder / "PLAN.md").read_text(encoding="utf-8").splitlines()
    start = doc.index("<!-- planlint:begin all-runs -->") + 1
    end = doc.index("<!-- planlint:end all-runs -->")
    assert doc[start:end] == render_lines(plan, "all-runs")


def runs_of(folder: Path) -> list[str]:
    data = load_plan(folder / "plan.yaml").data
    return [r["name"] for r in data["runs"]]


# -- the interview ---------------------------------------------------------------------------------

HAPPY = answers(
    "cap_lora_sweep",  # name
    "Does LoRA rank change capitalization accuracy?",  # question
    "Rank 8 learns it in one epoch",  # hypothesis
    "1, Llama-3.2-3B-Instruct",  # models: by number and by name
    "data/words.json",  # dataset
    "",  # splits: the file's counts
    "lora_rank=4,8 lr=1e-5,5e-5",  # variables
    "",  # controls: yes
    "2",  # epochs
    "",  # GPUs: 1
    "",  # validation: yes
    "",  # dataset type: chat_completion
    "",  # system prompt: ""
    "Capitalize the given word: {input}\\n",  # prompt
    "n",  # packing
    "",  # batch size: 4
    "capitalization",  # eval task
    "",  # eval script
)


def test_interview_writes_a_plan_that_passes_check(workspace: Path, terminal: None) -> None:
    code, out, err = init("exp", input=HAPPY)
    assert (code, err) == (0, "")
    assert "Models in" in out and "~2.5 GB" in out and "0.003 GB" in out and "notes" not in out
    assert "Samples per split: train,validation,test (validation and test optional) [800,100,100]:" in out
    assert "Wrote exp/plan.yaml (8 fine-tuned runs + 2 controls)" in out
    assert "Next: planlint check exp" in out
    plan = (workspace / "exp" / "plan.yaml").read_text(encoding="utf-8")
    # the schema copy lies beside the plan outside a repository, at its root inside one
    assert plan.startswith("# yaml-language-server: $schema=schemas/plan.schema.json\n")
    for line in (
        "  name: cap_lora_sweep\n",
        '  question: "Does LoRA rank change capitalization accuracy?"\n',
        '  hypothesis: "Rank 8 learns it in one epoch"\n',
        "  lora_rank: [4, 8]\n  lr: [1e-5, 5e-5]\n",  # as typed: 1e-5 stays 1e-5
        "  epochs: 2\n",
        "  packed: false\n",
        '  system_prompt: ""\n',
        '  prompt: "Capitalize the given word: {input}\\n"\n',
        "      short: Llama-3.2-1B\n",
        "      size_gb: 2.5\n",
        "    path: ../data/words.json\n",
        "    splits: {train: 800, validation: 100, test: 100}\n",
        "    parameters: {lora_rank: 4, lr: 1e-5}\n",
        "    - {run: Llama-3.2-1B_rank4_lr1e-5, tasks: [capitalization], epochs: [0, 1]}\n",
        "    - {run: Llama-3.2-1B_base, tasks: [capitalization], epochs: null}\n",
    ):
        assert line in plan
    assert runs_of(workspace / "exp") == [
        "Llama-3.2-1B_rank4_lr1e-5",
        "Llama-3.2-1B_rank4_lr5e-5",
        "Llama-3.2-1B_rank8_lr1e-5",
        "Llama-3.2-1B_rank8_lr5e-5",
        "Llama-3.2-1B_base",
        "Llama-3.2-3B_rank4_lr1e-5",
        "Llama-3.2-3B_rank4_lr5e-5",
        "Llama-3.2-3B_rank8_lr1e-5",
        "Llama-3.2-3B_rank8_lr5e-5",
        "Llama-3.2-3B_base",
    ]
    doc = (workspace / "exp" / "PLAN.md").read_text(encoding="utf-8")
    for heading in (
        "## Question",
        "## Design",
        "## All Runs",
        "## Evaluation",
        "## Compute",
    ):
        assert heading in doc
    assert "<!-- planlint:begin eval-matrix -->" in doc
    assert_clean(workspace / "exp")


def test_bad_answers_are_asked_again_with_the_reason(workspace: Path, terminal: None) -> None:
    code, out, _ = init(
        "exp",
        input=answers(
            "cap sweep",  # a space
            "cap_sweep",
            "Does it work?",
            "",
            "Llama-9B",  # not in the models folder
            "7",  # no such number
            "Llama-3.2-1B-Instruct",
            "data/word.json",  # a typo in a folder that exists
            "data/words.json",
            "eight hundred",  # not a number
            "800,90,100",  # not the file's count
            "800,100,100",
            "learning_rate=1e-5",  # not torchtune's name
            "lora_rank=8 lr=fast",  # not a number
            "lora_rank=8 lr=1e-5,1e-5",  # twice
            "lora_rank=8",
            "",  # controls
            "0",  # epochs below 1
            "",
            "",
            "",
            "",
            "Be {input}",  # a system prompt is no template
            "",
            "no placeholder",  # a prompt without {input}
            "",
            "",
            "",
            "fast",  # learning rate that is no number
            "1e-4",
            "",  # LoRA rank: the variable's
            "",
        ),
    )
    assert code == 0, out
    for reason in (
        "'cap sweep' contains a space: use only letters, digits, '.', '_' and '-' (it names folders), e.g. cap_sweep",
        "'Llama-9B' is not in",
        "there is no model number 7: choose 1 to 2",
        "data/word.json does not exist: did you mean data/words.json?",
        "'eight hundred' is not a number: give sample counts like 800,100,100",
        "holds 100 validation records, not 90: answer 800,100,100",
        "'learning_rate' is not a hyper-parameter torchtune knows: did you mean 'lr'?",
        "lr 'fast' is not a number (e.g. 1e-5)",
        "lr lists 1e-5 twice",
        "epochs '0' is below 1",
        "{input} belongs in the prompt template",
        "'no placeholder' has no {input} placeholder",
    ):
        assert any(line.startswith("  ! ") and reason in line for line in out.splitlines()), reason
    plan = (workspace / "exp" / "plan.yaml").read_text(encoding="utf-8")
    assert "  lr: 1e-4\n" in plan and "  lora_rank: [8]\n" in plan
    assert runs_of(workspace / "exp") == ["Llama-3.2-1B_rank8", "Llama-3.2-1B_base"]
    assert_clean(workspace / "exp")


def test_enter_accepts_the_checklists_defaults(workspace: Path, terminal: None) -> None:
    code, out, _ = init(
        "cap_defaults",
        input=answers("", "Does it work?", "", "1", "data/words.json", "", "lr=1e-5", *[""] * 12),
    )
    assert code == 0, out
    for shown in (
        "Experiment name (letters, digits, . _ -) [cap_defaults]:",
        "Include base-model controls (each model evaluated without fine-tuning)? [Y/n]:",
        "How many epochs? [1]:",
        "GPUs per job [1]:",
        "Run validation during training? [Y/n]:",
        "[chat_completion]:",
        "Prompt template, with {input} where each record's input goes [{input}]:",
        "Pack the dataset (several samples per sequence; affects batch size)? [Y/n]:",
        "Batch size per GPU [4]:",
    ):
        assert shown in out
    plan = (workspace / "cap_defaults" / "plan.yaml").read_text(encoding="utf-8")
    controls = plan[plan.index("\ncontrols:") + 1 : plan.index("\nmodels:") + 1]
    assert controls == (
        "controls:\n  epochs: 1\n  batch_size: 4\n  gradient_accumulation_steps: 1\n  packed: true\n"
        '  gpus: 1\n  validation_during_training: true\n  system_prompt: ""\n  prompt: "{input}"\n'
        "  dataset_type: chat_completion\n\n"
    )
    assert "  base_controls: true\n" in plan and "\nevaluation:" not in plan
    assert_clean(workspace / "cap_defaults")


def test_given_flags_are_not_asked(workspace: Path, terminal: None) -> None:
    code, out, _ = init(
        "exp", "--name", "cap", "--model", "Llama-3.2-1B-Instruct", "--vary", "lr=1e-5", "--epochs", "1", *FLAGS,
        input=answers("", "", *[""] * 12),
    )  # fmt: skip
    assert code == 0, out
    for asked in (
        "Experiment name",
        "What question",
        "Models to fine-tune",
        "Training dataset",
        "Variables",
        "How many epochs",
    ):
        assert asked not in out
    assert "Samples per split" in out and "Batch size per GPU" in out
    assert_clean(workspace / "exp")


def test_several_gpus_turn_validation_off_and_say_why(workspace: Path, terminal: None) -> None:
    code, out, _ = init(
        "exp", "--model", "1", "--vary", "lr=1e-5", *FLAGS, input=answers("", "", "", "", "", "2", *[""] * 10)
    )
    assert code == 0, out
    assert "  validation during training: off (the multi-GPU recipe has no validation loop)" in out
    assert "  validation_during_training: false\n" in (workspace / "exp" / "plan.yaml").read_text()
    assert_clean(workspace / "exp")


def test_no_variables_evaluates_the_base_models_and_skips_training_questions(
    workspace: Path, terminal: None
) -> None:
    code, out, _ = init("exp", "--model", "1", "--model", "2", *FLAGS, input=answers(*[""] * 10))
    assert code == 0, out
    assert "trains nothing" in out and "How many epochs" not in out and "Batch size" not in out
    assert "Include base-model controls" not in out  # they are the only runs
    assert "System prompt" in out  # the evaluation uses it
    assert runs_of(workspace / "exp") == ["Llama-3.2-1B_base", "Llama-3.2-3B_base"]
    assert "variables: {}\n" in (workspace / "exp" / "plan.yaml").read_text()
    assert_clean(workspace / "exp")


# -- without a terminal: flags and answers files ---------------------------------------------------


def test_flags_alone_write_the_plan_without_a_prompt(workspace: Path) -> None:
    code, out, err = init(
        "experiments/cap", "--model", "Llama-3.2-1B-Instruct", "--model", "Llama-3.2-3B-Instruct",
        "--vary", "lora_rank=4,8", "--vary", "lr=1e-5,5e-5", "--epochs", "2", "--batch-size", "8",
        "--no-packing", "--system-prompt", "You capitalize words.", "--prompt", "Capitalize: {input}",
        "--dataset-type", "chat_completion", "--hypothesis", "rank matters", *FLAGS,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "?" not in out and "[" not in out  # nothing was asked
    folder = workspace / "experiments" / "cap"
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    assert "  name: cap\n" in plan and "    path: ../../data/words.json\n" in plan
    assert '  system_prompt: "You capitalize words."\n' in plan and "  batch_size: 8\n" in plan
    assert len(runs_of(folder)) == 10
    assert_clean(folder)


def test_answers_file_with_the_command_line_winning(workspace: Path) -> None:
    (workspace / "answers.yaml").write_text(
        "name: cap_from_file\n"
        "question: Does packing change the loss?\n"
        "models: [Llama-3.2-3B-Instruct]\n"
        "dataset: data/words.json\n"
        "splits: {train: 800, validation: 100, test: 100}\n"
        "variables:\n  lora_rank: [4, 8]\n  lr: [1e-5]\n"
        "epochs: 3\n"
        "controls: false\n"
        "dataset-type: text_completion\n",
        encoding="utf-8",
    )
    code, _, err = init("exp", "--from-answers", "answers.yaml", "--epochs", "1")
    assert (code, err) == (0, "")
    plan = (workspace / "exp" / "plan.yaml").read_text(encoding="utf-8")
    assert "  name: cap_from_file\n" in plan and "  epochs: 1\n" in plan
    assert "  lr: [1e-5]\n" in plan and "  base_controls: false\n" in plan
    assert "  dataset_type: text_completion\n" in plan
    assert runs_of(workspace / "exp") == ["Llama-3.2-3B_rank4_lr1e-5", "Llama-3.2-3B_rank8_lr1e-5"]
    assert_clean(workspace / "exp")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "init needs --question, --model and --dataset (no terminal to ask on)"),
        (["--question", "q", "--dataset", "data/words.json"], "init needs --model (no terminal to ask on)"),
        ([*FLAGS, "--model", "Llama-9B"], "--model: 'Llama-9B' is not in"),
        ([*FLAGS, "--model", "1", "--splits", "eight hundred"], "--splits: 'eight hundred' is not a number"),
        ([*FLAGS, "--model", "1", "--lr", "fast"], "--lr: lr 'fast' is not a number (e.g. 1e-5)"),
        ([*FLAGS, "--model", "1", "--vary", "learning_rate=1e-5"], "did you mean 'lr'?"),
        ([*FLAGS, "--model", "1", "--vary", "lora_rank"], "write each variable as name=value,value"),
        ([*FLAGS, "--model", "1", "--vary", "lr=1e-5", "--prompt", "Go"], "--prompt: 'Go' has no {input}"),
        ([*FLAGS, "--model", "1", "--vary", "lr=1e-5", "--gpus", "2", "--validation"], "no validation loop"),
        (
            [*FLAGS, "--model", "1", "--no-controls"],
            "--no-controls: with no variables the base-model controls",
        ),
        ([*FLAGS, "--model", "1", "--name", "cap sweep"], "--name: 'cap sweep' contains a space"),
        ([*FLAGS, "--model", "1", "--date", "2026-02-30"], "--date: '2026-02-30' is not a date"),
        ([*FLAGS, "--model", "1", "--models-dir", "nowhere"], "--models-dir nowhere: no such folder"),
        (
            [*FLAGS, "--model", "1", "--vary", "lr=1e-5", "--batch-size", "900", "--no-packing"],
            "a batch of 900 is larger than the 800 training samples",
        ),
    ],
)
def test_no_terminal_never_prompts_and_names_the_problem(
    workspace: Path, args: list[str], message: str
) -> None:
    code, out, err = init("exp", *args)
    assert code == 2
    assert out == ""
    assert err.startswith("planlint: error: ") and message in err, err
    assert not (workspace / "exp" / "plan.yaml").exists()


def test_answers_file_with_an_unknown_key(workspace: Path) -> None:
    (workspace / "answers.yaml").write_text("name: x\nlearning_rate: 1e-5\n", encoding="utf-8")
    code, _, err = init("exp", "--from-answers", "answers.yaml")
    assert code == 2 and "unknown answer 'learning_rate'" in err


def test_existing_files_are_not_overwritten_without_force(workspace: Path) -> None:
    args = ["exp", "--model", "1", "--vary", "lr=1e-5", *FLAGS]
    assert init(*args)[0] == 0
    (workspace / "exp" / "PLAN.md").write_text("my notes\n", encoding="utf-8")
    code, _, err = init(*args)
    assert code == 2
    assert "exp/plan.yaml and exp/PLAN.md already exist: pass --force to overwrite" in err
    assert (workspace / "exp" / "PLAN.md").read_text(encoding="utf-8") == "my notes\n"
    assert init(*args, "--force")[0] == 0
    assert "## All Runs" in (workspace / "exp" / "PLAN.md").read_text(encoding="utf-8")


def test_a_folder_with_another_plan_is_refused_even_with_force(workspace: Path) -> None:
    (workspace / "exp").mkdir()
    (workspace / "exp" / "experiment_summary.yaml").write_text("experiment: {}\n", encoding="utf-8")
    code, _, err = init("exp", "--model", "1", *FLAGS, "--force")
    assert code == 2 and "already holds a plan (experiment_summary.yaml)" in err


# -- what gets written -----------------------------------------------------------------------------


def test_a_dataset_that_is_not_on_this_machine_needs_its_splits(workspace: Path) -> None:
    args = ["exp", "--model", "1", "--vary", "lr=1e-5", "--no-packing", *FLAGS[:2]]
    code, _, err = init(*args, "--dataset", "/cluster/data/words.json")
    assert code == 2
    assert err == (
        "planlint: error: --dataset /cluster/data/words.json is not on this machine: init needs --splits "
        "with its train,validation,test counts (no terminal to ask on)\n"
    )
    code, out, _ = init(*args, "--dataset", "/cluster/data/words.json", "--splits", "800,100,100")
    assert code == 0
    assert "/cluster/data/words.json is not on this machine" in out
    plan = (workspace / "exp" / "plan.yaml").read_text(encoding="utf-8")
    assert "    path: /cluster/data/words.json\n" in plan
    assert "num_warmup_steps" not in plan  # 800 / 4 = 200 steps: torchtune's default warmup fits
    assert_clean(workspace / "exp")


def test_few_steps_get_a_warmup_below_torchtunes_default(workspace: Path) -> None:
    small = {"train": [{}] * 80, "validation": [{}] * 10}
    (workspace / "data" / "small.json").write_text(json.dumps(small), encoding="utf-8")
    args = ["--model", "1", "--vary", "lr=1e-5", "--no-packing", "--question", "q"]
    code, out, _ = init("exp", *args, "--dataset", "data/small.json")
    assert code == 0
    assert "controls.num_warmup_steps is 2" in out  # 80 / 4 = 20 steps, a tenth of them
    assert "  num_warmup_steps: 2\n" in (workspace / "exp" / "plan.yaml").read_text(encoding="utf-8")
    assert_clean(workspace / "exp")


def test_models_by_path_without_a_models_folder(workspace: Path) -> None:
    (workspace / ".planlint.toml").unlink()
    code, _, err = init(
        "exp", "--model", "models/Llama-3.2-1B-Instruct", "--model", "/cluster/models/Qwen2.5-0.5B",
        "--vary", "lora_rank=8", *FLAGS,
    )  # fmt: skip
    assert (code, err) == (0, "")
    plan = (workspace / "exp" / "plan.yaml").read_text(encoding="utf-8")
    assert (
        "    - name: Llama-3.2-1B-Instruct\n      short: Llama-3.2-1B\n      path: ../models/Llama-3.2-1B-Instruct\n"
        in plan
    )
    assert "    - name: Qwen2.5-0.5B\n      path: /cluster/models/Qwen2.5-0.5B\n" in plan
    assert runs_of(workspace / "exp")[-2:] == ["Qwen2.5-0.5B_rank8", "Qwen2.5-0.5B_base"]
    assert_clean(workspace / "exp")
    code, _, err = init("exp2", "--model", "Llama-3.2-1B-Instruct", *FLAGS)
    assert code == 2 and "no models folder is configured" in err


def test_compute_section_points_at_estimate_when_logs_are_configured(workspace: Path) -> None:
    args = ["--model", "1", "--vary", "lr=1e-5", *FLAGS]
    assert init("plain", *args)[0] == 0
    assert "configured" in (workspace / "plain" / "PLAN.md").read_text(encoding="utf-8")
    (workspace / ".planlint.toml").write_text(
        'models-dir = "models"\nlog-globs = ["logs/*/slurm-*.out"]\n', encoding="utf-8"
    )
    assert init("logs", *args)[0] == 0
    doc = (workspace / "logs" / "PLAN.md").read_text(encoding="utf-8")
    compute = doc[doc.index("## Compute") :]
    assert "`planlint estimate plan.yaml --write`" in compute and "configured" not in compute


def test_string_and_boolean_variables_are_quoted_only_when_needed(workspace: Path) -> None:
    code, _, err = init(
        "exp", "--model", "1", "--vary", "dataset_type=chat_completion,text_completion",
        "--vary", "packed=true,false", "--vary", "tag=yes,plain", *FLAGS,
    )  # fmt: skip
    assert (code, err) == (0, "")
    plan = (workspace / "exp" / "plan.yaml").read_text(encoding="utf-8")
    assert "  dataset_type: [chat_completion, text_completion]\n" in plan
    assert '  tag: ["yes", plain]\n' in plan and "  packed: [true, false]\n" in plan
    assert "  - name: Llama-3.2-1B_chatcompletion_packedtrue_yes\n" in plan  # named as the naming rules say
    assert '    parameters: {dataset_type: chat_completion, packed: true, tag: "yes"}\n' in plan
    assert_clean(workspace / "exp")


# -- pieces ----------------------------------------------------------------------------------------


def test_model_sizes_from_weights_or_config(workspace: Path) -> None:
    models = find_models(workspace / "models")
    assert [(m.name, m.size_text) for m in models] == [
        ("Llama-3.2-1B-Instruct", "~2.5 GB"),
        ("Llama-3.2-3B-Instruct", "0.003 GB"),
    ]
    assert size_from_config(LLAMA_1B_SHAPE) == pytest.approx(2.47, abs=0.01)
    assert size_from_config({"num_parameters": 3_000_000_000, "torch_dtype": "float32"}) == 12.0
    assert size_from_config({"hidden_size": 8}) is None
    assert [number_text(x) for x in (2.471, 16.06, 0.0012, 0.00001)] == ["2.5", "16.1", "0.001", "0"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lora_rank=4,8 lr=1e-5,5e-5", [("lora_rank", ["4", "8"]), ("lr", ["1e-5", "5e-5"])]),
        ("lora_rank = 4, 8  lr=1e-5", [("lora_rank", ["4", "8"]), ("lr", ["1e-5"])]),
        ("lr=.5,1.0E-4", [("lr", [".5", "1.0E-4"])]),
        ("", []),
    ],
)
def test_variables_keep_the_text_as_typed(text: str, expected: list[tuple[str, list[str]]]) -> None:
    assert [(k, [v.text for v in vs]) for k, vs in parse_variables(text)] == expected


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("/scratch/me/data/words.json", "/scratch/me/data/words.json"),
        ("../data/words.json", "../data/words.json"),
        ("words_5L", "words_5L"),
        ("", '""'),
        ("yes", '"yes"'),
        ("Capitalize: {input}\n", '"Capitalize: {input}\\n"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("2026-11-24", '"2026-11-24"'),
    ],
)
def test_yaml_strings_are_plain_only_when_safe(value: str, written: str) -> None:
    assert yaml_str(value) == written


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ranks=st.lists(st.sampled_from(["4", "8", "16", "32"]), min_size=1, max_size=3, unique=True),
    lrs=st.lists(st.sampled_from(["1e-5", "5e-5", "0.0001", "3e-4"]), min_size=0, max_size=3, unique=True),
    models=st.lists(st.sampled_from(["1", "2"]), min_size=1, max_size=2, unique=True),
    controls=st.booleans(),
    packing=st.booleans(),
)
def test_any_sweep_init_writes_passes_check(
    workspace: Path, ranks: list[str], lrs: list[str], models: list[str], controls: bool, packing: bool
) -> None:
    import shutil

    shutil.rmtree(workspace / "exp", ignore_errors=True)
    args = ["exp", *FLAGS, "--vary", "lora_rank=" + ",".join(ranks)]
    args += ["--vary", "lr=" + ",".join(lrs)] if lrs else []
    for m in models:
        args += ["--model", m]
    args += ["--controls" if controls else "--no-controls", "--packing" if packing else "--no-packing"]
    code, _, err = init(*args)
    assert (code, err) == (0, "")
    assert len(runs_of(workspace / "exp")) == len(models) * (len(ranks) * max(1, len(lrs)) + controls)
    assert_clean(workspace / "exp")
