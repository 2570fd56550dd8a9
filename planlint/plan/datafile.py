"""Training data files: their records (one reader of JSON, JSON lines and split objects), and how
many samples a run trains on.

A run trains on its own file (`dataset_path`, run level or in `parameters`), on a generated
condition (`training_condition`, whose file exists only after generation), or on
`data.training` (the plan's `splits.train`): `Run.training_data` says which, and
`train_samples` gives the count the step checks and the estimate use, or says why there is none.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NamedTuple

from planlint.plan.load import YMap
from planlint.plan.pathtext import plan_path
from planlint.plan.values import as_int
from planlint.readfile import Refused, read_bounded

if TYPE_CHECKING:
    from planlint.plan.model import Plan
    from planlint.plan.run import Run

#: A data file larger than this is not parsed (its records are not counted).
MAX_DATA_BYTES = 200 * 1024 * 1024
#: Keys of an object of splits that hold no split (cruijff_kit's model-organism generator writes
#: `metadata`).
SIDE_KEYS = frozenset({"metadata"})

Records = list[Any] | dict[str, list[Any]]


class TrainSamples(NamedTuple):
    """How many samples a run trains on per epoch (None when unknown), where the count comes
    from (`data.training.splits.train`, a file's records), and why it is unknown."""

    samples: int | None
    source: str
    why: str = ""


def records_of(raw: bytes) -> tuple[Records | None, str | None]:
    """The file's records: a list, or split name -> list; else a problem description."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "is not UTF-8 text"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as first:
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                return (
                    None,
                    f"is neither JSON nor JSON lines (line {first.lineno}: {first.msg}; as JSON lines, line {n} does not parse)",
                )
        return rows, None
    except RecursionError:
        return None, "nests too deeply to be a dataset"
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict):
        splits = {k: v for k, v in data.items() if isinstance(v, list)}
        others = [k for k, v in data.items() if not isinstance(v, list)]
        # cruijff_kit's model-organism generator writes {"train": [...], "validation": [...], "metadata": {...}}
        if splits and all(k in SIDE_KEYS for k in others):
            return splits, None
        if splits and others:
            stray = [k for k in others if k not in SIDE_KEYS]
            return None, (
                f"is an object of splits ({', '.join(splits)}) with non-list entries ({', '.join(stray[:3])}):"
                " only metadata may sit beside the splits"
            )
    return None, "is a JSON value that is neither a list of records nor an object of splits"


def file_train_samples(plan: Plan, text: str) -> TrainSamples:
    """The train records of the data file `text` (a path as the plan writes it): the `train`
    split of an object of splits, else every record of a list; read once per plan."""
    cache: dict[str, TrainSamples] = plan.cache.setdefault("file_train_samples", {})
    got = cache.get(text)
    if got is None:
        got = cache[text] = _count(plan, text)
    return got


def _count(plan: Plan, text: str) -> TrainSamples:
    source = f"records of {text}"
    p = plan_path(plan, text)
    if p is None:
        return TrainSamples(None, source, f"{text} holds a placeholder")
    try:
        if not p.is_file():
            return TrainSamples(None, source, f"{text} is not a file on this machine")
        if p.suffix.lower() in (".parquet", ".arrow", ".csv"):
            return TrainSamples(None, source, f"{text} is not a JSON file (records not counted)")
        raw = read_bounded(p, MAX_DATA_BYTES)
    except Refused as exc:
        return TrainSamples(None, source, f"{text} is {exc.reason}: not read")
    except OSError as exc:
        return TrainSamples(None, source, f"{text} cannot be read ({exc.strerror or exc})")
    records, problem = records_of(raw)
    if records is None:
        return TrainSamples(None, source, f"{text} {problem}")
    if isinstance(records, dict):
        train = records.get("train")
        if train is None:
            return TrainSamples(None, source, f"{text} has no 'train' split")
        return TrainSamples(len(train), f"'train' records of {text}")
    return TrainSamples(len(records), source)


def train_samples(run: Run) -> TrainSamples:
    """How many samples `run` trains on per epoch: the records of its own `dataset_path`, unknown
    for a `training_condition` (its file is generated later), else `data.training.splits.train`."""
    data = run.training_data
    if data.kind == "dataset_path":
        return file_train_samples(run.plan, data.text)
    if data.kind == "training_condition":
        return TrainSamples(
            None,
            f"condition {data.text}",
            f"run '{run.name}' trains on condition '{data.text}', whose file is generated"
            " (data.data_generation): its record count is unknown until generation",
        )
    splits = run.plan.section("data", "training").get("splits")
    train = as_int(splits.get("train")) if isinstance(splits, YMap) else None
    if train is None:
        return TrainSamples(
            None, "data.training.splits.train", "the plan states no data.training.splits.train"
        )
    return TrainSamples(train, "data.training.splits.train")
