"""Benchmark: generate realistic synthetic torchtune logs in a temp dir and scan them.

Each round runs, interleaved and each in a fresh process: a bare Python loop that reads every
file in 1 MiB chunks and counts its lines (the floor), the scan of this tree, and with
``--baseline DIR`` the scan of another checkout of planlint (e.g. ``git archive`` of main).
Medians and per-round ratios are printed, so a change in speed is quoted paired, not from two
separate runs. Wall time and CPU time (the process and its workers) are both reported: on a
shared machine the CPU figures are the steadier ones. ``--tree DIR`` keeps the generated tree
in DIR and reuses it on the next call (generation takes about a minute)."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from multiprocessing import Queue
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_BLOCKS = " \u258f\u258e\u258d\u258c\u258b\u258a\u2589\u2588"

CONFIG = """batch_size: {batch}
checkpointer:
  _component_: torchtune.training.FullModelHFCheckpointer
  checkpoint_dir: /scratch/models/{model}/
  checkpoint_files:
  - model.safetensors
  model_type: LLAMA3_2
  output_dir: /scratch/ck-projects/bench/{run}
  recipe_checkpoint: null
clip_grad_norm: null
compile: false
dataset:
  _component_: torchtune.datasets.chat_dataset
  data_files: /scratch/data/words_5L_80P_1000.json
  packed: false
  source: json
  split: train
device: cuda
dtype: bf16
enable_activation_checkpointing: true
epochs: {epochs}
gradient_accumulation_steps: {gas}
log_every_n_steps: 1
log_peak_memory_stats: true
lr_scheduler:
  _component_: torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup
  num_warmup_steps: 100
max_steps_per_epoch: null
metric_logger:
  _component_: torchtune.training.metric_logging.StdoutLogger
model:
  _component_: torchtune.models.llama3_2.lora_llama3_2_{size}
  apply_lora_to_mlp: true
  lora_alpha: 16
  lora_attn_modules:
  - q_proj
  - v_proj
  lora_rank: {rank}
optimizer:
  _component_: torch.optim.AdamW
  lr: 0.0003
output_dir: /scratch/ck-projects/bench/{run}
seed: 42
shuffle: true
tokenizer:
  _component_: torchtune.models.llama3.llama3_tokenizer
  max_seq_len: 512
  path: /scratch/models/{model}/original/tokenizer.model

