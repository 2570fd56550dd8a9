"""PL3xx: training rules on realistic plans — warmup against steps, packing, prompts, GPUs, dataset types."""

from __future__ import annotations

import pytest
from conftest import CASES, TWO_MODEL, edit, only

from planlint.config import Config
from planlint.finding import Finding


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


def pl3(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.severity.value) for f in found if f.rule.startswith("PL3")]


# The two-model example: 800 train samples, batch 4, grad accum 1, 2 epochs = 400 steps, warmup 20.
CASES_PL3 = [
    # (id, edits, rule, severity, line needle, message fragment, hint fragment)
    (
        "stated-warmup-above-steps",
        [("  num_warmup_steps: 20\n", "  num_warmup_steps: 500\n")],
        "PL301",
        "error",
        "  num_warmup_steps: 500",
        "every fine-tuned run (8) trains 400 optimizer steps (800 train samples / (batch 4 x grad accum 1) = 200 steps per epoch x 2 epochs = 400) but num_warmup_steps is 500",
        "e.g. 40",
    ),
    (
        "default-warmup-above-steps",
        [("  num_warmup_steps: 20\n", ""), ("      train: 800\n", "      train: 80\n")],
        "PL302",
        "warning",
        "controls:",
        "40 optimizer steps",
        "num_warmup_steps: 4",
    ),
    (
        "below-three-times-warmup",
        [("  num_warmup_steps: 20\n", "  num_warmup_steps: 150\n")],
        "PL303",
        "warning",
        "  num_warmup_steps: 150",
        "less than 3x num_warmup_steps 150",
        "lower num_warmup_steps",
    ),
    (
        "grad-accum-counts",
        [("  gradient_accumulation_steps: 1\n", "  gradient_accumulation_steps: 8\n")],
        "PL303",
        "warning",
        "  num_warmup_steps: 20",
        "(batch 4 x grad accum 8) = 25 steps per epoch x 2 epochs = 50",
        None,
    ),
    (
        "gpus-divide-the-data",
        [
            ("  gpus: 1\n", "  gpus: 4\n"),
            ("  num_warmup_steps: 20\n", "  num_warmup_steps: 50\n"),
            ("  validation_during_training: true\n", "  validation_during_training: false\n"),
        ],
        "PL303",
        "warning",
        "  num_warmup_steps: 50",
        "x 4 GPUs) = 50 steps per epoch",
        None,
    ),
    (
        "batch-larger-than-data",
        [("  batch_size: 4\n", "  batch_size: 1024\n")],
        "PL304",
        "warning",
        "  batch_size: 1024",
        "effective batch of 1024 is larger than the 800 train samples",
        "lower batch_size",
    ),
    (
        "packed-without-token-count",
        [("  packed: false\n", "  packed: true\n")],
        "PL305",
        "info",
        "  packed: true",
        "checks of 8 fine-tuned runs were skipped",
        "total_tokens",
    ),
    (
        "prompt-without-input",
        [
            (
                '  prompt: "Capitalize the given word: {input}\\n"\n',
                '  prompt: "Capitalize the given word: {word}\\n"\n',
            )
        ],
        "PL306",
        "error",
        '  prompt: "Capitalize the given word: {word}\\n"',
        "controls.prompt has no {input}",
        "did you mean {input}? ({word}",
    ),
    (
        "empty-prompt",
        [('  prompt: "Capitalize the given word: {input}\\n"\n', '  prompt: ""\n')],
        "PL306",
        "error",
        '  prompt: ""',
        "controls.prompt",
        "add {input}",
    ),
    (
        "task-prompt-without-input",
        [
            (
                '      description: "Capitalize a five-letter word"\n',
                '      description: "Capitalize a five-letter word"\n      prompt: "Capitalize it."\n',
            )
        ],
        "PL306",
        "error",
        '      prompt: "Capitalize it."',
        "the prompt of task 'capitalization'",
        None,
    ),
    (
        "validation-on-several-gpus",
        [("  gpus: 1\n", "  gpus: 2\n")],
        "PL307",
        "warning",
        "  gpus: 2",
        "train on 2 GPUs with validation_during_training: true",
        "validation_during_training: false",
    ),
    (
        "system-prompt-inert-with-text-completion",
        [
            ('  system_prompt: ""\n', '  system_prompt: "You are a helpful assistant."\n'),
            ("  dataset_type: chat_completion\n", "  dataset_type: text_completion\n"),
        ],
        "PL308",
        "warning",
        '  system_prompt: "You are a helpful assistant."',
        "drops the system prompt",
        "into the prompt",
    ),
    (
        "run-dataset-type-outside-enum",
        [
            (
                'parameters: {lora_rank: 8, lr: 5e-5}\n    compute: {time: "0:35:00"',
                'parameters: {lora_rank: 8, lr: 5e-5, dataset_type: chat}\n    compute: {time: "0:35:00"',
            )
        ],
        "PL309",
        "error",
        "    parameters: {lora_rank: 8, lr: 5e-5, dataset_type: chat}",
        "dataset_type 'chat' of run 'Llama-3.2-3B_rank8_lr5e-5'",
        "did you mean 'chat_completion'",
    ),
]


