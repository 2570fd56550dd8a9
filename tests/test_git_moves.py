"""A plan moved to another folder (`git mv`, or a plain move) is compared with its old version:
`check --base` keeps PL801/PL802/PL804, and `planlint diff` says "moved from" with the real
changes only."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from conftest import SEED, TWO_MODEL, edit, git, git_repo

from planlint.cli import main

RUN1 = "    parameters: {lora_rank: 8, lr: 1e-5}\n"
RUN1_NAME = "  - name: Llama-3.2-1B_rank8_lr1e-5\n"
LR = "  lr: [1e-5, 5e-5]\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository on main holding examples/seed-sweep at experiments/a/plan.yaml with
    `experiment.dir: ../../scratch/cap` (scratch/ ignored), whose first run's folder holds a
    trained adapter; the working folder."""
    root = git_repo(tmp_path / "repo", monkeypatch)
    (root / ".gitignore").write_text("scratch/\n", encoding="utf-8")
    plan = root / "experiments" / "a" / "plan.yaml"
    plan.parent.mkdir(parents=True)
    plan.write_text(
        edit(SEED, ('  date: "2026-11-24"\n', '  date: "2026-11-24"\n  dir: ../../scratch/cap\n')),
        encoding="utf-8",
    )
    adapter = root / "scratch/cap/Llama-3.2-1B_rank8_lr1e-5/artifacts/epoch_0/adapter_model.safetensors"
    adapter.parent.mkdir(parents=True)
    adapter.write_bytes(b"\0" * 64)
    commit(root, "plan")
    git(root, "checkout", "-q", "-b", "feat")
    monkeypatch.chdir(root)
    return root


def commit(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def rewrite(path: Path, *pairs: tuple[str, str]) -> None:
    path.write_text(edit(path.read_text(encoding="utf-8"), *pairs), encoding="utf-8")


def check_pl8(*args: str) -> tuple[int, list[tuple[str, str]]]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["check", "--format", "json", "--select", "PL8", *args])
    return code, [(f["rule"], f["message"]) for f in json.loads(buf.getvalue())]


def run_diff(*args: str) -> str:
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["diff", *args])
    assert code == 0
    return buf.getvalue()


# -- check --base -----------------------------------------------------------------------------------
def test_a_git_mv_keeps_pl804_for_a_reparameterised_run_with_results(repo: Path) -> None:
    git(repo, "mv", "experiments/a", "experiments/a2")
    rewrite(repo / "experiments/a2/plan.yaml", (RUN1, "    parameters: {lora_rank: 8, lr: 2e-5}\n"))
    commit(repo, "move and change")
    code, found = check_pl8("--base", "main", "experiments/a2")
    assert code == 1
    [(rule, message)] = found
    assert rule == "PL804"
    assert "'Llama-3.2-1B_rank8_lr1e-5' kept its name but changed since main (lr 1e-5 → 2e-5)" in message


def test_a_git_mv_keeps_pl802_for_a_removed_run_with_results(repo: Path) -> None:
    git(repo, "mv", "experiments/a", "experiments/a2")
    rewrite(
        repo / "experiments/a2/plan.yaml",
        (RUN1_NAME, "  - name: Llama-3.2-1B_rank8_lr2e-5\n"),
        (RUN1, "    parameters: {lora_rank: 8, lr: 2e-5}\n"),
        (LR, "  lr: [2e-5, 5e-5]\n"),
        ("    - run: Llama-3.2-1B_rank8_lr1e-5\n", "    - run: Llama-3.2-1B_rank8_lr2e-5\n"),
    )
    commit(repo, "move and rename the run")
    code, found = check_pl8("--base", "main", "experiments/a2")
    assert code == 1
    assert [r for r, _ in found] == ["PL802"]
    assert "'Llama-3.2-1B_rank8_lr1e-5' was removed since main" in found[0][1]
    # the folder as a path, not experiments/a2/../../scratch/cap/...
    assert found[0][1].endswith(" but scratch/cap/Llama-3.2-1B_rank8_lr1e-5/artifacts/ holds its results")


def test_a_staged_move_is_compared_by_changed_since_too(repo: Path) -> None:
    git(repo, "mv", "experiments/a/plan.yaml", "experiments/a/experiment_summary.yaml")
    rewrite(
        repo / "experiments/a/experiment_summary.yaml", (RUN1, "    parameters: {lora_rank: 4, lr: 1e-5}\n")
    )
    code, found = check_pl8("--changed-since", "main")
    assert code == 1
    assert [r for r, _ in found] == ["PL804"]


def test_a_plain_move_git_has_not_seen_is_paired_by_its_experiment(repo: Path) -> None:
    """`mv` without `git add`: the new file is untracked, git sees only a deletion; the plan
    names the same experiment.dir, so it is the same experiment."""
    (repo / "experiments/a").rename(repo / "experiments/b")
    rewrite(repo / "experiments/b/plan.yaml", (RUN1, "    parameters: {lora_rank: 8, lr: 3e-5}\n"))
    code, found = check_pl8("--base", "main", "experiments/b")
    assert code == 1
    assert [r for r, _ in found] == ["PL804"]


