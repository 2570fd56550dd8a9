"""PL8xx git rules: runs re-parameterised or removed since a revision, and files changed since one.

gitpython (~60 ms to import) is imported inside the functions that use it, never at module level:
`planlint rules` and a plain `check` import this module to learn the PL8 rule ids.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from planlint.plan.load import Hit, YMap, decode, load_plan
from planlint.rules import E, I, Rule, W, declare

if TYPE_CHECKING:
    from git import Commit, Repo

    from planlint.config import Config
    from planlint.finding import Finding
    from planlint.plan.model import Plan

declare(
    Rule(
        "PL801",
        "reparameterised-run",
        W,
        "a run kept its name but its parameters changed since --base (error when its folder holds artifacts)",
    ),
    Rule(
        "PL802",
        "removed-run-with-artifacts",
        E,
        "a run removed since --base whose folder holds artifacts",
    ),
    Rule("PL803", "new-plan", I, "the plan did not exist at --base: nothing to compare"),
)

RULE_IDS = ("PL801", "PL802", "PL803")
#: Keys of a run that decide what it trains besides its parameters.
RUN_IDENTITY_KEYS = ("model", "type")


def _fail(message: str) -> NoReturn:
    from planlint.engine import UsageError

    raise UsageError(message)


# -- repository access --------------------------------------------------------------------------
def open_repo(start: Path, what: str) -> Repo:
    """The git repository around `start`, or a usage error naming `what` needed it."""
    try:
        import git
    except ImportError as exc:  # gitpython refuses to import without a git executable
        _fail(f"{what}: git is not available ({str(exc).splitlines()[0]})")
    folder = start if start.is_dir() else start.parent
    try:
        return git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        _fail(f"{what}: {start} is not inside a git repository")


def resolve_rev(repo: Repo, rev: str, what: str) -> Commit:
    """The commit `rev` names; an unknown one (often a shallow clone) is a usage error."""
    import git

    try:
        return repo.commit(rev)
    except (git.BadName, git.BadObject, ValueError, git.GitCommandError):
        msg = f"{what}: unknown revision '{rev}'"
        if Path(repo.git_dir, "shallow").exists():
            msg += (
                " (this is a shallow clone: fetch the history, e.g. actions/checkout with"
                " fetch-depth: 0, or `git fetch --unshallow`)"
            )
        _fail(msg)


def merge_base(repo: Repo, commit: Commit) -> Commit:
    """Where HEAD branched from `commit` (what a pull request changed); `commit` if unrelated."""
    try:
        bases = repo.merge_base(commit, "HEAD")
    except Exception:  # no HEAD yet, unrelated histories: compare with the commit itself
        return commit
    return bases[0] if bases else commit  # type: ignore[return-value]


def repo_root(repo: Repo) -> Path:
    return Path(repo.working_tree_dir or ".").resolve()


def relpath_in(repo: Repo, path: Path) -> str | None:
    """The POSIX path of `path` inside the repository, or None when it lies outside."""
    try:
        return path.resolve().relative_to(repo_root(repo)).as_posix()
    except ValueError:
        return None


def blob_bytes(commit: Commit, relpath: str) -> bytes | None:
    """The file's bytes at `commit`, or None when it did not exist there."""
    try:
        blob = commit.tree / relpath
    except KeyError:
        return None
    if blob.type != "blob":
        return None
    return bytes(blob.data_stream.read())


def plan_from_bytes(path: Path, display: str, raw: bytes | None, config: Config) -> Plan | None:
    """A plan as it was at a revision (None when the file did not exist there)."""
    from planlint.plan.load import Loaded
    from planlint.plan.model import Plan

    if raw is None:
        return None
    hits: list[Hit] = []
    text, _bom = decode(path, raw, hits)
    loaded = load_plan(path, text=text) if text is not None else Loaded(path, hits=hits)
    return Plan(path=path, display=display, loaded=loaded, config=config, layout=False)


def changed_files(paths: Sequence[str | Path], rev: str, config: Config) -> list[Path]:
    """Plans and docs changed between the merge base of `rev` and the working tree, untracked
    files included, limited to `paths` when given; deleted files are left out."""
    what = f"--changed-since {rev}"
    for raw in paths:
        if not Path(raw).exists():
            _fail(f"{raw}: no such file or folder")
    repo = open_repo((Path(paths[0]) if paths else Path.cwd()).absolute(), what)
    try:
        base = merge_base(repo, resolve_rev(repo, rev, what))
        root = repo_root(repo)
        names = repo.git.diff("--name-only", "-z", "--no-renames", base.hexsha, "--").split("\0")
        names += repo.git.ls_files("--others", "--exclude-standard", "-z").split("\0")
    finally:
        repo.close()
    scopes = [Path(p).resolve() for p in paths]
    out: dict[Path, None] = {}
    for name in names:
        p = root / name
        if not name or not (config.is_plan_name(p.name) or p.suffix.lower() in (".md", ".markdown")):
            continue
        if p.is_file() and (not scopes or any(p == s or s in p.parents for s in scopes)):
            out[p] = None
    return sorted(out)


