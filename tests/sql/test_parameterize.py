"""The bound-parameters fix for SQL built by formatting: offered only when the new statement parses,
has one placeholder per value and returns the same rows as the old one on scratch databases."""

from __future__ import annotations

import pytest

from lsp_server.sql.locate import python_file
from lsp_server.sql.parameterize import parameterize
from lsp_server.sql.schema import load
from tests.conftest import REPO

SHOP = REPO / "tests" / "data" / "sql_shop"
HEADER = 'import {driver}\ncursor = {driver}.connect("x").cursor()\n\n\ndef f(customer_id, name, t):\n'


@pytest.fixture(scope="module")
def schema():
    return load([SHOP])


def fixed(schema, body: str, driver: str = "sqlite3") -> str | None:
    text = HEADER.format(driver=driver) + body
    (snippet,) = python_file(text)
    fix = parameterize(text, snippet, schema, "sqlite")
    if fix is None:
        return None
    data = text.encode()
    for start, end, new in fix.edits:
        data = data[:start] + new.encode() + data[end:]
    return data.decode()[len(HEADER.format(driver=driver)) :]


def test_fstring_values_become_bound_parameters_in_the_drivers_style(schema):
    where = "WHERE id = {customer_id} AND name = '{name}'"
    body = f'    cursor.execute(f"SELECT name FROM shop_customer {where}")\n'
    assert fixed(schema, body) == (
        '    cursor.execute("SELECT name FROM shop_customer WHERE id = ? AND name = ?", '
        "(customer_id, name))\n"
    )
    assert "= %s AND name = %s" in fixed(schema, body, driver="psycopg2")


def test_percent_formatting_assigned_first_is_fixed_in_both_places(schema):
    body = '    sql = "SELECT id FROM shop_order WHERE total > %s" % customer_id\n    cursor.execute(sql)\n'
    assert fixed(schema, body) == (
        '    sql = "SELECT id FROM shop_order WHERE total > ?"\n    cursor.execute(sql, (customer_id,))\n'
    )


@pytest.mark.parametrize(
    "body",
    [
        "    cursor.execute(f\"SELECT id FROM shop_customer WHERE name LIKE '%{name}%'\")\n",  # a pattern
        '    cursor.execute(f"SELECT * FROM {t}")\n',  # a table name, not a value
        '    cursor.execute(f"SELECT id FROM nowhere WHERE x = {customer_id}")\n',  # not in the schema
        '    cursor.execute("SELECT id FROM shop_order WHERE id = {}".format(customer_id))\n',  # .format
    ],
)
def test_no_fix_where_equality_cannot_be_shown(schema, body):
    assert fixed(schema, body) is None


def test_an_unknown_driver_gets_no_fix(schema):
    body = '    cursor.execute(f"SELECT name FROM shop_customer WHERE id = {customer_id}")\n'
    assert fixed(schema, body, driver="somedb") is None
