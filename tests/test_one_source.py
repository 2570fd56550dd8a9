"""Facts kept in one place: every other listing of them is derived from it (or checked against it)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from ruamel.yaml import YAML

from planlint.config import DEFAULT_PLAN_FILES, DOC_SUFFIXES, Config
from planlint.doc.markers import KNOWN_REGIONS
from planlint.doc.render import LINE_RENDERERS, RENDERERS
from planlint.plan import run as run_module
from planlint.plan.vocabulary import DATASET_TYPES, RUN_TYPES
from planlint.rules import training

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "planlint"
SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))


def files_pattern() -> str:
    """The hooks' `files:` regex as the configured plan-file names and doc suffixes spell it."""
    plans = "|".join(re.escape(name) for name in DEFAULT_PLAN_FILES)
    docs = "|".join(re.escape(suffix.lstrip(".")) for suffix in DOC_SUFFIXES)
    return f"(^|/)({plans})$|\\.({docs})$"


def test_the_hooks_run_on_the_configured_plan_names_and_docs() -> None:
    hooks = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["files"] for h in hooks} == {files_pattern()}
    files = re.compile(files_pattern())
    assert all(files.search(f"experiments/cap-sweep/{name}") for name in Config().plan_files)
    assert files.search("experiments/cap-sweep/PLAN.md") and not files.search("plan.yaml.orig")


def test_every_known_region_has_a_renderer_and_no_other() -> None:
    assert set(KNOWN_REGIONS) == set(RENDERERS) | set(LINE_RENDERERS)
    assert not set(RENDERERS) & set(LINE_RENDERERS)


def test_dataset_and_run_types_are_the_schemas() -> None:
    controls = SCHEMA["properties"]["controls"]["properties"]
    assert DATASET_TYPES == tuple(controls["dataset_type"]["enum"]) == ("chat_completion", "text_completion")
    assert training.DATASET_TYPES is DATASET_TYPES
    assert RUN_TYPES == tuple(SCHEMA["$defs"]["run"]["properties"]["type"]["enum"])
    assert run_module.RUN_TYPES is RUN_TYPES


def test_init_offers_the_schemas_dataset_types() -> None:
    from planlint.cli import init_command
    from planlint.commands.init.interview import DATASET_TYPES as offered

    assert offered is DATASET_TYPES
    option = next(p for p in init_command.params if p.name == "dataset_type")
    assert tuple(option.type.choices) == DATASET_TYPES  # type: ignore[attr-defined]


def _definitions(name: str) -> list[str]:
    """Modules that define (def or assign at module level) `name`."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            defined = (
                [node.name]
                if isinstance(node, ast.FunctionDef)
                else [t.id for t in node.targets if isinstance(t, ast.Name)]
                if isinstance(node, ast.Assign)
                else [node.target.id]
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                else []
            )
            if name in defined:
                out.append(str(path.relative_to(ROOT)))
    return out


def _calls(path: str, name: str) -> bool:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name for n in ast.walk(tree)
    )


def test_one_steps_per_epoch_function() -> None:
    assert _definitions("steps_per_epoch") == ["planlint/estimate/steps.py"]
    for user in (
        "planlint/estimate/model.py",
        "planlint/rules/training.py",
        "planlint/commands/init/write.py",
    ):
        assert _calls(user, "steps_per_epoch"), user


def test_one_warmup_default_and_one_list_of_each_vocabulary() -> None:
    warmups = [n for n in ("DEFAULT_WARMUP", "TORCHTUNE_WARMUP") for _ in _definitions(n)]
    assert warmups == ["DEFAULT_WARMUP"] and _definitions("DEFAULT_WARMUP") == ["planlint/rules/training.py"]
    assert _definitions("DATASET_TYPES") == ["planlint/plan/vocabulary.py"]
    assert _definitions("RUN_TYPES") == ["planlint/plan/vocabulary.py"]
    assert _definitions("DEFAULT_PLAN_FILES") == ["planlint/config.py"]
    assert _definitions("DOC_SUFFIXES") == ["planlint/config.py"]
    # the doc suffixes are not spelled out anywhere else
    spelled = [
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if '(".md", ".markdown")' in p.read_text(encoding="utf-8")
    ]
    assert spelled == ["planlint/config.py"]
