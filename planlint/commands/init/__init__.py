"""`planlint init`: the planning checklist as an interview (or flags), written as plan.yaml + PLAN.md.

The package splits the job: `discover` (models and datasets on disk), `values` (typed answer
values), `parse` (one parser per answer), `answers` (the answer keys, the parsed set and
--from-answers files), `interview` (the questions in the checklist's order) and `write` (plan.yaml
and PLAN.md). This module runs them in order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planlint.commands.init.answers import Flags, InitError, answer_flags, flag_of, given_answers
from planlint.commands.init.discover import find_models, models_folder
from planlint.commands.init.estimates import estimates_for, find_priors, prior_globs
from planlint.commands.init.interview import Ask, Echo, interview
from planlint.commands.init.write import (
    DOC_FILE,
    PLAN_FILE,
    Result,
    doc_text,
    plan_text,
    warmup_steps,
    write_schema_copy,
)
from planlint.config import Config
from planlint.plan.naming import NAME_CHARS
from planlint.rules.training import DEFAULT_WARMUP

__all__ = ["Flags", "InitError", "Result", "answer_flags", "existing_parent", "given_answers", "init"]


#: Said when the plan trains nothing although it has a training dataset.
NO_FINE_TUNED = "no fine-tuned run: pass --vary or --lora-rank to train one"


def existing_parent(folder: Path) -> Path:
    """The folder, or its nearest ancestor that exists (where configuration is looked up)."""
    p = folder.absolute()
    for candidate in (p, *p.parents):
        if candidate.is_dir():
            return candidate
    return Path.cwd()


def conflicts(folder: Path, config: Config) -> tuple[list[Path], list[Path]]:
    """(files init would overwrite, other plan files that would share the folder)."""
    mine = [folder / PLAN_FILE, folder / DOC_FILE]
    overwritten = [p for p in mine if p.exists()]
    others = [folder / n for n in config.plan_files if n != PLAN_FILE and (folder / n).exists()]
    return overwritten, others


def init(
    folder: Path,
    given: dict[str, Any],
    config: Config,
    *,
    ask: Ask | None,
    echo: Echo,
    flags: Flags,
    force: bool = False,
) -> Result:
    """Interview (or take the given answers), then write plan.yaml and PLAN.md into `folder`.

    `given` holds the answers by key (`models_dir` among them); `flags` names the option of
    each (`answer_flags` of the init command), for messages.
    """
    given = dict(given)
    models_dir = given.pop("models_dir", None)
    if folder.exists() and not folder.is_dir():
        raise InitError(f"{folder} is a file, not a folder")
    overwritten, others = conflicts(folder, config)
    if others:
        raise InitError(
            f"{folder} already holds a plan ({others[0].name}): a second plan there would make its docs "
            "ambiguous; choose another folder"
        )
    if overwritten and not force:
        listed = " and ".join(str(p) for p in overwritten)
        raise InitError(
            f"{listed} already exist{'s' if len(overwritten) == 1 else ''}: pass --force to overwrite"
        )
    mdir = models_folder(config, models_dir)
    if models_dir is not None and not (mdir and mdir.is_dir()):
        raise InitError(f"{flag_of(flags, 'models_dir')} {models_dir}: no such folder")
    models = find_models(mdir) if mdir else []
    base = folder.absolute().name
    default_name = base if NAME_CHARS.match(base) else None
    answers = interview(
        given,
        ask,
        echo,
        models=models,
        models_dir=mdir,
        folder=folder,
        default_name=default_name,
        flags=flags,
        priors=lambda: find_priors(prior_globs(given.get("logs") or [], config)),
    )
    warmup = warmup_steps(answers)
    folder.mkdir(parents=True, exist_ok=True)
    from planlint.plan.schemacopy import modeline_for

    schema_copy = write_schema_copy(folder, force)
    modeline = modeline_for(folder, schema_copy)
    text, fine_tuned, controls = plan_text(answers, config, warmup, modeline)
    plan_path = folder / PLAN_FILE
    doc_path = folder / DOC_FILE
    estimated: list[str] = []
    priors = find_priors(prior_globs(given.get("logs") or [], config)) if answers.estimate else None
    if priors is not None:
        estimates, estimated = estimates_for(text, config, priors)
        text = plan_text(answers, config, warmup, modeline, estimates)[0]
    plan_path.write_text(text, encoding="utf-8")
    from planlint.engine import check_plan

    written, _ = check_plan(plan_path, config)
    doc_path.write_text(doc_text(answers, written, fine_tuned), encoding="utf-8")
    notes = (list(answers.notes) if ask is None else []) + estimated
    if not fine_tuned:
        notes.append(NO_FINE_TUNED)
    if warmup is not None:
        notes.append(
            f"controls.num_warmup_steps is {warmup}: the shortest run trains fewer steps than torchtune's default warmup of {DEFAULT_WARMUP}"
        )
    return Result(plan_path, doc_path, fine_tuned, controls, notes, schema_copy)
