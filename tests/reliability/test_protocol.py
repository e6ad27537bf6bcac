"""The base protocol under hostile input, over real stdio: every malformed message gets the
answer JSON-RPC defines (or is skipped and logged), and the server keeps serving."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.wire import WireServer, frame, message, project_server


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[WireServer]:
    wire = project_server(tmp_path_factory)
    yield wire
    assert wire.close() == 0


def test_unparsable_json_is_answered_with_a_parse_error(server: WireServer):
    server.send(frame(b'{"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {'))
    reply = server.answer(None)
    assert reply["error"]["code"] == -32700 and reply["id"] is None
    assert server.alive()


def test_invalid_utf8_is_a_parse_error(server: WireServer):
    server.send(frame(b'{"jsonrpc": "2.0", "method": "\xff\xfe"}'))
    assert server.answer(None)["error"]["code"] == -32700
    assert server.alive()


@pytest.mark.parametrize(
    "body", [b"[]", b'[{"jsonrpc": "2.0", "id": 7, "method": "shutdown"}]', b"42", b'"x"']
)
def test_a_batch_or_a_bare_value_is_an_invalid_request(server: WireServer, body: bytes):
    server.send(frame(body))
    assert server.answer(None)["error"]["code"] == -32600
    assert server.alive()


def test_an_absurd_content_length_is_discarded_and_the_next_message_served(server: WireServer):
    server.send(b"Content-Length: 99999999999\r\n\r\n" + b'{"jsonrpc": "2.0", "id": 5, "method": "shutdown"}')
    assert server.alive()  # its bytes were dropped up to the next real header
    assert server.process.poll() is None


def test_headers_without_length_junk_and_overlong_lines_are_skipped(server: WireServer):
    server.send(b"Content-Type: application/vscode-jsonrpc\r\n\r\n")
    server.send(b"this is not a header\r\n")
    server.send(b"X" * 100_000 + b"\r\n\r\n")
    server.send(b"Content-Length: abc\r\n\r\n")
    assert server.alive()


def test_unknown_methods_wrong_types_and_odd_ids_are_answered(server: WireServer):
    assert server.request("ubiq/noSuchMethod", {})["error"]["code"] == -32601
    reply = server.request("textDocument/hover", {"textDocument": "not an object", "position": []})
    assert reply["error"]["code"] in (-32602, -32603)
    server.send(
        message({"jsonrpc": "2.0", "id": {"nested": 1}, "method": "textDocument/hover", "params": {}})
    )
    assert server.answer(None)["error"]["code"] == -32600
    huge = 10**40
    reply = server.request(
        "textDocument/hover",
        {"textDocument": {"uri": "file:///x.py"}, "position": {"line": huge, "character": huge}},
    )
    assert "error" in reply or reply.get("result") is None
    assert server.alive()


def test_a_truncated_body_costs_only_what_it_swallowed(server: WireServer):
    server.send(b"Content-Length: 40\r\n\r\n" + b'{"jsonrpc": "2.0", "id": 9,')  # 27 of 40 bytes
    server.send(message({"jsonrpc": "2.0", "method": "initialized", "params": {}}))  # partly swallowed
    assert server.answer(None)["error"]["code"] == -32700
    assert server.alive()


def test_handled_notifications_are_not_kept(server: WireServer):
    """pygls files each notification's future under a fresh id and never takes it out: a soak grew
    by one Future per keystroke. Two hundred edits later, only the stats request itself is held."""
    uri = (server.root / "kept.py").as_uri()
    document = {"uri": uri, "languageId": "python", "version": 1, "text": "x = 1\n"}
    server.send(
        message({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": document}})
    )
    for version in range(2, 202):
        at = {"line": 0, "character": 5}
        change = {"range": {"start": at, "end": {"line": 0, "character": 6}}, "text": str(version % 10)}
        params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
        server.send(message({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params}))
    server.send(
        message(
            {"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}}
        )
    )
    stats = server.request("workspace/executeCommand", {"command": "ubiq.stats", "arguments": []})
    assert stats["result"]["process"]["handlers_in_flight"] <= 2, stats["result"]["process"]
