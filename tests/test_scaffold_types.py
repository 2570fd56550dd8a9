"""Values cruijff_kit's scaffold hands to torchtune as they are, and the tools it routes on
(review 5, F10, F11, F14): what the scaffold refuses or torchtune chokes on is an error here."""

from __future__ import annotations

import pytest
from conftest import CASES, TWO_MODEL, edit, only


@pytest.mark.parametrize(
    ("pair", "where", "message", "hint"),
    [
        (("  epochs: 2\n", "  epochs: 2.0\n"), "  epochs: 2.0", "controls.epochs: 2.0 is a float", "write 2"),
        (
            ("  lora_rank: [4, 8]\n", "  lora_rank: [4.0, 8]\n"),
            "  lora_rank: [4.0, 8]",
            "variables.lora_rank[0]: 4.0 is a float",
            "write 4",
        ),
        (
            (
                'parameters: {lora_rank: 8, lr: 5e-5}\n    compute: {time: "0:35:00"',
                'parameters: {lora_rank: eight, lr: 5e-5}\n    compute: {time: "0:35:00"',
            ),
            "    parameters: {lora_rank: eight, lr: 5e-5}",
            "runs[8].parameters.lora_rank: 'eight' is not of type integer",
            "write a whole number",
        ),
        (
            ("  preparation: torchtune\n", "  preparation: axolotl\n"),
            "  preparation: axolotl",
            "tools.preparation: 'axolotl' is not one of torchtune",
            "write one of: torchtune",
        ),
        (
            ("  evaluation: inspect-ai\n", "  evaluation: inspect\n"),
            "  evaluation: inspect",
            "tools.evaluation: 'inspect' is not one of inspect-ai",
            "write one of: inspect-ai",
        ),
    ],
)
def test_what_the_scaffold_refuses_is_an_error_at_the_value(
    lint, pair: tuple[str, str], where: str, message: str, hint: str
) -> None:  # type: ignore[no-untyped-def]
    text = edit(TWO_MODEL, pair)
    [found] = only(lint(text), "PL101")
    assert found.line == text.splitlines().index(where) + 1
    assert found.message.startswith(message)
    assert (found.hint or "").startswith(hint)


def test_a_sweep_of_whole_numbers_and_a_list_of_sequence_lengths_are_fine(lint) -> None:  # type: ignore[no-untyped-def]
    """`k` is one sequence length or a short list of them (model_organisms.md)."""
    text = (CASES / "designs" / "training_conditions.yaml").read_text(encoding="utf-8")
    assert only(lint(text), "PL101") == []
    with_k = edit(
        text, ("    tool: tabular_to_text_gen\n", "    tool: tabular_to_text_gen\n    k: [8, 12]\n")
    )
    assert only(lint(with_k), "PL101") == []
    bad_k = edit(text, ("    tool: tabular_to_text_gen\n", "    tool: tabular_to_text_gen\n    k: [8, 0]\n"))
    [found] = only(lint(bad_k), "PL101")
    assert found.message.startswith("data.data_generation.k[1]: 0 is less than the minimum of 1")
