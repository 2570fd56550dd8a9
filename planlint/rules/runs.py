"""PL2xx: runs — unique names, models, controls, parameters, sweep coverage, names from parameters."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from typing import Any

from planlint.finding import Hit
from planlint.plan.load import YMap
from planlint.plan.model import MODEL_AXIS, RUN_PARAMETER_KEYS, Plan, text_of
from planlint.plan.namecheck import contradictions
from planlint.plan.naming import (
    NAME_CHARS,
    ImpliedRun,
    implied_runs,
    name_matches,
    name_slots,
    render,
    rendered_name,
)
from planlint.plan.run import CONDITION_KEYS, EVAL_SETTINGS, RUN_KEYS, Run, run_at, run_key_variables, runs_of
from planlint.plan.runtext import run_yaml
from planlint.plan.schema import CONTROL_ALIASES, control_default
from planlint.plan.values import norm, norm_of
from planlint.rules.base import Context, E, I, Rule, W
from planlint.suggest import choices, did_you_mean

#: How many missing combinations a finding spells out before summarising.
MAX_LISTED = 8

FAMILY = "runs"
RULES = (
    Rule("PL201", "duplicate-run-name", E, "two runs share a name (their folders would collide)"),
    Rule("PL202", "run-name-characters", E, "a run name uses characters outside [A-Za-z0-9._-]"),
    Rule("PL203", "unknown-model", E, "runs[].model is not a models.base[].name"),
    Rule(
        "PL204",
        "missing-control",
        E,
        "a model with fine-tuned runs has no control run while others do",
    ),
    Rule(
        "PL205",
        "no-controls",
        W,
        "the plan has no control runs and does not set base_controls: false",
    ),
    Rule("PL206", "control-with-variables", E, "a control run sets a variable (a control trains nothing)"),
    Rule(
        "PL207",
        "eval-only-without-checkpoint",
        E,
        "an eval-only run has no parameters.checkpoint_path",
    ),
    Rule("PL208", "fine-tuned-without-parameters", E, "a fine-tuned run sets none of the variables"),
    Rule(
        "PL209",
        "unknown-parameter",
        E,
        "a run parameter that is no variable, controls key or run key",
    ),
    Rule("PL210", "control-override", I, "a run overrides a controls value (made visible)"),
    Rule("PL211", "value-outside-variable", E, "a swept value is not in its variable's list"),
    Rule("PL212", "missing-variable", E, "a fine-tuned run does not set every declared variable"),
    Rule(
        "PL213",
        "missing-combination",
        E,
        "combinations of the sweep that no run trains (per model and condition group)",
    ),
    Rule(
        "PL214",
        "duplicate-run",
        E,
        "two runs of one model and type with the same combination and condition",
    ),
    Rule("PL215", "unused-exclude", W, "a sweep.exclude entry matches no combination"),
    Rule("PL216", "bad-exclude", E, "a sweep.exclude entry names a key that is no variable or model"),
    Rule(
        "PL217",
        "name-mismatch",
        E,
        "a plain sweep run's (or plain control's) name contradicts its parameters or model (rank4 for"
        " lora_rank 8, 10K for sample_size 1000, 3B for a 1B model), or differs from the name they"
        " render once the plan declares its naming (naming, models.base[].short)",
    ),
    Rule("PL218", "unused-model", W, "a model in models.base that no run uses"),
    Rule("PL219", "name-collision", E, "the naming template gives two runs of the sweep the same name"),
    Rule("PL220", "duplicate-model", E, "two models.base entries share a name"),
    Rule("PL221", "bad-template", E, "naming.template or naming.control uses an unknown placeholder"),
    Rule("PL222", "unknown-axis-model", E, "a value of variables.model is not a models.base[].name"),
    Rule(
        "PL223",
        "name-contradicts-parameters",
        E,
        "a freely named run's name (a run with a condition, a plan without variables) says another"
        " value (rank8 for lora_rank 4, also against controls), model or model size than the run's",
    ),
    Rule(
        "PL224",
        "condition-not-trained",
        W,
        "a condition declared in data.data_generation.conditions that no run trains and no eval task"
        " evaluates on",
    ),
    Rule(
        "PL225",
        "unknown-training-condition",
        E,
        "a run's training_condition (or an eval task's eval_condition) is not declared in"
        " data.data_generation.conditions",
    ),
    Rule(
        "PL226",
        "name-own-form",
        I,
        "a run name in the researcher's own form (1B_10K, 1B_base): not the default template's, but"
        " contradicting nothing (declare naming to have names checked)",
    ),
)


def check(plan: Plan, context: Context) -> Iterator[Hit]:
    """Every PL2 rule over the plan's runs; linear in the number of runs."""
    models = plan.model_names()
    variables = plan.variables
    controls = plan.controls
    names: dict[str, int] = {}
    used_models: set[str] = set()
    domains = {var: {norm(v) for v in values} for var, values in variables.items()}
    swept_keys = run_key_variables(plan)  # variables a run sets at run level
    for i, run in plan.runs():
        name = run.get("name")
        if isinstance(name, str):
            if name in names:
                first_pos = plan.pos("runs", names[name], "name")
                hit = plan.hit(
                    "PL201",
                    ("runs", i, "name"),
                    f"run name '{name}' is used twice (first at line {first_pos[0]})",
                    "give each run its own name",
                )
                yield hit._replace(related=((*first_pos, f"the first run named '{name}'"),))
            else:
                names[name] = i
            if not NAME_CHARS.match(name):
                bad = "".join(sorted({c for c in name if not NAME_CHARS.match(c)}))
                yield plan.hit(
                    "PL202",
                    ("runs", i, "name"),
                    f"run name '{name}' contains {bad!r}: it names a folder",
                    "use only letters, digits, '.', '_' and '-'",
                )
        model = run.get("model")
        if isinstance(model, str):
            used_models.add(model)
            if model not in models:
                yield plan.hit(
                    "PL203",
                    ("runs", i, "model"),
                    f"model '{model}' is not in models.base",
                    _did_you_mean(model, list(models)) or _model_choices(models),
                )
        rtype = run.get("type")
        params = run.get("parameters")
        if not isinstance(params, YMap):
            if rtype == "fine-tuned" and swept_keys and params is None:
                yield from _check_run_variables(plan, run_at(plan, i), domains)
            continue
        if rtype == "control":
            for key in params:
                # a setting the control evaluates with may be swept: one control per system prompt
                if key in variables and key not in EVAL_SETTINGS:
                    yield plan.hit(
                        "PL206",
                        ("runs", i, "parameters", key),
                        f"control run '{name}' sets variable '{key}': a control evaluates the base model as-is",
                        f"remove {key}: a control trains nothing (it may set what it evaluates with:"
                        f" {' or '.join(EVAL_SETTINGS)})",
                        key=True,
                    )
        if rtype == "eval-only":
            if not params.get("checkpoint_path"):
                yield plan.hit(
                    "PL207",
                    ("runs", i, "parameters"),
                    f"eval-only run '{name}' has no parameters.checkpoint_path",
                    "checkpoint_path: /path/to/run/artifacts/epoch_0",
                )
        for key in params:
            if key in RUN_LEVEL_ONLY or (key in RUN_KEY_SLOTS and key in run):
                yield from _misplaced_run_key(plan, run_at(plan, i), key)
                continue
            if key in variables:
                continue
            if key == MODEL_AXIS and plan.model_axis is not None:
                yield plan.hit(
                    "PL209",
                    ("runs", i, "parameters", key),
                    f"run '{name}' sets parameters.model, but the model axis is set by the run's model:",
                    "remove parameters.model; write the model as `model:` of the run",
                    key=True,
                )
                continue
            if key in controls:
                value = params[key]
                if isinstance(value, str):  # quoted, so an empty prompt still shows: ""
                    shown = json.dumps(value, ensure_ascii=False)
                    shown = shown if len(shown) <= 60 else shown[:56] + '..."'
                else:
                    shown = text_of(params, key) if not isinstance(value, (dict, list)) else "..."
                same = norm(params[key]) == norm(controls[key])
                yield plan.hit(
                    "PL210",
                    ("runs", i, "parameters", key),
                    f"run '{name}' restates controls.{key} ({shown}, the same value)"
                    if same
                    else f"run '{name}' overrides controls.{key} with {shown}",
                    f"remove parameters.{key}: the run gets it from controls"
                    if same
                    else f"nothing to do if intended (info); sweep {key} under variables to compare its values",
                    key=True,
                )
            elif key not in RUN_PARAMETER_KEYS and not control_default(key)[0]:
                known = [*variables, *controls, *RUN_PARAMETER_KEYS]
                yield plan.hit(
                    "PL209",
                    ("runs", i, "parameters", key),
                    f"parameter '{key}' of run '{name}' is no variable, controls key or run key",
                    _did_you_mean(key, known) or "declare it under variables (swept) or controls (constant)",
                    key=True,
                )
        if rtype != "fine-tuned":
            continue
        if swept_keys:
            yield from _check_run_variables(plan, run_at(plan, i), domains)
            continue
        if variables and variables.keys().isdisjoint(params):
            yield plan.hit(
                "PL208",
                ("runs", i, "parameters"),
                f"fine-tuned run '{name}' sets none of the variables ({', '.join(variables)})",
                "give it the swept values it trains with",
            )
            continue
        for var, values in variables.items():
            if var not in params:
                yield plan.hit(
                    "PL212",
                    ("runs", i, "parameters"),
                    f"fine-tuned run '{name}' does not set variable '{var}'",
                    f"add {var}: <one of {', '.join(text_of(values, j) for j in range(len(values)))}>",
                )
                continue
            got = params[var]
            if norm_of(got) not in domains[var]:
                allowed = ", ".join(text_of(values, j) for j in range(len(values)))
                shown = text_of(params, var) if not isinstance(got, (dict, list)) else "a collection"
                yield plan.hit(
                    "PL211",
                    ("runs", i, "parameters", var),
                    f"{var} {shown} of run '{name}' is not in variables.{var} [{allowed}]",
                    f"use one of [{allowed}] or add it to variables.{var}",
                )
    yield from _check_axis(plan)
    yield from _check_names(plan)
    yield from _check_templates(plan)
    yield from _check_collisions(plan)
    yield from _check_controls(plan)
    yield from _check_coverage(plan)
    yield from _check_excludes(plan)
    yield from _check_conditions(plan)
    for name, idx in models.items():
        if name not in used_models:
            yield plan.hit(
                "PL218",
                ("models", "base", idx, "name"),
                f"model '{name}' is declared but no run uses it",
                "remove it or add its runs (`planlint fix --runs`)",
            )


