"""`planlint estimate` end to end and the PL7 rules, on a folder of real logs built in tmp_path."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import SEED, edit, only, rules_of

from planlint.cli import main
from planlint.commands.estimate import estimate_edits
from planlint.config import Config, ConfigError, from_mapping
from planlint.engine import run
from planlint.estimate.model import Estimate

LOGS = Path(__file__).parent / "logs"
# cruijff_kit's training log: Llama-3.2-1B (lora_llama3_2_1b), batch 32, 250 steps/epoch, 2 epochs.
PRIOR = LOGS / "cruijff_kit" / "slurm_training_output.txt"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed experiment plus a prior run's log in the cruijff layout."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "seed-sweep", tmp_path / "exp")
    artifacts = (
        tmp_path / "scratch" / "ck-projects" / "cap" / "cap_pilot" / "Llama-3.2-1B_rank16" / "artifacts"
    )
    (artifacts / "epoch_0").mkdir(parents=True)
    shutil.copy(PRIOR, artifacts / "slurm-5550001.out")
    shutil.copy(PRIOR, artifacts / "epoch_0" / "slurm-5550001.out")  # the launcher's copy: counted once
    plan = tmp_path / "exp" / "plan.yaml"
    text = plan.read_text(encoding="utf-8").replace(
        '    compute: {time: "0:10:00", gpus: 1, mem: 40G}\n', "", 1
    )
    plan.write_text(text, encoding="utf-8")
    return tmp_path


def test_estimate_prints_time_basis_and_dedupes_copies(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert (
        main(["estimate", "exp/plan.yaml", "--logs", "scratch/ck-projects/*/*/*/artifacts/**/slurm-*.out"])
        == 0
    )
    out = capsys.readouterr().out
    assert "1 copies counted once" in out
    assert "Llama-3.2-1B_rank8_lr1e-5: 0:" in out and "basis:" in out


def test_estimate_json_has_raw_seconds(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert (
        main(
            [
                "estimate",
                "exp/plan.yaml",
                "--logs",
                "scratch/**/slurm-*.out",
                "--format",
                "json",
                "--gpu-memory-gb",
                "80",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == 1
    first = data["runs"][0]
    assert first["run"] == "Llama-3.2-1B_rank8_lr1e-5"
    assert first["seconds_raw"] > 0 and first["time"].count(":") == 2
    assert {"batch_size_suggestion", "basis"} <= set(first)
    assert first["batch_size_suggestion"] is not None  # from peak reserved memory vs 80 GB


def test_estimate_write_is_surgical_and_regenerates_the_table(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    plan = project / "exp" / "plan.yaml"
    before = plan.read_text(encoding="utf-8")
    assert main(["estimate", "exp/plan.yaml", "--logs", "scratch/**/slurm-*.out", "--write"]) == 0
    after = plan.read_text(encoding="utf-8")
    # Exactly one edit: the first run (which had no compute) gains one line; the second run's
    # hand-set 0:10:00 covers the prediction and stays; no provenance goes into the plan.
    first_params = "    parameters: {lora_rank: 8, lr: 1e-5}\n"
    added = re.search(r'^    compute: \{time: "(\d+:\d\d:\d\d)"\}\n', after.split(first_params, 1)[1])
    assert added is not None
    assert after.replace(added.group(0), "", 1) == before
    assert "basis" not in after and "batch_size: 4" in after  # batch size untouched
    assert "# The sweep behind" in after  # comments kept
    err = capsys.readouterr().err
    assert (
        f"exp/plan.yaml: Llama-3.2-1B_rank8_lr1e-5: compute.time set to {added.group(1)} (the run had none)"
        in err
    )
    assert (
        "exp/plan.yaml: Llama-3.2-1B_rank8_lr5e-5: compute.time 0:10:00 kept (covers the ~2min prior "
        "logs predict; the estimate is 0:05:00, --overwrite writes it)"
    ) in err
    doc = (project / "exp" / "PLAN.md").read_text(encoding="utf-8")
    assert "| ? |" not in doc
    findings = run(["exp"], Config()).findings
    assert not [f for f in findings if f.severity.value != "info"]


def test_write_keeps_quotes_comments_and_crlf(tmp_path: Path) -> None:
    text = SEED.replace("\n", "\r\n").replace(
        'compute: {time: "0:10:00", gpus: 1, mem: 40G}',
        "compute:\r\n      time: '0:10:00'  # guessed\r\n      gpus: 1",
        1,
    )
    path = tmp_path / "plan.yaml"
    from planlint.estimate.plan import RunEstimate
    from planlint.plan.load import load_plan

    loaded = load_plan(path, text=text)
    runs = loaded.data["runs"]
    est = Estimate(
        run="Llama-3.2-1B_rank8_lr1e-5",
        time="0:15:00",
        seconds_raw=400.0,
        batch_size_suggestion=8,
        gradient_accumulation_suggestion=1,
        basis='1 log, "same" model',
    )
    est2 = Estimate(
        run="Llama-3.2-1B_rank8_lr5e-5",
        time="0:20:00",
        seconds_raw=700.0,
        batch_size_suggestion=8,
        gradient_accumulation_suggestion=1,
        basis="1 log",
    )
    new = estimate_edits(
        path,
        text,
        [RunEstimate(0, runs[0], est), RunEstimate(1, runs[1], est2)],
        apply_batch_size=True,
        overwrite=True,
        basis=True,
    ).text
    assert (
        '      time: "0:15:00"  # was 0:10:00: guessed\r\n      gpus: 1\r\n      basis: "1 log, \\"same\\" model"\r\n'
        in new
    )
    assert 'compute: {time: "0:20:00", gpus: 1, mem: 40G, basis: "1 log"}' in new
    assert "parameters: {lora_rank: 8, lr: 1e-5, batch_size: 8, gradient_accumulation_steps: 1}" in new
    assert "\n" not in new.replace("\r\n", "")
    assert load_plan(path, text=new).data["runs"][0]["compute"]["basis"] == '1 log, "same" model'


def test_estimate_without_logs_is_a_usage_error(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["estimate", "exp/plan.yaml"]) == 2
    assert "--logs" in capsys.readouterr().err


def test_pl701_and_pl702_from_the_plan_alone(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(SEED, ('lr: 1e-5}\n    compute: {time: "0:10:00", gpus: 1, mem: 40G}\n', "lr: 1e-5}\n"))
    found = only(lint(text), "PL701")
    assert len(found) == 1 and "Llama-3.2-1B_rank8_lr1e-5" in found[0].message
    over = only(lint(SEED, Config(max_time="0:05:00")), "PL702")
    assert len(over) == 2 and "0:05:00" in over[0].message


@pytest.mark.parametrize("limit", ["0", "infinite", "UNLIMITED", "0:00:00"])
def test_a_partition_without_a_time_limit_flags_no_run(lint, limit: str) -> None:  # type: ignore[no-untyped-def]
    # SLURM: a limit of 0 imposes none; sinfo shows such partitions as "infinite"
    config = from_mapping({"max-time": limit})
    assert config.max_time is None
    assert only(lint(SEED, config), "PL702") == []
    with pytest.raises(ConfigError, match="not a SLURM time"):
        from_mapping({"max-time": "forever"})


def test_pl703_only_when_logs_are_asked_for(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    plan = project / "exp" / "plan.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace('time: "0:10:00"', 'time: "0:01:00"'), encoding="utf-8"
    )
    assert "PL703" not in rules_of(run(["exp"], Config()).findings)  # never scans by default
    main(["check", "exp", "--logs", "scratch/**/slurm-*.out"])
    out = capsys.readouterr().out
    assert "PL703 warning" in out and "0:01:00" in out


def test_write_into_block_runs_without_compute(tmp_path: Path) -> None:
    from planlint.estimate.plan import RunEstimate
    from planlint.plan.load import load_plan

    text = (Path(__file__).parent / "cases" / "cruijff" / "experiment_summary.yaml").read_text(
        encoding="utf-8"
    )
    path = tmp_path / "experiment_summary.yaml"
    loaded = load_plan(path, text=text)
    runs = loaded.data["runs"]
    results = [
        RunEstimate(
            i,
            runs[i],
            Estimate(
                run=runs[i]["name"],
                time="0:05:00",
                seconds_raw=100.0,
                batch_size_suggestion=8,
                gradient_accumulation_suggestion=1,
                basis="1 log",
            ),
        )
        for i in range(2)
    ]
    new = estimate_edits(path, text, results, apply_batch_size=True, basis=True).text
    data = load_plan(path, text=new).data
    assert [r["parameters"] for r in data["runs"]] == [
        {"lora_rank": 4, "batch_size": 8, "gradient_accumulation_steps": 1},
        {"lora_rank": 8, "batch_size": 8, "gradient_accumulation_steps": 1},
    ]
    assert [r["compute"] for r in data["runs"]] == [{"time": "0:05:00", "basis": "1 log"}] * 2
    assert (
        '      lora_rank: 4\n      batch_size: 8\n      gradient_accumulation_steps: 1\n    compute: {time: "0:05:00", basis: "1 log"}\n'
        in new
    )
    old_lines = text.splitlines()
    assert [
        line
        for line in new.splitlines()
        if line not in old_lines
        and "batch_size" not in line
        and "gradient_acc" not in line
        and "compute" not in line
    ] == []


def _one_run_plan(compute: str) -> str:
    return SEED.replace('    compute: {time: "0:10:00", gpus: 1, mem: 40G}\n', compute, 1)


@pytest.mark.parametrize(
    ("compute", "expected"),
    [
        ("    compute: {}\n", '    compute: {time: "0:20:00", basis: "1 log"}\n'),
        ('    compute: {time: "1:00:00", }\n', '    compute: {time: "0:20:00", basis: "1 log" }\n'),
        (
            "    compute:\n      time:\n      gpus: 1\n",
            '    compute:\n      time: "0:20:00"\n      gpus: 1\n      basis: "1 log"\n',
        ),
    ],
    ids=["empty-flow", "trailing-comma", "null-time"],
)
def test_write_into_awkward_compute_mappings(tmp_path: Path, compute: str, expected: str) -> None:
    from planlint.estimate.plan import RunEstimate
    from planlint.plan.load import load_plan

    text = _one_run_plan(compute)
    path = tmp_path / "plan.yaml"
    run0 = load_plan(path, text=text).data["runs"][0]
    est = Estimate(
        run=run0["name"],
        time="0:20:00",
        seconds_raw=600.0,
        batch_size_suggestion=None,
        gradient_accumulation_suggestion=None,
        basis="1 log",
    )
    new = estimate_edits(path, text, [RunEstimate(0, run0, est)], overwrite=True, basis=True).text
    assert new == text.replace(compute, expected, 1)
    assert load_plan(path, text=new).data["runs"][0]["compute"]["time"] == "0:20:00"


@pytest.mark.parametrize(
    "compute",
    ["    compute: *c\n", "    compute:\n      time: |\n        0:10:00\n"],
    ids=["alias", "block-scalar"],
)
def test_write_refuses_what_it_cannot_edit_safely(project: Path, compute: str, capsys) -> None:  # type: ignore[no-untyped-def]
    plan = project / "exp" / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    if "*c" in compute:
        text = text.replace(
            "    parameters: {lora_rank: 8, lr: 1e-5}\n",
            "    parameters: {lora_rank: 8, lr: 1e-5}\n    compute: &c {gpus: 1}\n",
            1,
        )
        text = text.replace('    compute: {time: "0:10:00", gpus: 1, mem: 40G}\n', compute, 1)
    else:
        text = text.replace(
            "    parameters: {lora_rank: 8, lr: 1e-5}\n",
            "    parameters: {lora_rank: 8, lr: 1e-5}\n" + compute,
            1,
        )
    plan.write_text(text, encoding="utf-8")
    before = plan.read_bytes()
    argv = ["estimate", "exp/plan.yaml", "--logs", "scratch/**/slurm-*.out", "--write", "--overwrite"]
    assert main(argv) == 1
    assert "not written" in capsys.readouterr().err
    assert plan.read_bytes() == before


def test_estimate_of_a_plan_whose_dir_is_a_placeholder_says_so(tmp_path: Path) -> None:
    """cruijff's reference plan writes `__SCRATCH__/...`: there is no folder to find logs in, and
    the message says why instead of asking for an experiment.dir the plan has (review 5)."""
    from conftest import CASES, planlint_main

    plan = tmp_path / "experiment_summary.yaml"
    plan.write_text(
        (CASES / "cruijff" / "experiment_summary.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    code, out, err = planlint_main("estimate", str(plan))
    assert code == 2 and out == ""
    assert (
        "experiment.dir __SCRATCH__/" in err and "holds a placeholder, not a folder; give --logs GLOB" in err
    )
