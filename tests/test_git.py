"""PL8xx git rules, `check --base/--changed-since` and `planlint diff`, on real git repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEED, TWO_MODEL, edit, git, git_repo

from planlint.cli import main

RUN2 = "parameters: {lora_rank: 8, lr: 5e-5}"
CONTROL = (
    "  - name: Llama-3.2-1B_base\n    type: control\n    model: Llama-3.2-1B-Instruct\n    parameters: {}\n"
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository on branch main with its own identity, as the working folder."""
    path = git_repo(tmp_path / "repo", monkeypatch)
    monkeypatch.chdir(path)
    return path


def write(repo: Path, rel: str, text: str) -> Path:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def commit(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def with_dir(text: str, folder: Path) -> str:
    return edit(text, ('  date: "2026-11-24"\n', f'  date: "2026-11-24"\n  dir: {folder}\n'))


def check_json(*args: str) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["check", "--format", "json", "--no-layout", *args])  # PL8 alone: no PL6
    return code, json.loads(buf.getvalue())


def pl8(findings: list[dict]) -> list[tuple[str, str, int]]:  # type: ignore[type-arg]
    return [(f["rule"], f["severity"], f["line"]) for f in findings if f["rule"].startswith("PL8")]


# -- PL801 / PL802 / PL803 ------------------------------------------------------------------------------
def test_reparameterised_run_is_a_warning_when_no_results_are_seen(repo: Path) -> None:
    write(repo, "exp/plan.yaml", SEED)
    commit(repo)
    write(repo, "exp/plan.yaml", edit(SEED, (RUN2, "parameters: {lora_rank: 8, lr: 1e-4}")))
    code, findings = check_json("--base", "HEAD", "--select", "PL8", "exp/plan.yaml")
    assert code == 0  # a warning does not fail
    [f] = findings
    assert (f["rule"], f["severity"], f["path"], f["line"], f["column"]) == (
        "PL801",
        "warning",
        "exp/plan.yaml",
        56,
        36,
    )
    assert (
        f["message"] == "run 'Llama-3.2-1B_rank8_lr5e-5' kept its name but changed since HEAD: lr 5e-5 → 1e-4"
    )
    assert "new name" in f["hint"]


@pytest.mark.parametrize(
    ("content", "severity"),
    [
        ({"artifacts/epoch_0/adapter_model.safetensors": "x"}, "error"),
        ({"slurm-1234.out": "epoch 1"}, "error"),
        ({"setup_finetune.yaml": "lora_rank: 8\n", "artifacts/.keep": ""}, "error"),
        ({"setup_finetune.yaml": "lora_rank: 8\n"}, "warning"),  # scaffolded, never trained
        ({}, "warning"),  # an empty folder
    ],
)
def test_reparameterised_run_is_an_error_when_its_folder_holds_results(
    repo: Path, tmp_path: Path, content: dict[str, str], severity: str
) -> None:
    scratch = tmp_path / "scratch" / "cap_1B_lr_sweep"
    run_folder = scratch / "Llama-3.2-1B_rank8_lr5e-5"
    run_folder.mkdir(parents=True)
    for rel, text in content.items():
        write(run_folder, rel, text)
    plan = with_dir(SEED, scratch)
    write(repo, "exp/plan.yaml", plan)
    commit(repo)
    write(repo, "exp/plan.yaml", edit(plan, (RUN2, "parameters: {lora_rank: 4, lr: 5e-5}")))
    code, findings = check_json("--base", "HEAD", "--select", "PL8", "exp/plan.yaml")
    assert pl8(findings) == [("PL804" if severity == "error" else "PL801", severity, 57)]
    assert code == (1 if severity == "error" else 0)
    if severity == "error":
        assert f"{run_folder}/" in findings[0]["message"] and "mislabelled" in findings[0]["message"]


