"""Surgical edits never lose a byte: checked at the data level with an independent YAML loader.

Every case loads the plan before and after `fix --runs` / `estimate --write` with ruamel.yaml's
safe loader (not planlint's walker) and asserts that the new data is the old data plus
exactly the intended additions.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, SEED, edit
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from planlint.cli import main
from planlint.commands.estimate import estimate_edits
from planlint.estimate.model import Estimate
from planlint.estimate.plan import RunEstimate
from planlint.plan.edit import EditError, add_matrix_entries, add_runs
from planlint.plan.editsafety import DataChanged, first_difference, parser_lines, verify_edit
from planlint.plan.load import load_plan
from planlint.plan.naming import ImpliedRun

PRIOR = Path(__file__).parent / "logs" / "cruijff_kit" / "slurm_training_output.txt"
NEW_RUNS = ["Llama-3.2-1B_rank8_lr1e-4"]


_PLAIN = YAML(typ="safe")  # ruamel's own safe loader: plain dicts, lists and scalars


def plain_load(text: str) -> Any:
    """The data of a YAML text, as a loader that is not planlint's reads it."""
    return _PLAIN.load(text)


def grown(text: str) -> str:
    """The seed plan with a third learning rate, so `fix --runs` has one run to add."""
    return edit(text, ("lr: [1e-5, 5e-5]", "lr: [1e-5, 5e-5, 1e-4]"))


def assert_runs_added(before: str, after: str, names: list[str]) -> None:
    """after == before plus runs `names` (and their evaluation.matrix entries), nothing else."""
    old, new = plain_load(before), plain_load(after)
    n = len(old["runs"])
    assert new["runs"][:n] == old["runs"]
    assert [r["name"] for r in new["runs"][n:]] == names
    old_matrix = (old.get("evaluation") or {}).get("matrix")
    if isinstance(old_matrix, list):
        assert new["evaluation"]["matrix"][: len(old_matrix)] == old_matrix
        assert [e["run"] for e in new["evaluation"]["matrix"][len(old_matrix) :]] == names
        new["evaluation"]["matrix"] = old_matrix
    new["runs"] = old["runs"]
    assert new == old


# The last run of the seed plan is the control; these end it with a block scalar (its prompt).
PROMPTS = {
    "literal, a line that starts with #": (
        "      prompt: |\n        Capitalize: {input}\n        # Answer with the word only\n",
        "Capitalize: {input}\n# Answer with the word only\n",
    ),
    "strip, # line last": (
        "      prompt: |-\n        Capitalize: {input}\n        # Answer with the word only\n",
        "Capitalize: {input}\n# Answer with the word only",
    ),
    "keep, trailing blank lines": (
        "      prompt: |+\n        Capitalize: {input}\n        # Answer with the word only\n\n\n",
        "Capitalize: {input}\n# Answer with the word only\n\n\n",
    ),
    "folded, # line": (
        "      prompt: >\n        Capitalize: {input}\n        # one word\n",
        "Capitalize: {input} # one word\n",
    ),
    "folded keep": (
        "      prompt: >+\n        Capitalize: {input}\n\n",
        "Capitalize: {input}\n\n",
    ),
    "indentation indicator": (
        "      prompt: |2\n          # indented two more\n        Capitalize: {input}\n",
        "  # indented two more\nCapitalize: {input}\n",
    ),
    "literal, clip, trailing blanks": (
        "      prompt: |\n        Capitalize: {input}\n        #\n\n\n",
        "Capitalize: {input}\n#\n",
    ),
    "literal, deeper # lines": (
        "      prompt: |\n        Capitalize: {input}\n            # example: HELLO\n        #end\n",
        "Capitalize: {input}\n    # example: HELLO\n#end\n",
    ),
}

TAILS = {
    "last in file": "",
    "followed by comments": "  # more runs go here\n# end of runs\n",
    "followed by a section": "\n# evaluation follows\nnotes:\n  owner: me\n",
    "a #-line at the scalar's indent": "        # still the scalar's content\n",
}


