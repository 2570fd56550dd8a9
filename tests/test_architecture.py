"""The package's import graph, built from the source: no module imports itself back, however late.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a lazy import
is still a dependency, and a cycle through one is a design knot that makes the next change harder.
"""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "planlint"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the planlint modules it imports (a package's `__init__` counts as the package)."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in files else base)
            for target in targets:
                # the nearest planlint module named (importing a.b.c also runs a and a.b)
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target.startswith("planlint") and target != name:
                    graph[name].add(target)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def longest_chain(graph: dict[str, set[str]]) -> list[str]:
    memo: dict[str, list[str]] = {}

    def chain(v: str) -> list[str]:
        if v not in memo:
            best: list[str] = []
            for w in graph[v]:
                c = chain(w)
                if len(c) > len(best):
                    best = c
            memo[v] = [v, *best]
        return memo[v]

    return max((chain(v) for v in graph), key=len)


def test_the_graph_sees_real_imports() -> None:
    graph = import_graph()
    assert "planlint.finding" in graph["planlint.engine"]
    assert "planlint.logs.records" in graph["planlint.logs.scan"]


def test_cycle_finder_finds_a_planted_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    cycles = find_cycles(import_graph())
    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_import_chains_stay_short() -> None:
    # 13: cli -> commands.check -> commands.fix (`check --fix`) -> engine -> rules -> ... -> finding
    chain = longest_chain(import_graph())
    assert len(chain) <= 13, " -> ".join(chain)


ROOT = PACKAGE.parent


def _ci_commands() -> list[str]:
    """The command lines of .ci/run, comments and shell plumbing aside."""
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def test_ci_lints_formats_and_types_before_the_tests() -> None:
    commands = _ci_commands()
    tests = commands.index("python -m pytest")
    for gate in ("ruff check .", "ruff format --check .", "mypy --strict planlint"):
        assert gate in commands, f".ci/run does not run {gate!r}"
        assert commands.index(gate) < tests, f".ci/run runs {gate!r} after the tests"


def _pre_commit_hooks() -> dict[str, dict[str, object]]:
    from ruamel.yaml import YAML

    config = YAML(typ="safe").load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return {h["id"]: {**h, "repo": repo["repo"]} for repo in config["repos"] for h in repo["hooks"]}


def test_the_test_extra_installs_every_tool_ci_and_the_hooks_call() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    extra = re.search(r"^test = \[(.*)\]$", text, re.MULTILINE)
    assert extra is not None
    installed = {re.split(r"[<>=\[ ]", name.strip().strip('"'))[0] for name in extra.group(1).split(",")}
    tools = {str(h["entry"]).split()[0] for h in _pre_commit_hooks().values()} - {"planlint"}
    assert tools == {"ruff", "mypy"} and tools <= installed


def test_the_repository_hooks_lint_type_and_check_the_examples() -> None:
    hooks = _pre_commit_hooks()
    assert {"ruff", "ruff-format", "mypy", "planlint-examples"} <= set(hooks)
    assert all(h["repo"] == "local" for h in hooks.values())
    assert hooks["mypy"]["entry"] == "mypy --strict planlint"
    examples = hooks["planlint-examples"]
    assert examples["pass_filenames"] is False
    argv = shlex.split(str(examples["entry"]))
    assert argv[:2] == ["planlint", "check"] and argv[2:] == ["examples/"]
    # the hook's command line, run as pre-commit runs it (from the repository's root), passes
    proc = subprocess.run(
        [sys.executable, "-m", "planlint.cli", *argv[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _modules() -> dict[str, ast.Module]:
    return {
        str(p.relative_to(ROOT)): ast.parse(p.read_text(encoding="utf-8"))
        for p in sorted(PACKAGE.rglob("*.py"))
    }


def _public_definitions(tree: ast.Module) -> list[ast.FunctionDef | ast.ClassDef]:
    """Module-level functions and classes whose names do not start with `_`."""
    return [
        n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")
    ]


def test_every_module_says_what_it_is_for() -> None:
    missing = [path for path, tree in _modules().items() if not ast.get_docstring(tree)]
    assert missing == [], "modules without a docstring: " + ", ".join(missing)


def test_every_public_function_and_class_has_a_docstring() -> None:
    missing = [
        f"{path}:{node.lineno} {node.name}"
        for path, tree in _modules().items()
        for node in _public_definitions(tree)
        if not ast.get_docstring(node)
    ]
    assert missing == [], "public definitions without a docstring:\n" + "\n".join(missing)


def _is_command(node: ast.FunctionDef | ast.ClassDef) -> bool:
    """A click command: called by name from the command line, not from code."""
    return any(
        isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "command"
        for d in node.decorator_list
    )


def test_no_public_definition_is_dead() -> None:
    """Each public function and class is named somewhere (code, tests or bench) besides its own def."""
    named: set[str] = set()
    for folder in ("planlint", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Name):
                    named.add(node.id)
                elif isinstance(node, ast.Attribute):
                    named.add(node.attr)
                elif isinstance(node, ast.alias):
                    named.add(node.name.rpartition(".")[2])
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    named.add(node.value)  # looked up by name: getattr, __all__
    dead = [
        f"{path}:{node.lineno} {node.name}"
        for path, tree in _modules().items()
        for node in _public_definitions(tree)
        if node.name not in named and not _is_command(node)
    ]
    assert dead == [], "defined but never used:\n" + "\n".join(dead)


def test_contributing_maps_every_module() -> None:
    """CONTRIBUTING.md's layout names every module and package, so a newcomer finds each one."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    layout = text[text.index("## The layout") : text.index("## A new rule")]
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.name == "__init__.py":
            if rel.parent != Path("."):
                assert f"{rel.parent.as_posix().rpartition('/')[2]}/" in layout, rel.parent
            continue
        if len(rel.parts) > 1 and rel.parts[0] in ("logs", "rules"):
            continue  # the families and the log parsers are described as a kind, not one by one
        assert rel.stem in layout, rel


def test_no_test_module_imports_another() -> None:
    """Shared test helpers live in conftest.py or a helper module, never in another test_*.py:
    importing one runs (and collects) its tests twice and ties two test files together."""
    offending = []
    for path in sorted((ROOT / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            offending += [f"{path.name}: {n}" for n in names if n.split(".")[0].startswith("test_")]
    assert offending == [], "test modules importing other test modules:\n" + "\n".join(offending)
