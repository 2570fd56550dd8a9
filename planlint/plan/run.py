"""What a run is: its name, type, model, parameters, effective settings and identity.

A `Run` is built once per plan (`runs_of(plan)`) and every consumer reads runs through it: the
rules, the tables, naming, estimates, status, the git rules, `fix --runs` and `diff`.

A run's **condition** is everything besides the declared variables that distinguishes what it
trains or evaluates: any other key in its `parameters` (a `prompt`, a `system_prompt`, an override
of a `controls` value) and the run keys in `CONDITION_KEYS`. Its **identity** is
(model, type, condition, its values of the variables): two runs with one identity are duplicates.

A variable may be named like a run key (`training_condition: [dict_full, narr_full]`, a sweep
over `dataset_path`): then the run's run-level key is its value of that variable (scaffold-torchtune
reads `run.training_condition` there, and `run.dataset_path` or `run.parameters.dataset_path`), and
the key is part of the run's combination, not of its condition (`RUN_KEY_VARIABLES`).

Fine-tuned runs of one model that share a condition form a **group**, and each group covers the
sweep. One exception: a run alone in its condition group, of a model that also has plain runs,
is a **one-off variant** of the plain sweep (one combination trained longer, with another batch
size or on another file): it counts for its combination in the plain group
(`Run.sweep_condition` is empty) and implies no sweep of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from planlint.plan.load import YMap
from planlint.plan.model import RUN_PARAMETER_KEYS, render_value, text_of
from planlint.plan.values import norm, norm_of
from planlint.plan.vocabulary import RUN_TYPES as RUN_TYPES  # the kinds of run, from the schema

if TYPE_CHECKING:
    from planlint.plan.model import Plan

#: Run keys (beside `parameters`) that change what a run trains or evaluates.
CONDITION_KEYS = ("training_condition", "dataset_path", "checkpoint_path", "eval_dataset_path")

#: The same, as a set for membership tests.
RUN_KEYS = frozenset(CONDITION_KEYS)
#: Run keys whose value is a path (a name slot takes its file's stem).
PATH_KEYS = frozenset(k for k in CONDITION_KEYS if k.endswith("_path"))

#: Settings a base-model control evaluates with (cruijff_kit's propagate carries them into the
#: eval config): a control may set them, a variable among them too (one control per system prompt).
EVAL_SETTINGS = ("system_prompt", "prompt")

Norm = tuple[str, Any]
#: `tuple.__new__`: makes a NamedTuple from a tuple of its fields without a Python frame
_new_tuple = tuple.__new__
_STR = frozenset([str])

_T = TypeVar("_T")


class _once(Generic[_T]):
    """`functools.cached_property` without its per-instance lock (Python < 3.12 takes one on
    every first read, a measurable cost over 100,000 runs): computed on first read, then stored
    in the instance's `__dict__`, which later reads find first."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __get__(self, instance: Any, owner: Any = None) -> _T:
        if instance is None:
            return self  # type: ignore[return-value]
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value


class Value(NamedTuple):
    """A value as written in plan.yaml: the value, its source text and its path in the plan."""

    value: Any
    text: str
    path: tuple[Any, ...]


class Setting(NamedTuple):
    """The value a run uses for one key, and where it comes from.

    `source` is "run" (its parameters), "compute" (its `compute` block), "controls", "recipe" (the
    base recipe's config), "default" (the schema's default) or "unset"; `path` is where the plan states it (None when it does not).
    """

    value: Any
    source: str
    path: tuple[Any, ...] | None = None

    @property
    def stated(self) -> bool:
        """The plan itself states this value (in the run or in controls)."""
        return self.path is not None

    @property
    def from_run(self) -> bool:
        return self.source == "run"


class TrainingData(NamedTuple):
    """What a run trains on, in scaffold-torchtune's order: its `training_condition` (a generated
    file), its own `dataset_path` (run level, or in `parameters`), else `data.training`.

    `kind` is "training_condition", "dataset_path" or "data.training"; `text` is the condition's
    name or the path as written (None when the plan states none); `path` is where the plan says it.
    """

    kind: str
    text: Any
    path: tuple[Any, ...]


