"""The language server's reuse between keystrokes: never a stale answer.

Every edit is loaded twice, through `Reuse` (which re-reads only what changed) and in full
(`load_buffer`); the data, every position, the loader's hits and the suppressions must agree.
Then whole checks through the engine show that a changed run or control is seen.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from conftest import TWO_MODEL, edit

from planlint.config import Config
from planlint.engine import check_buffer, load_buffer
from planlint.lsp.reuse import RUN_CACHED, Reuse
from planlint.plan.load import Loaded, YMap, YSeq
from planlint.plan.model import Plan
from planlint.plan.run import Run

RUN_1B = """  - name: Llama-3.2-1B_rank4_lr5e-5
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters: {lora_rank: 4, lr: 5e-5}
"""


def _shape(value: Any) -> Any:
    """A value with every position it carries, for exact comparison."""
    if isinstance(value, YMap):
        return (
            "map",
            (value.line, value.col, value.end_line, value.end_col),
            [(k, _shape(v)) for k, v in value.items()],
            dict(value.kpos),
            dict(value.vpos),
            dict(value.raw),
        )
    if isinstance(value, YSeq):
        return (
            "seq",
            (value.line, value.col, value.end_line),
            [_shape(v) for v in value],
            list(value.ipos),
            dict(value.raw),
        )
    return (type(value).__name__, value)


def _hits(loaded: Loaded) -> list[tuple[Any, ...]]:
    return sorted((h.rule, h.line, h.column, h.message) for h in loaded.hits)


class _Loads:
    """Loads through a Reuse as the engine does (in full when it says None)."""

    def __init__(self) -> None:
        self.reuse = Reuse()

    @property
    def how(self) -> str:
        return self.reuse.how

    def load(self, path: Path, text: str, config: Config) -> Loaded:
        got = self.reuse.load(path, text, config) or load_buffer(path, text, config)
        self.reuse.seed(Plan(path=path, display="plan.yaml", loaded=got, config=config))
        return got


def _same(a: Loaded, b: Loaded) -> None:
    assert a.fatal == b.fatal
    assert _shape(a.data) == _shape(b.data)
    assert _hits(a) == _hits(b)
    assert a.suppressions == b.suppressions
    assert a.text == b.text


#: (old, new, how Reuse should load it): one-line edits an editor makes while typing.
EDITS = [
    ("parameters: {lora_rank: 4, lr: 5e-5}", "parameters: {lora_rank: 4, lr: 7e-5}", "run"),
    (
        "parameters: {lora_rank: 4, lr: 5e-5}",
        "parameters: {lora_rank: 4, lr: 5e-5, lr: 1e-4}",
        "full",
    ),  # a duplicate key: PL002 from the run's own parse, so loaded in full
    ("  - name: Llama-3.2-1B_rank4_lr5e-5", "  - name: yes", "run"),  # PL010 inside the run
    (
        "  - name: Llama-3.2-1B_rank4_lr5e-5",
        "  - name: Llama-3.2-1B_rank4_lr5e-5 # planlint: disable=PL214",
        "run",
    ),
    ("  - name: Llama-3.2-1B_rank4_lr5e-5", "  - name: [unclosed", "full"),  # half-typed: in full
    ("  - name: Llama-3.2-1B_rank4_lr5e-5", "  - name: &a x", "full"),  # an anchor: in full
    (
        "    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 5e-5}",
        "    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 5e-5, seed: 1}",
        "run",
    ),
]


@pytest.mark.parametrize(("old", "new", "how"), EDITS)
def test_an_edit_inside_a_run_loads_as_a_full_load_would(old: str, new: str, how: str) -> None:
    path, config = Path("/ws/plan.yaml"), Config()
    base = edit(TWO_MODEL, (RUN_1B, RUN_1B.replace("\n", "\n", 1)))
    changed = base.replace(old, new, 1)
    reuse = _Loads()
    _same(reuse.load(path, base, config), load_buffer(path, base, config))
    _same(reuse.load(path, changed, config), load_buffer(path, changed, config))
    assert reuse.how == how
    _same(reuse.load(path, base, config), load_buffer(path, base, config))  # and back


OUTSIDE = [
    ("  epochs: 2\n", "  epochs: 3\n"),
    ("  epochs: 2\n", "  epochs: yes\n"),
    ("  epochs: 2\n", "  epochs: 2  # planlint: disable=PL020\n"),
]


@pytest.mark.parametrize(("old", "new"), OUTSIDE)
def test_an_edit_outside_the_runs_loads_as_a_full_load_would(old: str, new: str) -> None:
    path, config = Path("/ws/plan.yaml"), Config()
    assert old in TWO_MODEL
    changed = TWO_MODEL.replace(old, new, 1)
    reuse = _Loads()
    reuse.load(path, TWO_MODEL, config)
    _same(reuse.load(path, changed, config), load_buffer(path, changed, config))
    assert reuse.how == "outside"


def test_every_line_of_a_plan_edited_in_turn_loads_as_in_full() -> None:
    """Each line in turn gets a character typed at its end (the last run, the file's end and
    the lines between sections included); a line count change is loaded in full."""
    path, config = Path("/ws/plan.yaml"), Config()
    lines = TWO_MODEL.split("\n")
    reuse = _Loads()
    reuse.load(path, TWO_MODEL, config)
    ways = set()
    for i, line in enumerate(lines):
        for typed in ("0", " x"):
            changed = "\n".join([*lines[:i], line + typed, *lines[i + 1 :]])
            _same(reuse.load(path, changed, config), load_buffer(path, changed, config))
            ways.add(reuse.how)
    assert ways == {"run", "outside", "full"}
    no_final_break = TWO_MODEL.rstrip("\n")
    reuse.load(path, no_final_break, config)
    changed = no_final_break + "0"
    _same(reuse.load(path, changed, config), load_buffer(path, changed, config))


def test_run_views_carried_over_are_exactly_runs_cached_properties() -> None:
    from planlint.plan import run as run_module

    kinds = (functools.cached_property, run_module._once)
    cached = {n for n, v in vars(Run).items() if isinstance(v, kinds)}
    assert set(RUN_CACHED) == cached | {"settings"}


def _rules(result: Any) -> list[str]:
    return sorted({f.rule for f in result.findings})


def test_a_run_edited_between_two_checks_is_seen_with_its_neighbours_carried(tmp_path: Path) -> None:
    path, config = tmp_path / "plan.yaml", Config()
    path.write_text(TWO_MODEL, encoding="utf-8")
    reuse = Reuse()
    first = check_buffer(path, TWO_MODEL, config, reuse=reuse)
    assert "PL217" not in _rules(first)
    # the run's lr changes: its name now contradicts its parameters, a combination is missing
    renamed = edit(TWO_MODEL, (RUN_1B, RUN_1B.replace("lr: 5e-5}", "lr: 7e-5}")))
    second = check_buffer(path, renamed, config, reuse=reuse)
    assert reuse.how == "run"
    assert "PL217" in _rules(second) and "PL211" in _rules(second)
    assert _rules(second) == _rules(check_buffer(path, renamed, config))
    back = check_buffer(path, TWO_MODEL, config, reuse=reuse)
    assert _rules(back) == _rules(first)


def _sweep(ranks: list[int], lrs: list[str]) -> str:
    """A plan of two Llama 3.2 models x ranks x lrs (long enough to be validated by shape)."""
    models = [("Llama-3.2-1B-Instruct", "Llama-3.2-1B"), ("Llama-3.2-3B-Instruct", "Llama-3.2-3B")]
    out = [
        "experiment:",
        "  name: cap_rank_lr_sweep",
        '  question: "Which LoRA rank and learning rate capitalize best?"',
        '  date: "2026-11-24"',
        f"variables:\n  lora_rank: [{', '.join(map(str, ranks))}]\n  lr: [{', '.join(lrs)}]",
        "controls:\n  epochs: 1\n  batch_size: 4\n  dataset_type: chat_completion",
        "models:\n  base:",
    ]
    for name, short in models:
        out += [f"    - name: {name}", f"      short: {short}", f"      path: /models/{name}"]
    out += ["data:\n  training:\n    path: data/words_5L.json", "runs:"]
    for name, short in models:
        out += [f"  - name: {short}_base\n    type: control\n    model: {name}\n    parameters: {{}}"]
        for rank in ranks:
            for lr in lrs:
                out += [
                    f"  - name: {short}_rank{rank}_lr{lr}",
                    "    type: fine-tuned",
                    f"    model: {name}",
                    f"    parameters: {{lora_rank: {rank}, lr: {lr}}}",
                ]
    return "\n".join(out) + "\n"


def test_a_schema_error_typed_into_one_of_many_runs_is_seen(tmp_path: Path) -> None:
    """Runs are validated by shape and their shapes kept between checks: the one run whose
    type is mistyped is found, and found gone when the type is written back."""
    path, config = tmp_path / "plan.yaml", Config()
    text = _sweep([4, 8, 16, 32], ["1e-5", "2e-5", "5e-5", "1e-4", "2e-4", "5e-4", "1e-3", "3e-6", "5e-6"])
    path.write_text(text, encoding="utf-8")
    reuse = Reuse()
    first = check_buffer(path, text, config, reuse=reuse)
    target = "  - name: Llama-3.2-3B_rank16_lr2e-4\n    type: fine-tuned\n"
    bad = edit(text, (target, target.replace("fine-tuned", "finetuned")))
    second = check_buffer(path, bad, config, reuse=reuse)
    assert reuse.how == "run"
    pl101 = [f for f in second.findings if f.rule == "PL101"]
    assert pl101 and pl101[0].line == bad.splitlines().index("    type: finetuned") + 1
    assert _rules(second) == _rules(check_buffer(path, bad, config))
    back = check_buffer(path, text, config, reuse=reuse)
    assert reuse.how == "run"
    assert _rules(back) == _rules(first) and "PL101" not in _rules(back)


def test_a_control_edited_between_two_checks_reaches_every_run(tmp_path: Path) -> None:
    path, config = tmp_path / "plan.yaml", Config()
    base = TWO_MODEL.replace("gpus: 1, mem", "mem")  # no run states its GPUs: the controls' count
    path.write_text(base, encoding="utf-8")
    reuse = Reuse()
    check_buffer(path, base, config, reuse=reuse)
    two_gpus = edit(base, ("  epochs: 2\n", "  epochs: 2\n  gpus: 2\n"))
    full = check_buffer(path, two_gpus, config)
    assert "PL307" in _rules(full)
    assert _rules(check_buffer(path, two_gpus, config, reuse=reuse)) == _rules(full)
    check_buffer(path, base, config, reuse=reuse)
    zero = edit(base, ("  epochs: 2\n", "  epochs: 0\n"))
    got = check_buffer(path, zero, config, reuse=reuse)
    assert reuse.how == "outside"
    assert _rules(got) == _rules(check_buffer(path, zero, config))
    assert "PL101" in _rules(got)