#: Run keys scaffold-torchtune reads at run level or in `parameters` (either, not both).
RUN_KEY_SLOTS = frozenset(k for k in CONDITION_KEYS if k in RUN_PARAMETER_KEYS)
#: Run keys it reads at run level only (`training_condition`).
RUN_LEVEL_ONLY = RUN_KEYS - RUN_KEY_SLOTS


def _misplaced_run_key(plan: Plan, run: Run, key: str) -> Iterator[Hit]:
    """PL209 for a run key in `parameters` where cruijff_kit's scaffold does not read it
    (`training_condition`), or set both there and at run level."""
    mine = run.params[key]
    if key not in RUN_PARAMETER_KEYS:
        yield plan.hit(
            "PL209",
            mine.path,
            f"run '{run.name}' sets {key} in parameters, where cruijff_kit's scaffold does not read it"
            " (the run would train on data.training)",
            f"move it beside parameters, as a run key: {key}: {mine.text}",
            key=True,
        )
        return
    top = run.node.get(key)
    if top is None or norm(top) == norm(mine.value):
        return
    yield plan.hit(
        "PL209",
        mine.path,
        f"run '{run.name}' sets {key} twice, to {text_of(run.node, key)} beside parameters and to"
        f" {mine.text} in them",
        f"keep one of the two (scaffold-torchtune reads the run-level {key} first)",
        key=True,
    )


