"""Reporters: findings as text, JSON, GitHub workflow commands or SARIF, looked up by name."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from planlint._version import __version__
from planlint.finding import Finding
from planlint.paths import real_path

if TYPE_CHECKING:
    from planlint.estimate.model import Estimate
    from planlint.rules.base import Rule

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_RESET, _BOLD, _DIM = "\x1b[0m", "\x1b[1m", "\x1b[2m"


def use_color(choice: str, isatty: bool, environ: Mapping[str, str]) -> bool:
    """Colour for `--color auto|always|never`: `auto` colours a terminal unless NO_COLOR is set
    and not empty (no-color.org) or TERM is dumb; FORCE_COLOR (not empty) colours anywhere."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR", ""):
        return False
    if environ.get("FORCE_COLOR", ""):
        return True
    return isatty and environ.get("TERM") != "dumb"


def auto_format(environ: Mapping[str, str]) -> str:
    """The format when none is given: github on GitHub Actions, except inside a pre-commit hook
    (PRE_COMMIT=1), whose output people read in the log; else text."""
    if environ.get("GITHUB_ACTIONS") == "true" and not environ.get("PRE_COMMIT"):
        return "github"
    return "text"


def summary_line(findings: Sequence[Finding], files: int, gpu_hours: float | None = None) -> str:
    """`3 files checked: 2 errors, 0 warnings, 0 info`, with the plans' GPU hours when known."""
    counts = Counter(f.severity.value for f in findings)
    parts = [
        f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}"
        for s in ("error", "warning", "info")
    ]
    checked = f"{files} file{'s' if files != 1 else ''} checked"
    text = f"{checked}: {', '.join(parts)}"
    if gpu_hours is not None:
        text += f"; estimated {gpu_hours:.1f} GPU hours"
    return text


def text(
    findings: Sequence[Finding],
    *,
    color: bool = False,
    files: int = 0,
    gpu_hours: float | None = None,
    quiet: bool = False,
) -> str:
    """One grep-able line per finding, hint and diff indented below, then a count line
    (left out when `quiet`)."""
    lines: list[str] = []
    for f in findings:
        sev = f.severity.value
        loc = f"{f.path}:{f.line}:{f.column}:"
        if color:
            head = f"{_BOLD}{loc}{_RESET} {_BOLD}{f.rule}{_RESET} {_COLORS[sev]}{sev}{_RESET}: {f.message}"
        else:
            head = f"{loc} {f.rule} {sev}: {f.message}"
        lines.append(head)
        if f.hint:
            for i, h in enumerate(f.hint.splitlines()):
                lines.append(("    hint: " if i == 0 else "          ") + h)
        if f.diff:
            for d in f.diff.rstrip("\n").splitlines():
                if color and d.startswith("+") and not d.startswith("+++"):
                    d = f"\x1b[32m{d}{_RESET}"
                elif color and d.startswith("-") and not d.startswith("---"):
                    d = f"\x1b[31m{d}{_RESET}"
                lines.append("    " + d)
    if not quiet:
        summary = summary_line(findings, files, gpu_hours)
        lines.append(f"{_DIM}{summary}{_RESET}" if color else summary)
    return "".join(line + "\n" for line in lines)


def json_report(findings: Sequence[Finding], **_: object) -> str:
    """The findings as a JSON list, one object per finding."""
    return json.dumps([f.to_json() for f in findings], indent=2) + "\n"


def _gh_escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_prop(value: str) -> str:
    return _gh_escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(
    findings: Sequence[Finding],
    *,
    files: int = 0,
    gpu_hours: float | None = None,
    quiet: bool = False,
    **_: object,
) -> str:
    """GitHub Actions workflow commands, one per finding (info becomes a notice)."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for f in findings:
        props = f"file={_gh_escape_prop(f.path)},line={f.line},col={f.column}"
        if f.end_line:
            props += f",endLine={f.end_line}"
        if f.end_column:
            props += f",endColumn={f.end_column}"
        props += f",title={_gh_escape_prop(f.rule)}"
        body = f.message + (f"\nhint: {f.hint}" if f.hint else "") + (f"\n{f.diff}" if f.diff else "")
        lines.append(f"::{level[f.severity.value]} {props}::{_gh_escape_data(body)}")
    if not quiet:
        lines.append(summary_line(findings, files, gpu_hours))
    return "".join(line + "\n" for line in lines)


def markdown_summary(findings: Sequence[Finding], *, files: int = 0, gpu_hours: float | None = None) -> str:
    """A job-summary table (GitHub-flavoured markdown), capped well under GitHub's 1 MiB."""
    out = ["## planlint", "", summary_line(findings, files, gpu_hours), ""]
    if findings:
        out += ["| Location | Rule | Severity | Message |", "|---|---|---|---|"]
        for f in findings[:500]:
            msg = f.message.replace("|", "\\|").replace("\n", " ")
            out.append(f"| `{f.path}:{f.line}:{f.column}` | {f.rule} | {f.severity.value} | {msg} |")
        if len(findings) > 500:
            out.append(f"\n… and {len(findings) - 500} more (see the job log).")
    return "\n".join(out) + "\n"


