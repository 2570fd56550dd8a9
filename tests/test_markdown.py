"""Tests for planlint.doc.markers: marker scanning, region reading/rewriting, diffs, atomic writes."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from conftest import SEED_HEADER, SEED_ROWS
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planlint.doc import markers as md
from planlint.doc.markers import (
    MarkerProblem,
    Region,
    WriteRefused,
    atomic_write,
    dominant_newline,
    read_table,
    region_diff,
    region_lines,
    replace_region,
    scan,
    split_lines,
)
from planlint.doc.tabletext import format_table

HEADER, ROWS = SEED_HEADER, SEED_ROWS
SEED_LINES = format_table(HEADER, ROWS, "seed")
BEGIN = "<!-- planlint:begin all-runs -->"
END = "<!-- planlint:end all-runs -->"

DOC = "\n".join(
    [
        "# Capitalization sweep",  # 1
        "",  # 2
        "Design the training runs.  ",  # 3 (trailing spaces must survive)
        "",  # 4
        "## All Runs",  # 5
        BEGIN,  # 6
        *SEED_LINES,  # 7..11
        END,  # 12
        "",  # 13
        "**Notes**: controls evaluate the base model.",  # 14
        "",
    ]
)


def kinds(problems: list[MarkerProblem]) -> list[tuple[int, str]]:
    return [(p.line, p.kind) for p in problems]


def only_region(text: str) -> Region:
    regions, problems = scan(text)
    assert [p for p in problems if p.severity == "error"] == []
    assert len(regions) == 1
    return regions[0]


# --------------------------------------------------------------------------- scan: the good path


def test_scan_finds_the_region_with_real_line_numbers() -> None:
    regions, problems = scan(DOC)
    assert problems == []
    assert regions == [Region("all-runs", {}, begin_line=6, end_line=12, content_start=6, content_end=11)]
    assert region_lines(DOC, regions[0]) == SEED_LINES


def test_scan_reads_attributes() -> None:
    text = '<!-- planlint:begin all-runs plan=../plan.yaml label="Cap sweep" -->\n\n' + END + "\n"
    region = only_region(text)
    assert region.attrs == {"plan": "../plan.yaml", "label": "Cap sweep"}
    assert region.plan == "../plan.yaml"
    assert region.key == ("all-runs", "../plan.yaml")
    assert (region.begin_line, region.end_line, region.content_start, region.content_end) == (
        1,
        3,
        1,
        2,
    )


def test_two_regions_and_same_name_for_different_plans() -> None:
    text = (
        "<!-- planlint:begin all-runs plan=a/plan.yaml -->\n"
        "<!-- planlint:end all-runs -->\n"
        "<!-- planlint:begin all-runs plan=b/plan.yaml -->\n"
        "<!-- planlint:end all-runs -->\n"
        "<!-- planlint:begin eval-matrix -->\n"
        "<!-- planlint:end eval-matrix -->\n"
    )
    regions, problems = scan(text)
    assert problems == []
    assert [(r.name, r.plan, r.begin_line) for r in regions] == [
        ("all-runs", "a/plan.yaml", 1),
        ("all-runs", "b/plan.yaml", 3),
        ("eval-matrix", None, 5),
    ]


def test_no_markers_is_quiet() -> None:
    assert scan("# Plan\n\nNothing generated here.\n") == ([], [])


def test_bom_on_line_one_with_a_marker() -> None:
    text = "\ufeff" + BEGIN + "\n" + "\n".join(SEED_LINES) + "\n" + END + "\n"
    region = only_region(text)
    assert (region.begin_line, region.end_line) == (1, 7)
    new = replace_region(text, region, ["| x |", "|---|"])
    assert new == "\ufeff" + BEGIN + "\n| x |\n|---|\n" + END + "\n"


def test_marker_right_after_a_table_and_a_heading_without_blank_lines() -> None:
    text = "## All Runs\n" + BEGIN + "\n| a |\n|---|\n| 1 |\n" + END + "\nafter\n"
    region = only_region(text)
    assert (region.begin_line, region.end_line) == (2, 6)


# --------------------------------------------------------------------------- scan: look-alikes

FENCED = f"""\
# Plan

