"""Shared fixtures: realistic plans and a helper that checks plan text the way the CLI does."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from planlint.config import Config
from planlint.engine import run
from planlint.finding import Finding

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TWO_MODEL = (EXAMPLES / "two-model-sweep" / "plan.yaml").read_text(encoding="utf-8")
SEED = (EXAMPLES / "seed-sweep" / "plan.yaml").read_text(encoding="utf-8")
CASES = Path(__file__).resolve().parent / "cases"

#: The planning checklist's own All Runs table, as cells.
SEED_HEADER = ["Run Name", "Model", "LoRA Rank", "Learning Rate", "Batch Size", "Type", "Est. Time"]
SEED_ROWS = [
    [
        "Llama-3.2-1B_rank8_lr1e-5",
        "Llama-3.2-1B-Instruct",
        "8",
        "1e-5",
        "4",
        "Fine-tuned",
        "~10min",
    ],
    [
        "Llama-3.2-1B_rank8_lr5e-5",
        "Llama-3.2-1B-Instruct",
        "8",
        "5e-5",
        "4",
        "Fine-tuned",
        "~10min",
    ],
    ["Llama-3.2-1B_base", "Llama-3.2-1B-Instruct", "-", "-", "-", "Control", "N/A"],
]


def edit(text: str, *pairs: tuple[str, str]) -> str:
    """Apply exact, single-occurrence replacements, so a test fails loudly if the base plan moves."""
    for old, new in pairs:
        count = text.count(old)
        assert count == 1, f"{old!r} occurs {count} times in the plan (make it unique)"
        text = text.replace(old, new, 1)
    return text


Lint = Callable[..., list[Finding]]


@pytest.fixture
def lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lint:
    """Write plan text to tmp_path/plan.yaml and check it; returns the findings."""
    monkeypatch.chdir(tmp_path)

    def _lint(text: str | bytes, config: Config | None = None, name: str = "plan.yaml") -> list[Finding]:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return run([str(path)], config or Config(ignore=["PL504"])).findings

    return _lint


def rules_of(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


# Hypothesis profiles: "ci" (default) keeps the fuzz campaign to a minute or two;
# HYPOTHESIS_PROFILE=long runs it for real before a release.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))


# -- every rule is triggered by some test ----------------------------------------------------------
#: Rule ids of every finding the engine produced during this test session.
TRIGGERED: set[str] = set()


def pytest_configure(config: pytest.Config) -> None:
    """Record which rules tests actually trigger (findings that reach a user, not id strings)."""
    from planlint import engine

    original = engine.Collector.add

    def add(self: engine.Collector, *args: object, **kwargs: object) -> None:
        before = len(self.findings)
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        TRIGGERED.update(f.rule for f in self.findings[before:])

    engine.Collector.add = add  # type: ignore[method-assign]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After a clean run of the whole suite, fail when a rule was never triggered by any test."""
    opts = session.config.option
    whole = not session.config.args or [Path(a).resolve() for a in session.config.args] in (
        [ROOT],
        [ROOT / "tests"],
    )
    if exitstatus != 0 or not whole or opts.keyword or opts.markexpr or session.testsfailed:
        return
    from planlint.rules import RULES

    never = sorted(set(RULES) - TRIGGERED)
    if never:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"rules no test triggered: {', '.join(never)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# -- `planlint init` workspaces ---------------------------------------------------------------------

#: config.json of Llama-3.2-1B-Instruct: the fields that give its size (init reads them).
LLAMA_1B_SHAPE = {
    "hidden_size": 2048,
    "intermediate_size": 8192,
    "num_attention_heads": 32,
    "num_hidden_layers": 16,
    "num_key_value_heads": 8,
    "tie_word_embeddings": True,
    "torch_dtype": "bfloat16",
    "vocab_size": 128256,
}


def init_workspace(root: Path, data: str = "words.json", models: tuple[str, ...] = ("1B", "3B")) -> Path:
    """What `planlint init` is pointed at: models/Llama-3.2-{1B,3B}-Instruct (the 1B with its
    config's shape, the 3B sized by its weights file), models/notes (no config.json: not a model),
    data/`data` with 800/100/100 records, and a .planlint.toml naming the models folder."""
    for size in models:
        folder = root / "models" / f"Llama-3.2-{size}-Instruct"
        folder.mkdir(parents=True)
        shape = LLAMA_1B_SHAPE if size == "1B" else {}
        (folder / "config.json").write_text(json.dumps(shape), encoding="utf-8")
        if size != "1B":
            (folder / "model.safetensors").write_bytes(b"\0" * 3_000_000)
    (root / "models" / "notes").mkdir()
    (root / "data").mkdir()
    record = {"input": "hello", "output": "HELLO"}
    splits = {"train": [record] * 800, "validation": [record] * 100, "test": [record] * 100}
    (root / "data" / data).write_text(json.dumps(splits), encoding="utf-8")
    (root / ".planlint.toml").write_text('models-dir = "models"\n', encoding="utf-8")
    return root


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend stdin is a terminal, so init interviews (CliRunner's stdin is not one)."""
    import planlint.cli

    monkeypatch.setattr(planlint.cli, "_stdin_is_terminal", lambda: True)


def planlint_main(*args: str, input: str | None = None) -> tuple[int, str, str]:
    """Run planlint in-process through main(): exit code, stdout, stderr."""
    from planlint.cli import main

    with CliRunner().isolation(input=input) as (out, err, _):
        code = main(list(args))
    return code, out.getvalue().decode(), err.getvalue().decode()


def example_repo(root: Path, monkeypatch: pytest.MonkeyPatch, example: str = "seed-sweep") -> Path:
    """examples/`example` (plan + PLAN.md) copied to `root`/exp in a temp repository (a bare .git
    folder marks its root), `root` as the working folder; returns the copy."""
    import shutil

    (root / ".git").mkdir()
    shutil.copytree(EXAMPLES / example, root / "exp")
    monkeypatch.chdir(root)
    return root / "exp"


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd`; its stdout (a failure raises)."""
    import subprocess

    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def git_repo(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository at `root` on branch main with its own identity, isolated from the
    user's and the runner's git settings (a hook's GIT_DIR, a global config, GitHub's summary)."""
    import os

    for var in [v for v in os.environ if v.startswith("GIT_")]:  # e.g. GIT_DIR when run inside a hook
        monkeypatch.delenv(var)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    git(root, "symbolic-ref", "HEAD", "refs/heads/main")
    git(root, "config", "user.name", "planlint tests")
    git(root, "config", "user.email", "tests@planlint.invalid")
    git(root, "config", "commit.gpgsign", "false")
    return root


# -- the design cases (tests/cases/designs/): cruijff_kit's documented designs as plans ------------

#: What the design tests leave out: the doc pairing, the file system and estimates.
DESIGN_QUIET = Config(ignore=["PL504", "PL6", "PL701"])


def design(name: str) -> str:
    """The text of tests/cases/designs/`name`.yaml."""
    return (CASES / "designs" / f"{name}.yaml").read_text(encoding="utf-8")


def data_of(text: str) -> object:
    """Plan text as plain data (PyYAML-like safe load), to compare what edits leave."""
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text)


def not_info(findings: list[Finding]) -> list[Finding]:
    """The findings above info level."""
    return [f for f in findings if f.severity.value != "info"]
