"""What `planlint init` writes: plan.yaml (its runs as `fix --runs` makes them) and PLAN.md."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planlint.commands.init.answers import Answers, InitError
from planlint.commands.init.discover import number_text, short_names
from planlint.commands.init.values import yaml_str
from planlint.config import Config
from planlint.estimate.steps import steps_per_epoch
from planlint.plan.yamltext import MAX_LINE, entry
from planlint.rules.training import DEFAULT_WARMUP

if TYPE_CHECKING:
    from planlint.estimate.model import Estimate
    from planlint.plan.model import Plan

PLAN_FILE = "plan.yaml"


DOC_FILE = "PLAN.md"


@dataclass
class Result:
    """What init wrote."""

    plan: Path
    doc: Path
    fine_tuned: int
    controls: int
    notes: list[str] = field(default_factory=list)
    #: the schema copy the plan's modeline names
    schema: Path | None = None

    @property
    def runs_text(self) -> str:
        """`4 fine-tuned runs + 1 control`."""
        parts = []
        if self.fine_tuned:
            parts.append(f"{self.fine_tuned} fine-tuned run{'s' if self.fine_tuned != 1 else ''}")
        if self.controls:
            parts.append(f"{self.controls} control{'s' if self.controls != 1 else ''}")
        return " + ".join(parts)


def schema_id() -> str:
    """The schema's `$id`, for the `yaml-language-server` comment at the top of the plan."""
    from planlint.schemafile import load_schema

    return str(load_schema().get("$id", "https://planlint.dev/schemas/plan.schema.json"))


def warmup_steps(a: Answers) -> int | None:
    """A warmup below torchtune's default 100 when the shortest run trains fewer steps than that."""
    if a.packing:
        return None  # packed sequences are unknown until the data is tokenized
    train = a.splits["train"]
    shortest: int | None = None
    for epochs in a.varied("epochs") or [a.epochs]:
        for bs in a.varied("batch_size") or [a.batch_size]:
            for gpus in a.varied("gpus") or [a.gpus]:
                total = steps_per_epoch(train, bs.value, 1, gpus.value) * epochs.value
                shortest = total if shortest is None else min(shortest, total)
    if shortest is None or shortest >= DEFAULT_WARMUP:
        return None
    return shortest // 10


def plan_head(a: Answers, warmup: int | None, modeline: str | None = None) -> str:
    """plan.yaml without its runs and evaluation (a yamllint-clean document)."""
    shorts = short_names(a.models)
    out = [
        modeline or f"# yaml-language-server: $schema={schema_id()}",
        "# Written by `planlint init`. The runs follow from the models, variables and",
        "# controls: after editing those, `planlint fix --runs` adds the missing runs",
        "# and `planlint fix` the tables.",
        "---",
        "experiment:",
        *entry("  ", "name", a.name),
        *entry("  ", "question", yaml_str(a.question)),
        f'  date: "{a.date}"',
    ]
    if a.hypothesis:
        out += entry("  ", "hypothesis", yaml_str(a.hypothesis))
    out += [f"  base_controls: {'true' if a.controls else 'false'}", ""]
    out += ["tools:", "  preparation: torchtune", "  evaluation: inspect-ai", ""]
    if a.variables:
        out.append("variables:")
        out += [f"  {key}: [{', '.join(v.text for v in values)}]" for key, values in a.variables]
    else:
        out.append("variables: {}")
    out += ["", "controls:", f"  epochs: {a.epochs.text}", f"  batch_size: {a.batch_size.text}"]
    out.append("  gradient_accumulation_steps: 1")
    out.append(f"  packed: {'true' if a.packing else 'false'}")
    out.append(f"  gpus: {a.gpus.text}")
    out.append(f"  validation_during_training: {'true' if a.validation else 'false'}")
    if warmup is not None:
        out.append(f"  num_warmup_steps: {warmup}")
    if a.lr is not None:
        out.append(f"  lr: {a.lr.text}")
    if a.lora_rank is not None:
        out.append(f"  lora_rank: {a.lora_rank.text}")
    out += entry("  ", "system_prompt", yaml_str(a.system_prompt))
    out += entry("  ", "prompt", yaml_str(a.prompt))
    out.append(f"  dataset_type: {a.dataset_type}")
    out += ["", "models:", "  base:"]
    for m in a.models:
        out += entry("    - ", "name", yaml_str(m.name))
        if m.name in shorts:
            out += entry("      ", "short", yaml_str(shorts[m.name]))
        out += entry("      ", "path", yaml_str(m.path))
        if m.size_gb:
            out.append(f"      size_gb: {number_text(m.size_gb)}")
    d = a.dataset
    out += [
        "",
        "data:",
        "  training:",
        *entry("    ", "path", yaml_str(d.text)),
        *entry("    ", "dataset_label", yaml_str(d.label)),
    ]
    if d.format:
        out.append(f"    format: {yaml_str(d.format)}")
    if d.size_kb is not None:
        out.append(f"    size_kb: {d.size_kb}")
    out.append("    splits: {" + ", ".join(f"{k}: {v}" for k, v in a.splits.items()) + "}")
    return "\n".join(out) + "\n"


