"""Benchmark `planlint status --html` (and the markdown and terminal grids) on a big sweep.

Prints figures; asserts nothing. The plan (2 models x lora_rank x lr x seed, from planfactory) and,
for the "with folders" case, a run folder with checkpoints for every other run are generated in a
temp folder.

    python bench/status_page.py [--runs 2000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from planfactory import sweep_plan

# Users' installs have .pyc files; PYTHONDONTWRITEBYTECODE would make every run a first run.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def cold(cmd: list[str], repeat: int) -> tuple[float, float, int]:
    """Median wall and CPU (user + system) seconds and max peak RSS (KB) of `cmd` in a fresh process."""
    times, cpu, peak = [], [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        cpu.append(usage.ru_utime + usage.ru_stime)
        peak = max(peak, usage.ru_maxrss)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}")
    return statistics.median(times), statistics.median(cpu), peak


def with_folders(folder: Path, n_runs: int) -> Path:
    """The plan with an experiment.dir holding a trained run folder for every other run."""
    exp = folder / "exp"
    text = sweep_plan(n_runs).replace("experiment:\n", f"experiment:\n  dir: {exp}\n", 1)
    names = [line.split("name: ", 1)[1] for line in text.splitlines() if line.startswith("  - name: ")]
    for name in names[::2]:
        (exp / name / "artifacts" / "epoch_0").mkdir(parents=True)
    plan = folder / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    return plan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    exe = [sys.executable, "-m", "planlint.cli"]
    print(f"| `planlint status`, {args.runs:,}-run plan | median wall | median CPU | peak RSS | output |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare"
        bare.mkdir()
        (bare / "plan.yaml").write_text(sweep_plan(args.runs), encoding="utf-8")
        full = Path(tmp) / "full"
        full.mkdir()
        cases = [
            ("no run folders", bare / "plan.yaml"),
            ("run folders for half the runs", with_folders(full, args.runs)),
        ]
        for label, plan in cases:
            out = plan.parent / "status.html"
            for what, extra, target in (
                ("table (text)", [], None),
                ("`--html`", ["--html", str(out)], out),
                ("`--format markdown`", ["--format", "markdown"], None),
                ("`--grid`", ["--grid"], None),
            ):
                wall, cpu, rss = cold([*exe, "status", str(plan), *extra], args.repeat)
                size = f"{target.stat().st_size / 1024:,.0f} KB" if target is not None else ""
                print(
                    f"| {what}, {label} | {wall * 1000:,.0f} ms | {cpu * 1000:,.0f} ms | {rss / 1024:,.0f} MB | {size} |"
                )


if __name__ == "__main__":
    main()
