"""An optional key set to null, or left empty, is the key left out (review 5, F1).

cruijff_kit reads a plan the same way: `propagate.py` skips a null source value and
`resolve_seed` gives the default seed for `seed: null`; the template marks these keys OPTIONAL.
So every finding of a plan with `key: null` (or `key:`) must be a finding of the plan without the
key, and the schema an editor validates with accepts it too.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, TWO_MODEL, edit

from planlint.config import Config
from planlint.engine import Options, check_plan
from planlint.plan.load import load_plan

#: Optional keys of the two-model example, one line each, from every section.
OPTIONAL_LINES = [
    '  hypothesis: "Rank matters more for 1B; learning rate dominates for 3B."\n',
    '  purpose: "Pick a default LoRA configuration for the capitalization blueprints."\n',
    "  dir: /scratch/gpfs/me/ck-projects/capitalization/cap_lora_rank_lr_sweep\n",
    "  base_controls: true\n",
    "  num_warmup_steps: 20\n",
    "  max_seq_len: 512\n",
    "  seed: 14\n",
    "  batch_size: 4\n",
    "  packed: false\n",
    "      size_gb: 2.5\n",
    "    size_kb: 74\n",
    "  wandb_project: capitalization\n",
    "  do_sample: false\n",
    "  max_tokens: 20\n",
    '      description: "Capitalize a five-letter word"\n',
]


def _findings(tmp_path: Path, text: str) -> Counter[tuple[str, str]]:
    """(rule, message) of every finding; a message that names the null key says "null"."""
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    _, hits = check_plan(path, Config(), Options(docs=False, layout=False))
    return Counter(
        (h.rule, h.message.replace(" is null in controls (null leaves it unset)", " is missing in controls"))
        for h in hits
    )


@pytest.mark.parametrize("line", OPTIONAL_LINES, ids=lambda line: line.split(":")[0].strip())
@pytest.mark.parametrize("written", ["null", ""])
def test_an_optional_key_set_to_null_is_the_key_left_out(tmp_path: Path, line: str, written: str) -> None:
    key = line.split(":")[0]
    nulled = edit(TWO_MODEL, (line, f"{key}: {written}".rstrip() + "\n"))
    assert _findings(tmp_path, nulled) == _findings(tmp_path, edit(TWO_MODEL, (line, "")))
    if "batch_size" in line:  # required to train: null is as missing as no key
        assert ("PL107", "required key 'batch_size' is missing in controls") in _findings(tmp_path, nulled)
    # the schema file editors use (yaml-language-server) says the same
    schema = json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
    (tmp_path / "plan.yaml").write_text(nulled, encoding="utf-8")
    data = json.loads(json.dumps(load_plan(tmp_path / "plan.yaml").data, default=str))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []


def test_a_null_time_or_temperature_is_unset(tmp_path: Path) -> None:
    """`compute: {time: null}` is a run without an estimate (PL701 says so, like a missing time),
    and `temperature: null` with greedy decoding sets nothing (no PL401)."""
    run = '    compute: {time: "0:15:00", gpus: 1, mem: 40G}\n'
    no_time = edit(
        TWO_MODEL,
        (
            run + "  - name: Llama-3.2-1B_rank4_lr5e-5",
            "    compute: {gpus: 1, mem: 40G}\n  - name: Llama-3.2-1B_rank4_lr5e-5",
        ),
    )
    null_time = edit(
        TWO_MODEL,
        (
            run + "  - name: Llama-3.2-1B_rank4_lr5e-5",
            "    compute: {time: null, gpus: 1, mem: 40G}\n  - name: Llama-3.2-1B_rank4_lr5e-5",
        ),
    )
    assert _findings(tmp_path, null_time) == _findings(tmp_path, no_time)
    assert any(rule == "PL701" for rule, _ in _findings(tmp_path, null_time))
    greedy = edit(TWO_MODEL, ("  do_sample: false\n", "  do_sample: false\n  temperature: null\n"))
    assert "PL401" not in {rule for rule, _ in _findings(tmp_path, greedy)}


def test_a_required_key_set_to_null_is_an_error_whose_hint_does_not_say_quote(tmp_path: Path) -> None:
    """Quoting `null` would store the string "null": the hint asks for a value instead."""
    found = [
        h
        for h in check_plan_hits(
            tmp_path, edit(TWO_MODEL, ("  name: cap_lora_rank_lr_sweep\n", "  name: null\n"))
        )
        if h.rule == "PL101"
    ]
    assert [(h.line, h.message) for h in found] == [(5, "experiment.name: null is not of type string")]
    assert found[0].hint == "write a value: this key is required, and null leaves it unset"


def check_plan_hits(tmp_path: Path, text: str) -> list:  # type: ignore[type-arg]
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return check_plan(path, Config(), Options(docs=False, layout=False))[1]
