"""`planlint lsp` end to end: a real LSP client (pytest-lsp) over stdio against the real process.

The workspace is the shipped two-model example copied to a temporary folder; each test opens
buffers, edits them as an editor would (full-text changes, never saved), and reads what the
server publishes or answers.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import pytest_lsp
from conftest import EXAMPLES, TWO_MODEL, edit
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

PLANLINT = str(Path(sys.executable).parent / "planlint")
DOC = (EXAMPLES / "two-model-sweep" / "PLAN.md").read_text(encoding="utf-8")
CONTROL_3B = """  - name: Llama-3.2-3B_base
    type: control
    model: Llama-3.2-3B-Instruct
    parameters: {}
"""
MATRIX_3B = "    - {run: Llama-3.2-3B_base, vis_label: 3B base, tasks: [capitalization], epochs: null}\n"
#: The two-model plan without the 3B model's control (nor its matrix entry): PL204.
NO_3B_CONTROL = edit(TWO_MODEL, (CONTROL_3B, ""), (MATRIX_3B, ""))

Diagnostics = Sequence[types.Diagnostic]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[PLANLINT, "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "plan.yaml").write_text(TWO_MODEL, encoding="utf-8")
    (tmp_path / "PLAN.md").write_text(DOC, encoding="utf-8")
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=tmp_path.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")],
    )
    await lsp_client.initialize_session(params)
    lsp_client.root = tmp_path  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def _root(client: LanguageClient) -> Path:
    return client.root  # type: ignore[attr-defined,no-any-return]


def _open(client: LanguageClient, name: str, text: str, language: str = "yaml") -> str:
    uri = (_root(client) / name).as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        )
    )
    return uri


_VERSIONS: dict[str, int] = {}


def _change(client: LanguageClient, uri: str, text: str) -> None:
    version = _VERSIONS.get(uri, 1) + 1
    _VERSIONS[uri] = version
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def _until(client: LanguageClient, uri: str, ok: Callable[[Diagnostics], bool]) -> Diagnostics:
    """The diagnostics published for `uri` once `ok` holds (a hang guard, not a timing test)."""
    for _ in range(600):
        got = client.diagnostics.get(uri)
        if got is not None and ok(got):
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"no such diagnostics for {uri}: {client.diagnostics.get(uri)}")


def _codes(diagnostics: Diagnostics) -> list[str]:
    return [str(d.code) for d in diagnostics]


def _apply(text: str, edits: Sequence[types.TextEdit]) -> str:
    """Apply LSP text edits (ASCII plans: UTF-16 columns are characters)."""
    lines = re.findall(r"[^\n]*\n|[^\n]+$", text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(p: types.Position) -> int:
        return starts[min(p.line, len(lines))] + p.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


async def _fix(client: LanguageClient, uri: str, text: str, diagnostic: types.Diagnostic) -> tuple[str, str]:
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert actions, f"no code action for {diagnostic.code}"
    action = actions[0]
    assert isinstance(action, types.CodeAction) and action.edit and action.edit.document_changes
    change = action.edit.document_changes[0]
    assert isinstance(change, types.TextDocumentEdit)
    return action.title, _apply(text, change.edits)  # type: ignore[arg-type]


def _line_of(text: str, needle: str, whole: bool = False) -> int:
    """The first line holding `needle` (`whole`: the first line that is `needle`)."""
    return next(
        i for i, line in enumerate(text.splitlines()) if (line == needle if whole else needle in line)
    )


@pytest.mark.asyncio
async def test_missing_control_at_the_model_name_and_its_fix_clears_it(client: LanguageClient) -> None:
    uri = _open(client, "plan.yaml", NO_3B_CONTROL)
    got = await _until(client, uri, lambda d: "PL204" in _codes(d))
    diagnostic = next(d for d in got if d.code == "PL204")
    line = _line_of(NO_3B_CONTROL, "- name: Llama-3.2-3B-Instruct")
    start = NO_3B_CONTROL.splitlines()[line].index("Llama-3.2-3B-Instruct")
    assert diagnostic.range == types.Range(
        types.Position(line, start), types.Position(line, start + len("Llama-3.2-3B-Instruct"))
    )
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.source == "planlint"
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("/README.md#pl204")
    assert "has fine-tuned runs but no control run" in diagnostic.message
    assert "add this run under runs:" in diagnostic.message  # the hint travels in the message

    title, fixed = await _fix(client, uri, NO_3B_CONTROL, diagnostic)
    assert "missing run" in title
    assert "- name: Llama-3.2-3B_base" in fixed and "{run: Llama-3.2-3B_base," in fixed
    _change(client, uri, fixed)
    after = await _until(client, uri, lambda d: "PL204" not in _codes(d))
    assert not [d for d in after if d.severity == types.DiagnosticSeverity.Error]


#: The two-model plan with one run named lr5e-4 while it trains at lr 5e-5 (PL217); its matrix
#: entry names it too, single-quoted.
MISNAMED = TWO_MODEL.replace("Llama-3.2-1B_rank4_lr5e-5", "Llama-3.2-1B_rank4_lr5e-4").replace(
    "{run: Llama-3.2-1B_rank4_lr5e-4,", "{run: 'Llama-3.2-1B_rank4_lr5e-4',"
)


@pytest.mark.asyncio
async def test_one_run_edited_between_checks_gives_fresh_findings(client: LanguageClient) -> None:
    """The server re-reads only the edited run between keystrokes: its new value is seen."""
    uri = _open(client, "plan.yaml", TWO_MODEL)
    await _until(client, uri, lambda d: not [x for x in d if x.severity == types.DiagnosticSeverity.Error])
    run = "  - name: Llama-3.2-1B_rank4_lr5e-5\n    type: fine-tuned\n    model: Llama-3.2-1B-Instruct\n"
    wrong = edit(
        TWO_MODEL,
        (run + "    parameters: {lora_rank: 4, lr: 5e-5}", run + "    parameters: {lora_rank: 4, lr: 1e-5}"),
    )
    _change(client, uri, wrong)
    got = await _until(client, uri, lambda d: "PL217" in _codes(d))
    assert {"PL213", "PL214", "PL217"} <= set(_codes(got))
    _change(client, uri, TWO_MODEL)
    await _until(client, uri, lambda d: not {"PL213", "PL214", "PL217"} & set(_codes(d)))


@pytest.mark.asyncio
async def test_a_misnamed_run_is_renamed_with_its_matrix_entries(client: LanguageClient) -> None:
    uri = _open(client, "plan.yaml", MISNAMED)
    got = await _until(client, uri, lambda d: "PL217" in _codes(d))
    diagnostic = next(d for d in got if d.code == "PL217")
    assert diagnostic.range.start.line == _line_of(MISNAMED, "  - name: Llama-3.2-1B_rank4_lr5e-4")
    title, fixed = await _fix(client, uri, MISNAMED, diagnostic)
    assert title == (
        "Rename run 'Llama-3.2-1B_rank4_lr5e-4' to 'Llama-3.2-1B_rank4_lr5e-5' and its 1 evaluation.matrix entry"
    )
    assert fixed == MISNAMED.replace("Llama-3.2-1B_rank4_lr5e-4", "Llama-3.2-1B_rank4_lr5e-5")
    assert "{run: 'Llama-3.2-1B_rank4_lr5e-5', vis_label" in fixed  # its quotes kept
    assert "lr5e-4" not in fixed
    _change(client, uri, fixed)
    after = await _until(client, uri, lambda d: "PL217" not in _codes(d))
    assert not [d for d in after if d.severity == types.DiagnosticSeverity.Error]


@pytest.mark.asyncio
async def test_editing_the_plan_makes_the_open_doc_drift_and_its_fix_regenerates(
    client: LanguageClient,
) -> None:
    plan_uri = _open(client, "plan.yaml", TWO_MODEL)
    doc_uri = _open(client, "PLAN.md", DOC, "markdown")
    await _until(client, doc_uri, lambda d: "PL501" not in _codes(d))
    changed = edit(TWO_MODEL, ("  batch_size: 4\n", "  batch_size: 8\n"))
    _change(client, plan_uri, changed)  # unsaved: the doc renders from the buffer
    drift = await _until(client, doc_uri, lambda d: "PL501" in _codes(d))
    diagnostic = next(d for d in drift if d.code == "PL501")
    assert "Batch Size is 4 in the doc, 8 in the plan" in diagnostic.message
    # from the first stale row (every row's Batch Size changed) to the end marker
    assert diagnostic.range.start.line == _line_of(DOC, "| Llama-3.2-1B_rank4_lr1e-5 |")
    assert diagnostic.range.end.line == _line_of(DOC, "<!-- planlint:end all-runs -->")

    title, regenerated = await _fix(client, doc_uri, DOC, diagnostic)
    assert "Regenerate" in title
    assert "| 4 | Fine-tuned |" not in regenerated and "| 8 | Fine-tuned |" in regenerated
    _change(client, doc_uri, regenerated)
    await _until(client, doc_uri, lambda d: "PL501" not in _codes(d))
    assert (_root(client) / "PLAN.md").read_text(encoding="utf-8") == DOC  # the server wrote nothing


@pytest.mark.asyncio
async def test_related_information_points_at_the_first_duplicate(client: LanguageClient) -> None:
    text = edit(TWO_MODEL, ("  - name: Llama-3.2-1B_rank4_lr5e-5\n", "  - name: Llama-3.2-1B_rank4_lr1e-5\n"))
    uri = _open(client, "plan.yaml", text)
    got = await _until(client, uri, lambda d: "PL201" in _codes(d))
    diagnostic = next(d for d in got if d.code == "PL201")
    assert diagnostic.related_information
    first = diagnostic.related_information[0]
    assert first.location.uri == uri
    both = [i for i, line in enumerate(text.splitlines()) if "- name: Llama-3.2-1B_rank4_lr1e-5" in line]
    assert first.location.range.start.line == both[0]
    assert diagnostic.range.start.line == both[1]
    assert first.message == "the first run named 'Llama-3.2-1B_rank4_lr1e-5'"


async def _complete(
    client: LanguageClient, uri: str, text: str, needle: str, whole: bool = False
) -> list[str]:
    line = _line_of(text, needle, whole)
    char = text.splitlines()[line].index(needle) + len(needle)
    got = await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(line, char))
    )
    items = got.items if isinstance(got, types.CompletionList) else (got or [])
    return [i.label for i in items]


@pytest.mark.asyncio
async def test_completion_offers_models_values_runs_tasks_and_keys(client: LanguageClient) -> None:
    uri = _open(client, "plan.yaml", TWO_MODEL)
    await _until(client, uri, lambda d: True)
    models = await _complete(client, uri, TWO_MODEL, "    model: ")
    assert models == ["Llama-3.2-1B-Instruct", "Llama-3.2-3B-Instruct"]
    text = edit(
        TWO_MODEL,
        (
            '    parameters: {lora_rank: 8, lr: 5e-5}\n    compute: {time: "0:35:00", gpus: 1, mem: 80G}\n  - name: Llama-3.2-3B_base',
            '    parameters: {lora_rank: 8, lr: 5e-5}\n    compute: {time: "0:35:00", gpus: 1, mem: 80G}\n  - name: new\n    parameters: {lora_rank: 8, lr: \n  - name: Llama-3.2-3B_base',
        ),
    )
    _change(client, uri, text)  # half-typed: completion still answers from the last plan that loaded
    assert await _complete(client, uri, text, "    parameters: {lora_rank: 8, lr: ", whole=True) == [
        "1e-5",
        "5e-5",
    ]
    runs = await _complete(client, uri, text, "    - {run: ")
    assert "Llama-3.2-1B_base" in runs and "Llama-3.2-3B_rank8_lr5e-5" in runs
    assert await _complete(client, uri, text, "tasks: [") == ["capitalization"]
    keys_text = edit(TWO_MODEL, ("  seed: 14\n", "  seed: 14\n  lor\n"))
    _change(client, uri, keys_text)
    line = _line_of(keys_text, "  lor", whole=True)
    got = await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(line, 5))
    )
    assert isinstance(got, types.CompletionList)
    labels = {i.label: i for i in got.items}
    assert "lora_rank" in labels and "seed" not in labels  # keys of controls, those written left out
    doc = labels["lora_rank"].documentation
    assert isinstance(doc, types.MarkupContent) and doc.value


@pytest.mark.asyncio
async def test_hover_on_a_run_and_on_a_variable_value(client: LanguageClient) -> None:
    uri = _open(client, "plan.yaml", TWO_MODEL)
    await _until(client, uri, lambda d: True)
    line = _line_of(TWO_MODEL, "parameters: {lora_rank: 8, lr: 5e-5}")
    got = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 6))
    )
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    text = got.contents.value
    assert "**Llama-3.2-1B_rank8_lr5e-5** (fine-tuned)" in text
    assert "model: `Llama-3.2-1B-Instruct`" in text and "lora_rank=8, lr=5e-5" in text
    assert "`Llama-3.2-1B_rank8_lr5e-5` (matches)" in text and "0:15:00" in text
    line = _line_of(TWO_MODEL, "lr: [1e-5, 5e-5]")
    char = TWO_MODEL.splitlines()[line].index("5e-5")
    got = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, char))
    )
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    assert got.contents.value.startswith("**lr = 5e-5**: 4 runs")
    assert "`Llama-3.2-3B_rank4_lr5e-5`" in got.contents.value
    # the same value where a run sets it, in its parameters (lr 5e-5 written there)
    line = _line_of(TWO_MODEL, "parameters: {lora_rank: 8, lr: 5e-5}")
    char = TWO_MODEL.splitlines()[line].index("5e-5") + 2
    got = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, char))
    )
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    assert got.contents.value.startswith("**lr = 5e-5**: 4 runs")
    assert "`Llama-3.2-1B_rank4_lr5e-5`" in got.contents.value
    char = TWO_MODEL.splitlines()[line].index("8")
    got = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, char))
    )
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    assert got.contents.value.startswith("**lora_rank = 8**: 4 runs")


@pytest.mark.asyncio
async def test_half_typed_binary_and_huge_buffers_do_not_crash(client: LanguageClient) -> None:
    uri = _open(client, "plan.yaml", TWO_MODEL)
    await _until(client, uri, lambda d: True)
    half = TWO_MODEL[: TWO_MODEL.index("    parameters: {lora_rank: 8, lr: 5e-5}") + 30]
    _change(client, uri, half)
    got = await _until(client, uri, lambda d: "PL001" in _codes(d))
    assert got[0].range.start.line >= 0
    _change(client, uri, "runs:\n  - name: \x00\x01\x02\n")
    await _until(client, uri, lambda d: "PL003" in _codes(d))
    _change(client, uri, "# " + "x" * (11 * 1024 * 1024) + "\n")
    await _until(client, uri, lambda d: "PL004" in _codes(d))
    for text in (half, "runs: [\n", ":\n- - -\n  {{{", ""):
        _change(client, uri, text)
        for line in range(3):
            await client.text_document_completion_async(
                types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(line, 40))
            )
            await client.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 3))
            )
    _change(client, uri, NO_3B_CONTROL)
    await _until(client, uri, lambda d: "PL204" in _codes(d))  # still serving
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error]


@pytest.mark.asyncio
async def test_trap_values_and_legacy_keys_have_fixes(client: LanguageClient) -> None:
    text = edit(
        TWO_MODEL,
        ('  date: "2026-11-24"\n', "  date: 2026-11-24\n"),
        ("  dir: /scratch", "  directory: /scratch"),
    )
    uri = _open(client, "plan.yaml", text)
    got = await _until(client, uri, lambda d: {"PL012", "PL103"} <= set(_codes(d)))
    title, quoted = await _fix(client, uri, text, next(d for d in got if d.code == "PL012"))
    assert 'Quote 2026-11-24 as "2026-11-24"' in title
    assert quoted == edit(text, ("  date: 2026-11-24\n", '  date: "2026-11-24"\n'))
    title, migrated = await _fix(client, uri, text, next(d for d in got if d.code == "PL103"))
    assert "Migrate" in title and migrated == edit(text, ("  directory: /scratch", "  dir: /scratch"))


@pytest.mark.asyncio
async def test_files_planlint_does_not_serve_get_nothing(client: LanguageClient) -> None:
    uri = _open(client, "notes.md", "# notes\n\nno markers here\n", "markdown")
    other = _open(client, "config.yaml", "a: yes\n")
    plan = _open(client, "plan.yaml", NO_3B_CONTROL)
    await _until(client, plan, lambda d: "PL204" in _codes(d))
    assert uri not in client.diagnostics and other not in client.diagnostics