# -- what changed in a run ------------------------------------------------------------------------
def written(container: Any, key: Any) -> str:
    """A value as written in plan.yaml; collections rendered in flow style from their parts."""
    from planlint.plan.model import text_of

    value = container[key]
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {written(value, k)}" for k in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(written(value, i) for i in range(len(value))) + "]"
    text = text_of(container, key)
    if isinstance(value, str) and (not text or text != text.strip() or not text.isprintable()):
        return json.dumps(text, ensure_ascii=False)  # "" and "...\n" stay visible on one line
    return text


def comparable(value: Any) -> Any:
    """A value as a change is judged: numbers by value (1e-5 == 0.00001), the rest exactly."""
    from planlint.plan.naming import norm

    if isinstance(value, dict):
        return ("m", tuple((k, comparable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("l", tuple(comparable(v) for v in value))
    return norm(value)


@dataclass(frozen=True)
class Change:
    """One key of a run (or a section) whose value changed: texts as written, None when unset."""

    key: str
    old: str | None
    new: str | None

    def describe(self) -> str:
        return f"{self.key} {self.old if self.old is not None else '(unset)'} → {self.new if self.new is not None else '(unset)'}"


def run_items(run: YMap) -> dict[str, tuple[Any, str, YMap]]:
    """What a run trains: model, type and every parameter -> (comparable value, text, container)."""
    out: dict[str, tuple[Any, str, YMap]] = {}
    for key in RUN_IDENTITY_KEYS:
        if key in run:
            out[key] = (comparable(run[key]), written(run, key), run)
    params = run.get("parameters")
    if isinstance(params, YMap):
        for key in params:
            out[str(key)] = (comparable(params[key]), written(params, key), params)
    return out


def mapping_changes(
    old: dict[str, tuple[Any, str, Any]], new: dict[str, tuple[Any, str, Any]]
) -> list[Change]:
    """Keys whose value differs, in the new order then the removed ones."""
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        o, n = old.get(key), new.get(key)
        if o is not None and n is not None and o[0] == n[0]:
            continue
        changes.append(Change(key, o[1] if o else None, n[1] if n else None))
    return changes


def runs_by_name(plan: Plan) -> dict[str, tuple[int, YMap]]:
    out: dict[str, tuple[int, YMap]] = {}
    for i, run in plan.runs():
        name = run.get("name")
        if isinstance(name, str) and name not in out:
            out[name] = (i, run)
    return out


# -- run folders --------------------------------------------------------------------------------
def experiment_dir(plan: Plan) -> Path | None:
    """experiment.dir resolved as every other rule resolves it (None for a placeholder)."""
    from planlint.commands.status import plan_path

    return plan_path(plan, plan.section("experiment").get("dir"))


def artifacts_of(folder: Path) -> str | None:
    """What in a run folder shows the run already ran (cruijff layout), or None.

    `artifacts/` with anything in it (checkpoints `epoch_N/`, copied logs) or a `slurm-*.out`
    next to the configs. The scaffolded configs alone (setup_finetune.yaml, finetune.yaml) do not
    count: a run that was set up but never trained can still change its mind.
    """
    try:
        if not folder.is_dir():
            return None
        artifacts = folder / "artifacts"
        if artifacts.is_dir() and any(artifacts.iterdir()):
            return "artifacts/"
        for log in folder.glob("slurm-*.out"):
            return log.name
    except OSError:
        return None
    return None


# -- the rules ------------------------------------------------------------------------------------
def compare(plan: Plan, old: Plan, label: str) -> Iterator[tuple[Hit, bool]]:
    """PL801/PL802 hits of `plan` against its version `old`; the flag marks a run with artifacts."""
    old_runs, new_runs = runs_by_name(old), runs_by_name(plan)
    folder = experiment_dir(plan) or experiment_dir(old)
    for name, (i, run) in new_runs.items():
        if name not in old_runs:
            continue
        changes = mapping_changes(run_items(old_runs[name][1]), run_items(run))
        if not changes:
            continue
        what = ", ".join(c.describe() for c in changes)
        found = artifacts_of(folder / name) if folder is not None else None
        params = run.get("parameters")
        first = changes[0].key
        if isinstance(params, YMap) and first in params:
            where: tuple[Any, ...] = ("runs", i, "parameters", first)
        elif first in run:
            where = ("runs", i, first)
        else:
            where = ("runs", i, "parameters")
        if found and folder is not None:
            msg = (
                f"run '{name}' kept its name but changed since {label} ({what}), and"
                f" {folder / name}/{found} already holds its results: they would be mislabelled"
            )
            hint = "give the changed run a new name (a new folder), or revert the change"
        else:
            msg = f"run '{name}' kept its name but changed since {label}: {what}"
            hint = "if the old run has results somewhere, give the changed run a new name so they are not mislabelled"
        yield plan.hit("PL801", where, msg, hint), bool(found)
    if folder is None:
        return
    for name in old_runs:
        if name in new_runs:
            continue
        found = artifacts_of(folder / name)
        if found:
            msg = f"run '{name}' was removed since {label}, but {folder / name}/{found} holds its results"
            hint = "keep the run in the plan (its results exist), or archive its folder and say why in the planning doc"
            yield plan.hit("PL802", ("runs",), msg, hint, key=True), True


def check_base(
    plans: dict[Path, Plan],
    rev: str,
    config: Config,
    findings: list[Finding],
    *,
    branch_point: bool = False,
) -> list[Finding]:
    """`findings` plus the PL8 findings of every loaded plan against its version at `rev` (with
    `branch_point`, where HEAD left `rev`), less PL020 for PL8 suppressions that did silence one."""
    what = f"--changed-since {rev}" if branch_point else f"--base {rev}"
    repos: dict[Path, tuple[Repo, Commit]] = {}  # by plan folder: usually one repository for all
    added: list[Finding] = []
    used: set[tuple[str, int, str]] = set()
    try:
        for path, plan in sorted(plans.items()):
            if plan.loaded.fatal:
                continue
            if path.parent not in repos:
                repo = open_repo(path, what)
                known = [r for r in repos.values() if r[0].git_dir == repo.git_dir]
                if known:
                    repo.close()
                    repos[path.parent] = known[0]
                else:
                    commit = resolve_rev(repo, rev, what)
                    repos[path.parent] = (repo, merge_base(repo, commit) if branch_point else commit)
            repo, commit = repos[path.parent]
            relpath = relpath_in(repo, path)
            raw = blob_bytes(commit, relpath) if relpath else None
            old = plan_from_bytes(path, plan.display, raw, config)
            plan_findings, plan_used = _findings(plan, old, rev, config)
            added += plan_findings
            used |= {(plan.display, line, rid) for line, rid in plan_used}
    finally:
        for repo, _ in {id(r[0]): r for r in repos.values()}.values():
            repo.close()
    stale = [f for f in findings if f.rule == "PL020" and _silenced_pl8(f) in used]
    return [f for f in findings if f not in stale] + added


def _silenced_pl8(finding: Finding) -> tuple[str, int, str] | None:
    """(path, line, rule) of a PL020 finding about a PL8 suppression."""
    for rid in RULE_IDS:
        if finding.message.startswith(f"suppression of {rid} "):
            return (finding.path, finding.line, rid)
    return None


def _findings(
    plan: Plan, old: Plan | None, rev: str, config: Config
) -> tuple[list[Finding], set[tuple[int, str]]]:
    """The PL8 findings of one plan, and the (line, rule) of the PL8 suppressions that silenced one."""
    from planlint.engine import Collector, run_spans
    from planlint.finding import Severity

    hits: list[tuple[Hit, bool]]
    if old is None:
        msg = f"plan is new since {rev}: no earlier version to compare runs with"
        hits = [(Hit("PL803", 1, 1, msg), False)]
    elif old.loaded.fatal:
        msg = f"plan did not load at {rev}: no earlier version to compare runs with"
        hits = [(Hit("PL803", 1, 1, msg), False)]
    else:
        hits = list(compare(plan, old, rev))
    # Only the PL8 part of the inline suppressions: the main pass handled (and reported) the rest.
    suppressions = {
        line: pl8 for line, ids in plan.loaded.suppressions.items() if (pl8 := ids & set(RULE_IDS))
    }
    collector = Collector(config, plan.display)
    collector.add((h for h, _ in hits), suppressions, run_spans(plan))
    unused = {(f.line, f.message) for f in collector.findings if f.rule == "PL020"}
    used = {
        (line, rid)
        for line, ids in suppressions.items()
        for rid in ids
        if (line, f"suppression of {rid} on this line silenced nothing") not in unused
    }
    severe = {(h.line, h.column, h.message) for h, art in hits if art and h.rule == "PL801"}
    regraded = "PL801" in config.severity  # a configured severity wins over the escalation
    out = []
    for f in collector.findings:
        if f.rule == "PL020":
            continue  # the main pass reported unused suppressions already
        if not regraded and (f.line, f.column, f.message) in severe:
            f = dataclasses.replace(f, severity=Severity.ERROR)
        out.append(f)
    return out, used