@pytest.mark.parametrize(
    ("case", "edits", "rule", "severity", "needle", "message", "hint"),
    CASES_PL3,
    ids=[c[0] for c in CASES_PL3],
)
def test_training_rules(lint, case, edits, rule, severity, needle, message, hint) -> None:  # type: ignore[no-untyped-def]
    # a run's compute.gpus is its GPU count (what the scaffold passes): these cases state the
    # count in controls alone
    text = edit(TWO_MODEL.replace("gpus: 1, mem", "mem"), *edits)
    found = only(lint(text), rule)
    assert len(found) == 1, [(f.rule, f.message) for f in lint(text)]
    f = found[0]
    assert f.severity.value == severity
    assert f.line == line_of(text, needle)
    assert message in f.message, f.message
    if hint:
        assert f.hint and hint in f.hint, f.hint


def test_example_plan_has_no_training_findings(lint) -> None:  # type: ignore[no-untyped-def]
    assert pl3(lint(TWO_MODEL)) == []


def test_cruijff_reference_plan_warns_but_does_not_fail(lint) -> None:  # type: ignore[no-untyped-def]
    """8 samples / batch 4 x 1 epoch = 2 steps against the default warmup of 100: true, not fatal."""
    text = (CASES / "cruijff" / "experiment_summary.yaml").read_text(encoding="utf-8")
    found = lint(text, name="experiment_summary.yaml")
    assert pl3(found) == [("PL302", "warning")]
    f = only(found, "PL302")[0]
    assert (
        "2 optimizer steps (8 train samples / (batch 4 x grad accum 1) = 2 steps per epoch x 1 epoch = 2)"
        in f.message
    )
    assert f.line == line_of(text, "controls:")
    assert not [x for x in found if x.rule[:3] in ("PL3", "PL4") and x.severity.value == "error"]


def test_a_run_override_is_reported_at_the_override(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        (
            'model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 5e-5}\n    compute: {time: "0:15:00"',
            'model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 5e-5, batch_size: 64}\n    compute: {time: "0:15:00"',
        ),
    )
    found = only(lint(text), "PL303")
    assert len(found) == 1
    assert found[0].line == line_of(text, "    parameters: {lora_rank: 4, lr: 5e-5, batch_size: 64}")
    assert found[0].message.startswith(
        "run 'Llama-3.2-1B_rank4_lr5e-5' trains 26 optimizer steps (800 train samples / (batch 64 x grad accum 1) = 13 steps per epoch"
    )


def test_an_epochs_override_can_also_fix_the_problem(lint) -> None:  # type: ignore[no-untyped-def]
    base = edit(TWO_MODEL, ("  num_warmup_steps: 20\n", "  num_warmup_steps: 150\n"))
    assert len(only(lint(base), "PL303")) == 1
    fixed_one = edit(
        base,
        (
            'model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}\n    compute: {time: "0:15:00"',
            'model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5, epochs: 4}\n    compute: {time: "0:15:00"',
        ),
    )
    found = only(lint(fixed_one), "PL303")
    assert len(found) == 1 and "and 6 other runs" in found[0].message


