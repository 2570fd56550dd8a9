"""CLI habits users bring from ruff and yamllint: output file, exit-zero, quiet, colour, extend-select,
--config after the subcommand, exclude settings, stdin, explicit paths that hold nothing, CI formats."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES

from planlint.cli import main
from planlint.report import auto_format, use_color


@pytest.fixture
def sweep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed-sweep example with one stale table cell (a PL501 error), as the working folder."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES / "seed-sweep", tmp_path / "exp")
    doc = tmp_path / "exp" / "PLAN.md"
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("| ~10min |", "| ~20min |", 1), encoding="utf-8")
    return tmp_path


def test_output_file_exit_zero_and_quiet(sweep: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "exp", "-o", "report.txt", "--exit-zero", "-q"]) == 0
    assert capsys.readouterr().out == ""
    report = (sweep / "report.txt").read_text(encoding="utf-8")
    assert "exp/PLAN.md:" in report and "PL501 error" in report
    assert "files checked" not in report  # quiet: no count line
    assert main(["check", "exp"]) == 1
    assert "files checked" in capsys.readouterr().out


def test_sarif_to_an_output_file(sweep: Path) -> None:
    import json

    assert main(["check", "exp", "--format", "sarif", "--output-file", "planlint.sarif"]) == 1
    assert json.loads((sweep / "planlint.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"


@pytest.mark.parametrize(
    ("choice", "tty", "env", "want"),
    [
        ("auto", True, {}, True),
        ("auto", True, {"NO_COLOR": "1"}, False),
        ("auto", True, {"NO_COLOR": ""}, True),  # no-color.org: only a non-empty value counts
        ("auto", False, {"FORCE_COLOR": "1"}, True),
        ("auto", False, {"FORCE_COLOR": ""}, False),
        ("auto", True, {"TERM": "dumb"}, False),
        ("always", False, {"NO_COLOR": "1"}, True),
        ("never", True, {"FORCE_COLOR": "1"}, False),
    ],
)
def test_color_choice(choice: str, tty: bool, env: dict[str, str], want: bool) -> None:
    assert use_color(choice, tty, env) is want


def test_color_always_colours_the_text_report(sweep: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "exp", "--color", "always"])
    assert "\x1b[31merror\x1b[0m" in capsys.readouterr().out
    main(["check", "exp", "--color", "never"])
    assert "\x1b[" not in capsys.readouterr().out


def test_github_format_is_automatic_on_actions_but_not_inside_pre_commit() -> None:
    assert auto_format({"GITHUB_ACTIONS": "true"}) == "github"
    assert auto_format({"GITHUB_ACTIONS": "true", "PRE_COMMIT": "1"}) == "text"
    assert auto_format({}) == "text"


def test_job_summary_only_for_an_explicit_github_format(
    sweep: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = sweep / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    main(["check", "exp"])
    assert capsys.readouterr().out.startswith("::error ")
    assert not summary.exists()
    main(["check", "exp", "--format", "github"])
    assert summary.read_text(encoding="utf-8").startswith("## planlint")


def test_extend_select_turns_on_an_off_by_default_rule(
    sweep: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = sweep / "exp" / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("lr: [1e-5, 5e-5]", "lr: [1e-5, 5e-5]", 1), encoding="utf-8")
    main(["check", "exp/plan.yaml", "--no-layout"])
    assert "PL014" not in capsys.readouterr().out
    main(["check", "exp/plan.yaml", "--no-layout", "--extend-select", "PL014"])
    assert "PL014 warning" in capsys.readouterr().out
    assert main(["check", "exp", "--extend-select", "PL999"]) == 2
    assert "planlint: error: --extend-select: 'PL999' selects no rule" in capsys.readouterr().err


def test_config_after_the_subcommand(sweep: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (sweep / "ci.toml").write_text('ignore = ["PL501"]\n', encoding="utf-8")
    assert main(["check", "exp", "--config", "ci.toml"]) == 0
    assert main(["--config", "ci.toml", "check", "exp"]) == 0
    assert main(["check", "exp", "--config", "missing.toml"]) == 2
    assert "planlint: error: missing.toml: configuration file not found" in capsys.readouterr().err


def test_exclude_and_extend_exclude(sweep: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(EXAMPLES / "two-model-sweep", sweep / "archive" / "old")
    (sweep / ".planlint.toml").write_text('exclude = ["exp"]\nextend-exclude = ["archive/*"]\n')
    assert main(["check", "exp", "archive", "."]) == 2  # explicit folders now hold nothing
    assert "planlint: error: exp: holds no plan" in capsys.readouterr().err
    (sweep / ".planlint.toml").write_text('extend-exclude = ["archive/*"]\n')
    assert main(["check", "."]) == 1
    out = capsys.readouterr().out
    assert "exp/PLAN.md" in out and "archive/" not in out
    (sweep / ".planlint.toml").write_text('extend-exlude = ["archive"]\n')
    assert main(["check", "."]) == 2
    assert "unknown setting 'extend-exlude' (did you mean 'extend-exclude'?)" in capsys.readouterr().err


def test_check_reads_a_plan_from_stdin(
    sweep: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    text = (
        (sweep / "exp" / "plan.yaml")
        .read_text(encoding="utf-8")
        .replace("lr: [1e-5, 5e-5]", "lr: [1e-5, 5e-5, 1e-4]")
    )
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["check", "-", "--stdin-filename", "exp/plan.yaml", "--no-layout"]) == 1
    out = capsys.readouterr().out
    assert "exp/plan.yaml:" in out and "PL213 error" in out  # the stdin text, not the file on disk
    assert main(["check", "--stdin-filename", "exp/plan.yaml", "exp"]) == 2
    assert "planlint: error: --stdin-filename needs `check -`" in capsys.readouterr().err


@pytest.mark.parametrize("path", ["data/words_5L.json", "ci"])
def test_explicit_paths_that_hold_nothing_are_an_error(
    sweep: Path, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (sweep / "data").mkdir()
    (sweep / "data" / "words_5L.json").write_text("{}", encoding="utf-8")
    (sweep / "ci").mkdir()
    assert main(["check", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"planlint: error: {path}: ") and err.count("\n") == 1


def test_one_error_style_for_click_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "xml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("planlint: error: Invalid value for '--format'") and "Error:" not in err


def test_help_keeps_command_summaries_whole(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out.split("Commands:")[1]
    assert "..." not in out and "…" not in out
    assert "(none: every plan in the git" in out


def test_rules_mark_off_by_default_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    for line in capsys.readouterr().out.splitlines():
        assert line.count("off by default") <= 1, line
