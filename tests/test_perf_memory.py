"""A big sweep is held compactly: repeated texts and signatures are shared, not copied per run.

The figures live in bench/ (bench/paired.py --only check --sizes 10000,100000); these tests pin
the behaviour that keeps memory per run low, and that sharing changes no value, position or hit.
"""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import ROOT, TWO_MODEL, edit

from planlint.plan import schema
from planlint.plan.load import load_plan

sys.path.insert(0, str(ROOT / "bench"))
from planfactory import sweep_plan


def _data(text: str):  # type: ignore[no-untyped-def]
    loaded = load_plan(Path("plan.yaml"), text=text)
    assert loaded.data is not None, loaded.hits
    return loaded


def test_texts_repeated_in_every_run_are_one_object() -> None:
    runs = _data(TWO_MODEL).data["runs"]
    first, second = runs[0], runs[1]
    assert first["model"] == second["model"] == "Llama-3.2-1B-Instruct"
    assert first["model"] is second["model"]
    assert first["type"] is second["type"]
    assert next(iter(first)) is next(iter(second))  # the key `name`
    assert first.raw["model"] is first["model"]  # the source text is the value itself


def test_a_value_read_once_still_gives_its_hit_at_every_place() -> None:
    # the second and third `1e-5` reuse the first one's reading: each keeps its own position
    text = edit(
        TWO_MODEL,
        ("  num_warmup_steps: 20\n", "  num_warmup_steps: 20\n  weight_decay: 1e-5\n  lr_floor: 1e-5\n"),
    )
    loaded = _data(text)
    lines = text.splitlines()
    found = [(h.line, h.column) for h in loaded.hits if h.rule == "PL014"]
    assert (lines.index("  weight_decay: 1e-5") + 1, 17) in found
    assert (lines.index("  lr_floor: 1e-5") + 1, 13) in found
    assert (lines.index("  lr: [1e-5, 5e-5]") + 1, 8) in found  # the first reading
    assert len(set(found)) == len(found) >= 6
    assert len({h.message for h in loaded.hits if h.rule == "PL014" and "1e-5" in h.message}) == 1
    controls = loaded.data["controls"]
    assert controls["weight_decay"] == controls["lr_floor"] == 1e-5
    assert controls.raw["weight_decay"] == "1e-5"
    assert controls.vpos["lr_floor"] == (lines.index("  lr_floor: 1e-5") + 1, 13)


def test_a_value_with_a_hit_keeps_the_hit_when_read_again_as_a_key_value() -> None:
    # `0755` is an octal to YAML 1.1 readers: PL013 at both places, both values 755
    text = edit(TWO_MODEL, ("  gpus: 1\n", "  gpus: 1\n  umask: 0755\n  dir_mode: 0755\n"))
    loaded = _data(text)
    found = [(h.line, h.column) for h in loaded.hits if h.rule == "PL013"]
    lines = text.splitlines()
    assert found == [(lines.index("  umask: 0755") + 1, 10), (lines.index("  dir_mode: 0755") + 1, 13)]
    assert loaded.data["controls"]["umask"] == loaded.data["controls"]["dir_mode"] == 755


def test_alike_runs_share_one_signature() -> None:
    data = _data(sweep_plan(400)).data
    assert schema.validate(data) == []
    runs = data["runs"]
    held = [schema._SIGNATURES[id(r)][2] for r in runs]
    fine_tuned = {id(sig) for r, sig in zip(runs, held, strict=True) if r["type"] == "fine-tuned"}
    controls = {id(sig) for r, sig in zip(runs, held, strict=True) if r["type"] == "control"}
    assert len(fine_tuned) == 1
    assert len(controls) == 1


def test_the_signature_of_a_run_is_what_the_schema_sees() -> None:
    items = schema.load_schema()["properties"]["runs"]["items"]
    runs = _data(sweep_plan(200)).data["runs"]
    a = runs[0]
    b = next(r for r in runs if r["parameters"].get("lr") != a["parameters"]["lr"])
    assert b["type"] == "fine-tuned"
    assert schema.signature(a, items) == schema.signature(b, items)  # lr: only its type is seen
    control = next(r for r in runs if r["type"] == "control")
    assert schema.signature(control, items) != schema.signature(a, items)  # `type` is an enum
