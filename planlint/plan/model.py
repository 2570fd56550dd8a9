"""A loaded plan and the domain words rules use: runs, models, variables, controls, naming."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planlint.finding import Hit
from planlint.plan.load import Loaded, Pos, YMap, YSeq, position, source_text
from planlint.plan.schema import nested_variables

if TYPE_CHECKING:
    from planlint.config import Config

#: Keys a run's `parameters` may hold besides variables and controls (cruijff_kit documents them;
#: scaffold-torchtune reads a run's training file as `run.dataset_path` or `run.parameters.dataset_path`).
RUN_PARAMETER_KEYS = ("checkpoint_path", "prompt", "eval_dataset_path", "dataset_path")
DEFAULT_TEMPLATE = "{model}_{vars}"
DEFAULT_CONTROL = "{model}_base"
DEFAULT_ABBREV = {"lora_rank": "rank", "lr": "lr", "batch_size": "bs", "epochs": "ep"}

#: The variable that names the model as a sweep axis (cruijff's explore-experiment "Format A").
MODEL_AXIS = "model"

_EMPTY_MAP = YMap(1, 1, 1)
_EMPTY_SEQ = YSeq(1, 1, 1)


@dataclass
class Plan:
    """One plan file, loaded with positions, as the rules see it."""

    path: Path
    display: str
    loaded: Loaded
    config: Config
    schema_ok: bool = True
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def data(self) -> YMap:
        return self.loaded.data if isinstance(self.loaded.data, YMap) else _EMPTY_MAP

    # -- positions -------------------------------------------------------------------------
    def pos(self, *path: Any, key: bool = False) -> Pos:
        return position(self.data, path, key=key)

    def hit(
        self,
        rule: str,
        path: tuple[Any, ...],
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,
        diff: str | None = None,
    ) -> Hit:
        line, col = self.pos(*path, key=key)
        return Hit(rule, line, col, message, hint, diff, node=path, on_key=key)

    # -- sections --------------------------------------------------------------------------
    def section(self, *path: str) -> YMap:
        cur: Any = self.data
        for step in path:
            cur = cur.get(step) if isinstance(cur, dict) else None
        return cur if isinstance(cur, YMap) else _EMPTY_MAP

    def seq(self, *path: str) -> YSeq:
        cur: Any = self.data
        for step in path:
            cur = cur.get(step) if isinstance(cur, dict) else None
        return cur if isinstance(cur, YSeq) else _EMPTY_SEQ

    @property
    def controls(self) -> YMap:
        got = self.cache.get("controls")  # read for every setting of every run: looked up once
        if got is None:
            got = self.cache["controls"] = self.section("controls")
        return got

    @property
    def variables(self) -> YMap:
        """Swept axes a run sets in its `parameters`, in declared order (lists only).

        `variables.model` (cruijff's "Format A") is not among them: the model is an axis of its
        own (`model_axis`), set by each run's `model:`. The nested "Format B"
        (`independent: [{name, values}]`) is read as the flat form it stands for (PL108 says so).
        """
        if "variables" not in self.cache:
            out = YMap(1, 1, 1)
            section = self.section("variables")
            nested = nested_variables(section)
            if nested is not None:
                section = nested
            for name, values in section.items():
                if isinstance(values, YSeq) and name != MODEL_AXIS:
                    out[name] = values
            self.cache["variables"] = out
        return self.cache["variables"]  # type: ignore[no-any-return]

    @property
    def model_axis(self) -> YSeq | None:
        """`variables.model` when the plan sweeps the model as an axis, else None."""
        section = self.section("variables")
        nested = nested_variables(section)
        axis = (nested if nested is not None else section).get(MODEL_AXIS)
        return axis if isinstance(axis, YSeq) else None

    def runs(self) -> list[tuple[int, YMap]]:
        """(index, entry) of every entry of `runs:` that is a mapping; made once per plan (a
        dozen rules walk them)."""
        got: list[tuple[int, YMap]] | None = self.cache.get("run_entries")
        if got is None:
            got = self.cache["run_entries"] = [
                (i, r) for i, r in enumerate(self.seq("runs")) if isinstance(r, YMap)
            ]
        return got

    def models(self) -> list[tuple[int, YMap]]:
        return [(i, m) for i, m in enumerate(self.seq("models", "base")) if isinstance(m, YMap)]

    def model_names(self) -> dict[str, int]:
        """Model name -> index in models.base (first one wins)."""
        if "model_names" not in self.cache:
            out: dict[str, int] = {}
            for i, m in self.models():
                name = m.get("name")
                if isinstance(name, str) and name not in out:
                    out[name] = i
            self.cache["model_names"] = out
        return self.cache["model_names"]  # type: ignore[no-any-return]

    @property
    def base_controls(self) -> bool | None:
        value = self.section("experiment").get("base_controls")
        return value if isinstance(value, bool) else None

    # -- naming ----------------------------------------------------------------------------
    @property
    def naming(self) -> YMap:
        return self.section("naming")

    def template(self) -> str:
        t = self.naming.get("template")
        return t if isinstance(t, str) else self.config.naming.get("template", DEFAULT_TEMPLATE)

    def control_template(self) -> str:
        t = self.naming.get("control")
        return t if isinstance(t, str) else self.config.naming.get("control", DEFAULT_CONTROL)

    def abbrev(self, variable: str) -> str:
        plan_abbrev = self.naming.get("abbrev")
        if isinstance(plan_abbrev, dict) and isinstance(plan_abbrev.get(variable), str):
            return str(plan_abbrev[variable])
        conf = self.config.naming.get("abbrev", {})
        if isinstance(conf, dict) and variable in conf:
            return str(conf[variable])
        return DEFAULT_ABBREV.get(variable, variable)

    def model_label(self, model_name: str) -> str:
        """What `{model}` stands for in run names: the model's `short`, else its `name`."""
        labels: dict[str, str] = self.cache.setdefault("model_labels", {})
        got = labels.get(model_name)
        if got is None:
            got = labels[model_name] = self._model_label(model_name)
        return got

    def _model_label(self, model_name: str) -> str:
        idx = self.model_names().get(model_name)
        if idx is not None:
            short = self.seq("models", "base")[idx].get("short")
            if isinstance(short, str) and short:
                return short
        return model_name


def text_of(container: Any, step: Any) -> str:
    """A scalar as written in plan.yaml (source text), falling back to a YAML-ish rendering."""
    raw = source_text(container, step)
    value = container[step]
    if raw is not None and not isinstance(value, (dict, list)):
        if isinstance(value, str):
            return value
        return raw
    return render_value(value)


def render_value(value: Any) -> str:
    """A value as a table cell or run name shows it: `null`, `true`, numbers as YAML writes them."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return repr(value)
    return str(value)


def gpu_hours(plan: Plan) -> tuple[float, int]:
    """Estimated GPU hours (sum over fine-tuned runs of compute.time x GPUs) and how many
    fine-tuned runs have no usable compute.time (left out of the sum)."""
    from planlint.slurmtime import parse_time

    def count(value: Any) -> int | None:
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None

    total, missing = 0.0, 0
    default_gpus = count(plan.controls.get("gpus")) or 1
    for _, run in plan.runs():
        if run.get("type") != "fine-tuned":
            continue
        compute = run.get("compute")
        compute = compute if isinstance(compute, dict) else {}
        time = compute.get("time")
        seconds = parse_time(time) if isinstance(time, (str, int)) and not isinstance(time, bool) else None
        if seconds is None:
            missing += 1
            continue
        total += seconds * (count(compute.get("gpus")) or default_gpus) / 3600
    return total, missing
