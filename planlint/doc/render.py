"""Render a plan's generated regions: the All Runs table and the evaluation matrix as cells, in
the shape the doc's own table chooses (its columns, their order and alignment), and the
`summary` region as one bullet per topic."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from planlint.doc.tabletext import ParsedTable, cell_says, format_table, normalize_cell, row_keys
from planlint.plan.load import YMap, YSeq
from planlint.plan.model import Plan, gpu_hours, render_value, text_of
from planlint.plan.run import CONDITION_KEYS, EVAL_SETTINGS, Run, runs_of
from planlint.plan.values import as_number, is_number, same_number
from planlint.slurmtime import format_est_time, parse_time, same_est_time

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
    if not isinstance(compute, YMap) or compute.get("time") is None:  # null is unset
        return "?"
    raw = compute["time"]
    return _est_text(raw if isinstance(raw, int) and not isinstance(raw, bool) else str(raw))


@lru_cache(maxsize=256)
def _est_text(raw: int | str) -> str:
    seconds = parse_time(raw)
    return format_est_time(seconds) if seconds is not None else "?"


#: Columns of every table (a doc's header cannot leave them out).
MANDATORY_KINDS = ("name", "model", "variable", "type", "task")
#: `EVAL_SETTINGS` (from the Run view) are shown for every run type (they shape the evaluation
#: too); other settings are training settings, "-" for runs that do not train unless the run
#: itself states them.


class Column(NamedTuple):
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


def _setting_cell(plan: Plan, run: Run, key: str, controls: tuple[str | None, Any]) -> tuple[str, Any]:
    """A setting column's cell: its text, and the plan value it shows (None for `-`)."""
    own = run.condition_items.get(key)
    if own is not None:
        text, value = (None, None) if isinstance(own.value, (dict, list)) else (own.text, own.value)
    elif key in CONDITION_KEYS or not (run.fine_tuned or key in EVAL_SETTINGS):
        text, value = None, None
    else:
        text, value = controls
    return ("-", None) if text is None or text == "" else (text, value)


def _training_cell(run: Run, key: str, controls: tuple[str | None, Any]) -> tuple[str, Any]:
    """A variable's (or Batch Size) cell: its text, and the plan value it shows (None for `-`).
    A control shows only a swept setting it evaluates with (its system prompt); a variable named
    like a run key is read at run level (`Run.given`)."""
    if not run.fine_tuned and not (key in EVAL_SETTINGS and key in run.params):
        return "-", None
    if key in CONDITION_KEYS:
        given = run.given(key)
        if given is not None and not isinstance(given.value, (dict, list)) and given.text != "":
            return given.text, given.value
    params = run.parameters
    text = _cell(params, key)
    if text is None:
        text, value = controls
    else:
        value = params[key] if params is not None else None
    return ("-", None) if text is None or text == "" else (text, value)


def _controls_cell(plan: Plan, key: str) -> tuple[str | None, Any]:
    text = _cell(plan.controls, key)
    return text, plan.controls.get(key) if text is not None else None


def _type_cell(run: Run) -> str:
    rtype = run.node.get("type")
    return TYPE_LABELS.get(str(rtype), str(rtype) if rtype is not None else "-")


def _source_function(plan: Plan, col: Column) -> Callable[[Run], tuple[str, Any]]:
    """What fills `col` for one run: the cell's text and the plan value it shows (None when the
    cell is not a value of the plan: a name, a type, `-`). A control is read once, not per run."""
    key = str(col.key)
    if col.kind in ("variable", "batch"):
        controls = _controls_cell(plan, key)
        return lambda run: _training_cell(run, key, controls)
    if col.kind == "setting":
        controls = _controls_cell(plan, key)
        return lambda run: _setting_cell(plan, run, key, controls)
    text = _cell_function(plan, col)
    return lambda run: (text(run), None)


def _cell_function(plan: Plan, col: Column) -> Callable[[Run], str]:
    """What fills `col` for one run (a control's value is read once, not once per run)."""
    if col.kind == "name":
        return lambda run: _scalar(run.node, "name")
    if col.kind == "model":
        return lambda run: _scalar(run.node, "model")
    if col.kind in ("variable", "batch", "setting"):
        source = _source_function(plan, col)
        return lambda run: source(run)[0]
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


