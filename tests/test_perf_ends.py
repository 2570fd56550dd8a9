"""The loader records where every list and mapping ends, so surgical edits never re-parse for it.

The oracle is an independent pass over ruamel.yaml's own parser events (what the edits used to
compute by parsing the plan again): each recorded `content_end` must equal it, on real plans and
on the layouts that make the end hard to find (comments after a node, flow lists, block scalars
with `#` lines and kept blank lines, CRLF and CR-only line endings).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES, EXAMPLES, SEED, TWO_MODEL, edit
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

import planlint.plan.load as load_module
from planlint.plan.edit import add_runs_and_entries
from planlint.plan.load import YMap, YSeq, load_plan
from planlint.plan.naming import ImpliedRun

Mark = tuple[int, int]


def reparsed_ends(text: str) -> dict[tuple[int, int], Mark]:
    """Each collection's end by its 1-based start, from the parser's events (C parser first)."""
    for pure in (False, True):
        try:
            return _ends(YAML(typ="safe", pure=pure), text)
        except (YAMLError, ValueError):
            continue
    return {}


def _ends(yaml: Any, text: str) -> dict[tuple[int, int], Mark]:
    ends: dict[tuple[int, int], Mark] = {}
    stack: list[list[Any]] = []  # [start key, flow?, end of the last content inside]
    for event in yaml.parse(text):
        if isinstance(event, (ScalarEvent, AliasEvent)):
            if stack:
                stack[-1][2] = (event.end_mark.line, event.end_mark.column)
        elif isinstance(event, CollectionStartEvent):
            mark = event.start_mark
            stack.append([(mark.line + 1, mark.column + 1), bool(event.flow_style), (mark.line, mark.column)])
        elif isinstance(event, CollectionEndEvent) and stack:
            key, flow, last = stack.pop()
            end = (event.end_mark.line, event.end_mark.column) if flow else last
            ends.setdefault(key, end)
            if stack:
                stack[-1][2] = end
    return ends


def collections(data: Any, seen: set[int] | None = None) -> Iterator[YMap | YSeq]:
    """Every mapping and list of loaded data, once each (aliases are the same object)."""
    seen = set() if seen is None else seen
    if isinstance(data, (YMap, YSeq)) and id(data) not in seen:
        seen.add(id(data))
        yield data
        for value in data.values() if isinstance(data, dict) else data:
            yield from collections(value, seen)


def assert_ends_match(text: str) -> int:
    """Every recorded end equals the re-parsed one; returns how many collections were compared."""
    loaded = load_plan(Path("plan.yaml"), text=text)
    assert not loaded.fatal, loaded.hits
    expected = reparsed_ends(text)
    count = 0
    for node in collections(loaded.data):
        assert node.content_end == expected[(node.line, node.col)], (node.line, node.col)
        count += 1
    return count


BLOCK_SCALAR_RUN = """\
runs:
  - name: Llama-3.2-1B_rank4_lr1e-5
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters: {lora_rank: 4, lr: 1e-5}
    prompt: |+
      Capitalize: {input}
      # Answer with the word only


  # a comment about the next run
  - name: Llama-3.2-1B_base   # trailing comment
    type: control
    model: Llama-3.2-1B-Instruct
    notes: >-
      folded text
      # not a comment
# comment at the end
evaluation:
  tasks: [capitalization,
          word_length]   # a flow list over two lines
  matrix:
    - {run: Llama-3.2-1B_rank4_lr1e-5, tasks: [capitalization], epochs: [0]}
    - run: Llama-3.2-1B_base
      tasks:
        - capitalization
      epochs: null

"""

ANCHORED = """\
controls: &c {epochs: 1, batch_size: 4}
defaults: &d
  lora_rank: 4
  lr: 1e-5
runs:
  - name: a
    parameters:
      <<: *d
      seed: 1
  - name: b
    parameters: *d
  - *c
"""


@pytest.mark.parametrize(
    "text", [SEED, TWO_MODEL, BLOCK_SCALAR_RUN, ANCHORED], ids=["seed", "two", "block", "alias"]
)
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_recorded_ends_equal_the_reparsed_ones(text: str, newline: str) -> None:
    assert assert_ends_match(text.replace("\n", newline)) > 3


def test_recorded_ends_on_every_shipped_and_cruijff_plan() -> None:
    paths = sorted(EXAMPLES.rglob("*.yaml")) + sorted((CASES / "cruijff").rglob("*.yaml"))
    assert len(paths) > 10
    total = sum(assert_ends_match(p.read_text(encoding="utf-8").lstrip("\ufeff")) for p in paths)
    assert total > 100


def test_recorded_ends_on_the_yaml_test_suite_mappings() -> None:
    rows = [json.loads(line) for line in (CASES / "yaml-test-suite" / "cases.jsonl").read_text().splitlines()]
    compared = 0
    for row in rows:
        if row["error"]:
            continue
        loaded = load_plan(Path("plan.yaml"), text=row["yaml"])
        if loaded.fatal or any(h.rule.startswith("PL00") for h in loaded.hits):
            continue
        expected = reparsed_ends(row["yaml"])
        for node in collections(loaded.data):
            assert node.content_end == expected[(node.line, node.col)], row["id"]
            compared += 1
    assert compared > 100


def test_a_run_ending_in_a_kept_block_scalar_is_extended_after_its_last_line() -> None:
    text = BLOCK_SCALAR_RUN.replace("\n", "\r\n")
    data = load_plan(Path("plan.yaml"), text=text).data
    assert data["runs"][0].content_end == (10, 0)  # after the kept blank lines, before "# a comment"
    assert data["runs"].content_end == (17, 0)  # after the folded `#` line, before "# comment at"
    assert data["evaluation"]["tasks"].content_end == (20, 22)  # just after its `]`


def test_fix_runs_parses_the_plan_once_to_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding runs and matrix entries reads the text it was given, then only verifies the result."""
    text = edit(SEED, ("lr: [1e-5, 5e-5]", "lr: [1e-5, 5e-5, 1e-4]"))
    loaded = load_plan(Path("plan.yaml"), text=text)
    parsed: list[str] = []
    real = load_module._build

    def counting(source: str, hits: list[Any]) -> Any:
        parsed.append(source)
        return real(source, hits)

    def event_pass(self: YAML, stream: Any) -> Any:
        parsed.append("an event pass over the text")
        return real_parse(self, stream)

    real_parse = YAML.parse
    monkeypatch.setattr(load_module, "_build", counting)
    monkeypatch.setattr(YAML, "parse", event_pass)
    run = ImpliedRun(
        name="Llama-3.2-1B_rank4_lr1e-4",
        type="fine-tuned",
        model="Llama-3.2-1B-Instruct",
        model_index=0,
        params=(("lora_rank", 4, "4"), ("lr", 1e-4, "1e-4")),
    )
    new, evaluated, reloaded = add_runs_and_entries(text, loaded, [run])
    assert evaluated
    assert parsed == [new]  # the verification only: the ends came from the first load
    assert reloaded.data["runs"][-1]["name"] == "Llama-3.2-1B_rank4_lr1e-4"
