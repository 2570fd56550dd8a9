"""The checklist's advanced step in `planlint init`: batch size and time from prior runs' logs.

The checklist says "for help estimating: check `{scratch_dir}/*/slurm-*.out` for similar runs".
init looks there (or where `--logs` / the `log-globs` setting say), and when it finds torchtune
training logs it runs the estimator on the plan it is about to write and writes each run's
`compute.time`, the value `planlint estimate --write` stores. A batch size is never
changed: the suggestions are reported, as `estimate` reports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from planlint.config import Config

if TYPE_CHECKING:
    from planlint.estimate.model import Estimate
    from planlint.logs import ScanResult

#: Where the checklist says prior runs' logs are.
CHECKLIST_GLOB = "{scratch}/*/slurm-*.out"


def prior_globs(given: Sequence[str], config: Config) -> list[str]:
    """`--logs` globs, else the `log-globs` setting, else the checklist's `{scratch}/*/slurm-*.out`
    and cruijff_kit's run folders under the configured scratch; none without any of them."""
    from planlint.estimate.plan import NoLogs, log_globs

    try:
        globs = log_globs(given, config)
    except NoLogs:
        return []
    if not given and not config.log_globs and config.scratch:
        globs = [CHECKLIST_GLOB.replace("{scratch}", config.scratch.rstrip("/")), *globs]
    return globs


@dataclass
class Priors:
    """The logs found for the estimate step: the globs read and what the scan found."""

    globs: list[str]
    scan: ScanResult

    @property
    def training(self) -> int:
        """Training logs among them (what the estimator learns from)."""
        return len(self.scan.training)

    @property
    def where(self) -> str:
        return ", ".join(self.globs[:2]) + (f" and {len(self.globs) - 2} more" if len(self.globs) > 2 else "")


def find_priors(globs: Sequence[str]) -> Priors | None:
    """The prior runs' logs the globs name, or None when no glob was given or configured."""
    if not globs:
        return None
    from planlint.estimate.plan import scan_logs

    return Priors(list(globs), scan_logs(globs))


def estimates_for(text: str, config: Config, priors: Priors) -> tuple[dict[str, Estimate], list[str]]:
    """The estimate of every fine-tuned run of plan.yaml's `text` that got a time (by run name),
    and notes: how many runs got one, the batch sizes the estimator suggests."""
    from planlint.estimate.plan import estimate_plan, run_spec, settings_for
    from planlint.plan.load import load_plan
    from planlint.plan.model import Plan

    path = Path("plan.yaml")
    plan = Plan(path=path, display=path.name, loaded=load_plan(path, text=text), config=config)
    found = estimate_plan(plan, priors.scan.records, settings_for(config))
    results = [r.estimate for r in found]
    planned = {
        r.estimate.run: (spec.batch_size, spec.gradient_accumulation_steps)
        for r in found
        for spec in [run_spec(plan, r.run)]
    }
    timed = {e.run: e for e in results if e.time is not None}
    logs = f"{priors.training} prior training log{'s' if priors.training != 1 else ''}"
    notes = [f"compute.time of {len(timed)} of {len(results)} fine-tuned runs estimated from {logs}"]
    suggested: dict[tuple[int, int], list[str]] = {}
    for e in timed.values():
        if e.batch_size_suggestion is not None:
            key = (e.batch_size_suggestion, e.gradient_accumulation_suggestion or 1)
            if key != planned.get(e.run):
                suggested.setdefault(key, []).append(e.run)
    for (batch, accum), runs in sorted(suggested.items()):
        shown = runs[0] + (f" and {len(runs) - 1} more" if len(runs) > 1 else "")
        notes.append(
            f"the estimator suggests batch size {batch} x grad-accum {accum} for {shown} "
            "(`planlint estimate plan.yaml --apply-batch-size --write` applies it)"
        )
    missing = [e for e in results if e.time is None]
    if missing:
        first = missing[0].basis.splitlines()[0] if missing[0].basis else "no prior log fits"
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        notes.append(f"no estimate for {missing[0].run}{more}: {first}")
    return timed, notes
