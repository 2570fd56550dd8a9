"""Benchmark `planlint check` and `fix`: cold start against check-jsonschema, and scale in runs.

Prints figures; asserts nothing. Plans are generated at run time in a temp folder.

    python bench/check_speed.py [--repeat 11] [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from planfactory import write_plan  # noqa: E402

# Users' installs have .pyc files; PYTHONDONTWRITEBYTECODE would make every run a first run.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, int, int]:
    """Wall seconds, peak RSS (KB) and exit code of one run of `cmd`."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, proc.returncode


def median_run(cmd: list[str], repeat: int, cwd: Path | None = None) -> tuple[float, int]:
    times, peak = [], 0
    timed(cmd, cwd)  # warm the OS cache and .pyc files
    for _ in range(repeat):
        t, rss, _ = timed(cmd, cwd)
        times.append(t)
        peak = max(peak, rss)
    return statistics.median(times), peak


def pl2_seconds(plan: Path) -> float:
    from planlint.config import Config
    from planlint.plan.load import load_plan
    from planlint.plan.model import Plan
    from planlint.rules.base import Context
    from planlint.rules.runs import check

    loaded = load_plan(plan)
    best = float("inf")
    for _ in range(3):
        p = Plan(path=plan, display=plan.name, loaded=loaded, config=Config())
        start = time.perf_counter()
        list(check(p, Context()))
        best = min(best, time.perf_counter() - start)
    return best


def tool(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    planlint = tool("planlint")
    if planlint is None:
        print("planlint is not installed in this environment", file=sys.stderr)
        return 2
    seed = ROOT / "examples" / "seed-sweep"
    print(
        f"python {sys.version.split()[0]} on {os.uname().sysname} {os.uname().machine}, {os.cpu_count()} cpus"
    )
    print()
    print("| benchmark | median | peak RSS |")
    print("|---|---:|---:|")
    ours, rss = median_run([planlint, "check", str(seed / "plan.yaml")], args.repeat)
    print(f"| cold `planlint check` seed plan + PLAN.md | {ours * 1000:.0f} ms | {rss / 1024:.0f} MB |")
    cj = tool("check-jsonschema")
    if cj:
        theirs, rss = median_run(
            [cj, "--schemafile", str(ROOT / "schemas" / "plan.schema.json"), str(seed / "plan.yaml")],
            args.repeat,
        )
        print(
            f"| cold `check-jsonschema --schemafile` seed plan | {theirs * 1000:.0f} ms | {rss / 1024:.0f} MB |"
        )
        print(f"| ratio planlint / check-jsonschema | {ours / theirs:.2f} | |")
    else:
        print("| check-jsonschema | not installed (`pip install check-jsonschema`) | |")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory() as tmp:
        # a 100,000-run plan is ~19 MB: above the default 10 MB limit
        (Path(tmp) / ".planlint.toml").write_text("max-file-size-mb = 200\n", encoding="utf-8")
        previous, prev_n = None, 1
        for n in sizes:
            plan = write_plan(Path(tmp) / f"p{n}", n)
            t, rss = median_run([planlint, "check", str(plan)], 3 if n <= 10_000 else 1, cwd=Path(tmp))
            ratio = f" (x{t / previous:.1f} for x{n // prev_n})" if previous else ""
            print(f"| `check` {n:,} runs | {t:.2f} s{ratio} | {rss / 1024:.0f} MB |")
            previous, prev_n = t, n
        # the run rules alone (PL2), in process: linear, no quadratic duplicate search
        rule_times = []
        for n in (1_000, 10_000):
            rule_times.append((n, pl2_seconds(write_plan(Path(tmp) / f"r{n}", n))))
        (n1, t1), (n2, t2) = rule_times
        print(
            f"| PL2 rules alone {n1:,} / {n2:,} runs | {t1 * 1000:.0f} ms / {t2 * 1000:.0f} ms (x{t2 / t1:.1f}) | |"
        )
        # fix of a doc whose 10,000-row table is stale
        plan = write_plan(Path(tmp) / "fix", 10_000)
        doc = plan.parent / "PLAN.md"
        stale = "# Plan\n\n## All Runs\n\n<!-- planlint:begin all-runs -->\n| Run Name |\n|---|\n| old |\n<!-- planlint:end all-runs -->\n"
        doc.write_text(stale, encoding="utf-8")
        t, rss, _ = timed([planlint, "fix", str(doc)], cwd=Path(tmp))
        t2, rss2, _ = timed([planlint, "fix", str(doc)], cwd=Path(tmp))
        print(f"| `fix` 10,000-row table (write) | {t:.2f} s | {rss / 1024:.0f} MB |")
        print(f"| `fix` 10,000-row table (already current) | {t2:.2f} s | {rss2 / 1024:.0f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