```markdown
{BEGIN}
| a |
{END}
```

~~~
{BEGIN}
~~~

    {BEGIN}
    {END}

Write `{BEGIN}` to start a region.
"""


def test_markers_in_code_are_ignored_and_reported_as_info() -> None:
    regions, problems = scan(FENCED)
    assert regions == []
    assert kinds(problems) == [
        (4, "ignored"),
        (6, "ignored"),
        (10, "ignored"),
        (13, "ignored"),
        (14, "ignored"),
        (16, "ignored"),
    ]
    assert {p.severity for p in problems} == {"info"}
    assert problems[3].column == 5  # the indented code block keeps the real column
    assert problems[5].column == 8


def test_fenced_marker_does_not_pair_with_a_real_one() -> None:
    text = "```\n" + END + "\n```\n\n" + BEGIN + "\n\n" + END + "\n"
    regions, problems = scan(text)
    assert [(r.begin_line, r.end_line) for r in regions] == [(5, 7)]
    assert kinds(problems) == [(2, "ignored")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # swallowed by an HTML block started on the line above (no blank line between)
        (f"<details>\n{BEGIN}\n\n{END}\n", [(2, "swallowed"), (4, "missing-begin")]),
        # inside a list item and a blockquote
        (f"- item\n\n  {BEGIN}\n", [(3, "not-top-level")]),
        (f"> {BEGIN}\n", [(1, "not-top-level")]),
        # not alone on its line
        (f"{BEGIN} trailing text\n", [(1, "not-own-line")]),
        (f"Some text {BEGIN}\n", [(1, "not-own-line")]),
        (f"| a |\n|---|\n| {BEGIN} |\n", [(3, "not-own-line")]),
        # unreadable markers
        ("<!-- planlint:Begin all-runs -->\n", [(1, "malformed")]),
        ("<!-- planlint:start all-runs -->\n", [(1, "malformed")]),
        ("<!-- planlint:begin -->\n", [(1, "malformed")]),
        ("<!-- planlint:begin\nall-runs -->\n", [(1, "malformed")]),
        ("<!-- planlint:begin all-runs plan -->\n", [(1, "bad-attrs")]),
        ("<!-- planlint:begin all-runs plan=a plan=b -->\n", [(1, "bad-attrs")]),
        ('<!-- planlint:begin all-runs plan="a b -->\n', [(1, "bad-attrs")]),
    ],
)
def test_lookalikes_that_are_not_markers(text: str, expected: list[tuple[int, str]]) -> None:
    regions, problems = scan(text)
    assert regions == []
    assert kinds(problems) == expected
    assert all(p.severity == "error" and p.hint for p in problems)


def test_case_sensitive_keyword_gets_a_hint() -> None:
    _, problems = scan("<!-- PLANLINT:BEGIN all-runs -->\n")
    assert problems[0].kind == "malformed"
    assert "lowercase" in problems[0].message


# --------------------------------------------------------------------------- scan: structure


@pytest.mark.parametrize(
    ("lines", "expected", "region_lines_"),
    [
        ([BEGIN, "| a |"], [(1, "missing-end")], []),
        (["text", END], [(2, "missing-begin")], []),
        (
            [
                BEGIN,
                "<!-- planlint:begin eval-matrix -->",
                "<!-- planlint:end eval-matrix -->",
                END,
            ],
            [(2, "nested")],
            [],
        ),
        (
            [BEGIN, BEGIN, END],
            [(1, "missing-end"), (2, "nested")],
            [],
        ),
        (
            [BEGIN, "", END, "", "text", BEGIN, "", END],
            [(6, "duplicate")],
            [(1, 3)],
        ),
        ([END, "", BEGIN], [(1, "end-before-begin")], []),
        (
            ["<!-- planlint:begin all_runs -->", "<!-- planlint:end all_runs -->"],
            [(1, "unknown-region")],
            [],
        ),
        (
            [BEGIN, "<!-- planlint:end eval-matrix -->"],
            [(1, "missing-end"), (2, "missing-begin")],
            [],
        ),
    ],
)
def test_structural_problems(
    lines: list[str], expected: list[tuple[int, str]], region_lines_: list[tuple[int, int]]
) -> None:
    regions, problems = scan("\n".join(lines) + "\n")
    assert kinds(problems) == expected
    assert [(r.begin_line, r.end_line) for r in regions] == region_lines_
    assert all(p.severity == "error" for p in problems)


def test_problem_messages_name_lines_and_hints() -> None:
    _, problems = scan(f"{BEGIN}\n\n{END}\n\n{BEGIN}\n\n{END}\n")
    (dup,) = problems
    assert dup.line == 5 and dup.column == 1
    assert "first at line 1" in dup.message
    _, problems = scan("<!-- planlint:begin all-runz -->\n<!-- planlint:end all-runz -->\n")
    assert problems[0].hint is not None and "did you mean 'all-runs'" in problems[0].hint
    _, problems = scan(f"{END}\n\n{BEGIN}\n")
    assert "line 3" in problems[0].message


def test_duplicate_needs_same_plan_attr() -> None:
    text = f"{BEGIN}\n{END}\n<!-- planlint:begin all-runs plan=plan.yaml -->\n{END}\n"
    regions, problems = scan(text)
    assert problems == []
    assert len(regions) == 2


def test_problems_come_sorted_by_line() -> None:
    text = f"{END}\n\n```\n{BEGIN}\n```\n\n<!-- planlint:begin nope -->\n"
    _, problems = scan(text)
    assert [p.line for p in problems] == sorted(p.line for p in problems)


# --------------------------------------------------------------------------- read_table


def test_read_table_gives_cells_and_doc_lines() -> None:
    region = only_region(DOC)
    table = read_table(DOC, region)
    assert table is not None
    assert table.header == HEADER
    assert table.rows == ROWS
    assert table.header_line == 7
    assert table.row_lines == [9, 10, 11]


def test_read_table_aligned_round_trip_with_blank_lines_and_bom() -> None:
    aligned = format_table(HEADER, ROWS, "aligned")
    text = "\ufeff# Plan\n\n" + BEGIN + "\n\n" + "\n".join(aligned) + "\n\n" + END + "\n"
    region = only_region(text)
    table = read_table(text, region)
    assert table is not None
    assert (table.header, table.rows) == (HEADER, ROWS)
    assert table.row_lines == [7, 8, 9]


def test_read_table_none_without_a_table() -> None:
    text = f"{BEGIN}\nTo be generated.\n{END}\n"
    assert read_table(text, only_region(text)) is None


def test_read_table_ignores_tables_outside_the_region() -> None:
    text = f"| x |\n|---|\n| 1 |\n\n{BEGIN}\n{END}\n\n| y |\n|---|\n"
    assert read_table(text, only_region(text)) is None


# --------------------------------------------------------------------------- replace_region


def test_replace_region_changes_only_the_region() -> None:
    region = only_region(DOC)
    new_lines = format_table(HEADER, ROWS[:2], "aligned")
    out = replace_region(DOC, region, new_lines)
    before, after = DOC.split(BEGIN + "\n")[0], DOC.split("\n" + END)[1]
    assert out == before + BEGIN + "\n" + "\n".join(new_lines) + "\n" + END + after
    assert "Design the training runs.  \n" in out


def test_crlf_doc_keeps_crlf_everywhere() -> None:
    crlf = DOC.replace("\n", "\r\n")
    region = only_region(crlf)
    out = replace_region(crlf, region, format_table(HEADER, ROWS[:1], "aligned"))
    assert "\n" not in out.replace("\r\n", "")
    assert out.count("\r\n") == crlf.count("\r\n") - 2
    assert read_table(out, only_region(out)) is not None


@pytest.mark.parametrize(
    ("text", "ending"),
    [
        ("a\nb\n", "\n"),
        ("a\r\nb\r\nc\n", "\r\n"),
        ("a\r\nb\n", "\n"),  # a tie keeps LF
        ("no newline", "\n"),
        ("a\rb\r", "\r"),
    ],
)
def test_dominant_newline(text: str, ending: str) -> None:
    assert dominant_newline(text) == ending


def test_region_newline_counts_only_the_lines_that_stay() -> None:
    # a CRLF doc whose table someone pasted with LF endings: the rewrite goes back to CRLF
    text = f"# Plan\r\n\r\n{BEGIN}\r\n| a |\n|---|\n| 1 |\n| 2 |\n| 3 |\n{END}\r\n"
    region = only_region(text)
    assert dominant_newline(text) == "\n"
    assert dominant_newline(text, region) == "\r\n"
    out = replace_region(text, region, ["| a |", "|---|"])
    assert out == f"# Plan\r\n\r\n{BEGIN}\r\n| a |\r\n|---|\r\n{END}\r\n"


def test_missing_final_newline_is_kept_and_region_last_in_file() -> None:
    text = "# Plan\n\n" + BEGIN + "\nold\n" + END
    region = only_region(text)
    assert (region.begin_line, region.end_line) == (3, 5)
    out = replace_region(text, region, ["| a |", "|---|"])
    assert out == "# Plan\n\n" + BEGIN + "\n| a |\n|---|\n" + END
    assert replace_region(out, only_region(out), ["| a |", "|---|"]) == out


def test_empty_region_and_empty_replacement() -> None:
    text = f"{BEGIN}\n{END}\n"
    region = only_region(text)
    assert (region.content_start, region.content_end) == (1, 1)
    filled = replace_region(text, region, ["", "| a |", "|---|", ""])
    assert filled == f"{BEGIN}\n\n| a |\n|---|\n\n{END}\n"
    assert replace_region(filled, only_region(filled), []) == text


def test_new_lines_with_endings_or_embedded_newlines() -> None:
    text = f"{BEGIN}\r\n{END}\r\n"
    out = replace_region(text, only_region(text), ["one\n", "two\nthree"])
    assert out == f"{BEGIN}\r\none\r\ntwo\r\nthree\r\n{END}\r\n"


def test_lines_split_only_on_markdown_line_breaks() -> None:
    # form feed and U+2028 are not line breaks for markdown-it-py; str.splitlines would split
    text = "a\x0cb\u2028c\n" + BEGIN + "\n" + END + "\n"
    assert split_lines(text)[0] == "a\x0cb\u2028c\n"
    region = only_region(text)
    assert region.begin_line == 2
    assert replace_region(text, region, ["x"]) == "a\x0cb\u2028c\n" + BEGIN + "\nx\n" + END + "\n"


def test_stale_region_is_refused() -> None:
    region = only_region(DOC)
    with pytest.raises(ValueError):
        replace_region("# short\n", region, [])
    with pytest.raises(ValueError):
        replace_region("\n" + DOC, region, [])


# --------------------------------------------------------------------------- region_diff

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _check_hunks_against(diff: str, old_text: str, new_text: str) -> int:
    """Every hunk's old side matches old_text at its stated lines (new side likewise)."""
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    body = diff.splitlines()
    hunks = 0
    for index, line in enumerate(body):
        match = HUNK.match(line)
        if not match:
            continue
        hunks += 1
        old_start, old_len = int(match[1]), int(match[2] or 1)
        new_start, new_len = int(match[3]), int(match[4] or 1)
        hunk = []
        for follow in body[index + 1 :]:
            if follow.startswith("@@"):
                break
            hunk.append(follow)
        old_side = [h[1:] for h in hunk if h[:1] in (" ", "-")]
        new_side = [h[1:] for h in hunk if h[:1] in (" ", "+")]
        assert old_side == old_lines[old_start - 1 : old_start - 1 + old_len]
        assert new_side == new_lines[new_start - 1 : new_start - 1 + new_len]
    return hunks


