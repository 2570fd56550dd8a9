"""Render a plan's generated regions (the All Runs table, the evaluation matrix) as cells."""

from __future__ import annotations

from typing import Any

from planlint.doc.tabletext import format_table
from planlint.plan.load import YMap, YSeq
from planlint.plan.model import Plan, text_of
from planlint.slurmtime import format_est_time, parse_time

#: Column labels of well-known keys; any other key is title-cased; `naming.labels` overrides.
LABELS = {
    "lora_rank": "LoRA Rank",
    "lr": "Learning Rate",
    "batch_size": "Batch Size",
    "epochs": "Epochs",
    "gradient_accumulation_steps": "Grad Accum",
    "lora_alpha": "LoRA Alpha",
    "lora_dropout": "LoRA Dropout",
    "weight_decay": "Weight Decay",
    "max_seq_len": "Max Seq Len",
}
TYPE_LABELS = {"fine-tuned": "Fine-tuned", "control": "Control", "eval-only": "Eval-only"}


def label(plan: Plan, key: str) -> str:
    """The column label of parameter `key`: the plan's `naming.labels`, the known ones, else Title Case."""
    labels = plan.naming.get("labels")
    if isinstance(labels, dict) and isinstance(labels.get(key), str):
        return str(labels[key])
    if key in LABELS:
        return LABELS[key]
    return " ".join(part[:1].upper() + part[1:] for part in key.split("_") if part)


def _cell(container: Any, key: str) -> str | None:
    if not isinstance(container, dict) or key not in container:
        return None
    value = container[key]
    if isinstance(value, (dict, list)):
        return None
    return text_of(container, key)


def est_time(run: YMap) -> str:
    """The Est. Time cell: `~10min`, `?` without an estimate, `N/A` for runs that do not train."""
    if run.get("type") != "fine-tuned":
        return "N/A"
    compute = run.get("compute")
    if not isinstance(compute, YMap) or "time" not in compute:
        return "?"
    raw = compute["time"]
    seconds = parse_time(raw if isinstance(raw, int) and not isinstance(raw, bool) else str(raw))
    return format_est_time(seconds) if seconds is not None else "?"


def all_runs(plan: Plan) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the All Runs table, straight from the plan."""
    variables = list(plan.variables)
    header = ["Run Name", "Model", *(label(plan, v) for v in variables)]
    if "batch_size" not in variables:
        header.append(label(plan, "batch_size"))
    header += ["Type", "Est. Time"]
    columns = [*variables, *([] if "batch_size" in variables else ["batch_size"])]
    controls = plan.controls
    rows = []
    for _, run in plan.runs():
        rtype = run.get("type")
        params = run.get("parameters")
        row = [_scalar(run, "name"), _scalar(run, "model")]
        for key in columns:
            if rtype != "fine-tuned":
                row.append("-")
                continue
            cell = _cell(params, key)
            if cell is None:
                cell = _cell(controls, key)
            row.append("-" if cell is None or cell == "" else cell)
        row.append(TYPE_LABELS.get(str(rtype), str(rtype) if rtype is not None else "-"))
        row.append(est_time(run))
        rows.append(row)
    return header, rows


def _scalar(container: YMap, key: str) -> str:
    cell = _cell(container, key)
    return cell if cell not in (None, "") else "-"


def eval_matrix(plan: Plan) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the evaluation matrix: one row per run, one column per task."""
    tasks = [
        t["name"]
        for t in plan.seq("evaluation", "tasks")
        if isinstance(t, YMap) and isinstance(t.get("name"), str)
    ]
    cells: dict[str, dict[str, str]] = {}
    for entry in plan.seq("evaluation", "matrix"):
        if not isinstance(entry, YMap) or not isinstance(entry.get("run"), str):
            continue
        epochs = entry.get("epochs")
        if isinstance(epochs, YSeq):
            mark = "✓ epoch " + ",".join(text_of(epochs, i) for i in range(len(epochs)))
        else:
            mark = "✓"
        row = cells.setdefault(entry["run"], {})
        for task in entry.get("tasks") or []:
            if isinstance(task, str):
                row[task] = mark
    rows = []
    for _, run in plan.runs():
        name = run.get("name")
        if not isinstance(name, str):
            continue
        got = cells.get(name, {})
        rows.append([name, *(got.get(t, "-") for t in tasks)])
    return ["Run Name", *tasks], rows


RENDERERS = {"all-runs": all_runs, "eval-matrix": eval_matrix}


def render_lines(plan: Plan, region: str, style: str | None = None) -> list[str]:
    """The region's lines as `fix` writes them (no line endings)."""
    header, rows = RENDERERS[region](plan)
    return format_table(header, rows, style or plan.config.table_style)