def _check_run_variables(plan: Plan, run: Run, domains: dict[str, set[Any]]) -> Iterator[Hit]:
    """PL208/PL212/PL211 of a fine-tuned run of a plan with a variable named like a run key
    (`training_condition`), read through the Run view: its run-level key is its value."""
    variables = plan.variables
    where = (*run.path, "parameters") if run.parameters is not None else run.path
    given = {var: run.given(var) for var in variables}
    if not any(v is not None for v in given.values()):
        yield plan.hit(
            "PL208",
            where,
            f"fine-tuned run '{run.name}' sets none of the variables ({', '.join(variables)})",
            "give it the swept values it trains with"
            + "".join(
                f"; {k} goes beside parameters, as a run key" for k in variables if k in CONDITION_KEYS
            ),
        )
        return
    for var, values in variables.items():
        allowed = ", ".join(text_of(values, j) for j in range(len(values)))
        got = given[var]
        if got is None:
            spot = "" if var not in CONDITION_KEYS else " (a run key: beside parameters)"
            yield plan.hit(
                "PL212",
                where,
                f"fine-tuned run '{run.name}' does not set variable '{var}'",
                f"add {var}: <one of {allowed}>{spot}",
            )
        elif norm(got.value) not in domains[var]:
            shown = got.text if not isinstance(got.value, (dict, list)) else "a collection"
            yield plan.hit(
                "PL211",
                got.path,
                f"{var} {shown} of run '{run.name}' is not in variables.{var} [{allowed}]",
                f"use one of [{allowed}] or add it to variables.{var}",
            )


