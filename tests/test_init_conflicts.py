"""`planlint init` never resolves conflicting answers silently: a variable given its own constant
too is a usage error, a plan that trains nothing says so, and a typed backslash stays one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import init_workspace, planlint_main

from planlint.config import Config
from planlint.engine import run

BASE = [
    "--question", "Does LoRA rank change capitalization accuracy?", "--dataset", "data/words.json",
    "--model", "Llama-3.2-1B-Instruct",
]  # fmt: skip


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return init_workspace(tmp_path)


@pytest.mark.parametrize(
    ("vary", "option", "said"),
    [
        ("lr=1e-5", ["--lr", "2e-5"], "lr is a variable (lr=1e-5) and --lr 2e-5 sets it for every run"),
        (
            "batch_size=4,8",
            ["--batch-size", "16"],
            "batch_size is a variable (batch_size=4,8) and --batch-size 16 sets it for every run",
        ),
        ("epochs=1,2", ["--epochs", "3"], "epochs is a variable (epochs=1,2) and --epochs 3"),
        ("packed=true,false", ["--no-packing"], "packed is a variable (packed=true,false) and --no-packing"),
    ],
)
def test_a_variable_given_as_a_constant_too_is_a_usage_error(
    workspace: Path, vary: str, option: list[str], said: str
) -> None:
    code, _, err = planlint_main("init", "exp", *BASE, "--vary", vary, *option)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and said in err, err
    assert not (workspace / "exp" / "plan.yaml").exists()


def test_a_plan_that_trains_nothing_says_so(workspace: Path) -> None:
    code, out, err = planlint_main("init", "exp", *BASE)
    assert (code, err) == (0, ""), out
    assert "  no fine-tuned run: pass --vary or --lora-rank to train one\n" in out
    code, out, _ = planlint_main("init", "sweep", *BASE, "--vary", "lora_rank=4,8")
    assert code == 0 and "no fine-tuned run" not in out


def test_a_lora_rank_alone_trains_one_run_per_model_beside_its_control(workspace: Path) -> None:
    """cruijff's ACS onboarding design: one base model evaluation, one fine-tuned with LoRA rank 8."""
    code, out, err = planlint_main(
        "init", "acs", *BASE, "--model", "Llama-3.2-3B-Instruct", "--lora-rank", "8"
    )
    assert (code, err) == (0, ""), out
    assert "Wrote acs/plan.yaml (2 fine-tuned runs + 2 controls)" in out and "no fine-tuned run" not in out
    data = yaml.safe_load((workspace / "acs" / "plan.yaml").read_text(encoding="utf-8"))
    assert data["variables"] == {} and data["controls"]["lora_rank"] == 8
    assert [(r["name"], r["type"]) for r in data["runs"]] == [
        ("Llama-3.2-1B_rank8", "fine-tuned"),
        ("Llama-3.2-1B_base", "control"),
        ("Llama-3.2-3B_rank8", "fine-tuned"),
        ("Llama-3.2-3B_base", "control"),
    ]
    result = run([str(workspace / "acs")], Config())
    assert [f for f in result.findings if f.severity.value != "info"] == []


def test_a_backslash_in_the_prompt_is_read_literally_by_every_reader(workspace: Path) -> None:
    code, out, err = planlint_main(
        "init", "exp", *BASE, "--vary", "lora_rank=4,8", "--prompt", r"C:\temp {input}"
    )
    assert (code, err) == (0, ""), out
    text = (workspace / "exp" / "plan.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text)["controls"]["prompt"] == "C:\\temp {input}"  # PyYAML, YAML 1.1
    from planlint.plan.load import load_plan

    assert load_plan(workspace / "exp" / "plan.yaml").data["controls"]["prompt"] == "C:\\temp {input}"
