"""A run folder's configs against the plan: the values cruijff_kit's scaffold wrote, and where.

`setup_finetune.yaml` is what scaffold-torchtune wrote from the plan; `finetune.yaml` is what
cruijff_kit's `setup_finetune.py` rendered from it, and what torchtune actually reads. Where both
state a value, finetune.yaml decides. Every key the plan decides is compared (`DRIFT_KEYS`), and so
is where the checkpoints will land (`output_drift`): `project_dir` + `experiment_name` +
`my_wandb_run_name` in setup_finetune.yaml, `output_dir` in finetune.yaml.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple

from planlint.plan.disk import PLACEHOLDER, plan_path
from planlint.plan.model import text_of
from planlint.plan.values import as_number

if TYPE_CHECKING:
    from planlint.plan.run import Run

#: Plan key -> (path in finetune.yaml, key in setup_finetune.yaml), as setup_finetune.py maps them.
DRIFT_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "batch_size": (("batch_size",), "batch_size"),
    "gradient_accumulation_steps": (("gradient_accumulation_steps",), "gradient_accumulation_steps"),
    "epochs": (("epochs",), "epochs"),
    "lora_rank": (("model", "lora_rank"), "lora_rank"),
    "lr": (("optimizer", "lr"), "lr"),
    "num_warmup_steps": (("lr_scheduler", "num_warmup_steps"), "num_warmup_steps"),
    "max_seq_len": (("tokenizer", "max_seq_len"), "max_seq_len"),
    "packed": (("dataset", "packed"), "packed"),
    "prompt": (("dataset", "prompt"), "prompt"),
    "system_prompt": (("dataset", "system_prompt"), "system_prompt"),
}
#: How each plan key compares: as a number, a boolean or exact text.
_KIND = {"packed": "bool", "prompt": "text", "system_prompt": "text"}

#: `controls` keys cruijff_kit's scaffold copies into setup_finetune.yaml (propagate.py TRAIN_FIELDS).
#: Any other control (num_warmup_steps, lr, lora_rank, max_seq_len, packed) never reaches the run:
#: it takes effect only when written into the run's setup_finetune.yaml (or set per run).
SCAFFOLD_COPIES = frozenset(
    {
        "epochs",
        "batch_size",
        "batch_size_val",
        "gradient_accumulation_steps",
        "weight_decay",
        "lora_dropout",
        "prompt",
        "system_prompt",
    }
)
#: Dataset types without a system-prompt slot: scaffold drops system_prompt for them.
_NO_SYSTEM_PROMPT = ("text_completion", "text_completion_dataset")
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Drift(NamedTuple):
    """A value in a run folder's config that differs from the plan.

    `key` is the plan's key (or "training data" for the data file), `where` the dotted path in
    `file`, `plan_path` where the plan states the value, `note` why it drifted when that is known.
    """

    key: str
    plan: str
    found: str
    file: str
    plan_path: tuple[Any, ...] | None = None
    where: str = ""
    note: str | None = None


def _dig(data: Any, path: tuple[str, ...]) -> tuple[Any, str] | None:
    """The (mapping, key) that holds the value at `path`, or None."""
    for step in path[:-1]:
        data = data.get(step) if isinstance(data, dict) else None
    if not isinstance(data, dict) or path[-1] not in data or data[path[-1]] is None:
        return None
    return data, path[-1]


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "false", "no"):
        return value.strip().lower() in ("true", "yes")
    return None


def _same(kind: str, want: Any, got: Any) -> bool | None:
    """Do the two values agree (None: one of them is not a value of this kind)?"""
    a: object
    b: object
    if kind == "bool":
        a, b = _as_bool(want), _as_bool(got)
    elif kind == "text":
        a, b = (want, got) if isinstance(want, str) and isinstance(got, str) else (None, None)
    else:
        x, y = as_number(want), as_number(got)
        if x is None or y is None:
            return None
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=0.0)
    if a is None or b is None:
        return None
    return a == b


def _shown(kind: str, container: Any, key: Any) -> str:
    value = container[key]
    if kind == "text" and isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return text_of(container, key)


def _dataset_type(run: Run, setup: dict[str, Any] | None) -> Any:
    got = setup.get("dataset_type") if isinstance(setup, dict) else None
    return got if got is not None else run.setting("dataset_type").value


def _value_drift(run: Run, finetune: dict[str, Any] | None, setup: dict[str, Any] | None) -> list[Drift]:
    out: list[Drift] = []
    for key, (path, setup_key) in DRIFT_KEYS.items():
        setting = run.setting(key)
        if setting.path is None or setting.value is None:
            continue
        if key == "system_prompt" and _dataset_type(run, setup) in _NO_SYSTEM_PROMPT:
            continue  # scaffold drops it: a base model has no chat template to hold it
        kind = _KIND.get(key, "number")
        wheres: list[tuple[str, tuple[str, ...]]] = [("finetune.yaml", path)]
        if key == "system_prompt":
            wheres.append(("finetune.yaml", ("dataset", "new_system_prompt")))
        wheres.append(("setup_finetune.yaml", (setup_key,)))
        for name, where in wheres:
            found = _dig(finetune if name == "finetune.yaml" else setup, where)
            if found is None:
                continue
            same = _same(kind, setting.value, found[0][found[1]])
            if same is False:
                container: Any = run.plan.data
                for step in setting.path[:-1]:
                    container = container[step]
                note = None
                if setting.source == "controls" and key not in SCAFFOLD_COPIES:
                    note = f"cruijff_kit's scaffold does not copy controls.{key} into setup_finetune.yaml"
                out.append(
                    Drift(
                        key,
                        _shown(kind, container, setting.path[-1]),
                        _shown(kind, *found),
                        name,
                        setting.path,
                        ".".join(where),
                        note,
                    )
                )
            if same is not None:
                break  # the first file that states the key decides
    return out


# -- the training data ----------------------------------------------------------------------------


def _expand_user(text: str) -> str | None:
    """`$USER` as setup_finetune.py replaces it; None when it cannot be (no USER set)."""
    if "$USER" not in text:
        return text
    user = os.environ.get("USER")
    return text.replace("$USER", user) if user else None


def _norm_path(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    expanded = _expand_user(text.strip())
    return os.path.normpath(expanded) if expanded is not None else None


def _interpolate(text: str, config: dict[str, Any]) -> str | None:
    """`${key}` replaced with top-level string values of the same config; None if one is missing."""
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        value = config.get(m.group(1))
        if not isinstance(value, str):
            missing = True
            return ""
        return value

    out = _INTERPOLATION.sub(sub, text)
    return None if missing else out


def config_data_path(configs: dict[str, dict[str, Any] | None]) -> tuple[str, str, str] | None:
    """(file, where, path) of the training data a run folder's configs point at, or None.

    finetune.yaml: `dataset.data_files` with its `${input_dir}` / `${dataset_label}` filled in;
    setup_finetune.yaml: `input_dir_base` + `input_formatting` + `dataset_label` + `dataset_ext`.
    """
    finetune, setup = configs.get("finetune.yaml"), configs.get("setup_finetune.yaml")
    found = _dig(finetune, ("dataset", "data_files"))
    if finetune is not None and found is not None and isinstance(found[0][found[1]], str):
        text = _interpolate(found[0][found[1]], finetune)
        if text is not None and os.path.isabs(text):
            return "finetune.yaml", "dataset.data_files", text
    if setup is not None:
        base, label = setup.get("input_dir_base"), setup.get("dataset_label")
        if isinstance(base, str) and isinstance(label, str) and base and label:
            fmt = setup.get("input_formatting")
            ext = setup.get("dataset_ext")
            parts = [base, fmt if isinstance(fmt, str) else "", label + (ext if isinstance(ext, str) else "")]
            return "setup_finetune.yaml", "input_dir_base + dataset_label + dataset_ext", os.path.join(*parts)
    return None


def _planned_data(run: Run) -> tuple[Any, tuple[Any, ...], str | None, str | None]:
    """(path text, plan path, expected dataset_label, training_condition) of the run's training data."""
    data = run.training_data
    if data.kind == "dataset_path":
        return data.text, data.path, PurePosixPath(data.text).stem, None
    if data.kind == "training_condition":
        return None, data.path, None, data.text
    label = run.plan.section("data", "training").get("dataset_label")
    return data.text, data.path, label if isinstance(label, str) else None, None


