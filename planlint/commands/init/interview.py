"""The `planlint init` interview: the planning checklist's questions in order, asked or given."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from planlint.commands.init.answers import Answers, Flags, InitError, flag_of, missing_required
from planlint.commands.init.discover import Dataset, Model
from planlint.commands.init.estimates import Priors
from planlint.commands.init.parse import (
    counts_text,
    parse_choice,
    parse_dataset,
    parse_date,
    parse_models,
    parse_name,
    parse_optional,
    parse_prompt,
    parse_required,
    parse_splits,
    parse_system_prompt,
    parse_variables,
    yes_no,
)
from planlint.commands.init.values import Invalid, Value, typed
from planlint.plan.vocabulary import DATASET_TYPES

#: Asks one question on the terminal and returns the typed answer ("" when Enter was pressed).
Ask = Callable[[str], str]


Echo = Callable[[str], None]


#: The checklist's default for epochs is "1-2": a one-epoch plan is the cheaper start.
DEFAULT_EPOCHS = "1"


DEFAULT_BATCH_SIZE = "4"


_CHAT_MODEL = re.compile(r"instruct|chat|(^|[-_.])it($|[-_.])", re.IGNORECASE)


class Interview:
    """Asks what was not given: on the terminal when there is one, else it fails naming the flag."""

    def __init__(self, given: dict[str, Any], ask: Ask | None, echo: Echo, flags: Flags) -> None:
        self.given = given
        self.flags = flags
        self.ask = ask
        self.echo = echo

    @contextmanager
    def defaults_only(self, when: bool = True) -> Iterator[None]:
        """Within: questions take their defaults silently (flags still count)."""
        ask = self.ask
        if when:
            self.ask = None
        try:
            yield
        finally:
            self.ask = ask

    def section(self, title: str) -> None:
        if self.ask is not None:
            self.echo("")
            self.echo(f"-- {title} --")

    def say(self, text: str) -> None:
        if self.ask is not None:
            self.echo(text)

    def note(self, a: Answers, text: str) -> None:
        """Something init decided or found: said now on a terminal, else listed after writing."""
        if self.ask is not None:
            self.echo(f"  {text}")
        else:
            a.notes.append(text)

    def get(self, key: str, text: str, parse: Callable[[Any], Any], default: str | None = None) -> Any:
        """The parsed answer to `key`: given, asked (again until it parses), or its default."""
        if key in self.given:
            try:
                return parse(self.given[key])
            except Invalid as exc:
                raise InitError(f"{flag_of(self.flags, key, self.given[key])}: {exc}") from None
        if self.ask is None:
            if default is None:
                raise InitError(f"init needs {flag_of(self.flags, key)} (no terminal to ask on)")
            return parse(default)
        shown = f"{text} [{default}]" if default else text
        while True:
            raw = self.ask(shown).strip()
            if not raw and default is not None:
                raw = default
            try:
                return parse(raw)
            except Invalid as exc:
                self.echo(f"  ! {exc}")

    def yes_no(self, key: str, text: str, default: bool, check: Callable[[bool], None] | None = None) -> bool:
        """A yes/no answer; Enter takes the default shown as [Y/n] or [y/N]."""

        def parse(raw: Any) -> bool:
            value = yes_no(raw)
            if check is not None:
                check(value)
            return value

        if key in self.given or self.ask is None:
            return bool(self.get(key, text, parse, "yes" if default else "no"))
        shown = f"{text} [{'Y/n' if default else 'y/N'}]"
        while True:
            raw = self.ask(shown).strip()
            try:
                return parse(raw) if raw else default
            except Invalid as exc:
                self.echo(f"  ! {exc}")


def interview(
    given: dict[str, Any],
    ask: Ask | None,
    echo: Echo,
    *,
    models: list[Model],
    models_dir: Path | None,
    folder: Path,
    default_name: str | None,
    flags: Flags,
    priors: Callable[[], Priors | None] = lambda: None,
) -> Answers:
    """The checklist's questions in its order, each checked as it is answered."""
    if ask is None:
        missing = missing_required(given, default_name, flags)
        if missing:
            listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
            raise InitError(f"init needs {listed} (no terminal to ask on)")
    q = Interview(given, ask, echo, flags)
    a = Answers()
    q.say("Answer each question; Enter accepts the [default]. Ctrl-C stops without writing anything.")

    q.section("The experiment")
    a.name = q.get("name", "Experiment name (letters, digits, . _ -)", parse_name, default_name)
    a.question = q.get("question", "What question does it answer?", parse_required("the question"))
    a.hypothesis = q.get("hypothesis", "Hypothesis (what you expect; Enter to skip)", str.strip, "")

    q.section("Which models?")
    if models:
        q.say(f"Models in {models_dir}:")
        width = max(len(m.name) for m in models)
        for i, m in enumerate(models, 1):
            q.say(f"  {i:>2}  {m.name:<{width}}  {m.size_text}".rstrip())
        prompt = "Models to fine-tune (numbers or names, comma-separated)"
        default = models[0].name if len(models) == 1 else None
    else:
        if models_dir is not None:
            q.say(f"No model folders (with a config.json) in {models_dir}.")
        else:
            q.say("No models folder is configured (models-dir in .planlint.toml, or --models-dir).")
        prompt = "Model folder paths (comma-separated)"
        default = None
    a.models = q.get("model", prompt, lambda raw: parse_models(raw, models, models_dir, folder), default)

    q.section("Which dataset?")
    a.dataset = q.get(
        "dataset", "Training dataset file (e.g. data/words.json)", lambda raw: parse_dataset(raw, folder)
    )
    if a.dataset.note:
        q.note(a, a.dataset.note)
    split_default = (
        counts_text(a.dataset.counts) if a.dataset.counts and "train" in a.dataset.counts else None
    )
    if split_default is None and "splits" not in given and ask is None:
        raise InitError(
            f"{flag_of(flags, 'dataset')} {str(given['dataset']).strip()} {unknown_splits(a.dataset)}: init needs "
            f"{flag_of(flags, 'splits')} with its train,validation,test counts (no terminal to ask on)"
        )
    a.splits = q.get(
        "splits",
        "Samples per split: train,validation,test (validation and test optional)",
        lambda raw: parse_splits(raw, a.dataset),
        split_default,
    )

    q.section("What variables are you testing?")
    q.say(
        "Write name=value,value for each, separated by spaces; one value for a single setting (lora_rank=8)."
    )
    q.say(
        "Every model gets the whole sweep. Enter for none: the base models are evaluated, nothing is trained."
    )
    a.variables = q.get(
        "vary",
        "Variables (e.g. lora_rank=4,8 lr=1e-5,5e-5)",
        lambda raw: no_conflict(q, parse_variables(raw)),
        "",
    )
    single = not a.variables and any(k in given for k in SINGLE_RUN_KEYS)

    def something_to_run(controls: bool) -> None:
        if not controls and not a.variables and not single:
            raise Invalid(
                "with no variables the base-model controls are the only runs: answer yes, or give variables"
            )

    if a.variables or "controls" in given:
        a.controls = q.yes_no(
            "controls",
            "Include base-model controls (each model evaluated without fine-tuning)?",
            True,
            something_to_run,
        )

    trains = bool(a.variables) or single
    if trains:
        q.section("Training configuration")
    else:
        q.say("  (no variables: the plan evaluates the base models, its controls, and trains nothing)")
        q.section("Prompts")
    with q.defaults_only(not trains):
        a.epochs = _varied_or(a, q, "epochs", "How many epochs?", DEFAULT_EPOCHS)
        a.gpus = _varied_or(a, q, "gpus", "GPUs per job", "1")
        a.validation = ask_validation(q, a)
    chat = any(_CHAT_MODEL.search(m.name) for m in a.models)
    a.dataset_type = q.get(
        "dataset_type",
        "Dataset type: 1 chat_completion (instruct/chat models), 2 text_completion (base models)",
        parse_choice(DATASET_TYPES),
        "chat_completion" if chat else "text_completion",
    )
    if a.dataset_type == "text_completion" and "system_prompt" not in given:
        a.system_prompt = ""
        q.say("  (no system prompt: text_completion training uses no chat template)")
    else:
        a.system_prompt = q.get(
            "system_prompt",
            'System prompt for training and evaluation (Enter for none, "")',
            lambda raw: parse_system_prompt(raw, a.dataset_type),
            "",
        )
    a.prompt = q.get(
        "prompt", "Prompt template, with {input} where each record's input goes", parse_prompt, "{input}"
    )

    if trains:
        q.section("Advanced settings")
    with q.defaults_only(not trains):
        advanced_settings(q, a, priors if trains else lambda: None)

    q.section("Evaluation")
    a.eval_task = q.get(
        "eval_task", "inspect-ai task to evaluate every run on (Enter to add later)", str.strip, ""
    )
    if a.eval_task:
        a.eval_script = q.get("eval_script", "Path to the task's script (Enter to add later)", str.strip, "")
    a.date = q.get("date", "Date", parse_date) if "date" in given else _dt.date.today().isoformat()
    return a


