"""A run folder's configs against the plan: the training values cruijff_kit's scaffold wrote."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planlint.plan.model import text_of
from planlint.plan.values import as_number

if TYPE_CHECKING:
    from planlint.plan.run import Run

#: Plan keys compared with what a run folder's configs say: plan key -> path in finetune.yaml.
DRIFT_KEYS = {
    "batch_size": ("batch_size",),
    "lora_rank": ("model", "lora_rank"),
    "lr": ("optimizer", "lr"),
    "epochs": ("epochs",),
}


@dataclass(frozen=True)
class Drift:
    """A training value in a run folder's config that differs from the plan."""

    key: str
    plan: str
    found: str
    file: str
    plan_path: tuple[Any, ...] | None = None


def _dig(data: Any, path: tuple[str, ...]) -> tuple[Any, str] | None:
    """The (mapping, key) that holds the value at `path`, or None."""
    for step in path[:-1]:
        data = data.get(step) if isinstance(data, dict) else None
    if not isinstance(data, dict) or path[-1] not in data or data[path[-1]] is None:
        return None
    return data, path[-1]


def config_drift(run: Run, configs: dict[str, dict[str, Any] | None]) -> list[Drift]:
    """batch_size, lora_rank, lr and epochs of finetune.yaml (else setup_finetune.yaml) against the plan.

    Values compare as numbers (1e-4 == 0.0001 == "1e-4"), and are shown as written in each file.
    """
    finetune, setup = configs.get("finetune.yaml"), configs.get("setup_finetune.yaml")
    out: list[Drift] = []
    for key, path in DRIFT_KEYS.items():
        setting = run.setting(key)
        want = as_number(setting.value)
        if want is None or setting.path is None:
            continue
        for name, data, where in (("finetune.yaml", finetune, path), ("setup_finetune.yaml", setup, (key,))):
            found = _dig(data, where)
            if found is None:
                continue
            got = as_number(found[0][found[1]])
            if got is not None and not math.isclose(got, want, rel_tol=1e-9, abs_tol=0.0):
                container: Any = run.plan.data
                for step in setting.path[:-1]:
                    container = container[step]
                out.append(
                    Drift(key, text_of(container, setting.path[-1]), text_of(*found), name, setting.path)
                )
            break  # the first file that states the key decides
    return out


def wandb_name(configs: dict[str, dict[str, Any] | None]) -> tuple[str, Any] | None:
    """(file, my_wandb_run_name) from setup_finetune.yaml, else finetune.yaml; None without either."""
    for name in ("setup_finetune.yaml", "finetune.yaml"):
        data = configs.get(name)
        if data is not None:
            return name, data.get("my_wandb_run_name")
    return None
