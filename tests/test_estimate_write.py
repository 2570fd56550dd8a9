"""`planlint estimate --write` on times a researcher set by hand (the tester's F9 repro).

design-experiment has the researcher approve each compute block, and param_selection.md says
provenance does not belong in experiment_summary.yaml: --write keeps a hand-set compute.time that
covers the prediction, raises one below it, writes no compute.basis unless asked, says per run
what it did, and leaves no comment beside a value it no longer describes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import edit

from planlint.cli import main

LOG = Path(__file__).parent / "logs" / "cruijff_kit" / "slurm_training_output.txt"
RUN = "Llama-3.2-1B-Instruct_rank"

PLAN = """\
experiment:
  name: cap_rank   # trailing comment
  question: Does LoRA rank change capitalization accuracy?
  date: "2026-01-02"
  dir: /scratch/gpfs/me/ck-projects/cap/cap_rank

tools: {preparation: torchtune, evaluation: inspect-ai}

variables:
  lora_rank: [4, 8]
  lr: [1e-5, 5e-5]

controls:
  prompt: "Capitalize: {input}\\n"
  dataset_type: chat_completion
  epochs: 2
  batch_size: 4
  gradient_accumulation_steps: 1

models:
  base:
    - name: Llama-3.2-1B-Instruct
      path: /scratch/gpfs/me/pretrained-llms/Llama-3.2-1B-Instruct

data:
  training:
    path: /scratch/gpfs/me/ck-data/words_5L_80P_1000.json
    dataset_label: words_5L_80P_1000
    format: json
    splits: {train: 800, validation: 100, test: 100}

output:
  wandb_project: cap

runs:
  - name: Llama-3.2-1B-Instruct_rank4_lr1e-5
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters: {lora_rank: 4, lr: 1e-5}
    compute: {gpus: 1, mem: "80G", time: "0:01:00"}  # from the pilot
  - name: Llama-3.2-1B-Instruct_rank4_lr5e-5
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters: {lora_rank: 4, lr: 5e-5}
    compute:
      # hand estimate
      time: 0:30:00
      gpus: 1
  - name: Llama-3.2-1B-Instruct_rank8_lr1e-5
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters: {lora_rank: 8, lr: 1e-5}
    compute: {gpus: 1}
  - name: Llama-3.2-1B-Instruct_rank8_lr5e-5
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters: {lora_rank: 8, lr: 5e-5}
    compute:
      time: "1:00:00"  # generous
  - name: Llama-3.2-1B-Instruct_base
    type: control
    model: Llama-3.2-1B-Instruct
    parameters: {}
