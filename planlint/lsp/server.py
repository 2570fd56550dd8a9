"""The language server: pygls over stdio, diagnostics from the unsaved buffers through the engine.

Plans (the configured plan-file names) and markdown docs that hold planlint markers are served.
A change is diagnosed after a short pause (debounced), in one worker thread so the editor's
requests are answered meanwhile; a result is published only if the buffer has not changed since.
Diagnosing a plan re-diagnoses the open docs that render from it. Every error of the server is
logged through window/logMessage and leaves it running.

Memory: the server runs without the automatic cyclic GC, whose collection after a check of a
10,000-run plan re-scanned every object the check made (0.3-0.4 s, before the diagnostics went
out). A plan is one cycle with its Run views (plan.cache holds them, each holds the plan), so a
diagnosis that supersedes another clears the old plan's cache (`retire`) and reference counting
frees it at once; what cycles remain are collected once the buffers have been quiet for
`IDLE_COLLECT_SECONDS` (or after `COLLECT_EVERY` checks without a pause).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import os
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from planlint._version import __version__
from planlint.config import DOC_SUFFIXES, Config, ConfigError, load_config
from planlint.engine import Result, check_buffer
from planlint.lsp.convert import SOURCE, to_diagnostics
from planlint.lsp.reuse import Reuse
from planlint.paths import real_path

#: Seconds of quiet after a keystroke before a buffer is diagnosed: short for a plan of normal
#: size (its check takes tens of milliseconds). A big one (its check takes a second) is checked
#: as soon for a change after a pause (an edit, then a look), but waits for the longer quiet
#: while the researcher keeps typing, so typing does not queue checks of texts already gone.
DEBOUNCE_SECONDS = 0.02
DEBOUNCE_BIG_SECONDS = 0.4
BIG_BUFFER_CHARS = 200_000
#: Quiet seconds after a diagnosis before stray reference cycles are collected, and the most
#: diagnoses between two collections while the editor never pauses.
IDLE_COLLECT_SECONDS = 2.0
COLLECT_EVERY = 8


@dataclass
class Checked:
    """The last diagnosis of one buffer: the text it was made from, and what it found."""

    text: str
    version: int | None
    result: Result
    #: plans a doc renders from (absolute paths)
    plans: set[Path] = field(default_factory=set)


class PlanlintServer(LanguageServer):
    """pygls' server with planlint's state: configurations, last results, pending checks."""

    def __init__(self) -> None:
        super().__init__("planlint", __version__)
        self.configs: dict[Path, Config] = {}
        self.checked: dict[str, Checked] = {}
        #: the last plan of a buffer that loaded (completion works while the text does not parse)
        self.last_plan: dict[str, Any] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        #: buffers being checked now, and whether they changed meanwhile (checked again after)
        self.running: dict[str, bool] = {}
        #: per plan buffer: what its last check leaves for the next, and the lock that keeps
        #: the worker and a request in the main thread from checking it at once
        self.reuse: dict[str, tuple[threading.Lock, Reuse]] = {}
        self.worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="planlint")
        #: the pending idle collection, and the diagnoses published since the last one
        self.collect_handle: asyncio.TimerHandle | None = None
        self.uncollected = 0
        #: when each buffer last changed (time.monotonic), for the debounce
        self.changed_at: dict[str, float] = {}

    # -- logging ----------------------------------------------------------------------------
    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        """A line in the client's output panel (window/logMessage)."""
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=f"planlint: {message}"))
        except Exception:  # pragma: no cover - the client is gone
            pass

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls reports a failed handler here: log it and keep serving."""
        self.log(f"internal error: {type(error).__name__}: {error}", types.MessageType.Error)

    # -- files ------------------------------------------------------------------------------
    def config_for(self, path: Path) -> Config:
        """The configuration that applies to `path` (cached per folder until a config is saved)."""
        folder = path.parent
        config = self.configs.get(folder)
        if config is None:
            config = load_config(folder)
            self.configs[folder] = config
        return config

    def kind_of(self, uri: str, text: str) -> str | None:
        """'plan', 'doc', or None for a file planlint does not serve."""
        path = _path_of(uri)
        if path is None:
            return None
        try:
            config = self.config_for(path)
        except ConfigError:
            config = Config()
        if config.is_plan_name(path.name):
            return "plan"
        if path.suffix.lower() in DOC_SUFFIXES and "planlint" in text.lower():
            return "doc"
        return None

    def buffers(self) -> dict[Path, str]:
        """Unsaved texts of every open plan, by absolute path."""
        out: dict[Path, str] = {}
        for uri, document in list(self.workspace.text_documents.items()):
            path = _path_of(uri)
            if path is not None and path.suffix in (".yaml", ".yml"):
                out[real_path(path)] = document.source
        return out

    # -- diagnosis --------------------------------------------------------------------------
    def schedule(self, uri: str, delay: float | None = None) -> None:
        """Diagnose `uri` after `delay` seconds of quiet (a newer change restarts the wait);
        while it is being checked, once more when that check ends."""
        if self.collect_handle is not None:  # a check is coming: collect after it, when quiet
            self.collect_handle.cancel()
            self.collect_handle = None
        if uri in self.running:
            self.running[uri] = True
            return
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        if delay is None:
            delay = self.debounce(uri)
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(delay, lambda: asyncio.ensure_future(self.diagnose(uri)))

    def changed(self, uri: str) -> None:
        """A keystroke: diagnose the buffer once the debounce allows."""
        now = time.monotonic()
        previous = self.changed_at.get(uri)
        self.changed_at[uri] = now
        self.schedule(uri, self.debounce(uri, previous is not None and now - previous < DEBOUNCE_BIG_SECONDS))

    def debounce(self, uri: str, typing: bool | None = None) -> float:
        """The pause before diagnosing `uri`: the long one for a big buffer still being typed
        into (`typing`: changed again within `DEBOUNCE_BIG_SECONDS`; by default, whether its last
        change is that recent), else the short one."""
        document = self.workspace.text_documents.get(uri)
        if document is None or len(document.source) <= BIG_BUFFER_CHARS:
            return DEBOUNCE_SECONDS
        if typing is None:
            last = self.changed_at.get(uri)
            typing = last is not None and time.monotonic() - last < DEBOUNCE_BIG_SECONDS
        return DEBOUNCE_BIG_SECONDS if typing else DEBOUNCE_SECONDS

    def check_now(self, uri: str) -> Checked | None:
        """Check the buffer as it is now (in the calling thread); None for a file not served."""
        document = self.workspace.text_documents.get(uri)
        path = _path_of(uri)
        if document is None or path is None:
            return None
        text, version = document.source, document.version
        return self.check_text(uri, path, text, version)

    def check_text(self, uri: str, path: Path, text: str, version: int | None) -> Checked | None:
        kind = self.kind_of(uri, text)
        if kind is None:
            return None
        config = self.config_for(path)
        if kind == "plan":
            lock, reuse = self.reuse.setdefault(uri, (threading.Lock(), Reuse()))
            with lock:
                result = check_buffer(path.absolute(), text, config, reuse=reuse)
        else:
            result = check_buffer(path.absolute(), text, config, self.buffers())
        checked = Checked(
            text, version, result, {real_path(p) for p in result.plans} if kind == "doc" else set()
        )
        if kind == "plan" and result.plan_objects and not result.plan_objects[0].loaded.fatal:
            self.last_plan[uri] = result.plan_objects[0]
        return checked

    async def diagnose(self, uri: str) -> None:
        """Check one buffer in the worker thread and publish, unless it changed meanwhile."""
        self.pending.pop(uri, None)
        document = self.workspace.text_documents.get(uri)
        path = _path_of(uri)
        if document is None or path is None:
            return
        text, version = document.source, document.version
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        self.running[uri] = False
        try:
            checked = await loop.run_in_executor(self.worker, self.check_text, uri, path, text, version)
        except ConfigError as exc:
            self.publish(uri, version, [_config_diagnostic(str(exc))])
            self.log(str(exc), types.MessageType.Error)
            return
        except Exception as exc:
            self.log(
                f"cannot check {path}: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}",
                types.MessageType.Error,
            )
            return
        finally:
            if self.running.pop(uri, False):
                self.schedule(uri)
        if checked is None:
            return
        current = self.workspace.text_documents.get(uri)
        if current is None or current.version != version:
            return  # a newer change is scheduled; its diagnosis will be published
        self.replace_checked(uri, checked)
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        self.publish(uri, version, to_diagnostics(text, checked.result.findings, uri, str(encoding)))
        self.log(f"checked {path.name} in {(time.perf_counter() - started) * 1000:.0f} ms")
        self.collect_later()
        if self.kind_of(uri, text) == "plan":
            plan_path = real_path(path)
            for other, seen in list(self.checked.items()):
                if other != uri and plan_path in seen.plans:
                    self.schedule(other, 0)

    def publish(self, uri: str, version: int | None, diagnostics: list[types.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def current(self, uri: str) -> Checked | None:
        """The diagnosis of the buffer as it is now (re-checked when a change is still pending)."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        seen = self.checked.get(uri)
        if seen is not None and seen.text == document.source:
            return seen
        checked = self.check_now(uri)
        if checked is not None:
            self.replace_checked(uri, checked)
        return checked

    # -- memory -----------------------------------------------------------------------------
    def replace_checked(self, uri: str, checked: Checked) -> None:
        """Keep `checked` as the buffer's diagnosis and retire the plans of the one it replaces."""
        old = self.checked.get(uri)
        self.checked[uri] = checked
        if old is not None:
            self.retire(old.result.plan_objects)

    def retire(self, plans: list[Any]) -> None:
        """Clear the caches of plans no diagnosis, completion or reuse holds any more, which
        breaks their cycles (see the module docstring). Called in the main thread, which alone
        changes `checked`; the worker reads only the plan its `Reuse` keeps, which stays."""
        live = {id(p) for p in list(self.last_plan.values())}
        live.update(id(reuse.plan) for _, reuse in list(self.reuse.values()))
        live.update(id(p) for c in self.checked.values() for p in c.result.plan_objects)
        for plan in plans:
            if id(plan) not in live:
                plan.cache.clear()

    def collect_later(self) -> None:
        """Collect stray cycles once the buffers are quiet (at once after `COLLECT_EVERY`
        diagnoses without a pause), in the worker, so a check never waits for it mid-way."""
        self.uncollected += 1
        if self.collect_handle is not None:
            self.collect_handle.cancel()
            self.collect_handle = None
        if self.uncollected >= COLLECT_EVERY:
            self.collect_now()
            return
        loop = asyncio.get_running_loop()
        self.collect_handle = loop.call_later(IDLE_COLLECT_SECONDS, self.collect_now)

    def collect_now(self) -> None:
        self.collect_handle = None
        self.uncollected = 0
        self.worker.submit(gc.collect)


