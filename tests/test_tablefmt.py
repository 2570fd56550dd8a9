"""Tests for planlint.doc.tabletext: seed/aligned rendering, parsing back, drift, Est. Time."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEED_HEADER, SEED_ROWS
from hypothesis import given
from hypothesis import strategies as st

from planlint.doc.tabletext import (
    cells_equal,
    display_width,
    escape_cell,
    explain_drift,
    format_table,
    normalize_cell,
    parse_table,
)
from planlint.slurmtime import format_est_time, parse_time

HEADER, ROWS = SEED_HEADER, SEED_ROWS

# Copied byte for byte from reference/000_8ad76d3f46f152df.txt (the lines after "## All Runs").
SEED_TABLE = """\
| Run Name | Model | LoRA Rank | Learning Rate | Batch Size | Type | Est. Time |
|----------|-------|-----------|---------------|------------|------|-----------|
| Llama-3.2-1B_rank8_lr1e-5 | Llama-3.2-1B-Instruct | 8 | 1e-5 | 4 | Fine-tuned | ~10min |
| Llama-3.2-1B_rank8_lr5e-5 | Llama-3.2-1B-Instruct | 8 | 5e-5 | 4 | Fine-tuned | ~10min |
| Llama-3.2-1B_base | Llama-3.2-1B-Instruct | - | - | - | Control | N/A |
"""

SEED_FILE = Path(__file__).resolve().parent / "cases" / "seed_checklist.txt"


# --------------------------------------------------------------------------- golden


def test_seed_style_reproduces_the_seed_table_byte_for_byte() -> None:
    assert "\n".join(format_table(HEADER, ROWS, "seed")) + "\n" == SEED_TABLE


def test_seed_is_the_default_style() -> None:
    assert format_table(HEADER, ROWS) == format_table(HEADER, ROWS, "seed")


def test_seed_table_matches_the_reference_file() -> None:
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines()
    start = lines.index("## All Runs") + 2  # the heading, then a blank line
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    assert format_table(HEADER, ROWS, "seed") == lines[start:end]


def test_seed_separator_counts_header_width_plus_two() -> None:
    assert format_table(["Run Name"], [], "seed") == ["| Run Name |", "|----------|"]


ALIGNED = [
    "| Run Name                  | Model                 | LoRA Rank | Learning Rate "
    "| Batch Size | Type       | Est. Time |",
    "| ------------------------- | --------------------- | --------- | ------------- "
    "| ---------- | ---------- | --------- |",
    "| Llama-3.2-1B_rank8_lr1e-5 | Llama-3.2-1B-Instruct | 8         | 1e-5          "
    "| 4          | Fine-tuned | ~10min    |",
    "| Llama-3.2-1B_rank8_lr5e-5 | Llama-3.2-1B-Instruct | 8         | 5e-5          "
    "| 4          | Fine-tuned | ~10min    |",
    "| Llama-3.2-1B_base         | Llama-3.2-1B-Instruct | -         | -             "
    "| -          | Control    | N/A       |",
]


def test_aligned_style_pads_like_mdformat_tables() -> None:
    assert format_table(HEADER, ROWS, "aligned") == ALIGNED


@pytest.mark.parametrize(
    ("header", "rows", "expected"),
    [
        # minimum width 3, dashes padded to the column width
        (["a", "b"], [["1", "x"]], ["| a   | b   |", "| --- | --- |", "| 1   | x   |"]),
        # East Asian wide characters count two columns
        (["名前", "x"], [["ab", "y"]], ["| 名前 | x   |", "| ---- | --- |", "| ab   | y   |"]),
        # pipes are escaped, and the escape counts toward the width
        (["a|b"], [["c"]], ["| a\\|b |", "| ---- |", "| c    |"]),
        # newlines become a space, surrounding whitespace goes
        (["h"], [[" two\nlines "]], ["| h         |", "| --------- |", "| two lines |"]),
    ],
)
def test_aligned_cases(header: list[str], rows: list[list[str]], expected: list[str]) -> None:
    assert format_table(header, rows, "aligned") == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("a|b", "a\\|b"), ("x\r\ny", "x y"), ("  1e-5 ", "1e-5"), ("", ""), ("~10min", "~10min")],
)
def test_escape_cell(cell: str, expected: str) -> None:
    assert escape_cell(cell) == expected


@pytest.mark.parametrize(
    ("header", "rows", "style", "error"),
    [
        (HEADER, ROWS, "grid", "unknown table style"),
        ([], [], "seed", "at least one column"),
        (["a", "b"], [["1"]], "seed", "row 1 has 1 cells"),
    ],
)
def test_format_table_rejects(header: list[str], rows: list[list[str]], style: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        format_table(header, rows, style)


@pytest.mark.parametrize(("text", "width"), [("abc", 3), ("名前", 4), ("é", 1), ("e\u0301", 1)])
def test_display_width(text: str, width: int) -> None:
    assert display_width(text) == width


# --------------------------------------------------------------------------- parse back


@pytest.mark.parametrize("style", ["seed", "aligned"])
def test_both_styles_parse_back_to_the_same_cells(style: str) -> None:
    table = parse_table("\n".join(format_table(HEADER, ROWS, style)) + "\n", first_line=10)
    assert table is not None
    assert table.header == HEADER
    assert table.rows == ROWS
    assert table.header_line == 10
    assert table.row_lines == [12, 13, 14]
    assert table.end_line == 14


def test_parse_table_unescapes_pipes_and_reads_alignment() -> None:
    table = parse_table("| a | b |\n|:--|--:|\n| x \\| y | 2 |\n")
    assert table is not None
    assert table.rows == [["x | y", "2"]]
    assert table.aligns == ["left", "right"]


@pytest.mark.parametrize("text", ["", "no table here\n", "| just a pipe line |\n"])
def test_parse_table_none(text: str) -> None:
    assert parse_table(text) is None


CELL_TEXT = st.text(alphabet=st.sampled_from([*"abcXYZ019 .-_~|:名é", "\n"]), min_size=0, max_size=12)


@given(
    st.integers(min_value=1, max_value=4).flatmap(
        lambda n: st.tuples(
            st.lists(CELL_TEXT, min_size=n, max_size=n),
            st.lists(st.lists(CELL_TEXT, min_size=n, max_size=n), max_size=4),
            st.sampled_from(["seed", "aligned"]),
        )
    )
)
def test_round_trip_property(case: tuple[list[str], list[list[str]], str]) -> None:
    header, rows, style = case
    table = parse_table("\n".join(format_table(header, rows, style)) + "\n")
    assert table is not None
    assert cells_equal([table.header, *table.rows], [header, *rows])


# --------------------------------------------------------------------------- comparing


@pytest.mark.parametrize(
    ("doc", "plan", "equal"),
    [
        ([["1e-5", "a \\| b"]], [["1e-5", "a | b"]], True),
        ([["  1e-5  ", "x"]], [["1e-5", "x"]], True),
        ([["\\~10min"]], [["~10min"]], True),  # a formatter's extra escape is not drift
        ([["5e-5"]], [["1e-5"]], False),
        ([["a", ""]], [["a"]], False),
        ([["a"], ["b"]], [["b"], ["a"]], False),
        ([], [], True),
    ],
)
def test_cells_equal(doc: list[list[str]], plan: list[list[str]], equal: bool) -> None:
    assert cells_equal(doc, plan) is equal


def test_aligned_doc_is_not_drift_against_seed_plan() -> None:
    table = parse_table("\n".join(format_table(HEADER, ROWS, "aligned")))
    assert table is not None
    assert cells_equal(table.rows, ROWS)
    assert explain_drift(HEADER, table.rows, ROWS, doc_header=table.header) == []


def _with(row: list[str], col: int, value: str) -> list[str]:
    return [value if i == col else cell for i, cell in enumerate(row)]


@pytest.mark.parametrize(
    ("doc_rows", "doc_header", "expected"),
    [
        (ROWS, None, []),
        (
            [_with(ROWS[0], 3, "5e-5"), ROWS[1], ROWS[2]],
            None,
            ["row Llama-3.2-1B_rank8_lr1e-5: Learning Rate is 5e-5 in the doc, 1e-5 in the plan"],
        ),
        (
            [ROWS[0], ROWS[2]],
            None,
            ["row Llama-3.2-1B_rank8_lr5e-5 is in the plan but not in the doc"],
        ),
        (
            [
                *ROWS,
                ["Llama-3.2-3B_base", "Llama-3.2-3B-Instruct", "-", "-", "-", "Control", "N/A"],
            ],
            None,
            ["row Llama-3.2-3B_base is in the doc but not in the plan"],
        ),
        ([ROWS[1], ROWS[0], ROWS[2]], None, ["rows are in a different order than in the plan"]),
        (
            [_with(ROWS[0], 6, ""), ROWS[1], ROWS[2]],
            None,
            ["row Llama-3.2-1B_rank8_lr1e-5: Est. Time is empty in the doc, ~10min in the plan"],
        ),
        (
            [row[:6] for row in ROWS],
            HEADER[:6],
            [
                "columns differ: doc has [Run Name, Model, LoRA Rank, Learning Rate, Batch Size, "
                "Type], plan has [Run Name, Model, LoRA Rank, Learning Rate, Batch Size, Type, "
                "Est. Time]"
            ],
        ),
        (
            # a reordered column is reported once, and cells are still compared by column name
            [[r[0], r[2], r[1], *r[3:]] for r in ROWS],
            [HEADER[0], HEADER[2], HEADER[1], *HEADER[3:]],
            [
                "columns differ: doc has [Run Name, LoRA Rank, Model, Learning Rate, Batch Size, "
                "Type, Est. Time], plan has [Run Name, Model, LoRA Rank, Learning Rate, "
                "Batch Size, Type, Est. Time]"
            ],
        ),
    ],
)
def test_explain_drift(doc_rows: list[list[str]], doc_header: list[str] | None, expected: list[str]) -> None:
    assert explain_drift(HEADER, doc_rows, ROWS, doc_header=doc_header) == expected


def test_explain_drift_duplicate_run_names_pair_by_occurrence() -> None:
    plan = [ROWS[0], ROWS[0]]
    doc = [ROWS[0], _with(ROWS[0], 4, "8")]
    assert explain_drift(HEADER, doc, plan) == [
        "row Llama-3.2-1B_rank8_lr1e-5 (#2): Batch Size is 8 in the doc, 4 in the plan"
    ]


@pytest.mark.parametrize(
    ("text", "expected"), [("  a  b ", "a b"), ("x\\|y", "x|y"), ("\\-", "-"), ("a\\b", "a\\b")]
)
def test_normalize_cell(text: str, expected: str) -> None:
    assert normalize_cell(text) == expected


# --------------------------------------------------------------------------- Est. Time


@pytest.mark.parametrize(
    ("text", "seconds", "cell"),
    [
        ("0:10:00", 600, "~10min"),
        ("1:50:00", 6600, "~1h50min"),
        ("2:00:00", 7200, "~2h"),
        ("1-02:00:00", 93600, "~26h"),
        ("0:00:40", 40, "~40s"),
        ("0:10:01", 601, "~11min"),
        ("90", 5400, "~1h30min"),
        ("1-0", 86400, "~24h"),
        ("10", 600, "~10min"),
        ("10:30", 630, "~11min"),  # M:S
        ("90:00", 5400, "~1h30min"),  # the first field may exceed 59
        ("0:59:59", 3599, "~1h"),  # rounds up to a whole hour
        ("1-2:30", 95400, "~26h30min"),  # D-H:M
        ("2-00:00:01", 172801, "~48h1min"),
        ("0", 0, "~0s"),
        (" 0:01:00 ", 60, "~1min"),
    ],
)
def test_parse_and_format_time(text: str, seconds: int, cell: str) -> None:
    assert parse_time(text) == seconds
    assert format_est_time(seconds) == cell


@pytest.mark.parametrize(
    "text",
    ["abc", "", "1:2:3:4", "-5", "1.5", "0:60:00", "1:99", "1-24", "1-", "UNLIMITED", "1h", True],
)
def test_parse_time_rejects(text: str | bool) -> None:
    assert parse_time(text) is None  # type: ignore[arg-type]


def test_parse_time_accepts_an_int_as_minutes() -> None:
    assert parse_time(90) == 5400


@pytest.mark.parametrize(("seconds", "cell"), [(59, "~59s"), (59.2, "~1min"), (61, "~2min")])
def test_format_est_time_edges(seconds: int, cell: str) -> None:
    assert format_est_time(seconds) == cell


def test_format_est_time_rejects_negative() -> None:
    with pytest.raises(ValueError):
        format_est_time(-1)