VARIABLE_BATCH = """experiment: {name: bs_sweep, question: "Does the batch size matter?", date: "2026-11-24"}
variables:
  batch_size: [4, 64]
controls: {epochs: 1, num_warmup_steps: 10, system_prompt: "", dataset_type: chat_completion, batch_size: 4}
models:
  base:
    - {name: Llama-3.2-1B-Instruct, short: Llama-3.2-1B, path: /models/Llama-3.2-1B-Instruct}
    - {name: Llama-3.2-3B-Instruct, short: Llama-3.2-3B, path: /models/Llama-3.2-3B-Instruct}
data:
  training: {path: data/words.json, splits: {train: 500, validation: 50, test: 50}}
runs:
  - {name: Llama-3.2-1B_bs4, type: fine-tuned, model: Llama-3.2-1B-Instruct, parameters: {batch_size: 4}}
  - {name: Llama-3.2-1B_bs64, type: fine-tuned, model: Llama-3.2-1B-Instruct, parameters: {batch_size: 64}}
  - {name: Llama-3.2-1B_base, type: control, model: Llama-3.2-1B-Instruct, parameters: {}}
  - {name: Llama-3.2-3B_bs4, type: fine-tuned, model: Llama-3.2-3B-Instruct, parameters: {batch_size: 4}}
  - {name: Llama-3.2-3B_bs64, type: fine-tuned, model: Llama-3.2-3B-Instruct, parameters: {batch_size: 64}}
  - {name: Llama-3.2-3B_base, type: control, model: Llama-3.2-3B-Instruct, parameters: {}}
"""


def test_a_swept_value_is_one_problem_however_many_runs_share_it(lint) -> None:  # type: ignore[no-untyped-def]
    found = lint(VARIABLE_BATCH)
    assert pl3(found) == [("PL301", "error")]
    f = only(found, "PL301")[0]
    assert f.line == line_of(
        VARIABLE_BATCH,
        "  - {name: Llama-3.2-1B_bs64, type: fine-tuned, model: Llama-3.2-1B-Instruct, parameters: {batch_size: 64}}",
    )
    assert (
        "run 'Llama-3.2-1B_bs64' and 1 other run train 8 optimizer steps (500 train samples / (batch 64 x grad accum 1) = 8 steps per epoch x 1 epoch = 8)"
        in f.message
    )


def test_packed_with_a_token_count_estimates_the_sequences(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, ("  packed: false\n", "  packed: true\n  total_tokens: 51200\n"))
    found = lint(text)
    assert pl3(found) == [("PL303", "warning")]
    assert (
        "≈100 packed sequences (controls.total_tokens / max_seq_len) / (batch 4 x grad accum 1) = 25 steps per epoch"
        in only(found, "PL303")[0].message
    )
    assert not only(found, "PL305")


def test_runs_with_their_own_data_and_untrained_runs_are_not_counted(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, ("  num_warmup_steps: 20\n", "  num_warmup_steps: 500\n"))
    for _, run_line in [(1, "  - name: Llama-3.2-1B_rank4_lr1e-5\n")]:
        own = edit(
            text,
            (
                run_line,
                run_line
                + "    dataset_path: /scratch/gpfs/me/ck-data/capitalization/words_5L_80P_10000.json\n",
            ),
        )
        f = only(lint(own), "PL301")
        assert (
            len(f) == 1 and "and 6 other runs" in f[0].message
        )  # 7 of 8: the run with its own data is skipped


def test_per_run_prompt_is_checked_once_per_text(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        (
            'model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 1e-5}\n    compute: {time: "0:15:00"',
            'parameters: {lora_rank: 4, lr: 1e-5, prompt: "Capitalize:"}\n    compute: {time: "0:15:00"',
        ),
        (
            'model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 4, lr: 5e-5}\n    compute: {time: "0:15:00"',
            'parameters: {lora_rank: 4, lr: 5e-5, prompt: "Capitalize:"}\n    compute: {time: "0:15:00"',
        ),
    )
    found = only(lint(text), "PL306")
    assert len(found) == 1 and "the prompt of run 'Llama-3.2-1B_rank4_lr1e-5'" in found[0].message


