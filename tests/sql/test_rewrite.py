"""Rewrites are shown only when generated databases (NULLs, duplicates, empty tables) give the same
rows and the engine does less work; otherwise they are rejected with the database that differs."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp_server.sql.explain import explain
from lsp_server.sql.schema import load

DDL = """
CREATE TABLE customer (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, referrer_id INTEGER REFERENCES customer (id)
);
CREATE TABLE purchase (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customer (id),
  made_at TIMESTAMP NOT NULL,
  amount NUMERIC NOT NULL
);
CREATE INDEX purchase_made_at ON purchase (made_at);
"""


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("schema")
    (folder / "schema.sql").write_text(DDL)
    return load([folder])


def rewrites(schema, sql: str) -> dict[str, object]:
    return {r.rule: r for r in explain(sql, schema, "sqlite", rows=5_000).rewrites}


def test_not_in_over_a_nullable_column_is_rejected_with_a_counterexample(schema):
    found = rewrites(schema, "SELECT name FROM customer WHERE id NOT IN (SELECT referrer_id FROM customer)")
    verdict = found["NOT IN → NOT EXISTS"]
    assert not verdict.accepted and "other rows" in verdict.reason
    assert "the original returns 0 rows" in verdict.counterexample  # one NULL: NOT IN is never true
    assert "inner_customer.referrer_id = customer.id" in verdict.sql  # the correlation keeps its meaning


def test_union_to_union_all_is_rejected_when_rows_repeat(schema):
    verdict = rewrites(schema, "SELECT customer_id FROM purchase UNION SELECT id FROM customer")[
        "UNION → UNION ALL"
    ]
    assert not verdict.accepted and "rewrite" in verdict.counterexample


def test_a_function_of_an_indexed_column_becomes_a_range_the_index_serves(schema):
    sql = "SELECT id FROM purchase WHERE date(made_at) = '2024-05-01'"
    verdict = rewrites(schema, sql)["function of a column → range"]
    assert verdict.accepted, verdict.reason
    assert "made_at >= '2024-05-01' AND made_at < '2024-05-02'" in verdict.sql
    assert "same rows on" in verdict.reason and "engine steps" in verdict.reason
