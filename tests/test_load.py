"""PL0xx: loading — syntax, duplicate keys, encodings, hostile YAML, YAML 1.1 traps."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import SEED, edit, only, rules_of

from planlint.config import Config
from planlint.plan.load import load_plan, position


def test_seed_example_loads_with_positions_and_source_text() -> None:
    loaded = load_plan(Path("plan.yaml"), text=SEED)
    assert [h.rule for h in loaded.hits] == ["PL014"] * 4  # off by default; filtered by config
    runs = loaded.data["runs"]
    assert runs[0]["parameters"]["lr"] == 1e-5
    assert runs[0]["parameters"].raw["lr"] == "1e-5"  # rendered as written, never 1e-05
    line = SEED.splitlines().index("  - name: Llama-3.2-1B_rank8_lr5e-5") + 1
    assert position(loaded.data, ("runs", 1, "name")) == (line, 11)
    assert position(loaded.data, ("runs", 1, "name"), key=True) == (line, 5)


@pytest.mark.parametrize(
    ("text", "rule", "line", "col"),
    [
        ("experiment:\n  name: [unclosed\n", "PL001", 2, 9),  # where the [ the file ends inside opened
        ("experiment:\n\tname: x\n", "PL001", 2, 1),
        ("experiment: {name: a}\n---\nruns: []\n", "PL001", 2, 1),
        ("controls:\n  lr: 1e-5\n  lr: 5e-5\n", "PL002", 3, 3),
        ("", "PL009", 1, 1),
        ("# only a comment\n", "PL009", 1, 1),
        ("experiment:\n  date: 2026-13-45\n", "PL008", 2, 9),
        ("experiment:\n  date: 2026-02-30\n", "PL008", 2, 9),
        ("x: !!python/object/apply:os.system ['echo hi']\n", "PL007", 1, 4),
        ("x: !!python/object:os.system 'echo hi'\n", "PL007", 1, 4),
        ("x: !custom 3\n", "PL007", 1, 4),
        ("controls:\n  validation_during_training: yes\n", "PL010", 2, 31),
        ("controls:\n  packed: off\n", "PL010", 2, 11),
        ("runs:\n  - compute:\n      time: 1:15:00\n", "PL011", 3, 13),
        ("runs:\n  - compute: {time: 1:15:00}\n", "PL011", 2, 21),
        ("experiment:\n  date: 2026-11-24\n", "PL012", 2, 9),
        ("controls:\n  seed: 0755\n", "PL013", 2, 9),
    ],
)
def test_load_findings(text: str, rule: str, line: int, col: int) -> None:
    hits = load_plan(Path("plan.yaml"), text=text).hits
    assert [(h.rule, h.line, h.column) for h in hits if h.rule == rule] == [(rule, line, col)]


def test_yaml11_exponent_rule_is_off_by_default_and_selectable(lint) -> None:  # type: ignore[no-untyped-def]
    assert "PL014" not in rules_of(lint(SEED))
    found = only(lint(SEED, Config(extend_select=["PL014"])), "PL014")
    assert len(found) >= 2 and found[0].hint and "1.0e-5" in found[0].hint


@pytest.mark.parametrize("time", ["0:15:00", "00:30:00", "0:59:59", "0:05"])
def test_times_under_an_hour_are_strings_to_yaml11_readers_too(time: str) -> None:
    # PyYAML's base-60 int starts with 1-9: `0:15:00` is the string '0:15:00' there as well
    assert load_plan(Path("plan.yaml"), text=f"runs:\n  - compute:\n      time: {time}\n").hits == []


@pytest.mark.parametrize("time", ["1:15:00", "12:00:00", "0:30:00.5", "-1:30"])
def test_base60_numbers_of_yaml11_are_traps(time: str) -> None:
    hits = load_plan(Path("plan.yaml"), text=f"runs:\n  - compute:\n      time: {time}\n").hits
    assert [h.rule for h in hits] == ["PL011"]


def test_quoted_values_are_not_yaml11_traps() -> None:
    text = 'a: "yes"\nb: "1:15:00"\nc: "2026-11-24"\nd: "0755"\n'
    assert load_plan(Path("p"), text=text).hits == []


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    start = time.perf_counter()
    hits = load_plan(Path("bomb.yaml"), text="\n".join(lines) + "\n").hits
    assert time.perf_counter() - start < 0.5
    assert [h.rule for h in hits] == ["PL005"]


def test_quadratic_alias_blowup_is_refused() -> None:
    big = "[" + ", ".join(["x"] * 2000) + "]"
    text = f"a: &a {big}\nb: [{', '.join(['*a'] * 2000)}]\n"
    start = time.perf_counter()
    hits = load_plan(Path("q.yaml"), text=text).hits
    assert time.perf_counter() - start < 1.0
    assert "PL005" in [h.rule for h in hits]


def test_a_few_aliases_are_fine() -> None:
    text = "defaults: &d {epochs: 2, batch_size: 4}\ncontrols:\n  <<: *d\n  lr: 1e-5\n"
    loaded = load_plan(Path("p"), text=text)
    assert [h.rule for h in loaded.hits] == ["PL014"]
    assert loaded.data["controls"] == {"epochs": 2, "batch_size": 4, "lr": 1e-5}


@pytest.mark.parametrize(
    "text",
    ["[" * 10_000 + "]" * 10_000, "a:\n" + "".join(" " * i + "- x:\n" for i in range(1, 3000, 2))],
)
def test_deep_nesting_is_a_finding_not_a_crash(text: str) -> None:
    hits = load_plan(Path("deep.yaml"), text=text).hits
    assert [h.rule for h in hits] in (["PL006"], ["PL001"])


def test_moderately_deep_nesting_hits_the_walker_limit() -> None:
    text = "a: " + "[" * 150 + "]" * 150 + "\n"
    assert [h.rule for h in load_plan(Path("p"), text=text).hits] == ["PL006"]


@pytest.mark.parametrize(
    ("data", "line", "col"),
    [
        ("experiment:\n  name: x\n".encode("utf-16"), 1, 1),
        (b"experiment:\n  name: caf\xe9\n", 2, 12),
        (b"experiment:\n  name: x\x00y\n", 2, 10),
        (bytes(range(256)), 1, 1),
    ],
)
def test_binary_and_non_utf8_files(lint, data: bytes, line: int, col: int) -> None:  # type: ignore[no-untyped-def]
    findings = lint(data)
    assert [(f.rule, f.line, f.column) for f in findings] == [("PL003", line, col)]


def test_utf8_bom_is_accepted(lint) -> None:  # type: ignore[no-untyped-def]
    assert [f for f in lint(b"\xef\xbb\xbf" + SEED.encode()) if f.severity.value != "info"] == []


def test_oversized_file_is_refused_without_reading_it(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(SEED + "#" * 20_000, Config(max_file_size_mb=0.01))
    assert rules_of(findings) == ["PL004"]


def test_suppression_on_a_line_and_on_a_run(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        SEED,
        (
            "  - name: Llama-3.2-1B_rank8_lr5e-5\n",
            "  - name: Llama-3.2-1B_rank8_lr5e-5  # planlint: disable=PL211\n",
        ),
    )
    text = edit(
        text,
        (
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 5e-5}",
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 3e-5}",
        ),
    )
    findings = lint(text)
    assert "PL211" not in rules_of(findings)
    # on the line of `- name:` the comment silences the rule for the whole run
    text2 = edit(
        SEED,
        (
            "  - name: Llama-3.2-1B_rank8_lr5e-5\n",
            "  - name: Llama-3.2-1B_rank8_lr5e-5  # planlint: disable=PL211, PL217\n",
        ),
    )
    text2 = edit(
        text2,
        (
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 5e-5}",
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 16, lr: 5e-5}",
        ),
    )
    assert not {"PL211", "PL217", "PL020"} & set(rules_of(lint(text2)))
    # elsewhere it silences only its own line
    text3 = edit(
        SEED,
        (
            "    parameters: {lora_rank: 8, lr: 5e-5}\n",
            "    parameters: {lora_rank: 16, lr: 5e-5}  # planlint: disable=PL211\n",
        ),
    )
    assert {"PL217"} <= set(rules_of(lint(text3))) and "PL211" not in rules_of(lint(text3))


def test_unused_suppression_is_reported(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(SEED, ("  batch_size: 4\n", "  batch_size: 4  # planlint: disable=PL102\n"))
    found = only(lint(text), "PL020")
    assert len(found) == 1 and "PL102" in found[0].message


@pytest.mark.parametrize(
    ("before", "after", "rule"),
    [
        (
            '    compute: {time: "0:10:00", gpus: 1, mem: 40G}\n  - name: Llama-3.2-1B_base',
            "    compute:\n      time: 1:10:00\n  - name: Llama-3.2-1B_base",
            "PL011",
        ),
        ("  name: cap_1B_lr_sweep\n", "  name: cap_1B_lr_sweep\n  date: 2026-11-24\n", "PL012"),
        ("  name: cap_1B_lr_sweep\n", "  name: cap_1B_lr_sweep\n  date: 2026-02-30\n", "PL008"),
        ("  batch_size: 4\n", "  batch_size: 4\n  seed: 0755\n", "PL013"),
        ("  batch_size: 4\n", "  batch_size: 4\n  validation_during_training: yes\n", "PL010"),
    ],
)
def test_yaml_traps_reach_the_user_through_check(lint, before: str, after: str, rule: str) -> None:  # type: ignore[no-untyped-def]
    found = only(lint(edit(SEED, (before, after))), rule)
    assert len(found) == 1


def test_the_base60_warning_agrees_with_pyyaml() -> None:
    """PL011 fires exactly where PyYAML (a YAML 1.1 reader, cruijff_kit's) reads a number."""
    import yaml  # PyYAML: installed with pre-commit

    samples = [
        f"{h}:{m}{s}{frac}"
        for h in ("0", "00", "1", "01", "12", "+2", "-1", "1_0")
        for m in ("00", "5", "59", "60")
        for s in ("", ":00", ":7")
        for frac in ("", ".", ".5")
    ]
    for text in samples:
        read = yaml.safe_load(f"t: {text}")["t"]
        hits = load_plan(Path("plan.yaml"), text=f"t: {text}\n").hits
        number_to_pyyaml = isinstance(read, (int, float))
        assert ("PL011" in [h.rule for h in hits]) == number_to_pyyaml, (text, read)