def _did_you_mean(word: str, options: list[str]) -> str | None:
    alias = CONTROL_ALIASES.get(word)
    if alias in options:
        return f"did you mean '{alias}'?"
    return did_you_mean(word, options)


def _model_choices(models: Collection[str]) -> str:
    """The hint for a model name that is not declared and is like none that is."""
    if not models:
        return "declare the model under models.base (name and path)"
    return f"use one of models.base: {choices(models)}; or declare it there"


def _check_axis(plan: Plan) -> Iterator[Hit]:
    axis = plan.model_axis
    if axis is None:
        return
    models = plan.model_names()
    for j, value in enumerate(axis):
        if value not in models:
            yield plan.hit(
                "PL222",
                ("variables", MODEL_AXIS, j),
                f"variables.model names '{value}', which is not in models.base",
                _did_you_mean(str(value), list(models)) or "declare it under models.base, or remove it",
            )


def _plain_controls(plan: Plan) -> dict[str, list[Run]]:
    """Controls per model; a model's controls that carry no condition."""
    out: dict[str, list[Run]] = {}
    for run in runs_of(plan):
        if run.type == "control" and run.model is not None and not run.condition:
            out.setdefault(run.model, []).append(run)
    return out


def _template_covers(plan: Plan, run: Run) -> bool:
    """Does naming.template name every condition key of the run (so the run's name is rendered)?"""
    template = plan.template()
    return all("{" + key + "}" in template for key in run.condition_items)


def naming_declared(plan: Plan) -> bool:
    """Has the researcher declared the naming convention (a `naming` section, a model's `short`,
    or `naming` in the configuration)? Then names must follow it; else only contradictions count."""
    if plan.naming or plan.config.naming:
        return True
    return any(isinstance(m.get("short"), str) for _, m in plan.models())


