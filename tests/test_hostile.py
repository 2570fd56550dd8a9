"""Hostile inputs: each gets its finding within bounded time and memory, never a traceback."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES, rules_of

from planlint.cli import main
from planlint.commands.fix import fix
from planlint.config import Config
from planlint.engine import run

HOSTILE = Path(__file__).parent / "cases" / "hostile"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check_bounded(path: Path, seconds: float = 2.0) -> list[str]:
    start = time.perf_counter()
    findings = run([str(path)], Config(ignore=["PL504"])).findings
    assert time.perf_counter() - start < seconds
    return rules_of(findings)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("billion_laughs.yaml", "PL005"),
        ("python_tag.yaml", "PL007"),
        ("latin1.yaml", "PL003"),
        ("utf16.yaml", "PL003"),
        ("nul.yaml", "PL003"),
    ],
)
def test_hostile_corpus(repo: Path, name: str, rule: str) -> None:
    path = repo / "plan.yaml"
    shutil.copy(HOSTILE / name, path)
    assert rule in check_bounded(path)
    assert not Path("/tmp/planlint-pwned").exists()


def test_quadratic_blowup(repo: Path) -> None:
    items = ", ".join(["word"] * 3000)
    (repo / "plan.yaml").write_text(f"a: &a [{items}]\nb: [{', '.join(['*a'] * 3000)}]\n", encoding="utf-8")
    assert "PL005" in check_bounded(repo / "plan.yaml")


@pytest.mark.parametrize("levels", [10_000, 100_000])
def test_deep_nesting(repo: Path, levels: int) -> None:
    (repo / "plan.yaml").write_text("x: " + "[" * levels + "]" * levels + "\n", encoding="utf-8")
    assert check_bounded(repo / "plan.yaml") == ["PL006"]


def test_deep_block_nesting(repo: Path) -> None:
    text = "".join(" " * i + f"k{i}:\n" for i in range(3_000))
    (repo / "plan.yaml").write_text(text, encoding="utf-8")
    assert check_bounded(repo / "plan.yaml") == ["PL006"]


def test_100_mb_plan_is_refused_without_reading_it(repo: Path) -> None:
    path = repo / "plan.yaml"
    with path.open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert check_bounded(path, 1.0) == ["PL004"]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KB


def test_symlinked_plan_and_doc_outside_the_repo(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    shutil.copytree(EXAMPLES / "seed-sweep", outside / "seed")
    (repo / "exp").mkdir()
    (repo / "exp" / "plan.yaml").symlink_to(outside / "seed" / "plan.yaml")
    (repo / "exp" / "PLAN.md").symlink_to(outside / "seed" / "PLAN.md")
    found = rules_of(run(["exp"], Config()).findings)
    assert "PL015" in found and "PL507" in found
    before = (outside / "seed" / "PLAN.md").read_bytes()
    fix(["exp"], Config())
    assert (outside / "seed" / "PLAN.md").read_bytes() == before


def test_markers_swallowed_by_an_html_block(repo: Path) -> None:
    shutil.copytree(EXAMPLES / "seed-sweep", repo / "exp")
    shutil.copy(HOSTILE / "html_block.md", repo / "exp" / "NOTES.md")
    assert "PL502" in rules_of(run(["exp/NOTES.md"], Config()).findings)


def test_binary_junk_as_a_doc_and_as_a_plan(repo: Path) -> None:
    junk = os.urandom(4096) + b"planlint:"
    (repo / "plan.yaml").write_bytes(junk)
    (repo / "PLAN.md").write_bytes(junk)
    assert main(["check", "plan.yaml", "PLAN.md"]) == 1


# --------------------------------------------------------------------------- write safety


@pytest.fixture
def stale_doc(repo: Path) -> Path:
    shutil.copytree(EXAMPLES / "seed-sweep", repo / "exp")
    doc = repo / "exp" / "PLAN.md"
    doc.write_text(
        doc.read_text(encoding="utf-8").replace("| 8 | 1e-5 | 4 |", "| 8 | 2e-5 | 4 |"), encoding="utf-8"
    )
    return doc


def test_fix_keeps_the_file_mode(stale_doc: Path) -> None:
    stale_doc.chmod(0o640)
    fix(["exp"], Config())
    assert stat.S_IMODE(stale_doc.stat().st_mode) == 0o640
    assert "2e-5" not in stale_doc.read_text(encoding="utf-8")


def test_a_failing_rename_leaves_the_original_intact(
    stale_doc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = stale_doc.read_bytes()

    def broken_replace(src, dst):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    assert main(["fix", "exp"]) == 1
    assert stale_doc.read_bytes() == before
    assert [p.name for p in stale_doc.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_killed_between_write_and_rename_leaves_the_original_intact(stale_doc: Path) -> None:
    before = stale_doc.read_bytes()
    code = (
        "import os, signal, sys\n"
        "os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from planlint.cli import main\n"
        "sys.exit(main(['fix', 'exp']))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=stale_doc.parent.parent, capture_output=True, check=False
    )
    assert proc.returncode == -signal.SIGKILL
    assert stale_doc.read_bytes() == before


def test_concurrent_fixes_end_with_a_correct_file(stale_doc: Path) -> None:
    code = "import sys; from planlint.cli import main; sys.exit(main(['fix', 'exp']))"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=stale_doc.parent.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(6)
    ]
    for p in procs:
        p.wait(timeout=60)
    expected = (EXAMPLES / "seed-sweep" / "PLAN.md").read_bytes()
    assert stale_doc.read_bytes() == expected
    assert main(["check", "exp"]) == 0
