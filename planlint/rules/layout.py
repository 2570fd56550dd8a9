"""PL6xx: layout — run folders under experiment.dir, their configs, and the model and data paths.

Only what exists on this machine is checked, read-only: the top level of `experiment.dir`, fixed file
names inside run folders, `models.base[].path` and `data.training.path`. Whatever cannot be reached
(scratch not mounted, as on a CI runner; a cruijff placeholder in the path) is skipped, and the
family says so in ONE info finding, never an error. `check --no-layout` turns the family off.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from planlint.finding import Hit
from planlint.plan.datafile import MAX_DATA_BYTES, records_of
from planlint.plan.disk import ExperimentDir, Folder, experiment_dir, orphan_folders, plan_path
from planlint.plan.drift import DRIFT_KEYS, config_drift, output_drift, wandb_name
from planlint.plan.folderguess import MAX_RUNS, RenameGuess
from planlint.plan.load import YMap
from planlint.plan.model import Plan, text_of
from planlint.plan.run import Run, run_at, runs_by_name
from planlint.plan.values import as_int
from planlint.readfile import Refused, read_bounded
from planlint.rules.base import Context, E, I, Rule, W
from planlint.suggest import closest

#: Folder findings spelled out one by one before a summary finding.
MAX_LISTED = 20
#: The shape of the random run name cruijff_kit's launcher falls back on without my_wandb_run_name.
_RANDOM_NAME = re.compile(r"^[a-z]+[_-][a-z]+(?:[_-]\d+)?$")

FAMILY = "layout"
RULES = (
    Rule("PL601", "run-folder-missing", W, "a fine-tuned run has no {experiment.dir}/{run name}/ folder"),
    Rule("PL602", "not-scaffolded", I, "experiment.dir exists but holds no fine-tuned run's folder yet"),
    Rule(
        "PL603", "orphan-folder", W, "a run folder (training configs) under experiment.dir belongs to no run"
    ),
    Rule(
        "PL604",
        "stray-artifacts",
        W,
        "artifacts/ under a folder that is no run (a missing my_wandb_run_name?)",
    ),
    Rule(
        "PL605",
        "wandb-run-name",
        E,
        "my_wandb_run_name in a run's setup_finetune.yaml is missing or differs from the run name",
    ),
    Rule(
        "PL606",
        "config-drift",
        W,
        "a value the plan decides (batch size, grad accum, epochs, LoRA rank, lr, warmup, max_seq_len, packing, prompts, training data) differs in a run's finetune.yaml / setup_finetune.yaml",
    ),
    Rule("PL607", "model-path-missing", E, "models.base[].path does not exist (its parent folder does)"),
    Rule(
        "PL608",
        "model-config-missing",
        W,
        "models.base[].path holds no config.json (not a Hugging Face checkpoint)",
    ),
    Rule("PL609", "data-path-missing", E, "data.training.path does not exist (its parent folder does)"),
    Rule(
        "PL610",
        "data-count-mismatch",
        E,
        "the training file's record count differs from data.training.splits",
    ),
    Rule(
        "PL611",
        "data-unreadable",
        E,
        "the training file is not JSON, JSON lines, or a list / object of splits",
    ),
    Rule(
        "PL613",
        "output-dir-misplaced",
        E,
        "a run's setup_finetune.yaml (project_dir, experiment_name) or finetune.yaml (output_dir) puts its checkpoints outside {experiment.dir}/{run}/artifacts/",
    ),
    Rule(
        "PL614",
        "data-generated-at-scaffold",
        I,
        "data.training.path does not exist yet and data.data_generation will generate it at scaffold time",
    ),
    Rule(
        "PL615",
        "run-path-missing",
        E,
        "a path the scaffold uses as written does not exist (its parent folder does): a run's dataset_path or checkpoint_path, an eval task's script or dataset",
    ),
    Rule(
        "PL612",
        "filesystem-skipped",
        I,
        "file-system checks skipped: a path is not on this machine (one line per plan)",
    ),
)


def check(plan: Plan, context: Context) -> Iterator[Hit]:
    """Every PL6 rule (`check --no-layout` skips the family). Skipped paths are summed up in one PL612 info."""
    skipped: list[tuple[str, tuple[Any, ...]]] = []
    yield from _check_experiment(plan, skipped)
    yield from _check_models(plan, skipped)
    yield from _check_data(plan, skipped)
    yield from _check_used_paths(plan)
    if skipped:
        path = next((p for _, p in skipped if p == ("experiment", "dir")), skipped[0][1])
        reasons = [r for r, _ in skipped]
        shown = "; ".join(reasons[:4]) + (f"; and {len(reasons) - 4} more" if len(reasons) > 4 else "")
        yield plan.hit(
            "PL612",
            path,
            f"file-system checks skipped: {shown}",
            "run planlint where these paths are mounted to check run folders, models and data",
        )


def _reachable(p: Path) -> bool:
    """A path whose parent folder exists: a missing leaf is then a real finding, not a missing mount."""
    try:
        return p.parent.is_dir()
    except OSError:
        return False


# -- experiment.dir and its run folders ------------------------------------------------------------


def _check_experiment(plan: Plan, skipped: list[tuple[str, tuple[Any, ...]]]) -> Iterator[Hit]:
    exp = experiment_dir(plan)
    if exp.text is None:
        return
    if not exp.reachable:
        skipped.append((exp.reason or f"experiment.dir {exp.text} is not reachable", ("experiment", "dir")))
        return
    names = {n: (r.index, r.node) for n, r in runs_by_name(plan).items()}
    present: list[tuple[str, int]] = []
    missing: list[tuple[str, int]] = []
    for name, (i, run) in names.items():
        if run.get("type") != "fine-tuned":
            continue
        (present if name in exp.folders else missing).append((name, i))
    orphans = orphan_folders(plan, exp)
    runs = [run_at(plan, i) for _, i in missing[:MAX_RUNS]]
    guess = RenameGuess(
        plan, exp, runs, orphans, lambda run, f, trained: _configs_agree(exp, run, f, trained)
    )
    if missing and not present and not orphans:
        n = len(missing)
        yield plan.hit(
            "PL602",
            ("experiment", "dir"),
            f"experiment.dir exists but holds none of the {n} fine-tuned run folder{'s' if n != 1 else ''}: not scaffolded yet",
            "scaffold the runs (cruijff_kit's scaffold-experiment)",
        )
    else:
        twins = {f.name.lower() for f in orphans}
        for n, (name, i) in enumerate(missing):
            asked = orphans and (n < MAX_LISTED or name.lower() in twins)
            close = guess.folder_for(name) if asked else None
            hint = (
                f"is folder '{close}/' this run? rename it to '{name}/'"
                if close
                else "scaffold the run, or remove it from the plan"
            )
            yield plan.hit(
                "PL601",
                ("runs", i, "name"),
                f"fine-tuned run '{name}' has no folder {exp.text.rstrip('/')}/{name}/",
                hint,
            )
    yield from _check_orphans(plan, exp, orphans, guess)
    for name, (i, run) in names.items():
        folder = exp.folders.get(name)
        if folder is None or folder.outside or run.get("type") != "fine-tuned":
            continue
        yield from _check_run_folder(plan, exp, i, run, name, folder)


def _configs_agree(exp: ExperimentDir, run: Run, folder: Folder, trained: bool) -> bool:
    """May `folder` be `run` by its configs? They state no value other than the run's; and for a
    folder that holds results they must state every swept value they can hold (results of
    parameters nothing states are never relabelled by a guess)."""
    configs = exp.run_configs(folder)
    if config_drift(run, configs):
        return False
    if not trained:
        return True
    keys = [k for k in run.variables if k in DRIFT_KEYS]
    if not keys:
        return False
    finetune, setup = configs.get("finetune.yaml"), configs.get("setup_finetune.yaml")
    for key in keys:
        path, setup_key = DRIFT_KEYS[key]
        node: Any = finetune
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        if node is None and not (isinstance(setup, dict) and setup.get(setup_key) is not None):
            return False
    return True


def _check_orphans(plan: Plan, exp: ExperimentDir, orphans: list[Any], guess: RenameGuess) -> Iterator[Hit]:
    """Run-like folders of no run; a rename hint names the run that has no folder this one may
    be (the same pairing as PL601's hint)."""
    where = ("experiment", "dir")
    for n, f in enumerate(orphans):
        if n == MAX_LISTED:
            rest = ", ".join(o.name for o in orphans[n : n + 5])
            yield plan.hit(
                "PL603",
                where,
                f"and {len(orphans) - n} more folders under experiment.dir belong to no run ({rest}, ...)",
                "see `planlint status`",
            )
            return
        if exp.folder_has(f, "artifacts"):
            why = (
                " (the random name cruijff_kit's launcher uses when my_wandb_run_name is missing?)"
                if _RANDOM_NAME.match(f.name)
                else ""
            )
            msg = f"{f.name}/artifacts/ lies under a folder that is no run of the plan{why}: its checkpoints are attributed to no run"
            yield plan.hit(
                "PL604",
                where,
                msg,
                "move the artifacts to the run's folder, or add the run to the plan; set my_wandb_run_name to the run name in setup_finetune.yaml",
            )
        else:
            close = guess.run_for(f.name)
            hint = (
                f"rename it to '{close}/' if it is that run"
                if close
                else "remove it, or add its run to the plan"
            )
            yield plan.hit(
                "PL603", where, f"folder {f.name}/ holds run configs but belongs to no run of the plan", hint
            )


def _check_run_folder(
    plan: Plan, exp: ExperimentDir, i: int, run: YMap, name: str, folder: Any
) -> Iterator[Hit]:
    configs = exp.run_configs(folder)
    got = wandb_name(configs)
    if got is not None:
        file, value = got
        if not isinstance(value, str) or not value:
            msg = f"{name}/{file} has no my_wandb_run_name: the launcher writes artifacts under a random adjective_noun folder"
            yield plan.hit(
                "PL605", ("runs", i, "name"), msg, f'add my_wandb_run_name: "{name}" to {name}/{file}'
            )
        elif value != name:
            msg = f"my_wandb_run_name is '{value}' in {name}/{file}, but the run is '{name}': its artifacts would land in {value}/"
            yield plan.hit("PL605", ("runs", i, "name"), msg, f'set my_wandb_run_name: "{name}"')
    for d in config_drift(run_at(plan, i), configs):
        path = d.plan_path if d.plan_path and d.plan_path[0] == "runs" else ("runs", i, "name")
        yield plan.hit("PL606", path, *_drift_text(name, d))
    moved = output_drift(run_at(plan, i), configs, str(exp.path) if exp.path else exp.text or "")
    if moved is not None:
        msg = (
            f"run '{name}': its checkpoints would land in {moved.found}, not {moved.expected} ({moved.reason}):"
            " evaluation and `planlint status` look for them in the run folder"
        )
        fix = (
            f'set project_dir: "{moved.project_dir}" and experiment_name: "{moved.experiment_name}" in {name}/setup_finetune.yaml,'
            " then re-run setup_finetune.py there; move checkpoints already written into the run folder"
        )
        yield plan.hit("PL613", ("runs", i, "name"), msg, fix)


def _drift_text(name: str, d: Any) -> tuple[str, str]:
    """The PL606 message and a hint that changes what the run does, not only what the plan says."""
    where = d.file
    if d.key == "training data":
        msg = f"run '{name}': {where} trains on {d.found}, the plan says {d.plan}"
        return msg, (
            f"re-scaffold the run so setup_finetune.yaml's input_dir_base / dataset_label / dataset_ext name {d.plan},"
            " or point the plan at the file the run trains on"
        )
    msg = f"run '{name}': {where} has {d.key} {d.found}, the plan says {d.plan}"
    if d.note:
        msg += f" ({d.note})"
        return msg, (
            f"for the plan's value to take effect, write `{d.key}: {d.plan}` into {name}/setup_finetune.yaml"
            " and re-run setup_finetune.py there (or set it in the run's parameters and re-scaffold)"
        )
    msg += " (an OOM retry or a hand edit?)"
    return msg, (
        f"re-scaffold the run from the plan, or record the value in the plan (parameters: {{{d.key}: {d.found}}})"
    )


# -- models and data ------------------------------------------------------------------------------


def _check_models(plan: Plan, skipped: list[tuple[str, tuple[Any, ...]]]) -> Iterator[Hit]:
    for idx, model in plan.models():
        text = model.get("path")
        if not isinstance(text, str):
            continue
        where = ("models", "base", idx, "path")
        p = plan_path(plan, text)
        if p is None:
            skipped.append((f"models.base[{idx}].path {text} holds a placeholder", where))
            continue
        if not _reachable(p):
            skipped.append((f"models.base[{idx}].path {text} is not on this machine", where))
            continue
        try:
            exists, is_dir = p.exists(), p.is_dir()
            has_config = is_dir and (p / "config.json").is_file()
        except OSError:
            skipped.append((f"models.base[{idx}].path {text} cannot be read", where))
            continue
        if not exists:
            siblings = _siblings(p)
            close = closest(p.name, siblings, 0.6)
            hint = (
                f"did you mean '{p.parent / close}'?"
                if close
                else "download the model there, or fix the path"
            )
            yield plan.hit("PL607", where, f"model path {text} does not exist", hint)
        elif not is_dir:
            yield plan.hit(
                "PL607",
                where,
                f"model path {text} is a file, not a model folder",
                "point it at the folder that holds config.json and the weights",
            )
        elif not has_config:
            yield plan.hit(
                "PL608",
                where,
                f"model folder {text} holds no config.json: torchtune's Hugging Face checkpointer needs it",
                "download the Hugging Face format of the model (config.json, *.safetensors)",
            )


def _near(p: Path, otherwise: str) -> str:
    """A missing file's hint: the near name in its folder, else `otherwise`."""
    close = closest(p.name, _siblings(p), 0.6)
    return f"did you mean '{p.parent / close}'?" if close else otherwise


def _siblings(p: Path) -> list[str]:
    try:
        with os.scandir(p.parent) as it:
            return sorted(e.name for e in it)[:2000]
    except OSError:
        return []


def _used_paths(plan: Plan) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(where, text) of the paths cruijff_kit's scaffold uses verbatim: a run's `dataset_path` (at
    run level or in `parameters`) and an eval-only run's `parameters.checkpoint_path`; an eval
    task's `script` and `dataset` when absolute (a relative one is the blueprint's, resolved
    against the cruijff_kit checkout, not the plan)."""
    for i, run in plan.runs():
        params = run.get("parameters")
        for holder, where in ((run, ("runs", i)), (params, ("runs", i, "parameters"))):
            if not isinstance(holder, dict):
                continue
            for key in ("dataset_path", "checkpoint_path") if holder is params else ("dataset_path",):
                text = holder.get(key)
                if isinstance(text, str) and text.strip():
                    yield (*where, key), text
    tasks = plan.section("evaluation").get("tasks")
    for j, task in enumerate(tasks if isinstance(tasks, list) else []):
        for key in ("script", "dataset"):
            text = task.get(key) if isinstance(task, dict) else None
            if isinstance(text, str) and text.strip().startswith(("/", "~")):
                yield ("evaluation", "tasks", j, key), text


def _check_used_paths(plan: Plan) -> Iterator[Hit]:
    """PL615: a path the scaffold uses as written that is missing where its folder exists."""
    seen: dict[str, bool] = {}
    for where, text in _used_paths(plan):
        missing = seen.get(text)
        p = plan_path(plan, text)
        if missing is None:
            missing = seen[text] = p is not None and _reachable(p) and not _exists(p)
        if not missing or p is None:
            continue
        from planlint.plan.schema import dotted

        yield plan.hit(
            "PL615",
            where,
            f"{dotted(where)} {text} does not exist (the scaffold uses it as written)",
            _near(p, "fix the path (its folder exists)"),
        )


def _exists(p: Path) -> bool:
    try:
        return p.exists()
    except OSError:
        return True  # cannot tell: no finding


def _check_data(plan: Plan, skipped: list[tuple[str, tuple[Any, ...]]]) -> Iterator[Hit]:
    training = plan.section("data", "training")
    text = training.get("path")
    if not isinstance(text, str):
        return
    where = ("data", "training", "path")
    p = plan_path(plan, text)
    if p is None:
        skipped.append((f"data.training.path {text} holds a placeholder", where))
        return
    if not _reachable(p):
        skipped.append((f"data.training.path {text} is not on this machine", where))
        return
    try:
        if not p.exists():
            generation = plan.section("data", "data_generation")
            if generation:
                tool = generation.get("tool")
                by = f" (tool {tool})" if isinstance(tool, str) else ""
                yield plan.hit(
                    "PL614",
                    where,
                    f"training data {text} does not exist yet: data.data_generation{by} generates it at scaffold time",
                    "scaffold-experiment runs prepare_data before the runs are set up; run `planlint check` again after scaffolding to count its records",
                )
                return
            yield plan.hit("PL609", where, f"training data {text} does not exist", _near(p, "fix the path"))
            return
        if p.is_dir() or p.suffix.lower() in (".parquet", ".arrow", ".csv"):
            skipped.append((f"data.training.path {text} is not a JSON file (records not counted)", where))
            return
        raw = read_bounded(p, MAX_DATA_BYTES)
    except Refused as exc:
        if exc.too_large:
            size = p.stat().st_size
            skipped.append(
                (
                    f"data.training.path {text} is {size / 1e6:.0f} MB, over {MAX_DATA_BYTES // 2**20} MB (records not counted)",
                    where,
                )
            )
            return
        yield plan.hit(
            "PL611",
            where,
            f"training data {text} is {exc.reason}: not read",
            "point data.training.path at the JSON file of records",
        )
        return
    except OSError as exc:
        skipped.append((f"data.training.path {text} cannot be read ({exc.strerror or exc})", where))
        return
    records, problem = records_of(raw)
    if problem:
        yield plan.hit(
            "PL611",
            where,
            f"training data {text} {problem}",
            'write a JSON list of records, JSON lines, or {"train": [...], "validation": [...], "test": [...]} (a "metadata" object may sit beside the splits)',
        )
        return
    splits = training.get("splits")
    if isinstance(splits, YMap) and records is not None:
        yield from _compare_counts(plan, text, records, splits)


def _compare_counts(
    plan: Plan, text: str, records: list[Any] | dict[str, list[Any]], splits: YMap
) -> Iterator[Hit]:
    planned = {k: n for k, v in splits.items() if (n := as_int(v)) is not None}
    if isinstance(records, list):
        want = sum(planned.values())
        if planned and len(records) != want:
            parts = " + ".join(f"{k} {text_of(splits, k)}" for k in planned)
            yield plan.hit(
                "PL610",
                ("data", "training", "splits"),
                f"training data {text} holds {len(records)} records, the plan's splits sum to {want} ({parts})",
                f"correct data.training.splits (the file is a single list of {len(records)})",
                key=True,
            )
        return
    for k, want in planned.items():
        if k not in records:
            if want:
                yield plan.hit(
                    "PL610",
                    ("data", "training", "splits", k),
                    f"training data {text} has no '{k}' split, the plan counts {want} records in it",
                    f"splits in the file: {', '.join(records)}",
                )
            continue
        got = len(records[k])
        if got != want:
            yield plan.hit(
                "PL610",
                ("data", "training", "splits", k),
                f"training data {text} holds {got} '{k}' records, the plan says {want}",
                f"{k}: {got}",
            )