def table(
    plan: Plan, region: str, layout: Layout, doc: ParsedTable | None, dropped: list[str] | None = None
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the region's table: plan cells, and the doc's cells in its own columns
    (each kept with its run's row, empty for a run the doc does not have yet). `dropped`
    receives one line per row of the doc that is not a run of the plan any more (removed or
    renamed) and whose own cells held text: the researcher's words the new table leaves out."""
    cols = layout.columns
    rows = run_rows(plan, region, cols)
    own = [(i, c.source) for i, c in enumerate(cols) if c.kind == "own" and c.source is not None]
    if own and doc is not None:
        doc_keys = row_keys(doc.rows, _key_index(doc.header))
        doc_rows = dict(zip(doc_keys, doc.rows, strict=True))
        used = set()
        for key, row in zip(row_keys(rows, _key_index(cols)), rows, strict=True):
            found = doc_rows.get(key)
            used.add(key)
            for at, source in own:
                row[at] = found[source] if found is not None and source < len(found) else ""
        if dropped is not None:
            for key, doc_row in doc_rows.items():
                if key in used:
                    continue
                texts = [
                    f"{cols[at].label} {doc_row[source].strip()!r}"
                    for at, source in own
                    if source < len(doc_row) and doc_row[source].strip()
                ]
                if texts:
                    dropped.append(
                        f"row {key[0] or '(no run name)'} is no run of the plan: dropped its {', '.join(texts)}"
                    )
    return [c.label for c in cols], rows


def says_the_same(col: Column, rendered: str, value: Any, doc_cell: str) -> bool:
    """The doc's cell says what the plan's rendered cell says, maybe in other words: numbers
    (a plan value that is a YAML number) by value, `0.00001` = `1e-5`; an Est. Time by its
    duration, `~10 min` = `~10min`; anything else as text (`cell_says`: `` `x` `` says x)."""
    doc = cell_says(doc_cell)
    if doc == cell_says(rendered):
        return True
    if col.kind == "est":
        return same_est_time(doc, rendered)
    return is_number(value) and same_number(doc, value)


def keep_doc_spelling(
    plan: Plan, region: str, cols: Sequence[Column], doc: ParsedTable, rows: list[list[str]]
) -> list[list[str]]:
    """`rows` where every cell the doc's matching row (by Run Name) says the same way in other
    words (`says_the_same`) is the doc's: `fix` never rewrites a researcher's spelling of a value."""
    doc_index: dict[str, int] = {}
    for i, text in enumerate(doc.header):
        doc_index.setdefault(normalize_cell(text), i)
    pairs = [
        (i, col, doc_index[normalize_cell(col.label)])
        for i, col in enumerate(cols)
        if col.kind != "own" and normalize_cell(col.label) in doc_index
    ]
    if not pairs:
        return rows
    runs = runs_of(plan)
    if region == "eval-matrix":
        runs = [run for run in runs if run.name is not None]
    sources = {i: _source_function(plan, col) for i, col, _ in pairs if region == "all-runs"}
    doc_rows = dict(zip(row_keys(doc.rows, _key_index(doc.header)), doc.rows, strict=True))
    out = []
    for key, row, run in zip(row_keys(rows, _key_index(cols)), rows, runs, strict=True):
        found = doc_rows.get(key)
        if found is None:
            out.append(row)
            continue
        kept = list(row)
        for i, col, at in pairs:
            if at < len(found) and found[at] != row[i]:
                value = sources[i](run)[1] if i in sources else None
                if says_the_same(col, row[i], value, found[at]):
                    kept[i] = found[at]
        out.append(kept)
    return out


RENDERERS = {"all-runs": all_runs, "eval-matrix": eval_matrix}


def render_lines(plan: Plan, region: str, style: str | None = None) -> list[str]:
    """The region's lines as `fix` writes them (no line endings)."""
    if region in LINE_RENDERERS:
        return LINE_RENDERERS[region](plan)
    header, rows = RENDERERS[region](plan)
    return format_table(header, rows, style or plan.config.table_style)


# --------------------------------------------------------------------------- the summary region
#
# The `summary` region: the plan's facts in words (models, data, variables, training, prompts,
# evaluation, compute), one bullet per topic, each starting with its bold label
# (`- **Variables**: ...`). It is the prose counterpart of the All Runs table: `check` reports
# it stale (PL501) and `fix` rewrites it. Drift compares the lines (trailing spaces and blank
# lines aside) and names the topics that differ.


#: The split names in the order the summary lists them.
_SPLITS = ("train", "validation", "test")


def code(text: str) -> str:
    """`text` as an inline code span that survives any backticks and shows control characters."""
    if any(c in text for c in "\r\n\t"):
        text = json.dumps(text)[1:-1]
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") or (fence != "`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def quoted(text: str) -> str:
    """A free-text value (a prompt) as a code span of its JSON string, so `""` shows as empty."""
    return code(json.dumps(text, ensure_ascii=False))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _text_at(plan: Plan, path: tuple[Any, ...] | None, value: Any) -> str:
    """A setting's value as the plan writes it (its source text), else as YAML shows it."""
    if path:
        container: Any = plan.data
        for step in path[:-1]:
            container = container[step] if isinstance(container, (dict, list)) else None
        if isinstance(container, (YMap, YSeq)):
            try:
                return text_of(container, path[-1])
            except (KeyError, IndexError, TypeError):
                pass
    return render_value(value)


def _setting_texts(plan: Plan, runs: Sequence[Run], key: str) -> list[tuple[str, Any]]:
    """The distinct (text, value) pairs the runs use for `key`, in run order (unset left out)."""
    seen: dict[str, Any] = {}
    for run in runs:
        setting = run.setting(key)
        if setting.source == "unset" or isinstance(setting.value, (dict, list)):
            continue
        seen.setdefault(_text_at(plan, setting.path, setting.value), setting.value)
    return list(seen.items())


def _joined(items: Sequence[str]) -> str:
    return ", ".join(items[:-1]) + (" or " if len(items) > 1 else "") + items[-1] if items else ""


def _on_off(values: Sequence[tuple[str, Any]]) -> str:
    shown = ["on" if v is True else "off" if v is False else t for t, v in values]
    return " and ".join(dict.fromkeys(shown))


def _models(plan: Plan) -> list[str]:
    out = []
    varied = bool(plan.variables)
    for _, model in plan.models():
        name = model.get("name")
        if not isinstance(name, str):
            continue
        extra = []
        if "size_gb" in model and isinstance(model["size_gb"], (int, float)):
            extra.append(f"{text_of(model, 'size_gb')} GB")
        short = model.get("short")
        if varied and isinstance(short, str) and short:
            extra.append(f"runs named {code(short + '_...')}")
        path = model.get("path")
        where = f": {code(path)}" if isinstance(path, str) and path else ""
        more = f" ({', '.join(extra)})" if extra else ""
        out.append(f"  - {code(name)}{more}{where}")
    return ["- **Models**:", *out] if out else ["- **Models**: none in models.base yet"]


def _data(plan: Plan, trained: Sequence[Run]) -> list[str]:
    """The Data bullet: `data.training`, and what each run trains on when some train on their own
    file or on a generated condition (`Run.training_data`), so `data.training` is a fallback."""
    training = plan.section("data", "training")
    path = training.get("path")
    own: dict[tuple[str, str], list[str]] = {}
    fallback = 0
    for run in trained:
        data = run.training_data
        if data.kind == "data.training":
            fallback += 1
        else:
            own.setdefault((data.kind, str(data.text)), []).append(str(run.name))
    if not isinstance(path, str) or not path:
        shared = "- **Data**: no data.training.path yet"
    else:
        dtype = plan.controls.get("dataset_type")
        kind = f" ({dtype})" if isinstance(dtype, str) and dtype else ""
        splits = training.get("splits")
        counts = ""
        if isinstance(splits, YMap):
            parts = [f"{text_of(splits, k)} {k}" for k in _SPLITS if k in splits and splits[k] is not None]
            if parts:
                counts = f": {' / '.join(parts)} samples"
        shared = f"- **Data**: {code(path)}{kind}{counts}"
    if not own:
        return [shared]
    if isinstance(path, str) and path:  # data.training is then the fallback of the other runs
        used = f"; for {fallback} of {len(trained)} fine-tuned runs" if fallback else "; no run trains on it"
        shared = shared.replace("- **Data**: ", "- **Data**: by default ", 1) + used
    tool = plan.section("data", "data_generation").get("tool")
    made = f" (generated by {code(tool)})" if isinstance(tool, str) and tool else " (generated)"
    out = [shared]
    for (kind_of, text), names in own.items():
        who = f"{'run' if len(names) == 1 else 'runs'} {', '.join(code(n) for n in names)}"
        what = (
            f"condition {code(text)}{made}"
            if kind_of == "training_condition"
            else f"its own file {code(text)}"
        )
        out.append(f"  - {who}: {what}")
    return out


def _variables(plan: Plan, trained: Sequence[Run]) -> list[str]:
    if not plan.variables:
        differ = len({r.training_data[:2] for r in trained}) > 1
        return [
            "- **Variables**: nothing is swept"
            + (" (the runs differ by their training data)" if differ else "")
        ]
    out = ["- **Variables**:"]
    for key, values in plan.variables.items():
        shown = ", ".join(text_of(values, i) for i in range(len(values)))
        out.append(f"  - {label(plan, str(key))} ({code(str(key))}): {shown}")
    return out


def _controls(plan: Plan, runs: Sequence[Run]) -> str:
    controls = sum(r.type == "control" for r in runs)
    if plan.base_controls is False:
        return "- **Base-model controls**: none (experiment.base_controls is false)"
    if controls:
        return "- **Base-model controls**: each model is also evaluated without fine-tuning"
    return "- **Base-model controls**: none yet (`planlint fix --runs` adds them)"


def _training(plan: Plan, trained: Sequence[Run]) -> str:
    if not trained:
        return "- **Training**: nothing is trained"
    parts = []
    epochs = _setting_texts(plan, trained, "epochs")
    if epochs:
        one = len(epochs) == 1 and epochs[0][1] == 1
        parts.append(f"{_joined([t for t, _ in epochs])} epoch{'' if one else 's'}")
    batch = _setting_texts(plan, trained, "batch_size")
    if batch:
        parts.append(f"batch size {_joined([t for t, _ in batch])} per GPU")
    gpus = _setting_texts(plan, trained, "gpus")
    if gpus:
        one = len(gpus) == 1 and gpus[0][1] == 1
        on = f"on {_joined([t for t, _ in gpus])} GPU{'' if one else 's'}"
        if batch:
            parts[-1] += f" {on}"
        else:
            parts.append(on)
    packed = _setting_texts(plan, trained, "packed")
    if packed:
        parts.append(f"packing {_on_off(packed)}")
    validation = _setting_texts(plan, trained, "validation_during_training")
    if validation:
        parts.append(f"validation during training {_on_off(validation)}")
    return f"- **Training**: {', '.join(parts) or 'as the recipe sets it'}"


def _prompts(plan: Plan) -> str | None:
    parts = []
    for key, what in (("system_prompt", "system prompt"), ("prompt", "prompt")):
        value = plan.controls.get(key)
        if isinstance(value, str):
            parts.append(f"{what} {quoted(value)}")
    return f"- **Prompts**: {'; '.join(parts)}" if parts else None


def _evaluation(plan: Plan, runs: Sequence[Run]) -> str:
    tasks = [
        t["name"]
        for t in plan.seq("evaluation", "tasks")
        if isinstance(t, YMap) and isinstance(t.get("name"), str)
    ]
    if not tasks:
        return "- **Evaluation**: no tasks yet (add evaluation.tasks and evaluation.matrix to plan.yaml)"
    names = {r.name for r in runs if r.name}
    covered = {
        e["run"]
        for e in plan.seq("evaluation", "matrix")
        if isinstance(e, YMap) and isinstance(e.get("run"), str) and e["run"] in names
    }
    shown = ", ".join(code(t) for t in tasks)
    return f"- **Evaluation**: {shown}; {len(covered)} of {_plural(len(names), 'run')} in evaluation.matrix"


def _compute(plan: Plan, runs: Sequence[Run], trained: Sequence[Run]) -> str:
    counts = []
    for kind, word, note in (
        ("fine-tuned", "fine-tuned run", ""),
        ("control", "control", " (evaluation only)"),
        ("eval-only", "eval-only run", ""),
    ):
        n = sum(r.type == kind for r in runs)
        if n:
            counts.append(_plural(n, word) + note)
    text = " and ".join(counts) if counts else "no runs yet"
    gpus = _setting_texts(plan, trained, "gpus")
    if gpus:
        one = len(gpus) == 1 and gpus[0][1] == 1
        text += f", {_joined([t for t, _ in gpus])} GPU{'' if one else 's'} per job"
    if trained:
        hours, missing = gpu_hours(plan)
        if missing == len(trained):
            text += "; no compute.time estimates yet"
        else:
            text += f"; {hours:.1f} GPU hours estimated"
            if missing:
                text += f" ({_plural(missing, 'fine-tuned run')} without compute.time)"
    return f"- **Compute**: {text}"


def summary_lines(plan: Plan) -> list[str]:
    """The region's lines as `fix` writes them (no line endings)."""
    runs = runs_of(plan)
    trained = [r for r in runs if r.fine_tuned]
    out = [
        *_models(plan),
        *_data(plan, trained),
        *_variables(plan, trained),
        _controls(plan, runs),
        _training(plan, trained),
    ]
    prompts = _prompts(plan)
    if prompts is not None:
        out.append(prompts)
    out += [_evaluation(plan, runs), _compute(plan, runs, trained)]
    return out


def _topics(lines: Sequence[str]) -> dict[str, list[str]]:
    """Lines grouped by their top-level bullet's bold label (`- **Models**:` and its sub-items)."""
    out: dict[str, list[str]] = {}
    current = ""
    for line in lines:
        if line.startswith("- **") and "**" in line[4:]:
            current = line[4 : line.index("**", 4)]
        out.setdefault(current, []).append(line)
    return out


def _normal(lines: Sequence[str]) -> list[str]:
    return [line.rstrip() for line in lines if line.strip()]


#: A code span (compared as text) or a number outside one (compared by value).
_SPAN_OR_NUMBER = re.compile(
    r"(?P<code>(?P<fence>`+).*?(?P=fence))|(?P<number>(?<![\w.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.]))"
)


