"""Find the plans and docs behind the given paths, run every rule, and turn hits into findings."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from planlint.config import DOC_SUFFIXES, Config
from planlint.errors import UsageError
from planlint.finding import Finding, Hit, Severity
from planlint.paths import display_path, real_path, symlink_outside_repo
from planlint.plan.load import Loaded, YMap, load_plan
from planlint.plan.model import Plan
from planlint.rules import RULES, plan_checks
from planlint.rules.base import Context

if TYPE_CHECKING:
    from planlint.git import Revision

_SKIP_DIRS = {".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache"}


@dataclass
class Options:
    """What `check` was asked to do beyond the configuration."""

    layout: bool = True
    #: compare each plan with its version at this revision (PL8, planlint.rules.git)
    base: str | None = None
    #: check only the plans and docs changed since where HEAD left this revision (and PL8 against it)
    changed_since: str | None = None
    logs: list[str] = field(default_factory=list)
    docs: bool = True
    #: `check -`: the plan text read from stdin, checked as if it were the file at `stdin_path`
    stdin_text: str | None = None
    stdin_path: Path | None = None
    #: plans this process already read as they are on disk (`check --fix`), by resolved path
    preloaded: dict[Path, Loaded] = field(default_factory=dict)
    #: docs this process has just made current (`check --fix`), by resolved path
    #: (planlint.doc.docs.Known): read and rendered once, not twice
    known_docs: dict[Path, Any] = field(default_factory=dict)


@dataclass
class Result:
    """Findings and what was checked."""

    findings: list[Finding] = field(default_factory=list)
    plans: list[Path] = field(default_factory=list)
    docs: list[Path] = field(default_factory=list)
    plan_objects: list[Plan] = field(default_factory=list)
    #: the docs read (planlint.doc.docs.Doc), for a caller that fixes them (the language server)
    doc_objects: list[Any] = field(default_factory=list)


def git_files(cwd: Path) -> list[Path] | None:
    """Tracked and untracked-but-not-ignored files of the repository around `cwd`, or None."""
    import subprocess  # only when a folder is walked: a hook's cold check of named files skips it

    try:
        out = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=cwd,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [cwd / p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def walk_files(folder: Path) -> Iterable[Path]:
    """Every file under `folder`, sorted, skipping hidden and tool folders (.git, .venv, ...)."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            yield Path(dirpath) / name


def discover(paths: Sequence[str | Path], config: Config) -> tuple[list[Path], list[Path]]:
    """Plans and markdown docs named by `paths` (files or folders); none = the git repository."""
    plans: dict[Path, None] = {}
    docs: dict[Path, None] = {}

    def consider(p: Path, explicit: bool) -> None:
        if not explicit and config.excluded(p):
            return
        if config.is_plan_name(p.name) or (explicit and p.suffix in (".yaml", ".yml")):
            plans[p] = None
        elif p.suffix.lower() in DOC_SUFFIXES:
            if not explicit and p.is_symlink() and not p.exists():
                return  # a walk's markdown link that loops or dangles: nothing says it is a doc
            docs[p] = None

    if not paths:
        cwd = Path.cwd()
        listed = git_files(cwd)
        for p in listed if listed is not None else walk_files(cwd):
            consider(p, explicit=False)
    for raw in paths:
        p = Path(raw)
        if not p.exists() and not p.is_symlink():
            raise UsageError(f"{raw}: no such file or folder")
        before = len(plans) + len(docs)
        if p.is_dir():
            for f in walk_files(p):
                consider(f, explicit=False)
        else:
            consider(p, explicit=True)
        if len(plans) + len(docs) == before and not _already_found(p, plans, docs):
            names = ", ".join(config.plan_files)
            what = "holds no plan" if p.is_dir() else "is not a plan"
            raise UsageError(f"{raw}: {what} ({names}, or a .yaml named explicitly) or markdown doc")
    return list(plans), list(docs)


