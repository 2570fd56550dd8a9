"""SARIF output validates against the official OASIS SARIF 2.1.0 schema (committed under tests/schemas)
and carries what code scanning shows: rule help, help URI, SRCROOT-relative paths, off-by-default rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, example_repo
from jsonschema import Draft4Validator

from planlint.cli import main

SARIF_SCHEMA = json.loads(
    (ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)


def test_sarif_of_a_stale_table_is_valid_sarif_2_1_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES / "seed-sweep", tmp_path / "exp")
    doc = tmp_path / "exp" / "PLAN.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("| ~10min |", "| ~20min |", 1), encoding="utf-8")
    assert main(["check", "exp", "--format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    errors = sorted(Draft4Validator(SARIF_SCHEMA).iter_errors(log), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.resolve().as_uri() + "/"
    result = next(r for r in run["results"] if r["ruleId"] == "PL501")
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "exp/PLAN.md", "uriBaseId": "SRCROOT"}
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["PL501"]["helpUri"].endswith("README.md#pl501")
    assert rules["PL501"]["help"]["markdown"].startswith("**PL501** `table-drift`")
    assert rules["PL501"]["fullDescription"]["text"].startswith("PL501 table-drift (docs): ")
    assert rules["PL014"]["defaultConfiguration"]["enabled"] is False
    assert "Off by default" in rules["PL014"]["help"]["text"]
    assert rules["PL501"]["defaultConfiguration"] == {"level": "error", "enabled": True}
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "PL501"


def test_readme_rules_table_has_the_anchors_sarif_links_to() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert '| <a id="pl501"></a>PL501 | table-drift |' in readme


def test_pl501_differences_are_in_the_message_and_the_hint_is_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES / "seed-sweep", tmp_path / "exp")
    doc = tmp_path / "exp" / "PLAN.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("| ~10min |", "| ~20min |"), encoding="utf-8")
    assert main(["check", "exp", "--format", "json"]) == 1
    finding = next(f for f in json.loads(capsys.readouterr().out) if f["rule"] == "PL501")
    assert finding["hint"] == "run `planlint fix exp/PLAN.md` to regenerate it"
    assert finding["message"].count("Est. Time is ~20min in the doc") >= 2


def test_sarif_columns_are_declared_code_points_and_match_the_text_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A researcher's prompt note with emoji before a wrong value: SARIF's default column unit is
    # the UTF-16 code unit, so a log that counts characters must say so, or viewers mark the
    # wrong place (two units per emoji).
    plan = example_repo(tmp_path, monkeypatch) / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    old = "parameters: {lora_rank: 8, lr: 5e-5}"
    assert text.count(old) == 1
    plan.write_text(
        text.replace(old, 'parameters: {note: "😀😀 é", lora_rank: 99, lr: 5e-5}'), encoding="utf-8"
    )
    assert main(["check", "exp/plan.yaml", "--select", "PL211", "--format", "sarif"]) == 1
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    main(["check", "exp/plan.yaml", "--select", "PL211"])
    head = capsys.readouterr().out.splitlines()[0]
    line, column = (int(x) for x in head.split(":")[1:3])
    assert (region["startLine"], region["startColumn"]) == (line, column)
    assert plan.read_text(encoding="utf-8").splitlines()[line - 1][column - 1 :].startswith("99")
