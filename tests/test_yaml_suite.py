"""The yaml-test-suite (tests/cases/yaml-test-suite, MIT) against the plan loader.

Every case loads without a crash; every valid case is accepted, except the kinds a plan refuses on
purpose and the parser limits listed below with their reasons; every invalid case gets a PL0
finding, except the ones libyaml is known to let through, listed the same way. Each list is
asserted exactly, so a case that starts to pass (or to fail) shows up here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES, SEED, TWO_MODEL, edit, rules_of

from planlint.config import Config
from planlint.engine import run
from planlint.plan.load import Loaded, load_plan

SUITE = CASES / "yaml-test-suite" / "cases.jsonl"
CASES_BY_ID: dict[str, dict[str, Any]] = {
    c["id"]: c for c in (json.loads(line) for line in SUITE.read_text(encoding="utf-8").splitlines())
}

#: Loader findings that say the YAML itself was refused (YAML 1.1 hints like PL010-PL014 do not).
REFUSALS = {"PL001", "PL002", "PL005", "PL006", "PL007", "PL009"}

#: Valid YAML that neither libyaml nor ruamel's pure-Python parser reads (case id -> why).
PARSER_LIMITS = {
    "4MUZ/00": "flow mapping: the ':' of a key on the line after the key",
    "4MUZ/01": "flow mapping: the ':' of a key on the line after the key",
    "4MUZ/02": "flow mapping: the ':' of a key on the line after the key",
    "5MUD": "flow mapping: ':' and its value on the line after the key",
    "9SA2": "flow mapping: a multi-line double-quoted key",
    "K3WX": "flow mapping: ':' after a comment on the line after the key",
    "NJ66": "flow mapping: a multi-line plain key",
    "VJP3/01": "flow mapping: key and ':' on different lines",
    "WZ62": "flow mapping: an empty key and value ({: , foo: })",
    "CFD4": "flow sequence: a single pair with an empty implicit key ([ : x])",
    "6BCT": "a tab as separation space after an indicator",
    "6CA3": "a tab indenting a top-level flow collection",
    "A2M4": "a tab after the indentation of a block sequence entry",
    "DK95/00": "a tab before a mapping value on its own line",
    "DK95/03": "a tab on an otherwise empty line",
    "DK95/04": "a tab in a plain scalar's continuation indentation",
    "Q5MG": "a tab at the start of a line before a flow mapping",
    "R4YG": "a tab as the first character of block scalar content after an indentation indicator",
    "Y79Y/010": "a tab before a flow collection inside a block sequence",
    "BEC7": "a %YAML 1.3 directive (the parsers know versions 1.1 and 1.2 only)",
}

#: Invalid YAML that libyaml accepts, and what it reads instead (case id -> why it is harmless).
ACCEPTED_INVALID = {
    "9C9N": "a flow sequence continued at column 0 (read as the same sequence)",
    "QB6E": "a quoted scalar continued at column 0 (read as the same string)",
    "DK95/01": "a tab indenting a quoted scalar's continuation line",
    "Y79Y/003": "a tab indenting a flow sequence's entry",
    "S98Z": "a block scalar whose leading empty lines are more indented than its content",
    "SU5Z": "a comment without a space after a quoted scalar",
    "X4QW": "a comment without a space after a block scalar indicator",
    "CVW2": "a comment without a space after a flow sequence's comma",
    "9JBA": "a comment without a space after a flow sequence",
    "MUS6/00": "a comment without a space after a %YAML directive",
    "G5U8": "a plain '-' as a flow sequence entry",
    "YJV2": "a plain '-' as a flow sequence entry",
}

#: Valid cases read into other data than the suite's JSON (case id -> what differs).
DATA_DIFFERS = {
    "652Z": "libyaml reads '?foo' in a flow mapping as an explicit key 'foo'",
    "HM87/01": "libyaml reads [?x] as a single-pair mapping {x: null}",
    "Y2GN": "libyaml ends an anchor name at ':' (&an:chor)",
    "S4JQ": "the non-specific tag '!' resolves like a plain scalar (12 stays a number)",
    "JEF9/02": "trailing spaces after a kept block scalar at the end of the stream",
    "L24T/01": "a last line of spaces without a line break after a block scalar",
}

_TAG = re.compile(r"<([^>]*)>")
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}


def documents(case: dict[str, Any]) -> int:
    return str(case["events"]).count("+DOC")


def has_foreign_tag(case: dict[str, Any]) -> bool:
    """A tag other than the core ones a plan may spell out (plans hold plain data: PL007)."""
    return any(t not in _PLAIN_TAGS for t in _TAG.findall(str(case["events"])))


def has_complex_key(case: dict[str, Any]) -> bool:
    """A mapping key that is itself a mapping or a sequence, from the suite's event stream."""
    stack: list[list[Any]] = []  # [kind, items seen]
    for line in str(case["events"]).splitlines():
        event = line.split(" ", 1)[0]
        if event in ("+MAP", "+SEQ", "=VAL", "=ALI"):
            if stack and stack[-1][0] == "map":
                if stack[-1][1] % 2 == 0 and event in ("+MAP", "+SEQ"):
                    return True
                stack[-1][1] += 1
            if event in ("+MAP", "+SEQ"):
                stack.append(["map" if event == "+MAP" else "seq", 0])
        elif event in ("-MAP", "-SEQ"):
            stack.pop()
    return False