def _plan_with_prompt(prompt: str, tail: str) -> str:
    """The seed plan, its runs last, the control's parameters ending with `prompt`."""
    text = grown(SEED)
    runs_at, eval_at = text.index("runs:\n"), text.index("evaluation:\n")
    runs = text[runs_at:eval_at].rstrip("\n") + "\n"
    runs = edit(runs, ("    parameters: {}\n", "    parameters:\n      lora_rank: 8\n" + prompt))
    return text[:runs_at] + text[eval_at:].rstrip("\n") + "\n" + runs + tail


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("tail", list(TAILS.values()), ids=list(TAILS))
@pytest.mark.parametrize("prompt", list(PROMPTS), ids=list(PROMPTS))
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_added_runs_keep_a_trailing_block_scalar(prompt: str, tail: str, newline: str) -> None:
    block, value = PROMPTS[prompt]
    text = _plan_with_prompt(block, tail).replace("\n", newline)
    after = add_matrix_entries(add_runs(text, _implied()), _implied())
    assert_runs_added(text, after, NEW_RUNS)
    if not tail:  # the case is what it says (a tail may add kept blank lines or content)
        assert plain_load(after)["runs"][2]["parameters"]["prompt"] == value
    # one line ending throughout: the file's own
    assert after.count(newline) == len(parser_lines(after)) - (0 if after.endswith(newline) else 1)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_fix_runs_cli_keeps_block_scalars_and_line_endings(repo: Path, newline: str) -> None:
    text = _plan_with_prompt(PROMPTS["keep, trailing blank lines"][0], TAILS["followed by comments"])
    text = text.replace("\n", newline)
    path = repo / "plan.yaml"
    path.write_bytes(text.encode("utf-8"))
    assert main(["fix", "--runs", "plan.yaml"]) == 0
    after = path.read_bytes().decode("utf-8")
    assert_runs_added(text, after, NEW_RUNS)
    assert after.count(newline) == len(parser_lines(after))


def test_the_issue_case_exactly(repo: Path) -> None:
    """The prompt '...{input}\\n# Answer with the word only\\n' as the last key of the last run."""
    text = _plan_with_prompt(PROMPTS["literal, a line that starts with #"][0], "")
    (repo / "plan.yaml").write_text(text, encoding="utf-8")
    assert main(["fix", "--runs", "plan.yaml"]) == 0
    data = plain_load((repo / "plan.yaml").read_text(encoding="utf-8"))
    assert data["runs"][2]["parameters"]["prompt"] == "Capitalize: {input}\n# Answer with the word only\n"
    assert [r["name"] for r in data["runs"]][-1] == "Llama-3.2-1B_rank8_lr1e-4"


def test_an_edit_that_would_change_data_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A clipped block scalar on the last line without a line ending: splicing after it must add a
    # line break, which would give the prompt a trailing newline. Refused, nothing written.
    text = _plan_with_prompt(PROMPTS["literal, a line that starts with #"][0], "").rstrip("\n")
    path = repo / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["fix", "--runs", "plan.yaml"]) == 1
    assert path.read_text(encoding="utf-8") == text
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "planlint: plan.yaml: not edited: the edit would change runs[2].parameters.prompt"
        " beyond what was intended; nothing written"
    ]


def test_verify_edit_compares_types_and_finds_the_first_difference() -> None:
    old = load_plan(Path("plan.yaml"), text=SEED).data
    assert first_difference({"a": [1, {"b": True}]}, {"a": [1, {"b": 1}]}) == "a[1].b"
    assert first_difference({"a": float("nan")}, {"a": float("nan")}) is None
    verify_edit(old, SEED.replace("epochs: 1", "epochs: 2"), lambda d: d["controls"].update(epochs=2))
    with pytest.raises(DataChanged, match=r"controls\.epochs"):
        verify_edit(old, SEED.replace("epochs: 1", "epochs: 2"), lambda d: None)


def test_collection_ends_follow_the_parser() -> None:
    text = "runs:\n  - name: a\n    p: |+\n      # kept\n\n\n# after\nx: {a: 1}  # c\n"
    data = load_plan(Path("plan.yaml"), text=text).data
    assert data["runs"].content_end == (6, 0)  # after the kept blank lines, before "# after"
    assert data["x"].content_end == (7, 9)  # a flow mapping ends after its brace


# --------------------------------------------------------------------------- estimate --write


def _estimates(text: str) -> list[RunEstimate]:
    runs = load_plan(Path("plan.yaml"), text=text).data["runs"]
    out = []
    for i, run in enumerate(runs):
        if run.get("type") == "fine-tuned":
            est = Estimate(
                run=run["name"],
                time="0:15:00",
                seconds_raw=400.0,
                batch_size_suggestion=8,
                gradient_accumulation_suggestion=1,
                basis='1 log of Llama-3.2-1B-Instruct, "scaled"',
            )
            out.append(RunEstimate(i, run, est))
    return out