def _already_found(p: Path, plans: dict[Path, None], docs: dict[Path, None]) -> bool:
    """A path named twice, or a file inside a folder also named, found nothing new but is fine."""
    if p.is_dir():
        return any(p in f.parents for f in (*plans, *docs))
    return p in plans or p in docs


class Spans(Protocol):
    """Where the node a hit starts at ends (planlint.plan.spans, planlint.doc.spans)."""

    def end_at(self, start: tuple[int, int]) -> tuple[int, int] | None: ...

    def end_at_path(
        self, path: tuple[Any, ...], key: bool, start: tuple[int, int]
    ) -> tuple[int, int] | None: ...


class Collector:
    """Turns a file's hits into findings: selection, severity, suppressions, per-file ignores,
    and (given the file's `spans`) the end of the node each hit without one starts at."""

    def __init__(self, config: Config, display: str, spans: Spans | None = None) -> None:
        self.config = config
        self.display = display
        self.spans = spans
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, int, int, str]] = set()

    def add(
        self,
        hits: Iterable[Hit],
        suppressions: dict[int, set[str]] | None = None,
        spans: list[tuple[int, int, int]] | None = None,
    ) -> None:
        used: set[tuple[int, str]] = set()
        suppressions = suppressions or {}
        # only a run whose `- name:` line carries a suppression can silence a hit inside it
        spans = [s for s in spans or () if s[0] in suppressions]
        for h in hits:
            rule = RULES.get(h.rule)
            if rule is None:  # pragma: no cover - programming error
                raise KeyError(f"unregistered rule {h.rule}")
            if not self.config.enabled(h.rule, rule.enabled):
                continue
            if self.config.ignored_for(h.rule, self.display):
                continue
            sup_line = _suppressed_by(h, suppressions, spans)
            if sup_line is not None:
                used.add((sup_line, h.rule))
                continue
            key = (h.rule, h.line, h.column, h.message)
            if key in self._seen:
                continue
            self._seen.add(key)
            end_line, end_column = h.end_line, h.end_column
            if end_line is None and self.spans is not None:
                end_line, end_column = self._end_of(h)
            self.findings.append(
                Finding(
                    rule=h.rule,
                    severity=self.config.severity_of(h.rule, rule.severity),
                    message=h.message,
                    path=self.display,
                    line=max(1, h.line),
                    column=max(1, h.column),
                    end_line=end_line,
                    end_column=end_column,
                    hint=h.hint,
                    diff=h.diff,
                    related=h.related,
                )
            )
        for line, ids in sorted(suppressions.items()):
            for rid in sorted(ids):
                if (line, rid) not in used and rid != "PL020":
                    if rid in RULES:
                        msg = f"suppression of {rid} on this line silenced nothing"
                    else:
                        msg = f"{rid} in this suppression is not a planlint rule (see `planlint rules`)"
                    self.add([Hit("PL020", line, 1, msg, "remove the comment")])

    def _end_of(self, h: Hit) -> tuple[int, int] | tuple[None, None]:
        """The end of the node the hit names (its path), else of the node starting where it does."""
        spans, start = self.spans, (h.line, h.column)
        if spans is None:
            return (None, None)
        end = spans.end_at_path(h.node, h.on_key, start) if h.node is not None else None
        if end is None:
            end = spans.end_at(start)
        return end if end is not None and end > start else (None, None)


def _suppressed_by(h: Hit, sup: dict[int, set[str]], spans: list[tuple[int, int, int]]) -> int | None:
    ids = sup.get(h.line)
    if ids and h.rule in ids:
        return h.line
    for name_line, first, last in spans:
        if first <= h.line <= last and h.rule in sup.get(name_line, ()):
            return name_line
    return None


def plan_spans(plan: Plan) -> Spans | None:
    """The node ends of a plan that loaded (findings on it get ranges), else None."""
    if not isinstance(plan.loaded.data, YMap):
        return None
    from planlint.plan.spans import PlanSpans

    return PlanSpans(plan.loaded.text, plan.loaded.data)