def test_a_move_with_heavy_edits_is_paired_by_experiment_dir(repo: Path) -> None:
    """Rewritten beyond git's similarity threshold (here: the two-model plan with the same
    experiment.dir), the moved plan is still the same experiment."""
    (repo / "experiments/a/plan.yaml").unlink()
    target = repo / "experiments/a2/plan.yaml"
    target.parent.mkdir()
    target.write_text(
        edit(
            TWO_MODEL,
            ('  date: "2026-11-24"\n', '  date: "2026-11-24"\n  dir: ../../scratch/cap\n'),
            (
                "_rank8_lr1e-5\n    type: fine-tuned\n    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8,",
                "_rank8_lr1e-5\n    type: fine-tuned\n    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 16,",
            ),
        ),
        encoding="utf-8",
    )
    commit(repo, "rewrite elsewhere")
    status = git(repo, "diff", "--name-status", "-M", "main", "HEAD")
    assert "R0" not in status and "R1" not in status  # git itself does not pair them
    code, found = check_pl8("--base", "main", "experiments/a2")
    assert code == 1
    assert [r for r, _ in found] == ["PL804"]  # not PL803: the same experiment
    assert "lora_rank 8 → 16" in found[0][1]


def test_a_new_plan_of_another_experiment_is_not_a_move(repo: Path) -> None:
    (repo / "experiments/a/plan.yaml").unlink()
    other = repo / "experiments/other/plan.yaml"
    other.parent.mkdir()
    other.write_text(
        edit(
            SEED,
            ("  name: cap_1B_lr_sweep\n", "  name: cap_1B_rank_sweep\n"),
            ('  date: "2026-11-24"\n', '  date: "2026-11-24"\n  dir: ../../scratch/rank\n'),
            ("  hypothesis:", "  # another question\n  hypothesis:"),
        ),
        encoding="utf-8",
    )
    other.write_text(
        other.read_text(encoding="utf-8").replace("capitalization", "spelling"), encoding="utf-8"
    )
    code, found = check_pl8("--base", "main", "experiments/other")
    assert code == 0
    assert [r for r, _ in found] == ["PL803"]


# -- diff -------------------------------------------------------------------------------------------
def test_diff_of_a_pure_git_mv_says_moved_with_no_run_changes(repo: Path) -> None:
    git(repo, "mv", "experiments/a", "experiments/a2")
    commit(repo, "move")
    out = run_diff("main")
    assert "experiments/a2/plan.yaml (moved from experiments/a/plan.yaml)\n" in out
    assert "+ run" not in out and "- run" not in out and "(removed)" not in out
    assert out.rstrip().endswith(
        "1 plan changed: 0 runs added, 0 removed, 0 re-parameterised; estimated GPU hours 0.33 → 0.33 (+0.0)"
    )
    data = json.loads(run_diff("main", "--format", "json"))
    [plan] = data["plans"]
    assert (plan["path"], plan["status"], plan["moved_from"]) == (
        "experiments/a2/plan.yaml",
        "moved",
        "experiments/a/plan.yaml",
    )
    assert "(moved from `experiments/a/plan.yaml`)" in run_diff("main", "--format", "markdown")


def test_diff_of_a_move_with_one_change_shows_that_change_only(repo: Path) -> None:
    git(repo, "mv", "experiments/a", "experiments/a2")
    rewrite(repo / "experiments/a2/plan.yaml", (RUN1, "    parameters: {lora_rank: 8, lr: 2e-5}\n"))
    commit(repo, "move and change")
    out = run_diff("main", "HEAD")
    assert out.splitlines()[1:] == [
        "experiments/a2/plan.yaml (moved from experiments/a/plan.yaml)",
        "  ~ run Llama-3.2-1B_rank8_lr1e-5: lr 1e-5 → 2e-5",
        "  estimated GPU hours: 0.33 → 0.33 (+0.0)",
        "1 plan changed: 0 runs added, 0 removed, 1 re-parameterised; estimated GPU hours 0.33 → 0.33 (+0.0)",
    ]


def test_diff_keeps_an_unrelated_removal_and_addition_apart(repo: Path) -> None:
    (repo / "experiments/a/plan.yaml").unlink()
    other = repo / "experiments/b/plan.yaml"
    other.parent.mkdir()
    other.write_text(
        edit(TWO_MODEL, ('  date: "2026-11-24"\n', '  date: "2026-11-24"\n  dir: ../../scratch/two\n')),
        encoding="utf-8",
    )
    out = run_diff("main")
    assert "experiments/a/plan.yaml (removed)" in out
    assert "experiments/b/plan.yaml (added)" in out
    assert "moved from" not in out