def _data_drift(run: Run, configs: dict[str, dict[str, Any] | None]) -> list[Drift]:
    finetune, setup = configs.get("finetune.yaml"), configs.get("setup_finetune.yaml")
    text, where, label, condition = _planned_data(run)
    got = config_data_path(configs)
    if isinstance(text, str) and got is not None and not PLACEHOLDER.search(got[2]):
        planned = plan_path(run.plan, text)
        want, found = _norm_path(str(planned)) if planned else None, _norm_path(got[2])
        if want is not None and found is not None:
            if want != found and os.path.realpath(want) != os.path.realpath(found):
                return [Drift("training data", text, found, got[0], where, got[1])]
            return []
    for name, data in (("finetune.yaml", finetune), ("setup_finetune.yaml", setup)):
        value = data.get("dataset_label") if isinstance(data, dict) else None
        if not isinstance(value, str) or not value:
            continue
        if condition is not None:
            if not value.startswith(f"{condition}_train_"):
                return [
                    Drift(
                        "dataset_label",
                        f"{condition}_train_<hash>",
                        value,
                        name,
                        where,
                        "dataset_label",
                        f"the run trains condition {condition}",
                    )
                ]
        elif label is not None and value != label:
            plan_where = where if where[0] == "runs" else ("data", "training", "dataset_label")
            return [Drift("dataset_label", label, value, name, plan_where, "dataset_label")]
        return []
    return []


