"""A run as plan.yaml text: what `init` writes, `fix --runs` adds and a PL2 hint pastes.

One writer, in a plan's own style (`RunStyle`: block or flow, indentation, quoting) and within
yamllint's default line length (a long name on a line of its own, long parameters as a block).
"""

from __future__ import annotations

from dataclasses import dataclass

from planlint.plan.naming import ImpliedRun, value_text
from planlint.plan.values import quote
from planlint.plan.yamltext import MAX_LINE
from planlint.plan.yamltext import entry as yaml_entry


@dataclass(frozen=True)
class RunStyle:
    """How the plan already writes its runs: block or flow, indentation, quoting."""

    dash_indent: str = "  "
    flow_item: bool = False
    flow_params: bool = True
    params_indent: int = 2
    quote_char: str = ""


def run_lines(run: ImpliedRun, style: RunStyle) -> list[str]:
    """One run written in the plan's style (no line endings)."""
    q = style.quote_char
    name = f"{q}{run.name}{q}" if q else quote(run.name)
    model = f"{q}{run.model}{q}" if q else quote(run.model)
    rtype = f"{q}{run.type}{q}" if q else run.type
    pairs = run.parameters
    flow_params = "{" + ", ".join(f"{k}: {value_text(v, t)}" for k, v, t in pairs) + "}"
    keys = [(k, value_text(v, t)) for k, v, t in run.run_level]
    if style.flow_item:
        extra = "".join(f", {k}: {v}" for k, v in keys)
        return [
            f"{style.dash_indent}- {{name: {name}, type: {rtype}, model: {model}{extra}, parameters: {flow_params}}}"
        ]
    key = style.dash_indent + "  "
    # within yamllint's line length: a long name on a line of its own, long parameters as a block
    out = [*yaml_entry(f"{style.dash_indent}- ", "name", name), f"{key}type: {rtype}", f"{key}model: {model}"]
    out += [f"{key}{k}: {v}" for k, v in keys]
    if not pairs or (style.flow_params and len(f"{key}parameters: {flow_params}") <= MAX_LINE):
        out.append(f"{key}parameters: {flow_params}")
    else:
        out.append(f"{key}parameters:")
        inner = key + " " * style.params_indent
        out += [f"{inner}{k}: {value_text(v, t)}" for k, v, t in pairs]
    return out


def run_yaml(run: ImpliedRun, indent: str = "  ") -> str:
    """The block YAML of one run, to paste under `runs:` (no final line break)."""
    return "\n".join(run_lines(run, RunStyle(dash_indent=indent)))
