"""PL2xx: run rules on realistic plans — controls, coverage, exclusions, names, parameters."""

from __future__ import annotations

import pytest
from conftest import SEED, TWO_MODEL, edit, only, rules_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planlint.config import Config


def not_info(findings):  # type: ignore[no-untyped-def]
    return [f for f in findings if f.severity.value != "info"]


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


def test_examples_are_clean(lint) -> None:  # type: ignore[no-untyped-def]
    assert not_info(lint(TWO_MODEL)) == []
    assert not_info(lint(SEED)) == []


RUN_1B_R8_5 = """  - name: Llama-3.2-1B_rank8_lr5e-5
    type: fine-tuned
    model: Llama-3.2-1B-Instruct
    parameters: {lora_rank: 8, lr: 5e-5}
    compute: {time: "0:15:00", gpus: 1, mem: 40G}
"""
CONTROL_3B = """  - name: Llama-3.2-3B_base
    type: control
    model: Llama-3.2-3B-Instruct
    parameters: {}
"""

CASES = [
    # (id, edits, rule, line needle (or None), hint fragment)
    (
        "duplicate-name",
        [("  - name: Llama-3.2-1B_rank4_lr5e-5\n", "  - name: Llama-3.2-1B_rank4_lr1e-5\n")],
        "PL201",
        None,
        "own name",
    ),
    (
        "bad-characters",
        [("Llama-3.2-1B_base\n    type: control", "Llama 3.2 1B base\n    type: control")],
        "PL202",
        "  - name: Llama 3.2 1B base",
        "letters",
    ),
    (
        "unknown-model-case",
        [
            (
                "    model: Llama-3.2-3B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}",
                "    model: llama-3.2-3b-instruct\n    parameters: {lora_rank: 4, lr: 1e-5}",
            )
        ],
        "PL203",
        "    model: llama-3.2-3b-instruct",
        "did you mean 'Llama-3.2-3B-Instruct'",
    ),
    (
        "missing-control-one-model",
        [(CONTROL_3B, "")],
        "PL204",
        "    - name: Llama-3.2-3B-Instruct",
        "type: control",
    ),
    (
        "control-with-parameters",
        [
            (
                "    model: Llama-3.2-1B-Instruct\n    parameters: {}",
                "    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8}",
            )
        ],
        "PL206",
        None,
        "remove lora_rank",
    ),
    (
        "fine-tuned-without-parameters",
        [
            (
                "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}",
                "model: Llama-3.2-1B-Instruct\n    parameters: {}",
            )
        ],
        "PL208",
        None,
        None,
    ),
    (
        "unknown-parameter",
        [
            (
                "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}",
                "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5, learning_rate: 1e-5}",
            )
        ],
        "PL209",
        None,
        "did you mean 'lr'",
    ),
    (
        "override-is-visible",
        [
            (
                "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}",
                "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5, batch_size: 2}",
            )
        ],
        "PL210",
        None,
        None,
    ),
    (
        "value-outside-variable",
        [
            (
                "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 5e-5}",
                "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 3e-5}",
            )
        ],
        "PL211",
        None,
        "[1e-5, 5e-5]",
    ),
    (
        "missing-variable",
        [
            (
                "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}",
                "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4}",
            )
        ],
        "PL212",
        None,
        "lr",
    ),
    (
        "missing-combination",
        [(RUN_1B_R8_5, "")],
        "PL213",
        "    - name: Llama-3.2-1B-Instruct",
        "Llama-3.2-1B_rank8_lr5e-5",
    ),
    (
        "name-mismatch",
        [("  - name: Llama-3.2-1B_rank8_lr1e-5\n", "  - name: Llama-3.2-1B_rank4_lr1e-5_v2\n")],
        "PL217",
        "  - name: Llama-3.2-1B_rank4_lr1e-5_v2",
        "Llama-3.2-1B_rank8_lr1e-5",
    ),
    (
        "control-name-mismatch",
        [("  - name: Llama-3.2-3B_base\n", "  - name: Llama-3.2-3B_control\n")],
        "PL217",
        "  - name: Llama-3.2-3B_control",
        "Llama-3.2-3B_base",
    ),
    (
        "unused-model",
        [
            (
                "models:\n  base:\n",
                "models:\n  base:\n    - name: Llama-3.1-8B-Instruct\n      path: /scratch/models/Llama-3.1-8B-Instruct\n",
            )
        ],
        "PL218",
        "    - name: Llama-3.1-8B-Instruct",
        None,
    ),
]


