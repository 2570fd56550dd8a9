"""JSON Schema validation of a plan, every error mapped to the line and column of its node (PL1xx)."""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Callable, Collection, Iterator
from functools import cache, lru_cache
from typing import Any, NamedTuple

from planlint.finding import Hit
from planlint.plan.load import YMap, YSeq, position
from planlint.schemafile import load_schema
from planlint.suggest import closest


class Retired(NamedTuple):
    """A key cruijff_kit renamed, moved or retired, and what `planlint fix --migrate` does with it.

    `parent` is the path of the mapping holding the key (`*` stands for any list item); `new` is
    the path of the key that replaced it (None when nothing did); `action` is "rename" (same
    mapping, new name), "move" (the value goes to `new`), "seeds" (the value goes to
    controls.seed and evaluation.seed) or "drop" (nothing reads it any more).
    """

    parent: tuple[str, ...]
    key: str
    new: tuple[str, ...] | None
    action: str
    why: str

    @property
    def where(self) -> str:
        """The old key as a dotted path (`models.base[].base_recipe`)."""
        return ".".join((*self.parent, self.key)).replace(".*", "[]") or self.key


#: The one table of what cruijff_kit's experiment_summary.yaml no longer holds (from its CHANGELOG
#: and the history of its template and test fixture). PL103 reports keys with a replacement,
#: PL108 keys with none; `fix --migrate` applies `action`.
RETIRED: tuple[Retired, ...] = (
    Retired(("experiment",), "directory", ("experiment", "dir"), "rename", "renamed (#372)"),
    Retired(("data", "training"), "label", ("data", "training", "dataset_label"), "rename", "renamed"),
    Retired(("evaluation",), "scorer", ("evaluation", "scorers"), "rename", "renamed (plural)"),
    Retired(
        ("data", "data_generation"),
        "split",
        ("data", "data_generation", "split_ratio"),
        "rename",
        "renamed for model_organism",
    ),
    Retired(
        ("output",),
        "base_directory",
        ("experiment", "dir"),
        "move",
        "retired (#442): experiment.dir is the one experiment directory",
    ),
    Retired(
        ("models", "base", "*"),
        "base_recipe",
        ("controls", "base_recipe"),
        "move",
        "moved: the recipe is a control shared by every run",
    ),
    Retired(
        ("data", "training"),
        "dataset_type",
        ("controls", "dataset_type"),
        "move",
        "moved (#478): training and evaluation read controls.dataset_type",
    ),
    Retired(
        (),
        "data_generation",
        ("data", "data_generation"),
        "move",
        "moved: the generator block lives under data",
    ),
    Retired(
        ("experiment",),
        "seed",
        ("controls", "seed"),
        "seeds",
        "dropped (#500): training and evaluation have independent seeds, controls.seed and"
        " evaluation.seed (both default 14)",
    ),
    Retired(
        ("output",),
        "checkpoint_pattern",
        None,
        "drop",
        "retired: never read; checkpoints are {experiment.dir}/{run}/artifacts/epoch_{N}",
    ),
    Retired(
        ("experiment",),
        "type",
        None,
        "drop",
        "retired: experiment.project is the namespace, the sanity_check/experiment split is gone",
    ),
    Retired(
        ("evaluation",),
        "baseline",
        None,
        "drop",
        "retired: a base-model control run (type: control) is the baseline",
    ),
    Retired(
        (),
        "verification",
        None,
        "drop",
        "retired: resource checks are recorded in logs/design-experiment.log, not in the plan",
    ),
)
_RETIRED_AT = {(r.parent, r.key): r for r in RETIRED}


def retired_at(path: tuple[Any, ...], key: str) -> Retired | None:
    """The table entry for `key` in the mapping at `path` (list indexes match `*`), if any."""
    parent = tuple("*" if isinstance(step, int) else step for step in path)
    return _RETIRED_AT.get((parent, key))


def dotted_new(entry: Retired) -> str:
    """Where the replacement lives, as a dotted path."""
    return ".".join(entry.new) if entry.new else ""


#: Common spellings of torchtune/cruijff hyper-parameters, for did-you-mean in `controls`.
CONTROL_ALIASES = {
    "learning_rate": "lr",
    "grad_accum": "gradient_accumulation_steps",
    "gradient_accumulation": "gradient_accumulation_steps",
    "warmup_steps": "num_warmup_steps",
    "num_epochs": "epochs",
    "n_epochs": "epochs",
    "rank": "lora_rank",
    "alpha": "lora_alpha",
    "seq_len": "max_seq_len",
    "max_seq_length": "max_seq_len",
    "system": "system_prompt",
    "pack": "packed",
    "packing": "packed",
    "num_gpus": "gpus",
    "validation": "validation_during_training",
}
_TIME_PATH = re.compile(r"^(runs\[\d+\]|evaluation)\.compute\.time$")


