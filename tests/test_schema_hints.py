"""Every schema finding says what to write (PL101, PL107), and the requirements follow what a
plan does: the controls only a training run reads are required only when the plan trains.

The fields come from schemas/plan.schema.json, so a field added there is covered too. The plans
are the two-model example and designs cruijff_kit documents (design-experiment's Pattern A, an
eval-only prompt sweep; ACS_EXAMPLE.md's scorer list; a base_recipe plan).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import TWO_MODEL, edit, rules_of
from ruamel.yaml import YAML

from planlint.plan.load import load_plan
from planlint.plan.schema import validate
from planlint.schemafile import load_schema

SCHEMA = load_schema()


def _plain(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def _emit(data: Any) -> str:
    return json.dumps(data, indent=1) + "\n"  # JSON is YAML: no style of ours in the way


def _hits(data: Any) -> list[Any]:
    loaded = load_plan(Path("plan.yaml"), text=_emit(data))
    assert loaded.data is not None
    return validate(loaded.data)


def _resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


SECTIONS: list[tuple[tuple[Any, ...], Any]] = [
    (("experiment",), SCHEMA["properties"]["experiment"]),
    (("controls",), SCHEMA["properties"]["controls"]),
    (("data", "training"), SCHEMA["properties"]["data"]["properties"]["training"]),
    (("models", "base", 0), SCHEMA["properties"]["models"]["properties"]["base"]["items"]),
    (("runs", 0), SCHEMA["properties"]["runs"]["items"]),
    (("evaluation",), SCHEMA["properties"]["evaluation"]),
    (("evaluation", "matrix", 0), SCHEMA["properties"]["evaluation"]["properties"]["matrix"]["items"]),
]


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def _wrong(node: Any) -> Any:
    """A value of the wrong kind for schema `node`."""
    types = node.get("type", [])
    types = types if isinstance(types, list) else [types]
    if "string" not in types and "enum" not in node:
        return "not-this"
    return {"nested": [1, 2]}


def _cases() -> Iterator[tuple[str, Any]]:
    base = _plain(TWO_MODEL)
    for path, section in SECTIONS:
        props = _resolve(section).get("properties", {})
        for key, sub in props.items():
            node = _resolve(sub)
            if not isinstance(node, dict) or not node.get("type"):
                continue
            data = copy.deepcopy(base)
            _at(data, path)[key] = _wrong(node)
            yield f"{'.'.join(map(str, path))}.{key}=wrong", data
        for key in _resolve(section).get("required", ()):
            data = copy.deepcopy(base)
            _at(data, path).pop(key, None)
            yield f"{'.'.join(map(str, path))}.{key} missing", data
    for key in SCHEMA["properties"]["controls"]["x-required-to-train"]:
        data = copy.deepcopy(base)
        data["controls"].pop(key)
        yield f"controls.{key} missing (the plan trains)", data


CASES = dict(_cases())


def test_the_cases_cover_the_schema() -> None:
    assert len(CASES) > 60
    assert "controls.epochs missing (the plan trains)" in CASES


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_schema_finding_has_a_hint(case: str) -> None:
    found = [h for h in _hits(CASES[case]) if h.rule in ("PL101", "PL107")]
    assert found, f"{case}: no PL101/PL107"
    assert all(h.hint for h in found), [(h.rule, h.message) for h in found if not h.hint]


def test_a_missing_training_control_names_what_to_write() -> None:
    text = edit(TWO_MODEL, ("  epochs: 2\n", ""))
    loaded = load_plan(Path("plan.yaml"), text=text)
    assert loaded.data is not None
    (hit,) = [h for h in validate(loaded.data) if h.rule == "PL107"]
    assert hit.message == "required key 'epochs' is missing in controls"
    assert hit.hint == "epochs: 1  (Number of training epochs.)"
    # at the `controls:` key the researcher adds it under
    assert (hit.line, hit.column) == (text.splitlines().index("controls:") + 1, 1)


def test_a_fine_tuned_run_without_parameters_is_told_its_variables() -> None:
    first = "    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}\n"
    text = edit(TWO_MODEL, (first, "    model: Llama-3.2-1B-Instruct\n"))
    loaded = load_plan(Path("plan.yaml"), text=text)
    assert loaded.data is not None
    (hit,) = [h for h in validate(loaded.data) if h.rule == "PL107"]
    assert hit.hint == "parameters: {lora_rank: 4, lr: 1e-5}  (this run's value of each variable)"


PATTERN_A = """experiment:
  name: "acs_prompt_cues_2026-08-01"
  question: "Do base-rate cues in the prompt change calibration?"
  date: "2026-08-01"
  dir: "/scratch/gpfs/me/ck-projects/folktexts/acs_prompt_cues_2026-08-01"
controls:
  system_prompt: ""
  prompt: "{input}"
  dataset_type: "chat_completion"
models:
  base:
    - name: "Llama-3.2-1B-Instruct"
      path: "/scratch/gpfs/me/pretrained-llms/Llama-3.2-1B-Instruct"
data:
  training:
    path: "/scratch/gpfs/me/ck-data/folktexts/acs_income_condensed_1000_80P.json"
    splits: {train: 800, validation: 100, test: 100}
runs:
  - name: Llama-3.2-1B-Instruct_base
    type: control
    model: Llama-3.2-1B-Instruct
    parameters: {}
evaluation:
  scorers:
    - match
    - risk_scorer
  tasks:
    - name: p1_baseline
      script: blueprints/folktexts/inspect_task.py
      prompt: "{input}"
    - name: p2_minority
      script: blueprints/folktexts/inspect_task.py
      prompt: "{input} Bear in mind high earners are a minority in this population."
  matrix:
    - run: Llama-3.2-1B-Instruct_base
      tasks: [p1_baseline, p2_minority]
"""


def test_an_eval_only_prompt_sweep_needs_no_training_controls(lint) -> None:  # type: ignore[no-untyped-def]
    """design-experiment's Pattern A ("the common case"): controls only, nothing trains, so
    nothing reads epochs or batch_size; ACS_EXAMPLE.md lists scorers by name."""
    found = lint(PATTERN_A)
    assert [f for f in found if f.rule.startswith("PL1")] == []


def test_a_training_plan_still_needs_them(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        PATTERN_A,
        (
            "    parameters: {}\nevaluation:",
            "    parameters: {}\n  - name: Llama-3.2-1B-Instruct_ft\n    type: fine-tuned\n"
            "    model: Llama-3.2-1B-Instruct\n    parameters: {}\nevaluation:",
        ),
    )
    assert [f.message for f in lint(text) if f.rule == "PL107"] == [
        "required key 'batch_size' is missing in controls",
        "required key 'epochs' is missing in controls",
    ]
    # a torchtune recipe supplies both (setup_finetune.py reads them from it)
    recipe = edit(
        text,
        (
            '  dataset_type: "chat_completion"\n',
            '  dataset_type: "chat_completion"\n  base_recipe: llama3_2/1B_lora_single_device\n',
        ),
    )
    assert "PL107" not in rules_of(lint(recipe))


def test_a_scorer_that_is_no_name_and_no_mapping_is_pl101_with_a_hint(lint) -> None:  # type: ignore[no-untyped-def]
    found = [f for f in lint(edit(PATTERN_A, ("    - risk_scorer\n", "    - 5\n"))) if f.rule == "PL101"]
    assert len(found) == 1 and found[0].hint
    assert "evaluation.scorers[1]" in found[0].message
