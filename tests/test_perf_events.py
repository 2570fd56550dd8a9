"""The loader's fast paths change no value, position or hit.

libyaml's events are built as cheap objects while a plan loads (planlint.plan.cevents), the
loader's hot loops read them unpacked, the nesting pre-check peels brackets alone, and implied
sweep names come from the product of each value's text. The figures live in bench/
(bench/paired.py --only check --sizes 10000,100000); these tests pin that the results are the
ones the slow, general paths give.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import _ruamel_yaml
import pytest
from conftest import ROOT, TWO_MODEL, edit
from ruamel.yaml import YAML
from ruamel.yaml import events as ruamel_events

from planlint.config import Config
from planlint.plan import load
from planlint.plan.model import Plan
from planlint.plan.naming import implied_runs, rendered_name

sys.path.insert(0, str(ROOT / "bench"))
from planfactory import sweep_plan

#: The two-model example with every kind of node the loader reads: anchors, aliases, a merge
#: key, explicit tags, flow and block collections, block scalars (with `#` lines, kept blank
#: lines), quoted scalars, YAML 1.1 traps, a duplicate key and an empty flow mapping.
EVERY_KIND = edit(
    TWO_MODEL,
    (
        "controls:\n  epochs: 2\n",
        "defaults: &defaults {gpus: 1, mem: 40G}\n"
        "notes: !!str 12\n"
        "stamp: 2026-11-24\n"
        "switch: yes\n"
        "umask: 0755\n"
        "limit: 1:30:00\n"
        "empty: {}\n"
        "listed: [a, 'b', \"c\", [1, 2], {x: 1}]\n"
        "folded: >\n  one\n  two\n"
        "kept: |+\n  {input}\n  # Answer with the word only\n\n\n"
        "controls:\n  epochs: 2\n",
    ),
    (
        '    compute: {time: "0:15:00", gpus: 1, mem: 40G}\n  - name: Llama-3.2-1B_rank4_lr5e-5\n',
        '    compute:\n      <<: *defaults\n      time: "0:15:00"\n      time: "0:20:00"\n'
        "  - name: Llama-3.2-1B_rank4_lr5e-5\n",
    ),
)


def _tree(value: Any) -> Any:
    """Everything the loader records about a value: data, positions, source texts, ends."""
    if isinstance(value, load.YMap):
        return (
            "map",
            (value.line, value.col, value.end_line, value.end_col, value.content_end),
            [(k, _tree(v)) for k, v in value.items()],
            dict(value.kpos),
            dict(value.vpos),
            dict(value.raw),
        )
    if isinstance(value, load.YSeq):
        return (
            "seq",
            (value.line, value.col, value.end_line, value.content_end),
            [_tree(v) for v in value],
            list(value.ipos),
            dict(value.raw),
        )
    return (type(value).__name__, value)


def _built(text: str, pure: bool) -> tuple[Any, list[Any]]:
    hits: list[Any] = []
    load._event_classes()
    if pure:
        built = load._Builder(text).run(load._pure_events(text).__next__, hits)
    else:
        built = load._build_c(text, hits)
    assert built is not None, hits
    return _tree(built[0]), hits


@pytest.mark.parametrize(
    "text", [EVERY_KIND, TWO_MODEL, sweep_plan(200)], ids=["every-kind", "two-model", "sweep"]
)
def test_the_c_parser_and_the_pure_parser_build_the_same_plan(text: str) -> None:
    c_tree, c_hits = _built(text, pure=False)
    pure_tree, pure_hits = _built(text, pure=True)
    assert c_tree == pure_tree
    assert c_hits == pure_hits


def test_every_kind_of_node_is_read_with_its_hits() -> None:
    loaded = load.load_plan(Path("plan.yaml"), text=EVERY_KIND)
    assert loaded.data is not None, loaded.hits
    data = loaded.data
    lines = EVERY_KIND.splitlines()
    assert data["kept"] == "{input}\n# Answer with the word only\n\n\n"  # nothing of it lost
    assert data["folded"] == "one two\n"
    assert data["notes"] == "12" and data["umask"] == 755 and data["empty"] == {}
    assert data["listed"] == ["a", "b", "c", [1, 2], {"x": 1}]
    compute = data["runs"][0]["compute"]
    assert compute == {"time": "0:15:00", "gpus": 1, "mem": "40G"}  # merged; the first time wins
    assert compute.kpos["gpus"] == (lines.index("defaults: &defaults {gpus: 1, mem: 40G}") + 1, 22)
    rules = {h.rule for h in loaded.hits}
    assert {"PL002", "PL010", "PL011", "PL012", "PL013"} <= rules, loaded.hits


def test_the_c_parser_makes_ruamels_own_events_again_after_a_load() -> None:
    load.load_plan(Path("plan.yaml"), text=TWO_MODEL)
    broken = load.load_plan(Path("plan.yaml"), text=TWO_MODEL.replace("lr: [1e-5, 5e-5]", "lr: [1e-5, 5e-5"))
    assert [h.rule for h in broken.hits] == ["PL001"]
    for name in ("ScalarEvent", "MappingStartEvent", "SequenceEndEvent", "StreamEndEvent", "AliasEvent"):
        assert getattr(_ruamel_yaml, name) is getattr(ruamel_events, name)
    got = list(YAML(typ="safe").parse("a: [1, b]\n"))  # ruamel's C parser, as another caller uses it
    assert any(type(e) is ruamel_events.ScalarEvent and e.value == "b" for e in got)


def _peeled_whole(text: str) -> bool:
    """flow_is_shallow as it was: every pass over the whole text."""
    pair = re.compile(r"[\[{][^\[\]{}]*[\]}]")
    if text.count("[") + text.count("{") <= 40:
        return True
    for _ in range(40):
        text, removed = pair.subn("", text)
        if not removed:
            return True
    return False


@pytest.mark.parametrize(
    "text",
    [
        sweep_plan(300),
        "a: " + "[" * 45 + "1" + "]" * 45 + "\n",
        "a: " + "[" * 39 + "1" + "]" * 39 + "\n" + "b: {x: [1, 2]}\n" * 30,
        "prompt: 'é [ü] {ß}'\nlist: " + "[ü, " * 50 + "1" + "]" * 50 + "\n",
        "b: " + "{k: " * 41 + "v" + "}" * 41 + "\n",
        "x: '" + "]" * 60 + "'\n",
    ],
)
def test_the_nesting_precheck_answers_as_peeling_the_whole_text(text: str) -> None:
    assert load.flow_is_shallow(text) == _peeled_whole(text)


TEMPLATES = [
    "{model}_{vars}",
    "run_{model}__{vars}_v2",
    "{vars}-{model}",
    "{model}_{vars}_{vars}",
    "{model}_r{lora_rank}_{lr}",  # single variables: rendered one by one
]


@pytest.mark.parametrize("template", TEMPLATES)
def test_implied_names_are_the_names_each_combination_renders(template: str) -> None:
    text = edit(TWO_MODEL, ("runs:\n", f'naming:\n  template: "{template}"\nruns:\n'))
    text = edit(text, ("  lr: [1e-5, 5e-5]\n", "  lr: [1e-5, 5e-5, 0.0001, '3e-4']\n  tag: [a.b, c]\n"))
    loaded = load.load_plan(Path("plan.yaml"), text=text)
    plan = Plan(path=Path("plan.yaml"), display="plan.yaml", loaded=loaded, config=Config())
    implied = [r for r in implied_runs(plan) if r.type == "fine-tuned"]
    assert len(implied) == 2 * 2 * 4 * 2
    for r in implied:
        params = {var: (value, text) for var, value, text in r.params}
        assert r.name == (rendered_name(plan, r.model, params, control=False) or r.model)


def _restating(n_runs: int) -> str:
    """A sweep where every fine-tuned run restates controls.epochs: a PL210 info per run."""
    text = sweep_plan(n_runs)
    return re.sub(r"parameters: \{(lora_rank: [^}]*)\}", r"parameters: {\1, epochs: 1}", text)


def test_a_finding_in_every_run_of_a_big_sweep_keeps_run_wide_suppressions(lint) -> None:  # type: ignore[no-untyped-def]
    # Each hit used to be compared with every run's span (quadratic: 10,000 runs with a finding
    # each took 20 s); now only runs whose `- name:` line carries a suppression are looked at.
    text = _restating(2000)
    name = "Llama-3.2-1B_rank8_lr5e-5_seed1"
    text = edit(text, (f"  - name: {name}\n", f"  - name: {name}  # planlint: disable=PL210\n"))
    found = [f for f in lint(text) if f.rule in ("PL210", "PL020")]
    silenced = text.splitlines().index(f"  - name: {name}  # planlint: disable=PL210") + 1
    assert len(found) == text.count("type: fine-tuned") - 1  # all but the silenced run; no PL020
    assert all(f.rule == "PL210" for f in found)
    assert silenced + 3 not in {f.line for f in found}  # its parameters line
    assert {silenced - 2, silenced + 8} <= {f.line for f in found}  # the runs before and after


def test_a_name_contradiction_in_every_run_names_the_value_it_says(lint) -> None:  # type: ignore[no-untyped-def]
    # The variables' numbers are gathered once per plan, not once per run (a run whose name
    # contradicts it used to walk every value of every variable: runs x values).
    text = _restating(1000)
    text = text.replace("_seed1\n", "_seed7\n", 3)  # three runs named with another seed
    found = [f for f in lint(text) if f.rule == "PL223"]
    assert len(found) == 3
    assert all("says seed7, but the run's seed is 1" in f.message for f in found), found[0].message
