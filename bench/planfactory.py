"""Generate realistic plans of any size for benchmarks and tests (never committed)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

MODELS = [
    ("Llama-3.2-1B-Instruct", "Llama-3.2-1B"),
    ("Llama-3.2-3B-Instruct", "Llama-3.2-3B"),
    ("Llama-3.1-8B-Instruct", "Llama-3.1-8B"),
    ("Qwen2.5-0.5B-Instruct", "Qwen2.5-0.5B"),
]
LRS = ["1e-5", "2e-5", "5e-5", "1e-4", "2e-4", "5e-4", "1e-3", "3e-6", "5e-6", "7e-5"]


def sweep_plan(n_runs: int) -> str:
    """A valid plan with about `n_runs` runs: models x lora_rank x lr x seed, plus controls."""
    models = MODELS[:2]
    per_model = max(1, n_runs // len(models) - 1)
    ranks = [4, 8, 16, 32]
    lrs = LRS
    seeds_needed = max(1, math.ceil(per_model / (len(ranks) * len(lrs))))
    seeds = list(range(1, seeds_needed + 1))
    lines = [
        "experiment:",
        "  name: cap_scale_sweep",
        '  question: "How does a large sweep behave?"',
        '  date: "2026-11-24"',
        "variables:",
        f"  lora_rank: [{', '.join(map(str, ranks))}]",
        f"  lr: [{', '.join(lrs)}]",
        f"  seed: [{', '.join(map(str, seeds))}]",
        "controls:",
        "  epochs: 1",
        "  batch_size: 4",
        '  system_prompt: ""',
        "  dataset_type: chat_completion",
        "models:",
        "  base:",
    ]
    for name, short in models:
        lines += [f"    - name: {name}", f"      short: {short}", f"      path: /models/{name}"]
    lines += [
        "data:",
        "  training:",
        "    path: data/words_5L.json",
        "    splits: {train: 8000, validation: 1000, test: 1000}",
        "runs:",
    ]
    for name, short in models:
        for rank, lr, seed in itertools.product(ranks, lrs, seeds):
            lines += [
                f"  - name: {short}_rank{rank}_lr{lr}_seed{seed}",
                "    type: fine-tuned",
                f"    model: {name}",
                f"    parameters: {{lora_rank: {rank}, lr: {lr}, seed: {seed}}}",
                '    compute: {time: "0:30:00", gpus: 1}',
            ]
        lines += [
            f"  - name: {short}_base",
            "    type: control",
            f"    model: {name}",
            "    parameters: {}",
        ]
    return "\n".join(lines) + "\n"


def write_plan(folder: Path, n_runs: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "plan.yaml"
    path.write_text(sweep_plan(n_runs), encoding="utf-8")
    return path