def has_duplicate_keys(loaded: Loaded) -> bool:
    return any(h.rule == "PL002" for h in loaded.hits)


def refused_on_purpose(case: dict[str, Any], loaded: Loaded) -> str | None:
    """Why a plan refuses this valid YAML, or None."""
    if documents(case) != 1:
        return "a plan is exactly one YAML document"
    if has_complex_key(case):
        return "plan keys are plain values, not mappings or lists"
    if has_foreign_tag(case):
        return "plans hold plain data: no application tags"
    if has_duplicate_keys(loaded):
        return "duplicate keys are refused (readers disagree on which wins)"
    return None


def load(case: dict[str, Any]) -> Loaded:
    return load_plan(Path("plan.yaml"), text=str(case["yaml"]))


def refusals(loaded: Loaded) -> set[str]:
    return {h.rule for h in loaded.hits} & REFUSALS


def test_the_vendored_suite_is_complete() -> None:
    assert len(CASES_BY_ID) == 402
    assert sum(c["error"] for c in CASES_BY_ID.values()) == 94
    assert (SUITE.parent / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_every_valid_case_is_accepted_unless_refused_on_purpose() -> None:
    rejected = {}
    for cid, case in CASES_BY_ID.items():
        if case["error"]:
            continue
        loaded = load(case)
        if refusals(loaded) and refused_on_purpose(case, loaded) is None:
            rejected[cid] = sorted(refusals(loaded))
    assert set(rejected) == set(PARSER_LIMITS), rejected


def test_every_invalid_case_gets_a_pl0_finding() -> None:
    accepted = [cid for cid, case in CASES_BY_ID.items() if case["error"] and not refusals(load(case))]
    assert sorted(accepted) == sorted(ACCEPTED_INVALID)


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def test_accepted_valid_cases_read_the_data_the_suite_expects() -> None:
    differs = []
    for cid, case in CASES_BY_ID.items():
        if case["error"] or "json" not in case or documents(case) != 1 or not case["json"].strip():
            continue
        loaded = load(case)
        if refusals(loaded):
            continue
        want = json.loads(case["json"])
        if not isinstance(want, dict):
            continue  # a plan is a mapping: the loader keeps no data for a list or a scalar
        if plain(loaded.data) != want:
            differs.append(cid)
    expected = sorted(c for c in DATA_DIFFERS if isinstance(json.loads(CASES_BY_ID[c]["json"]), dict))
    assert sorted(differs) == expected


# -- the YAML 1.2 that libyaml refuses, in realistic plans ---------------------------------------


@pytest.fixture
def check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)

    def _check(text: str) -> list[Any]:
        (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
        return run(["plan.yaml"], Config(ignore=["PL504", "PL6"])).findings

    return _check


FIRST_RUN_COMPUTE = (
    '    parameters: {lora_rank: 4, lr: 1e-5}\n    compute: {time: "0:15:00", gpus: 1, mem: 40G}\n'
)


def test_an_unquoted_time_in_a_flow_mapping_gets_the_quote_it_warning(check: Any) -> None:
    plan = edit(
        TWO_MODEL,
        (
            FIRST_RUN_COMPUTE,
            "    parameters: {lora_rank: 4, lr: 1e-5}\n    compute: {time: 1:15:00, gpus: 1, mem: 40G}\n",
        ),
    )
    found = check(plan)
    assert rules_of(found) == ["PL011"]
    assert found[0].line == plan.splitlines().index("    compute: {time: 1:15:00, gpus: 1, mem: 40G}") + 1
    assert found[0].hint == 'quote it: "1:15:00"'


def test_slurm_day_times_urls_and_model_tags_in_flow_collections_load(check: Any) -> None:
    plan = edit(
        TWO_MODEL,
        (
            FIRST_RUN_COMPUTE,
            '    parameters: {lora_rank: 4, lr: 1e-5}\n    compute: {time: "1-00:00:00", gpus: 1, mem: 40G}\n',
        ),
        (
            "  wandb_project: capitalization\n",
            "  wandb_project: capitalization\n  links: [https://wandb.ai/me/cap, ollama:llama3.2]\n",
        ),
    )
    plan = plan.replace('{time: "1-00:00:00"', "{time: 1-00:00:00")
    assert not [f for f in check(plan) if f.rule.startswith("PL0")]
    loaded = load_plan(Path("plan.yaml"), text=plan)
    assert loaded.data["output"]["links"] == ["https://wandb.ai/me/cap", "ollama:llama3.2"]
    assert loaded.data["runs"][0]["compute"]["time"] == "1-00:00:00"


def test_a_re_defined_anchor_and_a_tab_in_block_scalar_content_load() -> None:
    text = edit(
        TWO_MODEL,
        ("  epochs: 2\n", "  epochs: &n 2\n"),
        ("  seed: 14\n", "  seed: &n 14\n  warmup_copy: *n\n"),
        ('  prompt: "Capitalize the given word: {input}\\n"\n', "  prompt: |\n    \tCapitalize: {input}\n"),
    )
    loaded = load_plan(Path("plan.yaml"), text=text)
    assert not refusals(loaded)
    assert loaded.data["controls"]["warmup_copy"] == 14  # the later anchor wins
    assert loaded.data["controls"]["prompt"] == "\tCapitalize: {input}\n"


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85"])
def test_unusual_line_separators_do_not_shift_finding_lines(check: Any, char: str) -> None:
    plan = edit(
        TWO_MODEL,
        ('  hypothesis: "Rank matters more for 1B', f'  hypothesis: "Rank matters{char} more for 1B'),
        (
            "    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}\n",
            "    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5, lr_typo: 3}\n",
        ),
    )
    lines = plan.split("\n")  # what an editor shows: only \n breaks lines here
    want = next(n for n, line in enumerate(lines, 1) if "lr_typo" in line)
    found = [f for f in check(plan) if "lr_typo" in f.message]
    assert found and {f.line for f in found} == {want}


def test_cr_only_line_endings_count_lines_like_the_parser() -> None:
    text = "experiment:\r  name: x  # planlint: disable=PL101\r  date: 2026-01-02\r"
    loaded = load_plan(Path("plan.yaml"), text=text)
    assert [(h.rule, h.line) for h in loaded.hits] == [("PL012", 3)]
    assert loaded.suppressions == {2: {"PL101"}}


# -- the nesting pre-scan ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        '"' + "[" * 600 + '"',  # a regex-like prompt in double quotes
        "'it''s " + "{" * 600 + "'",  # single quotes with an escaped quote
        '"say \\"hi\\" ' + "[" * 600 + '"',  # double quotes with escapes
        "|\n" + "".join(f"    answer [{i}\n" for i in range(600)),  # a block scalar
    ],
)
def test_brackets_in_quotes_and_block_scalars_are_not_nesting(value: str) -> None:
    text = edit(SEED, ('  system_prompt: ""\n', f"  system_prompt: {value}\n"))
    assert not refusals(load_plan(Path("plan.yaml"), text=text))


def test_real_deep_nesting_is_pl006() -> None:
    text = edit(SEED, ('  system_prompt: ""\n', "  deep: " + "[" * 600 + "]" * 600 + "\n"))
    hits = load_plan(Path("plan.yaml"), text=text).hits
    assert [(h.rule, h.line) for h in hits] == [
        ("PL006", text.split("\n").index("  deep: " + "[" * 600 + "]" * 600) + 1)
    ]
