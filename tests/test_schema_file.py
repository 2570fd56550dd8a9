"""Tests of schemas/plan.schema.json on its own: well-formed, documented, and right about plans.

The schema is exercised directly with jsonschema (no planlint loader), the way an editor or
`check-jsonschema` would use it. YAML is read as YAML 1.2 (ruamel.yaml), and dates that the YAML
loader turns into date objects are given back to the schema as their ISO text.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "schemas" / "plan.schema.json"
CRUIJFF_CASES = Path(__file__).resolve().parent / "cases" / "cruijff"
NOTICE = "# Copied from niznik-dev/cruijff_kit (MIT License, Copyright (c) 2025 Mattie Niznik)"

SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def to_json_types(node: Any) -> Any:
    """Dates (and datetimes) become their ISO text, as the planlint loader hands them over."""
    if isinstance(node, dict):
        return {key: to_json_types(value) for key, value in node.items()}
    if isinstance(node, list):
        return [to_json_types(value) for value in node]
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    return node


def load_yaml(text: str, *, allow_duplicate_keys: bool = False) -> Any:
    yaml = YAML(typ="safe")
    yaml.allow_duplicate_keys = allow_duplicate_keys
    return to_json_types(yaml.load(text))


def errors_of(plan: Any) -> set[tuple[str, str]]:
    """Every error as (dotted path of the instance, failing keyword)."""
    return {
        (".".join(str(part) for part in error.absolute_path), str(error.validator))
        for error in VALIDATOR.iter_errors(plan)
    }


# --------------------------------------------------------------------------- 1. the schema file


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == "https://planlint.dev/schemas/plan.schema.json"
    assert list(SCHEMA)[:9] == [
        "$schema",
        "$id",
        "title",
        "description",
        "type",
        "required",
        "properties",
        "additionalProperties",
        "$defs",
    ]


def test_schema_file_is_tidy() -> None:
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "\t" not in text and "\r" not in text
    indents = {len(line) - len(line.lstrip(" ")) for line in text.splitlines()}
    assert all(indent % 2 == 0 for indent in indents)


def test_defs_cover_the_reusable_parts() -> None:
    for name in (
        "run",
        "model",
        "task",
        "matrix_entry",
        "compute",
        "scorer",
        "exclude_entry",
        "scalar",
    ):
        assert name in SCHEMA["$defs"], name


def _walk_properties(node: Any, where: str, found: list[tuple[str, dict[str, Any]]]) -> None:
    """Collect every property schema (and every schema that stands for a property, such as
    additionalProperties and array items) at every depth, including inside $defs."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            found.append((f"{where}.{name}", sub))
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            found.append((f"{where}.*", extra))
        items = node.get("items")
        if isinstance(items, dict):
            found.append((f"{where}[]", items))
        for key, value in node.items():
            if key in ("properties", "$defs"):
                for name, sub in value.items():
                    _walk_properties(sub, f"{where}.{name}", found)
            elif isinstance(value, (dict, list)) and key not in ("default", "examples"):
                _walk_properties(value, f"{where}.{key}", found)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _walk_properties(value, f"{where}[{index}]", found)


def test_every_property_has_a_title_and_a_description() -> None:
    found: list[tuple[str, dict[str, Any]]] = []
    _walk_properties(SCHEMA, "", found)
    assert len(found) > 150  # the walk really descends into $defs and nested objects
    missing = [
        where
        for where, sub in found
        if not (isinstance(sub.get("title"), str) and sub["title"].strip())
        or not (isinstance(sub.get("description"), str) and sub["description"].strip())
    ]
    assert missing == []
    for name, sub in SCHEMA["$defs"].items():
        assert sub.get("title") and sub.get("description"), name


