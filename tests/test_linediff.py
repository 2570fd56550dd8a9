"""PL501's unified diff of a big table: the anchored diff applies with the real `git apply`, and
small diffs are difflib's, line for line."""

from __future__ import annotations

import difflib
import random
import subprocess
from pathlib import Path

import pytest

from planlint.doc.linediff import SMALL, unified_diff


def _table(n: int) -> list[str]:
    return [
        f"| Llama-3.2-1B_rank{i % 5}_lr1e-5_seed{i} | Llama-3.2-1B-Instruct | {i % 5} | 1e-5 | ~10min |"
        for i in range(n)
    ]


def _edited(old: list[str], rng: random.Random, edits: int) -> list[str]:
    new = list(old)
    for _ in range(edits):
        at = rng.randrange(len(new))
        roll = rng.random()
        if roll < 0.4:
            new[at] = new[at].replace("| 1e-5 |", "| 2e-5 |")
        elif roll < 0.7:
            del new[at]
        else:
            new.insert(at, f"| added_{rng.randrange(10**6)} | Llama-3.2-3B-Instruct | 8 | 5e-5 | ? |")
    if rng.random() < 0.5:
        new.insert(0, new.pop())  # a row moved to the top
    new.append(new[0])  # a duplicated row: not unique, so never an anchor
    return new


@pytest.mark.parametrize("seed", range(6))
def test_a_big_tables_diff_applies_with_git(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    old = _table(rng.choice([1500, 6000]))
    new = _edited(old, rng, rng.randint(1, 1200))
    assert len(old) + len(new) > SMALL
    (tmp_path / "PLAN.md").write_text("\n".join(old) + "\n", encoding="utf-8")
    diff = "\n".join(unified_diff(old, new, "a/PLAN.md", "b/PLAN.md")) + "\n"
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "apply", "-"], cwd=tmp_path, input=diff.encode(), check=True)
    assert (tmp_path / "PLAN.md").read_text(encoding="utf-8") == "\n".join(new) + "\n"


def test_a_small_diff_is_difflibs_and_a_big_one_with_missing_rows_too() -> None:
    old = _table(60)
    new = [line for i, line in enumerate(old) if i % 7 != 3]
    new[10] = new[10].replace("~10min", "~12min")
    expected = list(difflib.unified_diff(old, new, "a/PLAN.md", "b/PLAN.md", lineterm=""))
    assert list(unified_diff(old, new, "a/PLAN.md", "b/PLAN.md")) == expected
    big = _table(5000)
    fewer = [line for i, line in enumerate(big) if i % 10 != 3]  # 500 rows gone
    assert list(unified_diff(big, fewer, "a", "b")) == list(
        difflib.unified_diff(big, fewer, "a", "b", lineterm="")
    )
    assert list(unified_diff(big, big, "a", "b")) == []