def plan_text(
    a: Answers,
    config: Config,
    warmup: int | None,
    modeline: str | None = None,
    estimates: Mapping[str, Estimate] | None = None,
) -> tuple[str, int, int]:
    """The whole plan.yaml, its runs generated as `fix --runs` would (with the `compute` of
    their `estimates`, by run name); and the run counts."""
    from planlint.plan.load import load_plan
    from planlint.plan.model import Plan
    from planlint.plan.naming import implied_runs
    from planlint.plan.runtext import run_yaml

    head = plan_head(a, warmup, modeline)
    path = Path(PLAN_FILE)
    plan = Plan(path=path, display=PLAN_FILE, loaded=load_plan(path, text=head + "runs: []\n"), config=config)
    runs = list(implied_runs(plan, with_controls=a.controls))
    if not a.variables and (a.lora_rank is not None or a.lr is not None):
        runs = single_runs(plan, a, runs)
    text = (
        head
        + "\nruns:\n"
        + "".join(run_yaml(r) + "\n" + compute_yaml(estimates, r, a.gpus.value) for r in runs)
    )
    if a.eval_task:
        text += "\n" + evaluation_yaml(a, runs)
    fine_tuned = sum(r.type == "fine-tuned" for r in runs)
    return text, fine_tuned, len(runs) - fine_tuned


def single_runs(plan: Plan, a: Answers, controls: list[Any]) -> list[Any]:
    """Without variables but with a LoRA rank or a learning rate: one fine-tuned run per model
    on the controls (named by model and those settings), each before its model's control."""
    from planlint.plan.naming import ImpliedRun

    shorts = short_names(a.models)
    settings = [(k, v) for k, v in (("lora_rank", a.lora_rank), ("lr", a.lr)) if v is not None]
    tag = "_".join(f"{plan.abbrev(k)}{v.text}" for k, v in settings)
    out = []
    for index, m in enumerate(a.models):
        name = f"{shorts.get(m.name, m.name)}_{tag}"
        out.append(ImpliedRun(name, "fine-tuned", m.name, index, ()))
        out += [r for r in controls if r.model_index == index]
    return out


def compute_yaml(estimates: Mapping[str, Estimate] | None, run: Any, gpus: Any = 1) -> str:
    """A run's `compute` block: the estimate's time, what `estimate --write` stores (no basis:
    cruijff_kit keeps provenance out of the plan; `planlint estimate` prints it); and for a
    fine-tuned run on several GPUs their count, the one place cruijff_kit's scaffold reads it."""
    est = (estimates or {}).get(run.name)
    count = next((v for var, v, _ in run.parameters if var == "gpus"), gpus)
    lines = []
    if est is not None and est.time is not None:
        lines += entry("      ", "time", yaml_str(est.time))
    if run.type == "fine-tuned" and isinstance(count, int) and count > 1:
        lines.append(f"      gpus: {count}")
    return "\n".join(["    compute:", *lines]) + "\n" if lines else ""


