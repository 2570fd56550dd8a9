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