def test_validation_on_one_run_with_more_gpus(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL,
        (
            'parameters: {lora_rank: 8, lr: 5e-5}\n    compute: {time: "0:35:00", gpus: 1, mem: 80G}',
            'parameters: {lora_rank: 8, lr: 5e-5, gpus: 4}\n    compute: {time: "0:35:00", gpus: 4, mem: 80G}',
        ),
    )
    found = only(lint(text), "PL307")
    assert len(found) == 1
    # the scaffold passes compute.gpus to setup_finetune.py: that is where the count is read
    assert found[0].line == line_of(text, '    compute: {time: "0:35:00", gpus: 4, mem: 80G}')
    assert "run 'Llama-3.2-3B_rank8_lr5e-5' trains on 4 GPUs" in found[0].message
    off = edit(text, ("  validation_during_training: true\n", "  validation_during_training: false\n"))
    assert not only(lint(off), "PL307")


def test_dataset_type_variable_outside_enum(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        TWO_MODEL, ("  lr: [1e-5, 5e-5]\n", "  lr: [1e-5, 5e-5]\n  dataset_type: [chat_completion, text]\n")
    )
    found = only(lint(text, Config(ignore=["PL2"])), "PL309")
    assert len(found) == 1 and found[0].line == line_of(text, "  dataset_type: [chat_completion, text]")
    assert found[0].hint == "did you mean 'text_completion'?"


def test_a_runs_compute_gpus_is_the_gpu_count_it_trains_on(lint) -> None:  # type: ignore[no-untyped-def]
    """cruijff_kit's scaffold passes `runs[].compute.gpus` to setup_finetune.py as --gpus (the
    distributed recipe above 1) and never reads controls.gpus: 4 GPUs in every 1B run's compute
    block skip its validation (PL307, one finding for the runs that share the count) and divide
    its data into fewer steps (PL302/PL303)."""
    text = TWO_MODEL.replace('compute: {time: "0:15:00", gpus: 1', 'compute: {time: "0:15:00", gpus: 4')
    text = edit(text, ("  num_warmup_steps: 20\n", "  num_warmup_steps: 50\n"))
    [valid] = only(lint(text), "PL307")
    assert valid.message.startswith("run 'Llama-3.2-1B_rank4_lr1e-5' and 3 other runs train on 4 GPUs")
    assert (valid.line, valid.column) == (
        text.splitlines().index('    compute: {time: "0:15:00", gpus: 4, mem: 40G}') + 1,
        38,
    )
    [steps] = only(lint(text), "PL303")
    assert "x 4 GPUs) = 50 steps per epoch" in steps.message
    assert only(lint(TWO_MODEL), "PL307") == []  # gpus: 1 in each run: one device, validation runs


def test_a_gpu_count_the_scaffold_never_passes_is_a_warning(lint) -> None:  # type: ignore[no-untyped-def]
    """PL312: `controls.gpus: 4` with no compute.gpus in the runs: cruijff_kit's scaffold passes
    only runs[].compute.gpus to setup_finetune.py, so every run would train on one GPU."""
    text = edit(TWO_MODEL.replace("gpus: 1, mem", "mem"), ("  gpus: 1\n", "  gpus: 4\n"))
    [found] = only(lint(text), "PL312")
    assert found.line == line_of(text, "  gpus: 4")
    assert found.message.startswith(
        "controls.gpus asks for 4 GPUs, but its 8 fine-tuned runs state no compute.gpus"
    )
    assert (
        found.hint
        == "put the count in each run's compute block (compute: {gpus: 4}), where the scaffold reads it"
    )
    stated = TWO_MODEL.replace("gpus: 1, mem", "gpus: 4, mem").replace("  gpus: 1\n", "  gpus: 4\n")
    assert only(lint(stated), "PL312") == []  # each run's compute block says it
    assert only(lint(TWO_MODEL), "PL312") == []