def doc_spans(doc: Any) -> Spans:
    """The region and line ends of a doc (planlint.doc.docs.Doc)."""
    from planlint.doc.spans import DocSpans

    return DocSpans(doc)


def run_spans(plan: Plan) -> list[tuple[int, int, int]]:
    """(line of `- name:`, first line, last line) of every run, for run-wide suppressions."""
    out = []
    for _, run in plan.runs():
        name_line = run.kpos.get("name", (run.line, 0))[0]
        out.append((name_line, run.line, max(run.line, run.end_line)))
    return out


def check_plan(
    path: Path,
    config: Config,
    options: Options | None = None,
    revision: Revision | None = None,
    loaded: Loaded | None = None,
    seed: Callable[[Plan], None] | None = None,
) -> tuple[Plan, list[Hit]]:
    """Load and check one plan file (and, given a revision, compare it with its version there);
    return the plan and all its hits. `loaded`: the plan already read (an editor's buffer);
    `seed`: called with the new Plan before any rule reads it (the language server's reuse)."""
    options = options or Options()
    if loaded is None and options.stdin_text is not None and path == options.stdin_path:
        loaded = load_plan(path, text=options.stdin_text)
    if loaded is None:
        loaded = _read_plan(path, config, options.preloaded)
    plan = Plan(path=path, display=display_path(path), loaded=loaded, config=config)
    if seed is not None:
        seed(plan)
    hits = list(loaded.hits)
    if loaded.fatal:
        plan.schema_ok = False
        return plan, hits
    from planlint.plan.schema import validate

    bools = [(h.line, h.column) for h in loaded.hits if h.rule == "PL010"]
    if any(h.rule.startswith("PL01") for h in hits):
        from planlint.plan.yaml11 import with_advice

        # a trap's hint depends on its field's type; a rule switched off is not worth the walk
        shown = lambda rule: config.enabled(rule, RULES[rule].enabled)  # noqa: E731
        hits = with_advice(loaded.data, hits, shown)
    schema_hits = validate(loaded.data, yaml11_bools=bools)
    hits.extend(schema_hits)
    plan.schema_ok = not any(h.rule in ("PL101", "PL102", "PL103", "PL106", "PL107") for h in schema_hits)
    context = Context(logs=tuple(options.logs))
    for check in plan_checks(config):
        if not options.layout and check.__module__ == "planlint.rules.layout":
            continue
        try:
            hits.extend(check(plan, context))
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            # A malformed plan can trip a semantic check; its schema findings already explain it.
            if plan.schema_ok:
                raise
    if revision is not None and any(
        config.enabled(r, RULES[r].enabled) for r in RULES if r.startswith("PL8")
    ):
        from planlint.rules import git as pl8

        old, why = pl8.old_version(plan, revision.bytes_of(path), revision.rev)
        hits.extend([why] if why is not None else pl8.compare(plan, old, revision.rev))  # type: ignore[arg-type]
    return plan, hits


def _read_plan(path: Path, config: Config, preloaded: dict[Path, Loaded] | None = None) -> Loaded:
    outside = symlink_outside_repo(path)
    if outside is None:
        got = preloaded.get(real_path(path)) if preloaded else None
        return got if got is not None else load_plan(path, max_bytes=config.max_bytes)
    msg = f"{path.name} is a symlink to {outside}, outside the repository: not read"
    return Loaded(path, hits=[Hit("PL015", 1, 1, msg, "copy the plan into the repository")])


