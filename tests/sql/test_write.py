"""`ubiq sql write`: candidates are checked, run and voted on. The plumbing (what is kept, what is
voted, when it refuses) with scripted answers; the same path with the real default model; the CLI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from lsp_server.engine.backend import Backend, ChatMessage, Completion, CompletionRequest, ModelInfo
from lsp_server.sql.schema import load
from lsp_server.sql.write import write
from tests.cli.test_cli import ubiq
from tests.conftest import DEFAULT, REPO, make_backend

SHOP = REPO / "tests" / "data" / "sql_shop"


@pytest.fixture(scope="module")
def schema():
    return load([SHOP])


class Scripted(Backend):
    """Answers each chat with the next of `answers` (plumbing only: the real model is tested below)."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def info(self) -> ModelInfo:
        return ModelInfo("scripted", "", "test", "none", 4096, None, False, 1, 1)

    def complete(self, request: CompletionRequest, cancel=None, on_text=None) -> Completion:
        raise NotImplementedError

    def chat(self, messages: Sequence[ChatMessage], **options: Any) -> Completion:
        self.calls.append({"messages": list(messages), **options})
        sql = self.answers.pop(0) if self.answers else "SELECT nothing FROM nowhere"
        return Completion(json.dumps({"sql": sql}), "eos")

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def close(self) -> None:
        pass


def test_the_result_most_candidates_share_is_chosen(schema):
    backend = Scripted([
        "SELECT COUNT(*) FROM orders",  # no such table
        "SELECT COUNT(*) FROM shop_order",
        "SELECT SUM(total) FROM shop_order",
        "SELECT COUNT(id) FROM shop_order",  # agrees with the second
        "SELECT nme FROM shop_customer",  # no such column
    ])  # fmt: skip
    result = write("how many orders are there", schema, backend)
    assert result.sql == "SELECT COUNT(*) FROM shop_order" and result.validated and result.agreement == 2
    assert [c.status for c in result.candidates] == ["unresolved", "ok", "ok", "ok", "unresolved"]
    assert result.source.startswith("ran on a scratch database")
    schemas = [call["json_schema"]["properties"]["sql"]["pattern"] for call in backend.calls]
    assert all(p.startswith("^(SELECT|WITH") for p in schemas)  # one read-only statement, by grammar
    assert [call.get("seed") for call in backend.calls] == [None, 1001, 1002, 1003, 1004]
    assert "CREATE TABLE shop_order" in backend.calls[0]["messages"][1].content


def test_nothing_that_passes_is_a_refusal_with_reasons_after_one_repair_round(schema):
    backend = Scripted(
        ["SELECT * FROM customers", "DELETE FROM shop_order", "SELECT nme FROM shop_customer"] * 3
    )
    result = write("客户名单", schema, backend)
    assert result.sql is None and not result.validated
    assert len(backend.calls) == 5 + 2  # five drawn, two sent back with the checks' reason
    repair = backend.calls[5]["messages"]
    assert repair[-1].role == "user" and "unknown table customers" in repair[-1].content
    assert "unresolved" in result.refusal() and "not a query" in result.refusal()


def test_candidates_that_all_disagree_are_refused(schema):
    backend = Scripted([
        "SELECT COUNT(*) FROM shop_order",
        "SELECT SUM(total) FROM shop_order",
        "SELECT MAX(total) FROM shop_order",
        "SELECT MIN(id) FROM shop_customer",
        "SELECT COUNT(*) FROM shop_customer",  # a count, but of another table
    ])  # fmt: skip
    result = write("something", schema, backend)
    assert result.sql is None and "disagree" in result.refusal()


def test_the_default_model_writes_a_query_that_runs(schema, default_model):
    with make_backend(default_model, context_size=4096) as backend:
        result = write("How many orders are there in total?", schema, backend, candidates=3)
    assert result.sql is not None, result.refusal()
    assert "shop_order" in result.sql and result.validated and result.rows == 1


def test_cli_prints_the_statement_alone(tmp_path: Path):
    done = ubiq("sql", "write", "How many orders are there in total?", "--schema", str(SHOP), "--candidates",
                "3", "--model", DEFAULT, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().upper().startswith("SELECT") and done.stdout.strip().endswith(";")
    assert len(done.stdout.strip().splitlines()) == 1
    empty = ubiq("sql", "write", "  ", "--schema", str(SHOP), cwd=tmp_path)
    assert empty.returncode == 2 and "question is empty" in empty.stderr


def test_a_candidate_missing_a_join_is_repaired_by_the_foreign_keys(schema):
    backend = Scripted(["SELECT name, total FROM shop_customer"] * 5)
    result = write("names and order totals", schema, backend)
    joined = [c for c in result.candidates if c.reason.startswith("joins added")]
    assert joined and "JOIN shop_order ON shop_customer.id = shop_order.customer_id" in joined[0].sql
    assert result.sql == joined[0].sql and result.validated
