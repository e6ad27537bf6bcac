"""The names-only grammar `sql write` draws under: the schema's tables and columns can be written,
others cannot, and llama.cpp compiles it into a sampling grammar."""

from __future__ import annotations

import json
import re

import llama_cpp
import pytest

from lsp_server.engine.backend import ChatMessage
from lsp_server.errors import ModelError
from lsp_server.sql.grammar import answer_schema, query_pattern
from lsp_server.sql.schema import load
from tests.conftest import REPO

SHOP = REPO / "tests" / "data" / "sql_shop"


def test_only_the_schemas_names_can_be_written():
    tables = list(load([SHOP]).tables.values())
    pattern = re.compile(query_pattern(tables))
    allowed = [
        "SELECT c.name, COUNT(*) AS orders FROM shop_customer c JOIN shop_order o ON o.customer_id = c.id "
        "GROUP BY c.name ORDER BY 2 DESC LIMIT 10",
        "SELECT SUM(total) FROM shop_order WHERE note IS NULL AND total > 3.5",
        "select name from shop_customer where email like '%@example.com'",
    ]
    assert all(pattern.match(sql) for sql in allowed)
    refused = [
        "SELECT customer_name FROM shop_customer",  # no such column
        "SELECT name FROM customers",  # no such table
        "SELECT c.nme FROM shop_customer c",
        "SELECT name FROM shop_customer WHERE email = 'a\"b'",  # would break the JSON around it
        "SELECT name FROM shop_customer; DROP TABLE shop_order",
    ]
    assert not any(pattern.match(sql) for sql in refused)


def test_llama_cpp_samples_under_it(tiny_backend):
    # The Python converter once wrote `"\\."` for a dot, which llama.cpp's parser refuses: the
    # sampler was then null and the process crashed. The real engine parses and samples under it.
    schema = answer_schema(list(load([SHOP]).tables.values()))
    assert llama_cpp.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False) is not None
    answer = tiny_backend.chat(
        [ChatMessage("user", 'Count the orders in shop_order. Answer as JSON: {"sql": ...}')],
        json_schema=schema,
        max_tokens=60,
    )
    sql = json.loads(answer.text)["sql"] if answer.stop_reason != "length" else answer.text
    assert "SELECT" in sql.upper()


def test_a_grammar_llama_cpp_cannot_parse_is_an_error_not_a_crash(tiny_backend):
    with pytest.raises(ModelError, match="could not parse the grammar"):
        tiny_backend.chat(
            [ChatMessage("user", "x")], json_schema={"type": "string", "pattern": "^a\\.b$"}, max_tokens=4
        )


def test_names_a_pattern_cannot_spell_fall_back_to_any_select():
    from lsp_server.sql.schema import Table

    assert query_pattern([Table("weird table")]) is None and answer_schema([]) is None