def test_region_diff_uses_the_docs_real_line_numbers() -> None:
    region = only_region(DOC)
    new_lines = [*SEED_LINES[:3], SEED_LINES[3].replace("5e-5", "2e-4"), SEED_LINES[4]]
    diff = region_diff("experiments/cap-sweep/PLAN.md", DOC, region, new_lines)
    lines = diff.splitlines()
    assert lines[0] == "--- a/experiments/cap-sweep/PLAN.md"
    assert lines[1] == "+++ b/experiments/cap-sweep/PLAN.md"
    assert lines[2] == "@@ -7,6 +7,6 @@"  # row 10 changes; 3 lines of context, end marker at 12
    assert "-" + SEED_LINES[3] in lines and "+" + new_lines[3] in lines
    assert _check_hunks_against(diff, DOC, replace_region(DOC, region, new_lines)) == 1


@pytest.mark.parametrize(
    "new_lines",
    [
        [],
        SEED_LINES[:1],
        [*SEED_LINES, "| extra | row | - | - | - | Control | N/A |"],
        ["", *SEED_LINES, ""],
        format_table(HEADER, ROWS, "aligned"),
    ],
)
def test_region_diff_hunks_apply_to_the_file(new_lines: list[str]) -> None:
    region = only_region(DOC)
    diff = region_diff("PLAN.md", DOC, region, new_lines)
    assert _check_hunks_against(diff, DOC, replace_region(DOC, region, new_lines)) >= 1