@lru_cache(maxsize=1)
def _validator() -> Any:
    """The schema's validator, with `integer` meaning an integer as written: JSON Schema counts
    2.0 as one, but a YAML reader gives the float 2.0, and cruijff_kit hands it to torchtune as
    is (`range(2.0)` fails)."""
    from jsonschema import Draft202012Validator, validators

    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    )
    return validators.extend(Draft202012Validator, type_checker=checker)(load_schema())


@cache
def _control_validator(key: str) -> Any:
    """The validator of one controls key's schema (refs resolve against the whole schema)."""
    return _validator().evolve(schema=load_schema()["properties"]["controls"]["properties"][key])


def dotted(path: Any) -> str:
    """A JSON path as `runs[2].parameters.lr`."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(top level)"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate(data: YMap, yaml11_bools: Collection[tuple[int, int]] = ()) -> list[Hit]:
    """Every schema error of the plan, as hits with positions.

    `yaml11_bools` are the positions of plain `yes`/`no`/`on`/`off` scalars (the loader's PL010):
    in a boolean field they are booleans to cruijff_kit's PyYAML, so they get no PL101 on top.
    """
    hits: list[Hit] = []
    nested = _nested_variables_hit(data)
    if nested is not None:
        hits.append(nested)
    supplied = _supplied_by_retired(data)
    bools = set(yaml11_bools)
    for error in _iter_errors(data):
        if nested is not None and tuple(error.absolute_path)[:1] == ("variables",):
            continue  # one finding for the nested form, not one per entry
        hits.extend(_to_hits(data, error, supplied, bools))
    hits.extend(_semantic_schema_checks(data))
    return hits


def _nested_variables_hit(data: YMap) -> Hit | None:
    """PL108 for cruijff's nested `variables: {independent: [...], dependent: [...]}`, with the
    flat form it stands for as the hint."""
    section = data.get("variables")
    if not isinstance(section, YMap):
        return None
    flat = nested_variables(section)
    if flat is None:
        return None
    lines = [
        "nothing to do (info): explore-experiment documents both forms; to write it flat"
        " (dependent variables are what evaluation measures):",
        "variables:",
    ]
    for name in flat:
        values = flat[name]
        shown = ", ".join(
            values.raw.get(i, str(v)) if hasattr(values, "raw") else str(v) for i, v in enumerate(values)
        )
        lines.append(f"  {name}: [{shown}]")
    line, col = position(data, ("variables",), key=True)
    return Hit(
        "PL108",
        line,
        col,
        "variables uses the nested independent/dependent form: planlint reads it as the flat form",
        "\n".join(lines),
    )


_VALUE_KEYWORDS = frozenset(
    "enum const pattern minLength maxLength minimum maximum exclusiveMinimum exclusiveMaximum "
    "multipleOf format".split()
)
_LENGTH_KEYWORDS = frozenset({"minLength", "maxLength"})
_OPAQUE_KEYWORDS = frozenset(
    "oneOf anyOf allOf not if then else dependentSchemas dependentRequired patternProperties "
    "unevaluatedProperties unevaluatedItems propertyNames contains prefixItems uniqueItems "
    "minProperties maxProperties".split()
)


def _resolve(schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema and schema["$ref"].startswith("#/$defs/"):
        schema = load_schema()["$defs"].get(schema["$ref"][len("#/$defs/") :], {})
    return schema


def signature(value: Any, schema: Any) -> Any:
    """What of `value` the schema can see: two values with one signature validate alike.

    Scalars under no value constraint reduce to their type; anything the schema inspects in
    ways this function does not model keeps its whole value.
    """
    return _signer(schema)(value)


Signer = Callable[[Any], Any]
#: id(schema node) -> (the node, the function computing `signature` under it)
_SIGNERS: dict[int, tuple[Any, Signer]] = {}


def _signer(schema: Any) -> Signer:
    """`signature` under one schema node, as a function made once per node (a 100,000-run
    sweep signs every run: deciding how to read each node again for each run would dominate)."""
    got = _SIGNERS.get(id(schema))
    if got is not None and got[0] is schema:
        return got[1]
    how, a, b = _how(schema)
    made = _make_signer(how, a, b)
    _SIGNERS[id(schema)] = (schema, made)
    return made


def _whole(value: Any) -> Any:
    return ("v", json.dumps(value, sort_keys=True, default=str))


#: `signature` of a scalar under no value constraint, by its exact type (floats differ).
_TYPE_SIGS: dict[type, tuple[str, str]] = {t: ("t", t.__name__) for t in (str, int, bool, type(None))}
_FLOAT_SIGS = (("t", "float"), ("t", "int-float"))
_KINDS = {t: t.__name__ for t in (str, int, bool, type(None))}


def _type_sig(value: Any) -> Any:
    got = _TYPE_SIGS.get(type(value))
    if got is not None:
        return got
    if type(value) is float:
        return _FLOAT_SIGS[value.is_integer()]
    return ("t", _kind(value))


def _make_signer(how: str, a: Any, b: Any) -> Signer:
    if how == "opaque":
        return _whole
    if how == "node":
        # filled on first use (schemas may refer to themselves): the key's signer, and whether a
        # scalar there reduces to its type
        # per key: its signer, how its schema reads it (see `_how`) and its length limit
        children: dict[str, tuple[Signer, str, Any]] = {}
        items_signer: list[Signer] = []
        type_sigs, kinds = _TYPE_SIGS, _KINDS

        def node(value: Any) -> Any:
            if isinstance(value, dict):
                out = []
                for k, v in value.items():
                    got = children.get(k)
                    if got is None:
                        child = a.get(k, b)
                        reads, length, _ = _how(child)
                        got = children[k] = (_signer(child), reads, length)
                    # the common scalars as their signer would sign them, without the call
                    reads = got[1]
                    sig: Any
                    if reads == "any" or reads == "node":
                        sig = type_sigs.get(type(v))
                    elif reads == "len":
                        sig = ("len", min(len(v), got[2])) if type(v) is str else None
                    elif reads == "value":
                        kind = kinds.get(type(v))
                        sig = ("v", kind, v) if kind is not None else None
                    else:
                        sig = None
                    out.append((k, sig if sig is not None else got[0](v)))
                out.sort()
                return tuple(out)
            if isinstance(value, list):
                if not items_signer:
                    items_signer.append(_signer(b))
                sign_item = items_signer[0]
                return ("list", tuple([sign_item(v) for v in value]))
            return _type_sig(value)

        return node
    if how == "any":
        return lambda value: _whole(value) if isinstance(value, (dict, list)) else _type_sig(value)
    limit = a

    def constrained(value: Any) -> Any:
        if isinstance(value, (dict, list)):
            return _whole(value)
        if how == "len" and isinstance(value, str):
            return ("len", min(len(value), limit))
        return ("v", _KINDS.get(type(value)) or _kind(value), value)

    return constrained


_HOW: dict[int, tuple[str, Any, Any]] = {}


def _how(schema: Any) -> tuple[str, Any, Any]:
    """How `signature` treats values under this schema node (memoised per node)."""
    key = id(schema)
    got = _HOW.get(key)
    if got is not None:
        return got
    node = _resolve(schema)
    if node is True or node is None:
        got = ("any", None, None)
    elif not isinstance(node, dict) or _OPAQUE_KEYWORDS & node.keys():
        got = ("opaque", None, None)
    else:
        constrained = _VALUE_KEYWORDS & node.keys()
        props = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        items = node.get("items", True)
        if constrained and constrained <= _LENGTH_KEYWORDS:
            got = ("len", max(int(node[k]) for k in constrained) + 1, None)
        elif constrained:
            got = ("value", None, None)
        else:
            got = ("node", props, items if "items" in node else extra)
    if got[0] == "node" and "items" in node and ("properties" in node or "additionalProperties" in node):
        got = ("opaque", None, None)  # pragma: no cover - mixed schemas are not modelled
    _HOW[key] = got
    return got


def _kind(value: Any) -> str:
    if isinstance(value, float):
        return "int-float" if value.is_integer() else "float"
    if isinstance(value, (dict, list)):
        return "collection"
    return type(value).__name__


#: Arrays at least this long are validated by shape (one member per group of alike items).
_GROUP_FROM = 64
_ARRAY_KEYS = frozenset({"title", "description", "type", "items", "minItems", "$comment"})


def _sub_schema(schema: Any, step: Any) -> Any:
    """The schema node that validates `step` (a key or an index) under `schema`, or None when
    other keywords (combinators, patterns, ...) could take part: then nothing is grouped there."""
    node = _resolve(schema)
    if not isinstance(node, dict) or _OPAQUE_KEYWORDS & node.keys():
        return None
    if isinstance(step, int):
        return node.get("items") if "items" in node else None
    props = node.get("properties", {})
    if step in props:
        return props[step]
    extra = node.get("additionalProperties", True)
    return extra if isinstance(extra, dict) else None


def _long_arrays(value: Any, schema: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, items schema) of every long array whose schema sees its items one by one."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if isinstance(sub, (dict, list)):
                child = _sub_schema(schema, key)
                if child is not None:
                    yield from _long_arrays(sub, child, (*path, key))
        return
    if not isinstance(value, list):
        return
    node = _resolve(schema)
    if len(value) >= _GROUP_FROM:
        if isinstance(node, dict) and "items" in node and not set(node) - _ARRAY_KEYS:
            yield path, node["items"]
        return  # a long array that is not groupable is validated as it is, item by item
    for i, item in enumerate(value):
        if isinstance(item, (dict, list)):
            child = _sub_schema(schema, i)
            if child is not None:
                yield from _long_arrays(item, child, (*path, i))


def _replace(data: Any, path: tuple[Any, ...], new: list[Any]) -> Any:
    """A shallow copy of `data` with the value at `path` replaced (the original is not touched)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy: Any = dict(data) if isinstance(data, dict) else list(data)
    copy[head] = _replace(data[head], rest, new)
    return copy


def _iter_errors(data: YMap) -> Iterator[Any]:
    """jsonschema errors; in every long array (runs, evaluation.matrix, ...) the items that the
    schema sees alike are validated once, then one by one only in a group that has an error.

    A 10,000-run sweep has a handful of run shapes, so this keeps validation linear and cheap.
    """
    validator = _validator()
    arrays = list(_long_arrays(data, load_schema(), ()))
    if not arrays:
        yield from validator.iter_errors(data)
        return
    shadow: Any = data
    grouped: list[tuple[tuple[Any, ...], Any, list[Any], list[list[int]]]] = []
    signatures: dict[int, tuple[Any, Any, Any]] = {}
    for path, items in arrays:
        array: Any = data
        for step in path:
            array = array[step]
        groups: dict[Any, tuple[Any, list[int]]] = {}
        for i, item in enumerate(array):
            sig = _signature_of(item, items)
            alike = groups.get(sig)
            if alike is None:
                alike = groups[sig] = (sig, [])
            alike[1].append(i)
            # items alike share one signature object: a big sweep keeps a handful, not one a run
            signatures[id(item)] = (item, items, alike[0])
        members = [idx for _, idx in groups.values()]
        minimum = _resolve(_schema_at(path)).get("minItems", 0)
        if len(members) < minimum:
            continue  # too few shapes to stand for the array's length: validated as it is
        grouped.append((path, items, array, members))
        shadow = _replace(shadow, path, [array[idx[0]] for idx in members])
    _SIGNATURES.clear()
    _SIGNATURES.update(signatures)
    failing: set[tuple[int, int]] = set()
    for error in validator.iter_errors(shadow):
        where = tuple(error.absolute_path)
        for n, (path, _, _, _) in enumerate(grouped):
            if len(where) > len(path) and where[: len(path)] == path and isinstance(where[len(path)], int):
                failing.add((n, where[len(path)]))
                break
        else:
            yield error
    for n, group in sorted(failing):
        path, items, array, members = grouped[n]
        for i in members[group]:
            for error in validator.descend(array[i], items, path=i):
                yield _Rooted(error, path)


#: The last validation's item signatures, by the item's id. Each entry holds its item, so the id
#: cannot be reused while the entry lives. Loaded plan data is never mutated, so an item that is
#: the same object (an editor's next check of a buffer reuses the nodes of unchanged runs, see
#: planlint.lsp.reuse) has the same signature. Only the last validation's items are kept.
_SIGNATURES: dict[int, tuple[Any, Any, Any]] = {}


def _signature_of(item: Any, schema: Any) -> Any:
    """`signature(item, schema)`, from the last validation when `item` was in it."""
    got = _SIGNATURES.get(id(item))
    if got is not None and got[0] is item and got[1] is schema:
        return got[2]
    return signature(item, schema)


def _schema_at(path: tuple[Any, ...]) -> Any:
    schema: Any = load_schema()
    for step in path:
        schema = _sub_schema(schema, step)
    return schema


class _Rooted:
    """A jsonschema error seen from the plan's root (descend() reports paths from the run)."""

    def __init__(self, error: Any, prefix: tuple[Any, ...]) -> None:
        self._error = error
        self.absolute_path = (*prefix, *error.absolute_path)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._error, name)


