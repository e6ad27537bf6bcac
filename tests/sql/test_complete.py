"""Completion of table and column names inside SQL from the shop's schema: which names come where
the cursor is, in `.sql` files and in Python strings (closed or still being typed), and nothing
outside SQL."""

from __future__ import annotations

import pytest

from lsp_server.sql.complete import COLUMN, TABLE, SqlCompletion, complete_sql
from lsp_server.sql.schema import load
from tests.conftest import REPO

SHOP = REPO / "tests" / "data" / "sql_shop"
CUSTOMER = ["id", "name", "email", "referrer_id"]
ORDER = ["id", "customer_id", "total", "note"]
TABLES = ["shop_customer", "shop_order"]


@pytest.fixture(scope="module")
def schema():
    return load([SHOP])


def complete(schema, path: str, source: str) -> SqlCompletion | None:
    """Complete at the `|` in `source`, which is not part of the text."""
    offset = source.index("|")
    return complete_sql(path, source.replace("|", "", 1), offset, schema)


def labels(found: SqlCompletion | None) -> list[str]:
    assert found is not None
    return [c.label for c in sorted(found.candidates, key=lambda c: c.sort)]


def test_tables_after_from_and_join_in_a_sql_file(schema):
    assert labels(complete(schema, "q.sql", "SELECT * FROM |")) == TABLES
    found = complete(schema, "q.sql", "SELECT 1;\nSELECT * FROM shop_customer c JOIN shop_o|")
    assert labels(found) == ["shop_order"]
    assert found.word == "shop_o" and found.start == len("SELECT 1;\nSELECT * FROM shop_customer c JOIN ")
    assert {c.kind for c in found.candidates} == {TABLE}
    assert labels(complete(schema, "q.sql", "UPDATE |")) == TABLES
    assert labels(complete(schema, "q.sql", "INSERT INTO shop_c|")) == ["shop_customer"]
    assert labels(complete(schema, "q.sql", "SELECT * FROM shop_customer c, |")) == TABLES


def test_columns_after_an_alias_or_a_table_name(schema):
    found = complete(
        schema, "q.sql", "SELECT c.| FROM shop_customer c JOIN shop_order o ON o.customer_id = c.id"
    )
    assert labels(found) == CUSTOMER
    assert {c.kind for c in found.candidates} == {COLUMN}
    details = {c.label: c.detail for c in found.candidates}
    assert details["id"] == "INTEGER PK"
    assert details["referrer_id"] == "INTEGER → shop_customer.id"
    # a half-typed statement that sqlglot cannot parse still knows its aliases
    assert (
        labels(complete(schema, "q.sql", "SELECT o.| FROM shop_customer c JOIN shop_order AS o ON")) == ORDER
    )
    assert labels(complete(schema, "q.sql", "SELECT shop_order.| FROM shop_order")) == ORDER
    assert labels(complete(schema, "q.sql", "SELECT x.| FROM shop_order o")) == []


def test_columns_of_the_named_tables_then_tables_elsewhere_in_a_statement(schema):
    found = complete(
        schema, "q.sql", "SELECT | FROM shop_order o JOIN shop_customer c ON o.customer_id = c.id"
    )
    assert labels(found) == ORDER + CUSTOMER + TABLES
    details = [c.detail for c in found.candidates if c.kind == COLUMN]
    assert details[1] == "shop_order: INTEGER → shop_customer.id"
    assert details[4] == "shop_customer: INTEGER PK"
    assert labels(complete(schema, "q.sql", "UPDATE shop_order SET |")) == ORDER + TABLES
    where = complete(schema, "q.sql", "SELECT name FROM shop_customer WHERE |")
    assert labels(where) == CUSTOMER + TABLES


