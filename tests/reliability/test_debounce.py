"""Edits are checked once typing pauses, not per keystroke (issue 19, part 3): forty keystrokes
sent at once cost a handful of glossary/SQL/DDD passes, and the pass after the last one still
sees the final text."""

from __future__ import annotations

import shutil

from tests.conftest import REPO
from tests.reliability.wire import WireServer, message

TYPED = "    member_score = 1\n"


def test_a_burst_of_keystrokes_is_checked_once_typing_pauses(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
    shutil.copy(REPO / "tests" / "data" / "glossary" / "glossary.yml", tmp_path / "glossary.yml")
    server = WireServer(tmp_path)
    server.initialize()
    uri = (tmp_path / "points.py").as_uri()
    document = {"uri": uri, "languageId": "python", "version": 1, "text": "def award():\n    pass\n"}
    server.send(
        message({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": document}})
    )
    stats = {"command": "ubiq.stats", "arguments": []}
    before = server.request("workspace/executeCommand", stats)["result"]["document_checks"]
    line, column = 2, 0
    for version, char in enumerate(TYPED * 2, start=2):  # forty keystrokes, sent as fast as typing allows
        at = {"line": line, "character": column}
        change = {"range": {"start": at, "end": at}, "text": char}
        params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
        server.send(message({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params}))
        line, column = (line + 1, 0) if char == "\n" else (line, column + 1)
    while True:  # waiting for the event: the final text's diagnostics
        received = server.received.get(timeout=120)
        assert received is not None, b"".join(server.stderr)[-2000:]
        if received.get("method") != "textDocument/publishDiagnostics" or received["params"]["uri"] != uri:
            continue
        if sum("member_score" in d["message"] for d in received["params"]["diagnostics"]) == 2:
            break
    after = server.request("workspace/executeCommand", stats)["result"]["document_checks"]
    assert 1 <= after - before <= 10, after - before  # was 40: a full rescan per keystroke
    assert server.close() == 0