def test_the_results_form_is_its_own_rule_so_configuration_grades_it(repo: Path, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    write(scratch / "Llama-3.2-1B_rank8_lr5e-5" / "artifacts", "slurm-1.out", "x")
    plan = with_dir(SEED, scratch)
    write(repo, "exp/plan.yaml", plan)
    write(repo, ".planlint.toml", 'severity = { PL804 = "info" }\n')
    commit(repo)
    write(repo, "exp/plan.yaml", edit(plan, (RUN2, "parameters: {lora_rank: 8, lr: 1e-4}")))
    code, findings = check_json("--base", "HEAD", "--select", "PL8", "exp/plan.yaml")
    assert (code, pl8(findings)) == (0, [("PL804", "info", 57)])


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (RUN2, "parameters: {lora_rank: 8, lr: 0.00005}"),  # the same number, written differently
        (RUN2, "parameters: {lr: 5e-5, lora_rank: 8}"),  # reordered
        (
            'lr: 1e-5}\n    compute: {time: "0:10:00", gpus: 1, mem: 40G}',
            'lr: 1e-5}\n    compute: {time: "0:30:00", gpus: 1, mem: 40G}',
        ),
        ('  prompt: "Capitalize the given word: {input}\\n"', '  prompt: "Capitalise: {input}\\n"'),
    ],
)
def test_edits_that_keep_what_a_run_trains_are_no_finding(repo: Path, old: str, new: str) -> None:
    write(repo, "exp/plan.yaml", SEED)
    commit(repo)
    write(repo, "exp/plan.yaml", edit(SEED, (old, new)))
    assert check_json("--base", "HEAD", "--select", "PL8", "exp/plan.yaml") == (0, [])


def test_changed_model_type_and_added_parameter_are_reparameterisations(repo: Path) -> None:
    write(repo, "exp/plan.yaml", TWO_MODEL)
    commit(repo)
    text = edit(
        TWO_MODEL,
        ("    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}",
         "    model: Llama-3.2-3B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5, epochs: 3}"),
    )  # fmt: skip
    write(repo, "exp/plan.yaml", text)
    _, findings = check_json("--base", "HEAD", "--select", "PL8", "exp/plan.yaml")
    [f] = [f for f in findings if f["rule"] == "PL801"]
    assert f["message"].endswith("model Llama-3.2-1B-Instruct → Llama-3.2-3B-Instruct, epochs (unset) → 3")


