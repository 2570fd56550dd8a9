"""PL5xx and `planlint fix`: the All Runs region rendered, compared, explained and rewritten."""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from conftest import EXAMPLES, SEED, TWO_MODEL, edit, example_repo, only, rules_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planlint.cli import main
from planlint.commands.fix import fix
from planlint.config import Config
from planlint.doc.render import render_lines
from planlint.engine import check_plan, run

SEED_TABLE = """| Run Name | Model | LoRA Rank | Learning Rate | Batch Size | Type | Est. Time |
|----------|-------|-----------|---------------|------------|------|-----------|
| Llama-3.2-1B_rank8_lr1e-5 | Llama-3.2-1B-Instruct | 8 | 1e-5 | 4 | Fine-tuned | ~10min |
| Llama-3.2-1B_rank8_lr5e-5 | Llama-3.2-1B-Instruct | 8 | 5e-5 | 4 | Fine-tuned | ~10min |
| Llama-3.2-1B_base | Llama-3.2-1B-Instruct | - | - | - | Control | N/A |"""
#: The planning checklist this tool automates (a copy of the project's reference document).
SEED_FILE = Path(__file__).resolve().parent / "cases" / "seed_checklist.txt"
MARKERS = "<!-- planlint:begin all-runs -->\n<!-- planlint:end all-runs -->\n"


def render(tmp_path: Path, text: str, region: str = "all-runs", config: Config | None = None) -> str:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    plan, _ = check_plan(path, config or Config())
    return "\n".join(render_lines(plan, region))


def test_golden_seed_table_byte_for_byte(tmp_path: Path) -> None:
    out = render(tmp_path, SEED)
    assert out == SEED_TABLE
    assert "\n" + out + "\n" in SEED_FILE.read_text(encoding="utf-8")  # the seed document itself


def test_golden_two_model_sweep(tmp_path: Path) -> None:
    lines = render(tmp_path, TWO_MODEL).splitlines()
    assert lines[0] == "| Run Name | Model | LoRA Rank | Learning Rate | Batch Size | Type | Est. Time |"
    assert (
        lines[2]
        == "| Llama-3.2-1B_rank4_lr1e-5 | Llama-3.2-1B-Instruct | 4 | 1e-5 | 4 | Fine-tuned | ~15min |"
    )
    assert lines[6] == "| Llama-3.2-1B_base | Llama-3.2-1B-Instruct | - | - | - | Control | N/A |"
    assert (
        lines[7]
        == "| Llama-3.2-3B_rank4_lr1e-5 | Llama-3.2-3B-Instruct | 4 | 1e-5 | 4 | Fine-tuned | ~35min |"
    )
    assert len(lines) == 12


def test_eval_only_row_unestimated_run_and_override(tmp_path: Path) -> None:
    text = edit(
        TWO_MODEL,
        (
            '    parameters: {lora_rank: 4, lr: 1e-5}\n    compute: {time: "0:15:00", gpus: 1, mem: 40G}\n',
            "    parameters: {lora_rank: 4, lr: 1e-5, batch_size: 2}\n",
        ),
        (
            "runs:\n",
            "runs:\n  - name: prior_rank8_epoch1\n    type: eval-only\n    model: Llama-3.2-1B-Instruct\n    parameters: {checkpoint_path: /scratch/old/run/artifacts/epoch_1}\n",
        ),
    )
    lines = render(tmp_path, text).splitlines()
    assert lines[2] == "| prior_rank8_epoch1 | Llama-3.2-1B-Instruct | - | - | - | Eval-only | N/A |"
    assert lines[3] == "| Llama-3.2-1B_rank4_lr1e-5 | Llama-3.2-1B-Instruct | 4 | 1e-5 | 2 | Fine-tuned | ? |"


def test_batch_size_as_a_variable_is_one_column_and_labels_are_configurable(tmp_path: Path) -> None:
    text = edit(
        SEED,
        ("  lora_rank: [8]\n", "  lora_rank: [8]\n  batch_size: [4]\n  dataset_label: [words_5L]\n"),
        ("output:\n", "naming:\n  labels: {dataset_label: Data}\n\noutput:\n"),
    )
    header = render(tmp_path, text).splitlines()[0]
    assert header == "| Run Name | Model | LoRA Rank | Batch Size | Data | Learning Rate | Type | Est. Time |"


