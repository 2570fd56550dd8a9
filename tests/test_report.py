"""Reporters for CI: GitHub annotations (escaping, titles, auto-detection, job summary) and SARIF 2.1.0."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import SEED, edit

from planlint.cli import main
from planlint.finding import Finding, Severity
from planlint.report import github, markdown_summary, sarif

BAD = edit(
    SEED,
    ("  batch_size: 4\n", "  batch_size: 4\n  learning_rate: 1e-5\n"),
    (
        "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 5e-5}",
        "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 3e-5}",
    ),
)


@pytest.fixture
def ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a plan that has an error, a warning and infos; no CI variables set."""
    for var in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.yaml").write_text(BAD, encoding="utf-8")
    return tmp_path


# -- GitHub workflow commands -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "message", "expected"),
    [
        ("exp/plan.yaml", "plain", "::error file=exp/plan.yaml,line=3,col=5,title=PL203::plain"),
        ("a:b,c/plan.yaml", "m", "::error file=a%3Ab%2Cc/plan.yaml,line=3,col=5,title=PL203::m"),
        ("100%/plan.yaml", "50% done", "::error file=100%25/plan.yaml,line=3,col=5,title=PL203::50%25 done"),
        ("x/plan.yaml", "one\r\ntwo", "::error file=x/plan.yaml,line=3,col=5,title=PL203::one%0D%0Atwo"),
        # in the message only %, CR and LF are escaped: ':' and ',' stay readable
        ("x/plan.yaml", "a: b, c", "::error file=x/plan.yaml,line=3,col=5,title=PL203::a: b, c"),
        # a message cannot smuggle in a second workflow command
        (
            "x/plan.yaml",
            "x\n::set-output name=a::b",
            "::error file=x/plan.yaml,line=3,col=5,title=PL203::x%0A::set-output name=a::b",
        ),
    ],
)
def test_github_annotation_escaping(path: str, message: str, expected: str) -> None:
    finding = Finding("PL203", Severity.ERROR, message, path, 3, 5)
    lines = github([finding], files=1).splitlines()
    assert lines[0] == expected
    assert len(lines) == 2 and lines[1].startswith("1 file checked: ")


def test_github_annotation_levels_end_positions_hint_and_diff() -> None:
    findings = [
        Finding(
            "PL501", Severity.ERROR, "drift", "PLAN.md", 19, 1, hint="run `planlint fix`", diff="-a\n+b\n"
        ),
        Finding("PL105", Severity.WARNING, "near miss", "plan.yaml", 22, 3, end_line=22, end_column=16),
        Finding("PL504", Severity.INFO, "no doc", "plan.yaml"),
    ]
    lines = github(findings, files=2).splitlines()
    assert (
        lines[0]
        == "::error file=PLAN.md,line=19,col=1,title=PL501::drift%0Ahint: run `planlint fix`%0A-a%0A+b%0A"
    )
    assert lines[1] == "::warning file=plan.yaml,line=22,col=3,endLine=22,endColumn=16,title=PL105::near miss"
    assert lines[2] == "::notice file=plan.yaml,line=1,col=1,title=PL504::no doc"


