"""Every finding says how to fix it: a sweep of every rule's findings over the suite's bad inputs
(the YAML test suite, hostile files, cruijff's plan history, the designs and examples, and the
broken plans below) fails on a finding without a hint. conftest also collects the findings of
every test and fails a clean whole-suite run on one without a hint."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import CASES, EXAMPLES, TWO_MODEL, edit

from planlint.config import Config
from planlint.engine import check_buffer, run
from planlint.finding import Finding

CONFIG = Config(extend_select=["PL011", "PL014"])

#: Plans broken the ways review 4 found hintless (and their neighbours).
BROKEN = {
    "unclosed-list-at-end": "experiment:\n  name: x\nvariables:\n  lora_rank: [\n",
    "unclosed-map-at-end": "experiment:\n  name: x\ncontrols: {epochs: 1,\n",
    "alias-cycle": "x: &a [*a]\n",
    "top-level-list": "- 1\n",
    "top-level-scalar": "just text\n",
    "deep-map": "".join("  " * i + f"k{i}:\n" for i in range(150)) + "  " * 150 + "v: 1\n",
    "deep-flow": "a: " + "[" * 600 + "]" * 600 + "\n",
    "unknown-model": edit(TWO_MODEL, ("    model: Llama-3.2-3B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}",
                                      "    model: Nope\n    parameters: {lora_rank: 4, lr: 1e-5}")),
    "matrix-without-runs": edit(TWO_MODEL, ("runs:\n", "runs: null\nxruns:\n")),
    "matrix-unknown-run": edit(TWO_MODEL, ("    - {run: Llama-3.2-3B_base,", "    - {run: Qwen2.5-3B_base,")),
}  # fmt: skip


def _corpus() -> list[tuple[str, str]]:
    texts = [(f"broken/{k}", v) for k, v in BROKEN.items()]
    with (CASES / "yaml-test-suite" / "cases.jsonl").open(encoding="utf-8") as f:
        texts += [(f"yaml-test-suite/{c['id']}", c["yaml"]) for c in map(json.loads, f)]
    folders = [CASES / "hostile", CASES / "cruijff", CASES / "designs", CASES / "real_designs", EXAMPLES]
    for folder in folders:
        for path in sorted(folder.rglob("*.yaml")):
            texts.append(
                (str(path.relative_to(CASES.parent.parent)), path.read_bytes().decode("utf-8", "replace"))
            )
    return texts


def _hintless(findings: list[Finding]) -> list[str]:
    return [f"{f.rule} {f.line}:{f.column} {f.message}" for f in findings if not f.hint]


def test_every_finding_over_the_bad_inputs_has_a_hint(tmp_path: Path) -> None:
    missing: dict[str, str] = {}
    rules: set[str] = set()
    for name, text in _corpus():
        findings = check_buffer(tmp_path / "plan.yaml", text, CONFIG).findings
        rules.update(f.rule for f in findings)
        for line in _hintless(findings):
            missing.setdefault(line.split(" ", 1)[0] + " " + line.split(" ", 2)[2], name)
    assert {"PL001", "PL005", "PL006", "PL101", "PL203", "PL403"} <= rules
    assert not missing, "\n".join(f"{k}  ({v})" for k, v in sorted(missing.items()))


@pytest.mark.parametrize(
    ("name", "rule", "position", "hint"),
    [
        ("unclosed-list-at-end", "PL001", (4, 14), "add the missing ']' to line 4: lora_rank: ["),
        ("alias-cycle", "PL005", (1, 4), "replace the alias by the value it stands for"),
        ("top-level-list", "PL101", (1, 1), "start the file with `experiment:` and the other sections as keys"),
        ("unknown-model", "PL203", None, "use one of models.base: 'Llama-3.2-1B-Instruct', 'Llama-3.2-3B-Instruct'"),
        ("matrix-without-runs", "PL403", None, "runs is empty"),
        ("matrix-unknown-run", "PL403", None, "name one of runs: 'Llama-3.2-1B_rank4_lr1e-5', "),
    ],
)  # fmt: skip
def test_the_hint_says_what_to_do(
    tmp_path: Path, name: str, rule: str, position: tuple[int, int] | None, hint: str
) -> None:
    findings = [
        f for f in check_buffer(tmp_path / "plan.yaml", BROKEN[name], CONFIG).findings if f.rule == rule
    ]
    assert findings, name
    assert (findings[0].hint or "").startswith(hint), findings[0]
    if position is not None:
        assert (findings[0].line, findings[0].column) == position


def test_a_symlink_loop_says_what_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    os.symlink("plan.yaml", tmp_path / "plan.yaml")
    (f,) = [f for f in run(["plan.yaml"], CONFIG).findings if f.rule == "PL003"]
    assert f.hint == "the path is a loop of symbolic links: point the link at the plan file itself"
