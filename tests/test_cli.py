"""The command line: output formats, exit codes, colour, usage errors, the public API."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, SEED, edit

import planlint
from planlint import __version__
from planlint.cli import cli, main


@pytest.fixture
def bad_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    text = edit(
        SEED,
        ("  batch_size: 4\n", "  batch_size: 4\n  learning_rate: 1e-5\n"),
        (
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 5e-5}",
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 3e-5}",
        ),
    )
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_text_output_is_grepable_sorted_with_count_and_exit_1(bad_plan: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", "plan.yaml"]) == 1
    out = capsys.readouterr().out.splitlines()
    heads = [line for line in out if not line.startswith(" ")]
    assert heads[0].startswith("plan.yaml:1:1: PL504 info: ")
    assert heads[1].startswith("plan.yaml:22:3: PL105 warning: controls.learning_rate")
    assert any(h.startswith("plan.yaml:57:36: PL211 error: lr 3e-5 of run") for h in heads)
    positions = [tuple(int(x) for x in h.split(":")[1:3]) for h in heads[:-1]]
    assert positions == sorted(positions)
    assert heads[-1].startswith("1 file checked: ") and "error" in heads[-1]
    assert any(line.startswith("    hint: ") for line in out)
    assert "\x1b[" not in "\n".join(out)  # no colour when not a terminal


def test_json_output(bad_plan: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", "--format", "json", "plan.yaml"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {tuple(sorted(f)) for f in data} == {
        ("column", "diff", "end_column", "end_line", "hint", "line", "message", "path", "rule", "severity")
    }
    assert data[0]["path"] == "plan.yaml" and isinstance(data[0]["line"], int)


def test_select_ignore_and_strict(bad_plan: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", "--select", "PL105", "plan.yaml"]) == 0
    assert main(["check", "--select", "PL105", "--strict", "plan.yaml"]) == 1
    assert main(["check", "--ignore", "PL2,PL105", "plan.yaml"]) == 0
    capsys.readouterr()


def test_config_file_regrades_and_ignores(bad_plan: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (bad_plan.parent / ".planlint.toml").write_text(
        'ignore = ["PL211", "PL213", "PL217"]\nseverity = { PL105 = "error" }\n', encoding="utf-8"
    )
    assert main(["check", "plan.yaml"]) == 1
    out = capsys.readouterr().out
    assert "PL105 error" in out and "PL211" not in out


def test_unknown_setting_is_a_usage_error(bad_plan: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (bad_plan.parent / "pyproject.toml").write_text('[tool.planlint]\nignroe = ["PL105"]\n', encoding="utf-8")
    assert main(["check", "plan.yaml"]) == 2
    err = capsys.readouterr().err
    assert "unknown setting 'ignroe'" in err and "did you mean 'ignore'" in err


def test_per_file_ignores_are_relative_to_the_configuration_wherever_planlint_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same repository gives the same verdict from its root, from the experiment's folder
    # (a terminal there, an editor, a CI step after `cd`) and from outside it.
    (tmp_path / ".git").mkdir()
    shutil.copytree(EXAMPLES / "two-model-sweep", tmp_path / "exp")
    (tmp_path / "exp" / "PLAN.md").unlink()  # PL504: no doc renders this plan
    (tmp_path / ".planlint.toml").write_text('per-file-ignores = {"exp/*" = ["PL504"]}\n', encoding="utf-8")
    for cwd, target in (
        (tmp_path, "exp"),
        (tmp_path / "exp", "."),
        (tmp_path.parent, f"{tmp_path.name}/exp"),
    ):
        monkeypatch.chdir(cwd)
        main(["check", "--select", "PL504", target, "--config", str(tmp_path / ".planlint.toml")])
        assert "PL504" not in capsys.readouterr().out, cwd
    # a pattern without a slash names a file wherever it is
    (tmp_path / ".planlint.toml").write_text(
        'per-file-ignores = {"plan.yaml" = ["PL504"]}\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    main(["check", "--select", "PL504", "exp"])
    assert "PL504" not in capsys.readouterr().out
    (tmp_path / ".planlint.toml").write_text('per-file-ignores = {"other/*" = ["PL504"]}\n', encoding="utf-8")
    main(["check", "--select", "PL504", "exp"])
    assert "exp/plan.yaml:1:1: PL504 info" in capsys.readouterr().out


def test_severity_takes_rule_ids_and_prefixes_and_refuses_what_names_no_rule(
    bad_plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = bad_plan.parent / ".planlint.toml"
    config.write_text('severity = { PL1 = "error" }\n', encoding="utf-8")
    main(["check", "plan.yaml"])
    assert "PL105 error" in capsys.readouterr().out  # PL105 is a warning by default
    config.write_text('severity = { PL1 = "error", PL105 = "info" }\n', encoding="utf-8")
    main(["check", "plan.yaml"])
    assert "PL105 info" in capsys.readouterr().out  # the exact id wins over its family
    config.write_text('severity = { PL01 = "error" }\n', encoding="utf-8")  # the YAML 1.1 traps
    main(["check", "--select", "PL014", "plan.yaml"])
    assert "PL014 error: 1e-5 is a number here" in capsys.readouterr().out  # a warning by default
    for bad in ("PL999", "PL9"):
        config.write_text(f'severity = {{ {bad} = "error" }}\n', encoding="utf-8")
        assert main(["check", "plan.yaml"]) == 2
        assert f"'{bad}' selects no rule" in capsys.readouterr().err


def test_plan_files_must_name_files(bad_plan: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = bad_plan.parent / ".planlint.toml"
    for value, said in (
        ("[]", "must name at least one file"),
        ('["exp/plan.yaml"]', "file names, not paths"),
    ):
        config.write_text(f"plan-files = {value}\n", encoding="utf-8")
        assert main(["check", "."]) == 2
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1


def test_a_projects_own_pyproject_is_not_planlints_business(bad_plan: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # A research repo's pyproject.toml that TOML rejects (a half-merged conflict) but holds no
    # planlint table must not stop the hook; a broken [tool.planlint] table still does.
    pyproject = bad_plan.parent / "pyproject.toml"
    pyproject.write_text('[project]\nname = "sweeps"\n<<<<<<< HEAD\n', encoding="utf-8")
    (bad_plan.parent / ".git").mkdir()
    assert main(["check", "plan.yaml"]) == 1
    assert "PL211" in capsys.readouterr().out
    pyproject.write_text('[tool.planlint]\nignore = ["PL211"\n', encoding="utf-8")
    assert main(["check", "plan.yaml"]) == 2
    assert "pyproject.toml: cannot read configuration" in capsys.readouterr().err


def test_missing_path_and_bad_option_exit_2(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert main(["check", "nowhere/plan.yaml"]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["check", "--format", "xml"]) == 2
    assert main(["frobnicate"]) == 2


def test_internal_error_is_one_line_unless_debug(bad_plan: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import planlint.engine

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(planlint.engine, "run", boom)
    assert main(["check", "plan.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" in err and "simulated bug" in err
    with pytest.raises(RuntimeError):
        main(["--debug", "check", "plan.yaml"])


def test_no_paths_checks_the_git_repository(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    shutil.copytree(EXAMPLES / "seed-sweep", tmp_path / "experiments" / "seed")
    (tmp_path / ".gitignore").write_text("ignored/\n", encoding="utf-8")
    shutil.copytree(EXAMPLES / "seed-sweep", tmp_path / "ignored")
    (tmp_path / "ignored" / "plan.yaml").write_text("broken: [\n", encoding="utf-8")
    assert main(["check"]) == 0
    assert "2 files checked" in capsys.readouterr().out


def test_color_only_on_a_terminal_and_never_with_no_color(bad_plan: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import planlint.cli as cli_module

    monkeypatch.setattr(cli_module.sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    main(["check", "plan.yaml"])
    assert "\x1b[" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    main(["check", "plan.yaml"])
    assert "\x1b[" not in capsys.readouterr().out


def test_version_rules_and_schema_commands() -> None:
    runner = CliRunner()
    assert __version__ in runner.invoke(cli, ["--version"]).output
    rules = runner.invoke(cli, ["rules"]).output
    assert "PL213" in rules and "PL014" in rules and "off by default" in rules
    rules_json = json.loads(runner.invoke(cli, ["rules", "--format", "json"]).output)
    assert rules_json["version"] == 1 and any(r["id"] == "PL001" for r in rules_json["rules"])
    schema = json.loads(runner.invoke(cli, ["schema"]).output)
    assert schema["$schema"].endswith("2020-12/schema") and "runs" in schema["properties"]


def test_public_api_matches_the_cli(bad_plan: Path) -> None:
    findings = planlint.lint([str(bad_plan)])
    assert {f.rule for f in findings} >= {"PL105", "PL211"}
    assert all(isinstance(f, planlint.finding.Finding) for f in findings)


def test_a_plain_check_does_not_import_gitpython(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from planlint.cli import main; main(['check', sys.argv[1]]); print('git' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLES / "seed-sweep")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_status_command_text_and_json(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    runs_dir = tmp_path / "scratch" / "cap_1B_lr_sweep"
    (runs_dir / "Llama-3.2-1B_rank8_lr1e-5" / "artifacts" / "epoch_0").mkdir(parents=True)
    text = SEED.replace("  base_controls: true\n", f"  base_controls: true\n  dir: {runs_dir}\n")
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    assert main(["status", "plan.yaml"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("Llama-3.2-1B_rank8_lr1e-5"))
    assert "trained" in row
    assert main(["status", ".", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == 1 and {r["state"] for r in data["runs"]} >= {"trained", "planned"}
    assert main(["status", "missing.yaml"]) == 2


@pytest.mark.parametrize("args", [["--select", "PL2O1"], ["--ignore", "PLX"]])
def test_a_selector_that_selects_nothing_is_a_usage_error(bad_plan: Path, args: list[str], capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", *args, "plan.yaml"]) == 2
    assert "selects no rule" in capsys.readouterr().err


def test_unknown_rule_in_a_suppression_is_named(bad_plan: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad_plan.write_text(
        bad_plan.read_text(encoding="utf-8").replace(
            "  epochs: 1\n", "  epochs: 1  # planlint: disable=PL999\n"
        ),
        encoding="utf-8",
    )
    main(["check", "plan.yaml"])
    assert "PL999 in this suppression is not a planlint rule" in capsys.readouterr().out


def test_count_line_carries_the_estimated_gpu_hours(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", str(EXAMPLES / "seed-sweep")]) == 0
    assert capsys.readouterr().out.rstrip().endswith("estimated 0.3 GPU hours")  # 2 runs x 10 min x 1 GPU
    assert main(["check", str(EXAMPLES / "two-model-sweep" / "plan.yaml")]) == 0
    assert capsys.readouterr().out.rstrip().endswith("estimated 3.3 GPU hours")  # 4 x 15 min + 4 x 35 min