def test_closed_objects_are_closed_and_open_ones_are_open() -> None:
    """additionalProperties is false everywhere except the intentionally open objects."""
    open_objects = {
        ".properties.controls",
        ".$defs.parameters",
        ".$defs.exclude_entry",
        ".$defs.data_generation",
        ".$defs.data_generation.properties.target",
        ".$defs.data_generation.properties.rule_kwargs",
        ".$defs.data_generation.properties.target.properties.mapping",
        ".$defs.data_generation.properties.conditions",
        ".$defs.condition",
        ".$defs.condition.properties.one_to_many",
        ".$defs.scorer.properties.params",
        ".$defs.run.properties.slurm_overrides",
        # maps keyed by user-chosen names, with typed values
        ".properties.variables",
        ".properties.naming.properties.abbrev",
        ".properties.naming.properties.labels",
    }
    seen: set[str] = set()

    def visit(node: Any, where: str) -> None:
        if not isinstance(node, dict):
            return
        types = node.get("type")
        if types == "object" or (isinstance(types, list) and "object" in types):
            seen.add(where)
            if where in open_objects:
                assert node.get("additionalProperties") is not False, where
            else:
                assert node.get("additionalProperties") is False, where
        for key in ("properties", "$defs"):
            for name, sub in node.get(key, {}).items():
                visit(sub, f"{where}.{key}.{name}")
        for key in ("items", "additionalProperties"):
            visit(node.get(key), f"{where}.{key}")

    visit(SCHEMA, "")
    assert open_objects <= seen


def test_legacy_keys_are_not_in_the_schema() -> None:
    """The loader reports these as unknown keys with a rename hint, so the schema must not
    know them."""
    props = SCHEMA["properties"]
    assert "directory" not in props["experiment"]["properties"]
    assert "label" not in props["data"]["properties"]["training"]["properties"]
    assert "scorer" not in props["evaluation"]["properties"]


# --------------------------------------------------------------------------- 2. cruijff's plan


def _case_text(name: str) -> str:
    text = (CRUIJFF_CASES / name).read_text(encoding="utf-8")
    assert text.startswith(NOTICE + "\n")
    return text


#: The copies' upstream files in niznik-dev/cruijff_kit, each with the SHA-256 of its bytes: the
#: copy minus its notice must be that file byte for byte (no edit slips into a "reference").
UPSTREAM = {
    "experiment_summary.yaml": (
        "tests/fixtures/design/experiment_summary.yaml",
        "956299baabe9bfbc96eb6ecc8d989b0494e02dca3065f7a0030a6bc5389d5075",
    ),
    "template_experiment_summary.yaml": (
        ".claude/skills/design-experiment/templates/experiment_summary.yaml",
        "255bde57332a3500d0ab8dc1c181e501b918ea9e4fd4f6b542b8cdd095148ff2",
    ),
}


@pytest.mark.parametrize("case", sorted(UPSTREAM))
def test_copies_match_the_upstream_files(case: str) -> None:
    copied = _case_text(case).split("\n", 2)[2]  # drop the notice and the "#" line after it
    upstream, digest = UPSTREAM[case]
    assert hashlib.sha256(copied.encode("utf-8")).hexdigest() == digest, f"{case} differs from {upstream}"


def test_the_case_folder_holds_only_upstream_copies() -> None:
    # besides the two copies, only `history/` (the reference plan at each upstream commit,
    # checked byte for byte against its commit by tests/test_vocabulary.py)
    assert sorted(p.name for p in CRUIJFF_CASES.iterdir() if p.is_file()) == sorted(UPSTREAM)
    assert [p.name for p in CRUIJFF_CASES.iterdir() if p.is_dir()] == ["history"]


def test_cruijff_reference_plan_is_valid() -> None:
    plan = load_yaml(_case_text("experiment_summary.yaml"))
    assert sorted(VALIDATOR.iter_errors(plan), key=str) == []
    # evaluation.system_prompt is accepted by the schema (the linter warns separately)
    assert "system_prompt" in plan["evaluation"]


# --------------------------------------------------------------------------- 3. cruijff's template