def _path_of(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    fs = to_fs_path(uri)
    return Path(fs) if fs else None


def _config_diagnostic(message: str) -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(types.Position(0, 0), types.Position(0, 1)),
        message=f"planlint configuration: {message}",
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
    )


server = PlanlintServer()


@server.feature(types.INITIALIZED)
def _initialized(ls: PlanlintServer, params: types.InitializedParams) -> None:
    root = ls.workspace.root_path
    if root and os.path.isdir(root):
        os.chdir(root)  # paths show relative to the workspace, as `planlint check` run there
    ls.log(f"planlint {__version__} language server ready (root {os.getcwd()})", types.MessageType.Info)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def _did_open(ls: PlanlintServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def _did_change(ls: PlanlintServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.changed(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def _did_save(ls: PlanlintServer, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if uri.endswith((".toml",)):
        ls.configs.clear()
        for other in list(ls.workspace.text_documents):
            ls.schedule(other, 0)
        return
    ls.schedule(uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def _did_close(ls: PlanlintServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    pending = ls.pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    checked = ls.checked.pop(uri, None)
    last = ls.last_plan.pop(uri, None)
    reuse = ls.reuse.pop(uri, None)
    ls.changed_at.pop(uri, None)
    ls.publish(uri, None, [])
    closed = [*(checked.result.plan_objects if checked else ()), last, reuse[1].plan if reuse else None]
    ls.retire([p for p in closed if p is not None])
    ls.collect_later()


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def _code_action(ls: PlanlintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    from planlint.lsp.actions import fixes_for, text_edits
    from planlint.lsp.convert import Lines, finding_range

    uri = params.text_document.uri
    wanted = {str(d.code) for d in params.context.diagnostics if d.source == SOURCE and d.code}
    if not wanted:
        return None
    try:
        checked = ls.current(uri)
        path = _path_of(uri)
        if checked is None or path is None:
            return None
        encoding = str(ls.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        lines = Lines(checked.text, encoding)
        asked = params.range
        findings = [
            f
            for f in checked.result.findings
            if f.rule in wanted and _overlaps(finding_range(lines, f), asked)
        ]
        is_plan = ls.kind_of(uri, checked.text) == "plan"
        fixes = fixes_for(
            path.absolute(), checked.text, ls.config_for(path), findings, checked.result, is_plan
        )
    except Exception as exc:
        ls.log(f"code actions failed: {type(exc).__name__}: {exc}", types.MessageType.Error)
        return None
    version = ls.workspace.text_documents[uri].version
    by_code = {str(d.code): d for d in params.context.diagnostics if d.source == SOURCE}
    out = []
    for fix in fixes:
        out.append(
            types.CodeAction(
                title=fix.title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[by_code[fix.finding.rule]] if fix.finding.rule in by_code else None,
                is_preferred=fix.preferred,
                edit=types.WorkspaceEdit(
                    document_changes=[
                        types.TextDocumentEdit(
                            text_document=types.OptionalVersionedTextDocumentIdentifier(
                                uri=uri, version=version
                            ),
                            edits=list(text_edits(checked.text, fix.new_text, encoding)),
                        )
                    ]
                ),
            )
        )
    return out


def _overlaps(a: types.Range, b: types.Range) -> bool:
    a0, a1 = (a.start.line, a.start.character), (a.end.line, a.end.character)
    b0, b1 = (b.start.line, b.start.character), (b.end.line, b.end.character)
    return a0 <= b1 and b0 <= a1


@server.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=[" ", ":", "[", ","]),
)
def _completion(ls: PlanlintServer, params: types.CompletionParams) -> types.CompletionList | None:
    from planlint.lsp.complete import completions

    uri = params.text_document.uri
    try:
        document = ls.workspace.text_documents.get(uri)
        if document is None or ls.kind_of(uri, document.source) != "plan":
            return None
        encoding = str(ls.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        items = completions(document.source, params.position, ls.last_plan.get(uri), encoding)
    except Exception as exc:
        ls.log(f"completion failed: {type(exc).__name__}: {exc}", types.MessageType.Error)
        return None
    return types.CompletionList(is_incomplete=False, items=items)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def _hover(ls: PlanlintServer, params: types.HoverParams) -> types.Hover | None:
    from planlint.lsp.complete import hover

    uri = params.text_document.uri
    try:
        document = ls.workspace.text_documents.get(uri)
        if document is None or ls.kind_of(uri, document.source) != "plan":
            return None
        checked = ls.current(uri)
        plan = checked.result.plan_objects[0] if checked and checked.result.plan_objects else None
        encoding = str(ls.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        return hover(document.source, params.position, plan, encoding)
    except Exception as exc:
        ls.log(f"hover failed: {type(exc).__name__}: {exc}", types.MessageType.Error)
        return None


def main() -> None:
    """Serve LSP over stdin/stdout until the client exits (without the automatic cyclic GC:
    see the module docstring)."""
    gc.disable()
    gc.freeze()  # what is loaded now lives as long as the server: never scanned again
    server.start_io()
