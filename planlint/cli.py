"""The command line: parse options, call the logic, print, choose the exit code. No rules here."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
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
        from planlint.rules import check_config_selectors

        config = load_config(start, self.config_path)
        check_config_selectors(config)
        return config


def _set_config(ctx: click.Context, _: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(State).config_path = value


#: `--config` after the subcommand as well as before it (`planlint check --config ci.toml`).
config_option = click.option(
    "--config",
    type=click.Path(path_type=Path),
    expose_value=False,
    callback=_set_config,
    help="Use this .planlint.toml / pyproject.toml instead of searching upwards.",
)


class _Group(click.Group):
    """Command summaries in `--help` whole, never cut with an ellipsis."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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
    help="Output format (default: text; github on GitHub Actions outside pre-commit).",
)
@click.option("--select", help="Only these rule ids or prefixes (comma list, e.g. PL2,PL501).")
@click.option("--extend-select", help="Also these rule ids or prefixes (e.g. off-by-default PL011).")
@click.option("--ignore", help="Skip these rule ids or prefixes.")
@click.option(
    "-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to FILE."
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail.")
@click.option("-q", "--quiet", is_flag=True, help="Findings only, no count line.")
@click.option(
    "--color",
    type=click.Choice(("auto", "always", "never")),
    default="auto",
    help="Colour the text report (auto: on a terminal; NO_COLOR / FORCE_COLOR count when not empty).",
)
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="With `check -`: the path of the plan read from stdin (default plan.yaml).",
)
@config_option
@click.option("--strict", is_flag=True, default=None, help="Warnings fail too.")
@click.option("--no-layout", is_flag=True, help="Skip the run-folder checks (PL6).")
@click.option(
    "--logs",
    "log_globs",
    multiple=True,
    metavar="GLOB",
    help="Compare compute.time with estimates from these logs (PL703; repeatable).",
)
@click.option(
    "--base",
    metavar="REV",
    help="Also compare each plan with its version at REV: runs re-parameterised or removed (PL8).",
)
@click.option(
    "--changed-since",
    metavar="REV",
    help="Check only the plans and docs changed since HEAD left REV (working tree included), and PL8 against it.",
)
@click.option(
    "--fix",
    "fix_first",
    is_flag=True,
    help="First rewrite stale tables between markers (as `planlint fix`), then report what remains.",
)
@click.pass_obj
def check(
    state: State,
    paths: tuple[str, ...],
    fmt: str | None,
    select: str | None,
    extend_select: str | None,
    ignore: str | None,
    output_file: Path | None,
    exit_zero: bool,
    quiet: bool,
    color: str,
    stdin_filename: str | None,
    strict: bool | None,
    no_layout: bool,
    log_globs: tuple[str, ...],
    base: str | None,
    changed_since: str | None,
    fix_first: bool,
) -> None:
    """Check plans, docs or folders (none: every plan in the git repository; -: a plan on stdin)."""
    from planlint.commands.check import Request
    from planlint.commands.check import check as run_check

    request = Request(
        paths, fmt, select, extend_select, ignore, output_file, quiet, color, stdin_filename,
        strict, not no_layout, log_globs, base, changed_since, fix_first,
    )  # fmt: skip
    outcome = run_check(request, state.config(), sys.stdin.buffer, sys.stdout.isatty(), os.environ)
    for note in outcome.notes:
        click.echo(note, err=True)
    click.echo(outcome.report, nl=False, color=outcome.color)
    sys.exit(1 if outcome.failed and not exit_zero else 0)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--check",
    "--diff",
    "--dry-run",
    "check_only",
    is_flag=True,
    help="Write nothing: show the diff, exit 1 if something would change (also --diff, --dry-run).",
)
@click.option(
    "--runs",
    "add_runs",
    is_flag=True,
    help="Also add to plan.yaml the runs and controls the sweep implies.",
)
@click.option("--migrate", is_flag=True, help="Also rename legacy cruijff_kit keys in plan.yaml.")
@click.option("--force", is_flag=True, help="Also rewrite read-only files.")
@config_option
@click.pass_obj
def fix(
    state: State, paths: tuple[str, ...], check_only: bool, add_runs: bool, migrate: bool, force: bool
) -> None:
    """Regenerate the tables between planlint markers (only those lines change)."""
    from planlint import report
    from planlint.commands.fix import fix as run_fix

    config = state.config()
    result = run_fix(paths, config, check_only=check_only, add_runs=add_runs, migrate=migrate, force=force)
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
    from planlint.report import rules_listing

    click.echo(rules_listing(fmt), nl=False)


