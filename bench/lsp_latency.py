"""Warm latency of `planlint lsp`: from a change of an open plan to its published diagnostics.

Prints figures; asserts nothing. A real `planlint lsp` process is driven over stdio by pygls'
client: the plan is opened, diagnosed once (warm-up), then changed `--repeat` times (a value
toggled, as a keystroke would: a control, which every run reads, or a value in one run); each time the wall time from sending the change to receiving
the diagnostics of that version is measured, with the server's CPU time over the same span
(from /proc, so a loaded machine shows in wall time, not in CPU). The debounce pause is included.

    python bench/lsp_latency.py [--runs 10000] [--repeat 7] [--baseline SRC --rounds 3]

With --baseline (a source tree of another planlint, e.g. `git archive` of an older commit), the
two servers are measured in alternate rounds, a fresh process each, and the medians and the
median per-round CPU ratio are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

from planfactory import sweep_plan

ROOT = Path(__file__).resolve().parent.parent
PLANLINT = str(Path(sys.executable).parent / "planlint")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_command(source: str | None) -> list[str]:
    """This planlint's `planlint lsp`, or the one whose source tree is `source`."""
    if source is None:
        return [PLANLINT, "lsp"]
    code = f"import sys; sys.path.insert(0, {source!r}); from planlint.lsp.server import main; main()"
    return [sys.executable, "-c", code]


async def measure(
    folder: Path, text: str, toggle: tuple[str, str], repeat: int, command: list[str] | None = None
) -> tuple[list[float], list[float]]:
    """Wall and server-CPU seconds per change, after one warm-up diagnosis."""
    client = LanguageClient("bench", "1")
    published: dict[int, float] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _diagnostics(params: types.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            published[params.version] = time.perf_counter()

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def _log(params: types.LogMessageParams) -> None:
        pass

    await client.start_io(*(command or server_command(None)))
    pid = client._server.pid  # type: ignore[attr-defined]
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=folder.as_uri())
    )
    client.initialized(types.InitializedParams())
    uri = (folder / "plan.yaml").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)
        )
    )
    while 1 not in published:
        await asyncio.sleep(0.005)
    walls, cpus = [], []
    for i in range(repeat):
        version = i + 2
        new = text.replace(*toggle, 1) if i % 2 == 0 else text
        cpu0, start = _cpu_seconds(pid), time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [types.TextDocumentContentChangeWholeDocument(text=new)],
            )
        )
        while version not in published:
            await asyncio.sleep(0.002)
        walls.append(published[version] - start)
        cpus.append(_cpu_seconds(pid) - cpu0)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return walls, cpus


def _measured(
    folder: Path, text: str, toggle: tuple[str, str], repeat: int, command: list[str]
) -> tuple[list[float], list[float]]:
    work = Path(tempfile.mkdtemp(prefix="planlint-lsp-ws-"))
    try:
        shutil.copy(folder / "plan.yaml", work / "plan.yaml")
        for doc in folder.glob("*.md"):
            shutil.copy(doc, work / doc.name)
        return asyncio.run(measure(work, text, toggle, repeat, command))
    finally:
        shutil.rmtree(work)


def _paired(label: str, folder: Path, text: str, toggle: tuple[str, str], args: Any) -> None:
    """This server and the baseline's in alternate rounds (the order flips every round)."""
    sides = {"after": server_command(None), "before": server_command(args.baseline)}
    cpus: dict[str, list[float]] = {"after": [], "before": []}
    walls: dict[str, list[float]] = {"after": [], "before": []}
    ratios = []
    for r in range(args.rounds):
        order = ["after", "before"] if r % 2 == 0 else ["before", "after"]
        got = {}
        for side in order:
            wall, cpu = _measured(folder, text, toggle, args.repeat, sides[side])
            cpus[side] += cpu
            walls[side] += wall
            got[side] = statistics.median(cpu)
        ratios.append(got["after"] / got["before"])
    print(
        f"  {label:<24} server CPU median before {statistics.median(cpus['before']) * 1000:6.0f} ms,"
        f" after {statistics.median(cpus['after']) * 1000:6.0f} ms;"
        f" wall median before {statistics.median(walls['before']) * 1000:6.0f} ms,"
        f" after {statistics.median(walls['after']) * 1000:6.0f} ms;"
        f" median per-round CPU ratio {statistics.median(ratios):.2f} ({args.rounds} rounds x {args.repeat} changes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--baseline", help="source tree of the planlint to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    example = ROOT / "examples" / "two-model-sweep"
    cases = [
        (
            "two-model example",
            example,
            (example / "plan.yaml").read_text(encoding="utf-8"),
            ("  seed: 14", "  seed: 15"),
        ),
    ]
    big = Path(tempfile.mkdtemp(prefix="planlint-lsp-bench-"))
    try:
        big_text = sweep_plan(args.runs)
        (big / "plan.yaml").write_text(big_text, encoding="utf-8")
        key = next(line for line in big_text.splitlines() if line.startswith("  epochs: "))
        cases.append((f"{args.runs:,} runs, a control", big, big_text, (key, key + "0")))
        lines = big_text.splitlines()
        one = next(i for i, line in enumerate(lines) if line.startswith("    parameters: {lora_rank: 8"))
        value = lines[one]
        cases.append(
            (
                f"{args.runs:,} runs, one run",
                big,
                big_text,
                (value, value.replace("lora_rank: 8", "lora_rank: 16")),
            )
        )
        print(
            f"planlint lsp, warm, change -> diagnostics published ({args.repeat} changes each; debounce included)"
        )
        for label, folder, text, toggle in cases:
            if args.baseline:
                _paired(label, folder, text, toggle, args)
                continue
            walls, cpus = _measured(folder, text, toggle, args.repeat, server_command(None))
            print(
                f"  {label:<24} wall median {statistics.median(walls) * 1000:7.0f} ms"
                f" (min {min(walls) * 1000:.0f}, max {max(walls) * 1000:.0f});"
                f" server CPU median {statistics.median(cpus) * 1000:7.0f} ms"
            )
        print(f"  load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        shutil.rmtree(big)


if __name__ == "__main__":
    main()