def config_drift(run: Run, configs: dict[str, dict[str, Any] | None]) -> list[Drift]:
    """Every value the plan decides against finetune.yaml (else setup_finetune.yaml).

    Numbers compare by value (1e-4 == 0.0001 == "1e-4"), booleans as booleans, prompts exactly;
    values are shown as written in each file. Only values the plan states are compared.
    """
    finetune, setup = configs.get("finetune.yaml"), configs.get("setup_finetune.yaml")
    return _value_drift(run, finetune, setup) + _data_drift(run, configs)


# -- where the checkpoints land -------------------------------------------------------------------


class OutputDrift(NamedTuple):
    """The run's checkpoints land somewhere else than `{experiment.dir}/{run}/artifacts/`."""

    #: the artifacts folder the configs name (`<random name>` when my_wandb_run_name is missing)
    found: str
    expected: str
    file: str
    #: why, in the researcher's terms (which key of which file is wrong)
    reason: str
    #: the project_dir and experiment_name that put them in the run folder
    project_dir: str = ""
    experiment_name: str = ""


def _setup_output(setup: dict[str, Any]) -> tuple[str, str, str] | None:
    """(project_dir, experiment_name, run folder) as setup_finetune.py joins them, or None."""
    project, name = setup.get("project_dir"), setup.get("experiment_name")
    if not isinstance(project, str) or not project or not isinstance(name, str) or not name:
        return None
    run = setup.get("my_wandb_run_name")
    return project, name, run if isinstance(run, str) and run else "<random name>"


def output_drift(run: Run, configs: dict[str, dict[str, Any] | None], exp_dir: str) -> OutputDrift | None:
    """Where the run's checkpoints land, when that is not `{exp_dir}/{run}/artifacts/`.

    finetune.yaml's `output_dir` is what torchtune writes to, so it decides; setup_finetune.yaml's
    `project_dir` + `experiment_name` (what setup_finetune.py joins into output_dir) says why, and
    decides alone while finetune.yaml is not rendered yet. The run folder name itself
    (my_wandb_run_name) is PL605's concern: only the folder above it is compared here. A wrong
    project_dir (experiment.dir itself instead of its parent) puts the checkpoints one level too
    deep, in `{exp}/{experiment_name}/{run}/artifacts/`.
    """
    want = _norm_path(exp_dir)
    if want is None or run.name is None:
        return None
    want = os.path.abspath(want)
    parent, last = os.path.split(want)
    expected = os.path.join(want, run.name, "artifacts") + "/"
    setup, finetune = configs.get("setup_finetune.yaml"), configs.get("finetune.yaml")
    out = finetune.get("output_dir") if isinstance(finetune, dict) else None
    got = _norm_path(out) if isinstance(out, str) and "${" not in out else None
    if got is not None and _same_dir(os.path.dirname(os.path.dirname(got)), want):
        return None  # {exp}/{some run folder}/artifacts: where the folder name leads is PL605's concern
    parts = _setup_output(setup) if isinstance(setup, dict) else None
    if parts is not None:
        project, name, folder = parts
        joined = _norm_path(os.path.join(project, name))
        if joined is not None and not _same_dir(joined, want):
            proj = _norm_path(project) or project
            if _same_dir(proj, want):
                reason = f"setup_finetune.yaml's project_dir is experiment.dir itself; it must be its parent, {parent}/"
            elif name != last:
                reason = f"setup_finetune.yaml's experiment_name is {name}, experiment.dir ends in {last}"
            else:
                reason = (
                    f"setup_finetune.yaml's project_dir is {project}, experiment.dir's parent is {parent}/"
                )
            found = str(out) if got is not None else os.path.join(joined, folder, "artifacts") + "/"
            return OutputDrift(found, expected, "setup_finetune.yaml", reason, parent + "/", last)
    if got is not None:
        reason = f"finetune.yaml's output_dir is {out}"
        return OutputDrift(str(out), expected, "finetune.yaml", reason, parent + "/", last)
    return None


def _same_dir(a: str, b: str) -> bool:
    return a == b or os.path.realpath(a) == os.path.realpath(b)


def wandb_name(configs: dict[str, dict[str, Any] | None]) -> tuple[str, Any] | None:
    """(file, my_wandb_run_name) from setup_finetune.yaml, else finetune.yaml; None without either."""
    for name in ("setup_finetune.yaml", "finetune.yaml"):
        data = configs.get(name)
        if data is not None:
            return name, data.get("my_wandb_run_name")
    return None
