"""Render a plan's generated regions (the All Runs table, the evaluation matrix) as cells, in
the shape the doc's own table chooses (its columns, their order and alignment)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from planlint.doc.tabletext import ParsedTable, format_table, normalize_cell
from planlint.plan.load import YMap, YSeq
from planlint.plan.model import Plan, text_of
from planlint.plan.run import CONDITION_KEYS, Run, runs_of
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
    """The column label of a plan key (`naming.labels`, then `LABELS`, then title case)."""
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
    if isinstance(value, str):
        return value  # what text_of gives for a string, without looking up its source
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
    return _est_text(raw if isinstance(raw, int) and not isinstance(raw, bool) else str(raw))


@lru_cache(maxsize=256)
def _est_text(raw: int | str) -> str:
    seconds = parse_time(raw)
    return format_est_time(seconds) if seconds is not None else "?"


#: Columns of every table (a doc's header cannot leave them out).
MANDATORY_KINDS = ("name", "model", "variable", "type", "task")
#: Settings shown for every run type (they shape the evaluation too); other settings are
#: training settings, "-" for runs that do not train unless the run itself states them.
EVAL_SETTINGS = ("system_prompt", "prompt")


@dataclass(frozen=True)
class Column:
    """One column of a generated table: its header label and what fills its cells.

    `kind` is `name`, `model`, `variable`, `batch` (the Batch Size column), `setting` (a
    condition or control the header asks for by its label), `type`, `est`, `task` (eval
    matrix), or `own` (a column planlint does not render: its cells belong to the doc, and
    `source` is its index in the doc's header).
    """

    label: str
    kind: str
    key: str | None = None
    source: int | None = None

    @property
    def mandatory(self) -> bool:
        """A column every table of its region has."""
        return self.kind in MANDATORY_KINDS


def columns(plan: Plan, region: str) -> list[Column]:
    """The default columns of a region, in order: what a new region gets."""
    if region == "eval-matrix":
        return [Column("Run Name", "name"), *(Column(t, "task", t) for t in _tasks(plan))]
    variables = list(plan.variables)
    out = [Column("Run Name", "name"), Column("Model", "model")]
    out += [Column(label(plan, v), "variable", v) for v in variables]
    if "batch_size" not in variables:
        out.append(Column(label(plan, "batch_size"), "batch", "batch_size"))
    out += [Column("Type", "type"), Column("Est. Time", "est")]
    return out


def optional_columns(plan: Plan, region: str) -> list[Column]:
    """Columns a doc's header may add by their label: a run's conditions and the controls."""
    if region != "all-runs":
        return []
    taken = {"batch_size", *plan.variables}
    keys: dict[str, None] = dict.fromkeys((*CONDITION_KEYS, *EVAL_SETTINGS))
    keys.update(dict.fromkeys(str(k) for k in plan.controls))
    for run in runs_of(plan):
        keys.update(dict.fromkeys(run.condition_items))
    keys.update(dict.fromkeys(LABELS))
    return [Column(label(plan, key), "setting", key) for key in keys if key not in taken]


def _tasks(plan: Plan) -> list[str]:
    return [
        t["name"]
        for t in plan.seq("evaluation", "tasks")
        if isinstance(t, YMap) and isinstance(t.get("name"), str)
    ]


def _setting_cell(plan: Plan, run: Run, key: str, controls: str | None) -> str:
    own = run.condition_items.get(key)
    if own is not None:
        text = None if isinstance(own.value, (dict, list)) else own.text
    elif key in CONDITION_KEYS or not (run.fine_tuned or key in EVAL_SETTINGS):
        text = None
    else:
        text = controls
    return "-" if text is None or text == "" else text


def _training_cell(run: Run, key: str, controls: str | None) -> str:
    if not run.fine_tuned:
        return "-"
    cell = _cell(run.parameters, key)
    if cell is None:
        cell = controls
    return "-" if cell is None or cell == "" else cell


def _type_cell(run: Run) -> str:
    rtype = run.node.get("type")
    return TYPE_LABELS.get(str(rtype), str(rtype) if rtype is not None else "-")


def _cell_function(plan: Plan, col: Column) -> Callable[[Run], str]:
    """What fills `col` for one run (a control's value is read once, not once per run)."""
    key = str(col.key)
    if col.kind == "name":
        return lambda run: _scalar(run.node, "name")
    if col.kind == "model":
        return lambda run: _scalar(run.node, "model")
    if col.kind in ("variable", "batch"):
        controls = _cell(plan.controls, key)
        return lambda run: _training_cell(run, key, controls)
    if col.kind == "setting":
        controls = _cell(plan.controls, key)
        return lambda run: _setting_cell(plan, run, key, controls)
    if col.kind == "type":
        return _type_cell
    if col.kind == "est":
        return lambda run: est_time(run.node)
    return lambda run: ""


def run_rows(plan: Plan, region: str, cols: list[Column]) -> list[list[str]]:
    """One row per run (in plan order) with the cells of `cols`; `own` columns are left empty."""
    if region == "eval-matrix":
        return _matrix_rows(plan, cols)
    cells = [_cell_function(plan, col) for col in cols]
    return [[cell(run) for cell in cells] for run in runs_of(plan)]


def _matrix_rows(plan: Plan, cols: list[Column]) -> list[list[str]]:
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
        tasks = entry.get("tasks")
        for task in tasks if isinstance(tasks, list) else []:
            if isinstance(task, str):
                row[task] = mark
    rows = []
    for run in runs_of(plan):
        name = run.name
        if name is None:
            continue
        got = cells.get(name, {})
        rows.append(
            [name if c.kind == "name" else got.get(str(c.key), "-") if c.kind == "task" else "" for c in cols]
        )
    return rows


def all_runs(plan: Plan) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the All Runs table with the default columns, straight from the plan."""
    cols = columns(plan, "all-runs")
    return [c.label for c in cols], run_rows(plan, "all-runs", cols)


def _scalar(container: YMap, key: str) -> str:
    cell = _cell(container, key)
    return cell if cell not in (None, "") else "-"


def eval_matrix(plan: Plan) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the evaluation matrix: one row per run, one column per task."""
    cols = columns(plan, "eval-matrix")
    return [c.label for c in cols], run_rows(plan, "eval-matrix", cols)


# --------------------------------------------------------------------------- the doc's shape
#
# A region that holds a table keeps its own column order, alignment and style. Its header may
# leave out the optional columns (Batch Size, Est. Time), ask for a run's conditions or a
# control by label (`System Prompt`, `Training Condition`, `Dataset Path`, `Epochs`), and hold
# columns planlint does not render (a free-text `Notes`): those belong to the researcher, and
# each cell stays with its run's row (matched by Run Name). The mandatory columns (Run Name,
# Model, Type, every variable; in the eval matrix Run Name and every task) are added where they
# are missing. An empty region gets the default columns.

#: A cell planlint writes into an eval-matrix task column.
_MARK_RE = re.compile(r"✓(?: epoch [0-9][0-9, ]*)?|-")


@dataclass
class Layout:
    """The columns a region's table has, and the column differences in plan terms."""

    columns: list[Column]
    reasons: list[str] = field(default_factory=list)
    aligns: list[str] = field(default_factory=list)


def _was_task_column(rows: Sequence[Sequence[str]], index: int) -> bool:
    """A doc column whose cells are all eval-matrix marks, one of them a ✓: a task's column."""
    cells = [normalize_cell(row[index]) for row in rows if index < len(row)]
    shown = [c for c in cells if c]
    return any(c.startswith("✓") for c in shown) and all(_MARK_RE.fullmatch(c) for c in shown)


def _missing(plan: Plan, col: Column) -> str:
    if col.kind == "variable":
        return f"no {col.label} column, but {col.key} is a variable of the plan"
    if col.kind == "task":
        return f"no {col.label} column, but {col.key} is a task in evaluation.tasks"
    return f"no {col.label} column"


def choose(plan: Plan, region: str, doc: ParsedTable | None) -> Layout:
    """The columns of the region's table given the doc's table (None: the default set)."""
    defaults = columns(plan, region)
    if doc is None or not doc.header:
        return Layout(defaults)
    known: dict[str, Column] = {}
    for col in (*defaults, *optional_columns(plan, region)):
        known.setdefault(normalize_cell(col.label), col)
    chosen: list[Column] = []
    aligns: list[str] = []
    reasons: list[str] = []
    used: set[str] = set()
    for index, text in enumerate(doc.header):
        name = normalize_cell(text)
        found = known.get(name)
        if found is not None and name not in used:
            used.add(name)
        elif region == "eval-matrix" and _was_task_column(doc.rows, index):
            reasons.append(f"column {name}: no task {name!r} in evaluation.tasks")
            continue
        else:
            found = Column(text, "own", source=index)
        chosen.append(found)
        aligns.append(doc.aligns[index] if index < len(doc.aligns) else "")
    for position, col in enumerate(defaults):
        if not col.mandatory or normalize_cell(col.label) in used:
            continue
        reasons.append(_missing(plan, col))
        before = [normalize_cell(c.label) for c in defaults[:position]]
        at = 0
        for i, have in enumerate(chosen):
            if have.kind != "own" and normalize_cell(have.label) in before:
                at = i + 1
        chosen.insert(at, col)
        aligns.insert(at, "")
        used.add(normalize_cell(col.label))
    return Layout(chosen, reasons, aligns)


def _key_index(cols: Sequence[Column | str]) -> int | None:
    for i, col in enumerate(cols):
        text = col.label if isinstance(col, Column) else col
        if normalize_cell(text) == "Run Name":
            return i
    return None


def _keyed(rows: Sequence[Sequence[str]], index: int | None) -> list[tuple[str, int]]:
    seen: dict[str, int] = {}
    keys = []
    for row in rows:
        text = normalize_cell(row[index]) if index is not None and index < len(row) else ""
        seen[text] = seen.get(text, 0) + 1
        keys.append((text, seen[text]))
    return keys


def table(
    plan: Plan, region: str, layout: Layout, doc: ParsedTable | None
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the region's table: plan cells, and the doc's cells in its own columns
    (each kept with its run's row, empty for a run the doc does not have yet)."""
    cols = layout.columns
    rows = run_rows(plan, region, cols)
    own = [(i, c.source) for i, c in enumerate(cols) if c.kind == "own" and c.source is not None]
    if own and doc is not None:
        doc_keys = _keyed(doc.rows, _key_index(doc.header))
        doc_rows = dict(zip(doc_keys, doc.rows, strict=True))
        for key, row in zip(_keyed(rows, _key_index(cols)), rows, strict=True):
            found = doc_rows.get(key)
            for at, source in own:
                row[at] = found[source] if found is not None and source < len(found) else ""
    return [c.label for c in cols], rows


RENDERERS = {"all-runs": all_runs, "eval-matrix": eval_matrix}


def render_lines(plan: Plan, region: str, style: str | None = None) -> list[str]:
    """The region's lines as `fix` writes them (no line endings)."""
    header, rows = RENDERERS[region](plan)
    return format_table(header, rows, style or plan.config.table_style)
