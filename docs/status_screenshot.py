"""Regenerate docs/status-two-model.png: `planlint status --html` of the two-model example in Chromium.

The example's experiment folder is rebuilt in a temporary folder the way cruijff_kit leaves it part-way
through a sweep (runs trained, one out of memory, one drifted from the plan, one scaffolded, a folder
that is no run), then the page is opened in headless Chromium (Debian's /usr/bin/chromium, through
Playwright) and captured at full height.

    python docs/status_screenshot.py [--out docs/status-two-model.png] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "two-model-sweep" / "plan.yaml"
EXAMPLE_DIR = "/scratch/gpfs/me/ck-projects/capitalization/cap_lora_rank_lr_sweep"
OOM = "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB. GPU 0 has a total capacity of 79.15 GiB\n"


def part_way(exp: Path) -> None:
    """Run folders of the example as they stand mid-sweep."""
    for name in ("Llama-3.2-1B_rank4_lr1e-5", "Llama-3.2-1B_rank8_lr5e-5", "Llama-3.2-3B_rank4_lr1e-5"):
        for epoch in (0, 1):
            (exp / name / "artifacts" / f"epoch_{epoch}").mkdir(parents=True)
        (exp / name / "finetune.yaml").write_text("batch_size: 4\nepochs: 2\n", encoding="utf-8")
    oom = exp / "Llama-3.2-1B_rank4_lr5e-5" / "artifacts"
    (oom / "epoch_0").mkdir(parents=True)
    (oom / "slurm-5120932.out").write_text("Traceback (most recent call last):\n" + OOM, encoding="utf-8")
    drifted = exp / "Llama-3.2-3B_rank8_lr5e-5"
    (drifted / "artifacts" / "epoch_0").mkdir(parents=True)
    (drifted / "finetune.yaml").write_text("batch_size: 2\nepochs: 2\n", encoding="utf-8")
    (exp / "Llama-3.2-1B_rank8_lr1e-5").mkdir()
    (exp / "Llama-3.2-1B_rank8_lr1e-5" / "setup_finetune.yaml").write_text(
        "batch_size: 4\n", encoding="utf-8"
    )
    (exp / "Llama-3.2-1B_base" / "eval").mkdir(parents=True)
    (exp / "Llama-3.2-1B_base" / "finetune.slurm").write_text("#!/bin/bash\n", encoding="utf-8")
    (exp / "brave_turing" / "artifacts").mkdir(parents=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "status-two-model.png")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from planlint.cli import main as planlint_main

    args.out = args.out.resolve()
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # the page names the plan as the researcher would see it from the plan's folder
        exp = Path(tmp) / "cap_lora_rank_lr_sweep"
        exp.mkdir()
        part_way(exp)
        plan = Path(tmp) / "plan.yaml"
        plan.write_text(EXAMPLE.read_text(encoding="utf-8").replace(EXAMPLE_DIR, exp.name), encoding="utf-8")
        page_file = Path(tmp) / "status.html"
        code = planlint_main(["status", plan.name, "--html", page_file.name])
        if code:
            return code
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=args.chromium,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1180, "height": 800})
            page.goto(page_file.as_uri())
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
        os.chdir(here)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