"""


@pytest.fixture
def exp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The plan and cruijff_kit's real training log (Llama-3.2-1B, batch 32) beside it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.yaml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "logs").mkdir()
    shutil.copy(LOG, tmp_path / "logs" / "slurm-111.out")
    return tmp_path


def write(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[str, list[str]]:
    """Run `estimate --write` with `flags`: (the new plan text, its per-run lines on stderr)."""
    assert main(["estimate", "plan.yaml", "--logs", "logs/*.out", "--write", *flags]) == 0
    err = capsys.readouterr().err.splitlines()
    return Path("plan.yaml").read_text(encoding="utf-8"), [e for e in err if e.startswith("plan.yaml: ")]


def times(text: str) -> list[Any]:
    return [(r.get("compute") or {}).get("time") for r in yaml.safe_load(text)["runs"]]


def test_hand_set_times_that_cover_the_prediction_are_kept(
    exp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, lines = write(capsys)
    assert lines == [
        f"plan.yaml: {RUN}4_lr1e-5: compute.time 0:01:00 -> 0:05:00 (below the ~3min prior logs "
        "predict); its comment now reads '# was 0:01:00: from the pilot'",
        f"plan.yaml: {RUN}4_lr5e-5: compute.time 0:30:00 kept (covers the ~3min prior logs predict; "
        "the estimate is 0:05:00, --overwrite writes it)",
        f"plan.yaml: {RUN}8_lr1e-5: compute.time set to 0:05:00 (the run had none)",
        f"plan.yaml: {RUN}8_lr5e-5: compute.time 1:00:00 kept (covers the ~3min prior logs predict; "
        "the estimate is 0:05:00, --overwrite writes it)",
    ]
    # exactly two edits, both on one line each; provenance stays out of the plan
    assert text == edit(
        PLAN,
        (
            'time: "0:01:00"}  # from the pilot',
            'time: "0:05:00"}  # was 0:01:00: from the pilot',
        ),
        ("    compute: {gpus: 1}\n", '    compute: {gpus: 1, time: "0:05:00"}\n'),
    )
    assert "basis" not in text
    assert times(text) == ["0:05:00", "0:30:00", "0:05:00", "1:00:00", None]
    # a second --write finds nothing to do and says so for each run
    again, lines = write(capsys)
    assert again == text and all(" kept (" in line for line in lines)


def test_overwrite_replaces_and_marks_the_old_comment(exp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, lines = write(capsys, "--overwrite")
    assert times(text) == ["0:05:00"] * 4 + [None]
    assert '      time: "0:05:00"  # was 1:00:00: generous\n' in text
    assert '      # hand estimate\n      time: "0:05:00"\n      gpus: 1\n' in text
    assert lines[1] == (
        f"plan.yaml: {RUN}4_lr5e-5: compute.time 0:30:00 -> 0:05:00 (--overwrite; prior logs predict ~3min)"
    )
    assert "basis" not in text
    old, new = yaml.safe_load(PLAN), yaml.safe_load(text)
    for run in (*old["runs"], *new["runs"]):
        (run.get("compute") or {}).pop("time", None)
    assert new == old  # nothing but the times changed


def test_basis_only_when_asked_and_only_beside_written_times(
    exp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, lines = write(capsys, "--basis")
    runs = yaml.safe_load(text)["runs"]
    with_basis = [r["name"] for r in runs if "basis" in (r.get("compute") or {})]
    assert with_basis == [f"{RUN}4_lr1e-5", f"{RUN}8_lr1e-5"]  # the kept times get none
    assert runs[0]["compute"]["basis"].startswith("1 log of Llama-3.2-1B-Instruct (model ")
    assert lines[0].endswith("; compute.basis written") and "basis" not in lines[1]


def test_a_stale_basis_follows_its_time(exp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A basis already in the plan (an older planlint wrote it) describes the old time: it is
    rewritten when that time changes and left alone when the time is kept."""
    plan = exp / "plan.yaml"
    plan.write_text(
        edit(
            PLAN,
            ('time: "0:01:00"}', 'time: "0:01:00", basis: "old guess"}'),
            (
                '      time: "1:00:00"  # generous\n',
                '      time: "1:00:00"  # generous\n      basis: "pilot"\n',
            ),
        ),
        encoding="utf-8",
    )
    text, _ = write(capsys)
    runs = yaml.safe_load(text)["runs"]
    assert runs[0]["compute"]["basis"].startswith("1 log of Llama-3.2-1B-Instruct")
    assert runs[3]["compute"]["basis"] == "pilot"
    assert "basis" not in runs[2]["compute"]


def test_a_time_that_is_no_slurm_time_is_kept_unless_overwritten(
    exp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (exp / "plan.yaml").write_text(edit(PLAN, ("time: 0:30:00", "time: about an hour")), encoding="utf-8")
    _, lines = write(capsys)
    assert lines[1] == (
        f"plan.yaml: {RUN}4_lr5e-5: compute.time about an hour kept (not a SLURM time; fix it by "
        "hand, or --overwrite replaces it)"
    )
    text, _ = write(capsys, "--overwrite")
    assert times(text)[1] == "0:05:00"


@pytest.mark.parametrize("flag", ["--overwrite", "--basis"])
def test_write_flags_need_write(exp: Path, flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", "plan.yaml", "--logs", "logs/*.out", flag]) == 2
    assert f"{flag} needs --write" in capsys.readouterr().err
    assert (exp / "plan.yaml").read_text(encoding="utf-8") == PLAN


def test_runs_without_an_estimate_are_named(exp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (exp / "logs" / "slurm-111.out").unlink()
    (exp / "logs" / "slurm-112.out").write_text("nothing here\n", encoding="utf-8")
    text, lines = write(capsys)
    assert text == PLAN
    assert lines[2] == (
        f"plan.yaml: {RUN}8_lr1e-5: compute.time left as is (no estimate: no prior log of "
        "Llama-3.2-1B-Instruct)"
    )