class Run:
    """One entry of `runs:` as every consumer sees it."""

    def __init__(self, plan: Plan, index: int, node: YMap) -> None:
        self.plan = plan
        self.index = index
        self.node = node
        #: the run's own settings (`setting` of a key its parameters hold), made once per run
        #: (plan data is never mutated)
        self.settings: dict[str, Setting] = {}
        # What the run says, read once: every rule reads these of every run, many times.
        get = node.get
        name, kind, model, params = get("name"), get("type"), get("model"), get("parameters")
        self.name: str | None = name if isinstance(name, str) else None
        self.type: str | None = kind if isinstance(kind, str) else None
        self.model: str | None = model if isinstance(model, str) else None
        self.fine_tuned: bool = kind == "fine-tuned"
        self.parameters: YMap | None = params if isinstance(params, YMap) else None
        #: `setting` answers that are not the run's own, shared by every run of the plan
        self._shared: dict[Any, Setting] = plan.cache.setdefault("shared_settings", {})

    # -- what the run says ----------------------------------------------------------------------
    @property
    def path(self) -> tuple[Any, ...]:
        return ("runs", self.index)

    @_once
    def params(self) -> dict[str, Value]:
        """Every key of `parameters`, as written."""
        params = self.parameters
        if params is None:
            return {}
        base = (*self.path, "parameters")
        return {str(k): Value(v, text_of(params, k), (*base, k)) for k, v in params.items()}

    def given(self, var: str) -> Value | None:
        """The run's value of variable `var` as written (of any type; None when it sets none):
        a variable named like a run key is read where cruijff_kit's scaffold reads it: at run
        level, then (`dataset_path`, `checkpoint_path`, `eval_dataset_path`) from `parameters`."""
        if var in CONDITION_KEYS:
            node = self.node
            if node.get(var) is not None:
                return Value(node[var], text_of(node, var), (*self.path, var))
            if var not in RUN_PARAMETER_KEYS:  # `training_condition` is read at run level only
                return None
        return self.params.get(var)

    @_once
    def variables(self) -> dict[str, Value]:
        """The run's values of the declared variables (scalars only), in declared order."""
        out: dict[str, Value] = {}
        if run_key_variables(self.plan):
            for var in self.plan.variables:
                got = self.given(var)
                if got is not None and not isinstance(got.value, (dict, list)):
                    out[var] = got
            return out
        params = self.parameters
        if params is None:
            return out
        if not _STR.issuperset(map(type, params)):  # `params` keys are str(key): look them up there
            for var in self.plan.variables:
                got = self.params.get(var)
                if got is not None and not isinstance(got.value, (dict, list)):
                    out[var] = got
            return out
        base = None
        raw = params.raw
        for var in self.plan.variables:
            if var in params:  # only a str is a key of params
                value = params[var]
                if not isinstance(value, (dict, list)):
                    if base is None:
                        base = ("runs", self.index, "parameters")
                    # `text_of(params, var)`, inline: this runs for every variable of every run
                    text = raw.get(var)
                    if text is None:
                        text = render_value(value)
                    elif isinstance(value, str):
                        text = value
                    out[var] = _new_tuple(Value, (value, text, (*base, var)))
        return out

    @_once
    def combination(self) -> tuple[tuple[str, Norm], ...]:
        """The combination of the variables this run trains, compared by value."""
        return tuple([(var, norm_of(v.value)) for var, v in self.variables.items()])

    @_once
    def condition_items(self) -> dict[str, Value]:
        """What distinguishes the run besides the variables: other parameters and condition keys."""
        params = self.parameters
        out: dict[str, Value] = {}
        if params:
            kinds = _condition_keys(self.plan)
            for key in params:
                k = key if isinstance(key, str) else str(key)
                is_condition = kinds.get(k)
                if is_condition is None:
                    is_condition = _is_condition_key(self.plan, k, kinds)
                if is_condition:
                    out[k] = self.params[k]
        node = self.node
        if RUN_KEYS.isdisjoint(node):
            return out
        swept = run_key_variables(self.plan)
        for key in CONDITION_KEYS:
            if key in node and node[key] is not None and key not in swept:
                out[key] = Value(node[key], text_of(node, key), (*self.path, key))
        return out

    @_once
    def condition(self) -> tuple[tuple[str, Norm], ...]:
        """The condition, hashable and order-free (empty for a plain sweep run)."""
        items = self.condition_items
        if not items:
            return ()
        return tuple(sorted((k, norm(v.value)) for k, v in items.items()))

    @property
    def one_off(self) -> bool:
        """A one-off variant of the plain sweep (see the module docstring)."""
        return self.index in one_off_variants(self.plan)

    @property
    def sweep_condition(self) -> tuple[tuple[str, Norm], ...]:
        """The condition of the group whose coverage the run counts for: its own, or the plain
        group's (empty) for a one-off variant."""
        return () if self.one_off else self.condition

    @property
    def identity(self) -> tuple[Any, ...]:
        """(model, type, condition, combination): two runs with one identity are duplicates."""
        return (self.model, self.type, self.condition, self.combination)

    @property
    def training_data(self) -> TrainingData:
        """What the run trains on (see `TrainingData`)."""
        node = self.node
        condition = node.get("training_condition")
        if isinstance(condition, str):
            return TrainingData("training_condition", condition, (*self.path, "training_condition"))
        own = self.setting("dataset_path")
        if own.from_run and isinstance(own.value, str) and own.path is not None:
            return TrainingData("dataset_path", own.value, own.path)
        training = self.plan.section("data", "training")
        return TrainingData("data.training", training.get("path"), ("data", "training", "path"))

    # -- effective settings ----------------------------------------------------------------------
    def setting(self, key: str, default: Any = None) -> Setting:
        """The value the run uses for `key`: its parameters, else controls, else the value of the
        torchtune recipe named by `base_recipe` (for the keys cruijff_kit takes from it), else the
        schema's default for that control, else `default`. A key set to null is unset (cruijff_kit's
        propagate skips it), so the next source gives the value."""
        params = self.parameters
        if key in RUN_KEYS and self.node.get(key) is not None:  # a run key at run level
            got = self.settings.get(key)
            if got is None:
                got = self.settings[key] = Setting(self.node[key], "run", (*self.path, key))
            return got
        # the run's own (`default` plays no part); null is unset, as cruijff_kit reads it
        if params is not None and key in params and params[key] is not None:
            got = self.settings.get(key)
            if got is None:
                got = self.settings[key] = Setting(params[key], "run", (*self.path, "parameters", key))
            return got
        recipe = self._recipe if key != "base_recipe" else None
        # Not the run's own: the same for every run with this recipe, so made once per plan.
        shared = self._shared
        try:  # the type of the default: 1 == True, but they are two defaults
            cache_key = (key, recipe, type(default), default)
            got = shared.get(cache_key)
        except TypeError:  # an unhashable recipe or default: nothing to share
            return self._shared_setting(key, recipe, default)
        if got is None:
            got = shared[cache_key] = self._shared_setting(key, recipe, default)
        return got

    def own(self, keys: frozenset[str]) -> bool:
        """Does the run state any of `keys` itself (its `parameters`, or a run key at run
        level)? If not, every `setting` of them is the one all such runs share, so a rule may
        compute what follows from them once (per `gpus`, which a run's compute block gives)."""
        params = self.parameters
        if params is not None and not keys.isdisjoint(params):
            return True
        if keys.isdisjoint(RUN_KEYS):
            return False
        return any(self.node.get(k) is not None for k in keys & RUN_KEYS)

    @property
    def gpus(self) -> Setting:
        """The GPUs the run trains on: its `compute.gpus`, which cruijff_kit's scaffold passes to
        setup_finetune.py as `--gpus` (it picks the distributed recipe above 1); else the
        setting `gpus` (parameters, controls), else 1."""
        asked = compute_gpus(self.node)
        if asked is not None:
            return Setting(asked, "compute", (*self.path, "compute", "gpus"))
        return self.setting("gpus", 1)

    def _shared_setting(self, key: str, recipe: Any, default: Any) -> Setting:
        """`setting` for a key the run's parameters do not hold."""
        controls = self.plan.controls
        if controls.get(key) is not None:
            return Setting(controls[key], "controls", ("controls", key))
        if isinstance(recipe, str):
            from planlint.plan.recipes import recipe_setting

            found, value = recipe_setting(recipe, key)
            if found:
                return Setting(value, "recipe")
        from planlint.plan.schema import control_default

        found, value = control_default(key)
        if found and value is not None:
            return Setting(value, "default")
        return Setting(default, "unset" if default is None else "default")

    @_once
    def _recipe(self) -> Any:
        """The `base_recipe` the run uses (every other setting may come from it)."""
        return self.setting("base_recipe").value

    def __repr__(self) -> str:
        return f"Run({self.index}, {self.name!r}, {self.type!r}, {self.model!r})"


