"""PL4xx: evaluation — decoding settings, tasks, the matrix's runs, tasks and epochs, coverage, labels."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

from planlint.finding import Hit
from planlint.plan.load import YMap, YSeq
from planlint.plan.model import Plan, text_of
from planlint.plan.run import run_at
from planlint.plan.values import as_int
from planlint.rules.base import Context, E, I, Rule, W
from planlint.suggest import choices, did_you_mean

#: Unknown names get a did-you-mean for the first few only (difflib over 10,000 run names is slow).
MAX_SUGGESTIONS = 20

FAMILY = "evaluation"
RULES = (
    Rule(
        "PL401",
        "temperature-inert",
        I,
        "evaluation.temperature without do_sample: true has no effect (greedy decoding)",
    ),
    Rule("PL402", "temperature-required", E, "do_sample: true needs evaluation.temperature > 0"),
    Rule("PL403", "unknown-matrix-run", E, "evaluation.matrix[].run is not a run name"),
    Rule(
        "PL404",
        "unknown-task",
        E,
        "evaluation.matrix[].tasks names a task that evaluation.tasks does not define",
    ),
    Rule(
        "PL405",
        "run-not-evaluated",
        W,
        "a run that no evaluation.matrix entry evaluates (Config.evaluate_all_runs)",
    ),
    Rule(
        "PL406",
        "epoch-out-of-range",
        E,
        "a matrix epoch of a fine-tuned run is not in 0..epochs-1 (epochs are 0-indexed)",
    ),
    Rule(
        "PL407",
        "epochs-for-untrained-run",
        E,
        "a control or eval-only run lists epochs (it has no training epochs: use null)",
    ),
    Rule("PL408", "fine-tuned-without-epochs", W, "a fine-tuned run's matrix entry evaluates no epoch"),
    Rule(
        "PL409",
        "duplicate-label",
        E,
        "two evaluations of one run at one epoch share a label (vis_label, composed as"
        ' "{vis_label} ({task})" for a multi-task entry): deduplicate_eval_files keeps only one',
    ),
    Rule(
        "PL410",
        "task-dataset-ambiguous",
        E,
        "a task gives both dataset and eval_condition (exactly one is read)",
    ),
    Rule("PL411", "task-without-dataset", W, "a task gives neither dataset nor eval_condition"),
    Rule("PL412", "duplicate-task", E, "two evaluation tasks share a name"),
)


def check(plan: Plan, context: Context) -> Iterator[Hit]:
    """Every PL4 rule; only for a plan with an evaluation section. Linear in runs and matrix entries."""
    if "evaluation" not in plan.data or not isinstance(plan.data.get("evaluation"), YMap):
        return
    yield from _check_decoding(plan)
    tasks = yield from _check_tasks(plan)
    yield from _check_matrix(plan, tasks)


def _check_decoding(plan: Plan) -> Iterator[Hit]:
    ev = plan.section("evaluation")
    sample = ev.get("do_sample") is True
    has_temp = ev.get("temperature") is not None  # null is unset
    temp = ev.get("temperature")
    if not sample:
        if has_temp:
            shown = text_of(ev, "temperature")
            msg = f"temperature {shown} has no effect: without do_sample: true decoding is greedy (the setting is dropped)"
            yield plan.hit(
                "PL401",
                ("evaluation", "temperature"),
                msg,
                "remove it, or set do_sample: true with a temperature > 0 to sample",
                key=True,
            )
        return
    if not has_temp:
        yield plan.hit(
            "PL402",
            ("evaluation", "do_sample"),
            "do_sample: true needs a temperature > 0, and the plan sets none",
            "add evaluation.temperature, e.g. temperature: 0.7",
            key=True,
        )
    elif isinstance(temp, (int, float)) and not isinstance(temp, bool) and temp <= 0:
        msg = f"temperature {text_of(ev, 'temperature')} with do_sample: true: sampling divides by the temperature, which must be > 0"
        yield plan.hit(
            "PL402",
            ("evaluation", "temperature"),
            msg,
            "use a temperature > 0, or do_sample: false for greedy decoding",
        )


def _check_tasks(plan: Plan) -> Generator[Hit, None, dict[str, int]]:
    """Task rules; returns the task names (generator return value)."""
    names: dict[str, int] = {}
    for j, task in enumerate(plan.seq("evaluation", "tasks")):
        if not isinstance(task, YMap):
            continue
        name = task.get("name")
        if isinstance(name, str):
            if name in names:
                first = plan.pos("evaluation", "tasks", names[name], "name")[0]
                yield plan.hit(
                    "PL412",
                    ("evaluation", "tasks", j, "name"),
                    f"task name '{name}' is used twice (first at line {first}): matrix entries cannot tell them apart",
                    "give each task its own name",
                )
            else:
                names[name] = j
        has_ds, has_cond = task.get("dataset") not in (None, ""), task.get("eval_condition") not in (None, "")
        if has_ds and has_cond:
            yield plan.hit(
                "PL410",
                ("evaluation", "tasks", j, "eval_condition"),
                f"task '{name}' gives both dataset and eval_condition: exactly one says where its eval data comes from",
                "keep one of them",
                key=True,
            )
        elif not has_ds and not has_cond:
            yield plan.hit(
                "PL411",
                ("evaluation", "tasks", j),
                f"task '{name}' gives neither dataset nor eval_condition",
                "add dataset: <path to the eval file> (or eval_condition: <a data_generation condition>)",
            )
    return names


def _suggest(word: str, options: list[str], budget: list[int], what: str = "runs") -> str:
    """Did you mean (while the budget lasts), else the names to choose from."""
    if budget[0] > 0:
        budget[0] -= 1
        near = did_you_mean(word, options)
        if near:
            return near
    if not options:
        return f"{what} is empty: define it there first, or remove this entry"
    return f"name one of {what}: {choices(options)}"


def _check_matrix(plan: Plan, tasks: dict[str, int]) -> Iterator[Hit]:
    runs: dict[str, tuple[int, YMap]] = {}
    for i, run in plan.runs():
        name = run.get("name")
        if isinstance(name, str) and name not in runs:
            runs[name] = (i, run)
    matrix = plan.seq("evaluation", "matrix")
    evaluated: set[str] = set()
    labels: dict[tuple[str, Any, str], int] = {}
    budget = [MAX_SUGGESTIONS]
    run_names: list[str] | None = None
    for j, entry in enumerate(matrix):
        if not isinstance(entry, YMap):
            continue
        rname = entry.get("run")
        target = runs.get(rname) if isinstance(rname, str) else None
        if isinstance(rname, str):
            if target is None:
                run_names = run_names if run_names is not None else list(runs)
                yield plan.hit(
                    "PL403",
                    ("evaluation", "matrix", j, "run"),
                    f"matrix entry names run '{rname}', which is not in runs",
                    _suggest(rname, run_names, budget),
                )
            else:
                evaluated.add(rname)
        entry_tasks = entry.get("tasks")
        if isinstance(entry_tasks, YSeq):
            for k, t in enumerate(entry_tasks):
                if isinstance(t, str) and t not in tasks:
                    hint = (
                        _suggest(t, list(tasks), budget, "evaluation.tasks")
                        if tasks
                        else "define it under evaluation.tasks"
                    )
                    yield plan.hit(
                        "PL404",
                        ("evaluation", "matrix", j, "tasks", k),
                        f"task '{t}' is not defined in evaluation.tasks",
                        hint,
                    )
        if target is not None:
            yield from _check_epochs(plan, j, entry, *target)
        if isinstance(rname, str) and isinstance(entry_tasks, YSeq):
            yield from _check_labels(plan, j, entry, rname, entry_tasks, labels)
    if not plan.config.evaluate_all_runs or not runs:
        return
    if not any(isinstance(e, YMap) for e in matrix):
        yield plan.hit(
            "PL405",
            ("evaluation",),
            "the plan has an evaluation section but no matrix entry: no run is evaluated",
            "add evaluation.matrix: one entry per run with its tasks and epochs",
            key=True,
        )
        return
    for name, (i, _run) in runs.items():
        if name not in evaluated:
            yield plan.hit(
                "PL405",
                ("runs", i, "name"),
                f"run '{name}' is not evaluated: no evaluation.matrix entry names it",
                f"add to evaluation.matrix: - {{run: {name}, tasks: [...], epochs: ...}} (or set evaluate-all-runs = false)",
            )


def _check_labels(
    plan: Plan,
    j: int,
    entry: YMap,
    run: str,
    tasks: YSeq,
    seen: dict[tuple[str, Any, str], int],
) -> Iterator[Hit]:
    """PL409: the label each evaluation of the entry gets, as scaffold-inspect composes it (the
    vis_label, else the run name; "{label} ({task})" only when the entry has several tasks), must
    be unique per run and epoch. explore-experiment deduplicates eval logs by (model, epoch,
    vis_label) and the model is per run (`hf/{run}_epoch_N`), so runs that share a vis_label
    (grouping by one dimension, as design-experiment suggests) never collide."""
    given = entry.get("vis_label")
    base = given if isinstance(given, str) else run
    names = [t for t in tasks if isinstance(t, str)]
    epochs = entry.get("epochs")
    at: list[Any] = [as_int(e) for e in epochs] if isinstance(epochs, YSeq) and epochs else [None]
    where = ("evaluation", "matrix", j, "vis_label" if "vis_label" in entry else "run")
    reported: set[str] = set()
    for task in names:
        label = f"{base} ({task})" if len(tasks) > 1 else base
        for epoch in at:
            key = (run, epoch, label)
            first = seen.get(key)
            if first is None:
                seen[key] = j
                continue
            if label in reported:
                continue
            reported.add(label)
            line = plan.pos("evaluation", "matrix", first)[0]
            when = f" at epoch {epoch}" if epoch is not None else ""
            yield plan.hit(
                "PL409",
                where,
                f"run '{run}' is evaluated twice{when} under the label '{label}' (also the matrix entry"
                f" at line {line}): explore-experiment keeps only the newest log per run, epoch and label",
                'list the tasks in one matrix entry (each gets "{vis_label} ({task})"), or give this'
                " entry its own vis_label",
            )
        if len(tasks) <= 1:
            break


def _check_epochs(plan: Plan, j: int, entry: YMap, i: int, run: YMap) -> Iterator[Hit]:
    rtype = run.get("type")
    epochs = entry.get("epochs")
    name = run.get("name")
    where: tuple[Any, ...] = ("evaluation", "matrix", j, "epochs")
    if rtype in ("control", "eval-only"):
        if isinstance(epochs, YSeq) and epochs:
            why = (
                "a control evaluates the base model"
                if rtype == "control"
                else "an eval-only run pins its checkpoint through checkpoint_path"
            )
            yield plan.hit(
                "PL407",
                where,
                f"{rtype} run '{name}' lists epochs {_shown(epochs)}: {why}, it has no training epochs",
                "write epochs: null",
            )
        return
    if rtype != "fine-tuned":
        return
    if not isinstance(epochs, YSeq) or not epochs:
        yield plan.hit(
            "PL408",
            where if "epochs" in entry else ("evaluation", "matrix", j),
            f"fine-tuned run '{name}' is evaluated at no epoch",
            "list the 0-indexed epochs to evaluate, e.g. epochs: [0]",
            key="epochs" in entry,
        )
        return
    setting = run_at(plan, i).setting("epochs")
    trained = as_int(setting.value)
    if trained is None or trained < 1:
        return
    for k, e in enumerate(epochs):
        n = as_int(e)
        if n is None or 0 <= n < trained:
            continue
        source = "its parameters" if setting.from_run else "controls.epochs"
        shift = (
            " (epochs are 0-indexed)"
            if n == trained and all(isinstance(x, int) and 1 <= x <= trained for x in epochs)
            else ""
        )
        msg = f"epoch {text_of(epochs, k)} of run '{name}' does not exist: it trains {trained} epoch{'s' if trained != 1 else ''} ({source}), checkpoints epoch_0..epoch_{trained - 1}{shift}"
        valid = str(list(range(trained))) if trained <= 10 else f"[0..{trained - 1}]"
        yield plan.hit("PL406", (*where, k), msg, f"use epochs from {valid}")


def _shown(seq: YSeq) -> str:
    return "[" + ", ".join(text_of(seq, k) for k in range(len(seq))) + "]"