#: A variable's key -> the answer that sets the same setting for every run (`--lr`).
OWN_ANSWER = {
    "epochs": "epochs",
    "gpus": "gpus",
    "batch_size": "batch_size",
    "lr": "lr",
    "lora_rank": "lora_rank",
    "packed": "packing",
    "validation_during_training": "validation",
}

#: Answers that, without variables, fine-tune one run per model with them (cruijff's "one base
#: model evaluation, one fine-tuned with LoRA rank 8").
SINGLE_RUN_KEYS = ("lora_rank", "lr")


def no_conflict(q: Interview, variables: list[tuple[str, list[Value]]]) -> list[tuple[str, list[Value]]]:
    """The variables, unless one of them is also given by its own option: a swept key cannot be
    an invariant of every run too (one of the two answers would be dropped or contradicted)."""
    for key, values in variables:
        answer = OWN_ANSWER.get(key)
        if answer is None or answer not in q.given:
            continue
        value = q.given[answer]
        option = flag_of(q.flags, answer, value)
        shown = option if isinstance(value, bool) else f"{option} {str(value).strip()}"
        raise Invalid(
            f"{key} is a variable ({key}={','.join(v.text for v in values)}) and {shown} sets it "
            f"for every run: give one of the two"
        )
    return variables


def advanced_settings(q: Interview, a: Answers, priors: Callable[[], Priors | None]) -> None:
    """The checklist's advanced settings: packing, estimates from prior runs' logs, batch size;
    learning rate and rank when constant."""
    a.packing = q.yes_no(
        "packing", "Pack the dataset (several samples per sequence; affects batch size)?", True
    )
    a.estimate = ask_estimate(q, a, priors)
    a.batch_size = _varied_or(
        a, q, "batch_size", "Batch size per GPU", DEFAULT_BATCH_SIZE, extra=lambda v: _batch_fits(a, v)
    )
    if not a.varied("lr"):
        a.lr = q.get("lr", "Learning rate (Enter: the recipe's default)", parse_optional("lr"), "")
    if not a.varied("lora_rank"):
        a.lora_rank = q.get(
            "lora_rank", "LoRA rank (Enter: the recipe's default)", parse_optional("lora_rank"), ""
        )