def _check_names(plan: Plan) -> Iterator[Hit]:
    """PL217 / PL223 / PL226: what a run's name says against what the run does.

    A name that contradicts its run (another value, model or size) is an error: PL217 for a run
    whose name the template renders, PL223 for a freely named one (a run with a condition, a
    second control, a plan without variables). A name that merely differs from the template is an
    error only when the plan declares its naming; otherwise it is the researcher's form (cruijff
    derives no folder from a template), reported as PL226 info."""
    models = plan.model_names()
    variables = plan.variables
    controls = _plain_controls(plan)
    declared: bool | None = None
    own_form: list[tuple[Run, str, str]] = []
    for run in runs_of(plan):
        name, model = run.name, run.model
        if name is None or model is None or model not in models:
            continue
        slots = None
        if run.fine_tuned and variables and (not run.condition or _template_covers(plan, run)):
            values = run.variables
            if len(values) < len(variables):
                continue
            items = run.condition_items
            if rendered_name(plan, model, values, False, items) == name:
                continue  # the name its parameters render (most runs): nothing to compare
            params = {k: (v.value, v.text) for k, v in values.items()}
            cond = {k: (v.value, v.text) for k, v in items.items()} if items else {}
            slots = name_slots(plan, model, params, control=False, condition=cond)
        elif run.type == "control" and not run.condition and len(controls.get(model, [])) == 1:
            if rendered_name(plan, model, {}, True) == name:
                continue
            slots = name_slots(plan, model, {}, control=True)
        if slots is None:
            yield from _contradictions(plan, run)
            continue
        if name_matches(slots, name):
            continue
        expected = render(slots)
        kind = "control" if run.type == "control" else "its parameters"
        template = plan.control_template() if run.type == "control" else plan.template()
        found = contradictions(plan, run)
        if declared is None:
            declared = naming_declared(plan)
        if found:
            says = "; ".join(f"it says {c.token}, but {c.truth}" for c in found)
            fixes = [c.other_fix for c in found if c.other_fix]
            hint = (
                f"rename it to {expected} (template {template})"
                if declared
                else f"rename it so it says what the run trains (the default template gives {expected})"
            )
            if fixes:
                hint += f", or {' and '.join(fixes)} if the name is right"
            yield plan.hit(
                "PL217",
                (*run.path, "name"),
                f"run name '{name}' contradicts the run: {says}",
                hint,
            )
        elif declared:
            yield plan.hit(
                "PL217",
                (*run.path, "name"),
                f"run name '{name}' does not match {kind}: expected '{expected}'",
                f"rename it to {expected} (template {template}, declared in the plan's naming)",
            )
        else:
            own_form.append((run, expected, template))
    if own_form:  # one note per plan: the researcher's form is a choice, not a defect per run
        run, expected, template = own_form[0]
        more = f" (and {len(own_form) - 1} more run names)" if len(own_form) > 1 else ""
        yield plan.hit(
            "PL226",
            (*run.path, "name"),
            f"run name '{run.name}'{more} is not the default template's ('{expected}', {template}),"
            " and contradicts nothing",
            _declare_hint(plan, [r for r, _, _ in own_form]),
        )


def _declare_hint(plan: Plan, runs: list[Run]) -> str:
    """How to have planlint hold names to the researcher's own form: the naming their names
    follow when one template spells all of them, else an example."""
    derived = _derived_naming(plan, runs)
    if derived is not None:
        return (
            "fine as it is (nothing derives run folders from the template); to have planlint check"
            f" names in your form, declare it: naming: {derived}"
        )
    swept = "_".join("{" + v + "}" for v in plan.variables) or "{vars}"
    return (
        "fine as it is (nothing derives run folders from the template); to have planlint check names"
        f' in your form, declare it, e.g. naming: {{template: "{{model}}_{swept}", control: "{{model}}_base"}}'
        " with a short name per model (models.base[].short: 1B); numbers compare by value (10K = 10000)"
    )


def _derived_naming(plan: Plan, runs: list[Run]) -> str | None:
    """`{template: ..., control: ...}` that spells every one of `runs`' names (each run's model
    label and variables' values, as written, put back into its name), or None."""
    found: dict[str, str] = {}
    for key, group in (
        ("template", [r for r in runs if r.type != "control"]),
        ("control", [r for r in runs if r.type == "control"]),
    ):
        if not group:
            continue
        variables = [] if key == "control" else list(plan.variables)
        template = _template_of(plan, group[0], variables)
        if template is None or any(_spelled(plan, template, r, variables) != r.name for r in group):
            return None
        found[key] = template
    if not found:
        return None
    return "{" + ", ".join(f'{k}: "{t}"' for k, t in found.items()) + "}"


def _template_of(plan: Plan, run: Run, variables: list[str]) -> str | None:
    label = plan.model_label(run.model or "")
    if not run.name or not label or label not in run.name:
        return None
    template = run.name.replace(label, "{model}", 1)
    texts = [(var, run.variables[var].text) for var in variables if var in run.variables]
    if len(texts) != len(variables):
        return None
    for var, text in sorted(texts, key=lambda vt: -len(vt[1])):  # the longest first: 16 before 1
        got = re.search(r"(?<![0-9.])" + re.escape(text) + r"(?![0-9.])", template)
        if got is None:
            return None
        template = template[: got.start()] + "{" + var + "}" + template[got.end() :]
    return template