def compute_gpus(run: Any) -> int | None:
    """A run's `compute.gpus` when it is a whole number of at least 1, else None."""
    compute = run.get("compute") if isinstance(run, YMap) else None
    asked = compute.get("gpus") if isinstance(compute, YMap) else None
    return asked if isinstance(asked, int) and not isinstance(asked, bool) and asked >= 1 else None


def run_key_variables(plan: Plan) -> frozenset[str]:
    """The declared variables named like a run key (`CONDITION_KEYS`): a run sets them at run
    level (or, for `dataset_path`, in `parameters`), and new runs are written with them there."""
    got: frozenset[str] | None = plan.cache.get("run_key_variables")
    if got is None:
        got = plan.cache["run_key_variables"] = frozenset(k for k in CONDITION_KEYS if k in plan.variables)
    return got


def _condition_keys(plan: Plan) -> dict[str, bool]:
    """Parameter key -> does it make a condition; filled as keys are met, once per plan."""
    got: dict[str, bool] | None = plan.cache.get("condition_keys")
    if got is None:
        got = plan.cache["condition_keys"] = {}
    return got


def _is_condition_key(plan: Plan, key: str, kinds: dict[str, bool]) -> bool:
    """A parameter that is no variable and is a controls key, a run key or a known control
    (an unknown key is PL209's, not a condition)."""
    from planlint.plan.schema import control_default

    got = kinds[key] = key not in plan.variables and (
        key in plan.controls or key in RUN_PARAMETER_KEYS or bool(control_default(key)[0])
    )
    return got


