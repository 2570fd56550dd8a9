"""`planlint check`: the options turned into a configuration and engine options, the engine run,
the report rendered (and written where asked), the exit status decided.

The click command in cli.py parses the options, calls `check`, prints what it returns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from planlint.config import Config
from planlint.errors import UsageError


@dataclass
class Request:
    """What the command line asked of `check`."""

    paths: tuple[str, ...] = ()
    fmt: str | None = None
    select: str | None = None
    extend_select: str | None = None
    ignore: str | None = None
    output_file: Path | None = None
    quiet: bool = False
    color: str = "auto"
    stdin_filename: str | None = None
    strict: bool | None = None
    layout: bool = True
    log_globs: tuple[str, ...] = ()
    base: str | None = None
    changed_since: str | None = None
    fix_first: bool = False


@dataclass
class Outcome:
    """The report to print (empty when it went to --output-file), and whether findings fail."""

    report: str = ""
    color: bool | None = None
    failed: bool = False
    #: what `--fix` did, one line each, for stderr
    notes: list[str] = field(default_factory=list)


def ids(value: str | None) -> list[str]:
    """A comma list of rule ids or prefixes, upper-cased (`pl2, PL501` -> ["PL2", "PL501"])."""
    return [p.strip().upper() for p in (value or "").split(",") if p.strip()]


def configured(config: Config, request: Request) -> Config:
    """The configuration with the command line's selection and strictness on top (a copy)."""
    from planlint.rules import check_selectors

    overrides: dict[str, Any] = {}
    if request.select:
        check_selectors(ids(request.select), "--select")
        overrides["select"] = ids(request.select)
    if request.extend_select:
        check_selectors(ids(request.extend_select), "--extend-select")
        overrides["extend_select"] = [*config.extend_select, *ids(request.extend_select)]
    if request.ignore:
        check_selectors(ids(request.ignore), "--ignore")
        overrides["ignore"] = [*config.ignore, *ids(request.ignore)]
    if request.strict is not None:
        overrides["strict"] = request.strict
    return dataclasses.replace(config, **overrides)


def check(
    request: Request, config: Config, stdin: IO[bytes], stdout_is_tty: bool, environ: Mapping[str, str]
) -> Outcome:
    """Run `planlint check` as `request` asks; usage mistakes raise UsageError."""
    from planlint import engine, report

    config = configured(config, request)
    fmt = request.fmt if request.fmt is not None else report.auto_format(environ)
    options = engine.Options(
        layout=request.layout,
        base=request.base,
        changed_since=request.changed_since,
        logs=list(request.log_globs),
    )
    paths = request.paths
    if "-" in paths:
        if len(paths) != 1:
            raise UsageError("`check -` reads one plan from stdin: name no other paths")
        options.stdin_path = Path(request.stdin_filename or "plan.yaml")
        if options.stdin_path.suffix not in (".yaml", ".yml"):
            raise UsageError(
                f"--stdin-filename {request.stdin_filename}: stdin is read as a plan (a .yaml path)"
            )
        options.stdin_text = stdin.read().decode("utf-8", "replace").lstrip("\ufeff")
    elif request.stdin_filename is not None:
        raise UsageError("--stdin-filename needs `check -`")
    outcome = Outcome()
    fix_failed = False
    if request.fix_first:  # the plans the fix read are checked as read (one parse per plan)
        fix_failed, options.preloaded, options.known_docs = _fix_first(
            paths, config, request.changed_since, outcome.notes
        )
    result = engine.run(paths, config, options)
    files = len(result.plans) + len(result.docs)
    kwargs: dict[str, Any] = {"files": files}
    if fmt in ("text", "github"):
        from planlint.plan.model import gpu_hours

        hours = [gpu_hours(p)[0] for p in result.plan_objects if not p.loaded.fatal]
        kwargs["gpu_hours"] = sum(hours) if any(hours) else None
        kwargs["quiet"] = request.quiet
    if fmt == "text":
        tty = request.output_file is None and stdout_is_tty
        kwargs["color"] = outcome.color = report.use_color(request.color, tty, environ)
    rendered = report.REPORTERS[fmt](result.findings, **kwargs)
    if request.output_file is not None:
        try:
            request.output_file.write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--output-file {request.output_file}: {exc.strerror or exc}") from exc
    else:
        outcome.report = rendered
    if request.fmt == "github" and environ.get("GITHUB_STEP_SUMMARY"):
        _job_summary(environ["GITHUB_STEP_SUMMARY"], result.findings, files, request, config)
    outcome.failed = fix_failed or engine.failing(result.findings, config.strict)
    return outcome


def _job_summary(target: str, findings: Any, files: int, request: Request, config: Config) -> None:
    """Append the findings (and, against a base, the plan changes) to GitHub's job summary:
    only for an explicit `--format github`, so a hook inside a workflow never writes one."""
    from planlint import report

    with open(target, "a", encoding="utf-8") as fh:
        fh.write(report.markdown_summary(findings, files=files))
        if request.base is not None or request.changed_since is not None:
            from planlint.commands import diff as diffcmd

            start = Path(request.paths[0]) if request.paths else None
            rev = request.base if request.base is not None else request.changed_since
            changes = diffcmd.compute(rev, None, config, start, branch_point=request.base is None)
            fh.write(diffcmd.summary_markdown(changes))


def _fix_first(
    paths: tuple[str, ...], config: Config, changed_since: str | None, notes: list[str]
) -> tuple[bool, dict[Path, Any], dict[Path, Any]]:
    """`check --fix`: rewrite what `planlint fix` would, in this process. True if something could
    not be fixed (the check that follows reports why, e.g. broken markers); the plans read; and
    the docs left current (planlint.doc.docs.Known)."""
    from planlint.commands.fix import fix as run_fix

    targets: Any = paths
    if changed_since is not None:
        from planlint.git import changed_files

        targets = changed_files(paths, changed_since, config)
        if not targets:
            return False, {}, {}
    fixed = run_fix(targets, config)
    for change in fixed.changes:
        notes += [f"Fixing {change.display}", *(f"  {note}" for note in change.notes)]
    notes += [f"planlint: {error}" for error in fixed.errors]
    return bool(fixed.errors), fixed.plans, fixed.docs