def _spelled(plan: Plan, template: str, run: Run, variables: list[str]) -> str:
    out = template.replace("{model}", plan.model_label(run.model or ""))
    for var in variables:
        got = run.variables.get(var)
        out = out.replace("{" + var + "}", got.text if got is not None else "\0")
    return out


def _contradictions(plan: Plan, run: Run) -> Iterator[Hit]:
    """PL223: a freely named run's name must not say another value, model or size than the run's."""
    for c in contradictions(plan, run):
        yield plan.hit(
            "PL223",
            (*run.path, "name"),
            f"run name '{run.name}' says {c.token}, but {c.truth}",
            "rename the run" + (f", or {c.other_fix} if the name is right" if c.other_fix else ""),
        )


def _check_templates(plan: Plan) -> Iterator[Hit]:

    known = {"model", "vars", *plan.variables, *CONDITION_KEYS, *RUN_PARAMETER_KEYS, *plan.controls}
    for key in ("template", "control"):
        template = plan.naming.get(key)
        if not isinstance(template, str):
            continue
        bad = [p for p in re.findall(r"\{([^{}]*)\}", template) if p not in known]
        stray = re.sub(r"\{[^{}]*\}", "", template)
        if bad or "{" in stray or "}" in stray:
            what = f"unknown placeholder {{{bad[0]}}}" if bad else "an unbalanced brace"
            yield plan.hit(
                "PL221",
                ("naming", key),
                f"naming.{key} '{template}' has {what}",
                f"use {{model}}, {{vars}} or a variable: {', '.join('{' + v + '}' for v in plan.variables) or '(none declared)'}",
            )


def _check_collisions(plan: Plan) -> Iterator[Hit]:
    """Names must tell the runs of the sweep apart (a template that drops a variable, two models
    with one short name, string values that reduce to the same token)."""
    seen_models: dict[str, int] = {}
    for i, model in plan.models():
        name = model.get("name")
        if isinstance(name, str):
            if name in seen_models:
                yield plan.hit(
                    "PL220",
                    ("models", "base", i, "name"),
                    f"model '{name}' is declared twice (first at line {plan.pos('models', 'base', seen_models[name], 'name')[0]})",
                    "keep one entry per model",
                )
            else:
                seen_models[name] = i
    first: dict[str, ImpliedRun] = {}
    clashes: dict[str, list[ImpliedRun]] = {}
    for r in implied_runs(plan, with_controls=True):
        if r.name in first:
            clashes.setdefault(r.name, [first[r.name]]).append(r)
        else:
            first[r.name] = r
    if not clashes:
        return
    name, runs = next(iter(clashes.items()))
    described = "; ".join(
        f"{r.model} {' '.join(f'{v}={t}' for v, _, t in r.params) or '(control)'}" for r in runs[:4]
    )
    where: tuple[Any, ...] = (
        ("naming", "template")
        if "template" in plan.naming
        else ("models", "base", runs[1].model_index, "name")
    )
    more = f" ({len(clashes) - 1} more names collide)" if len(clashes) > 1 else ""
    hint = "use every variable in naming.template ({vars} does), and give each model its own `short`"
    yield plan.hit(
        "PL219",
        where,
        f"{len(runs)} runs of the sweep would all be named '{name}': {described}{more}",
        hint,
        key=where[0] == "naming",
    )


