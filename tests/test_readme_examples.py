"""README.md's ```console blocks are transcripts: run them, in order, in a fresh demo repository.

Every `$ command` line of every console block (continued over lines ending in `\\`) runs with bash in
one folder, in README order, stdout and stderr together; what follows it up to the next `$` is the
expected output. The demo folder is a git repository (branch `main`, one commit) holding
`models/Llama-3.2-1B-Instruct/`, `models/Llama-3.2-3B-Instruct/` (each a `config.json`),
`data/words_5L.json` (800/100/100 records), `experiments/draft/` (the two-model example with one run
deleted and one table cell changed), `experiments/pilot/` (the two-model example, part-way through
its sweep under `scratch/`), `experiments/recipe-test/` (the seed sweep on a torchtune recipe),
`experiments/old/` (a cruijff_kit plan from before its key renames) and a prior run's log under
`scratch/ck-projects/capitalization/cap_pilot/`; `GITHUB_STEP_SUMMARY` names a file in it.

Normalised before comparing, and nothing else: the demo folder's absolute path (shown as `~/demo`)
and git commit abbreviations (7 to 40 hex digits).

`PLANLINT_UPDATE_README=1 python -m pytest tests/test_readme_examples.py` rewrites each block's
outputs from a real run, so a change that alters an output regenerates the README.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from conftest import SEED, TWO_MODEL, edit
from experiment_tree import (
    FINE_TUNED,
    SCRATCH_DATA,
    SCRATCH_EXP,
    SCRATCH_MODELS,
    Experiment,
    dataset,
    scaffold_run,
)

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
LOGS = ROOT / "tests" / "logs"
SHOWN_ROOT = "~/demo"
SHA = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{7,40}(?![0-9A-Za-z])")
FENCE = re.compile(r"^```console\n(.*?)^```\n", re.S | re.M)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Demo Researcher",
    "GIT_AUTHOR_EMAIL": "me@example.org",
    "GIT_COMMITTER_NAME": "Demo Researcher",
    "GIT_COMMITTER_EMAIL": "me@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass
class Command:
    """One `$ command` of a console block and the output the README shows for it."""

    text: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    """A console block: where its body starts and ends in README.md, and its commands."""

    start: int
    end: int
    commands: list[Command]


def parse_blocks(readme: str) -> list[Block]:
    """The console blocks of the README, each split into commands and their expected output."""
    blocks = []
    for m in FENCE.finditer(readme):
        commands: list[Command] = []
        continued = False
        for line in m.group(1).splitlines():
            if continued:
                commands[-1].text += "\n" + line
                continued = line.endswith("\\")
            elif line.startswith("$ "):
                commands.append(Command(line[2:]))
                continued = line.endswith("\\")
            else:
                assert commands, f"console block at offset {m.start()} has output before its first `$ `"
                commands[-1].expected.append(line)
        blocks.append(Block(m.start(1), m.end(1), commands))
    return blocks


def normalise(text: str, root: Path) -> str:
    """The stated normalisations: the demo folder's path, commit abbreviations."""
    return SHA.sub("<sha>", text.replace(str(root), SHOWN_ROOT))


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, env={**os.environ, **GIT_ENV}, capture_output=True)


