"""PL2xx: runs — unique names, models, controls, parameters, sweep coverage, names from parameters."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from planlint.finding import Hit
from planlint.plan.load import YMap
from planlint.plan.model import RUN_PARAMETER_KEYS, Plan, text_of
from planlint.plan.naming import (
    NAME_CHARS,
    ImpliedRun,
    implied_runs,
    name_matches,
    name_slots,
    norm,
    render,
    run_params,
    run_yaml,
)
from planlint.plan.schema import CONTROL_ALIASES
from planlint.rules.base import Context, E, I, Rule, W

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
    Rule("PL206", "control-with-parameters", E, "a control run has non-empty parameters"),
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
        "combinations of the sweep that no run trains (per model)",
    ),
    Rule("PL214", "duplicate-combination", E, "two runs of one model train the same combination"),
    Rule("PL215", "unused-exclude", W, "a sweep.exclude entry matches no combination"),
    Rule("PL216", "bad-exclude", E, "a sweep.exclude entry names a key that is no variable or model"),
    Rule("PL217", "name-mismatch", E, "a run name differs from the one its parameters render"),
    Rule("PL218", "unused-model", W, "a model in models.base that no run uses"),
    Rule("PL219", "name-collision", E, "the naming template gives two runs of the sweep the same name"),
    Rule("PL220", "duplicate-model", E, "two models.base entries share a name"),
    Rule("PL221", "bad-template", E, "naming.template or naming.control uses an unknown placeholder"),
)


def check(plan: Plan, context: Context) -> Iterator[Hit]:
    """Every PL2 rule over the plan's runs; linear in the number of runs."""
    models = plan.model_names()
    variables = plan.variables
    controls = plan.controls
    names: dict[str, int] = {}
    used_models: set[str] = set()
    domains = {var: {norm(v) for v in values} for var, values in variables.items()}
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
                yield replace(hit, related=((*first_pos, f"the first run named '{name}'"),))
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
                    _did_you_mean(model, list(models)),
                )
        rtype = run.get("type")
        params = run.get("parameters")
        if not isinstance(params, YMap):
            continue
        if rtype == "control":
            if params:
                yield plan.hit(
                    "PL206",
                    ("runs", i, "parameters"),
                    f"control run '{name}' has parameters: a control evaluates the base model as-is",
                    "write parameters: {}",
                )
            continue
        if rtype == "eval-only":
            if not params.get("checkpoint_path"):
                yield plan.hit(
                    "PL207",
                    ("runs", i, "parameters"),
                    f"eval-only run '{name}' has no parameters.checkpoint_path",
                    "checkpoint_path: /path/to/run/artifacts/epoch_0",
                )
        for key in params:
            if key in variables:
                continue
            if key in controls:
                shown = text_of(params, key) if not isinstance(params[key], (dict, list)) else "..."
                yield plan.hit(
                    "PL210",
                    ("runs", i, "parameters", key),
                    f"run '{name}' overrides controls.{key} with {shown}",
                    key=True,
                )
            elif key not in RUN_PARAMETER_KEYS:
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
        if variables and not any(k in variables for k in params):
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
            if norm(got) not in domains[var]:
                allowed = ", ".join(text_of(values, j) for j in range(len(values)))
                shown = text_of(params, var) if not isinstance(got, (dict, list)) else "a collection"
                yield plan.hit(
                    "PL211",
                    ("runs", i, "parameters", var),
                    f"{var} {shown} of run '{name}' is not in variables.{var} [{allowed}]",
                    f"use one of [{allowed}] or add it to variables.{var}",
                )
    yield from _check_names(plan)
    yield from _check_templates(plan)
    yield from _check_collisions(plan)
    yield from _check_controls(plan)
    yield from _check_coverage(plan)
    yield from _check_excludes(plan)
    for name, idx in models.items():
        if name not in used_models:
            yield plan.hit(
                "PL218",
                ("models", "base", idx, "name"),
                f"model '{name}' is declared but no run uses it",
                "remove it or add its runs (`planlint fix --runs`)",
            )