def sarif(findings: Sequence[Finding], *, root: Path | None = None, **_: object) -> str:
    """SARIF 2.1.0 for code scanning: the tool's rules and one result per finding, paths relative
    to `SRCROOT` (the working folder unless `root` is given) so they resolve from anywhere."""
    srcroot = real_path(root or Path.cwd())

    from planlint.rules import FAMILIES, RULES

    used = sorted(RULES)
    index = {rid: i for i, rid in enumerate(used)}
    level = {"error": "error", "warning": "warning", "info": "note"}
    rules = [_sarif_rule(RULES[rid], FAMILIES, level) for rid in used]
    results = []
    for f in findings:
        region: dict[str, int] = {"startLine": f.line, "startColumn": f.column}
        if f.end_line:
            region["endLine"] = f.end_line
        if f.end_column:
            region["endColumn"] = f.end_column
        message = f.message + (f"\nhint: {f.hint}" if f.hint else "")
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": level[f.severity.value],
                "message": {"text": message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _artifact(f.path, srcroot),
                            "region": region,
                        }
                    }
                ],
            }
        )
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "planlint",
                        "version": __version__,
                        "informationUri": "https://github.com/planlint/planlint",
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": srcroot.as_uri() + "/"}},
                # Columns count characters, as in every other format; without this a SARIF
                # reader counts UTF-16 units and marks the wrong place after an emoji.
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


README_URL = "https://github.com/planlint/planlint/blob/main/README.md"


def _sarif_rule(rule: Rule, families: Mapping[str, str], level: Mapping[str, str]) -> dict[str, object]:
    """A SARIF reportingDescriptor from the rule's registry entry (the README's rules table says
    the same; its anchor is the helpUri)."""
    off = "" if rule.enabled else " Off by default: turn it on with `--extend-select " + rule.id + "`."
    text = f"{rule.id} {rule.name} ({families[rule.family]}): {rule.summary}.{off}"
    markdown = f"**{rule.id}** `{rule.name}` ({families[rule.family]}): {rule.summary}.{off}"
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": markdown},
        "helpUri": f"{README_URL}#{rule.id.lower()}",
        "defaultConfiguration": {"level": level[rule.severity.value], "enabled": rule.enabled},
        "properties": {"family": families[rule.family], "tags": [families[rule.family]]},
    }


def _artifact(path: str, srcroot: Path) -> dict[str, str]:
    """A finding's path as a SARIF artifactLocation: relative to SRCROOT when it lies below it."""
    absolute = Path(path) if Path(path).is_absolute() else Path.cwd() / path
    try:
        return {"uri": real_path(absolute).relative_to(srcroot).as_posix(), "uriBaseId": "SRCROOT"}
    except ValueError:
        return {"uri": real_path(absolute).as_uri()}


REPORTERS: dict[str, Callable[..., str]] = {
    "text": text,
    "json": json_report,
    "github": github,
    "sarif": sarif,
}


def rules_listing(fmt: str = "text") -> str:
    """`planlint rules`: every rule with id, default severity and description, as text, JSON or markdown."""
    from planlint.rules import FAMILIES, RULES

    ordered = sorted(RULES.values(), key=lambda r: r.id)
    if fmt == "json":
        rows = [
            {"id": r.id, "name": r.name, "family": FAMILIES[r.family], "severity": r.severity.value,
             "enabled": r.enabled, "description": r.summary}
            for r in ordered
        ]  # fmt: skip
        return json.dumps({"version": 1, "rules": rows}, indent=2) + "\n"
    if fmt == "markdown":
        out = ["| Rule | Name | Severity | What it checks |", "|---|---|---|---|"]
        for r in ordered:
            sev = r.severity.value + ("" if r.enabled else " (off by default)")
            out.append(f'| <a id="{r.id.lower()}"></a>{r.id} | {r.name} | {sev} | {r.summary} |')
        return "\n".join(out) + "\n"
    return "".join(
        f"{r.id}  {r.severity.value:<7}  {r.name:<28} {r.summary}{'' if r.enabled else '  [off by default]'}\n"
        for r in ordered
    )


def _minutes(seconds: float) -> str:
    """Seconds as minutes: whole ones from 10 minutes up, one decimal below."""
    return f"{seconds / 60:.0f}" if seconds >= 600 else f"{seconds / 60:.1f}"


def estimates(found: Sequence[Estimate], plan: str, files: int, duplicates: int, fmt: str = "text") -> str:
    """`planlint estimate`: each fine-tuned run's estimate of `plan` from `files` logs, as text or JSON."""
    if fmt == "json":
        rows = [
            {
                "run": e.run,
                "time": e.time,
                "seconds_raw": e.seconds_raw,
                "seconds_low": e.seconds_low,
                "seconds_high": e.seconds_high,
                "margin": e.margin,
                "batch_size_suggestion": e.batch_size_suggestion,
                "gradient_accumulation_suggestion": e.gradient_accumulation_suggestion,
                "basis": e.basis,
                "batch_basis": e.batch_basis,
                "priors": list(e.priors),
            }
            for e in found
        ]
        return json.dumps({"version": 1, "plan": plan, "logs": files, "runs": rows}, indent=2) + "\n"
    out = [f"{files} log files read ({duplicates} copies counted once)"]
    for e in found:
        batch = (
            f"batch {e.batch_size_suggestion} x accum {e.gradient_accumulation_suggestion}"
            if e.batch_size_suggestion
            else "batch: no suggestion"
        )
        spread = ""
        if e.seconds_low is not None and e.seconds_high is not None:
            spread = f" (raw {_minutes(e.seconds_low)}-{_minutes(e.seconds_high)} min)"
        out.append(f"{e.run}: {e.time or 'no estimate'}{spread}  ({batch})")
        out.append(f"    basis: {e.basis}")
        if e.batch_basis:
            out.append(f"    batch: {e.batch_basis}")
    return "\n".join(out) + "\n"