def _check_controls(plan: Plan) -> Iterator[Hit]:
    if plan.base_controls is False:
        return
    with_ft: dict[str, None] = {}
    with_control: set[str] = set()
    for _, run in plan.runs():
        model = run.get("model")
        if not isinstance(model, str):
            continue
        if run.get("type") == "fine-tuned":
            with_ft[model] = None
        elif run.get("type") == "control":
            with_control.add(model)
    models = plan.model_names()
    lacking = [m for m in with_ft if m not in with_control and m in models]
    if not lacking:
        return
    implied = {r.model: r for r in implied_runs(plan, with_controls=True) if r.type == "control"}
    if with_control or plan.base_controls is True:
        for model in lacking:
            control = implied[model]
            hint = f"add this run under runs: (or set experiment.base_controls: false to opt out)\n{run_yaml(control)}"
            yield plan.hit(
                "PL204",
                ("models", "base", models[model], "name"),
                f"model '{model}' has fine-tuned runs but no control run",
                hint,
            )
        return
    paste = "\n".join(run_yaml(implied[m]) for m in lacking)
    where: tuple[Any, ...] = ("runs",)
    hint = f"add a base-model control per model (or set experiment.base_controls: false):\n{paste}"
    yield plan.hit(
        "PL205",
        where,
        "the plan has no control runs: fine-tuning gains cannot be measured against the base models",
        hint,
        key=True,
    )


def _check_duplicates(plan: Plan) -> Iterator[Hit]:
    """PL214: two runs of one model and type with one combination and condition."""
    seen: dict[tuple[Any, ...], Run] = {}
    variables = plan.variables
    for run in runs_of(plan):
        if run.model is None or run.type not in ("fine-tuned", "control"):
            continue
        if run.fine_tuned and len(run.variables) < len(variables):
            continue
        key = run.identity
        if key not in seen:
            seen[key] = run
            continue
        first_pos = plan.pos(*seen[key].path, "name")
        first_line = first_pos[0]
        if run.fine_tuned:
            what = (
                "the same combination (" + ", ".join(f"{v}={x.text}" for v, x in run.variables.items()) + ")"
            )
        else:
            what = "the same control"
        if run.condition:
            what += " under the same condition (" + ", ".join(k for k, _ in run.condition) + ")"
        hit = plan.hit(
            "PL214",
            (*run.path, "name"),
            f"run '{run.name}' trains {what} of {run.model} as the run at line {first_line}"
            if run.fine_tuned
            else f"run '{run.name}' is {what} of {run.model} as the run at line {first_line}",
            "remove one, or change its parameters",
        )
        yield hit._replace(related=((*first_pos, "the first run with this identity"),))


def _check_coverage(plan: Plan) -> Iterator[Hit]:
    yield from _check_duplicates(plan)
    variables = plan.variables
    if not variables:
        return
    models = plan.model_names()
    trained: set[tuple[Any, ...]] = set()
    in_sweep: set[str] = set()
    for run in runs_of(plan):
        model = run.model
        if model is None or model not in models:
            continue
        if run.type in ("fine-tuned", "control"):
            in_sweep.add(model)
        if run.fine_tuned and len(run.variables) == len(variables):
            trained.add((model, run.sweep_condition, run.combination))
    missing: dict[tuple[str, Any], list[ImpliedRun]] = {}
    total: dict[tuple[str, Any], int] = {}
    for r in implied_runs(plan, with_controls=False):
        if r.model not in in_sweep:
            continue
        group = (r.model, r.condition)
        total[group] = total.get(group, 0) + 1
        if (r.model, r.condition, r.key) not in trained:
            missing.setdefault(group, []).append(r)
    for (model, condition), runs in missing.items():
        shown = runs[:MAX_LISTED]
        listed = "; ".join(f"{' '.join(f'{v}={t}' for v, _, t in r.params)} ({r.name})" for r in shown)
        more = f"; and {len(runs) - len(shown)} more" if len(runs) > len(shown) else ""
        under = ""
        if condition:
            r0 = runs[0]
            under = " under condition " + ", ".join(
                f"{k}={_short_text(t)}" for k, _, t in (*r0.run_keys, *r0.extra)
            )
        what = "sweep combinations"
        msg = f"model '{model}'{under} is missing {len(runs)} of {total[(model, condition)]} {what}: {listed}{more}"
        taken = {r.name: r.index for r in runs_of(plan) if r.name is not None}
        paste = "\n".join(
            run_yaml(r)
            if r.name not in taken
            else f"  # {r.describe()}: the name {r.name} is taken (line {plan.pos(*('runs', taken[r.name], 'name'))[0]}): add it under another name"
            for r in shown
        )
        if more:
            paste += f"\n  # ... {len(runs) - len(shown)} more: run `planlint fix --runs`"
        hint = f"add these runs (`planlint fix --runs` does it), or list intended gaps in sweep.exclude with a reason:\n{paste}"
        hit = plan.hit("PL213", ("models", "base", models[model], "name"), msg, hint)
        yield hit._replace(related=((*plan.pos("variables", key=True), "the variables of the sweep"),))