# Every error the template produces, each a true defect of the template read as a plan. The
# template writes type names where values go; none of its keys is unknown to the schema.
TEMPLATE_ERRORS = {
    # experiment.date: string -- the placeholder is no YYYY-MM-DD date
    ("experiment.date", "pattern"),
    ("experiment.date", "format"),
    # tools: `string` where torchtune / inspect-ai go (cruijff scaffolds no other tool)
    ("tools.preparation", "enum"),
    ("tools.evaluation", "enum"),
    # controls: type names in place of values
    ("controls.dataset_type", "enum"),  # "string" is neither chat_completion nor text_completion
    ("controls.epochs", "type"),  # int
    ("controls.batch_size", "type"),  # int
    ("controls.gradient_accumulation_steps", "type"),  # int
    ("controls.validation_during_training", "type"),  # bool
    ("controls.seed", "type"),  # int
    ("models.base.0.size_gb", "type"),  # float
    ("data.training.size_kb", "type"),  # int
    ("data.training.splits.train", "type"),  # int
    ("data.training.splits.validation", "type"),  # int
    ("data.training.splits.test", "type"),  # int
    # data_generation: type names in place of values
    ("data.data_generation.k", "type"),  # int
    ("data.data_generation.N", "type"),  # int
    ("data.data_generation.rule_kwargs", "type"),  # dict
    ("data.data_generation.split_ratio", "type"),  # float (the key is also given twice)
    ("data.data_generation.ood_tests", "type"),  # list
    ("data.data_generation.target.threshold", "type"),  # float
    ("data.data_generation.validation_ratio", "type"),  # float
    ("data.data_generation.seed", "type"),  # int
    ("data.data_generation.subsampling_ratio", "type"),  # float
    ("data.data_generation.emit_source_parquet", "type"),  # bool
    # (`conditions:` holds only comments, so its value is null: an optional key left unset, fine)
    ("runs.0.type", "enum"),  # "string" is no run type
    # evaluation: type names in place of values
    ("evaluation.temperature", "type"),  # float
    ("evaluation.do_sample", "type"),  # bool
    ("evaluation.seed", "type"),  # int
    ("evaluation.max_tokens", "type"),  # int
    ("evaluation.max_connections", "type"),  # int
    ("evaluation.matrix.0.epochs.0", "type"),  # [int]
}


def test_template_has_a_duplicate_key() -> None:
    """data.data_generation.split_ratio appears twice (model_organism and tabular_to_text_gen
    sections): a defect of its own, reported by the loader, not by the schema."""
    from ruamel.yaml.constructor import DuplicateKeyError

    with pytest.raises(DuplicateKeyError, match="split_ratio"):
        load_yaml(_case_text("template_experiment_summary.yaml"))


def test_template_covers_the_whole_vocabulary() -> None:
    plan = load_yaml(_case_text("template_experiment_summary.yaml"), allow_duplicate_keys=True)
    found = errors_of(plan)
    assert not [error for error in found if error[1] in ("additionalProperties", "required")]
    assert {keyword for _, keyword in found} <= {"type", "enum", "format", "pattern"}
    assert found == TEMPLATE_ERRORS


# --------------------------------------------------------------------------- 4. a realistic plan

