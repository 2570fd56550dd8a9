"""Paired, interleaved benchmarks of every command against its baseline; prints markdown tables.

Each figure is a run of a command and of its baseline, alternated round by round in fresh
processes, so load on a shared machine hits both alike. Reported per side: the median CPU
time (user + system of the child, the steadier figure on a busy machine), the median wall time
and the peak RSS; and the median of the per-round ratios (CPU). Asserts nothing.

    python bench/paired.py [--rounds 7] [--sizes 10000,100000] [--baseline PATH/TO/planlint]
                           [--only 'fix --runs,check --fix'] [--big-rounds 3]

Baselines: the import floor (`python -c 'import ruamel.yaml, jsonschema, click, markdown_it'`)
and check-jsonschema for a cold check; `check` of the same plan for every other command on a
10,000-run plan; with --baseline, the same command run by another planlint (before/after).
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from planfactory import sweep_plan, write_plan  # noqa: E402

# Users' installs have .pyc files; PYTHONDONTWRITEBYTECODE would make every run a first run.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["GIT_CONFIG_GLOBAL"] = os.devnull


@dataclass
class Runs:
    """Figures of one side of a pair, one entry per round."""

    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    rss_kb: int = 0


def once(cmd: list[str], cwd: Path, prepare: Callable[[], None] | None = None) -> tuple[float, float, int]:
    """CPU seconds (user + system), wall seconds and peak RSS (KB) of one run of `cmd`."""
    if prepare is not None:
        prepare()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss


def paired(
    a: list[str],
    b: list[str],
    cwd: Path,
    rounds: int,
    prepare: Callable[[], None] | None = None,
) -> tuple[Runs, Runs, list[float]]:
    """Run `a` and `b` alternately (the order flips every round); per-round CPU ratios a/b."""
    ra, rb, ratios = Runs(), Runs(), []
    once(a, cwd, prepare)  # warm the page cache and .pyc files
    once(b, cwd, prepare)
    for i in range(rounds):
        order = [(a, ra), (b, rb)] if i % 2 == 0 else [(b, rb), (a, ra)]
        got = {}
        for cmd, runs in order:
            cpu, wall, rss = once(cmd, cwd, prepare)
            runs.cpu.append(cpu)
            runs.wall.append(wall)
            runs.rss_kb = max(runs.rss_kb, rss)
            got[id(runs)] = cpu
        ratios.append(got[id(ra)] / got[id(rb)])
    return ra, rb, ratios


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def row(name: str, runs: Runs, ratio: str = "") -> str:
    cpu, wall = statistics.median(runs.cpu), statistics.median(runs.wall)
    return f"| {name} | {_ms(cpu)} | {_ms(wall)} | {runs.rss_kb / 1024:.0f} MB | {ratio} |"


def pair_rows(label_a: str, label_b: str, result: tuple[Runs, Runs, list[float]]) -> list[str]:
    ra, rb, ratios = result
    spread = f"{statistics.median(ratios):.2f}x (pairs {min(ratios):.2f}-{max(ratios):.2f})"
    return [row(label_a, ra, spread), row(label_b, rb, "baseline")]


def tool(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True)


def ten_k_repo(tmp: Path, n: int) -> Path:
    """A git repository with an n-run plan and its PLAN.md committed, then the sweep grown by a
    seed in the working tree (so `diff` has runs to report)."""
    repo = tmp / f"repo{n}"
    plan = write_plan(repo / "exp", n)
    (repo / ".planlint.toml").write_text("max-file-size-mb = 200\n", encoding="utf-8")
    doc = plan.parent / "PLAN.md"
    doc.write_text(
        "# Plan\n\n## All Runs\n\n<!-- planlint:begin all-runs -->\n<!-- planlint:end all-runs -->\n",
        encoding="utf-8",
    )
    planlint = tool("planlint")
    assert planlint is not None
    subprocess.run([planlint, "fix", str(doc)], cwd=repo, env=ENV, capture_output=True, check=False)
    git(repo, "init", "-q")
    git(repo, "-c", "user.name=b", "-c", "user.email=b@b", "add", "-A")
    git(repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "plan")
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("lr: [1e-5,", "lr: [3e-5, 1e-5,", 1), encoding="utf-8")
    return repo


def fewer_runs(text: str) -> str:
    """The plan with every tenth fine-tuned run left out (for `fix --runs` to add back)."""
    head, runs = text.split("runs:\n", 1)
    items = runs.split("  - name: ")[1:]
    kept = [it for i, it in enumerate(items) if i % 10 != 3 or "type: control" in it]
    return head + "runs:\n" + "".join("  - name: " + it for it in kept)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--sizes", default="10000,100000", help="plan sizes; the first is the command table's"
    )
    parser.add_argument("--baseline", help="another planlint executable: each figure before/after")
    parser.add_argument("--only", default="", help="comma list: only the commands whose name holds one")
    parser.add_argument(
        "--big-rounds", type=int, default=0, help="rounds for the larger sizes (default: rounds // 4)"
    )
    args = parser.parse_args()
    planlint = tool("planlint")
    if planlint is None:
        print("planlint is not installed in this environment", file=sys.stderr)
        return 2
    rounds = args.rounds
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, {rounds} rounds per pair")
    print()
    print("| command | CPU (median) | wall (median) | peak RSS | CPU ratio |")
    print("|---|---:|---:|---:|---:|")
    seed = ROOT / "examples" / "seed-sweep" / "plan.yaml"
    floor = [sys.executable, "-c", "import ruamel.yaml, jsonschema, click, markdown_it"]
    cold = [planlint, "check", str(seed)]
    print(
        "\n".join(
            pair_rows("cold `check` seed plan + PLAN.md", "import floor", paired(cold, floor, ROOT, rounds))
        )
    )
    cj = tool("check-jsonschema")
    if cj:
        theirs = [cj, "--schemafile", str(ROOT / "schemas" / "plan.schema.json"), str(seed)]
        print(
            "\n".join(
                pair_rows(
                    "cold `check` seed plan + PLAN.md", "check-jsonschema", paired(cold, theirs, ROOT, rounds)
                )
            )
        )
    if args.baseline:
        print(
            "\n".join(
                pair_rows(
                    "cold `check` (this)",
                    "cold `check` (baseline)",
                    paired(cold, [args.baseline, *cold[1:]], ROOT, rounds),
                )
            )
        )
    sizes = [int(s) for s in args.sizes.split(",") if s]
    big_rounds = args.big_rounds or max(1, rounds // 4)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        n = sizes[0]
        repo = ten_k_repo(tmp, n)
        plan = repo / "exp" / "plan.yaml"
        grown = plan.read_text(encoding="utf-8")
        short = fewer_runs(sweep_plan(n))
        doc = repo / "exp" / "PLAN.md"
        committed_doc = doc.read_bytes()
        logs = repo / "logs"
        logs.mkdir()

        # Every round starts from the same two files: the fixing commands rewrite PLAN.md, and a
        # doc left behind by one pair would make later `check`s measure another workload.
        def restore_full() -> None:
            plan.write_text(grown, encoding="utf-8")
            doc.write_bytes(committed_doc)

        def restore_short() -> None:
            plan.write_text(short, encoding="utf-8")
            doc.write_bytes(committed_doc)

        check = [planlint, "check", "exp"]
        commands: list[tuple[str, list[str], Callable[[], None] | None]] = [
            ("`check --fix`", [planlint, "check", "--fix", "exp"], None),
            ("`fix` (tables current)", [planlint, "fix", "exp"], None),
            (
                "`fix --runs` (adds 10 % of the runs)",
                [planlint, "fix", "--runs", "exp/plan.yaml"],
                restore_short,
            ),
            ("`diff HEAD`", [planlint, "diff", "HEAD"], None),
            ("`status`", [planlint, "status", "exp/plan.yaml"], None),
            ("`estimate` (no logs)", [planlint, "estimate", "exp/plan.yaml", "--logs", "logs/*.out"], None),
        ]
        print()
        print(f"Every command on a {n:,}-run plan, paired with `check` of it:")
        print()
        print("| command | CPU (median) | wall (median) | peak RSS | CPU ratio |")
        print("|---|---:|---:|---:|---:|")
        restore_full()
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        for name, cmd, prepare in commands:
            if wanted and not any(w in name for w in wanted):
                continue

            def both(prepare: Callable[[], None] | None = prepare) -> None:
                (prepare or restore_full)()

            print("\n".join(pair_rows(name, f"`check` {n:,} runs", paired(cmd, check, repo, rounds, both))))
            if args.baseline:
                before = [args.baseline, *cmd[1:]]
                print(
                    "\n".join(
                        pair_rows(
                            f"{name} (this)",
                            f"{name} (baseline)",
                            paired(cmd, before, repo, max(3, rounds // 2), both),
                        )
                    )
                )
        restore_full()
        if args.baseline:
            print(
                "\n".join(
                    pair_rows(
                        f"`check` {n:,} runs (this)",
                        "(baseline)",
                        paired(check, [args.baseline, *check[1:]], repo, rounds),
                    )
                )
            )
        for size in sizes[1:]:
            big = write_plan(tmp / f"p{size}", size)
            (big.parent / ".planlint.toml").write_text("max-file-size-mb = 200\n", encoding="utf-8")
            cmd = [planlint, "check", str(big)]
            print()
            print(f"`check` of a {size:,}-run plan ({big.stat().st_size / 1e6:.0f} MB):")
            print()
            print("| command | CPU (median) | wall (median) | peak RSS | CPU ratio |")
            print("|---|---:|---:|---:|---:|")
            if args.baseline:
                result = paired(cmd, [args.baseline, *cmd[1:]], big.parent, big_rounds)
                print("\n".join(pair_rows(f"`check` {size:,} runs (this)", "(baseline)", result)))
                for label, side in (("this", result[0]), ("baseline", result[1])):
                    print(f"| {label}: {side.rss_kb / size:.1f} KiB per run | | | | |")
            else:
                runs = Runs()
                for _ in range(big_rounds):
                    cpu, wall, rss = once(cmd, big.parent)
                    runs.cpu.append(cpu)
                    runs.wall.append(wall)
                    runs.rss_kb = max(runs.rss_kb, rss)
                print(
                    row(f"`check` {size:,} runs", runs, f"{runs.rss_kb * 1024 / size / 1024:.1f} KiB per run")
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