def _to_hits(
    root: YMap,
    error: Any,
    supplied: frozenset[tuple[str, ...]] = frozenset(),
    bools: set[tuple[int, int]] | None = None,
) -> Iterator[Hit]:
    bools = bools if bools is not None else set()
    path = tuple(error.absolute_path)
    where = dotted(path)
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted((error.schema.get("properties") or {}).keys())
        for key in error.instance:
            if key in known or _pattern_ok(error.schema, key):
                continue
            if retired_at(path, key) is not None:
                continue  # reported by _retired, wherever it sits
            line, col = position(root, (*path, key), key=True)
            close = closest(key, known)
            hint = f"did you mean '{close}'?" if close else f"known keys: {', '.join(known)}"
            yield Hit("PL102", line, col, f"unknown key '{key}' in {where}", hint)
        return
    if kind == "required":
        names = tuple(s for s in path if isinstance(s, str))
        missing = [
            k for k in error.validator_value if k not in error.instance and (*names, k) not in supplied
        ]
        line, col = position(root, path, key=True) if path else (1, 1)
        for key in missing:
            section = f" in {where}" if path else ""
            yield Hit(
                "PL107",
                line,
                col,
                f"required key '{key}' is missing{section}",
                _required_hint(root, path, key),
                node=path,  # the mapping that lacks it: its range covers the mapping
            )
        return
    line, col = position(root, path)
    if kind == "type" and "boolean" in _as_list(error.validator_value) and (line, col) in bools:
        return  # a YAML 1.1 boolean: PL010 says it, and PyYAML (cruijff_kit) reads it as one
    if _TIME_PATH.match(where) and isinstance(error.instance, (str, int)):
        return  # compute.time values are judged by the parser the table uses (see _times)
    yield Hit(
        "PL101",
        line,
        col,
        f"{where}: {_message(error)}",
        _hint(error) or _value_hint(error.schema, error.validator),
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _at(data: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        data = data.get(step) if isinstance(data, dict) else None
    return data


def _holders(data: YMap, parent: tuple[str, ...]) -> Iterator[tuple[tuple[Any, ...], YMap]]:
    """Every mapping at `parent` (`*` expands to each list item), with its concrete path."""
    nodes: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    for step in parent:
        nxt: list[tuple[tuple[Any, ...], Any]] = []
        for where, node in nodes:
            if step == "*":
                if isinstance(node, list):
                    nxt += [((*where, i), item) for i, item in enumerate(node)]
            elif isinstance(node, dict) and step in node:
                nxt.append(((*where, step), node[step]))
        nodes = nxt
    for where, node in nodes:
        if isinstance(node, YMap):
            yield where, node


def retired_in(data: YMap) -> Iterator[tuple[Retired, tuple[Any, ...], YMap]]:
    """Each retired key the plan holds: (entry, path of its mapping, the mapping)."""
    for entry in RETIRED:
        for where, node in _holders(data, entry.parent):
            if entry.key in node.kpos:
                yield entry, where, node


def _supplied_by_retired(data: YMap) -> frozenset[tuple[str, ...]]:
    """Required keys that a retired key of this plan provides once migrated (no PL107 for them)."""
    return frozenset(e.new for e, _, _ in retired_in(data) if e.new is not None and e.action == "move")


def _retired(data: YMap) -> Iterator[Hit]:
    """PL103 (a replacement exists) and PL109 (nothing replaced it) for every retired key."""
    for entry, where, node in retired_in(data):
        line, col = node.kpos[entry.key]
        here = dotted((*where, entry.key))
        if entry.action == "rename":
            assert entry.new is not None
            msg = f"'{entry.key}' in {dotted(where)} was renamed to '{entry.new[-1]}' by cruijff_kit"
            hint = f"rename it: {entry.new[-1]}: ... (or run `planlint fix --migrate`)"
            yield Hit("PL103", line, col, msg, hint)
        elif entry.action == "drop":
            msg = f"{here} was {entry.why}"
            yield Hit("PL109", line, col, msg, "delete it (`planlint fix --migrate` does it)")
        elif entry.action == "seeds":
            msg = f"{here} was {entry.why}"
            hint = _seed_hint(data, node[entry.key])
            yield Hit("PL103", line, col, msg, hint)
        else:
            yield Hit("PL103", line, col, f"{here} was {entry.why}", _move_hint(data, entry, node))


def _seed_hint(data: YMap, value: Any) -> str:
    if value == _SEED_DEFAULT:
        return f"delete it: both seeds default to {_SEED_DEFAULT} (`planlint fix --migrate` does it)"
    return (
        f"write seed: {value} under controls and under evaluation (where they are not set), then delete"
        " it (`planlint fix --migrate` does it)"
    )


#: The seed cruijff_kit's propagate.py uses when a stage sets none.
_SEED_DEFAULT = 14


def _move_hint(data: YMap, entry: Retired, node: YMap) -> str:
    assert entry.new is not None
    target = dotted_new(entry)
    value = node[entry.key]
    found, current = target_value(data, entry.new)
    if found:
        if _same(current, value):
            return f"delete it: {target} already holds the same value (`planlint fix --migrate` does it)"
        return (
            f"{target} is {_short(current)} but this says {_short(value)}: keep the right one in"
            f" {target} and delete this key"
        )
    if entry.parent and "*" in entry.parent:
        return (
            f"move it to {target} (`planlint fix --migrate` does it when every model names the same recipe)"
        )
    return f"move it to {target} (`planlint fix --migrate` does it)"


def target_value(data: YMap, path: tuple[str, ...]) -> tuple[bool, Any]:
    """(present, value) of the key at `path`, also under the old name a rename retired."""
    holder = _at(data, path[:-1])
    if isinstance(holder, dict) and path[-1] in holder:
        return True, holder[path[-1]]
    for entry in RETIRED:
        if (
            entry.action == "rename"
            and entry.new == path
            and isinstance(holder, dict)
            and entry.key in holder
        ):
            return True, holder[entry.key]
    return False, None


def same_value(a: Any, b: Any) -> bool:
    """Equal for a migration: paths compare without a trailing slash."""
    return _same(a, b)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.rstrip("/") == b.rstrip("/")
    return bool(a == b)


def _pattern_ok(schema: dict[str, Any], key: str) -> bool:
    return any(re.search(p, key) for p in (schema.get("patternProperties") or {}))


def _message(error: Any) -> str:
    kind, value, inst = error.validator, error.validator_value, error.instance
    if kind == "type":
        names = [n for n in (value if isinstance(value, list) else [value]) if n != "null"]
        if names == ["integer"] and isinstance(inst, float) and inst.is_integer():
            return f"{_short(inst)} is a float, not a whole number (torchtune needs {int(inst)})"
        got = "a list" if isinstance(inst, list) else "a mapping" if isinstance(inst, dict) else _short(inst)
        return f"{got} is not of type {' or '.join(names)}"
    if kind == "enum":
        return f"{_short(inst)} is not one of {', '.join(str(v) for v in value if v is not None)}"
    if kind == "pattern":
        return f"{_short(inst)} does not match {value}"
    if kind == "minItems" and value == 1:
        return "must not be empty"
    msg: str = error.message
    return msg if len(msg) <= 200 else msg[:197] + "..."


def _hint(error: Any) -> str | None:
    inst = error.instance
    if error.validator == "type" and isinstance(inst, float) and inst.is_integer():
        return f"write {int(inst)}"
    if (
        error.validator == "type"
        and "number" in (error.validator_value or ())
        and isinstance(error.instance, str)
    ):
        try:
            float(error.instance)
        except ValueError:
            return None
        return "write the number unquoted (e.g. 1e-5)"
    if error.instance is None:  # quoting `null` would make it the string "null"
        return "write a value: this key is required, and null leaves it unset"
    if error.validator == "type" and "string" in (error.validator_value or ()):
        return "quote the value"
    return None


def _required_hint(root: YMap, path: tuple[Any, ...], key: str) -> str | None:
    """What to write for a missing required key: a line the researcher can paste."""
    hints = {
        "system_prompt": 'system_prompt: ""  (use "" for a deliberately blank prompt)',
        "dataset_type": "dataset_type: chat_completion  (or text_completion for base models)",
    }
    if key in hints:
        return hints[key]
    if key == "parameters" and len(path) == 2 and path[0] == "runs":
        run = root["runs"][path[1]] if isinstance(root.get("runs"), list) else None
        variables = root.get("variables")
        if isinstance(run, dict) and run.get("type") == "fine-tuned":
            if isinstance(variables, dict) and variables:
                picks = ", ".join(f"{k}: {_first_text(v)}" for k, v in variables.items())
                return f"parameters: {{{picks}}}  (this run's value of each variable)"
            return "parameters: {}  (no variables: the run trains with the controls)"
        return "parameters: {}  (for a control run)"
    schema: Any = load_schema()
    for step in (*path, key):
        schema = _sub_schema(schema, step) if schema is not None else None
    node = _resolve(schema)
    if not isinstance(node, dict):
        return None
    example = _example(node)
    described = f"  ({node['description']})" if node.get("description") else ""
    return f"{key}: {example}{described}" if example is not None else None


def _first_text(values: Any) -> str:
    """A variable's first value as written (or `...` when it declares none)."""
    if isinstance(values, list) and values:
        raw = getattr(values, "raw", {})
        return str(raw.get(0, values[0]))
    return "..."


def _example(node: dict[str, Any], placeholder: bool = True) -> str | None:
    """A value of schema `node` written as YAML: its example, default, first choice or (with
    `placeholder`) a stand-in of its type."""
    from planlint.plan.values import quote

    for value in (*node.get("examples", ()), node.get("default"), *node.get("enum", ())):
        if isinstance(value, (dict, list)):
            return json.dumps(value)  # JSON is YAML flow style
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, str):
            return quote(value)
        if value is not None:
            return str(value)
    if not placeholder:
        return None
    placeholders = {
        "integer": "1", "number": "1.0", "boolean": "true", "array": "[]", "object": "{}", "string": '"..."'
    }  # fmt: skip
    return next((placeholders[t] for t in _as_list(node.get("type")) if t in placeholders), None)


def _value_hint(schema: Any, validator: str = "") -> str | None:
    """A generic hint for a value the schema refuses: the kind of value it wants, with an example."""
    node = _resolve(schema)
    if not isinstance(node, dict):
        return None
    if node.get("enum"):
        return "write one of: " + ", ".join(str(v) for v in node["enum"] if v is not None)
    example = _example(node, placeholder=False)
    if example is not None and validator in ("pattern", "format"):
        return f"write it like {example}"
    kinds = {
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "array": "a list (`[a, b]`, or one `- item` per line)",
        "object": "a mapping (one `key: value` per line)",
        "string": "a text",
    }
    wanted = [kinds[t] for t in _as_list(node.get("type")) if t in kinds]
    if "minimum" in node:
        wanted.append(f"at least {node['minimum']}")
    if not wanted and example is None:
        return None
    shown = f", e.g. {example}" if example is not None else ""
    return f"write {' and '.join(wanted) or 'a value'}{shown}"


#: Longer than this is no SLURM request anyone means (and would render as ~2399999h).
MAX_TIME_SECONDS = 366 * 24 * 3600


def _times(data: YMap) -> Iterator[Hit]:
    """PL106: compute.time must parse the way the All Runs table parses it."""
    from planlint.slurmtime import parse_time

    computes: list[tuple[Any, Any]] = []
    runs = data.get("runs")
    if isinstance(runs, list):
        computes += [(i, r.get("compute")) for i, r in enumerate(runs) if isinstance(r, dict)]
    evaluation = data.get("evaluation")
    if isinstance(evaluation, dict):
        computes.append((None, evaluation.get("compute")))
    parsed: dict[Any, int | None] = {}  # a sweep repeats one time in every run: parsed once
    for i, compute in computes:
        if not isinstance(compute, YMap) or "time" not in compute:
            continue
        value = compute["time"]
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            continue
        key = (type(value), value)
        if key in parsed:
            seconds = parsed[key]
        else:
            seconds = parsed[key] = parse_time(value if isinstance(value, int) else str(value))
        if seconds is None or seconds > MAX_TIME_SECONDS:
            where = "evaluation.compute" if i is None else f"runs[{i}].compute"
            line, col = compute.vpos["time"]
            why = "is not a SLURM time" if seconds is None else "is longer than a year"
            shown = compute.raw.get("time", str(value))
            yield Hit(
                "PL106",
                line,
                col,
                f"{where}.time '{shown}' {why}",
                'write H:MM:SS, e.g. "0:30:00", or D-HH:MM:SS; quote it',
            )


def _required_to_train(data: YMap) -> Iterator[Hit]:
    """PL107 for the controls a training run needs (the schema's `x-required-to-train`): only when
    the plan has a fine-tuned run, and not for a value its `base_recipe` supplies (an eval-only
    or control-only plan trains nothing, so nothing reads them)."""
    controls = data.get("controls")
    runs = data.get("runs")
    if not isinstance(controls, YMap) or not isinstance(runs, list):
        return
    if not any(isinstance(r, dict) and r.get("type") == "fine-tuned" for r in runs):
        return
    from planlint.plan.recipes import recipe_setting

    recipe = controls.get("base_recipe")
    supplied = _supplied_by_retired(data)
    for key in load_schema()["properties"]["controls"].get("x-required-to-train", ()):
        if controls.get(key) is not None or ("controls", key) in supplied:
            continue
        if isinstance(recipe, str) and recipe_setting(recipe, key)[0]:
            continue
        null = key in controls  # null is unset, as cruijff_kit reads it
        line, col = position(data, ("controls", key) if null else ("controls",), key=True)
        yield Hit(
            "PL107",
            line,
            col,
            f"required key '{key}' is null in controls (null leaves it unset)"
            if null
            else f"required key '{key}' is missing in controls",
            _required_hint(data, ("controls",), key),
            node=("controls",),
        )


def _typed_values(data: YMap) -> Iterator[Hit]:
    """A swept or overridden value of a controls key has that key's type: `variables.lora_rank:
    [8.0]` or a run's `parameters: {epochs: two}` is as wrong as the same value in `controls`
    (cruijff_kit hands each to torchtune). One check per distinct (key, value): a sweep repeats
    its values in every run."""
    controls = load_schema()["properties"]["controls"].get("properties") or {}
    seen: dict[tuple[str, type, Any], list[Any]] = {}
    places: list[tuple[tuple[Any, ...], str, Any]] = []
    variables = data.get("variables")
    if isinstance(variables, YMap):
        for key, values in variables.items():
            if isinstance(key, str) and key in controls and isinstance(values, list):
                places += [(("variables", key, i), key, v) for i, v in enumerate(values)]
    runs = data.get("runs")
    if isinstance(runs, list):
        for i, run in enumerate(runs):
            params = run.get("parameters") if isinstance(run, YMap) else None
            if isinstance(params, YMap):
                places += [
                    (("runs", i, "parameters", k), k, v)
                    for k, v in params.items()
                    if isinstance(k, str) and k in controls
                ]
    for path, key, value in places:
        try:
            cache_key = (key, type(value), value)
            errors = seen.get(cache_key)
        except TypeError:  # a list or mapping: not hashable, checked each time
            cache_key, errors = None, None
        if errors is None:
            errors = list(_control_validator(key).iter_errors(value))
            if cache_key is not None:
                seen[cache_key] = errors
        for error in errors:
            yield from _to_hits(data, _Rooted(error, path))


def _semantic_schema_checks(data: YMap) -> Iterator[Hit]:
    """Checks of the schema family that JSON Schema cannot express."""
    yield from _times(data)
    yield from _typed_values(data)
    yield from _required_to_train(data)
    yield from _retired(data)
    evaluation = data.get("evaluation")
    if isinstance(evaluation, YMap) and "system_prompt" in evaluation:
        line, col = evaluation.kpos["system_prompt"]
        msg = "evaluation.system_prompt is no longer read: the eval uses controls.system_prompt"
        yield Hit("PL104", line, col, msg, "move it to controls.system_prompt and delete this key")
    controls = data.get("controls")
    if isinstance(controls, YMap):
        known = sorted(_controls_known())
        for key in controls:
            if key in known:
                continue
            target = CONTROL_ALIASES.get(key) or closest(key, known, 0.8)
            if target:
                line, col = controls.kpos[key]
                msg = f"controls.{key} is not a hyper-parameter torchtune knows"
                yield Hit("PL105", line, col, msg, f"did you mean '{target}'?")
    experiment = data.get("experiment")
    if isinstance(experiment, YMap) and isinstance(experiment.get("date"), str):
        m = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", experiment["date"])
        if m:
            try:
                _dt.date(*(int(g) for g in m.groups()))
            except ValueError as exc:
                line, col = experiment.vpos["date"]
                msg = f"'{experiment['date']}' is not a real date ({exc})"
                yield Hit("PL008", line, col, msg, "use YYYY-MM-DD")


@lru_cache(maxsize=1)
def _controls_known() -> frozenset[str]:
    props = load_schema().get("properties", {}).get("controls", {}).get("properties", {})
    return frozenset(props)


@cache
def control_default(key: str) -> tuple[bool, Any]:
    """(known, default) of a `controls` key as the schema states it: the one home of defaults."""
    props = load_schema()["properties"]["controls"].get("properties", {})
    spec = props.get(key)
    if not isinstance(spec, dict):
        return False, None
    return True, spec.get("default")


#: Keys of cruijff's nested variables form ("Format B").
NESTED_VARIABLE_KEYS = ("independent", "dependent")


def nested_variables(section: YMap) -> YMap | None:
    """The flat variables a nested `variables: {independent: [{name, values}], dependent: [...]}`
    stands for, or None when `section` is not in that form."""
    if not section or any(k not in NESTED_VARIABLE_KEYS for k in section):
        return None
    independent = section.get("independent")
    if not isinstance(independent, YSeq) or not all(isinstance(e, YMap) for e in independent):
        return None
    out = YMap(section.line, section.col, section.end_line)
    for entry in independent:
        name, values = entry.get("name"), entry.get("values")
        if isinstance(name, str) and isinstance(values, YSeq):
            out[name] = values
            out.kpos[name] = entry.kpos.get("name", (entry.line, entry.col))
            out.vpos[name] = entry.vpos.get("values", (entry.line, entry.col))
            if "values" in entry.raw:
                out.raw[name] = entry.raw["values"]
    return out
