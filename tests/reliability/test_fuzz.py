"""Protocol fuzzing, the CI slice: 1,000 generated hostile messages (UBIQ_FUZZ_CASES to change)
sent to one `ubiq serve` over stdio, each followed by a valid request that must be answered; the
server must never exit. benchmarks/reliability.py runs 10,000 and times the answers."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from tests.reliability.fuzz import Case, cases
from tests.reliability.wire import WireServer, message, project_server

URI = "file:///fuzz/shop/orders.py"
TEXT = "def total(orders):\n    return sum(o.amount for o in orders)\n\n\nclass Order:\n    amount: int = 0\n"
CASES = int(os.environ.get("UBIQ_FUZZ_CASES", "1000"))


def open_document(server: WireServer) -> None:
    document = {"uri": URI, "languageId": "python", "version": 1, "text": TEXT}
    server.send(
        message({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": document}})
    )


def probe(server: WireServer, case: Case) -> None:
    """A valid request after the case must be answered; after a case that may swallow what
    follows, the second of two."""
    if case.swallows:
        server.send(message({"jsonrpc": "2.0", "id": "sacrifice", "method": "shutdown-never", "params": {}}))
    assert server.alive(), case.kind


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[WireServer]:
    wire = project_server(tmp_path_factory)
    open_document(wire)
    yield wire
    assert wire.process.poll() is None, "the server exited"
    assert wire.close() == 0


@settings(
    max_examples=CASES, deadline=None, derandomize=True, database=None,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip
@given(case=cases(URI))
def test_every_request_after_a_hostile_message_is_answered(server: WireServer, case: Case):
    server.send(case.data)
    probe(server, case)