def test_prefix_filtering_ignores_case_and_keeps_the_schemas(schema):
    assert labels(complete(schema, "q.sql", "select * from SHOP_C|")) == ["shop_customer"]
    assert labels(complete(schema, "q.sql", "SELECT C.NA| FROM shop_customer c")) == ["name"]
    assert labels(complete(schema, "q.sql", "SELECT E| FROM shop_customer")) == ["email"]


def test_no_names_where_sql_wants_none(schema):
    assert labels(complete(schema, "q.sql", "SEL|")) == []  # a statement starts with a keyword
    assert labels(complete(schema, "q.sql", "SELECT * FROM shop_customer c |")) == []  # an alias
    assert labels(complete(schema, "q.sql", "SELECT 1; |")) == []
    assert complete(schema, "q.sql", "-- FROM |") is None
    assert complete(schema, "q.sql", "SELECT * FROM shop_order WHERE note = 'FROM |'") is None


def test_a_python_sql_string(schema):
    source = 'import sqlite3\n\n\ndef f(cursor):\n    cursor.execute("SELECT * FROM shop_c|")\n'
    found = complete(schema, "shop/reports.py", source)
    assert labels(found) == ["shop_customer"]
    assert source[found.start : source.index("|")] == "shop_c"
    multiline = (
        'def f(cursor):\n    cursor.execute(\n        """\n        SELECT o.|\n'
        '        FROM shop_order o\n        """\n    )\n'
    )
    assert labels(complete(schema, "a.py", multiline)) == ORDER
    assigned = 'def f(cursor):\n    sql = "SELECT * FROM shop_order WHERE t|"\n    cursor.execute(sql)\n'
    assert labels(complete(schema, "a.py", assigned)) == ["total"]
    built = 'def f(cursor, n):\n    cursor.execute(f"SELECT {n} FROM shop_order o WHERE o.n|")\n'
    assert labels(complete(schema, "a.py", built)) == ["note"]


@pytest.mark.parametrize(
    "source,expected",
    [
        ('def f(cursor):\n    cursor.execute("SELECT * FROM shop_|\n\n\ndef g():\n    pass\n', TABLES),
        ('def f(cursor):\n    cursor.execute("SELECT c.| FROM shop_customer c)\n', CUSTOMER),
        ('def f(cursor):\n    cursor.execute("""\n        SELECT *\n        FROM shop_o|\n', ["shop_order"]),
    ],
)
def test_a_python_sql_string_still_being_typed(schema, source, expected):
    """No closing quote yet: tree-sitter sees only an opening quote in an error."""
    assert labels(complete(schema, "a.py", source)) == expected


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    shop_|\n",
        'def f():\n    message = "SELECT * FROM |"\n',  # a string no SQL call runs
        'def f():\n    # cursor.execute("SELECT * FROM |\n',
        'def f(cursor):\n    cursor.execute("SELECT * FROM shop_order")\n    sh|\n',
        'def f(cursor, x):\n    cursor.execute(f"SELECT {x|} FROM shop_order")\n',
        'def f(cursor):\n    cursor.execute("SELECT 1", ("shop_|",))\n',
    ],
)
def test_nothing_outside_sql_in_python(schema, source):
    assert complete(schema, "a.py", source) is None


def test_chinese_text_before_the_cursor(schema):
    source = (
        "# 会员订单报表 😀\n"
        "def f(cursor):\n"
        '    """按客户统计订单。"""\n'
        "    cursor.execute(\"SELECT c.em| FROM shop_customer c WHERE c.name = '张三'\")\n"
    )
    found = complete(schema, "a.py", source)
    assert labels(found) == ["email"]
    assert source[found.start : source.index("|")] == "em"
    sql = "-- 会员积分 😀\nSELECT 名字 FROM shop_customer c WHERE c.na|"
    found = complete(schema, "q.sql", sql)
    assert labels(found) == ["name"] and sql[found.start : sql.index("|")] == "na"


def test_other_files_are_not_sql(schema):
    assert complete(schema, "notes.md", "SELECT * FROM |") is None