def build_demo(root: Path) -> None:
    """The demo repository the README's examples run in (see the module docstring)."""
    root.mkdir()
    for name in ("Llama-3.2-1B-Instruct", "Llama-3.2-3B-Instruct"):
        (root / "models" / name).mkdir(parents=True)
        (root / "models" / name / "config.json").write_text(
            json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}) + "\n",
            encoding="utf-8",
        )
    (root / "data").mkdir()
    (root / "data" / "words_5L.json").write_text(
        json.dumps(dataset(800, 100, 100), indent=1), encoding="utf-8"
    )
    shutil.copy(root / "data" / "words_5L.json", root / "data" / "words_5L_80P_1000.json")
    exp_rel = "../../scratch/ck-projects/capitalization/cap_lora_rank_lr_sweep"
    local = (
        TWO_MODEL.replace(SCRATCH_EXP, exp_rel)
        .replace(SCRATCH_MODELS, "../../models")
        .replace(SCRATCH_DATA, "../../data/words_5L_80P_1000.json")
    )
    local = local[local.index("\n") + 1 :]  # no schema modeline: the demo has no schema copy yet
    doc = (ROOT / "examples" / "two-model-sweep" / "PLAN.md").read_text(encoding="utf-8")
    # experiments/pilot: the sweep part-way through (trained, failed, drifted, scaffolded, planned)
    pilot = root / "experiments" / "pilot"
    pilot.mkdir(parents=True)
    (pilot / "plan.yaml").write_text(local, encoding="utf-8")
    (pilot / "PLAN.md").write_text(doc, encoding="utf-8")
    exp = (pilot / exp_rel).resolve()
    data = root / "data" / "words_5L_80P_1000.json"
    e = Experiment(root, pilot / "plan.yaml", local, exp, root / "models", data)
    for i, (name, model, rank, lr) in enumerate(FINE_TUNED[:6]):
        trained = (0, 1) if i in (0, 3, 4) else ()
        d = scaffold_run(e, name, model, rank, lr, epochs=trained, job=5550010 + i)
        if i == 1:
            oom = LOGS / "formats" / "v0.4-oom" / "slurm-1000404.out"
            shutil.copy(oom, d / "artifacts" / "slurm-5550012.out")
        if i == 2:
            for name in ("setup_finetune.yaml", "finetune.yaml"):  # re-scaffolded by hand with batch 2
                config = d / name
                config.write_text(
                    edit(config.read_text(encoding="utf-8"), ("batch_size: 4\n", "batch_size: 2\n")),
                    encoding="utf-8",
                )
    (exp / "Llama-3.2-1B_base").mkdir()
    (exp / "brave_turing" / "artifacts").mkdir(parents=True)
    # experiments/draft: a run forgotten (in the plan and the doc), a table cell edited by hand
    draft = root / "experiments" / "draft"
    draft.mkdir()
    gone = "Llama-3.2-3B_rank8_lr5e-5"
    run_text = local[local.index(f"  - name: {gone}\n") :]
    run_text = run_text[: run_text.index("  - name:", 3)]
    matrix = next(line + "\n" for line in local.splitlines() if line.startswith(f"    - {{run: {gone},"))
    (draft / "plan.yaml").write_text(
        edit(local, (run_text, ""), (matrix, ""), (f"  dir: {exp_rel}\n", "")), encoding="utf-8"
    )
    kept = [line for line in doc.splitlines(keepends=True) if not line.startswith(f"| {gone} |")]
    (draft / "PLAN.md").write_text(
        edit(
            "".join(kept),
            (
                "| Llama-3.2-1B_rank8_lr1e-5 | Llama-3.2-1B-Instruct | 8 | 1e-5 |",
                "| Llama-3.2-1B_rank8_lr1e-5 | Llama-3.2-1B-Instruct | 8 | 2e-5 |",
            ),
        ),
        encoding="utf-8",
    )
    # the prior run the estimate reads, as cruijff_kit lays it out (with the launcher's copy)
    prior = (
        root
        / "scratch"
        / "ck-projects"
        / "capitalization"
        / "cap_pilot"
        / "Llama-3.2-1B_rank16"
        / "artifacts"
    )
    (prior / "epoch_0").mkdir(parents=True)
    log = LOGS / "cruijff_kit" / "slurm_training_output.txt"
    shutil.copy(log, prior / "slurm-5550001.out")
    shutil.copy(log, prior / "epoch_0" / "slurm-5550001.out")
    # experiments/recipe-test: the seed sweep with its epochs and batch size on a torchtune recipe
    recipe = root / "experiments" / "recipe-test"
    recipe.mkdir()
    seed = SEED.replace("/scratch/shared/pretrained-llms", "../../models").replace(
        "/scratch/shared/ck-data", "../../data"
    )
    (recipe / "plan.yaml").write_text(
        edit(
            seed,
            (
                "  epochs: 1\n  batch_size: 4\n  gradient_accumulation_steps: 1\n",
                "  base_recipe: llama3_2/1B_lora_single_device\n  epochs: 1\n  batch_size: 4\n",
            ),
        ),
        encoding="utf-8",
    )
    shutil.copy(ROOT / "examples" / "seed-sweep" / "PLAN.md", recipe / "PLAN.md")
    # experiments/old: cruijff_kit's reference plan as it was before its key renames
    (root / "experiments" / "old").mkdir()
    shutil.copy(
        ROOT / "tests" / "cases" / "cruijff" / "history" / "09_978b9b9.yaml",
        root / "experiments" / "old" / "experiment_summary.yaml",
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "demo: models, data, experiments")


