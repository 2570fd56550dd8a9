"""`rules` and `estimate` output comes from report.py; the CLI prints it as it is."""

from __future__ import annotations

import json

from click.testing import CliRunner

from planlint import report
from planlint.cli import cli
from planlint.estimate.model import Estimate
from planlint.rules import RULES


def test_rules_text_is_one_aligned_line_per_rule() -> None:
    text = report.rules_listing("text")
    lines = text.splitlines()
    assert len(lines) == len(RULES) and text.endswith("\n")
    r = RULES["PL213"]
    assert f"PL213  {r.severity.value:<7}  {r.name:<28} {r.summary}" in lines
    off = [rid for rid, rule in RULES.items() if not rule.enabled]
    assert off and all(line.endswith("[off by default]") for line in lines if line[:5] in off)


def test_rules_markdown_and_json() -> None:
    md = report.rules_listing("markdown").splitlines()
    assert md[:2] == ["| Rule | Name | Severity | What it checks |", "|---|---|---|---|"]
    assert len(md) == len(RULES) + 2
    doc = json.loads(report.rules_listing("json"))
    assert doc["version"] == 1 and [r["id"] for r in doc["rules"]] == sorted(RULES)


def test_cli_rules_prints_the_report_unchanged() -> None:
    runner = CliRunner()
    for fmt in ("text", "json", "markdown"):
        assert runner.invoke(cli, ["rules", "--format", fmt]).output == report.rules_listing(fmt)


ESTIMATE = Estimate(
    run="Llama-3.2-1B_rank8_lr1e-5",
    time="0:15:00",
    seconds_raw=372.5,
    batch_size_suggestion=8,
    gradient_accumulation_suggestion=4,
    basis="1 prior: Llama-3.2-1B_rank16 (250 steps/epoch, 1.49 s/step), x1.5, rounded up to 5 min",
    priors=("scratch/ck-projects/cap/cap_pilot/Llama-3.2-1B_rank16/artifacts/slurm-5550001.out",),
    batch_basis="peak 18.2 GiB at batch 32 of 40 GiB",
    seconds_low=360.0,
    seconds_high=900.0,
    margin=1.5,
)
NONE = Estimate(
    run="Llama-3.2-3B_rank8_lr1e-5",
    time=None,
    seconds_raw=None,
    batch_size_suggestion=None,
    gradient_accumulation_suggestion=None,
    basis="no prior of Llama-3.2-3B-Instruct (pass --cross-model to extrapolate)",
)


def test_estimate_text() -> None:
    assert report.estimates([ESTIMATE, NONE], "exp/plan.yaml", 2, 1) == (
        "2 log files read (1 copies counted once)\n"
        "Llama-3.2-1B_rank8_lr1e-5: 0:15:00 (raw 6.0-15 min)  (batch 8 x accum 4)\n"
        "    basis: 1 prior: Llama-3.2-1B_rank16 (250 steps/epoch, 1.49 s/step), x1.5, rounded up to 5 min\n"
        "    batch: peak 18.2 GiB at batch 32 of 40 GiB\n"
        "Llama-3.2-3B_rank8_lr1e-5: no estimate  (batch: no suggestion)\n"
        "    basis: no prior of Llama-3.2-3B-Instruct (pass --cross-model to extrapolate)\n"
    )


def test_estimate_json() -> None:
    doc = json.loads(report.estimates([ESTIMATE], "exp/plan.yaml", 2, 1, fmt="json"))
    assert (doc["version"], doc["plan"], doc["logs"]) == (1, "exp/plan.yaml", 2)
    (row,) = doc["runs"]
    assert row["seconds_low"] == 360.0 and row["priors"] == list(ESTIMATE.priors)
    assert row["gradient_accumulation_suggestion"] == 4 and row["margin"] == 1.5