def test_removed_run_with_results_is_an_error_and_without_is_nothing(repo: Path, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    write(scratch / "Llama-3.2-1B_rank8_lr5e-5" / "artifacts" / "epoch_0", "model.bin", "x")
    (scratch / "Llama-3.2-1B_base").mkdir()  # a control folder without results
    plan = with_dir(SEED, scratch)
    write(repo, "exp/plan.yaml", plan)
    commit(repo)
    run2 = '  - name: Llama-3.2-1B_rank8_lr5e-5\n    type: fine-tuned\n    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 5e-5}\n    compute: {time: "0:10:00", gpus: 1, mem: 40G}\n'
    write(repo, "exp/plan.yaml", edit(plan, (run2, ""), (CONTROL, "")))
    code, findings = check_json("--base", "HEAD", "--select", "PL8", "exp/plan.yaml")
    assert code == 1
    [f] = findings
    assert (f["rule"], f["severity"], f["line"], f["column"]) == ("PL802", "error", 48, 1)  # the runs: key
    assert f["message"].startswith("run 'Llama-3.2-1B_rank8_lr5e-5' was removed since HEAD, but ")


def test_removed_run_without_experiment_dir_is_nothing(repo: Path) -> None:
    write(repo, "exp/plan.yaml", SEED)
    commit(repo)
    write(repo, "exp/plan.yaml", edit(SEED, (CONTROL, "")))
    assert check_json("--base", "HEAD", "--select", "PL8", "exp/plan.yaml") == (0, [])


def test_plan_new_or_broken_at_base_is_an_info(repo: Path) -> None:
    write(repo, "README.md", "# experiments\n")
    write(repo, "broken/plan.yaml", "experiment: [\n")
    commit(repo)
    write(repo, "new/plan.yaml", SEED)
    write(repo, "broken/plan.yaml", SEED)
    code, findings = check_json("--base", "HEAD", "--select", "PL8", "new", "broken")
    assert code == 0
    assert sorted((f["path"], f["rule"], f["severity"], f["message"].split(":")[0]) for f in findings) == [
        ("broken/plan.yaml", "PL803", "info", "plan did not load at HEAD"),
        ("new/plan.yaml", "PL803", "info", "plan is new since HEAD"),
    ]


def test_inline_suppression_silences_pl801_without_an_unused_suppression_report(repo: Path) -> None:
    write(repo, "exp/plan.yaml", SEED)
    commit(repo)
    text = edit(
        SEED,
        (
            "  - name: Llama-3.2-1B_rank8_lr5e-5\n",
            "  - name: Llama-3.2-1B_rank8_lr5e-5  # planlint: disable=PL801\n",
        ),
        ("  - name: Llama-3.2-1B_base\n", "  - name: Llama-3.2-1B_base  # planlint: disable=PL801\n"),
        (RUN2, "parameters: {lora_rank: 8, lr: 1e-4}"),
    )
    write(repo, "exp/plan.yaml", text)
    _, findings = check_json("--base", "HEAD", "--select", "PL8,PL020", "exp/plan.yaml")
    assert [(f["rule"], f["line"]) for f in findings] == [("PL020", 58)]  # only the control's, once
    _, findings = check_json("--select", "PL8,PL020", "exp/plan.yaml")  # without --base: both unused
    assert [(f["rule"], f["line"]) for f in findings] == [("PL020", 53), ("PL020", 58)]


# -- usage errors: one line, exit 2 -------------------------------------------------------------------
def test_unknown_revision_is_a_one_line_usage_error(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    write(repo, "exp/plan.yaml", SEED)
    commit(repo)
    assert main(["check", "--base", "no-such-branch", "exp"]) == 2
    err = capsys.readouterr().err
    assert err == "planlint: error: --base no-such-branch: unknown revision 'no-such-branch'\n"
    assert main(["check", "--changed-since", "HEAD~5"]) == 2
    assert "unknown revision 'HEAD~5'" in capsys.readouterr().err
    assert main(["diff", "nope"]) == 2
    assert capsys.readouterr().err == "planlint: error: diff: unknown revision 'nope'\n"


def test_revision_missing_from_a_shallow_clone_says_how_to_fetch(
    repo: Path, tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    write(repo, "exp/plan.yaml", SEED)
    first = commit(repo, "one")
    write(repo, "exp/plan.yaml", edit(SEED, (RUN2, "parameters: {lora_rank: 8, lr: 1e-4}")))
    commit(repo, "two")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    monkeypatch.chdir(shallow)
    assert main(["check", "--base", first, "exp"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "shallow clone" in err[0] and "fetch-depth: 0" in err[0]


def test_plan_outside_a_repository_is_a_usage_error(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "plain/plan.yaml", SEED)
    assert main(["check", "--base", "HEAD", "plain"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("planlint: error: --base HEAD: ") and err.endswith(
        "is not inside a git repository\n"
    )
    assert main(["diff"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


def test_changed_since_with_a_missing_path_is_a_usage_error(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    write(repo, "exp/plan.yaml", SEED)
    commit(repo)
    assert main(["check", "--changed-since", "HEAD", "nowhere"]) == 2
    assert capsys.readouterr().err == "planlint: error: nowhere: no such file or folder\n"


# -- --changed-since -----------------------------------------------------------------------------------
def test_changed_since_checks_only_what_the_branch_changed(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    stale = edit(
        SEED, ('lr: 1e-5}\n    compute: {time: "0:10:00"', 'lr: 1e-5}\n    compute: {time: "0:50:00"')
    )  # every doc below is then stale
    for name in ("a", "b", "c"):
        write(repo, f"{name}/plan.yaml", stale)
        write(repo, f"{name}/PLAN.md", (ROOT / "examples/seed-sweep/PLAN.md").read_text(encoding="utf-8"))
    commit(repo, "three stale experiments")
    git(repo, "branch", "feature")
    write(repo, "c/plan.yaml", SEED)  # main moves on: c changes there, not on the branch
    commit(repo, "main moves on")
    git(repo, "checkout", "-q", "feature")
    write(repo, "a/plan.yaml", edit(stale, (RUN2, "parameters: {lora_rank: 8, lr: 1e-4}")))  # committed
    commit(repo)
    doc = repo / "b/PLAN.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\nMore notes.\n", encoding="utf-8")  # unstaged
    write(repo, "d/plan.yaml", SEED)  # untracked

    code, findings = check_json("--changed-since", "main", "--ignore", "PL6,PL504")
    assert code == 1
    paths = sorted({f["path"] for f in findings})
    assert paths == ["a/PLAN.md", "a/plan.yaml", "b/PLAN.md", "d/plan.yaml"]  # not c, changed on main
    assert main(["check", "--changed-since", "main", "--ignore", "PL6,PL504"]) == 1
    assert "\n5 files checked: " in capsys.readouterr().out  # b/plan.yaml came with its doc
    pl8_found = sorted((f["path"], f["rule"]) for f in findings if f["rule"].startswith("PL8"))
    assert pl8_found == [("a/plan.yaml", "PL801"), ("d/plan.yaml", "PL803")]  # b's plan is unchanged
    # limited to a folder
    code, findings = check_json("--changed-since", "main", "--ignore", "PL6,PL504", "b")
    assert sorted({f["path"] for f in findings}) == ["b/PLAN.md"]


def test_changed_since_with_nothing_changed_checks_nothing(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    write(repo, "exp/plan.yaml", "not: [valid\n")
    write(repo, "notes.txt", "x")
    commit(repo)
    write(repo, "notes.txt", "y")
    (repo / "exp/plan.yaml").unlink()  # a deleted plan is not checked
    assert main(["check", "--changed-since", "HEAD"]) == 0
    assert capsys.readouterr().out.endswith("0 files checked: 0 errors, 0 warnings, 0 info\n")


# -- planlint diff ---------------------------------------------------------------------------------------
def _diff(*args: str) -> str:
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["diff", *args])
    assert code == 0
    return buf.getvalue()


@pytest.fixture
def sweep_change(repo: Path) -> Path:
    """main: the two-model sweep; branch feature: one run added, one removed, one re-parameterised,
    a variable widened, a control changed and GPU time added."""
    write(repo, "cap/plan.yaml", TWO_MODEL)
    write(repo, "old/plan.yaml", SEED)
    commit(repo, "two sweeps")
    git(repo, "checkout", "-q", "-b", "feature")
    text = edit(
        TWO_MODEL,
        ("  lora_rank: [4, 8]", "  lora_rank: [4, 8, 16]"),
        ("  epochs: 2", "  epochs: 3"),
        (
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 5e-5}",
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 16, lr: 5e-5}",
        ),
    )
    write(repo, "cap/plan.yaml", text)
    (repo / "old/plan.yaml").unlink()
    write(
        repo,
        "new/plan.yaml",
        edit(
            SEED,
            (
                'lr: 1e-5}\n    compute: {time: "0:10:00", gpus: 1',
                'lr: 1e-5}\n    compute: {time: "1:00:00", gpus: 2',
            ),
        ),
    )
    return repo


def test_diff_text_against_the_default_branch(sweep_change: Path) -> None:
    out = _diff()
    assert out.startswith("planlint diff: merge base with main (")
    assert "→ working tree\n" in out.splitlines()[0] + "\n"
    assert "cap/plan.yaml (modified)\n" in out
    assert "  ~ run Llama-3.2-1B_rank4_lr5e-5: lora_rank 4 → 16\n" in out
    assert "  ~ variables.lora_rank [4, 8] → [4, 8, 16]\n" in out
    assert "  ~ controls.epochs 2 → 3\n" in out
    assert (
        "new/plan.yaml (added)\n  + run Llama-3.2-1B_rank8_lr1e-5 (fine-tuned, Llama-3.2-1B-Instruct, lora_rank 8, lr 1e-5)\n"
        in out
    )
    assert (
        "old/plan.yaml (removed)\n" in out
        and "  - run Llama-3.2-1B_base (control, Llama-3.2-1B-Instruct)\n" in out
    )
    # new: 1 h x 2 GPUs + 10 min x 1 GPU
    assert "  estimated GPU hours: 0.0 → 2.2 (+2.2)\n" in out
    assert out.splitlines()[-1].startswith("3 plans changed: 3 runs added, 3 removed, 1 re-parameterised;")


def test_diff_json_is_versioned_and_counts_gpu_hours(sweep_change: Path) -> None:
    data = json.loads(_diff("main", "--format", "json"))
    assert data["version"] == 2 and data["base"] == "main" and data["head"] == "working tree"
    assert data["head_commit"] is None and len(data["base_commit"]) == 40
    plans = {p["path"]: p for p in data["plans"]}
    assert [p["status"] for p in data["plans"]] == ["modified", "added", "removed"]
    cap = plans["cap/plan.yaml"]
    assert cap["changed"] == [
        {
            "name": "Llama-3.2-1B_rank4_lr5e-5",
            "changes": [{"key": "lora_rank", "old": 4, "new": 16, "old_text": "4", "new_text": "16"}],
        }
    ]
    assert cap["hours_before"] == cap["hours_after"] and cap["hours_after"]["unestimated"] == 0
    assert plans["new/plan.yaml"]["hours_after"]["total"] == pytest.approx(2 + 1 / 6)
    assert data["totals"]["runs_added"] == 3 and data["totals"]["runs_reparameterised"] == 1


def test_diff_markdown_is_a_pull_request_comment(sweep_change: Path) -> None:
    out = _diff("main", "--format", "markdown")
    assert out.startswith("## planlint diff\n\nBetween `main` (`")
    assert "### `cap/plan.yaml` (modified)\n\n| Change | Run | Details |\n|---|---|---|\n" in out
    assert "| re-parameterised | `Llama-3.2-1B_rank4_lr5e-5` | lora_rank 4 → 16 |\n" in out
    assert "| `variables.lora_rank` | [4, 8] | [4, 8, 16] |\n" in out
    assert "| `controls.epochs` | 2 | 3 |\n" in out


def test_diff_between_two_revisions_ignores_the_working_tree(sweep_change: Path) -> None:
    base = git(sweep_change, "rev-parse", "main").strip()
    head = commit(sweep_change, "the change")
    write(sweep_change, "cap/plan.yaml", TWO_MODEL)  # undone in the working tree only
    data = json.loads(_diff(base, head, "--format", "json"))
    assert data["head_commit"] == head and len(data["plans"]) == 2
    # committed, old/ -> new/ (one compute time changed) is a rename to git: a moved plan
    moved = next(p for p in data["plans"] if p["status"] == "moved")
    assert (moved["path"], moved["moved_from"], moved["added"], moved["removed"]) == (
        "new/plan.yaml",
        "old/plan.yaml",
        [],
        [],
    )
    assert _diff(base).count("(modified)") == 0  # against the working tree cap is unchanged


def test_diff_with_no_plan_changed_and_without_a_default_branch(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    write(repo, "exp/plan.yaml", SEED)
    commit(repo)
    assert _diff().startswith("No plan changed between merge base with main (")
    assert "No plan changed" in _diff("HEAD", "--format", "markdown")
    git(repo, "branch", "-m", "main", "trunk")
    assert main(["diff"]) == 2
    assert "no default branch" in capsys.readouterr().err


def test_diff_markdown_escapes_table_cells(repo: Path) -> None:
    text = edit(SEED, ('  prompt: "Capitalize the given word: {input}\\n"', '  prompt: "a | b {input}"'))
    write(repo, "exp/plan.yaml", SEED)
    commit(repo)
    write(repo, "exp/plan.yaml", text)
    out = _diff("HEAD", "--format", "markdown")
    # a string with a newline is shown quoted on one line; a pipe cannot end the cell
    assert '| `controls.prompt` | "Capitalize the given word: {input}\\\\n" | a \\| b {input} |\n' in out


def test_diff_reports_a_plan_that_does_not_load(repo: Path) -> None:
    write(repo, "exp/plan.yaml", SEED)
    commit(repo)
    write(repo, "exp/plan.yaml", "experiment: [\n")
    out = _diff("HEAD")
    assert "exp/plan.yaml (modified)\n  ! does not load at working tree: run `planlint check` on it\n" in out
    assert "- :warning: does not load at working tree" in _diff("HEAD", "--format", "markdown")


@pytest.mark.parametrize(
    ("pairs", "total", "unestimated"),
    [
        ((), 2 * 10 / 60, 0),  # two 10-minute runs on one GPU; the control does not count
        ((("  gpus: 1\n", "  gpus: 4\n"),), 2 * 10 / 60, 0),  # each run states gpus: 1
        (
            (
                ("  gpus: 1\n", "  gpus: 4\n"),
                (
                    'lr: 1e-5}\n    compute: {time: "0:10:00", gpus: 1, mem',
                    'lr: 1e-5}\n    compute: {time: "0:10:00", mem',
                ),
            ),
            (4 + 1) * 10 / 60,
            0,
        ),  # controls.gpus
        (
            (
                (
                    'lr: 1e-5}\n    compute: {time: "0:10:00", gpus: 1, mem: 40G}',
                    'lr: 1e-5}\n    compute: {time: "1-00:00:00", gpus: 2}',
                ),
            ),
            48 + 10 / 60,
            0,
        ),
        (
            (('lr: 1e-5}\n    compute: {time: "0:10:00", gpus: 1, mem: 40G}\n', "lr: 1e-5}\n"),),
            10 / 60,
            1,
        ),  # no estimate
    ],
)
def test_estimated_gpu_hours(
    tmp_path: Path, pairs: tuple[tuple[str, str], ...], total: float, unestimated: int
) -> None:
    from planlint.commands.diff import hours_of
    from planlint.config import Config
    from planlint.rules.git import plan_from_bytes

    text = edit(SEED, *pairs)
    plan = plan_from_bytes(tmp_path / "plan.yaml", "plan.yaml", text.encode(), Config())
    assert plan is not None
    hours = hours_of(plan)
    assert hours.total == pytest.approx(total) and hours.unestimated == unestimated


# -- imports --------------------------------------------------------------------------------------------
def test_gitpython_is_imported_only_for_git_work() -> None:
    code = (
        "import sys\n"
        "from planlint.cli import main\n"
        "assert 'git' not in sys.modules\n"
        "main(['check', 'examples'])\n"
        "main(['rules'])\n"
        "print('git' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.stdout.splitlines()[-1] == "False", proc.stderr
    assert "PL801" in proc.stdout and "PL802" in proc.stdout and "PL803" in proc.stdout
