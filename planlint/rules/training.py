"""PL3xx: training — optimizer steps against warmup, packing, prompts, GPUs and validation, dataset types.

Every fine-tuned run is evaluated with its own values (a run's `parameters` override `controls`), but
a problem is reported once per distinct set of numbers, at the most specific node that causes it: the
run's override when it has one, else the `controls` key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from planlint.estimate.steps import steps_per_epoch
from planlint.finding import Hit
from planlint.plan.datafile import file_train_samples
from planlint.plan.load import YMap
from planlint.plan.model import Plan
from planlint.plan.run import Run, Setting, run_at
from planlint.plan.schema import control_default
from planlint.plan.values import as_int
from planlint.plan.vocabulary import DATASET_TYPES
from planlint.rules.base import Context, E, I, Rule, W

#: torchtune's (and cruijff_kit's setup_finetune.py) default `lr_scheduler.num_warmup_steps`:
#: the schema's default of controls.num_warmup_steps, its one home.
DEFAULT_WARMUP = int(control_default("num_warmup_steps")[1])
#: cruijff_kit's setup_finetune.py warns below this many times the warmup.
WARMUP_FACTOR = 3
#: Run keys that give a run its own training data, so `data.training.splits` does not describe it.
OWN_DATA_KEYS = ("dataset_path", "training_condition", "dataset_label")
_OWN_DATA = frozenset(OWN_DATA_KEYS)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

FAMILY = "training"
RULES = (
    Rule(
        "PL301",
        "warmup-exceeds-steps",
        E,
        "the run has fewer optimizer steps than its stated num_warmup_steps",
    ),
    Rule(
        "PL302",
        "default-warmup-exceeds-steps",
        W,
        "fewer optimizer steps than torchtune's default warmup of 100 (warmup not stated)",
    ),
    Rule(
        "PL303",
        "short-after-warmup",
        W,
        "fewer optimizer steps than 3x num_warmup_steps (stated, or the base recipe's)",
    ),
    Rule(
        "PL304",
        "batch-exceeds-data",
        W,
        "the effective batch (batch x grad accum x GPUs) is larger than the training split",
    ),
    Rule(
        "PL305", "packed-steps-unknown", I, "packed: true without a token count: the step checks were skipped"
    ),
    Rule(
        "PL306", "prompt-without-input", E, "a prompt (controls, run or task) lacks the {input} placeholder"
    ),
    Rule(
        "PL307",
        "validation-multi-gpu",
        W,
        "validation_during_training on several GPUs: the distributed recipe has no validation loop",
    ),
    Rule(
        "PL308",
        "system-prompt-inert",
        W,
        "a non-empty system_prompt with dataset_type text_completion is dropped",
    ),
    Rule(
        "PL309",
        "bad-dataset-type",
        E,
        "a run's or variable's dataset_type is not chat_completion or text_completion",
    ),
    Rule(
        "PL310",
        "unknown-recipe",
        I,
        "controls.base_recipe is not a torchtune 0.6.1 recipe config: the step checks assume torchtune's defaults",
    ),
    # Off by default: the checklist's own seed sweep (800 samples, batch 4, 1 epoch = 200 steps)
    # is below it, as cruijff_kit's setup_finetune.py warns at scaffold time. Enable it with
    # `extend-select = ["PL311"]` to see that warning before scaffolding.
    Rule(
        "PL311",
        "short-after-default-warmup",
        W,
        "fewer optimizer steps than 3x torchtune's default warmup of 100 (warmup not stated)",
        enabled=False,
    ),
    Rule(
        "PL312",
        "gpus-not-passed",
        W,
        "controls.gpus (or a run's parameters.gpus) above 1 that no compute.gpus states: cruijff_kit's scaffold passes only runs[].compute.gpus to setup_finetune.py",
    ),
)


@dataclass
class _Group:
    """One distinct problem: where it is reported and which runs share it."""

    path: tuple[Any, ...]
    key: bool
    runs: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


def _subject(group: _Group, total: int) -> str:
    if group.path[0] == "controls" and len(group.runs) == total and total > 1:
        return f"every fine-tuned run ({total})"
    first = f"run '{group.runs[0]}'"
    if len(group.runs) > 1:
        return f"{first} and {len(group.runs) - 1} other run{'s' if len(group.runs) > 2 else ''}"
    return first


def check(plan: Plan, context: Context) -> Iterator[Hit]:
    """Every PL3 rule: step arithmetic per fine-tuned run, prompts, GPUs with validation, dataset types."""
    yield from _check_recipe(plan)
    yield from _check_steps(plan)
    yield from _check_prompts(plan)
    yield from _check_gpus_and_types(plan)
    yield from _check_gpus_passed(plan)


def _check_gpus_passed(plan: Plan) -> Iterator[Hit]:
    """PL312: a GPU count the scaffold never passes on. cruijff_kit's scaffold hands
    `runs[].compute.gpus` to setup_finetune.py as --gpus (1 without it) and reads no `gpus`
    elsewhere, so `controls.gpus: 4` alone trains every run on one GPU."""
    from planlint.plan.schema import dotted

    unpassed: dict[tuple[Any, ...], tuple[int, list[str]]] = {}
    for i, run in plan.runs():
        if run.get("type") != "fine-tuned":
            continue
        view = run_at(plan, i)
        if view.gpus.source == "compute":
            continue
        stated = view.setting("gpus")
        count = as_int(stated.value)
        if stated.path is not None and count is not None and count > 1:
            unpassed.setdefault(stated.path, (count, []))[1].append(str(run.get("name")))
    for path, (count, names) in unpassed.items():
        who = f"run '{names[0]}' states" if len(names) == 1 else f"its {len(names)} fine-tuned runs state"
        yield plan.hit(
            "PL312",
            path,
            f"{dotted(path)} asks for {count} GPUs, but {who} no compute.gpus: cruijff_kit's scaffold"
            " passes only runs[].compute.gpus to setup_finetune.py, so as scaffolded they train on 1 GPU"
            f" (the other checks count the {count} the plan asks for)",
            f"put the count in each run's compute block (compute: {{gpus: {count}}}), where the scaffold reads it",
        )


#: The settings the step arithmetic of a run reads (with `base_recipe`, which the others may
#: come from): a run whose parameters hold none of them has the outcome of every such run.
_STEP_KEYS = frozenset(
    (
        "batch_size",
        "gradient_accumulation_steps",
        "epochs",
        "num_warmup_steps",
        "gpus",
        "packed",
        "max_seq_len",
        "base_recipe",
    )
)

#: What one run contributes to `_check_steps`: nothing (None), a skipped packed run (the path
#: and key of its `packed` setting), or the problems it has, each (group key, path, key, detail).
_Steps = (
    tuple[str, tuple[Any, ...], bool]
    | list[tuple[tuple[Any, ...], tuple[Any, ...], bool, dict[str, Any]]]
    | None
)


def _check_steps(plan: Plan) -> Iterator[Hit]:
    splits = plan.section("data", "training").get("splits")
    train = as_int(splits.get("train")) if isinstance(splits, YMap) else None
    controls = plan.controls
    tokens_key = next((k for k in ("total_tokens", "num_tokens") if as_int(controls.get(k))), None)
    groups: dict[tuple[Any, ...], _Group] = {}
    packed_skip: _Group | None = None
    fine_tuned = 0
    own_data = "dataset_label" in plan.variables
    # the outcome of the runs that state none of _STEP_KEYS, by GPU count (a run's compute.gpus)
    shared: dict[Any, _Steps] = {}
    for i, run in plan.runs():
        if run.get("type") != "fine-tuned":
            continue
        fine_tuned += 1
        params = run.get("parameters")
        if not _OWN_DATA.isdisjoint(run) or (isinstance(params, YMap) and not _OWN_DATA.isdisjoint(params)):
            # its own file: the steps follow from that file's records (a generated condition's
            # count is unknown until generation, so nothing to check)
            view = run_at(plan, i)
            data = view.training_data
            if data.kind != "dataset_path" or own_data or "dataset_label" in run:
                continue
            counted = file_train_samples(plan, data.text)
            if counted.samples is None:
                continue
            outcome = _steps_of(plan, i, view, counted.samples, tokens_key, (counted.source, data.path))
            _group_steps(outcome, str(run.get("name")), groups)
            continue
        if own_data:
            continue
        name = str(run.get("name"))
        view = run_at(plan, i)
        if view.own(_STEP_KEYS):
            outcome = _steps_of(plan, i, view, train, tokens_key)
        else:
            gpus = view.gpus.value
            if gpus not in shared:
                shared[gpus] = _steps_of(plan, i, view, train, tokens_key)
            outcome = shared[gpus]
        if outcome is None:
            continue
        if isinstance(outcome, tuple):
            if packed_skip is None:
                packed_skip = _Group(outcome[1], outcome[2])
            packed_skip.runs.append(name)
            continue
        _group_steps(outcome, name, groups)
    for (rule, *_), g in groups.items():
        yield _step_hit(plan, rule, g, fine_tuned)
    if packed_skip is not None:
        n = len(packed_skip.runs)
        msg = f"packed: true: the number of packed sequences is unknown from the plan, so the warmup/step checks of {n} fine-tuned run{'s' if n > 1 else ''} were skipped"
        hint = "state the training token count (controls.total_tokens) and max_seq_len to check the steps of a packed run"
        yield plan.hit("PL305", packed_skip.path, msg, hint, key=packed_skip.key)


def _group_steps(outcome: _Steps, name: str, groups: dict[tuple[Any, ...], _Group]) -> None:
    """Add a run's problems to the groups of runs that share them (a packed run: not here)."""
    if not isinstance(outcome, list):
        return
    for group_key, path, key, detail in outcome:
        g = groups.get(group_key)
        if g is None:
            g = groups[group_key] = _Group(path, key, detail=detail)
        g.runs.append(name)