"""


def _bar(i: int, n: int) -> str:
    frac = i / n
    full = int(frac * 10)
    rest = int((frac * 10 - full) * 8)
    text = "\u2588" * full + (_BLOCKS[rest] if full < 10 else "")
    return text.ljust(10)


def _clock(t: float) -> str:
    t = int(t)
    h, rem = divmod(t, 3600)
    m, s = divmod(rem, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def make_log(rng: random.Random, steps: int, epochs: int, variant: int, run: str) -> str:
    """One torchtune log: banner, config dump, memory, tqdm renders, Step lines, checkpoints."""
    size = rng.choice(["1b", "3b"])
    model = "Llama-3.2-1B-Instruct" if size == "1b" else "Llama-3.2-3B-Instruct"
    prefix = "INFO:torchtune.utils._logging:" if variant % 2 else ""
    rank = "[rank0]:" if variant == 3 else ""
    recipe = "LoRAFinetuneRecipeDistributed" if variant == 3 else "LoRAFinetuneRecipeSingleDevice"
    cfg = CONFIG.format(
        batch=rng.choice([4, 8, 16]),
        model=model,
        run=run,
        epochs=epochs,
        gas=rng.choice([1, 2]),
        size=size,
        rank=rng.choice([4, 8, 16]),
    )
    out = [f"{rank}{prefix}Running {recipe} with resolved config:\n\n"]
    out.extend(f"{rank}{line}\n" for line in cfg.splitlines())
    out.append(f"{rank}{prefix}Model is initialized with precision torch.bfloat16.\n")
    out.append(
        f"{rank}{prefix}Memory stats after model init:\n\tGPU peak memory active: 2.35 GiB\n"
        "\tGPU peak memory alloc: 2.35 GiB\n\tGPU peak memory reserved: 2.37 GiB\n"
    )
    sps = rng.uniform(0.2, 0.6)
    g = 0
    loss = 2.5
    for ep in range(1, epochs + 1):
        out.append(f"\r  0%|          | 0/{steps} [00:00<?, ?it/s]")
        for i in range(1, steps + 1):
            g += 1
            t = i * sps
            rate = f"{1 / sps:.2f}it/s" if sps < 1 else f"{sps:.2f}s/it"
            tail = (
                f"{100 * i // steps:3d}%|{_bar(i, steps)}| {i}/{steps} "
                f"[{_clock(t)}<{_clock((steps - i) * sps)}, {rate:>9}]"
            )
            out.append(f"\r{rank}{ep}|{g - 1}|Loss: {loss!r}: {tail}")
            loss = loss * 0.999 + rng.random() * 0.01
            out.append(f"\r{rank}{ep}|{g}|Loss: {loss!r}: {tail}")
            out.append(
                f"{rank}Step {g} | loss:{loss!r} lr:{rng.random() * 3e-4!r} "
                f"tokens_per_second_per_gpu:{rng.uniform(400, 900)!r} "
                f"peak_memory_active:{rng.uniform(10, 12)!r} "
                f"peak_memory_alloc:{rng.uniform(10, 12)!r} peak_memory_reserved:12.5 \n"
            )
        out.append(f"{rank}{prefix}Starting checkpoint save...\n")
        out.append(f"{rank}{prefix}Checkpoint saved in {rng.uniform(5, 40):.2f} seconds.\n")
    if variant == 2:
        out.append("wandb:\nwandb: Run summary:\nwandb:               global_step ")
        out.append(f"{g}\nwandb:                      loss {loss:.5f}\nwandb:\n")
    return "".join(out)


def generate(root: Path, files: int, megabytes: float, seed: int = 1) -> int:
    """Write ``files`` logs of ``megabytes`` MB in total under ``root``; return bytes written."""
    rng = random.Random(seed)
    per_step = 395  # bytes per step for these formats, roughly
    budget = megabytes * 1e6
    weights = [rng.uniform(0.2, 1.8) for _ in range(files)]
    scale = budget / sum(weights)
    written = 0
    cache: dict[tuple[int, int, int], str] = {}
    for k, w in enumerate(weights):
        epochs = rng.choice([1, 2, 3])
        steps = max(10, int(w * scale / per_step / epochs))
        steps = steps - steps % 10  # reuse generated logs for similar sizes
        variant = rng.randrange(4)
        key = (steps, epochs, variant)
        text = cache.get(key)
        if text is None:
            text = make_log(rng, steps, epochs, variant, f"run{k}")
            if len(cache) < 64:
                cache[key] = text
        job = 4000000 + k
        folder = root / f"proj{k % 7}" / f"exp{k % 13}" / f"run{k}" / "artifacts"
        folder.mkdir(parents=True, exist_ok=True)
        data = text.replace("/bench/run", f"/bench/{k}-run", 2).encode()
        (folder / f"slurm-{job}.out").write_bytes(data)
        written += len(data)
        if k % 97 == 0:  # a copy in artifacts/epoch_0/, which the scan must count once
            (folder / "epoch_0").mkdir(exist_ok=True)
            (folder / "epoch_0" / f"slurm-{job}.out").write_bytes(data)
    return written


def _peak_rss_mb() -> tuple[float, float]:
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 2**20
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    return own, kids


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its children waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _scan_in_child(pattern: str, workers: int | None, baseline: str | None, out: Queue) -> None:  # type: ignore[type-arg]
    """Run in a fresh (spawned) process so its peak RSS is the scan's alone."""
    if baseline:
        sys.path.insert(0, baseline)
    from planlint.logs import scan

    c = _cpu()
    t = time.perf_counter()
    res = scan([pattern], workers=workers)
    secs = time.perf_counter() - t
    cpu = _cpu() - c
    usable = sum(1 for r in res.training if r.why_no_estimate() is None)
    out.put((res.files, len(res.duplicates), res.bytes, secs, cpu, usable, *_peak_rss_mb()))