def evaluation_yaml(a: Answers, runs: Iterable[Any]) -> str:
    """Every run on the task: fine-tuned runs at each of their epochs, controls once."""
    out = ["evaluation:", "  tasks:", *entry("    - ", "name", yaml_str(a.eval_task))]
    if a.eval_script:
        out += entry("      ", "script", yaml_str(a.eval_script))
    out += [*entry("      ", "dataset", yaml_str(a.dataset.text)), "  matrix:"]
    entries = []
    for r in runs:
        if r.type == "fine-tuned":
            epochs = next((v for var, v, _ in r.params if var == "epochs"), a.epochs.value)
            shown = "[" + ", ".join(str(e) for e in range(int(epochs))) + "]"
        else:
            shown = "null"
        entries.append((r.name, f"[{yaml_str(a.eval_task)}]", shown))
    flow = [f"    - {{run: {name}, tasks: {tasks}, epochs: {shown}}}" for name, tasks, shown in entries]
    if all(len(line) <= MAX_LINE for line in flow):
        out += flow
    else:  # one entry per key, so every line fits (and `fix --runs` adds entries in this style)
        for name, tasks, shown in entries:
            out += [f"    - run: {name}", f"      tasks: {tasks}", f"      epochs: {shown}"]
    return "\n".join(out) + "\n"


def doc_text(a: Answers, plan: Plan, fine_tuned: int) -> str:
    """PLAN.md: the researcher's prose (question, hypothesis, guidance) around generated regions.

    Every fact that follows from the plan (models, data, variables, training settings, run
    counts, GPUs) is inside a planlint region (`summary`, `all-runs`, `eval-matrix`), so `check`
    reports it stale and `fix` rewrites it when the plan changes.
    """
    from planlint.doc.render import render_lines, summary_lines

    config = plan.config
    out = [f"# {a.name}", "", "## Question", "", a.question, ""]
    out += [f"**Hypothesis:** {a.hypothesis}" if a.hypothesis else "**Hypothesis:** _to be written_", ""]
    out += [
        "## Design",
        "",
        "Generated from `plan.yaml` between the markers (`planlint fix` keeps it current); "
        "write your own notes outside them.",
        "",
        "<!-- planlint:begin summary -->",
        *summary_lines(plan),
        "<!-- planlint:end summary -->",
        "",
        "## All Runs",
        "",
        "<!-- planlint:begin all-runs -->",
        *render_lines(plan, "all-runs"),
        "<!-- planlint:end all-runs -->",
        "",
        "**Notes**:",
        '- **Type**: "Fine-tuned" for runs requiring training, "Control" for base model evaluation only',
        "- **Run Name**: matches the run's folder; names follow from the parameters",
        "- The table is generated from `plan.yaml`: edit the plan, then run `planlint fix`.",
        "",
        "## Evaluation",
        "",
    ]
    if a.eval_task:
        out += ["<!-- planlint:begin eval-matrix -->", *render_lines(plan, "eval-matrix")]
        out += ["<!-- planlint:end eval-matrix -->"]
    else:
        out.append(
            "_Which tasks, at which epochs: add `evaluation.tasks` and `evaluation.matrix` to plan.yaml._"
        )
    out += ["", "## Compute", ""]
    if fine_tuned and config.log_globs:
        out.append(
            "Estimate each run's time from prior runs' logs, then write it into the plan and this doc: "
            "`planlint estimate plan.yaml --write` (from this folder)."
        )
    elif fine_tuned:
        out.append(
            'Add each fine-tuned run\'s `compute: {time: "0:15:00"}` (SLURM time) to plan.yaml and run '
            "`planlint fix`; with `log-globs` configured, `planlint estimate plan.yaml --write` fills them in "
            "from prior runs' logs."
        )
    else:
        out.append("Nothing is trained: the runs are evaluations only.")
    return "\n".join(out) + "\n"


def write_schema_copy(folder: Path, force: bool = False) -> Path:
    """Write planlint's schema into the repository around `folder` (`schemas/plan.schema.json`
    at its root; outside a repository, beside the plan), for the plan's modeline to name."""
    from planlint.paths import repo_root
    from planlint.plan.schemacopy import DEFAULT_COPY, installed_schema, same_identity, write_copy

    root = repo_root(folder)
    if not (root / ".git").exists():
        root = folder
    target = root / DEFAULT_COPY
    if target.exists() and not same_identity(target):
        raise InitError(f"{target} exists and is not planlint's schema: move it, then run init again")
    if not target.is_file() or target.read_text(encoding="utf-8") != installed_schema():
        try:
            write_copy(target, force)
        except OSError as exc:
            raise InitError(f"{target}: not written: {exc}") from exc
    return target