@pytest.mark.parametrize(("case", "edits", "rule", "needle", "hint"), CASES, ids=[c[0] for c in CASES])
def test_run_rules(lint, case: str, edits, rule: str, needle: str | None, hint: str | None) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, *edits)
    found = only(lint(text), rule)
    assert len(found) == 1, [(f.rule, f.message) for f in lint(text)]
    if needle:
        assert found[0].line == line_of(text, needle)
    if hint:
        assert found[0].hint and hint in found[0].hint


def test_duplicate_name_points_at_second_run(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        ("  - name: Llama-3.2-1B_rank4_lr5e-5\n", "  - name: Llama-3.2-1B_rank4_lr1e-5\n"),
    )
    f = only(lint(text), "PL201")[0]
    lines = [
        i + 1 for i, line in enumerate(text.splitlines()) if line == "  - name: Llama-3.2-1B_rank4_lr1e-5"
    ]
    assert f.line == lines[1] and f"line {lines[0]}" in f.message


def test_no_controls_anywhere_is_one_warning_with_yaml_to_paste(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        (CONTROL_3B, ""),
        (
            "  - name: Llama-3.2-1B_base\n    type: control\n    model: Llama-3.2-1B-Instruct\n    parameters: {}\n",
            "",
        ),
        ("  base_controls: true\n", ""),
    )
    found = [f for f in lint(text) if f.rule.startswith("PL2")]
    assert [(f.rule, f.severity.value) for f in found] == [("PL205", "warning")]
    assert "- name: Llama-3.2-1B_base" in (found[0].hint or "") and "- name: Llama-3.2-3B_base" in (
        found[0].hint or ""
    )
    assert found[0].line == line_of(text, "runs:")


def test_base_controls_false_opts_out(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, (CONTROL_3B, ""), ("  base_controls: true\n", "  base_controls: false\n"))
    assert not {"PL204", "PL205"} & set(rules_of(lint(text)))


def test_eval_only_needs_a_checkpoint(lint) -> None:  # type: ignore[no-untyped-def]
    run = "  - name: prior_rank8_epoch1\n    type: eval-only\n    model: Llama-3.2-1B-Instruct\n    parameters: {}\n"
    text = edit(TWO_MODEL, ("runs:\n", "runs:\n" + run))
    assert rules_of(lint(text)).count("PL207") == 1
    ok = run.replace(
        "parameters: {}",
        "parameters: {checkpoint_path: /scratch/gpfs/me/ck-projects/old/run/artifacts/epoch_1}",
    )
    found = lint(edit(TWO_MODEL, ("runs:\n", "runs:\n" + ok)))
    assert not [f for f in found if f.rule.startswith("PL2")]


def test_numbers_in_names_compare_by_value(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        ("  - name: Llama-3.2-1B_rank8_lr1e-5\n", "  - name: Llama-3.2-1B_rank8_lr0.00001\n"),
    )
    assert "PL217" not in rules_of(lint(text))
    text = edit(
        TWO_MODEL,
        (
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 1e-5}",
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 0.00001}",
        ),
    )
    assert [r for r in rules_of(lint(text)) if r.startswith("PL2")] == []


def test_duplicate_combination_is_reported_at_the_second_run(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        (
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 5e-5}",
            "model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 1e-5}",
        ),
    )
    found = only(lint(text), "PL214")
    assert len(found) == 1 and found[0].line == line_of(text, "  - name: Llama-3.2-1B_rank8_lr5e-5")
    assert "PL213" in rules_of(lint(text))  # and its own combination is now missing


def test_sweep_exclude_makes_a_sparse_design_explicit(lint) -> None:  # type: ignore[no-untyped-def]
    three_b_r4 = [
        '  - name: Llama-3.2-3B_rank4_lr1e-5\n    type: fine-tuned\n    model: Llama-3.2-3B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}\n    compute: {time: "0:35:00", gpus: 1, mem: 80G}\n',
        '  - name: Llama-3.2-3B_rank4_lr5e-5\n    type: fine-tuned\n    model: Llama-3.2-3B-Instruct\n    parameters: {lora_rank: 4, lr: 5e-5}\n    compute: {time: "0:35:00", gpus: 1, mem: 80G}\n',
    ]
    sparse = edit(TWO_MODEL, *[(r, "") for r in three_b_r4])
    assert only(lint(sparse), "PL213")
    exclude = 'sweep:\n  exclude:\n    - {model: Llama-3.2-3B-Instruct, lora_rank: 4, reason: "rank 4 already tested on 3B in cap_3B_pilot"}\n\ncontrols:\n'
    declared = edit(sparse, ("controls:\n", exclude))
    assert [r for r in rules_of(lint(declared)) if r.startswith("PL2")] == []
    stale = edit(declared, ("lora_rank: 4, reason", "lora_rank: 16, reason"))
    assert "PL215" in rules_of(lint(stale))
    wrong_key = edit(declared, ("lora_rank: 4, reason", "rank: 4, reason"))
    found = only(lint(wrong_key), "PL216")
    assert found and "did you mean 'lora_rank'" in (found[0].hint or "")