REALISTIC_PLAN = """\
experiment:
  name: cap_4L_lora_sweep
  question: "Does LoRA rank or learning rate change capitalization accuracy?"
  date: "2026-11-24"
  dir: /scratch/me/ck-projects/cap/cap_4L_lora_sweep
  project: capitalization
  hypothesis: "Rank 8 beats rank 4 at the higher learning rate."
  purpose: "Choose a LoRA configuration for the 4-letter task."
  base_controls: true
tools: {preparation: torchtune, evaluation: inspect-ai}
variables:
  lora_rank: [4, 8]
  lr: [1e-5, 5e-5]
sweep:
  exclude:
    - {model: Llama-3.2-3B-Instruct, lora_rank: 4, reason: "rank 4 already tested on 3B"}
controls:
  epochs: 2
  batch_size: 4
  gradient_accumulation_steps: 1
  packed: true
  gpus: 1
  validation_during_training: true
  system_prompt: ""
  prompt: "Capitalize the given word: {input}\\n"
  dataset_type: chat_completion
  max_seq_len: 512
  num_warmup_steps: 10
  lora_alpha: 16
  lora_dropout: 0.05
  weight_decay: 0.01
  seed: 14
models:
  base:
    - name: Llama-3.2-1B-Instruct
      short: Llama-3.2-1B
      path: /models/Llama-3.2-1B-Instruct
      size_gb: 2.5
    - name: Llama-3.2-3B-Instruct
      short: Llama-3.2-3B
      path: /models/Llama-3.2-3B-Instruct
      size_gb: 6.4
data:
  training:
    path: data/words_4L.json
    dataset_label: words_4L
    format: json
    size_kb: 120
    splits: {train: 800, validation: 100, test: 100}
output: {wandb_project: cap}
naming:
  template: "{model}_{vars}"
  control: "{model}_base"
  abbrev: {lora_rank: rank, lr: lr}
  labels: {lora_rank: LoRA Rank}
runs:
  - name: Llama-3.2-1B_rank4_lr1e-5
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters: {lora_rank: 4, lr: 1e-5}
    compute: {time: "0:15:00", gpus: 1, mem: 80G, basis: "2 logs of Llama-3.2-1B-Instruct"}
  - name: Llama-3.2-1B_rank4_lr5e-5
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters: {lora_rank: 4, lr: 5e-5}
  - name: Llama-3.2-1B_rank8_lr1e-5
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters: {lora_rank: 8, lr: 1e-5}
  - name: Llama-3.2-1B_rank8_lr5e-5
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters: {lora_rank: 8, lr: 5e-5}
  - name: Llama-3.2-3B_rank8_lr1e-5
    type: fine-tuned
    model: Llama-3.2-3B-Instruct
    parameters: {lora_rank: 8, lr: 1e-5}
  - name: Llama-3.2-3B_rank8_lr5e-5
    type: fine-tuned
    model: Llama-3.2-3B-Instruct
    parameters: {lora_rank: 8, lr: 5e-5}
  - name: Llama-3.2-1B_base
    type: control
    model: Llama-3.2-1B-Instruct
    parameters: {}
  - name: Llama-3.2-3B_base
    type: control
    model: Llama-3.2-3B-Instruct
    parameters: {}
evaluation:
  max_tokens: 20
  scorers:
    - name: match
  tasks:
    - name: capitalization
      script: blueprints/capitalization/inspect_task.py
      dataset: data/words_4L.json
      description: Tests word capitalization accuracy
  matrix:
    - {run: Llama-3.2-1B_rank4_lr1e-5, vis_label: r4-1e-5, tasks: [capitalization], epochs: [0, 1]}
    - {run: Llama-3.2-1B_base, tasks: [capitalization], epochs: null}
"""

Path_ = tuple[str | int, ...]


def realistic_plan() -> dict[str, Any]:
    return load_yaml(REALISTIC_PLAN)


def mutate(plan: Any, path: Path_, value: Any = None, *, delete: bool = False) -> Any:
    """A deep copy of plan with the node at path set to value (or deleted)."""
    result = copy.deepcopy(plan)
    parent = result
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return result


def test_realistic_plan_is_valid_and_typed_as_json() -> None:
    plan = realistic_plan()
    assert errors_of(plan) == set()
    # YAML 1.2: 1e-5 is a number, the quoted date stays text
    assert plan["variables"]["lr"] == [1e-5, 5e-5]
    assert plan["experiment"]["date"] == "2026-11-24"