def _expected_estimates(before: Any, results: list[RunEstimate]) -> Any:
    for r in results:
        run = before["runs"][r.index]
        compute = run.setdefault("compute", {})
        compute["time"] = r.estimate.time
        compute["basis"] = r.estimate.basis
    return before


ESTIMATE_RUNS = {
    "block compute ending in a block scalar": (
        "    compute:\n      gpus: 1\n      note: |\n        asked for 1 GPU\n        # see the cluster docs\n\n"
    ),
    "run ending in a keep scalar": "    note: |+\n      first pilot\n      # rerun\n\n",
    "block compute ending in a folded scalar": (
        "    compute:\n      mem: 40G\n      note: >-\n        from the pilot\n        # not a comment\n"
    ),
}


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("run_tail", list(ESTIMATE_RUNS.values()), ids=list(ESTIMATE_RUNS))
def test_write_estimates_keeps_block_scalars(run_tail: str, newline: str) -> None:
    text = edit(
        SEED,
        (
            '    parameters: {lora_rank: 8, lr: 5e-5}\n    compute: {time: "0:10:00", gpus: 1, mem: 40G}\n',
            "    parameters: {lora_rank: 8, lr: 5e-5}\n" + run_tail,
        ),
    ).replace("\n", newline)
    results = _estimates(text)
    new = estimate_edits(Path("plan.yaml"), text, results, overwrite=True, basis=True).text
    assert new != text
    assert plain_load(new) == _expected_estimates(plain_load(text), results)
    assert newline in new and (newline == "\r\n" or "\r\n" not in new)
    if newline == "\r":
        assert "\n" not in new


def test_estimate_write_cli_on_a_cr_only_plan_keeps_cr(repo: Path) -> None:
    shutil.copytree(EXAMPLES / "seed-sweep", repo / "exp")
    plan = repo / "exp" / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    text = edit(
        text, ('lr: 1e-5}\n    compute: {time: "0:10:00", gpus: 1, mem: 40G}\n', "lr: 1e-5}\n")
    ).replace("\n", "\r")
    plan.write_bytes(text.encode("utf-8"))
    logs = repo / "scratch" / "cap" / "Llama-3.2-1B_rank16"
    logs.mkdir(parents=True)
    shutil.copy(PRIOR, logs / "slurm-5550001.out")
    argv = ["estimate", "exp/plan.yaml", "--logs", "scratch/**/slurm-*.out", "--write", "--overwrite"]
    assert main([*argv, "--basis"]) == 0
    after = plan.read_bytes().decode("utf-8")
    assert "\n" not in after and after.count("basis:") == 2
    old, new = plain_load(text), plain_load(after)
    for run in new["runs"]:
        run.pop("compute", None)
    for run in old["runs"]:
        run.pop("compute", None)
    assert new == old


# --------------------------------------------------------------------------- crashes become messages


def test_fix_runs_on_an_empty_evaluation_and_a_list_name(repo: Path) -> None:
    text = grown(SEED)
    text = text[: text.index("evaluation:\n")] + "evaluation:\n"
    (repo / "plan.yaml").write_text(text, encoding="utf-8")
    assert main(["fix", "--runs", "plan.yaml"]) == 0
    assert_runs_added(text, (repo / "plan.yaml").read_text(encoding="utf-8"), NEW_RUNS)
    listed = edit(grown(SEED), ("  - name: Llama-3.2-1B_rank8_lr1e-5\n", "  - name: [a, b]\n"))
    (repo / "plan.yaml").write_text(listed, encoding="utf-8")
    assert main(["fix", "--runs", "plan.yaml"]) in (0, 1)
    assert plain_load((repo / "plan.yaml").read_text(encoding="utf-8"))["runs"][0]["name"] == ["a", "b"]


def test_marker_text_in_a_rendered_cell_is_a_one_line_refusal(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLES / "seed-sweep", repo / "exp")
    plan = repo / "exp" / "plan.yaml"
    plan.write_text(
        edit(
            plan.read_text(encoding="utf-8"),
            ("lr: 1e-5}\n", 'lr: 1e-5, batch_size: "<!-- planlint:end all-runs -->"}\n'),
        ),
        encoding="utf-8",
    )
    doc = repo / "exp" / "PLAN.md"
    before = doc.read_bytes()
    assert main(["fix", "exp"]) == 1
    assert doc.read_bytes() == before
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds planlint marker text" in err[0]


