"""Document sync is exact: random edit scripts (several changes per notification, edits at the
end, empty edits, full replacements) leave the server's text equal to a reference model of LSP,
and its incrementally updated parse tree equal to a fresh parse — in UTF-16 and in UTF-8."""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings

from tests.reliability.edits import Script, scripts
from tests.reliability.wire import WireServer, message

SCRIPTS = int(os.environ.get("UBIQ_EDIT_SCRIPTS", "200"))
_documents = count(1)


def start(tmp_path_factory, encoding: str) -> WireServer:
    root = tmp_path_factory.mktemp(f"sync-{encoding}")
    wire = WireServer(root)
    capabilities = {"general": {"positionEncodings": [encoding]}}
    reply = wire.request(
        "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": capabilities}
    )
    assert reply["result"]["capabilities"].get("positionEncoding", "utf-16") == encoding
    wire.send(message({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    return wire


def replay(server: WireServer, script: Script) -> None:
    uri = f"file:///sync/doc{next(_documents)}.py"
    document = {"uri": uri, "languageId": "python", "version": 1, "text": script.first}
    server.send(
        message({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": document}})
    )
    for version, (changes, expected) in enumerate(
        zip(script.notifications, script.expected, strict=True), start=2
    ):
        params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}
        server.send(message({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params}))
        state = server.request(
            "workspace/executeCommand", {"command": "ubiq.documentState", "arguments": [uri]}
        )
        assert state["result"]["text"] == expected, (changes, script)
        assert state["result"]["treeMatchesFreshParse"] in (True, None), (changes, script)
    server.send(
        message(
            {"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}}
        )
    )


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[dict[str, WireServer]]:
    started = {encoding: start(tmp_path_factory, encoding) for encoding in ("utf-16", "utf-8")}
    yield started
    for wire in started.values():
        assert wire.close() == 0


SETTINGS = settings(max_examples=SCRIPTS, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip


@SETTINGS
@given(script=scripts("utf-16"))
def test_edit_scripts_in_utf16(servers: dict[str, WireServer], script: Script):
    replay(servers["utf-16"], script)


@SETTINGS
@given(script=scripts("utf-8"))
def test_edit_scripts_in_utf8(servers: dict[str, WireServer], script: Script):
    replay(servers["utf-8"], script)