def _bare_in_child(root: str, out: Queue) -> None:  # type: ignore[type-arg]
    """The floor: read every log in 1 MiB chunks and count its lines, nothing else."""
    c = _cpu()
    t = time.perf_counter()
    lines = 0
    nbytes = 0
    for folder, _dirs, names in os.walk(root):
        for name in names:
            if name.startswith("slurm-") and name.endswith(".out") and "epoch_" not in folder:
                with open(os.path.join(folder, name), "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        lines += chunk.count(b"\n")
                        nbytes += len(chunk)
    out.put((nbytes, time.perf_counter() - t, _cpu() - c))


def _profile(pattern: str, workers: int | None, top: int) -> None:
    """One scan in this process under cProfile, its functions sorted by their own time."""
    import cProfile
    import pstats

    from planlint.logs import scan

    prof = cProfile.Profile()
    prof.runcall(scan, [pattern], workers=workers or 1)
    pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(top)


def _median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _ratio_line(label: str, num: list[float], den: list[float], pct: bool) -> str:
    """Median of per-round ratios num/den, with every round's ratio."""
    ratios = [a / b for a, b in zip(num, den, strict=True)]
    fmt = (lambda r: f"{r:.0%}") if pct else (lambda r: f"x{r:.2f}")
    return f"{label}{fmt(_median(ratios))} (per round: " + ", ".join(map(fmt, ratios)) + ")"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--mb", type=float, default=1000.0)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--baseline", metavar="DIR", help="another planlint checkout to scan with, paired")
    ap.add_argument("--tree", metavar="DIR", help="keep the generated tree here and reuse it")
    ap.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="instead of timing, profile one in-process scan (cProfile) and print its N costliest functions",
    )
    args = ap.parse_args(argv)
    keep = args.tree is not None
    root = Path(args.tree) if keep else Path(tempfile.mkdtemp(prefix="planlint-logscan-"))
    stamp = root / ".planlint-logscan"
    wanted = f"{args.files} {args.mb} {args.seed}"
    try:
        # Generation runs in its own process: Linux carries a parent's peak RSS into its
        # children, so the scanning process must be started from a small parent.
        ctx = multiprocessing.get_context("spawn")
        t0 = time.perf_counter()
        reused = keep and stamp.is_file() and stamp.read_text() == wanted
        if not reused:
            if keep and root.exists():
                shutil.rmtree(root)
            root.mkdir(parents=True, exist_ok=True)
            gen = ctx.Process(target=generate, args=(root, args.files, args.mb, args.seed))
            gen.start()
            gen.join()
            if keep:
                stamp.write_text(wanted)
        gen_s = time.perf_counter() - t0
        pattern = str(root / "**" / "slurm-*.out")
        if args.profile:
            _profile(pattern, args.workers, args.profile)
            return 0

        def child(target: object, *a: object) -> tuple[object, ...]:
            q = ctx.Queue()
            proc = ctx.Process(target=target, args=(*a, q))  # type: ignore[arg-type]
            proc.start()
            got = q.get()
            proc.join()
            return got  # type: ignore[no-any-return]

        bare: list[float] = []
        bare_cpu: list[float] = []
        new: list[float] = []
        new_cpu: list[float] = []
        old: list[float] = []
        old_cpu: list[float] = []
        for _ in range(max(1, args.rounds)):
            _nb, bsecs, bcpu = child(_bare_in_child, str(root))
            bare.append(float(bsecs))  # type: ignore[arg-type]
            bare_cpu.append(float(bcpu))  # type: ignore[arg-type]
            files, dups, nbytes, secs, cpu, usable, own, kids = child(
                _scan_in_child, pattern, args.workers, None
            )
            new.append(float(secs))  # type: ignore[arg-type]
            new_cpu.append(float(cpu))  # type: ignore[arg-type]
            if args.baseline:
                base = child(_scan_in_child, pattern, args.workers, args.baseline)
                old.append(float(base[3]))  # type: ignore[arg-type]
                old_cpu.append(float(base[4]))  # type: ignore[arg-type]
        mb = float(nbytes) / 1e6  # type: ignore[arg-type]
        how = "reused" if reused else "not timed"
        print(f"generated      {gen_s:.1f} s ({how}; files are in the page cache)")
        print(f"files          {files} scanned, {dups} copies in epoch_N/ skipped")
        print(f"MB             {mb:.1f}")
        print(f"rounds         {len(new)} (bare loop, scan{', baseline scan' if old else ''}; interleaved)")
        print(
            f"bare loop      {_median(bare):.2f} s = {mb / _median(bare):.0f} MB/s (one process), "
            f"CPU {_median(bare_cpu):.2f} s"
        )
        print(
            f"scan           {_median(new):.2f} s = {mb / _median(new):.0f} MB/s, CPU {_median(new_cpu):.2f} s"
        )
        print(_ratio_line("scan / bare    ", bare, new, True) + " wall")
        print(_ratio_line("               ", bare_cpu, new_cpu, True) + " CPU")
        if old:
            print(
                f"baseline scan  {_median(old):.2f} s = {mb / _median(old):.0f} MB/s, "
                f"CPU {_median(old_cpu):.2f} s"
            )
            print(_ratio_line("base / bare    ", bare, old, True) + " wall")
            print(_ratio_line("               ", bare_cpu, old_cpu, True) + " CPU")
            print(_ratio_line("speed-up       ", old, new, False) + " wall")
            print(_ratio_line("               ", old_cpu, new_cpu, False) + " CPU")
        print(f"usable priors  {usable}")
        print(f"peak RSS       {own:.0f} MB (scanning process), {kids:.0f} MB (largest worker)")
        print(f"cpus           {os.cpu_count()}")
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
