"""Privacy, shown rather than claimed: in local mode a whole session — model load, completions,
hover, code actions, commands — opens no socket (a `sys.addaudithook` hook records every connect,
bind and name lookup), and text from a document never reaches the log at the default level."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.reliability.wire import WireServer, message

CANARY = "UBIQ_CANARY_7f3a9c"
SOURCE = (
    f'"""Orders ({CANARY})."""\n\n\ndef total(orders):\n'
    f"    # {CANARY}\n    return sum(o.amount for o in orders)\n"
)


def test_a_local_session_opens_no_socket_and_logs_no_document_text(tmp_path: Path):
    audit = tmp_path / "sockets.log"
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
    (tmp_path / "glossary.yml").write_text("terms:\n  - term: 订单\n    english: order\n", encoding="utf-8")
    server = WireServer(tmp_path, UBIQ_SOCKET_AUDIT=str(audit))
    server.initialize()
    server.wait_for_model()
    uri = (tmp_path / "orders.py").as_uri()
    document = {"uri": uri, "languageId": "python", "version": 1, "text": SOURCE}
    server.send(
        message({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": document}})
    )
    at = {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 40}}
    server.request("textDocument/inlineCompletion", {**at, "context": {"triggerKind": 1}})
    server.request("textDocument/completion", at)
    server.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 5}}
    )
    span = {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}}
    server.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": span, "context": {"diagnostics": []}},
    )
    server.request("workspace/executeCommand", {"command": "ubiq.dddMap", "arguments": []})
    server.request("workspace/executeCommand", {"command": "ubiq.stats", "arguments": []})
    assert server.close() == 0
    assert not audit.exists() or audit.read_text() == "", audit.read_text()
    assert CANARY not in b"".join(server.stderr).decode("utf-8", "replace")


def test_the_audit_hook_sees_a_connection(tmp_path: Path):
    """The control: the same hook does record a socket when one is opened."""
    audit = tmp_path / "sockets.log"
    code = (
        "import socket, sys\n"
        "from lsp_server.cli.serve import socket_audit\n"
        f"sys.addaudithook(socket_audit({str(audit)!r}))\n"
        "listener = socket.socket(); listener.bind(('127.0.0.1', 0)); listener.listen()\n"
        "socket.create_connection(listener.getsockname()).close()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    events = audit.read_text().splitlines()
    assert any(e.startswith("socket.bind") for e in events) and any(
        e.startswith("socket.connect") for e in events
    )