# --------------------------------------------------------------------------- where and what may be written


@pytest.fixture
def stale_doc(repo: Path) -> Path:
    shutil.copytree(EXAMPLES / "seed-sweep", repo / "exp")
    doc = repo / "exp" / "PLAN.md"
    doc.write_text(
        doc.read_text(encoding="utf-8").replace("| 8 | 1e-5 | 4 |", "| 8 | 2e-5 | 4 |"), encoding="utf-8"
    )
    return doc


def test_read_only_files_are_refused_unless_forced(
    stale_doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale_doc.chmod(0o444)
    before = stale_doc.read_bytes()
    assert main(["fix", "exp"]) == 1
    assert stale_doc.read_bytes() == before
    assert "read-only (--force writes it anyway)" in capsys.readouterr().err
    assert main(["fix", "--force", "exp"]) == 0
    assert b"2e-5" not in stale_doc.read_bytes()
    assert stat.S_IMODE(stale_doc.stat().st_mode) == 0o444


def test_read_only_plan_is_refused_by_fix_runs_and_estimate_write(repo: Path) -> None:
    shutil.copytree(EXAMPLES / "seed-sweep", repo / "exp")
    plan = repo / "exp" / "plan.yaml"
    plan.write_text(grown(plan.read_text(encoding="utf-8")), encoding="utf-8")
    plan.chmod(0o444)
    before = plan.read_bytes()
    assert main(["fix", "--runs", "exp"]) == 1
    logs = repo / "scratch" / "cap" / "Llama-3.2-1B_rank16"
    logs.mkdir(parents=True)
    shutil.copy(PRIOR, logs / "slurm-5550001.out")
    argv = ["estimate", "exp/plan.yaml", "--logs", "scratch/**/slurm-*.out"]
    assert main([*argv, "--write", "--overwrite"]) == 1  # hand-set times kept: --overwrite edits
    assert plan.read_bytes() == before
    assert main(["estimate", "exp/plan.yaml", "--logs", "scratch/**/slurm-*.out", "--force"]) == 2
    assert main(["fix", "--runs", "--force", "exp"]) == 0
    assert_runs_added(before.decode("utf-8"), plan.read_text(encoding="utf-8"), NEW_RUNS)


def test_outside_a_repository_a_named_file_elsewhere_is_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not any((p / ".git").exists() for p in (tmp_path, *tmp_path.parents))
    shutil.copytree(EXAMPLES / "seed-sweep", tmp_path / "a")
    doc = tmp_path / "a" / "PLAN.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("| 1e-5 |", "| 2e-5 |"), encoding="utf-8")
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "b")
    assert main(["fix", "../a"]) == 0
    assert doc.read_bytes() == (EXAMPLES / "seed-sweep" / "PLAN.md").read_bytes()


def test_stale_temp_files_of_killed_writes_are_removed(stale_doc: Path) -> None:
    folder = stale_doc.parent
    old = folder / ".PLAN.md.k1ll3d_x.tmp"
    fresh = folder / ".PLAN.md.inflight.tmp"
    foreign = folder / ".PLAN.md.notes.tmp"
    for p in (old, fresh, foreign):
        p.write_bytes(b"x" * 4096)
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    os.utime(foreign, (an_hour_ago, an_hour_ago))
    assert main(["fix", "exp"]) == 0
    assert not old.exists()
    assert fresh.exists() and foreign.exists()  # a concurrent write's, and not our name pattern


# --------------------------------------------------------------------------- kill -9 and concurrency


KILL_POINTS = {
    "while writing": "os.fsync",
    "before chmod": "os.chmod",
    "before rename": "os.replace",
}


