"""Hostile messages for `ubiq serve`, generated with hypothesis: valid requests with mutated
fields (wrong types, huge numbers, strings where objects belong, missing fields), unknown methods,
notifications that carry ids, batches, invalid UTF-8, truncated and lying bodies, absurd or
missing headers. Shared by tests/reliability/test_fuzz.py (a CI slice) and
benchmarks/reliability.py (the full campaign)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from tests.reliability.wire import frame, message


@dataclass
class Case:
    """Bytes to send, what they are, and whether they may swallow the bytes that follow (a body
    shorter than its header says: the next message's header may be cut, so it is lost)."""

    kind: str
    data: bytes
    swallows: bool = False


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=16),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _position() -> dict[str, int]:
    return {"line": 3, "character": 4}


def valid_messages(uri: str) -> list[tuple[str, dict[str, Any], bool]]:
    """(method, params, is_request) of messages a real client sends about the open document."""
    document = {"uri": uri}
    span = {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}
    return [
        ("textDocument/hover", {"textDocument": document, "position": _position()}, True),
        (
            "textDocument/codeAction",
            {"textDocument": document, "range": span, "context": {"diagnostics": []}},
            True,
        ),  # fmt: skip
        ("textDocument/completion", {"textDocument": document, "position": _position()}, True),
        (
            "textDocument/inlineCompletion",
            {"textDocument": document, "position": _position(), "context": {"triggerKind": 2}},
            True,
        ),  # fmt: skip
        ("workspace/executeCommand", {"command": "ubiq.stats", "arguments": []}, True),
        (
            "textDocument/didChange",
            {
                "textDocument": {**document, "version": 99},
                "contentChanges": [{"range": span, "text": "x = 1\n"}],
            },
            False,
        ),  # fmt: skip
        ("textDocument/didSave", {"textDocument": document}, False),
        ("$/cancelRequest", {"id": 12345}, False),
    ]


def _mutated(draw: Any, params: Any) -> Any:
    """The params with one value replaced by any JSON (or removed), somewhere inside."""
    if not isinstance(params, dict) or not params or draw(st.integers(0, 4)) == 0:
        return draw(JSON_VALUES)
    key = draw(st.sampled_from(sorted(params)))
    copy = dict(params)
    action = draw(st.integers(0, 3))
    if action == 0:
        del copy[key]
    elif action == 1 and isinstance(copy[key], dict):
        copy[key] = _mutated(draw, copy[key])
    else:
        copy[key] = draw(JSON_VALUES | st.sampled_from([10**40, -1, "", "x" * 10_000, [], {}]))
    return copy


@st.composite
def cases(draw: Any, uri: str) -> Case:
    kind = draw(
        st.sampled_from(
            [
                "mutated",
                "mutated",
                "mutated",
                "unknown",
                "id-on-notification",
                "batch",
                "utf8",
                "junk-json",
                "cut-json",
                "short-body",
                "long-header",
                "no-length",
                "absurd-length",
                "bare-value",
                "garbage",
            ]
        )  # fmt: skip
    )
    method, params, is_request = draw(st.sampled_from(valid_messages(uri)))
    request_id = draw(st.integers(1, 10**6))
    if kind == "mutated":
        payload = {"jsonrpc": "2.0", "method": method, "params": _mutated(draw, params)}
        if is_request:
            payload["id"] = request_id
        return Case(kind, message(payload))
    if kind == "unknown":
        name = draw(st.text(min_size=1, max_size=30))
        return Case(
            kind, message({"jsonrpc": "2.0", "id": request_id, "method": name, "params": draw(JSON_VALUES)})
        )
    if kind == "id-on-notification":
        return Case(kind, message({"jsonrpc": "2.0", "id": request_id, "method": "textDocument/didSave",
                                   "params": {"textDocument": {"uri": uri}}}))  # fmt: skip
    if kind == "batch":
        item = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        return Case(kind, frame(json.dumps([item] * draw(st.integers(0, 3))).encode()))
    if kind == "utf8":
        return Case(
            kind,
            frame(b'{"jsonrpc": "2.0", "method": "' + draw(st.binary(min_size=1, max_size=8)) + b'\xff"}'),
        )
    if kind == "junk-json":
        return Case(kind, frame(draw(st.binary(min_size=1, max_size=200)).replace(b"\r\n", b"  ")))
    body = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}).encode()
    if kind == "cut-json":
        return Case(kind, frame(body[: draw(st.integers(1, len(body) - 1))]))
    if kind == "short-body":  # says more than it sends
        return Case(
            kind, b"Content-Length: %d\r\n\r\n" % (len(body) + draw(st.integers(1, 300))) + body, True
        )
    if kind == "long-header":
        return Case(kind, b"X-Junk: " + b"a" * draw(st.integers(5_000, 200_000)) + b"\r\n" + frame(body))
    if kind == "no-length":
        return Case(kind, b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + body, True)
    if kind == "absurd-length":
        length = draw(st.sampled_from([10**11, 2**63, 10**20, 64 * 1024 * 1024 + 1]))
        return Case(kind, b"Content-Length: %d\r\n\r\n" % length + body, True)
    if kind == "bare-value":
        return Case(
            kind, frame(json.dumps(draw(JSON_VALUES.filter(lambda v: not isinstance(v, dict)))).encode())
        )
    return Case(kind, draw(st.binary(min_size=1, max_size=300)).replace(b"Content-Length", b"C"), True)
