"""The peak reserved memory of a torchtune log: the counting shortcut reads what the regex reads."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from planlint.logs.torchtune import TorchtuneParser, _reserved_values

_RESERVED = re.compile(rb"peak_memory_reserved:([\d.]+(?:[eE][-+]?\d+)?)")


def _step(i: int, reserved: str, tail: str = "\n") -> bytes:
    """A Step line as torchtune's StdoutLogger prints it (the memory figures last)."""
    return (
        f"Step {i} | loss:1.2{i % 10} lr:0.0003 tokens_per_second_per_gpu:512.3 "
        f"peak_memory_active:10.{i % 7} peak_memory_alloc:10.{i % 5} "
        f"peak_memory_reserved:{reserved}{tail}"
    ).encode()


def _peak(block: bytes) -> dict[str, float]:
    parser = TorchtuneParser("slurm-1.out")
    parser.feed(block)
    return parser.peak_raw


def test_warmup_figures_then_a_steady_one() -> None:
    """The first steps reserve less, then the caching allocator holds one figure."""
    block = b"".join(_step(i, r) for i, r in enumerate(["9.5", "12.25", *["12.5"] * 500], 1))
    assert _reserved_values(block) == {b"9.5", b"12.25", b"12.5"}
    assert _peak(block)["peak_memory_reserved"] == 12.5


def test_a_higher_figure_late_in_the_block_wins_with_its_line() -> None:
    figures = ["12.5"] * 600 + ["14.0"] + ["12.5"] * 600  # torchtune resets the peak per step
    block = b"".join(_step(i, r) for i, r in enumerate(figures, 1))
    assert _reserved_values(block) == {b"12.5", b"14.0"}
    peaks = _peak(block)
    assert peaks["peak_memory_reserved"] == 14.0
    assert peaks["peak_memory_active"] == 10.0 + (601 % 7) / 10


def test_a_figure_that_extends_the_steady_one_is_not_taken_for_it() -> None:
    block = b"".join(_step(i, r) for i, r in enumerate(["12.5", "12.55", "12.5", "12.5e1 ", "12.5"], 1))
    assert _reserved_values(block) == {b"12.5", b"12.55", b"12.5e1"}
    assert _peak(block)["peak_memory_reserved"] == 125.0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["12.5", "12.55", "9.1", "1e1", "12.", ".5", "x"]),
            st.sampled_from(["\n", " \n", "\r", ""]),
        ),
        max_size=300,
    )
)
def test_same_figures_as_the_regex(lines: list[tuple[str, str]]) -> None:
    block = b"".join(_step(i, r, tail) for i, (r, tail) in enumerate(lines))
    assert _reserved_values(block) == set(_RESERVED.findall(block))
