"""The console script turns the cyclic GC off for good and exits fast, losing no output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import SEED, edit

# Runs `planlint.cli.run` the way the console script does, with an exit handler that must never
# run (os._exit skips it) and a look at the GC as the command starts.
_SCRIPT = """
import atexit, gc, sys
import planlint.cli as cli
atexit.register(lambda: print("interpreter teardown ran", file=sys.stderr))
inner = cli.main
def spy(argv=None):
    print("gc on while the command runs:", gc.isenabled(), file=sys.stderr)
    return inner(argv)
cli.main = spy
sys.argv = ["planlint", *sys.argv[1:]]
cli.run()
"""


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_console_script_runs_without_gc_and_skips_teardown(tmp_path: Path) -> None:
    plan = edit(SEED, ("{lora_rank: 8, lr: 5e-5}", "{lora_rank: 8, lr: 5e-5, epoch: 2}"))
    (tmp_path / "plan.yaml").write_text(plan, encoding="utf-8")
    proc = _run(["check", "--no-layout", "plan.yaml"], tmp_path)
    assert "gc on while the command runs: False" in proc.stderr
    assert "interpreter teardown ran" not in proc.stderr
    # every finding and the summary reach a pipe although the process ends with os._exit
    assert "plan.yaml:" in proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1].startswith("1 file checked:")
    assert proc.returncode == 1


def test_console_script_keeps_exit_codes_and_stderr(tmp_path: Path) -> None:
    proc = _run(["check", "no-such-plan.yaml"], tmp_path)
    assert proc.returncode == 2
    assert (
        proc.stderr.strip().splitlines()[-1] == "planlint: error: no-such-plan.yaml: no such file or folder"
    )
    clean = _run(["rules", "--format", "json"], tmp_path)
    assert clean.returncode == 0
    assert clean.stdout.rstrip().endswith("}")


def test_console_script_output_to_a_closed_pipe_is_one_exit_code(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, "rules"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # the reader stops early, like `planlint rules | head -c 10`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 1)
    assert "Traceback" not in err


def test_a_hooks_cold_check_of_a_correct_plan_imports_only_what_it_uses(tmp_path: Path) -> None:
    # What a pre-commit hook does on every commit: check a named plan and its doc in a
    # repository whose pyproject.toml has nothing for planlint. Did-you-mean (difflib), git
    # listing (subprocess) and TOML (tomllib) are each a few ms of a cold start nobody uses here.
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "sweeps"\n', encoding="utf-8")
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "plan.yaml").write_text(SEED, encoding="utf-8")
    seed_doc = Path(__file__).resolve().parent.parent / "examples" / "seed-sweep" / "PLAN.md"
    (exp / "PLAN.md").write_text(seed_doc.read_text(encoding="utf-8"), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _SCRIPT, "check", "exp/plan.yaml", "exp/PLAN.md"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "0 errors" in proc.stdout, proc.stdout
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "planlint.plan.schema" in imported  # the import trace is real
    assert imported.isdisjoint({"difflib", "subprocess", "tomllib"}), imported & {
        "difflib",
        "subprocess",
        "tomllib",
    }
    # and a misspelt key still gets its suggestion (the lazy import works)
    (exp / "plan.yaml").write_text(edit(SEED, ("  batch_size: 4\n", "  batch_sise: 4\n")), encoding="utf-8")
    proc = _run(["check", "exp/plan.yaml"], tmp_path)
    assert "did you mean 'batch_size'?" in proc.stdout, proc.stdout
