"""`planlint diff --format json`: values in JSON's own types, the text as written beside them."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from conftest import TWO_MODEL, edit, git, git_repo

from planlint.cli import main

# A run the branch adds, written the way cruijff_kit's plans write overrides: a per-run epochs,
# a quoted learning rate (a YAML string, kept a string), packing as a boolean.
ADDED_RUN = """  - name: Llama-3.2-1B_rank16_lr5e-5
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters: {lora_rank: 16, lr: "5e-5", packed: true, epochs: 3, system_prompt: ""}
    compute: {time: "0:20:00", gpus: 1, mem: 40G}
"""


@pytest.fixture
def branch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: the two-model sweep; the working tree widens lora_rank, changes lr and epochs of one
    run, turns packing on in the controls, drops the seed, and adds a run with typed overrides."""
    repo = git_repo(tmp_path / "repo", monkeypatch)
    (repo / "cap").mkdir()
    monkeypatch.chdir(repo)
    (repo / "cap" / "plan.yaml").write_text(TWO_MODEL, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@planlint.invalid", "commit", "-q", "-m", "sweep")
    changed = edit(
        TWO_MODEL,
        ("  lora_rank: [4, 8]", "  lora_rank: [4, 8, 16]"),
        ("  packed: false", "  packed: true"),
        ("  seed: 14\n", ""),
        (
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 5e-5}",
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 1.0e-4, epochs: 3}",
        ),
        ("  - name: Llama-3.2-1B_base\n", ADDED_RUN + "  - name: Llama-3.2-1B_base\n"),
    )
    (repo / "cap" / "plan.yaml").write_text(changed, encoding="utf-8")
    return repo


def diff_json(*args: str) -> dict[str, Any]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["diff", *args, "--format", "json"]) == 0
    data: dict[str, Any] = json.loads(buf.getvalue())
    return data


def test_changed_values_are_json_numbers_with_their_text_beside(branch: Path) -> None:
    data = diff_json("main")
    assert data["version"] == 2
    (plan,) = data["plans"]
    (run,) = plan["changed"]
    assert run["name"] == "Llama-3.2-1B_rank8_lr5e-5"
    assert run["changes"] == [
        {"key": "lr", "old": 5e-5, "new": 1e-4, "old_text": "5e-5", "new_text": "1.0e-4"},
        {"key": "epochs", "old": None, "new": 3, "old_text": None, "new_text": "3"},  # unset before
    ]


def test_sections_keep_lists_booleans_and_removed_keys_typed(branch: Path) -> None:
    (plan,) = diff_json("main")["plans"]
    assert plan["variables"] == [
        {"key": "lora_rank", "old": [4, 8], "new": [4, 8, 16], "old_text": "[4, 8]", "new_text": "[4, 8, 16]"}
    ]
    assert plan["controls"] == [
        {"key": "packed", "old": False, "new": True, "old_text": "false", "new_text": "true"},
        {"key": "seed", "old": 14, "new": None, "old_text": "14", "new_text": None},
    ]


def test_added_run_parameters_are_typed_and_a_quoted_number_stays_a_string(branch: Path) -> None:
    (plan,) = diff_json("main")["plans"]
    (added,) = plan["added"]
    assert added["parameters"] == {
        "lora_rank": 16,
        "lr": "5e-5",  # quoted in the plan: a string in YAML, so a string here
        "packed": True,
        "epochs": 3,
        "system_prompt": "",
    }
    assert added["parameters_text"] == {
        "lora_rank": "16",
        "lr": "5e-5",
        "packed": "true",
        "epochs": "3",
        "system_prompt": '""',
    }
    assert isinstance(added["parameters"]["lora_rank"], int)


def test_values_json_cannot_hold_are_null_with_the_text_kept(branch: Path) -> None:
    plan = branch / "cap" / "plan.yaml"
    plan.write_text(
        edit(
            plan.read_text(encoding="utf-8"),
            ("  num_warmup_steps: 20\n", "  num_warmup_steps: .inf\n  created: 2026-11-24\n"),
        ),
        encoding="utf-8",
    )
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["diff", "main", "--format", "json"]) == 0
    assert "Infinity" not in buf.getvalue() and "NaN" not in buf.getvalue()  # strict JSON
    controls = {c["key"]: c for c in json.loads(buf.getvalue())["plans"][0]["controls"]}
    assert controls["num_warmup_steps"]["new"] is None
    assert controls["num_warmup_steps"]["new_text"] == ".inf"
    assert controls["created"]["new"] == "2026-11-24"


def test_text_and_markdown_still_show_the_values_as_written(branch: Path) -> None:
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["diff", "main"]) == 0
    out = buf.getvalue()
    assert "  ~ run Llama-3.2-1B_rank8_lr5e-5: lr 5e-5 → 1.0e-4, epochs (unset) → 3\n" in out
    assert 'lora_rank 16, lr 5e-5, packed true, epochs 3, system_prompt "")' in out
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["diff", "main", "--format", "markdown"]) == 0
    assert "| `controls.seed` | 14 | *(unset)* |\n" in buf.getvalue()