def ask_estimate(q: Interview, a: Answers, priors: Callable[[], Priors | None]) -> bool:
    """Whether to estimate each run's time and batch size from prior runs' logs (when found)."""
    wanted = q.given.get("estimate")
    if wanted is False:
        return False
    found = priors()
    if found is None or not found.training:
        where = f" in {found.where}" if found is not None else ""
        why = (
            f"no prior training logs{where}"
            if found is not None
            else "no logs to look in: give --logs GLOB, or set log-globs or scratch in .planlint.toml"
        )
        if wanted:
            raise InitError(f"{flag_of(q.flags, 'estimate')}: {why}")
        q.say(f"  (estimates from prior runs: {why}; `planlint estimate` fills them in later)")
        return False
    q.say(
        f"  Found {found.training} prior training log{'s' if found.training != 1 else ''} in {found.where}."
    )
    return q.yes_no("estimate", "Estimate each run's time (and suggest a batch size) from them?", True)


def unknown_splits(dataset: Dataset) -> str:
    """Why the dataset file does not give its split counts."""
    if dataset.found is None:
        return "is not on this machine"
    if dataset.total is not None:
        return f"holds one list of {dataset.total} records, not train/validation/test splits"
    return "does not give its split counts (a JSON file of train/validation/test lists does)"


def ask_validation(q: Interview, a: Answers) -> bool:
    """Validation during training: yes by default, not possible without a split or on several GPUs."""
    has_split = a.splits.get("validation", 0) > 0
    multi_gpu = any(v.value > 1 for v in (a.varied("gpus") or [a.gpus]))
    why = None
    if not has_split:
        why = "the dataset has no validation split"
    elif multi_gpu:
        why = "the multi-GPU recipe has no validation loop"
    if why and "validation" not in q.given:
        q.note(a, f"validation during training: off ({why})")
        return False

    def check(value: bool) -> None:
        if value and why:
            raise Invalid(f"validation during training is not possible: {why}")

    return q.yes_no("validation", "Run validation during training?", True, check)


def _varied_or(
    a: Answers,
    q: Interview,
    key: str,
    text: str,
    default: str,
    extra: Callable[[Value], None] | None = None,
) -> Value:
    """A control value; a varied key is not asked (controls keep its first value, runs override it)."""
    values = a.varied(key)
    if values and key not in q.given:
        q.say(f"  ({key} is a variable: {', '.join(v.text for v in values)})")
        return values[0]

    def parse(raw: Any) -> Value:
        v = typed(key, str(raw))
        if extra:
            extra(v)
        return v

    return q.get(key, text, parse, default)  # type: ignore[no-any-return]


def _batch_fits(a: Answers, batch: Value) -> None:
    train = a.splits.get("train", 0)
    gpus = max(v.value for v in (a.varied("gpus") or [a.gpus]))
    if not a.packing and train and batch.value * gpus > train:
        on = f" x {gpus} GPUs" if gpus > 1 else ""
        raise Invalid(f"a batch of {batch.text}{on} is larger than the {train} training samples")