def test_string_valued_variable_and_three_axes(lint) -> None:  # type: ignore[no-untyped-def]
    text = """experiment: {name: cap_data_sweep, question: "Does data size matter?", date: "2026-11-24"}
variables:
  dataset_label: [words_5L_80P_1000, words_5L_80P_10000]
  lora_rank: [8]
  lr: [1e-5]
controls: {epochs: 1, batch_size: 4, system_prompt: "", dataset_type: chat_completion}
models:
  base:
    - {name: Qwen2.5-0.5B-Instruct, path: /models/Qwen2.5-0.5B-Instruct}
data:
  training: {path: data/words.json, splits: {train: 800, validation: 100, test: 100}}
runs:
  - {name: Qwen2.5-0.5B-Instruct_words5L80P1000_rank8_lr1e-5, type: fine-tuned, model: Qwen2.5-0.5B-Instruct, parameters: {dataset_label: words_5L_80P_1000, lora_rank: 8, lr: 1e-5}}
  - {name: Qwen2.5-0.5B-Instruct_words5L80P10000_rank8_lr1e-5, type: fine-tuned, model: Qwen2.5-0.5B-Instruct, parameters: {dataset_label: words_5L_80P_10000, lora_rank: 8, lr: 1e-5}}
  - {name: Qwen2.5-0.5B-Instruct_base, type: control, model: Qwen2.5-0.5B-Instruct, parameters: {}}
"""
    assert not_info(lint(text)) == []
    wrong = text.replace(
        "Qwen2.5-0.5B-Instruct_words5L80P1000_rank8",
        "Qwen2.5-0.5B-Instruct_words5L80P10000_rank8",
        1,
    )
    found = only(lint(wrong), "PL217")
    assert len(found) == 1 and "Qwen2.5-0.5B-Instruct_words5L80P1000_rank8_lr1e-5" in (found[0].hint or "")