def runs_of(plan: Plan) -> list[Run]:
    """Every run of the plan (entries that are mappings), built once per plan."""
    cached = plan.cache.get("runs")
    if cached is None:
        cached = [Run(plan, i, node) for i, node in enumerate(plan.seq("runs")) if isinstance(node, YMap)]
        plan.cache["runs"] = cached
    return cached


def one_off_variants(plan: Plan) -> frozenset[int]:
    """Indexes of the fine-tuned runs that are one-off variants: alone in their (model, condition)
    group while their model has plain fine-tuned runs."""
    cached = plan.cache.get("one_off")
    if cached is None:
        groups: dict[tuple[Any, ...], list[int]] = {}
        plain: set[str] = set()
        for run in runs_of(plan):
            if not run.fine_tuned or run.model is None:
                continue
            if run.condition:
                groups.setdefault((run.model, run.condition), []).append(run.index)
            else:
                plain.add(run.model)
        cached = frozenset(
            members[0] for (model, _), members in groups.items() if len(members) == 1 and model in plain
        )
        plan.cache["one_off"] = cached
    return cached


def runs_by_name(plan: Plan) -> dict[str, Run]:
    """Run name -> run; the first of two runs with one name wins."""
    cached = plan.cache.get("runs_by_name")
    if cached is None:
        cached = {}
        for run in runs_of(plan):
            if run.name is not None and run.name not in cached:
                cached[run.name] = run
        plan.cache["runs_by_name"] = cached
    return cached


def run_at(plan: Plan, index: int) -> Run:
    """The run at `runs[index]` (which must be a mapping)."""
    cached = plan.cache.get("runs_at")
    if cached is None:
        cached = {r.index: r for r in runs_of(plan)}
        plan.cache["runs_at"] = cached
    return cached[index]  # type: ignore[no-any-return]


def run_of(plan: Plan, node: Any) -> Run | None:
    """The Run of an entry of `runs:` (the mapping itself), None for anything else."""
    cached: dict[int, Run] | None = plan.cache.get("run_of_node")
    if cached is None:
        cached = plan.cache["run_of_node"] = {id(r.node): r for r in runs_of(plan)}
    return cached.get(id(node))