def test_region_diff_empty_when_equal_even_for_crlf() -> None:
    crlf = DOC.replace("\n", "\r\n")
    assert region_diff("PLAN.md", crlf, only_region(crlf), SEED_LINES) == ""


# --------------------------------------------------------------------------- properties

SNIPPETS = [
    "",
    "# Title",
    "## All Runs",
    "Some *text* with `code`.",
    "trailing spaces   ",
    "- item",
    "  - nested item",
    "1. first",
    "> a quote",
    "```python",
    "```",
    "~~~",
    "    indented code",
    "<details>",
    "</details>",
    "<!-- an ordinary comment -->",
    "| a | b |",
    "|---|---|",
    "***",
    "\ttab",
    "form\x0cfeed",
    "line\u2028separator",
    "Llama-3.2-1B_rank8_lr1e-5",
]
LINE = st.one_of(
    st.sampled_from(SNIPPETS),
    st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=20),
)
EOL = st.sampled_from(["\n", "\r\n"])
BLOCK = st.lists(st.tuples(LINE, EOL), max_size=8)
NEW_LINES = st.lists(
    st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=15),
    max_size=5,
)


def _join(block: list[tuple[str, str]]) -> str:
    return "".join(text + eol for text, eol in block)


@settings(max_examples=300)
@given(
    BLOCK,
    BLOCK,
    st.lists(LINE, max_size=4),
    NEW_LINES,
    EOL,
    st.booleans(),
    st.booleans(),
)
def test_replace_region_touches_nothing_outside_the_markers(
    before: list[tuple[str, str]],
    after: list[tuple[str, str]],
    old_content: list[str],
    new_lines: list[str],
    eol: str,
    final_newline: bool,
    bom: bool,
) -> None:
    prefix = ("\ufeff" if bom else "") + _join(before) + BEGIN + eol
    suffix = END + (eol if after or final_newline else "") + _join(after)
    if not final_newline and suffix.endswith(("\n", "\r")):
        suffix = suffix.rstrip("\r\n")
    text = prefix + "".join(line + eol for line in old_content) + suffix
    regions, _ = scan(text)
    assume(len(regions) == 1 and regions[0].begin_line == len(before) + 1)
    region = regions[0]

    out = replace_region(text, region, new_lines)
    assert out.startswith(prefix)
    assert out.endswith(suffix)
    middle = out[len(prefix) : len(out) - len(suffix)]
    assert middle == "".join(line + dominant_newline(text, region) for line in new_lines)

    again_regions, _ = scan(out)
    assert [(r.name, r.begin_line) for r in again_regions] == [(region.name, region.begin_line)]
    assert replace_region(out, again_regions[0], new_lines) == out
    assert region_diff("PLAN.md", out, again_regions[0], new_lines) == ""


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_scan_never_crashes(text: str) -> None:
    regions, problems = scan(text)
    lines = split_lines(text.removeprefix("\ufeff"))
    assert "".join(lines) == text.removeprefix("\ufeff")
    for region in regions:
        assert region_lines(text, region) is not None
    for problem in problems:
        assert 1 <= problem.line <= max(1, len(lines))