def run(paths: Sequence[str | Path], config: Config, options: Options | None = None) -> Result:
    """Check everything `paths` names; the one code path behind the CLI and `planlint.lint`."""
    with no_cyclic_gc():
        return _run(paths, config, options or Options())


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Composing a big plan makes a few hundred thousand objects and no cycles worth collecting:
    the cyclic GC would re-scan them all, tripling the time of a 10,000-run check."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(paths: Sequence[str | Path], config: Config, options: Options) -> Result:
    if options.changed_since is not None:
        from planlint.git import changed_files

        paths = changed_files(paths, options.changed_since, config)
        if not paths:
            return Result()
    if options.stdin_path is not None:
        plans, doc_paths = [options.stdin_path], list[Path]()
    else:
        plans, doc_paths = discover(paths, config)
    plans, docs = pair(plans, doc_paths, config, options)
    result = Result(plans=plans, docs=[d.path for d in docs])
    loaded: dict[Path, Plan] = {}
    rev = options.base if options.base is not None else options.changed_since
    revision = None
    if rev is not None:
        from planlint.git import Revision

        revision = Revision(rev, branch_point=options.base is None, config=config)
    try:
        for path in plans:
            _check_one(path, config, options, revision, loaded, result)
    finally:
        if revision is not None:
            revision.close()
    if docs or (options.docs and plans):
        from planlint.rules.docs import check_docs

        for doc, hits in check_docs(docs, loaded, options.known_docs):
            collector = Collector(config, doc.display, doc_spans(doc))
            collector.add(hits)
            result.findings.extend(collector.findings)
        if options.docs:
            covered = {p for d in docs for p in d.plans.values()}
            for path, plan in loaded.items():
                if path not in covered and not plan.loaded.fatal:
                    collector = Collector(config, plan.display)
                    collector.add([_no_doc_hit()])
                    result.findings.extend(collector.findings)
    result.findings.sort(key=Finding.sort_key)
    return result


def _check_one(
    path: Path,
    config: Config,
    options: Options,
    revision: Revision | None,
    loaded: dict[Path, Plan],
    result: Result,
    buffer: Loaded | None = None,
    seed: Callable[[Plan], None] | None = None,
) -> None:
    plan, hits = check_plan(path, config, options, revision, buffer, seed)
    loaded[real_path(path)] = plan
    result.plan_objects.append(plan)
    collector = Collector(config, plan.display, plan_spans(plan))
    sup = plan.loaded.suppressions
    collector.add(hits, sup, run_spans(plan) if sup and isinstance(plan.loaded.data, YMap) else [])
    result.findings.extend(collector.findings)


def pair(
    plans: list[Path], docs: list[Path], config: Config, options: Options
) -> tuple[list[Path], list[Any]]:
    """A changed doc pulls in its plan and a changed plan its docs; returns plans and read docs."""
    if not options.docs:
        return plans, []
    from planlint.doc.docs import docs_near, has_markers

    # Absolute, not resolved: a symlinked doc belongs to the folder of the link.
    wanted = dict.fromkeys(p.absolute() for p in docs)
    for plan in plans:
        for near in docs_near(plan, config.max_bytes):
            wanted.setdefault(near.absolute(), None)
    candidates = [d for d in wanted if has_markers(d, config.max_bytes)]
    if not candidates:
        return plans, []
    from planlint.doc.docs import read_doc, reuse_doc

    if options.known_docs:
        read = [reuse_doc(d, display_path(d), config, options.known_docs) for d in candidates]
    else:
        read = [read_doc(d, display_path(d), config) for d in candidates]
    known = {real_path(p) for p in plans}
    out = list(plans)
    for doc in read:
        for target in doc.plans.values():
            if target not in known:
                known.add(target)
                out.append(target)
    return out, read


def load_buffer(path: Path, text: str, config: Config) -> Loaded:
    """A plan from an editor's unsaved text, read as the file would be: the size limit, binary
    content and encoding give the same PL003/PL004 hits as on disk."""
    from planlint.plan.load import decode

    raw = text.encode("utf-8", "surrogateescape")
    if len(raw) > config.max_bytes:
        hit = Hit(
            "PL004",
            1,
            1,
            f"file is {len(raw) / 1e6:.1f} MB, over the {config.max_bytes / 1e6:.1f} MB limit",
            "raise max-file-size-mb in the configuration",
        )
        return Loaded(path, hits=[hit])
    hits: list[Hit] = []
    decoded, bom = decode(path, raw, hits)
    if decoded is None:
        return Loaded(path, hits=hits)
    loaded = load_plan(path, max_bytes=config.max_bytes, text=decoded)
    loaded.bom = bom
    return loaded


