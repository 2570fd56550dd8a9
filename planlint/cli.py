"""The command line: parse options, call the logic, print, choose the exit code. No rules here."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from planlint import __version__

FORMATS = ("text", "json", "github", "sarif")


class State:
    """Options shared by every command."""

    def __init__(self, debug: bool, config_path: Path | None) -> None:
        self.debug = debug
        self.config_path = config_path

    def config(self, start: Path | None = None) -> Any:
        from planlint.config import load_config

        return load_config(start, self.config_path)


def _ids(value: str | None) -> list[str]:
    return [p.strip().upper() for p in (value or "").split(",") if p.strip()]


def _use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="planlint")
@click.option("--debug", is_flag=True, help="Show a traceback when planlint itself fails.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Use this .planlint.toml / pyproject.toml instead of searching upwards.",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, config_path: Path | None) -> None:
    """Check ML fine-tuning plans (plan.yaml) and their planning docs."""
    ctx.obj = State(debug, config_path)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (default: text; github on GitHub Actions).",
)
@click.option("--select", help="Only these rule ids or prefixes (comma list, e.g. PL2,PL501).")
@click.option("--ignore", help="Skip these rule ids or prefixes.")
@click.option("--strict", is_flag=True, default=None, help="Warnings fail too.")
@click.option("--no-layout", is_flag=True, help="Skip the run-folder checks (PL6).")
@click.pass_obj
def check(
    state: State,
    paths: tuple[str, ...],
    fmt: str | None,
    select: str | None,
    ignore: str | None,
    strict: bool | None,
    no_layout: bool,
) -> None:
    """Check plans, docs or folders (none: every plan in the git repository)."""
    from planlint import engine, report

    config = state.config()
    if select:
        config.select = _ids(select)
    if ignore:
        config.ignore = [*config.ignore, *_ids(ignore)]
    if strict is not None:
        config.strict = strict
    if fmt is None:
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    result = engine.run(paths, config, engine.Options(layout=not no_layout))
    files = len(result.plans) + len(result.docs)
    reporter = report.REPORTERS[fmt]
    kwargs: dict[str, Any] = {"files": files}
    if fmt == "text":
        kwargs["color"] = _use_color()
    click.echo(reporter(result.findings, **kwargs), nl=False)
    if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
            fh.write(report.markdown_summary(result.findings, files=files))
    sys.exit(1 if engine.failing(result.findings, config.strict) else 0)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing: show the diff, exit 1 if something would change.",
)
@click.option(
    "--runs",
    "add_runs",
    is_flag=True,
    help="Also add to plan.yaml the runs and controls the sweep implies.",
)
@click.option("--migrate", is_flag=True, help="Also rename legacy cruijff_kit keys in plan.yaml.")
@click.pass_obj
def fix(state: State, paths: tuple[str, ...], check_only: bool, add_runs: bool, migrate: bool) -> None:
    """Regenerate the tables between planlint markers (only those lines change)."""
    from planlint import report
    from planlint.fix import fix as run_fix

    config = state.config()
    result = run_fix(paths, config, check_only=check_only, add_runs=add_runs, migrate=migrate)
    for change in result.changes:
        if check_only:
            click.echo(f"Would fix {change.display}")
            click.echo(change.diff, nl=False)
        else:
            click.echo(f"Fixing {change.display}", err=True)
        for note in change.notes:
            click.echo(f"  {note}", err=True)
    if result.findings:
        click.echo(
            report.text(result.findings, color=False, files=len({f.path for f in result.findings})),
            nl=False,
            err=True,
        )
    for error in result.errors:
        click.echo(f"planlint: {error}", err=True)
    failed = bool(result.findings or result.errors)
    sys.exit(1 if failed or (check_only and result.changes) else 0)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(("text", "json", "markdown")), default="text")
def rules(fmt: str) -> None:
    """List every rule with its id, default severity and description."""
    from planlint.rules import FAMILIES, RULES, all_checks

    list(all_checks())
    ordered = sorted(RULES.values(), key=lambda r: r.id)
    if fmt == "json":
        import json

        rows = [
            {"id": r.id, "name": r.name, "family": FAMILIES[r.family], "severity": r.severity.value,
             "enabled": r.enabled, "description": r.summary}
            for r in ordered
        ]  # fmt: skip
        click.echo(json.dumps({"version": 1, "rules": rows}, indent=2))
        return
    if fmt == "markdown":
        click.echo("| Rule | Name | Severity | What it checks |")
        click.echo("|---|---|---|---|")
        for r in ordered:
            sev = r.severity.value + ("" if r.enabled else " (off by default)")
            click.echo(f"| {r.id} | {r.name} | {sev} | {r.summary} |")
        return
    for r in ordered:
        off = "" if r.enabled else "  [off by default]"
        click.echo(f"{r.id}  {r.severity.value:<7}  {r.name:<28} {r.summary}{off}")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of plan.yaml."""
    from planlint.schema import schema_path

    click.echo(schema_path().read_text(encoding="utf-8"), nl=False)


def main(argv: list[str] | None = None) -> int:
    """Entry point: exit 0 clean, 1 findings, 2 usage error or planlint's own failure."""
    from planlint.config import ConfigError
    from planlint.engine import UsageError

    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="planlint", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 2
    except (UsageError, ConfigError) as exc:
        click.echo(f"planlint: error: {exc}", err=True)
        return 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except KeyboardInterrupt:
        click.echo("planlint: interrupted", err=True)
        return 2
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug in planlint: one line, traceback only with --debug
        if debug:
            raise
        click.echo(
            f"planlint: internal error: {type(exc).__name__}: {exc} (rerun with --debug for a traceback)",
            err=True,
        )
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
