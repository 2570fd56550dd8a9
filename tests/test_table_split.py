"""planlint reads a simple pipe table's cells exactly as markdown-it-py's table rule does, with or
without escaped pipes, backslashes and code spans (its own splitter skips the markdown parse)."""

from __future__ import annotations

import random

import pytest

from planlint.doc.tabletext import block_tokens, read_simple_table, table_from_tokens

#: Fragments of real All Runs cells, and the characters that make a splitter go wrong.
FRAGMENTS = [
    "Llama-3.2-1B_rank8_lr1e-5",
    "Qwen2.5-3B-Instruct",
    "1e-5",
    "Fine-tuned",
    "`{input}`",
    "`a|b`",
    "a \\| b",
    "C:\\temp",
    "\\\\",
    "\\",
    "~10 min",
    "**bold**",
    "模型",
    "🙂",
    " ",
    "",
]


def _table(rng: random.Random, columns: int, rows: int) -> list[str]:
    def cell() -> str:
        return "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 3)))

    header = "| " + " | ".join(f"Col{i}" for i in range(columns)) + " |"
    delimiter = "|" + "|".join("---" for _ in range(columns)) + "|"
    body = ["| " + " | ".join(cell() for _ in range(columns)) + " |" for _ in range(rows)]
    return [header, delimiter, *body]


@pytest.mark.parametrize("seed", range(40))
def test_the_table_splitter_reads_what_markdown_it_reads(seed: int) -> None:
    rng = random.Random(seed)
    lines = _table(rng, rng.randint(1, 6), rng.randint(1, 30))
    ours = read_simple_table(lines)
    assert ours is not None  # one pipe table, nothing else
    theirs = table_from_tokens(block_tokens("\n".join(lines) + "\n"))
    assert theirs is not None
    assert (ours.header, ours.rows) == (theirs.header, theirs.rows)