@settings(max_examples=200)
@given(st.lists(st.sampled_from([*SNIPPETS, BEGIN, END, f"  {BEGIN}", f"> {END}"]), max_size=12))
def test_scan_on_marker_soup_never_crashes(lines: list[str]) -> None:
    text = "\n".join(lines)
    regions, problems = scan(text)
    for region in regions:
        assert region.begin_line < region.end_line
        out = replace_region(text, region, ["| a |", "|---|"])
        assert scan(out)[0][: len(regions)] is not None
    assert all(isinstance(p, MarkerProblem) for p in problems)


# --------------------------------------------------------------------------- atomic_write


def test_atomic_write_replaces_content_and_keeps_mode(tmp_path: Path) -> None:
    doc = tmp_path / "PLAN.md"
    doc.write_bytes(b"old\n")
    doc.chmod(0o640)
    atomic_write(doc, b"new\r\n")
    assert doc.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(doc.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PLAN.md"]


def test_atomic_write_creates_a_new_file_with_the_default_mode(tmp_path: Path) -> None:
    doc = tmp_path / "NEW.md"
    atomic_write(doc, b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(doc.stat().st_mode) == 0o666 & ~umask


def test_failed_rename_leaves_original_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = tmp_path / "PLAN.md"
    doc.write_bytes(b"original bytes\n")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(md.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write(doc, b"new bytes\n")
    assert doc.read_bytes() == b"original bytes\n"
    assert [p.name for p in tmp_path.iterdir()] == ["PLAN.md"]


def test_symlink_leaving_root_is_refused(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    secret = outside / "secret.md"
    secret.write_bytes(b"keep me\n")
    link = repo / "PLAN.md"
    link.symlink_to(secret)
    with pytest.raises(WriteRefused, match="outside"):
        atomic_write(link, b"pwned\n", root=repo)
    assert secret.read_bytes() == b"keep me\n"
    assert link.is_symlink()
    assert sorted(p.name for p in repo.iterdir()) == ["PLAN.md"]
    assert [p.name for p in outside.iterdir()] == ["secret.md"]


def test_symlink_inside_root_is_written_through(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    real = tmp_path / "docs" / "PLAN.md"
    real.write_bytes(b"old\n")
    link = tmp_path / "PLAN.md"
    link.symlink_to(real)
    atomic_write(link, b"new\n", root=tmp_path)
    assert link.is_symlink()
    assert real.read_bytes() == b"new\n"


def test_changed_since_read_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "PLAN.md"
    doc.write_bytes(b"edited meanwhile\n")
    with pytest.raises(WriteRefused, match="changed"):
        atomic_write(doc, b"new\n", expected=b"what we read\n")
    assert doc.read_bytes() == b"edited meanwhile\n"
    atomic_write(doc, b"new\n", expected=b"edited meanwhile\n")
    assert doc.read_bytes() == b"new\n"