class BufferReuse(Protocol):
    """What an editor keeps between checks of one buffer (planlint.lsp.reuse.Reuse)."""

    def load(self, path: Path, text: str, config: Config) -> Loaded | None:
        """The buffer's plan, exactly as `load_buffer` would give it; None: load it in full."""

    def seed(self, plan: Plan) -> None:
        """Keep the plan for the next load and hand it what carries over, before rules read it."""


def check_buffer(
    path: Path,
    text: str,
    config: Config,
    buffers: dict[Path, str] | None = None,
    options: Options | None = None,
    reuse: BufferReuse | None = None,
) -> Result:
    """Check one plan or doc from unsaved text, as `check` would check the saved file: the same
    rules, configuration and suppressions. `buffers` holds other files' unsaved texts (absolute
    paths): a doc renders from its plan's buffer when the plan is open. Findings are those of
    `path` only; `plan_objects` holds the plans loaded (the buffer's own plan first). `reuse`
    (a plan's buffer only) re-reads only what changed since its last check."""
    options = options or Options()
    buffers = buffers or {}
    with no_cyclic_gc():
        if config.is_plan_name(path.name) or path.suffix in (".yaml", ".yml"):
            return _check_plan_buffer(path, text, config, options, reuse)
        return _check_doc_buffer(path, text, config, buffers)


def _check_plan_buffer(
    path: Path, text: str, config: Config, options: Options, reuse: BufferReuse | None
) -> Result:
    result = Result(plans=[path])
    if reuse is None:
        _check_one(path, config, options, None, {}, result, load_buffer(path, text, config))
    else:
        loaded = reuse.load(path, text, config) or load_buffer(path, text, config)
        _check_one(path, config, options, None, {}, result, loaded, reuse.seed)
    plan = result.plan_objects[0]
    if options.docs and not plan.loaded.fatal:
        from planlint.doc.docs import docs_near

        if not docs_near(path, config.max_bytes):
            collector = Collector(config, plan.display)
            collector.add([_no_doc_hit()])
            result.findings.extend(collector.findings)
    result.findings.sort(key=Finding.sort_key)
    return result


def _check_doc_buffer(path: Path, text: str, config: Config, buffers: dict[Path, str]) -> Result:
    from planlint.doc.docs import read_doc
    from planlint.rules.docs import check_docs

    doc = read_doc(path, display_path(path), config, raw=text.encode("utf-8", "surrogateescape"))
    result = Result(docs=[path], doc_objects=[doc])
    plans: dict[Path, Plan] = {}
    for target in dict.fromkeys(doc.plans.values()):
        unsaved = buffers.get(target)
        got = (
            load_buffer(target, unsaved, config)
            if unsaved is not None
            else load_plan(target, max_bytes=config.max_bytes)
        )
        plans[target] = Plan(path=target, display=display_path(target), loaded=got, config=config)
    result.plans = list(plans)
    result.plan_objects = list(plans.values())
    for _, hits in check_docs([doc], plans):
        collector = Collector(config, doc.display, doc_spans(doc))
        collector.add(hits)
        result.findings.extend(collector.findings)
    result.findings.sort(key=Finding.sort_key)
    return result


def failing(findings: Iterable[Finding], strict: bool) -> bool:
    """True when a finding is at the failing severity: errors, and with `strict` warnings too."""
    threshold = Severity.WARNING if strict else Severity.ERROR
    return any(f.severity.rank >= threshold.rank for f in findings)


def _no_doc_hit() -> Hit:
    """PL504 for a plan no planning doc renders."""
    hint = "add <!-- planlint:begin all-runs --> and <!-- planlint:end all-runs --> to a .md next to it, then run `planlint fix`"
    return Hit("PL504", 1, 1, "no planning doc renders this plan's All Runs table", hint)