def test_eval_matrix_region(tmp_path: Path) -> None:
    lines = render(tmp_path, TWO_MODEL, "eval-matrix").splitlines()
    assert lines[0] == "| Run Name | capitalization |"
    assert lines[2] == "| Llama-3.2-1B_rank4_lr1e-5 | ✓ epoch 0,1 |"
    assert lines[6] == "| Llama-3.2-1B_base | ✓ |"


def test_aligned_style_pads_columns(tmp_path: Path) -> None:
    lines = render(tmp_path, SEED, config=Config(table_style="aligned")).splitlines()
    assert len({len(line) for line in lines}) == 1
    assert lines[1].startswith("| ------------------------- |")


def test_compact_style_from_the_configuration(tmp_path: Path) -> None:
    """`table-style = "compact"` writes `|---|` separators in a region that shows no style yet."""
    from planlint.config import ConfigError, load_config

    (tmp_path / ".planlint.toml").write_text('table-style = "compact"\n', encoding="utf-8")
    lines = render(tmp_path, SEED, config=load_config(tmp_path)).splitlines()
    assert lines[1] == "|" + "|".join(["---"] * lines[0].count(" | ") + ["---"]) + "|"
    (tmp_path / ".planlint.toml").write_text('table-style = "padded"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="table-style must be one of 'seed', 'aligned', 'compact'"):
        load_config(tmp_path)


# --------------------------------------------------------------------------- check


@pytest.fixture
def experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the seed example (plan + PLAN.md) in a git-less temp repository."""
    return example_repo(tmp_path, monkeypatch)


def doc_findings(paths: list[str]) -> list:  # type: ignore[type-arg]
    return [f for f in run(paths, Config()).findings if f.rule.startswith("PL5")]


def test_clean_doc_and_pairing_both_ways(experiment: Path) -> None:
    assert doc_findings(["exp/PLAN.md"]) == []
    assert doc_findings(["exp/plan.yaml"]) == []
    result = run(["exp/PLAN.md"], Config())
    assert [p.name for p in result.plans] == ["plan.yaml"]  # a changed doc pulls in its plan


@pytest.mark.parametrize(
    ("old", "new", "reason", "line"),
    [
        (
            "| 8 | 1e-5 | 4 |",
            "| 8 | 2e-5 | 4 |",
            "row Llama-3.2-1B_rank8_lr1e-5: Learning Rate is 2e-5 in the doc, 1e-5 in the plan",
            22,  # the row that differs
        ),
        (
            "| Llama-3.2-1B_base | Llama-3.2-1B-Instruct | - | - | - | Control | N/A |\n",
            "",
            "Llama-3.2-1B_base",
            19,  # a missing row has no line of its own: the begin marker
        ),
        (
            "<!-- planlint:end all-runs -->",
            "| extra_run | Llama-3.2-1B-Instruct | 8 | 1e-5 | 4 | Fine-tuned | ~10min |\n<!-- planlint:end all-runs -->",
            "extra_run",
            25,  # the row that is no run of the plan
        ),
    ],
)
def test_drift_is_explained_in_plan_terms_with_a_diff(
    experiment: Path, old: str, new: str, reason: str, line: int
) -> None:
    """PL501 is reported at the doc's first line that says something the plan does not, and
    covers the region to its end marker (an editor offers the regeneration anywhere in it)."""
    doc = experiment / "PLAN.md"
    doc.write_text(edit(doc.read_text(encoding="utf-8"), (old, new)), encoding="utf-8")
    found = doc_findings(["exp"])
    assert rules_of(found) == ["PL501"]
    f = found[0]
    assert reason in f.message + (f.hint or "")
    assert f.line == line and f.diff and re.search(r"^@@ -(19|2[0-9]),", f.diff, re.M)
    lines = doc.read_text(encoding="utf-8").splitlines()
    assert lines[f.end_line - 1] == "<!-- planlint:end all-runs -->"  # type: ignore[operator]


def test_reordered_rows_are_drift(experiment: Path) -> None:
    doc = experiment / "PLAN.md"
    text = doc.read_text(encoding="utf-8")
    a = "| Llama-3.2-1B_rank8_lr1e-5 | Llama-3.2-1B-Instruct | 8 | 1e-5 | 4 | Fine-tuned | ~10min |\n"
    b = "| Llama-3.2-1B_rank8_lr5e-5 | Llama-3.2-1B-Instruct | 8 | 5e-5 | 4 | Fine-tuned | ~10min |\n"
    doc.write_text(text.replace(a + b, b + a), encoding="utf-8")
    found = doc_findings(["exp"])
    assert rules_of(found) == ["PL501"] and "order" in found[0].message + (found[0].hint or "")


def test_a_formatter_realigning_the_table_is_not_drift(experiment: Path) -> None:
    plan, _ = check_plan(experiment / "plan.yaml", Config())
    aligned = "\n".join(render_lines(plan, "all-runs", "aligned"))
    doc = experiment / "PLAN.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace(SEED_TABLE, aligned), encoding="utf-8")
    assert doc_findings(["exp"]) == []
    assert fix(["exp"], Config()).changes == []  # and fix leaves it alone


def test_markers_in_code_are_text_and_the_plan_then_has_no_doc(experiment: Path) -> None:
    doc = experiment / "PLAN.md"
    text = doc.read_text(encoding="utf-8")
    start, end = (
        text.index("<!-- planlint:begin"),
        text.index("<!-- planlint:end all-runs -->") + len("<!-- planlint:end all-runs -->"),
    )
    doc.write_text(text[:start] + "```markdown\n" + text[start:end] + "\n```" + text[end:], encoding="utf-8")
    assert sorted(set(rules_of(doc_findings(["exp"])))) == ["PL503", "PL504"]


@pytest.mark.parametrize(
    ("doc_text", "rule"),
    [
        ("# Plan\n<!-- planlint:begin all-runs -->\n| a |\n", "PL502"),
        ("# Plan\n<!-- planlint:begin all-runz -->\n<!-- planlint:end all-runz -->\n", "PL502"),
        (
            "# Plan\n<!-- planlint:begin all-runs plan=../../outside/plan.yaml -->\n<!-- planlint:end all-runs -->\n",
            "PL506",
        ),
        (
            "# Plan\n<!-- planlint:begin all-runs plan=missing.yaml -->\n<!-- planlint:end all-runs -->\n",
            "PL506",
        ),
    ],
)
def test_marker_problems(experiment: Path, doc_text: str, rule: str) -> None:
    (experiment / "NOTES.md").write_text(doc_text, encoding="utf-8")
    found = doc_findings(["exp/NOTES.md"])
    assert rule in rules_of(found)
    assert all(f.path == "exp/NOTES.md" for f in found if f.rule == rule)


def test_two_plans_in_one_folder_need_plan_attribute(experiment: Path) -> None:
    shutil.copy(experiment / "plan.yaml", experiment / "experiment_summary.yaml")
    found = doc_findings(["exp/PLAN.md"])
    assert rules_of(found) == ["PL505"]
    doc = experiment / "PLAN.md"
    doc.write_text(
        doc.read_text(encoding="utf-8").replace("begin all-runs -->", "begin all-runs plan=plan.yaml -->"),
        encoding="utf-8",
    )
    assert doc_findings(["exp/PLAN.md"]) == []


def test_binary_doc_is_a_finding(experiment: Path) -> None:
    (experiment / "BIN.md").write_bytes(b"planlint:\x00\xff\xfe")
    assert "PL507" in rules_of(doc_findings(["exp/BIN.md"]))


# --------------------------------------------------------------------------- fix


def stale(experiment: Path, transform=lambda t: t) -> Path:  # type: ignore[no-untyped-def]
    doc = experiment / "PLAN.md"
    text = transform(doc.read_text(encoding="utf-8").replace("| 8 | 1e-5 | 4 |", "| 8 | 2e-5 | 4 |"))
    doc.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return doc


def test_fix_rewrites_only_the_region_and_is_idempotent(experiment: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = stale(experiment)
    before = doc.read_text(encoding="utf-8")
    assert main(["fix", "exp"]) == 0
    assert "Fixing exp/PLAN.md" in capsys.readouterr().err
    after = doc.read_text(encoding="utf-8")
    assert after == before.replace("| 8 | 2e-5 | 4 |", "| 8 | 1e-5 | 4 |")
    assert main(["fix", "exp"]) == 0 and "Fixing" not in capsys.readouterr().err
    assert doc_findings(["exp"]) == []


@pytest.mark.parametrize(
    "transform",
    [
        lambda t: t.replace("\n", "\r\n"),
        lambda t: "\ufeff" + t,
        lambda t: t.rstrip("\n"),
        lambda t: t.replace("## All Runs\n", "## All Runs   \n"),
    ],
    ids=["crlf", "bom", "no-final-newline", "trailing-spaces"],
)
def test_fix_keeps_every_byte_outside_the_region(experiment: Path, transform) -> None:  # type: ignore[no-untyped-def]
    doc = stale(experiment, transform)
    before = doc.read_bytes()
    report = fix(["exp"], Config())
    assert [c.display for c in report.changes] == ["exp/PLAN.md"]
    after = doc.read_bytes()
    assert after == before.replace(b"| 8 | 2e-5 | 4 |", b"| 8 | 1e-5 | 4 |")
    assert fix(["exp"], Config()).changes == []


def test_fix_check_writes_nothing_shows_diff_and_fails(experiment: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = stale(experiment)
    before = doc.read_bytes()
    assert main(["fix", "--check", "exp"]) == 1
    out = capsys.readouterr().out
    assert "-| Llama-3.2-1B_rank8_lr1e-5 | Llama-3.2-1B-Instruct | 8 | 2e-5" in out and "@@ -19," in out
    assert doc.read_bytes() == before


def test_fix_leaves_a_doc_with_broken_markers_alone(experiment: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = stale(experiment)
    text = doc.read_text(encoding="utf-8").replace("<!-- planlint:end all-runs -->", "")
    doc.write_text(text, encoding="utf-8")
    assert main(["fix", "exp"]) == 1
    assert "PL502" in capsys.readouterr().err
    assert doc.read_text(encoding="utf-8") == text


def test_fix_on_a_read_only_folder_fails_cleanly(experiment: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    doc = stale(experiment)
    before = doc.read_bytes()
    experiment.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.geteuid() == 0:  # root may write anyway: make the folder refuse the temp file itself
        import tempfile

        def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise PermissionError(13, "Permission denied", str(experiment))

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    try:
        assert main(["fix", "exp"]) == 1
    finally:
        experiment.chmod(0o755)
    assert doc.read_bytes() == before
    err = capsys.readouterr().err
    assert "exp/PLAN.md: not written:" in err and "Permission denied" in err


def test_fix_refuses_a_symlinked_doc_leaving_the_repository(experiment: Path, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path_factory.mktemp("outside") / "PLAN.md"
    doc = stale(experiment)
    shutil.move(doc, outside)
    doc.symlink_to(outside)
    before = outside.read_bytes()
    assert main(["fix", "exp"]) == 1
    assert outside.read_bytes() == before


# --------------------------------------------------------------------------- fix --runs / --migrate


def test_fix_runs_adds_implied_runs_in_the_plans_style(experiment: Path) -> None:
    plan = experiment / "plan.yaml"
    text = plan.read_text(encoding="utf-8").replace(
        "lr: [1e-5, 5e-5]", 'lr: [1e-5, 5e-5, 1e-4]  # "1e-4" added late'
    )
    plan.write_text(text, encoding="utf-8")
    assert "PL213" in rules_of(run(["exp"], Config()).findings)
    report = fix(["exp"], Config(), add_runs=True)
    assert sorted(c.display for c in report.changes) == ["exp/PLAN.md", "exp/plan.yaml"]
    new = plan.read_text(encoding="utf-8")
    added = "  - name: Llama-3.2-1B_rank8_lr1e-4\n    type: fine-tuned\n    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 1e-4}\n"
    evaluated = "    - run: Llama-3.2-1B_rank8_lr1e-4\n      tasks: [capitalization]\n      epochs: [0]\n"
    assert (
        new
        == text.replace("    parameters: {}\n\nevaluation:", "    parameters: {}\n" + added + "\nevaluation:")
        + evaluated
    )
    assert [f for f in run(["exp"], Config()).findings if f.severity.value != "info"] == []
    assert fix(["exp"], Config(), add_runs=True).changes == []  # idempotent, never deletes


def test_fix_runs_block_style_quotes_and_crlf(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    text = (
        (EXAMPLES.parent / "tests" / "cases" / "cruijff" / "experiment_summary.yaml")
        .read_text(encoding="utf-8")
        .replace("\n", "\r\n")
    )
    (tmp_path / "experiment_summary.yaml").write_bytes(text.encode())
    report = fix(["experiment_summary.yaml"], Config(), add_runs=True)
    assert report.errors == []
    new = (tmp_path / "experiment_summary.yaml").read_bytes().decode()
    added = '  - name: "Llama-3.2-1B-Instruct_base"\r\n    type: "control"\r\n    model: "Llama-3.2-1B-Instruct"\r\n    parameters: {}\r\n'
    # the added control is evaluated too (its matrix entry in the matrix's style, epochs: null)
    entry = "    - run: Llama-3.2-1B-Instruct_base\r\n      tasks: [capitalization]\r\n      epochs: null\r\n"
    assert (
        new
        == text.replace(
            "      lora_rank: 8\r\n\r\nevaluation:", "      lora_rank: 8\r\n" + added + "\r\nevaluation:"
        )
        + entry
    )


def test_fix_migrate_renames_legacy_keys_in_place(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    text = edit(
        TWO_MODEL,
        ("  dir: /scratch", "  directory: /scratch"),
        ("    dataset_label: words", "    label: words"),
        ("  scorers:\n", "  scorer:   # old name\n"),
    )
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    assert {"PL103"} <= set(rules_of(run(["plan.yaml"], Config()).findings))
    fix(["plan.yaml"], Config(), migrate=True)
    assert (tmp_path / "plan.yaml").read_text(encoding="utf-8") == TWO_MODEL.replace(
        "  scorers:\n", "  scorers:   # old name\n"
    )


# --------------------------------------------------------------------------- properties

markdown_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=200
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=markdown_text, after=markdown_text, inside=markdown_text)
def test_property_fix_touches_only_the_region(experiment: Path, before: str, after: str, inside: str) -> None:
    doc = experiment / "PLAN.md"
    prefix = before + "\n\n"
    suffix = "\n\n" + after
    doc.write_bytes(
        (
            prefix
            + "<!-- planlint:begin all-runs -->\n"
            + inside.replace("planlint", "p")
            + "\n<!-- planlint:end all-runs -->"
            + suffix
        ).encode()
    )
    original = doc.read_bytes()
    report = fix(["exp/PLAN.md"], Config())
    new = doc.read_bytes()
    if report.findings or report.errors:  # arbitrary text can break the markers: then nothing changes
        assert new == original
        return
    assert new.startswith(prefix.encode()) and new.endswith(suffix.encode())
    assert fix(["exp/PLAN.md"], Config()).changes == []
    assert [f for f in doc_findings(["exp/PLAN.md"]) if f.rule == "PL501"] == []


@pytest.mark.parametrize(
    "runs_line", ["runs: []  # todo\n", "runs: [ ]\n", "runs: ~\n", "runs: null  # later\n", "runs:\n"]
)
def test_fix_runs_into_an_empty_runs_list(tmp_path: Path, monkeypatch, runs_line: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    head = SEED[: SEED.index("runs:\n")]
    tail = SEED[SEED.index("\nevaluation:") :]
    (tmp_path / "plan.yaml").write_text(head + runs_line + tail, encoding="utf-8")
    report = fix(["plan.yaml"], Config(), add_runs=True)
    assert report.errors == []
    new = (tmp_path / "plan.yaml").read_text(encoding="utf-8")
    assert new.startswith(head) and new.endswith(tail)
    assert ("# todo" in new) == ("# todo" in runs_line) and ("# later" in new) == ("# later" in runs_line)
    assert [f.rule for f in run(["plan.yaml"], Config(ignore=["PL504", "PL6", "PL7", "PL4"])).findings] == []


def test_fix_runs_never_writes_colliding_names(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    text = TWO_MODEL.replace("      short: Llama-3.2-3B\n", "      short: Llama-3.2-1B\n")
    head = text[: text.index("runs:\n")]
    (tmp_path / "plan.yaml").write_text(head + "runs: []\n", encoding="utf-8")
    report = fix(["plan.yaml"], Config(), add_runs=True)
    assert any("PL219" in e for e in report.errors)
    found = run(["plan.yaml"], Config()).findings
    assert "PL201" not in [f.rule for f in found] and "PL219" in [f.rule for f in found]


def test_fix_runs_also_evaluates_the_new_runs(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    text = TWO_MODEL.replace("  lr: [1e-5, 5e-5]\n", "  lr: [1e-5, 5e-5, 1e-4]\n")
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    report = fix(["plan.yaml"], Config(), add_runs=True)
    assert report.errors == []
    new = (tmp_path / "plan.yaml").read_text(encoding="utf-8")
    assert new.endswith(
        "    - {run: Llama-3.2-3B_base, vis_label: 3B base, tasks: [capitalization], epochs: null}\n"
        "    - {run: Llama-3.2-1B_rank4_lr1e-4, tasks: [capitalization], epochs: [0, 1]}\n"
        "    - {run: Llama-3.2-1B_rank8_lr1e-4, tasks: [capitalization], epochs: [0, 1]}\n"
        "    - {run: Llama-3.2-3B_rank4_lr1e-4, tasks: [capitalization], epochs: [0, 1]}\n"
        "    - {run: Llama-3.2-3B_rank8_lr1e-4, tasks: [capitalization], epochs: [0, 1]}\n"
    )
    found = run(["plan.yaml"], Config(ignore=["PL504", "PL6"])).findings
    assert [f.rule for f in found if f.severity.value != "info"] == []


def test_fix_migrate_renames_a_key_written_with_a_space_before_the_colon(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    text = edit(TWO_MODEL, ("    dataset_label: words", "    label : words"))
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    fix(["plan.yaml"], Config(), migrate=True)
    assert (tmp_path / "plan.yaml").read_text(encoding="utf-8") == TWO_MODEL.replace(
        "    dataset_label: words", "    dataset_label : words"
    )


def test_a_marker_naming_a_folder_or_fifo_says_what_it_is(experiment: Path) -> None:
    # plan= naming something that exists but is no plan file: say what it is, not "does not exist"
    (experiment / "runs").mkdir()
    os.mkfifo(experiment / "plan.fifo.yaml")
    said = {}
    for named in ("runs", "plan.fifo.yaml", "gone.yaml"):
        (experiment / "NOTES.md").write_text(
            f"# Plan\n<!-- planlint:begin all-runs plan={named} -->\n<!-- planlint:end all-runs -->\n",
            encoding="utf-8",
        )
        (found,) = only(doc_findings(["exp/NOTES.md"]), "PL506")
        said[named] = (found.message, found.hint)
    assert said["runs"] == ("plan=runs is a folder", "name the plan file in it: plan=runs/plan.yaml")
    assert said["plan.fifo.yaml"][0] == "plan=plan.fifo.yaml is a FIFO (named pipe), not a plan file"
    assert said["gone.yaml"][0] == "plan=gone.yaml does not exist"


@pytest.mark.parametrize("spelling", ["--diff", "--dry-run"])
def test_fix_takes_the_dry_run_spellings_of_other_tools(
    experiment: Path, capsys: pytest.CaptureFixture[str], spelling: str
) -> None:
    """ruff and black say `--diff`, many tools `--dry-run`: both are `fix --check` (review 5)."""
    doc = experiment / "PLAN.md"
    stale = edit(doc.read_text(encoding="utf-8"), ("| 8 | 1e-5 | 4 |", "| 8 | 2e-5 | 4 |"))
    doc.write_text(stale, encoding="utf-8")
    assert main(["fix", spelling, "exp"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Would fix exp/PLAN.md\n") and "-| Llama-3.2-1B_rank8_lr1e-5 |" in out
    assert doc.read_text(encoding="utf-8") == stale
