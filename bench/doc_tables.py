"""Benchmark the doc side of `check` and `fix` on a 10,000-row All Runs table, paired.

Every round runs, interleaved and each in a fresh process, the baseline planlint (a revision
exported with `git archive`, default HEAD) and this tree, alternating which goes first. Three
cases: `check` of a doc whose table is current, `fix` of a stale table (written back), and `fix`
of a current table. Prints medians (CPU seconds unless --wall), the median of the per-round
ratios, and peak RSS.
Asserts nothing.

    python bench/doc_tables.py [--baseline REV] [--rows 10000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from planfactory import write_plan  # noqa: E402

#: Time CPU seconds (user + system) of each run instead of wall time (--wall): on a loaded
#: machine wall time mostly measures the other processes.
CPU = True
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
STALE = (
    "# Plan\n\n## All Runs\n\n<!-- planlint:begin all-runs -->\n| Run Name |\n|---|\n| old |\n"
    "<!-- planlint:end all-runs -->\n\nNotes after the table.\n"
)


def export(rev: str, into: Path) -> Path:
    """The `planlint` package of `rev` (and the schema it reads), unpacked under `into`."""
    data = subprocess.run(
        ["git", "archive", "--format=tar", rev, "planlint", "schemas"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def command(src: Path, *args: str) -> list[str]:
    code = f"import sys; sys.path.insert(0, {str(src)!r}); from planlint.cli import main; main()"
    return [sys.executable, "-c", code, *args]


def timed(cmd: list[str], cwd: Path, before: str | None = None, doc: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KB) of one run; exits when the command fails unexpectedly."""
    if before is not None and doc is not None:
        doc.write_text(before, encoding="utf-8")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = usage.ru_utime + usage.ru_stime if CPU else time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"{' '.join(cmd[3:])} failed: {err.decode(errors='replace')[-500:]}")
    return elapsed, usage.ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="HEAD")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--wall", action="store_true", help="time wall seconds, not CPU seconds")
    args = parser.parse_args()
    global CPU
    CPU = not args.wall
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base = export(args.baseline, tmp / "baseline")
        (tmp / ".git").mkdir()
        (tmp / ".planlint.toml").write_text("max-file-size-mb = 200\n", encoding="utf-8")
        plan = write_plan(tmp / "exp", args.rows)
        doc = plan.parent / "PLAN.md"
        doc.write_text(STALE, encoding="utf-8")
        subprocess.run(command(ROOT, "fix", str(doc)), cwd=tmp, env=ENV, capture_output=True)
        current = doc.read_text(encoding="utf-8")
        rows = current.count("\n| ") - 1
        cases = [
            ("`check` plan + current doc", ["check", str(plan)], current),
            ("`fix` stale table (writes)", ["fix", str(doc)], STALE),
            ("`fix` current table", ["fix", str(doc)], current),
        ]
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} cpus; {rows:,}-row table, baseline {args.baseline}"
        )
        print()
        print(
            "| case | baseline median | this tree median | median ratio (this / baseline) | peak RSS base / this |"
        )
        print("|---|---:|---:|---:|---:|")
        for label, cli, before in cases:
            old_t, new_t, ratios, old_rss, new_rss = [], [], [], 0, 0
            timed(command(base, *cli), tmp, before, doc)  # warm caches and .pyc files
            timed(command(ROOT, *cli), tmp, before, doc)
            for i in range(args.rounds):
                order = [("old", base), ("new", ROOT)]
                if i % 2:
                    order.reverse()
                got = {}
                for name, src in order:
                    got[name] = timed(command(src, *cli), tmp, before, doc)
                old_t.append(got["old"][0])
                new_t.append(got["new"][0])
                ratios.append(got["new"][0] / got["old"][0])
                old_rss = max(old_rss, got["old"][1])
                new_rss = max(new_rss, got["new"][1])
            print(
                f"| {label} | {statistics.median(old_t):.3f} s | {statistics.median(new_t):.3f} s | "
                f"{statistics.median(ratios):.2f} | {old_rss / 1024:.0f} / {new_rss / 1024:.0f} MB |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
