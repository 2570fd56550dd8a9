"""The language server's debounce: a big plan edited after a pause is checked at once, and only
a burst of keystrokes waits for quiet (the check of a 10,000-run plan takes about a second)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import TWO_MODEL
from lsprotocol import types
from pygls.workspace import Workspace

from planlint.lsp.server import BIG_BUFFER_CHARS, DEBOUNCE_BIG_SECONDS, DEBOUNCE_SECONDS, PlanlintServer


def _server(tmp_path: Path, text: str) -> tuple[PlanlintServer, str]:
    server = PlanlintServer()
    server.protocol._workspace = Workspace(tmp_path.as_uri())
    uri = (tmp_path / "plan.yaml").as_uri()
    server.workspace.put_text_document(
        types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)
    )
    return server, uri


def _delays(server: PlanlintServer, uri: str, keystrokes: int) -> list[float]:
    """The pause each of `keystrokes` changes in quick succession waits before its check."""

    async def typing() -> list[float]:
        loop = asyncio.get_running_loop()
        out = []
        for _ in range(keystrokes):
            server.changed(uri)
            out.append(server.pending[uri].when() - loop.time())
        server.pending.pop(uri).cancel()
        return out

    return asyncio.run(typing())


def _big_plan() -> str:
    padding = "# " + "x" * 98 + "\n"
    text = TWO_MODEL + padding * (BIG_BUFFER_CHARS // len(padding) + 1)
    assert len(text) > BIG_BUFFER_CHARS
    return text


def test_a_big_plan_edited_after_a_pause_is_checked_at_once_and_a_burst_waits(tmp_path: Path) -> None:
    server, uri = _server(tmp_path, _big_plan())
    first, *burst = _delays(server, uri, 3)
    assert first <= DEBOUNCE_SECONDS
    assert all(DEBOUNCE_SECONDS < d <= DEBOUNCE_BIG_SECONDS for d in burst)
    # a check that must run again after one that was running when a key was pressed waits too
    # while the typing goes on, and not once it has stopped
    assert server.debounce(uri) == DEBOUNCE_BIG_SECONDS
    server.changed_at[uri] -= DEBOUNCE_BIG_SECONDS
    assert server.debounce(uri) == DEBOUNCE_SECONDS


@pytest.mark.parametrize("keystrokes", [1, 4])
def test_a_plan_of_normal_size_is_always_checked_after_the_short_pause(
    tmp_path: Path, keystrokes: int
) -> None:
    server, uri = _server(tmp_path, TWO_MODEL)
    assert all(d <= DEBOUNCE_SECONDS for d in _delays(server, uri, keystrokes))
