"""End to end: the hooks of .pre-commit-hooks.yaml installed by the real pre-commit into a real git
repository, then `git commit` refused or accepted. Deselect with `-m "not e2e"`.

The hook repository is a snapshot of this checkout's working tree (committed in a temp folder, as
`pre-commit try-repo` does), so the hooks tested are the ones in the working tree. pre-commit builds
the hook's virtualenv once per test session with pip from the machine's configured index.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT
from ruamel.yaml import YAML

from planlint.config import Config
from planlint.engine import discover

HOOK_IDS = ("planlint", "planlint-fix")
_SKIP = {".git", ".hypothesis", ".mypy_cache", ".pytest_cache", ".ruff_cache", "__pycache__", ".venv", "venv"}


def _env(pre_commit_home: Path) -> dict[str, str]:
    """The test's own git and pre-commit: no inherited repository, identity, hooks path or CI mode."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT", "GITHUB_"))}
    env.update(
        PRE_COMMIT_HOME=str(pre_commit_home),
        GIT_CONFIG_GLOBAL=os.devnull,  # a global core.hooksPath or commit.gpgsign must not interfere
        GIT_CONFIG_NOSYSTEM="1",
        NO_COLOR="1",
        TERM="dumb",
    )
    return env


def _run(
    cmd: list[str], cwd: Path, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def _git(cwd: Path, env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return _run(["git", *args], cwd, env, check)


def _init_repo(path: Path, env: dict[str, str]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    _git(path, env, "init", "-q")
    _git(path, env, "symbolic-ref", "HEAD", "refs/heads/main")
    _git(path, env, "config", "user.name", "planlint tests")  # CI runners have no git identity
    _git(path, env, "config", "user.email", "tests@planlint.invalid")
    _git(path, env, "config", "commit.gpgsign", "false")


def _checkout_files(root: Path) -> list[str]:
    """The files of this checkout a commit would hold (tracked and untracked, not ignored)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=root,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode()
        return [p for p in out.split("\0") if p and (root / p).is_file()]
    except (OSError, subprocess.SubprocessError):  # an unpacked sdist: no git metadata
        files = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in _SKIP]
            files += [os.path.relpath(os.path.join(dirpath, f), root) for f in filenames]
        return files


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(hook repository path, its commit, environment) shared by the tests of this module."""
    base = tmp_path_factory.mktemp("hooks")
    env = _env(base / "pre-commit-home")
    snapshot = base / "planlint-snapshot"
    for rel in _checkout_files(ROOT):
        target = snapshot / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    _init_repo(snapshot, env)
    _git(snapshot, env, "add", "-A")
    _git(snapshot, env, "commit", "-q", "-m", "snapshot of the working tree")
    rev = _git(snapshot, env, "rev-parse", "HEAD").stdout.strip()
    yield str(snapshot), rev, env


def _user_repo(
    tmp_path: Path,
    hooks: tuple[str, str, dict[str, str]],
    experiments: dict[str, Path],
    hook_options: str = "",
) -> tuple[Path, dict[str, str]]:
    """A repository with the given experiments committed and both hooks installed."""
    repo_path, rev, env = hooks
    repo = tmp_path / "research"
    _init_repo(repo, env)
    for name, source in experiments.items():
        shutil.copytree(source, repo / "experiments" / name)
    # the editor schema the plans' modelines name, committed at the root as `planlint init` does
    (repo / "schemas").mkdir()
    shutil.copy(ROOT / "schemas" / "plan.schema.json", repo / "schemas" / "plan.schema.json")
    hook_lines = "".join(f"      - id: {h}\n{hook_options}" for h in HOOK_IDS)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo_path}\n    rev: {rev}\n    hooks:\n{hook_lines}", encoding="utf-8"
    )
    _run([sys.executable, "-m", "pre_commit", "install"], repo, env)
    _git(repo, env, "add", "-A")
    first = _git(repo, env, "commit", "-m", "plan the sweep", check=False)
    assert first.returncode == 0, first.stdout + first.stderr  # a clean experiment commits
    assert "planlint (check experiment plans and their docs)" in first.stdout + first.stderr
    return repo, env


def _commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    proc = _git(repo, env, "commit", "-m", message, check=False)
    proc.stdout += proc.stderr
    return proc


def _commits(repo: Path, env: dict[str, str]) -> int:
    return int(_git(repo, env, "rev-list", "--count", "HEAD").stdout)


def _set_first_time(plan: Path, new: str) -> None:
    text = plan.read_text(encoding="utf-8")
    assert 'time: "0:10:00"' in text
    plan.write_text(text.replace('time: "0:10:00"', f'time: "{new}"', 1), encoding="utf-8")


@pytest.mark.e2e
def test_stale_table_is_refused_with_its_diff_then_fixed(tmp_path: Path, hooks) -> None:  # type: ignore[no-untyped-def]
    repo, env = _user_repo(tmp_path, hooks, {"cap-lr": EXAMPLES / "seed-sweep"})
    plan, doc = repo / "experiments/cap-lr/plan.yaml", repo / "experiments/cap-lr/PLAN.md"
    _set_first_time(plan, "0:40:00")
    _git(repo, env, "add", "experiments/cap-lr/plan.yaml")  # only the plan: the doc is pulled in

    refused = _commit(repo, env, "longer first run")
    assert refused.returncode != 0
    out = refused.stdout
    assert "experiments/cap-lr/PLAN.md:22:1: PL501 error" in out
    assert "Est. Time is ~10min in the doc, ~40min in the plan" in out
    assert (
        "-| Llama-3.2-1B_rank8_lr1e-5 | Llama-3.2-1B-Instruct | 8 | 1e-5 | 4 | Fine-tuned | ~10min |" in out
    )
    assert (
        "+| Llama-3.2-1B_rank8_lr1e-5 | Llama-3.2-1B-Instruct | 8 | 1e-5 | 4 | Fine-tuned | ~40min |" in out
    )
    assert "Fixing experiments/cap-lr/PLAN.md" in out  # planlint-fix rewrote it...
    assert "files were modified by this hook" in out  # ...which stops the commit for review
    assert _commits(repo, env) == 1
    assert "| Fine-tuned | ~40min |" in doc.read_text(encoding="utf-8")

    _git(repo, env, "add", "experiments/cap-lr/PLAN.md")
    accepted = _commit(repo, env, "longer first run")
    assert accepted.returncode == 0, accepted.stdout
    assert _commits(repo, env) == 2
    assert _git(repo, env, "status", "--porcelain").stdout == ""


@pytest.mark.e2e
def test_plan_missing_a_control_is_refused(tmp_path: Path, hooks) -> None:  # type: ignore[no-untyped-def]
    repo, env = _user_repo(
        tmp_path, hooks, {"cap-lr": EXAMPLES / "seed-sweep", "two-models": EXAMPLES / "two-model-sweep"}
    )
    plan = repo / "experiments/two-models/plan.yaml"
    text = plan.read_text(encoding="utf-8")
    control = re.search(r"  - name: Llama-3.2-3B_base\n(    .*\n)+", text)
    assert control is not None
    text = text.replace(control.group(0), "", 1)
    matrix = re.search(r"    - run: Llama-3.2-3B_base\n(      .*\n)+", text)
    if matrix is not None:  # its evaluation entry goes too, so the control is the only defect
        text = text.replace(matrix.group(0), "", 1)
    plan.write_text(text, encoding="utf-8")
    _git(repo, env, "add", "-A")

    refused = _commit(repo, env, "drop the 3B control")
    assert refused.returncode != 0
    assert "PL204 error" in refused.stdout
    assert "Llama-3.2-3B-Instruct" in refused.stdout
    assert _commits(repo, env) == 1


@pytest.mark.e2e
def test_many_changed_files_run_in_one_process(tmp_path: Path, hooks) -> None:  # type: ignore[no-untyped-def]
    """require_serial: with plan and doc both changed in ten experiments (20 files, two CPUs or
    more), unserialised pre-commit splits them across processes and reports drift twice."""
    names = [f"sweep{i:02d}" for i in range(10)]
    repo, env = _user_repo(tmp_path, hooks, dict.fromkeys(names, EXAMPLES / "seed-sweep"))
    for name in names:
        _set_first_time(repo / "experiments" / name / "plan.yaml", "1:00:00")
        doc = repo / "experiments" / name / "PLAN.md"
        doc.write_text(
            doc.read_text(encoding="utf-8").replace("## Question", "## The question"), encoding="utf-8"
        )
    _git(repo, env, "add", "-A")

    refused = _commit(repo, env, "longer first runs")
    assert refused.returncode != 0
    out = refused.stdout
    drift = re.findall(r"^(experiments/\S+/PLAN\.md):22:1: PL501 error", out, flags=re.M)
    assert sorted(drift) == [f"experiments/{n}/PLAN.md" for n in names]  # each once
    hooks_out = re.split(r"^planlint .*\.{3,}(?:Failed|Passed)$", out, flags=re.M)[1:]
    # one process per hook (planlint-fix checks too, after fixing)
    assert [len(re.findall(r"^\d+ files checked", h, flags=re.M)) for h in hooks_out] == [1, 1]
    assert sorted(re.findall(r"^Fixing (\S+)", out, flags=re.M)) == [
        f"experiments/{n}/PLAN.md" for n in names
    ]

    _git(repo, env, "add", "-A")
    accepted = _commit(repo, env, "longer first runs")
    assert accepted.returncode == 0, accepted.stdout


@pytest.mark.e2e
def test_hook_without_filenames_checks_the_whole_repository(tmp_path: Path, hooks) -> None:  # type: ignore[no-untyped-def]
    """`pass_filenames: false` (or `pre-commit run --all-files`): planlint finds the plans itself."""
    repo, env = _user_repo(
        tmp_path, hooks, {"cap-lr": EXAMPLES / "seed-sweep"}, "        pass_filenames: false\n"
    )
    _set_first_time(repo / "experiments/cap-lr/plan.yaml", "0:20:00")
    (repo / "notes.md").write_text("# notes\n", encoding="utf-8")  # a changed file that is no plan
    _git(repo, env, "add", "notes.md")  # the plan's edit stays unstaged: pre-commit stashes it

    accepted = _commit(repo, env, "notes")
    assert accepted.returncode == 0, accepted.stdout

    _git(repo, env, "add", "-A")
    refused = _commit(repo, env, "shorter run")
    assert refused.returncode != 0
    assert "experiments/cap-lr/PLAN.md:22:1: PL501 error" in refused.stdout
    assert "2 files checked" in refused.stdout


# -- the manifest and the shipped examples (quick, but kept with the hooks they describe) -------------------
def _manifest() -> list[dict]:  # type: ignore[type-arg]
    return YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_manifest_hooks_are_serial_python_hooks_on_plans_and_docs() -> None:
    hooks_by_id = {h["id"]: h for h in _manifest()}
    assert sorted(hooks_by_id) == sorted(HOOK_IDS)
    assert hooks_by_id["planlint"]["entry"] == "planlint check"
    assert hooks_by_id["planlint-fix"]["entry"] == "planlint check --fix"
    for hook in hooks_by_id.values():
        assert hook["language"] == "python"
        assert hook["require_serial"] is True
        assert hook.get("pass_filenames", True) is True
        files = re.compile(hook["files"])
        for path in ("plan.yaml", "exp/plan.yml", "a/b/experiment_summary.yaml", "exp/PLAN.md", "README.md"):
            assert files.search(path), path
        for path in ("exp/finetune.yaml", "myplan.yaml", "plan.yaml.bak", "experiment_summary.yml.orig"):
            assert not files.search(path), path


def test_every_hook_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Pre-commit and CI") : readme.index("## Configuration")]
    for hook in _manifest():
        assert f"id: {hook['id']}" in section


def test_example_configs_are_not_taken_for_plans() -> None:
    plans, _ = discover([str(EXAMPLES)], Config())
    assert all(p.name in ("plan.yaml", "plan.yml", "experiment_summary.yaml") for p in plans)
    assert {p.name for p in EXAMPLES.iterdir() if p.is_file()} >= {
        "github-workflow.yml",
        "pre-commit-config.yaml",
    }


def test_example_pre_commit_config_names_the_hooks() -> None:
    config = YAML(typ="safe").load((EXAMPLES / "pre-commit-config.yaml").read_text(encoding="utf-8"))
    ids = [h["id"] for repo in config["repos"] for h in repo["hooks"]]
    assert set(ids) <= set(HOOK_IDS) and "planlint" in ids