def _steps_of(
    plan: Plan,
    i: int,
    view: Run,
    train: int | None,
    tokens_key: str | None,
    own_data: tuple[str, tuple[Any, ...]] | None = None,
) -> _Steps:
    """The step arithmetic of one fine-tuned run (see `_Steps`); `own_data` is (what the train
    count is, where the plan names the file) for a run on its own `dataset_path`."""
    bs_s = view.setting("batch_size")
    gas_s = view.setting("gradient_accumulation_steps", 1)
    ep_s = view.setting("epochs")
    wu_s = view.setting("num_warmup_steps", DEFAULT_WARMUP)
    gpu_s = view.gpus
    packed_s = view.setting("packed", False)
    bs, gas, epochs, warmup, gpus = (as_int(s.value) for s in (bs_s, gas_s, ep_s, wu_s, gpu_s))
    if (
        not bs
        or not gas
        or not epochs
        or not gpus
        or warmup is None
        or bs < 1
        or gas < 1
        or epochs < 1
        or gpus < 1
    ):
        return None  # the schema reports missing or mistyped values
    settings = {
        "num_warmup_steps": wu_s,
        "batch_size": bs_s,
        "gradient_accumulation_steps": gas_s,
        "epochs": ep_s,
        "gpus": gpu_s,
    }
    approx = False
    if packed_s.value is True:
        msl_s = view.setting("max_seq_len")
        msl = as_int(msl_s.value)
        if tokens_key and msl:
            samples = -(-as_int(plan.controls[tokens_key]) // msl)  # type: ignore[operator]
            approx = True
            settings["max_seq_len"] = msl_s
        else:
            return ("packed", packed_s.path or ("controls",), packed_s.path is None)
    elif train is None:
        return None
    else:
        samples = train
    out: list[tuple[tuple[Any, ...], tuple[Any, ...], bool, dict[str, Any]]] = []
    effective = bs * gas * gpus
    per_epoch = steps_per_epoch(samples, bs, gas, gpus) if samples else 0
    total = per_epoch * epochs
    where = _most_specific(settings)
    arithmetic = _arithmetic(samples, approx, tokens_key, bs, gas, gpus, per_epoch, epochs, total)
    if own_data is not None:
        arithmetic = arithmetic.replace(f"{samples} train samples", f"{samples} {own_data[0]}", 1)
        where = where or (own_data[1], False)
    sources = [
        f"{label} {s.value} from recipe {_recipe_of(plan, i)}"
        for label, s in (("batch", bs_s), ("grad accum", gas_s), ("epochs", ep_s))
        if s.source == "recipe"
    ]
    if sources:
        arithmetic += f"; {', '.join(sources)}"
    if samples and effective > samples:
        path, key = where or (bs_s.path or ("controls",), bs_s.path is None)
        detail = {"samples": samples, "effective": effective, "approx": approx}
        out.append((("PL304", samples, effective, own_data), path, key, detail))
    if warmup <= 0:
        return out
    if total < warmup:
        rule = "PL301" if wu_s.stated else "PL302"
    elif total < WARMUP_FACTOR * warmup:
        rule = "PL303" if wu_s.stated or wu_s.source == "recipe" else "PL311"
    else:
        return out
    if where is None:
        where = (wu_s.path, False) if wu_s.path else (("controls",), True)
    detail = {
        "total": total,
        "warmup": warmup,
        "arith": arithmetic,
        "warmup_from": _origin(wu_s, plan, i),
        "fixes": _step_fixes(samples, bs, gas, gas_s, gpus, epochs, WARMUP_FACTOR * warmup),
    }
    out.append(((rule, total, warmup, own_data), where[0], where[1], detail))
    return out


def _most_specific(settings: dict[str, Setting]) -> tuple[tuple[Any, ...], bool] | None:
    """The first of the run's own overrides among the values that produced the step count."""
    for s in settings.values():
        if s.from_run and s.path is not None:
            return s.path, False
    return None


def _arithmetic(
    samples: int,
    approx: bool,
    tokens_key: str | None,
    bs: int,
    gas: int,
    gpus: int,
    per_epoch: int,
    epochs: int,
    total: int,
) -> str:
    what = (
        f"≈{samples} packed sequences (controls.{tokens_key} / max_seq_len)"
        if approx
        else f"{samples} train samples"
    )
    batch = f"batch {bs} x grad accum {gas}" + (f" x {gpus} GPUs" if gpus > 1 else "")
    return f"{what} / ({batch}) = {per_epoch} step{'s' if per_epoch != 1 else ''} per epoch x {epochs} epoch{'s' if epochs != 1 else ''} = {total}"


def _step_hit(plan: Plan, rule: str, g: _Group, fine_tuned: int) -> Hit:
    who = _subject(g, fine_tuned)
    trains = "train" if len(g.runs) > 1 and not who.startswith("every") else "trains"
    d = g.detail
    if rule == "PL304":
        shown = f"≈{d['samples']} packed sequences" if d["approx"] else f"{d['samples']} train samples"
        msg = f"{who}: the effective batch of {d['effective']} is larger than the {shown}: at most one optimizer step per epoch"
        return plan.hit(
            rule,
            g.path,
            msg,
            "lower batch_size or gradient_accumulation_steps, or use more training data",
            key=g.key,
        )
    total, warmup = d["total"], d["warmup"]
    origin = d["warmup_from"]
    if rule == "PL301":
        msg = f"{who} {trains} {total} optimizer steps ({d['arith']}) but num_warmup_steps is {warmup}: the learning rate never reaches its target"
    elif rule == "PL302":
        msg = f"{who} {trains} {total} optimizer steps ({d['arith']}), fewer than {_warmup_words(origin, warmup)}: the learning rate never reaches its target"
    else:  # PL303, PL311
        shown = f"num_warmup_steps {warmup}" if origin == "stated" else _warmup_words(origin, warmup)
        msg = f"{who} {trains} {total} optimizer steps ({d['arith']}), less than {WARMUP_FACTOR}x {shown}: most of training runs below the target learning rate"
    return plan.hit(rule, g.path, msg, _warmup_hint(d["fixes"], total, origin == "stated"), key=g.key)


def _origin(warmup: Setting, plan: Plan, index: int) -> str:
    """Where the warmup of a run comes from: "stated", "recipe NAME" or "default"."""
    if warmup.stated:
        return "stated"
    if warmup.source == "recipe":
        return f"recipe {_recipe_of(plan, index)}"
    return "default"


def _warmup_words(origin: str, warmup: int) -> str:
    if origin.startswith("recipe "):
        return f"the {warmup} warmup steps of {origin}"
    return f"torchtune's default warmup of {warmup} steps"


def _recipe_of(plan: Plan, index: int) -> str:
    return str(run_at(plan, index).setting("base_recipe").value)


def _step_fixes(
    samples: int, bs: int, gas: int, gas_s: Setting, gpus: int, epochs: int, needed: int
) -> list[str]:
    """Changes of the plan that cruijff_kit carries into training and that give `needed` steps."""
    out: list[str] = []
    per = max(1, samples)

    def steps(g: int) -> int:
        return -(-per // (bs * g * gpus)) * epochs

    best = next((g for g in range(gas - 1, 0, -1) if steps(g) >= needed), None)
    overrides = " (overrides the recipe's)" if gas_s.source == "recipe" else ""
    if best is not None:
        out.append(f"controls.gradient_accumulation_steps: {best}{overrides} gives {steps(best)} steps")
    elif gas > 1:
        per_epoch_1 = -(-per // (bs * gpus))
        more = -(-needed // per_epoch_1)
        if more <= max(10, 3 * epochs):
            out.append(
                f"controls.gradient_accumulation_steps: 1{overrides} with controls.epochs: {more} gives {per_epoch_1 * more} steps"
            )
    per_epoch = -(-per // (bs * gas * gpus))
    more = -(-needed // per_epoch)
    if more <= max(10, 3 * epochs):
        out.append(f"controls.epochs: {more} gives {per_epoch * more} steps")
    return out


def _warmup_hint(fixes: list[str], total: int, stated: bool) -> str:
    """How to get past the warmup in a way cruijff_kit actually applies.

    cruijff_kit copies controls.epochs, batch_size and gradient_accumulation_steps into each run's
    setup_finetune.yaml (propagate.py TRAIN_FIELDS) but not controls.num_warmup_steps: a warmup
    takes effect only when it is written into setup_finetune.yaml itself.
    """
    suggest = total // 10  # a tenth of the steps: below the 3x guard, 0 for tiny runs
    if stated:
        lower = (
            f"or lower num_warmup_steps (e.g. {suggest}, a tenth of the steps) in controls and in each run's"
            " setup_finetune.yaml (cruijff_kit does not propagate controls.num_warmup_steps)"
        )
    else:
        lower = (
            f"or shorten the warmup: num_warmup_steps: {suggest} in each run's setup_finetune.yaml"
            " (cruijff_kit does not propagate controls.num_warmup_steps), and state it in controls so"
            " planlint checks the same number"
        )
    if fixes:
        return "train more optimizer steps: " + ", or ".join(fixes) + "; " + lower
    return "train more optimizer steps (more data, more epochs, a smaller batch); " + lower


def _check_recipe(plan: Plan) -> Iterator[Hit]:
    """PL310: a base_recipe the torchtune recipe table does not hold."""
    from planlint.plan.recipes import known_recipes, recipe_values, torchtune_version

    seen: set[str] = set()
    for run in (run_at(plan, i) for i, _ in plan.runs()):
        if not run.fine_tuned:
            continue
        s = run.setting("base_recipe")
        if not isinstance(s.value, str) or s.value in seen or s.path is None:
            continue
        seen.add(s.value)
        if recipe_values(s.value) is not None:
            continue
        import difflib

        close = difflib.get_close_matches(s.value, known_recipes(), n=1, cutoff=0.6)
        msg = f"base_recipe '{s.value}' is not a torchtune {torchtune_version()} recipe config: the step checks assume torchtune's defaults (warmup 100, grad accum 1) for what the plan leaves unset"
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else "name a config as `tune ls` lists it (e.g. llama3_2/1B_lora_single_device), or state batch_size, gradient_accumulation_steps, epochs and num_warmup_steps in controls"
        )
        yield plan.hit("PL310", s.path, msg, hint)


def _check_prompts(plan: Plan) -> Iterator[Hit]:
    controls = plan.controls
    if isinstance(controls.get("prompt"), str):
        yield from _prompt_hit(plan, controls["prompt"], ("controls", "prompt"), "controls.prompt")
    seen: dict[str, int] = {}
    for i, run in plan.runs():
        params = run.get("parameters")
        if not isinstance(params, YMap) or not isinstance(params.get("prompt"), str):
            continue
        prompt = params["prompt"]
        if prompt in seen:
            continue
        seen[prompt] = i
        yield from _prompt_hit(
            plan, prompt, ("runs", i, "parameters", "prompt"), f"the prompt of run '{run.get('name')}'"
        )
    for j, task in enumerate(plan.seq("evaluation", "tasks")):
        if isinstance(task, YMap) and isinstance(task.get("prompt"), str):
            yield from _prompt_hit(
                plan,
                task["prompt"],
                ("evaluation", "tasks", j, "prompt"),
                f"the prompt of task '{task.get('name')}'",
            )


def _prompt_hit(plan: Plan, prompt: str, path: tuple[Any, ...], what: str) -> Iterator[Hit]:
    if "{input}" in prompt:
        return
    others = [m for m in _PLACEHOLDER.findall(prompt) if m != "input"]
    if others:
        hint = f"did you mean {{input}}? ({{{others[0]}}} is filled from a record key of that name, if any)"
    else:
        hint = 'add {input} where the record\'s input goes, e.g. "Capitalize the given word: {input}\\n"'
    yield plan.hit(
        "PL306",
        path,
        f"{what} has no {{input}} placeholder: every example would train and evaluate on the same text",
        hint,
    )


def _check_gpus_and_types(plan: Plan) -> Iterator[Hit]:
    bad_types: set[str] = set()
    values = plan.variables.get("dataset_type")
    if values is not None:
        for j, v in enumerate(values):
            if isinstance(v, str) and v not in DATASET_TYPES and v not in bad_types:
                bad_types.add(v)
                yield plan.hit(
                    "PL309",
                    ("variables", "dataset_type", j),
                    f"dataset_type '{v}' is not one of {', '.join(DATASET_TYPES)}",
                    _type_hint(v),
                )
    validation: dict[tuple[Any, ...], _Group] = {}
    inert: dict[tuple[Any, ...], _Group] = {}
    # the runs that state none of _TYPE_KEYS, by GPU count (a run's compute.gpus)
    shared: dict[Any, tuple[_Where, _Where]] = {}
    for i, run in plan.runs():
        name = str(run.get("name"))
        view = run_at(plan, i)
        if view.own(_TYPE_KEYS):
            dt = view.setting("dataset_type")
            if (
                dt.from_run
                and isinstance(dt.value, str)
                and dt.value not in DATASET_TYPES
                and dt.value not in bad_types
            ):
                bad_types.add(dt.value)
                yield plan.hit(
                    "PL309",
                    dt.path or ("runs", i),
                    f"dataset_type '{dt.value}' of run '{name}' is not one of {', '.join(DATASET_TYPES)}",
                    _type_hint(dt.value),
                )
            wheres = _type_wheres(view, dt)
        else:
            gpus = view.gpus.value
            if gpus not in shared:
                shared[gpus] = _type_wheres(view, view.setting("dataset_type"))
            wheres = shared[gpus]
        where, valid = wheres
        if where is not None:
            inert.setdefault(where[0], _Group(where[0], False)).runs.append(name)
        if valid is None or run.get("type") != "fine-tuned":
            continue
        # runs that state their own GPU count share one finding per count, at the first of them
        key = valid[0] if valid[0][0] == "controls" else ("runs", valid[1])
        g = validation.setdefault(key, _Group(valid[0], False, detail={"gpus": valid[1]}))
        g.runs.append(name)
    for g in validation.values():
        who = _subject(g, 0) if g.path[0] != "controls" else "the fine-tuned runs"
        train = "trains" if len(g.runs) == 1 and g.path[0] != "controls" else "train"
        msg = f"{who} {train} on {g.detail['gpus']} GPUs with validation_during_training: true, but the distributed recipe has no validation loop: validation is skipped"
        yield plan.hit(
            "PL307",
            g.path,
            msg,
            "train on 1 GPU to validate during training, or set validation_during_training: false (cruijff_kit issue #474)",
        )
    for g in inert.values():
        who = "controls" if g.path[0] == "controls" else _subject(g, 0)
        msg = f"system_prompt is set but dataset_type is text_completion ({who}): base-model training uses no chat template and drops the system prompt"
        yield plan.hit(
            "PL308",
            g.path,
            msg,
            'put the instruction into the prompt instead, or use chat_completion; write system_prompt: "" to make it explicit',
        )


#: The settings `_check_gpus_and_types` reads of a run (see `_STEP_KEYS`).
_TYPE_KEYS = frozenset(("dataset_type", "system_prompt", "validation_during_training", "gpus", "base_recipe"))
#: Where a run's problem is reported (with what it says), or None when it has none.
_Where = tuple[tuple[Any, ...], Any] | None


def _type_wheres(view: Run, dt: Setting) -> tuple[_Where, _Where]:
    """Where the run's inert system prompt (PL308) and, were it fine-tuned, its validation on
    several GPUs (PL307, with the GPU count) are reported; None for a problem it does not have."""
    sp = view.setting("system_prompt")
    inert: _Where = None
    if dt.value == "text_completion" and isinstance(sp.value, str) and sp.value.strip() and sp.path:
        inert = (next((s.path for s in (sp, dt) if s.from_run and s.path), sp.path), None)
    val = view.setting("validation_during_training")
    gpu_s = view.gpus
    gpus = as_int(gpu_s.value)
    valid: _Where = None
    if val.value is True and gpus is not None and gpus > 1:
        vwhere = next((s.path for s in (gpu_s, val) if s.from_run and s.path), None) or gpu_s.path or val.path
        if vwhere is not None:
            valid = (vwhere, gpus)
    return inert, valid


def _type_hint(value: str) -> str:
    import difflib

    close = difflib.get_close_matches(value, DATASET_TYPES, n=1, cutoff=0.4)
    return f"did you mean '{close[0]}'?" if close else f"use one of {', '.join(DATASET_TYPES)}"