@cli.command()
@click.option(
    "--write",
    "write_to",
    metavar="PATH",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write it to PATH (commit it; point the plans' yaml-language-server modeline at it).",
)
def schema(write_to: Path | None) -> None:
    """Print the JSON Schema of plan.yaml (or write it for editors)."""
    from planlint.plan.schemacopy import installed_schema, write_copy

    if write_to is None:
        click.echo(installed_schema(), nl=False)
        return
    from planlint.errors import UsageError

    try:
        write_copy(write_to)
    except OSError as exc:
        raise UsageError(f"--write {write_to}: {exc}") from exc
    click.echo(f"Wrote {write_to}")


@cli.command("lsp")
def lsp_command() -> None:
    """Serve the Language Server Protocol over stdio: findings while you type, fixes as code actions."""
    from planlint.errors import UsageError

    try:
        from planlint.lsp.server import main as serve
    except ImportError as exc:
        raise UsageError(f"planlint lsp needs pygls: pip install 'planlint[lsp]' ({exc})") from None
    serve()


@cli.command("diff")
@click.argument("base", required=False)
@click.argument("head", required=False)
@click.option("--format", "fmt", type=click.Choice(("text", "markdown", "json")), default="text")
@config_option
@click.pass_obj
def diff_command(state: State, base: str | None, head: str | None, fmt: str) -> None:
    """What changed in the plans from BASE to HEAD: runs added, removed, re-parameterised, GPU hours.

    BASE defaults to the merge base with the default branch (origin/HEAD, else main or master);
    HEAD to the working tree. --format markdown renders a pull-request comment.
    """
    from planlint.commands import diff as diffcmd

    changes = diffcmd.compute(base, head, state.config())
    click.echo(diffcmd.RENDERERS[fmt](changes), nl=False)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _ask(text: str) -> str:
    suffix = " " if text.endswith("?") else ": "
    return str(click.prompt(text, default="", show_default=False, prompt_suffix=suffix))


@cli.command("init")
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--name", help="Experiment name, [A-Za-z0-9._-]+ (default: the folder's name).")
@click.option("--question", help="The question the experiment answers.")
@click.option("--hypothesis", help="What you expect.")
@click.option("--model", metavar="NAME|PATH", multiple=True, help="A model in the models folder. Repeatable.")
@click.option("--models-dir", metavar="DIR", help="Folder of model folders (default: models-dir setting).")
@click.option("--dataset", metavar="PATH", help="Training dataset file, relative to here or to FOLDER.")
@click.option("--splits", metavar="N[,N[,N]]", help="Samples: train,validation,test (default: the file's).")
@click.option("--vary", metavar="NAME=V,V", multiple=True, help="A variable: lora_rank=4,8. Repeatable.")
@click.option("--controls/--no-controls", default=None, help="Base-model control runs (default: yes).")
@click.option("--epochs", metavar="N", help="Training epochs (default: 1).")
@click.option("--gpus", metavar="N", help="GPUs per job (default: 1).")
@click.option("--validation/--no-validation", default=None, help="Validation during training (default: yes).")
@click.option(
    "--dataset-type",
    type=click.Choice(("chat_completion", "text_completion")),
    help="Default: chat_completion for instruct/chat models, else text_completion.",
)
@click.option("--system-prompt", help='System prompt for training and evaluation (default: "").')
@click.option("--prompt", help="Prompt template with {input} (default: {input}).")
@click.option("--packing/--no-packing", default=None, help="Dataset packing (default: on).")
@click.option("--batch-size", metavar="N", help="Batch size per GPU (default: 4).")
@click.option("--lr", metavar="LR", help="Learning rate, when not a variable (default: the recipe's).")
@click.option("--lora-rank", metavar="N", help="LoRA rank, when not a variable (default: the recipe's).")
@click.option(
    "--logs",
    metavar="GLOB",
    multiple=True,
    help="Prior runs' logs to estimate from (default: log-globs, else {scratch}/*/slurm-*.out). Repeatable.",
)
@click.option(
    "--estimate/--no-estimate",
    default=None,
    help="Store compute.time estimates from prior runs' logs (default: yes when logs are found).",
)
@click.option("--eval-task", metavar="NAME", help="inspect-ai task that evaluates every run.")
@click.option("--eval-script", metavar="PATH", help="Path to the task's script.")
@click.option("--date", metavar="YYYY-MM-DD", help="Design date (default: today).")
@click.option(
    "--from-answers",
    type=click.Path(path_type=Path, dir_okay=False),
    help="YAML file of answers, keyed like the options (name, model, vary, ...).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing plan.yaml / PLAN.md.")
@config_option
@click.pass_obj
def init_command(
    state: State,
    /,
    folder: Path,
    from_answers: Path | None,
    force: bool,
    **options: Any,
) -> None:
    """Start a plan: the planning checklist's questions (or these options) -> plan.yaml + PLAN.md.

    Asks on the terminal for what the options do not give; without a terminal it never asks
    and fails naming the missing option.
    """
    from planlint.commands import init as planinit

    config = state.config(planinit.existing_parent(folder))
    flags = planinit.answer_flags(click.get_current_context().command.params)
    given = planinit.given_answers(from_answers, options, flags)
    ask = _ask if _stdin_is_terminal() else None
    result = planinit.init(folder, given, config, ask=ask, echo=click.echo, flags=flags, force=force)
    if ask is not None:
        click.echo("")
    click.echo(f"Wrote {result.plan} ({result.runs_text})")
    click.echo(f"Wrote {result.doc}")
    if result.schema is not None:
        from planlint.paths import display_path

        click.echo(f"Wrote {display_path(result.schema)} (the editor schema the plan's modeline names)")
    for note in result.notes:
        click.echo(f"  {note}")
    click.echo(f"Next: planlint check {folder}")


@cli.command()
@click.argument("plan_path", metavar="PLAN", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(("text", "json", "markdown")), default="text")
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write the sweep as one self-contained HTML page (no script, no network).",
)
@click.option(
    "--grid/--no-grid", default=None, help="Also print the grid per model (default: when on a terminal)."
)
@config_option
@click.pass_obj
def status(state: State, plan_path: Path, fmt: str, html_path: Path | None, grid: bool | None) -> None:
    """What actually ran versus what the plan planned, one row per run (read-only)."""
    from planlint.commands.status import build_status, format_status, read_plan
    from planlint.errors import UsageError
    from planlint.paths import display_path
    from planlint.plan.model import Plan

    if plan_path.is_dir():
        config = state.config()
        found = [plan_path / n for n in config.plan_files if (plan_path / n).is_file()]
        if len(found) != 1:
            raise UsageError(f"{plan_path}: expected one plan file in this folder, found {len(found)}")
        plan_path = found[0]
    config = state.config()
    loaded = read_plan(plan_path, config)
    plan = Plan(path=plan_path, display=display_path(plan_path), loaded=loaded, config=config)
    report = build_status(plan)
    if (
        html_path is not None
        or fmt == "markdown"
        or (fmt == "text" and (grid or (grid is None and sys.stdout.isatty())))
    ):
        from planlint.commands import status_page

        page = status_page.build_page(plan, report)
        if html_path is not None:
            try:
                status_page.write_html(html_path, status_page.render_html(page))
            except (ValueError, OSError) as exc:
                raise UsageError(f"--html: {exc}") from exc
            click.echo(f"Wrote {html_path} ({page.summary()})")
            return
        if fmt == "markdown":
            click.echo(status_page.format_markdown(page), nl=False)
            return
        click.echo(format_status(report, fmt) + "\n" + status_page.format_grid(page), nl=False)
        return
    click.echo(format_status(report, fmt), nl=False)


@cli.command()
@click.argument("plan_path", metavar="PLAN", type=click.Path(path_type=Path))
@click.option(
    "--logs",
    "globs",
    multiple=True,
    metavar="GLOB",
    help="Prior runs' logs (repeatable; quote the glob). Default: log-globs / scratch from the configuration.",
)
@click.option(
    "--write",
    is_flag=True,
    help=(
        "Store compute.time in plan.yaml where a run has none or asks for less than prior logs "
        "predict (a time set by hand is kept), then regenerate its tables."
    ),
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="With --write: replace every compute.time by the estimate, also one set by hand.",
)
@click.option(
    "--basis",
    "write_basis",
    is_flag=True,
    help="With --write: also store compute.basis (which logs, what was scaled) in plan.yaml.",
)
@click.option(
    "--apply-batch-size",
    is_flag=True,
    help="With --write: also set the suggested batch size (and grad accumulation) per run.",
)
@click.option("--force", is_flag=True, help="With --write: also rewrite read-only files.")
@click.option("--cross-model", is_flag=True, help="Use priors of other models too (extrapolated).")
@click.option(
    "--gpu-memory-gb",
    type=float,
    help="GPU memory for batch-size suggestions when no nvidia-smi CSV is at hand.",
)
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
@config_option
@click.pass_obj
def estimate(
    state: State,
    plan_path: Path,
    globs: tuple[str, ...],
    write: bool,
    overwrite: bool,
    write_basis: bool,
    apply_batch_size: bool,
    force: bool,
    cross_model: bool,
    gpu_memory_gb: float | None,
    fmt: str,
) -> None:
    """Estimate wall time and batch size per fine-tuned run from prior runs' logs."""
    from planlint.commands.estimate import estimate_edits
    from planlint.commands.status import read_plan
    from planlint.errors import UsageError
    from planlint.estimate.plan import (
        NoLogs,
        estimate_plan,
        log_globs,
        scan_logs,
        settings_for,
    )
    from planlint.paths import display_path
    from planlint.plan.model import Plan
    from planlint.report import estimates as estimates_report

    config = state.config()
    if apply_batch_size and not write:
        raise UsageError("--apply-batch-size needs --write")
    for flag, given in (("--force", force), ("--overwrite", overwrite), ("--basis", write_basis)):
        if given and not write:
            raise UsageError(f"{flag} needs --write")
    loaded = read_plan(plan_path, config)
    plan = Plan(path=plan_path, display=display_path(plan_path), loaded=loaded, config=config)
    try:
        patterns = log_globs(globs, config, plan)
    except NoLogs as exc:
        raise UsageError(str(exc)) from exc
    progress = _progress_bar() if sys.stderr.isatty() else None
    scanned = scan_logs(patterns, progress=progress)
    results = estimate_plan(plan, scanned.records, settings_for(config, cross_model, gpu_memory_gb))
    click.echo(
        estimates_report(
            [r.estimate for r in results], plan.display, scanned.files, len(scanned.duplicates), fmt
        ),
        nl=False,
    )
    if write:
        from planlint.commands.fix import fix as run_fix
        from planlint.commands.fix import write_plan_text
        from planlint.plan.edit import EditError

        try:
            written = estimate_edits(
                plan_path,
                loaded.text,
                results,
                apply_batch_size,
                overwrite=overwrite,
                basis=write_basis,
            )
            new = written.text
            if new != loaded.text:
                write_plan_text(plan_path, loaded, new, force)
                click.echo(f"Fixing {plan.display}", err=True)
            for done in written.changes:
                click.echo(f"{plan.display}: {done.line()}", err=True)
        except (EditError, OSError) as exc:
            click.echo(f"planlint: {plan.display}: not written: {exc}", err=True)
            sys.exit(1)
        report = run_fix([str(plan_path)], config, force=force)
        for change in report.changes:
            click.echo(f"Fixing {change.display}", err=True)
        for error in report.errors:
            click.echo(f"planlint: {error}", err=True)


@cli.command("logs")
@click.argument("globs", nargs=-1, metavar="GLOB...")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
@click.pass_obj
def logs_command(state: State, globs: tuple[str, ...], fmt: str) -> None:
    """Show what each log says: kind, version, shape, timing, memory, failures, prior or not."""
    from planlint.errors import UsageError
    from planlint.estimate.plan import scan_logs
    from planlint.logs.summary import format_text, summarize, to_json

    if not globs:
        raise UsageError("planlint logs needs at least one GLOB (quote it: 'runs/**/slurm-*.out')")
    progress = _progress_bar() if sys.stderr.isatty() else None
    scanned = scan_logs(list(globs), progress=progress)
    rows = summarize([r for r in scanned.records if r.path not in scanned.companions])
    files = scanned.files - len(scanned.companions)
    if fmt == "json":
        import json

        click.echo(json.dumps(to_json(rows, files, scanned.duplicates), indent=2))
    else:
        click.echo(format_text(rows, files, scanned.duplicates), nl=False)
    if files == 0:
        sys.exit(1)


def _progress_bar() -> Callable[[int, int], None]:
    """A one-line counter on stderr, shown only when there are many logs."""

    def show(done: int, total: int) -> None:
        if total >= 20:
            click.echo(f"\rreading logs {done}/{total}", nl=done >= total, err=True)

    return show


def main(argv: list[str] | None = None) -> int:
    """Entry point: exit 0 clean, 1 findings, 2 usage error or planlint's own failure."""
    from planlint.config import ConfigError
    from planlint.errors import UsageError

    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="planlint", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        name = exc.ctx.command_path if isinstance(exc, click.UsageError) and exc.ctx else "planlint"
        tip = f" (see `{name} --help`)" if isinstance(exc, click.UsageError) else ""
        click.echo(f"planlint: error: {exc.format_message()}{tip}", err=True)
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


def run() -> None:
    """The console script: `main` with the cyclic GC off for good, then a fast exit.

    A plan's data is a large tree without cycles worth collecting: the cyclic GC would only
    re-scan it, and freeing every object at interpreter exit costs seconds on a big plan. So the
    GC is off from the start, and once stdout and stderr are flushed the process ends with
    `os._exit`. In-process callers (tests, `planlint.lint`) use `main`, which does neither.
    """
    import gc

    gc.disable()
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):  # a reader that stopped early (`| head`)
        code = code or 1
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