def test_naming_template_and_abbreviations_from_the_plan(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(SEED, ("output:\n", "naming:\n  abbrev: {lora_rank: r}\n\noutput:\n"))
    assert {f.message.split("expected ")[-1] for f in only(lint(text), "PL217")} == {
        "'Llama-3.2-1B_r8_lr1e-5'",
        "'Llama-3.2-1B_r8_lr5e-5'",
    }


def _full_plan(models: list[str], ranks: list[int], lrs: list[str]) -> tuple[str, list[str]]:
    head = f"""experiment: {{name: prop, question: "q?", date: "2026-11-24"}}
variables:
  lora_rank: [{", ".join(map(str, ranks))}]
  lr: [{", ".join(lrs)}]
controls: {{epochs: 1, batch_size: 4, system_prompt: "", dataset_type: chat_completion}}
models:
  base:
"""
    head += "".join(f"    - {{name: {m}, path: /models/{m}}}\n" for m in models)
    head += "data:\n  training: {path: d.json, splits: {train: 80}}\nruns:\n"
    runs = []
    for m in models:
        for r in ranks:
            for lr in lrs:
                runs.append(
                    f"  - {{name: {m}_rank{r}_lr{lr}, type: fine-tuned, model: {m}, parameters: {{lora_rank: {r}, lr: {lr}}}}}\n"
                )
        runs.append(f"  - {{name: {m}_base, type: control, model: {m}, parameters: {{}}}}\n")
    return head, runs


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n_models=st.integers(1, 3),
    ranks=st.lists(st.sampled_from([4, 8, 16, 32, 64]), min_size=1, max_size=3, unique=True),
    lrs=st.lists(
        st.sampled_from(["1e-5", "5e-5", "1e-4", "0.0003", "2e-4"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    data=st.data(),
)
def test_property_full_product_is_clean_and_each_removal_is_one_finding(
    lint, n_models, ranks, lrs, data
) -> None:  # type: ignore[no-untyped-def]
    models = ["Llama-3.2-1B-Instruct", "Llama-3.2-3B-Instruct", "Qwen2.5-7B-Instruct"][:n_models]
    head, runs = _full_plan(models, ranks, lrs)
    assert [f for f in lint(head + "".join(runs)) if f.rule.startswith("PL2")] == []
    drop = data.draw(st.integers(0, len(runs) - 1))
    remaining = runs[:drop] + runs[drop + 1 :]
    found = [
        f.rule for f in lint(head + "".join(remaining), Config(ignore=["PL218"])) if f.rule.startswith("PL2")
    ]
    assert len(found) == 1 and found[0] in ("PL213", "PL204", "PL205"), found


@pytest.mark.parametrize(
    ("edits", "needle"),
    [
        (
            [("output:\n", 'naming:\n  template: "{model}_r{lora_rank}"\n\noutput:\n')],
            '  template: "{model}_r{lora_rank}"',
        ),
        (
            [("      short: Llama-3.2-3B\n", "      short: Llama-3.2-1B\n")],
            "    - name: Llama-3.2-3B-Instruct",
        ),
    ],
    ids=["template-drops-a-variable", "two-models-one-short-name"],
)
def test_names_that_collide_across_the_sweep(lint, edits, needle: str) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, *edits)
    found = only(lint(text), "PL219")
    assert len(found) == 1 and found[0].line == line_of(text, needle)
    assert "would all be named" in found[0].message


def test_duplicate_model_entries(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        (
            "models:\n  base:\n",
            "models:\n  base:\n    - name: Llama-3.2-3B-Instruct\n      path: /scratch/other/Llama-3.2-3B-Instruct\n",
        ),
    )
    found = only(lint(text), "PL220")
    assert len(found) == 1 and "first at line" in found[0].message


def test_signed_numbers_render_clean_names(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(SEED, ("lr: [1e-5, 5e-5]", "lr: [+1e-5, 5e-5]"))
    assert "PL202" not in rules_of(lint(text)) and "PL217" not in rules_of(lint(text))


@pytest.mark.parametrize(
    "template", ["{model}_{vars}_{unknown}", "{model}_{vars}_{", "{model}_{learning_rate}"]
)
def test_template_with_an_unknown_placeholder(lint, template: str) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, ("output:\n", f'naming:\n  template: "{template}"\n\noutput:\n'))
    found = only(lint(text), "PL221")
    assert len(found) == 1 and found[0].line == line_of(text, f'  template: "{template}"')


def test_an_overridden_prompt_is_quoted_in_the_message(lint) -> None:  # type: ignore[no-untyped-def]
    """PL210 shows a string value quoted, so an empty system prompt reads `with ""` (review 5)."""
    from conftest import CASES

    text = (CASES / "designs" / "system_prompt_controls.yaml").read_text(encoding="utf-8")
    text = text.replace(
        'parameters: {system_prompt: "Answer with one word only."}',
        'parameters: {system_prompt: "", lr: 1e-5}',
        1,
    )
    messages = [f.message for f in lint(text) if f.rule == "PL210"]
    assert (
        "run 'Llama-3.2-1B_base_oneword' restates controls.system_prompt (\"\", the same value)" in messages
    )
    assert (
        "run 'Llama-3.2-1B_base_capitalize' overrides controls.system_prompt with"
        ' "Capitalize the first letter of the word you are given."' in messages
    )


def test_the_own_form_hint_declares_the_naming_the_names_follow(lint) -> None:  # type: ignore[no-untyped-def]
    """`Llama-3.2-1B_r4_lr1e-5` (parsing.md's older abbreviations): PL226's hint gives the
    template those names follow, and declaring it makes planlint check them (no PL217, no
    PL226) instead of a generic example that would have called every name wrong (review 5)."""
    import re

    text = re.sub(r"      short: .*\n", "", TWO_MODEL)  # no declared naming: names are free
    text = re.sub(r"Llama-3\.2-(\dB)_rank(\d)_", r"Llama-3.2-\1-Instruct_r\2_", text)
    text = re.sub(r"Llama-3\.2-(\dB)_base", r"Llama-3.2-\1-Instruct_base", text)
    [note] = only(lint(text), "PL226")
    assert note.hint is not None and note.hint.endswith(
        'declare it: naming: {template: "{model}_r{lora_rank}_lr{lr}"}'
    )
    declared = text + 'naming: {template: "{model}_r{lora_rank}_lr{lr}"}\n'
    assert [f.rule for f in lint(declared) if f.rule in ("PL217", "PL226")] == []
    wrong = declared.replace(
        "- name: Llama-3.2-1B-Instruct_r4_lr5e-5\n", "- name: Llama-3.2-1B-Instruct_r8_lr5e-5\n"
    )
    assert "PL217" in [f.rule for f in lint(wrong)]  # now the names are held to it
