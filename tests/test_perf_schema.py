"""Every long array is validated by shape, with the same findings as item-by-item validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import TWO_MODEL

from planlint.finding import Hit
from planlint.plan import schema
from planlint.plan.load import load_plan

ENTRY = "    - {{run: Llama-3.2-1B_rank{rank}_lr{lr}, vis_label: 1B r{rank} {lr}, tasks: [capitalization], epochs: [0, 1]}}\n"


def _long_matrix_plan(extra: dict[int, str]) -> str:
    """The two-model sweep with 300 more matrix entries (entry i replaced by extra[i])."""
    lines = []
    for i in range(300):
        rank, lr = (4, 8)[i % 2], ("1e-5", "5e-5")[i // 2 % 2]
        lines.append(extra.get(i, ENTRY.format(rank=rank, lr=lr)))
    marker = "    - {run: Llama-3.2-3B_base, vis_label: 3B base, tasks: [capitalization], epochs: null}\n"
    assert TWO_MODEL.count(marker) == 1
    return TWO_MODEL.replace(marker, marker + "".join(lines))


def _one_by_one(data: Any) -> list[Hit]:
    hits: list[Hit] = []
    for error in schema._validator().iter_errors(data):
        hits.extend(schema._to_hits(data, error))
    return hits + list(schema._semantic_schema_checks(data))


@pytest.fixture
def validated(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of evaluation.matrix in every document handed to jsonschema whole."""
    seen: list[int] = []
    real = schema._validator()

    class Counting:
        def iter_errors(self, instance: Any) -> Any:
            seen.append(len(instance["evaluation"]["matrix"]))
            return real.iter_errors(instance)

        def __getattr__(self, name: str) -> Any:  # the rest is the real validator's
            return getattr(real, name)

    monkeypatch.setattr(schema, "_validator", Counting)
    return seen


def test_a_long_evaluation_matrix_is_validated_once_per_shape(validated: list[int]) -> None:
    data = load_plan(Path("plan.yaml"), text=_long_matrix_plan({})).data
    assert len(data["evaluation"]["matrix"]) == 310
    assert schema.validate(data) == []
    assert validated == [2]  # entries of fine-tuned runs and of controls: two shapes


@pytest.mark.parametrize(
    "bad",
    [
        {17: "    - {run: Llama-3.2-1B_rank4_lr1e-5, tasks: [capitalization], epochs: [0, 1], vis: x}\n"},
        {3: "    - {run: '', tasks: [capitalization]}\n", 250: "    - {tasks: [capitalization]}\n"},
        {100: "    - {run: Llama-3.2-1B_rank4_lr1e-5, tasks: capitalization, epochs: [-1]}\n"},
        {42: "    - [Llama-3.2-1B_rank4_lr1e-5]\n", 43: "    - 7\n"},
    ],
)
def test_grouped_findings_equal_one_by_one_findings(bad: dict[int, str]) -> None:
    data = load_plan(Path("plan.yaml"), text=_long_matrix_plan(bad)).data
    grouped = schema.validate(data)
    assert grouped, "each case holds a schema error"
    assert sorted(grouped, key=repr) == sorted(_one_by_one(data), key=repr)
    lines = {h.line for h in grouped}
    first = (
        TWO_MODEL.split("\n").index(
            "    - {run: Llama-3.2-3B_base, vis_label: 3B base, tasks: [capitalization], epochs: null}"
        )
        + 2
    )
    assert lines <= {first + i for i in bad}
