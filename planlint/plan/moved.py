"""Which deleted plan a new plan file is, when git's rename detection did not pair them.

A plan moved to another folder is the same experiment: its run folders live under
`experiment.dir`, not beside the plan. git pairs most moves itself (similar content); this module
pairs what is left (a move with heavy edits, or a moved file not yet added to git) by what the plan
says about itself: the same `experiment.dir` (resolved from where each file lies), else the same
`experiment.name` with the same `experiment.dir` text (a relative dir moved to another depth). A
plan without `experiment.dir` names no folder of results and is never paired this way. A pair is
made only when it is unique on both sides.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from planlint.plan.disk import PLACEHOLDER


class Identity(NamedTuple):
    """What a plan file says about the experiment it belongs to."""

    #: experiment.dir resolved against the file's folder (lexically), or None
    folder: str | None
    #: experiment.dir as written, or None
    dir_text: str | None
    #: experiment.name, or None
    name: str | None


def identity(root: Path, relpath: str, raw: bytes | None) -> Identity:
    """The experiment a plan file (`relpath` inside the repository at `root`) names."""
    from planlint.plan.load import load_plan

    none = Identity(None, None, None)
    if raw is None:
        return none
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return none
    path = root / relpath
    data = load_plan(path, text=text).data
    experiment = data.get("experiment") if isinstance(data, dict) else None
    if not isinstance(experiment, dict):
        return none
    dir_text = experiment.get("dir")
    name = experiment.get("name")
    folder = None
    if isinstance(dir_text, str) and dir_text.strip() and not PLACEHOLDER.search(dir_text):
        written = os.path.expanduser(dir_text.strip())
        folder = os.path.normpath(os.path.join(path.parent, written))
    return Identity(
        folder,
        dir_text.strip() if isinstance(dir_text, str) and dir_text.strip() else None,
        name.strip() if isinstance(name, str) and name.strip() else None,
    )


def pair_moves(added: Mapping[str, Identity], deleted: Mapping[str, Identity]) -> dict[str, str]:
    """New path -> old path for each added plan that is one deleted plan by its identity."""
    out: dict[str, str] = {}
    for same in (_same_folder, _same_name):
        left = {a: i for a, i in added.items() if a not in out}
        gone = {d: i for d, i in deleted.items() if d not in out.values()}
        options = {a: [d for d, j in gone.items() if same(i, j)] for a, i in left.items()}
        for a, found in options.items():
            if len(found) != 1:
                continue
            rivals = [b for b, other in options.items() if found[0] in other]
            if rivals == [a]:
                out[a] = found[0]
    return out


def _same_folder(a: Identity, b: Identity) -> bool:
    return a.folder is not None and a.folder == b.folder


def _same_name(a: Identity, b: Identity) -> bool:
    return a.name is not None and a.name == b.name and a.dir_text is not None and a.dir_text == b.dir_text