def _did_you_mean(word: str, options: list[str]) -> str | None:
    alias = CONTROL_ALIASES.get(word)
    if alias in options:
        return f"did you mean '{alias}'?"
    lowered = {o.lower(): o for o in options}
    if word.lower() in lowered:
        return f"did you mean '{lowered[word.lower()]}'? (names are case-sensitive)"
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _check_names(plan: Plan) -> Iterator[Hit]:
    models = plan.model_names()
    for i, run in plan.runs():
        name, rtype, model = run.get("name"), run.get("type"), run.get("model")
        if not isinstance(name, str) or not isinstance(model, str) or model not in models:
            continue
        if rtype == "fine-tuned":
            params = run_params(plan, run)
            if len(params) < len(plan.variables):
                continue
            slots = name_slots(plan, model, params, control=False)
        elif rtype == "control":
            slots = name_slots(plan, model, {}, control=True)
        else:
            continue
        if slots is None or name_matches(slots, name):
            continue
        expected = render(slots)
        kind = "control" if rtype == "control" else "its parameters"
        yield plan.hit(
            "PL217",
            ("runs", i, "name"),
            f"run name '{name}' does not match {kind}: expected '{expected}'",
            f"rename it to {expected} (template {plan.control_template() if rtype == 'control' else plan.template()})",
        )


def _check_templates(plan: Plan) -> Iterator[Hit]:
    import re

    known = {"model", "vars", *plan.variables}
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


def _check_coverage(plan: Plan) -> Iterator[Hit]:
    variables = plan.variables
    if not variables:
        return
    models = plan.model_names()
    trained: dict[str, dict[tuple[Any, ...], int]] = {}
    in_sweep: set[str] = set()
    for i, run in plan.runs():
        model = run.get("model")
        if not isinstance(model, str) or model not in models:
            continue
        if run.get("type") in ("fine-tuned", "control"):
            in_sweep.add(model)
        if run.get("type") != "fine-tuned":
            continue
        params = run.get("parameters")
        if not isinstance(params, YMap) or any(v not in params for v in variables):
            continue
        key = tuple((var, norm(params[var])) for var in variables)
        seen = trained.setdefault(model, {})
        if key in seen:
            first_pos = plan.pos("runs", seen[key], "name")
            combo = ", ".join(f"{v}={text_of(params, v)}" for v in variables)
            hit = plan.hit(
                "PL214",
                ("runs", i, "name"),
                f"run '{run.get('name')}' trains the same combination ({combo}) of {model} as the run at line {first_pos[0]}",
                "remove one, or change its parameters",
            )
            yield replace(hit, related=((*first_pos, "the first run of this combination"),))
        else:
            seen[key] = i
    missing: dict[str, list[ImpliedRun]] = {}
    total: dict[str, int] = {}
    for r in implied_runs(plan, with_controls=False):
        if r.model not in in_sweep:
            continue
        total[r.model] = total.get(r.model, 0) + 1
        if r.key not in trained.get(r.model, {}):
            missing.setdefault(r.model, []).append(r)
    for model, runs in missing.items():
        shown = runs[:MAX_LISTED]
        listed = "; ".join(f"{' '.join(f'{v}={t}' for v, _, t in r.params)} ({r.name})" for r in shown)
        more = f"; and {len(runs) - len(shown)} more" if len(runs) > len(shown) else ""
        msg = f"model '{model}' is missing {len(runs)} of {total[model]} sweep combinations: {listed}{more}"
        paste = "\n".join(run_yaml(r) for r in shown)
        if more:
            paste += f"\n  # ... {len(runs) - len(shown)} more: run `planlint fix --runs`"
        hint = f"add these runs (`planlint fix --runs` does it), or list intended gaps in sweep.exclude with a reason:\n{paste}"
        hit = plan.hit("PL213", ("models", "base", models[model], "name"), msg, hint)
        yield replace(hit, related=((*plan.pos("variables", key=True), "the variables of the sweep"),))


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
                _did_you_mean(str(model), list(models)),
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
