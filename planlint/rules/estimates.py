"""PL7xx: estimates — compute.time present, within the partition's limit, and not below the logs' estimate."""

from __future__ import annotations

from collections.abc import Iterator

from planlint.finding import Hit
from planlint.plan.load import YMap
from planlint.plan.model import Plan, text_of
from planlint.rules.base import Context, E, I, Rule, W
from planlint.slurmtime import format_est_time, value_seconds

FAMILY = "estimates"
RULES = (
    Rule(
        "PL701",
        "missing-estimate",
        I,
        "a fine-tuned run without compute.time (`planlint estimate --write` fills it)",
    ),
    Rule("PL702", "over-max-time", E, "compute.time above the partition's limit (max-time)"),
    Rule(
        "PL703",
        "below-estimate",
        W,
        "compute.time below what prior logs predict (only with --logs or configured log-globs)",
    ),
)


def check(plan: Plan, context: Context) -> Iterator[Hit]:
    """PL701/PL702 from the plan alone; PL703 only when logs were asked for."""
    limit = value_seconds(plan.config.max_time) if plan.config.max_time else None
    missing: list[str] = []
    first_missing: int | None = None
    for i, run in plan.runs():
        if run.get("type") != "fine-tuned":
            continue
        compute = run.get("compute")
        if not isinstance(compute, YMap) or compute.get("time") is None:  # null is unset
            missing.append(str(run.get("name")))
            first_missing = i if first_missing is None else first_missing
            continue
        seconds = value_seconds(compute["time"])
        if limit is not None and seconds is not None and seconds > limit:
            shown = text_of(compute, "time")
            yield plan.hit(
                "PL702",
                ("runs", i, "compute", "time"),
                f"compute.time {shown} of run '{run.get('name')}' is above the partition's limit {plan.config.max_time}",
                f"split the run, or request at most {plan.config.max_time}",
            )
    if missing and first_missing is not None:
        if len(missing) > 1:
            what = f"runs '{missing[0]}' and {len(missing) - 1} more have"
        else:
            what = f"run '{missing[0]}' has"
        yield plan.hit(
            "PL701",
            ("runs", first_missing, "name"),
            f"{what} no compute.time estimate",
            f"run `planlint estimate {plan.display} --logs 'GLOB' --write`, or set compute: {{time: \"H:MM:SS\"}}",
        )
    if (context.logs or plan.config.log_globs) and plan.config.enabled("PL703"):
        yield from _below_estimate(plan, context)


def _below_estimate(plan: Plan, context: Context) -> Iterator[Hit]:
    from planlint.estimate.plan import NoLogs, estimate_plan, log_globs, scan_logs, settings_for

    try:
        globs = log_globs(context.logs, plan.config)
    except NoLogs:
        return
    records = scan_logs(globs).records
    for result in estimate_plan(plan, records, settings_for(plan.config)):
        compute = result.run.get("compute")
        est = result.estimate
        if not isinstance(compute, YMap) or compute.get("time") is None or est.seconds_raw is None:
            continue
        have = value_seconds(compute["time"])
        if have is not None and have < est.seconds_raw:
            shown = text_of(compute, "time")
            yield plan.hit(
                "PL703",
                ("runs", result.index, "compute", "time"),
                f"compute.time {shown} of run '{result.run.get('name')}' is below the {format_est_time(int(est.seconds_raw))} prior logs predict",
                f"request {est.time} ({est.basis})",
            )