def test_kill_9_at_every_step_of_every_write_then_recover(stale_doc: Path) -> None:
    repo = stale_doc.parent.parent
    plan = repo / "exp" / "plan.yaml"
    plan.write_text(grown(plan.read_text(encoding="utf-8")), encoding="utf-8")
    commands = [["fix", "exp/PLAN.md"], ["fix", "--runs", "exp"], ["fix", "--migrate", "--runs", "exp"]]
    originals = {p: p.read_bytes() for p in (plan, stale_doc)}
    for command in commands:
        for point in KILL_POINTS.values():
            code = (
                "import os, signal, sys\n"
                f"{point} = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
                "from planlint.cli import main\n"
                f"sys.exit(main({command!r}))\n"
            )
            proc = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, check=False)
            assert proc.returncode == -signal.SIGKILL, proc.stderr
            for path, data in originals.items():
                assert path.read_bytes() == data
    leftovers = [p for p in stale_doc.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers  # kill -9 leaves them; the next write cleans up
    long_ago = time.time() - 3600
    for p in leftovers:
        os.utime(p, (long_ago, long_ago))
    assert main(["fix", "--runs", "exp"]) == 0
    assert [p for p in stale_doc.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert_runs_added(originals[plan].decode("utf-8"), plan.read_text(encoding="utf-8"), NEW_RUNS)


def test_concurrent_fix_runs_add_each_run_once(repo: Path) -> None:
    shutil.copytree(EXAMPLES / "seed-sweep", repo / "exp")
    plan = repo / "exp" / "plan.yaml"
    before = grown(plan.read_text(encoding="utf-8"))
    plan.write_text(before, encoding="utf-8")
    code = "import sys; from planlint.cli import main; sys.exit(main(['fix', '--runs', 'exp']))"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(6)
    ]
    for p in procs:
        p.wait(timeout=60)
    assert_runs_added(before, plan.read_text(encoding="utf-8"), NEW_RUNS)
    assert main(["check", "exp"]) == 0


# --------------------------------------------------------------------------- fuzz


line_atoms = st.sampled_from(
    [
        "Capitalize: {input}",
        "# Answer with the word only",
        "#",
        "  # indented comment-like",
        "- a list-like line",
        "key: value-like",
        "",
        "   ",
        "{input}",
        "'quoted'",
        '"dq"',
        "---",
        "...",
        "é ü",
        "\t tab after spaces",
    ]
)
headers = st.sampled_from(["|", "|-", "|+", ">", ">-", ">+", "|2", "|2-", "|+2", ">2"])
tails = st.sampled_from(
    [
        "",
        "\n",
        "\n\n",
        "# trailing comment\n",
        "  # indented trailing comment\n",
        "\n# trailing\n\nnotes: {owner: me}\n",
        "notes:\n  a: |\n    # x\n",
    ]
)


def _block_scalars(draw: st.DrawFn, indent: str, keys: list[str]) -> str:
    out = ""
    for key in draw(st.lists(st.sampled_from(keys), min_size=1, max_size=len(keys), unique=True)):
        header = draw(headers)
        extra = "  " if "2" in header else ""
        body = draw(st.lists(line_atoms, min_size=1, max_size=5))
        out += f"{indent}{key}: {header}\n" + "".join(
            (f"{indent}  {extra}{line}" if line.strip() else line) + "\n" for line in body
        )
        out += draw(st.sampled_from(["", "\n", "\n\n", "   \n", f"{indent[:-2]}# between\n"]))
    return out


FIRST_RUN = (
    "  - name: Llama-3.2-1B_rank8_lr1e-5\n    type: fine-tuned\n    model: Llama-3.2-1B-Instruct\n"
    '    parameters: {lora_rank: 8, lr: 1e-5}\n    compute: {time: "0:10:00", gpus: 1, mem: 40G}\n'
)
SECOND_COMPUTE = (
    '    parameters: {lora_rank: 8, lr: 5e-5}\n    compute: {time: "0:10:00", gpus: 1, mem: 40G}\n'
)


@st.composite
def edited_plans(draw: st.DrawFn) -> str:
    """The seed plan grown by one learning rate, its runs last, with block scalars where edits
    land: the end of the last run, of a fine-tuned run, of a fine-tuned run's compute."""
    text = grown(SEED)
    if draw(st.booleans()):
        flow = (
            "  - {name: Llama-3.2-1B_rank8_lr1e-5, type: fine-tuned, model: Llama-3.2-1B-Instruct,"
            ' parameters: {lora_rank: 8, lr: 1e-5}, compute: {time: "0:10:00", gpus: 1}}\n'
        )
        text = edit(text, (FIRST_RUN, flow))
    second = draw(st.sampled_from(["as is", "compute", "run"]))
    if second == "compute":
        block = "    compute:\n      gpus: 1\n" + _block_scalars(draw, "      ", ["note", "why"])
        text = edit(text, (SECOND_COMPUTE, "    parameters: {lora_rank: 8, lr: 5e-5}\n" + block))
    elif second == "run":
        block = _block_scalars(draw, "    ", ["note", "why"])
        text = edit(text, (SECOND_COMPUTE, "    parameters: {lora_rank: 8, lr: 5e-5}\n" + block))
    runs_at, eval_at = text.index("runs:\n"), text.index("evaluation:\n")
    runs = text[runs_at:eval_at].rstrip("\n") + "\n"
    params = "      lora_rank: 8\n" + _block_scalars(draw, "      ", ["prompt", "system_prompt", "note"])
    runs = edit(runs, ("    parameters: {}\n", "    parameters:\n" + params))
    out = text[:runs_at] + text[eval_at:].rstrip("\n") + "\n" + runs + draw(tails)
    return out.replace("\n", draw(st.sampled_from(["\n", "\r\n", "\r"])))


def _implied() -> list[ImpliedRun]:
    params = (("lora_rank", 8, "8"), ("lr", 1e-4, "1e-4"))
    return [ImpliedRun("Llama-3.2-1B_rank8_lr1e-4", "fine-tuned", "Llama-3.2-1B-Instruct", 0, params)]


@given(edited_plans())
def test_fuzz_edits_lose_nothing(text: str) -> None:
    try:
        plain_load(text)
    except Exception:
        return  # not YAML to begin with (e.g. a tab where indentation is read)
    if load_plan(Path("plan.yaml"), text=text).fatal:
        return
    try:
        after = add_runs(text, _implied())
    except EditError:
        pass  # refused: the caller writes nothing
    else:
        old, new = plain_load(text), plain_load(after)
        assert new["runs"][:-1] == old["runs"]
        new["runs"] = old["runs"]
        assert new == old
    results = _estimates(text)
    try:
        written = estimate_edits(Path("plan.yaml"), text, results, overwrite=True, basis=True).text
    except EditError:
        return
    assert plain_load(written) == _expected_estimates(plain_load(text), results)


@pytest.mark.parametrize(
    "first_run",
    [
        "  - &r1\n    name: {name}\n    type: fine-tuned\n    model: Llama-3.2-1B-Instruct\n"
        "    parameters: &p {{lora_rank: 4, lr: 1e-5}}\n",
        "  - name: {name}\n    type: fine-tuned\n    model: Llama-3.2-1B-Instruct\n"
        "    parameters: !!map {{lora_rank: 4, lr: 1e-5}}\n",
        "  - &r1 {{name: {name}, type: fine-tuned, model: Llama-3.2-1B-Instruct, parameters: {{lora_rank: 4, lr: 1e-5}}}}\n",
    ],
    ids=["anchored flow parameters", "tagged flow parameters", "anchored flow run"],
)
def test_added_runs_follow_flow_style_behind_an_anchor_or_tag(repo: Path, first_run: str) -> None:
    """An anchor or tag in front of a flow mapping is no block style (the new runs' parameters
    were indented by 20 spaces after `parameters: &p {...}`)."""
    text = TWO_MODEL_ONE.replace("RUNS\n", first_run.format(name="Llama-3.2-1B-Instruct_rank4_lr1e-5"))
    (repo / "plan.yaml").write_text(text, encoding="utf-8")
    assert main(["fix", "--runs", "plan.yaml"]) == 0
    after = (repo / "plan.yaml").read_text(encoding="utf-8")
    assert "    parameters:\n" not in after, after
    flow_run = first_run.startswith("  - &r1 {")
    wanted = (
        "  - {name: Llama-3.2-1B-Instruct_rank8_lr5e-5, type: fine-tuned, model: Llama-3.2-1B-Instruct,"
        if flow_run
        else "    parameters: {lora_rank: 8, lr: 5e-5}\n"
    )
    assert wanted in after, after
    assert len(plain_load(after)["runs"]) == 5  # three sweep runs and the base control added


TWO_MODEL_ONE = """experiment:
  name: cap_1B_rank_lr
  question: Which LoRA rank and learning rate capitalize best?
  date: "2026-06-12"
  dir: /scratch/gpfs/me/ck-projects/capitalization/cap_1B_rank_lr
variables:
  lora_rank: [4, 8]
  lr: [1e-5, 5e-5]
controls:
  epochs: 1
  batch_size: 4
  system_prompt: ""
  dataset_type: chat_completion
models:
  base:
    - name: Llama-3.2-1B-Instruct
      path: /scratch/gpfs/me/pretrained-llms/Llama-3.2-1B-Instruct
data:
  training:
    path: /scratch/gpfs/me/ck-data/capitalization/words_5L_80P_1000.json
    splits: {train: 800, validation: 100}
runs:
RUNS
"""
