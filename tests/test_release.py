"""Releases that can be pinned: the version agrees everywhere, the pins in the docs name a real
commit, and the sdist and wheel build, pass `twine check`, carry their data files, and install
into a clean venv that checks the examples. One build per session (offline: pip's local mirror)."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

from planlint._version import __version__
from planlint.cli import main

RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.MULTILINE)
# What the installed package reads at run time (beside its modules).
PACKAGE_DATA = (
    "planlint/schemas/plan.schema.json",
    "planlint/commands/templates/status.html.j2",
    "planlint/plan/recipes.json",
    "planlint/py.typed",
)
# Where the docs pin planlint: a pre-commit `rev:` and an action's `uses:`.
PIN = re.compile(r"^[ -]*(?:rev: |uses: planlint/planlint@)([0-9A-Za-z._-]+)", re.MULTILINE)


def changelog_headings() -> list[str]:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return re.findall(r"^## .*$", text, re.MULTILINE)


def test_changelog_has_unreleased_on_top_then_the_released_version() -> None:
    headings = changelog_headings()
    assert headings[0] == "## [Unreleased]"
    releases = [RELEASE.match(h) for h in headings[1:]]
    assert all(releases), f"not a release heading: {headings[1:]}"
    assert releases[0].group(1) == __version__  # type: ignore[union-attr]
    versions = [tuple(int(p) for p in m.group(1).split(".")) for m in releases if m]
    dates = [m.group(2) for m in releases if m]
    assert versions == sorted(versions, reverse=True) and dates == sorted(dates, reverse=True)


def test_version_option_prints_the_changelog_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"planlint, version {__version__}\n"


def test_docs_pin_one_commit_that_holds_the_hooks_and_the_action() -> None:
    """Until a tag exists, every pin is the same full commit of this repository, and that
    commit has what pre-commit and `uses:` read."""
    texts = {
        "README.md": (ROOT / "README.md").read_text(encoding="utf-8"),
        "pre-commit-config.yaml": (EXAMPLES / "pre-commit-config.yaml").read_text(encoding="utf-8"),
        "github-workflow.yml": (EXAMPLES / "github-workflow.yml").read_text(encoding="utf-8"),
    }
    pins = {name: [m.group(1) for m in PIN.finditer(text)] for name, text in texts.items()}
    assert all(pins.values()), pins
    shas = {sha for found in pins.values() for sha in found}
    assert len(shas) == 1, f"the docs pin different revisions: {pins}"
    (sha,) = shas
    assert re.fullmatch(r"[0-9a-f]{40}", sha), f"{sha} is not a full commit (no tag exists yet)"
    tags = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert tags.stdout == "", "a tag exists: document pinning it"
    for path in ("action.yml", ".pre-commit-hooks.yaml"):
        got = subprocess.run(["git", "cat-file", "-e", f"{sha}:{path}"], cwd=ROOT, capture_output=True)
        assert got.returncode == 0, f"commit {sha} has no {path}"


@dataclass(frozen=True)
class Dist:
    sdist: Path
    wheel: Path


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """`python -m build` of this checkout, once per session (its build backend from pip's mirror)."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,) = out.glob("planlint-*.tar.gz")
    (wheel,) = out.glob("planlint-*-py3-none-any.whl")
    return Dist(sdist, wheel)


@pytest.mark.e2e
def test_sdist_and_wheel_pass_twine_check_with_the_version(dist: Dist) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(dist.sdist), str(dist.wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert dist.wheel.name == f"planlint-{__version__}-py3-none-any.whl"
    assert dist.sdist.name == f"planlint-{__version__}.tar.gz"
    with zipfile.ZipFile(dist.wheel) as wheel:
        meta = Parser().parsestr(wheel.read(f"planlint-{__version__}.dist-info/METADATA").decode())
    assert meta["Version"] == __version__ and meta["Requires-Python"] == ">=3.10"
    assert meta["Description-Content-Type"] == "text/markdown"


@pytest.mark.e2e
def test_wheel_carries_what_the_package_reads(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        names = set(wheel.namelist())
        schema = wheel.read("planlint/schemas/plan.schema.json")
    assert set(PACKAGE_DATA) <= names
    assert f"planlint-{__version__}.dist-info/licenses/LICENSE" in names
    assert schema == (ROOT / "schemas" / "plan.schema.json").read_bytes()  # the published schema itself
    assert not any(n.startswith(("tests/", "examples/")) for n in names)
    with tarfile.open(dist.sdist) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    assert {"schemas/plan.schema.json", "action.yml", "LICENSE", "CHANGELOG.md", "README.md"} <= members
    assert set(PACKAGE_DATA) - {"planlint/schemas/plan.schema.json"} <= members


@pytest.mark.e2e
def test_wheel_installs_into_a_clean_venv_and_checks_the_examples(dist: Dist, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python, planlint = venv / "bin" / "python", venv / "bin" / "planlint"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(dist.wheel)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    where = subprocess.run(
        [str(python), "-c", "import planlint; print(planlint.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)  # the wheel's planlint, not this checkout
    version = subprocess.run([str(planlint), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout == f"planlint, version {__version__}\n"
    check = subprocess.run([str(planlint), "check", "examples/"], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert re.search(r"^6 files checked: 0 errors, 0 warnings, \d+ info", check.stdout, re.MULTILINE)
    schema = subprocess.run(
        [str(planlint), "schema"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert (
        schema.stdout.strip() == (ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8").strip()
    )
