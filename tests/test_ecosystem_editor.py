"""The editor schema works offline: `init` writes it into the repository, the real
yaml-language-server (npm, over stdio) loads it through the relative modeline and reports the
planted errors; `check` reports a stale copy (PL508) and `fix` refreshes it."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import init_workspace

from planlint.cli import main
from planlint.config import Config
from planlint.engine import run
from planlint.plan.schemacopy import find_modeline, installed_schema

REPO = Path(__file__).resolve().parent.parent
NODE_PREFIX = REPO / ".ci" / "node"


def node_tool(package: str, entry: str) -> Path:
    """The npm package's file under .ci/node (installed there as .ci/run does, when missing)."""
    path = NODE_PREFIX / "node_modules" / package / entry
    if not path.exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed for the editor tests (node and npm are on the CI machine)"
        subprocess.run(
            [npm, "install", "--prefix", str(NODE_PREFIX), "--no-audit", "--no-fund", package],
            check=True,
            capture_output=True,
            timeout=600,
        )
    assert path.exists(), f"{package} did not install {entry}"
    return path


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with a models folder (Llama-3.2-1B-Instruct) and data/words_5L.json."""
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    return init_workspace(tmp_path, data="words_5L.json", models=("1B",))


def init_plan(folder: str = "experiments/cap-sweep") -> int:
    return main(
        [
            "init",
            folder,
            "--name",
            "cap_rank",
            "--question",
            "Does LoRA rank change capitalization accuracy?",
            "--models-dir",
            "models",
            "--model",
            "Llama-3.2-1B-Instruct",
            "--dataset",
            "data/words_5L.json",
            "--vary",
            "lora_rank=4,8",
            "--epochs",
            "2",
        ]
    )


def test_init_writes_the_schema_into_the_repository_and_a_relative_modeline(repo: Path) -> None:
    assert init_plan() == 0
    copy = repo / "schemas" / "plan.schema.json"
    assert copy.read_text(encoding="utf-8") == installed_schema()
    text = (repo / "experiments" / "cap-sweep" / "plan.yaml").read_text(encoding="utf-8")
    mode = find_modeline(text)
    assert mode is not None and mode.value == "../../schemas/plan.schema.json"
    assert (repo / "experiments" / "cap-sweep" / mode.value).resolve() == copy.resolve()
    assert [f.rule for f in run(["experiments"], Config()).findings if f.rule == "PL508"] == []


def test_a_stale_copy_is_reported_and_fix_refreshes_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init_plan() == 0
    copy = repo / "schemas" / "plan.schema.json"
    old = json.loads(installed_schema())
    del old["properties"]["evaluation"]  # the copy of an older planlint
    copy.write_text(json.dumps(old, indent=2), encoding="utf-8")
    capsys.readouterr()
    assert main(["check", "--strict", "experiments"]) == 1
    out = capsys.readouterr().out
    assert (
        "experiments/cap-sweep/plan.yaml:1:33: PL508 warning: the schema copy ../../schemas/plan.schema.json"
        " differs from the schema of this planlint" in out
    )
    assert "run `planlint fix experiments/cap-sweep/plan.yaml` to write this planlint's schema" in out
    assert main(["fix", "--check", "experiments"]) == 1
    assert copy.read_text(encoding="utf-8") != installed_schema()
    assert main(["fix", "experiments"]) == 0
    assert "Fixing schemas/plan.schema.json" in capsys.readouterr().err
    assert copy.read_text(encoding="utf-8") == installed_schema()
    assert main(["check", "experiments"]) == 0


def test_a_deleted_copy_is_reported_and_fix_writes_it_again(repo: Path) -> None:
    assert init_plan() == 0
    (repo / "schemas" / "plan.schema.json").unlink()
    findings = [f for f in run(["experiments"], Config()).findings if f.rule == "PL508"]
    assert [f.message for f in findings] == [
        "the schema copy ../../schemas/plan.schema.json that its modeline names does not exist"
    ]
    assert (findings[0].line, findings[0].column, findings[0].end_column) == (
        1,
        33,
        63,
    )  # end column exclusive, as in SARIF
    assert main(["fix", "experiments"]) == 0
    assert (repo / "schemas" / "plan.schema.json").read_text(encoding="utf-8") == installed_schema()


def test_another_projects_schema_at_the_modeline_is_left_alone(repo: Path) -> None:
    assert init_plan() == 0
    (repo / "schemas" / "plan.schema.json").write_text('{"$id": "https://example.org/other.json"}\n')
    assert [f for f in run(["experiments"], Config()).findings if f.rule == "PL508"] == []


def test_schema_write_writes_the_installed_schema(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--write", "editor/plan.schema.json"]) == 0
    assert capsys.readouterr().out == "Wrote editor/plan.schema.json\n"
    assert (repo / "editor" / "plan.schema.json").read_text(encoding="utf-8") == installed_schema()


class LanguageServer:
    """A JSON-RPC client of one yaml-language-server process over stdio."""

    def __init__(self, server: Path, root: Path) -> None:
        self.proc = subprocess.Popen(
            ["node", str(server), "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=root,
        )
        self.next_id = 0
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.responses: dict[int, Any] = {}
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(out.read(length))
            if "method" in message and "id" in message:  # a request of the server: answer it
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [self.settings()["yaml"] for _ in message["params"]["items"]]
                self._send({"id": message["id"], "result": result})
            elif message.get("method") == "textDocument/publishDiagnostics":
                with self.cond:
                    self.diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
                    self.cond.notify_all()
            elif "id" in message:
                with self.cond:
                    self.responses[message["id"]] = message
                    self.cond.notify_all()

    @staticmethod
    def settings() -> dict[str, Any]:
        return {"yaml": {"validate": True, "schemaStore": {"enable": False}, "format": {"enable": False}}}

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        number = self.next_id
        self._send({"id": number, "method": method, "params": params})
        with self.cond:
            assert self.cond.wait_for(lambda: number in self.responses, timeout=60), method
            return self.responses[number].get("result")

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def diagnostics_of(self, uri: str, want: int) -> list[dict[str, Any]]:
        """The diagnostics published for `uri` once there are at least `want` (or after 60 s)."""
        with self.cond:
            self.cond.wait_for(lambda: len(self.diagnostics.get(uri, [])) >= want, timeout=60)
            return self.diagnostics.get(uri, [])

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def test_yaml_language_server_validates_an_init_plan_through_its_modeline(repo: Path) -> None:
    server = node_tool("yaml-language-server", "bin/yaml-language-server")
    assert init_plan() == 0
    plan = repo / "experiments" / "cap-sweep" / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    # Three planted errors: a string where a number goes, an unknown run type, an unknown key.
    text = text.replace("  epochs: 2\n", "  epochs: two\n", 1)
    text = text.replace("type: control", "type: baseline", 1)
    text = text.replace("tools:\n", "tools:\n  tokenizer: sentencepiece\n", 1)
    plan.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    planted = {
        next(i for i, line in enumerate(lines) if line == "  epochs: two"),
        next(i for i, line in enumerate(lines) if "type: baseline" in line),
        next(i for i, line in enumerate(lines) if line == "  tokenizer: sentencepiece"),
    }
    ls = LanguageServer(server, repo)
    try:
        ls.request(
            "initialize",
            {
                "processId": None,
                "rootUri": repo.as_uri(),
                "capabilities": {"workspace": {"configuration": True}},
                "workspaceFolders": [{"uri": repo.as_uri(), "name": "repo"}],
            },
        )
        ls.notify("initialized", {})
        ls.notify("workspace/didChangeConfiguration", {"settings": LanguageServer.settings()})
        uri = plan.as_uri()
        ls.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}},
        )
        found = ls.diagnostics_of(uri, len(planted))
    finally:
        ls.close()
    messages = [d["message"] for d in found]
    assert not any("Unable to load schema" in m for m in messages), messages
    assert {d["range"]["start"]["line"] for d in found} >= planted, messages
    planlint_lines = {f.line - 1 for f in run([str(plan)], Config()).findings if f.rule.startswith("PL1")}
    assert planted <= planlint_lines