def shell_env(tmp: Path, root: Path) -> dict[str, str]:
    """The environment the commands run in: `planlint` is this interpreter's, no CI or colour variables."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "planlint"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m planlint.cli "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    drop = {"FORCE_COLOR", "NO_COLOR", "GITHUB_ACTIONS", "PRE_COMMIT", "CI", "PLANLINT_UPDATE_README"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("GITHUB_")}
    env.update(GIT_ENV)
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        GITHUB_STEP_SUMMARY=str(root / "step-summary.md"),
        COLUMNS="100",
        LC_ALL="C.UTF-8",
        TZ="UTC",
    )
    return env


def run_command(command: str, root: Path, env: dict[str, str]) -> list[str]:
    """Run one command with bash in the demo folder; its output lines (stdout and stderr together)."""
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=120,
        check=False,
    )
    return done.stdout.decode("utf-8").splitlines()


def test_readme_console_blocks_are_transcripts(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    build_demo(root)
    env = shell_env(tmp_path, root)
    text = README.read_text(encoding="utf-8")
    blocks = parse_blocks(text)
    assert blocks and all(b.commands for b in blocks), "every console block starts with `$ `"
    update = os.environ.get("PLANLINT_UPDATE_README") == "1"
    new_text, pos, problems = [], 0, []
    for block in blocks:
        body = []
        for command in block.commands:
            actual = run_command(command.text, root, env)
            shown = "\n".join(actual).replace(str(root), SHOWN_ROOT).splitlines()
            assert not any("Traceback" in line or "command not found" in line for line in actual), (
                f"`{command.text}` failed:\n" + "\n".join(actual)
            )
            body += ["$ " + command.text, *shown]
            want = normalise("\n".join(command.expected), root)
            got = normalise("\n".join(actual), root)
            if want != got:
                problems.append(f"$ {command.text}\n--- README\n{want}\n--- real output\n{got}")
        new_text += [text[pos : block.start], "\n".join(body) + "\n"]
        pos = block.end
    new_text.append(text[pos:])
    if update:
        README.write_text("".join(new_text), encoding="utf-8")
        return
    assert not problems, (
        "README console blocks differ from the commands' real output "
        "(PLANLINT_UPDATE_README=1 python -m pytest tests/test_readme_examples.py):\n\n"
        + "\n\n".join(problems)
    )


def test_the_parser_reads_continuations_and_outputs() -> None:
    block = "```console\n$ planlint init x \\\n    --name y\nWrote x\n$ true\n```\n"
    (parsed,) = parse_blocks(block)
    assert [c.text for c in parsed.commands] == ["planlint init x \\\n    --name y", "true"]
    assert [c.expected for c in parsed.commands] == [["Wrote x"], []]


def test_the_quick_start_is_what_ci_runs() -> None:
    # The quick start's blocks are commands to type (```sh): .ci/run runs each step of them.
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Quick start") : text.index("## What a check looks like")]
    commands = re.findall(r"^```sh\n(.*?)\n```", section, re.S | re.M)
    assert len(commands) == 2, "the quick start is two commands: install and check, then the tests"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_steps = {
        " ".join(line.replace("--quiet ", "").split()).removeprefix("python -m ") for line in ci.splitlines()
    }
    for command in commands:
        for step in command.split(" && "):
            step = step.removeprefix("python -m ")
            if step.startswith("python3 -m venv "):
                assert any(s.startswith("python3 -m venv ") for s in ci_steps)
            elif step == ". .venv/bin/activate":
                assert any(s.startswith(". ") and s.endswith('/bin/activate"') for s in ci_steps)
            else:
                assert step in ci_steps, f"README quick start step `{step}` is not what .ci/run runs"