def test_github_format_is_chosen_on_github_actions(ci: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", "plan.yaml"]) == 1
    assert not capsys.readouterr().out.startswith("::")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["check", "plan.yaml"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert all(
        re.match(r"::(error|warning|notice) file=plan\.yaml,line=\d+,col=\d+.*,title=PL\d{3}::", line)
        for line in out[:-1]
    )
    assert any(
        line.startswith("::warning file=plan.yaml,line=22,col=3") and "title=PL105::" in line for line in out
    )
    assert main(["check", "--format", "text", "plan.yaml"]) == 1  # an explicit format wins
    assert capsys.readouterr().out.startswith("plan.yaml:")
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert main(["check", "plan.yaml"]) == 1
    assert capsys.readouterr().out.startswith("plan.yaml:")


def test_step_summary_is_appended_on_github(ci: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    summary = ci / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["check", "--format", "text", "plan.yaml"]) == 1  # not with another format
    assert summary.read_text(encoding="utf-8") == "# earlier step\n"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["check", "plan.yaml"]) == 1  # the automatic github format writes no summary
    assert summary.read_text(encoding="utf-8") == "# earlier step\n"
    assert main(["check", "--format", "github", "plan.yaml"]) == 1
    capsys.readouterr()
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n## planlint\n")
    assert "| Location | Rule | Severity | Message |" in text
    assert "| `plan.yaml:22:3` | PL105 | warning | " in text
    assert "Plan changes since" not in text  # no git comparison asked


def test_step_summary_has_the_plan_changes_with_base(ci: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    for var in [v for v in os.environ if v.startswith("GIT_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=ci, check=True, capture_output=True)

    git("init", "-q")
    git(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@planlint.invalid",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "empty",
    )
    git("add", "plan.yaml")
    git("-c", "user.name=t", "-c", "user.email=t@planlint.invalid", "commit", "-q", "-m", "plan")
    (ci / "plan.yaml").write_text(edit(BAD, ("lr: 3e-5}", "lr: 1e-4}")), encoding="utf-8")
    summary = ci / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["check", "--format", "github", "--base", "HEAD", "plan.yaml"]) == 1
    out = capsys.readouterr().out
    assert "title=PL801::run 'Llama-3.2-1B_rank8_lr5e-5' kept its name but changed since HEAD%3A" not in out
    assert (
        "title=PL801::run 'Llama-3.2-1B_rank8_lr5e-5' kept its name but changed since HEAD: lr 3e-5 → 1e-4"
        in out
    )
    text = summary.read_text(encoding="utf-8")
    assert "| PL801 | warning |" in text
    assert "### Plan changes since `HEAD`\n" in text
    assert "| `plan.yaml` (modified) | 0 | 0 | 1 | 0.33 → 0.33 (+0.0) |" in text
    summary.unlink()
    assert main(["check", "--format", "github", "--changed-since", "HEAD~1"]) == 1
    capsys.readouterr()
    assert "| `plan.yaml` (added) | 3 | 0 | 0 | 0.0 → 0.33 (+0.33) |" in summary.read_text(encoding="utf-8")


def test_markdown_summary_escapes_pipes_and_caps_rows() -> None:
    many = [Finding("PL201", Severity.ERROR, f"a | b\nc {i}", "plan.yaml", i + 1, 1) for i in range(501)]
    text = markdown_summary(many, files=1)
    assert "| `plan.yaml:1:1` | PL201 | error | a \\| b c 0 |" in text
    assert text.count("| PL201 |") == 500 and "and 1 more" in text


# -- SARIF 2.1.0 --------------------------------------------------------------------------------------
def _check_sarif(doc: dict) -> None:  # type: ignore[type-arg]
    """The properties the SARIF 2.1.0 schema requires (it cannot be downloaded here), checked by hand."""
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json") or "sarif-schema-2.1.0" in doc["$schema"]
    assert isinstance(doc["runs"], list) and doc["runs"]
    for run in doc["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str) and driver["name"]
        rules = driver.get("rules", [])
        ids = [r["id"] for r in rules]
        assert len(ids) == len(set(ids)) and all(isinstance(i, str) and i for i in ids)
        for result in run["results"]:
            assert isinstance(result["message"]["text"], str) and result["message"]["text"]
            assert re.fullmatch(r"PL\d{3}", result["ruleId"])
            if "ruleIndex" in result:
                assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert result.get("level", "warning") in ("none", "note", "warning", "error")
            assert result["locations"]
            for location in result["locations"]:
                physical = location["physicalLocation"]
                uri = physical["artifactLocation"]["uri"]
                assert isinstance(uri, str) and uri and "\\" not in uri and not uri.startswith("/")
                region = physical["region"]
                assert isinstance(region["startLine"], int) and region["startLine"] >= 1
                assert region.get("startColumn", 1) >= 1
                if "endLine" in region:
                    assert region["endLine"] >= region["startLine"]


def test_sarif_from_the_cli_has_every_required_field(ci: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (ci / "exp").mkdir()
    (ci / "exp" / "plan.yaml").write_text(SEED, encoding="utf-8")
    (ci / "exp" / "PLAN.md").write_text(
        "# x\n<!-- planlint:begin all-runs -->\n<!-- planlint:end all-runs -->\n", encoding="utf-8"
    )
    assert main(["check", "--format", "sarif", "plan.yaml", "exp"]) == 1
    doc = json.loads(capsys.readouterr().out)
    _check_sarif(doc)
    results = doc["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert {"PL105", "PL211", "PL501", "PL504"} <= set(by_rule)
    assert by_rule["PL504"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1  # whole file: 1:1
    assert by_rule["PL501"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "exp/PLAN.md"
    assert by_rule["PL211"]["level"] == "error" and by_rule["PL504"]["level"] == "note"
    driver_ids = {r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert {"PL801", "PL802", "PL803"} <= driver_ids  # every rule is described, git rules included


def test_sarif_without_findings_is_still_a_valid_log() -> None:
    doc = json.loads(sarif([]))
    _check_sarif(doc)
    assert doc["runs"][0]["results"] == []