def _says(line: str) -> tuple[object, ...]:
    """What a summary line says: its text, with every number outside code spans as its value
    (`1e-5` and `0.00001` say the same), code spans as written."""
    parts: list[object] = []
    at = 0
    for match in _SPAN_OR_NUMBER.finditer(line):
        if match["number"] is None:
            continue
        parts += [line[at : match.start()], as_number(match["number"])]
        at = match.end()
    parts.append(line[at:])
    return tuple(parts)


def same_summary(doc_lines: Sequence[str], rendered: Sequence[str]) -> bool:
    """The doc's region says what the plan renders (trailing spaces and blank lines aside, and
    numbers by value: the doc may spell `1e-5` as `0.00001`)."""
    have, want = _normal(doc_lines), _normal(rendered)
    return have == want or [_says(line) for line in have] == [_says(line) for line in want]


def keep_doc_lines(doc_lines: Sequence[str], rendered: Sequence[str]) -> list[str]:
    """`rendered` with every line the doc says the same way in other words taken from the doc
    (`fix` never rewrites a researcher's spelling of a number)."""
    said: dict[tuple[object, ...], str] = {}
    for line in _normal(doc_lines):
        said.setdefault(_says(line), line)
    return [said.get(_says(line), line) for line in rendered]


def summary_differences(doc_lines: Sequence[str], rendered: Sequence[str]) -> list[str]:
    """The topics whose lines differ, in plan terms: `Variables differs`, `no Compute line`."""
    have = _topics(_normal(doc_lines))
    want = _topics(_normal(rendered))
    reasons = []
    for topic, lines in want.items():
        if topic not in have:
            reasons.append(f"no {topic} line" if topic else "the region's text differs")
        elif not same_summary(have[topic], lines):
            said = "; ".join(line.strip().removeprefix("- ") for line in lines[1:])
            reasons.append(f"{topic} differs (the plan says: {said or lines[0].split(':', 1)[-1].strip()})")
    reasons += [f"{topic} is not a topic of the plan's summary" for topic in have if topic not in want]
    return reasons or ["the region's text differs"]


#: Regions of prose rather than a table: their lines straight from the plan.
LINE_RENDERERS: dict[str, Callable[[Plan], list[str]]] = {"summary": summary_lines}