# (id, path, value or DELETE, expected errors as (dotted path, keyword))
DELETE = object()
FAILING = [
    # unknown keys, one per level
    ("unknown-top-level", ("notes",), "x", {("", "additionalProperties")}),
    ("unknown-experiment", ("experiment", "owner"), "me", {("experiment", "additionalProperties")}),
    (
        "legacy-experiment-directory",
        ("experiment", "directory"),
        "/scratch",
        {("experiment", "additionalProperties")},
    ),
    ("unknown-tools", ("tools", "training"), "x", {("tools", "additionalProperties")}),
    ("unknown-sweep", ("sweep", "include"), [], {("sweep", "additionalProperties")}),
    ("unknown-models", ("models", "extra"), [], {("models", "additionalProperties")}),
    (
        "unknown-model",
        ("models", "base", 0, "alias"),
        "x",
        {("models.base.0", "additionalProperties")},
    ),
    ("unknown-data", ("data", "eval"), {}, {("data", "additionalProperties")}),
    (
        "legacy-data-training-label",
        ("data", "training", "label"),
        "words",
        {("data.training", "additionalProperties")},
    ),
    (
        "unknown-splits",
        ("data", "training", "splits", "holdout"),
        5,
        {("data.training.splits", "additionalProperties")},
    ),
    ("unknown-output", ("output", "project"), "x", {("output", "additionalProperties")}),
    ("unknown-naming", ("naming", "prefix"), "x", {("naming", "additionalProperties")}),
    ("unknown-run", ("runs", 0, "typ"), "control", {("runs.0", "additionalProperties")}),
    (
        "unknown-run-compute",
        ("runs", 0, "compute", "cpus"),
        4,
        {("runs.0.compute", "additionalProperties")},
    ),
    ("unknown-evaluation", ("evaluation", "judge"), "x", {("evaluation", "additionalProperties")}),
    (
        "legacy-evaluation-scorer",
        ("evaluation", "scorer"),
        "match",
        {("evaluation", "additionalProperties")},
    ),
    (
        "unknown-scorer",
        ("evaluation", "scorers", 0, "weight"),
        1,
        {("evaluation.scorers.0", "additionalProperties")},
    ),
    (
        "unknown-task",
        ("evaluation", "tasks", 0, "dataset_path"),
        "x",
        {("evaluation.tasks.0", "additionalProperties")},
    ),
    (
        "unknown-matrix-entry",
        ("evaluation", "matrix", 0, "epoch"),
        [0],
        {("evaluation.matrix.0", "additionalProperties")},
    ),
    (
        "eval-compute-has-no-basis",
        ("evaluation", "compute"),
        {"time": "0:10:00", "basis": "x"},
        {("evaluation.compute", "additionalProperties")},
    ),
    # bad enums
    ("bad-dataset-type", ("controls", "dataset_type"), "chat", {("controls.dataset_type", "enum")}),
    ("bad-run-type", ("runs", 0, "type"), "finetuned", {("runs.0.type", "enum")}),
    # bad dates and names
    (
        "date-dmy",
        ("experiment", "date"),
        "24-11-2026",
        {("experiment.date", "pattern"), ("experiment.date", "format")},
    ),
    (
        "date-with-time",
        ("experiment", "date"),
        "2026-11-24T10:00:00",
        {("experiment.date", "pattern"), ("experiment.date", "format")},
    ),
    ("date-no-such-day", ("experiment", "date"), "2026-13-01", {("experiment.date", "format")}),
    ("date-as-number", ("experiment", "date"), 20261124, {("experiment.date", "type")}),
    (
        "experiment-name-space",
        ("experiment", "name"),
        "cap sweep",
        {("experiment.name", "pattern")},
    ),
    (
        "model-short-slash",
        ("models", "base", 0, "short"),
        "meta/1B",
        {("models.base.0.short", "pattern")},
    ),
    # missing required keys
    ("missing-runs", ("runs",), DELETE, {("", "required")}),
    ("missing-experiment", ("experiment",), DELETE, {("", "required")}),
    ("missing-experiment-name", ("experiment", "name"), DELETE, {("experiment", "required")}),
    ("missing-question", ("experiment", "question"), DELETE, {("experiment", "required")}),
    ("missing-date", ("experiment", "date"), DELETE, {("experiment", "required")}),
    # controls.epochs / batch_size: required only when the plan trains and its base_recipe does
    # not supply them (`x-required-to-train`, checked by planlint: tests/test_schema_hints.py)
    ("missing-system-prompt", ("controls", "system_prompt"), DELETE, {("controls", "required")}),
    ("missing-dataset-type", ("controls", "dataset_type"), DELETE, {("controls", "required")}),
    ("missing-models-base", ("models", "base"), DELETE, {("models", "required")}),
    ("missing-model-path", ("models", "base", 1, "path"), DELETE, {("models.base.1", "required")}),
    ("missing-model-name", ("models", "base", 1, "name"), DELETE, {("models.base.1", "required")}),
    ("missing-training", ("data", "training"), DELETE, {("data", "required")}),
    (
        "missing-training-path",
        ("data", "training", "path"),
        DELETE,
        {("data.training", "required")},
    ),
    ("missing-splits", ("data", "training", "splits"), DELETE, {("data.training", "required")}),
    (
        "missing-train-split",
        ("data", "training", "splits", "train"),
        DELETE,
        {("data.training.splits", "required")},
    ),
    ("missing-run-name", ("runs", 2, "name"), DELETE, {("runs.2", "required")}),
    ("missing-run-type", ("runs", 2, "type"), DELETE, {("runs.2", "required")}),
    ("missing-run-model", ("runs", 2, "model"), DELETE, {("runs.2", "required")}),
    ("missing-run-parameters", ("runs", 6, "parameters"), DELETE, {("runs.6", "required")}),
    (
        "missing-exclude-reason",
        ("sweep", "exclude", 0, "reason"),
        DELETE,
        {("sweep.exclude.0", "required")},
    ),
    (
        "missing-matrix-tasks",
        ("evaluation", "matrix", 1, "tasks"),
        DELETE,
        {("evaluation.matrix.1", "required")},
    ),
    (
        "missing-scorer-name",
        ("evaluation", "scorers", 0, "name"),
        DELETE,
        {("evaluation.scorers.0", "required")},
    ),
    # bad compute time
    (
        "time-trailing-junk",
        ("runs", 0, "compute", "time"),
        "1:75:00x",
        {("runs.0.compute.time", "pattern")},
    ),
    (
        "time-unit-suffix",
        ("runs", 0, "compute", "time"),
        "15m",
        {("runs.0.compute.time", "pattern")},
    ),
    (
        "time-four-fields",
        ("runs", 0, "compute", "time"),
        "1:0:15:00",
        {("runs.0.compute.time", "pattern")},
    ),
    ("time-float", ("runs", 0, "compute", "time"), 1.5, {("runs.0.compute.time", "type")}),
    ("time-negative", ("runs", 0, "compute", "time"), -5, {("runs.0.compute.time", "minimum")}),
    (
        "eval-time-junk",
        ("evaluation", "compute"),
        {"time": "soon"},
        {("evaluation.compute.time", "pattern")},
    ),
    # bad types and ranges
    ("epochs-zero", ("controls", "epochs"), 0, {("controls.epochs", "minimum")}),
    ("batch-size-string", ("controls", "batch_size"), "4", {("controls.batch_size", "type")}),
    (
        "warmup-negative",
        ("controls", "num_warmup_steps"),
        -1,
        {("controls.num_warmup_steps", "minimum")},
    ),
    ("lr-string", ("controls", "lr"), "1e-5x", {("controls.lr", "type")}),
    ("packed-string", ("controls", "packed"), "yes", {("controls.packed", "type")}),
    (
        "base-controls-string",
        ("experiment", "base_controls"),
        "no",
        {("experiment.base_controls", "type")},
    ),
    ("no-base-models", ("models", "base"), [], {("models.base", "minItems")}),
    (
        "split-negative",
        ("data", "training", "splits", "test"),
        -1,
        {("data.training.splits.test", "minimum")},
    ),
    ("variable-empty", ("variables", "lora_rank"), [], {("variables.lora_rank", "minItems")}),
    (
        "variable-duplicate",
        ("variables", "lora_rank"),
        [4, 4],
        {("variables.lora_rank", "uniqueItems")},
    ),
    ("variable-not-a-list", ("variables", "lora_rank"), 4, {("variables.lora_rank", "type")}),
    ("variable-nested", ("variables", "lora_rank"), [[4, 8]], {("variables.lora_rank.0", "type")}),
    (
        "exclude-value-list",
        ("sweep", "exclude", 0, "lora_rank"),
        [4],
        {("sweep.exclude.0.lora_rank", "type")},
    ),
    ("parameters-not-a-mapping", ("runs", 6, "parameters"), [], {("runs.6.parameters", "type")}),
    (
        "checkpoint-path-number",
        ("runs", 6, "parameters", "checkpoint_path"),
        3,
        {("runs.6.parameters.checkpoint_path", "type")},
    ),
    (
        "matrix-epoch-negative",
        ("evaluation", "matrix", 0, "epochs"),
        [-1],
        {("evaluation.matrix.0.epochs.0", "minimum")},
    ),
    (
        "matrix-epochs-scalar",
        ("evaluation", "matrix", 0, "epochs"),
        0,
        {("evaluation.matrix.0.epochs", "type")},
    ),
    ("abbrev-number", ("naming", "abbrev", "lr"), 5, {("naming.abbrev.lr", "type")}),
    (
        "temperature-negative",
        ("evaluation", "temperature"),
        -0.5,
        {("evaluation.temperature", "minimum")},
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [pytest.param(path, value, expected, id=case_id) for case_id, path, value, expected in FAILING],
)
def test_single_mutation_fails(path: Path_, value: Any, expected: set[tuple[str, str]]) -> None:
    if value is DELETE:
        plan = mutate(realistic_plan(), path, delete=True)
    else:
        plan = mutate(realistic_plan(), path, value)
    assert errors_of(plan) == expected


EVAL_ONLY_RUN = {
    "name": "Llama-3.2-1B_rank8_epoch1",
    "type": "eval-only",
    "model": "Llama-3.2-1B-Instruct",
    "parameters": {"checkpoint_path": "/scratch/me/ck-projects/cap/old/Llama-3.2-1B_rank8/artifacts/epoch_1"},
}

PASSING = [
    ("time-h-m-s", ("runs", 0, "compute", "time"), "0:15:00"),
    ("time-minutes", ("runs", 0, "compute", "time"), "15"),
    ("time-m-s", ("runs", 0, "compute", "time"), "15:30"),
    ("time-d-h", ("runs", 0, "compute", "time"), "1-12"),
    ("time-d-h-m", ("runs", 0, "compute", "time"), "1-00:00"),
    ("time-d-h-m-s", ("runs", 0, "compute", "time"), "2-12:30:00"),
    ("time-unnormalized", ("runs", 0, "compute", "time"), "1:75:00"),
    ("time-integer-minutes", ("runs", 0, "compute", "time"), 90),
    ("compute-batch-size-suggestion", ("runs", 0, "compute", "batch_size_suggestion"), 8),
    ("eval-compute", ("evaluation", "compute"), {"time": "0:10:00", "gpus": 1, "mem": "40G"}),
    ("eval-only-checkpoint-path", ("runs", 8), EVAL_ONLY_RUN),
    ("matrix-epochs-null", ("evaluation", "matrix", 0, "epochs"), None),
    ("matrix-no-epochs", ("evaluation", "matrix", 0, "epochs"), DELETE),
    ("parameters-prompt", ("runs", 1, "parameters", "prompt"), "Uppercase: {input}"),
    ("parameters-eval-dataset", ("runs", 1, "parameters", "eval_dataset_path"), "data/eval.json"),
    ("parameters-override-control", ("runs", 1, "parameters", "batch_size"), 8),
    ("run-training-condition", ("runs", 1, "training_condition"), "dictionary"),
    ("run-dataset-path", ("runs", 1, "dataset_path"), "data/other.json"),
    ("run-slurm-overrides", ("runs", 1, "slurm_overrides"), {"partition": "gpu", "nodes": 1}),
    ("controls-any-hyperparameter", ("controls", "learning_rate"), 1e-5),
    ("controls-tokens", ("controls", "total_tokens"), 1_000_000),
    ("controls-blank-system-prompt", ("controls", "system_prompt"), ""),
    ("experiment-without-dir", ("experiment", "dir"), DELETE),
    ("no-output", ("output",), DELETE),
    ("no-evaluation", ("evaluation",), DELETE),
    ("no-variables", ("variables",), DELETE),
    ("base-controls-off", ("experiment", "base_controls"), False),
    ("variable-strings-and-bools", ("variables", "packed"), [True, False]),
    ("exclude-without-model", ("sweep", "exclude", 0), {"lr": 5e-5, "reason": "too slow"}),
    ("evaluation-system-prompt", ("evaluation", "system_prompt"), "You are helpful."),
    ("evaluation-sampling", ("evaluation", "do_sample"), True),
    ("scorer-params", ("evaluation", "scorers", 0, "params"), {"option_tokens": ["0", "1"]}),
    (
        "task-overrides",
        ("evaluation", "tasks", 0),
        {
            "name": "capitalization_cue",
            "script": "task.py",
            "eval_condition": "dictionary",
            "prompt": "Capitalize: {input}",
            "system_prompt": "",
            "assistant_prefix": "Answer:",
        },
    ),
    (
        "data-generation-tabular",
        ("data", "data_generation"),
        {
            "tool": "tabular_to_text_gen",
            "source": "/data/acs.parquet",
            "schema": "/data/schemas/acs.yaml",
            "target": {"column": "PINCP", "threshold": 50000},
            "split_ratio": 0.7,
            "validation_ratio": 0.1,
            "seed": 14,
            "conditions": {
                "dictionary": {"features": ["AGEP", "SEX"], "template": "dictionary"},
                "narrative": {
                    "features": ["AGEP"],
                    "template": "narrative",
                    "perturbations": ["reorder"],
                    "one_to_many": {"copies": 3, "perturbation": "synonym"},
                },
            },
            "future_generator_option": "accepted",
        },
    ),
    (
        "data-generation-model-organism",
        ("data", "data_generation"),
        {
            "tool": "model_organism",
            "name": "parity_k8",
            "input_type": "bits",
            "rule": "parity",
            "k": 8,
            "N": 1000,
            "seed": 1,
            "design": "ood",
            "output_path": "data/parity.json",
            "rule_kwargs": {"p": 0.7},
            "ood_tests": [{"k": 16}],
        },
    ),
]


@pytest.mark.parametrize(
    ("path", "value"),
    [pytest.param(path, value, id=case_id) for case_id, path, value in PASSING],
)
def test_single_mutation_passes(path: Path_, value: Any) -> None:
    plan = realistic_plan()
    if value is DELETE:
        plan = mutate(plan, path, delete=True)
    elif path[:1] == ("runs",) and path[1] == len(plan["runs"]):
        plan = copy.deepcopy(plan)
        plan["runs"].append(value)
    else:
        plan = mutate(plan, path, value)
    assert errors_of(plan) == set()


def test_unquoted_yaml_date_validates_after_conversion() -> None:
    plan = load_yaml(REALISTIC_PLAN.replace('date: "2026-11-24"', "date: 2026-11-24"))
    assert plan["experiment"]["date"] == "2026-11-24"
    assert errors_of(plan) == set()


def test_data_generation_requires_tool() -> None:
    plan = mutate(realistic_plan(), ("data", "data_generation"), {"name": "x"})
    assert errors_of(plan) == {("data.data_generation", "required")}