def _short_text(text: str, limit: int = 40) -> str:
    one = text.replace("\n", "\\n")
    return repr(one) if len(one) <= limit else repr(one[: limit - 3] + "...")


def _check_excludes(plan: Plan) -> Iterator[Hit]:
    exclude = plan.seq("sweep", "exclude")
    if not exclude:
        return
    variables = plan.variables
    models = plan.model_names()
    labels = {plan.model_label(m): m for m in models}
    for i, entry in enumerate(exclude):
        if not isinstance(entry, YMap):
            continue
        bad = False
        for key in entry:
            if key in ("model", "reason") or key in variables:
                continue
            bad = True
            yield plan.hit(
                "PL216",
                ("sweep", "exclude", i, key),
                f"sweep.exclude entry names '{key}', which is not a variable",
                _did_you_mean(key, list(variables)),
                key=True,
            )
        model = entry.get("model")
        if model is not None and model not in models and model not in labels:
            bad = True
            yield plan.hit(
                "PL216",
                ("sweep", "exclude", i, "model"),
                f"sweep.exclude entry names model '{model}', which is not in models.base",
                _did_you_mean(str(model), list(models)) or _model_choices(models),
            )
        if bad:
            continue
        if not _exclude_matches(plan, entry):
            yield plan.hit(
                "PL215",
                ("sweep", "exclude", i),
                "this sweep.exclude entry matches no combination of the variables",
                "check its values against variables, or remove it",
            )


def _exclude_matches(plan: Plan, entry: YMap) -> bool:
    variables = plan.variables
    for key, value in entry.items():
        if key in variables and norm(value) not in {norm(v) for v in variables[key]}:
            return False
    return True


def _check_conditions(plan: Plan) -> Iterator[Hit]:
    """PL224/PL225: the conditions runs train on (`runs[].training_condition`) and eval tasks
    evaluate on (`evaluation.tasks[].eval_condition`) against `data.data_generation.conditions`."""
    declared = plan.section("data", "data_generation").get("conditions")
    if not isinstance(declared, YMap) or not declared:
        return
    used: set[str] = set()
    for run in runs_of(plan):
        cond = run.node.get("training_condition")
        if not isinstance(cond, str):
            continue
        used.add(cond)
        if cond not in declared:
            what = f"run '{run.name}' trains on condition '{cond}'"
            yield _undeclared_condition(plan, (*run.path, "training_condition"), what, cond, declared)
    for j, task in enumerate(plan.seq("evaluation", "tasks")):
        cond = task.get("eval_condition") if isinstance(task, YMap) else None
        if not isinstance(cond, str):
            continue
        used.add(cond)
        if cond not in declared:
            what = f"eval task '{task.get('name')}' evaluates on condition '{cond}'"
            yield _undeclared_condition(
                plan, ("evaluation", "tasks", j, "eval_condition"), what, cond, declared
            )
    if not used:
        return  # no run or task names its condition: the plan trains on data.training instead
    for key in declared:
        if key not in used:
            yield plan.hit(
                "PL224",
                ("data", "data_generation", "conditions", key),
                f"condition '{key}' is declared but no run trains on it and no eval task evaluates on it",
                f"add runs with training_condition: {key} (or an eval task with eval_condition: {key}),"
                " or remove the condition",
                key=True,
            )


def _undeclared_condition(plan: Plan, path: tuple[Any, ...], what: str, cond: str, declared: YMap) -> Hit:
    """PL225: a condition a run or an eval task names that the generator does not declare."""
    return plan.hit(
        "PL225",
        path,
        f"{what}, which data.data_generation.conditions does not declare",
        _did_you_mean(cond, [str(k) for k in declared]) or f"declared: {', '.join(map(str, declared))}",
    )
