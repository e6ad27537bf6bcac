"""`ubiq sql explain` on the scratch SQLite database: the plan the engine prints, findings read from
it, and an index advised only when the engine's new plan uses it and the query runs faster."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from lsp_server.errors import InputError
from lsp_server.sql.explain import explain
from lsp_server.sql.schema import load
from lsp_server.sql.scratch import Shape, database, shapes
from tests.cli.test_cli import ubiq
from tests.conftest import REPO

SHOP = REPO / "tests" / "data" / "sql_shop"


@pytest.fixture(scope="module")
def schema():
    return load([SHOP])


def test_scratch_rows_keep_keys_and_nulls_where_the_schema_allows(schema):
    connection = database(schema, Shape(rows=300, null_rate=0.3, seed=3))
    orphans = connection.execute(
        "SELECT COUNT(*) FROM shop_order o LEFT JOIN shop_customer c ON c.id = o.customer_id "
        "WHERE c.id IS NULL"
    ).fetchone()[0]
    assert orphans == 0  # every order's customer exists
    assert connection.execute("SELECT COUNT(*) FROM shop_order WHERE customer_id IS NULL").fetchone()[0] == 0
    assert connection.execute("SELECT COUNT(*) FROM shop_order WHERE note IS NULL").fetchone()[0] > 0
    variety = [database(schema, shape) for shape in shapes(schema)]
    tables = ("shop_customer", "shop_order")
    counts = {tuple(c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables) for c in variety}
    assert any(0 in pair for pair in counts)  # some database has an empty table


def test_a_selective_filter_without_an_index_gets_one_the_plan_uses(schema):
    result = explain("SELECT id FROM shop_order WHERE note = 'gamma7'", schema, "sqlite", rows=20_000)
    assert result.plan[0].startswith("SCAN shop_order")
    assert any("full scan of shop_order" in f for f in result.findings)
    assert result.advice, result.rejected
    best = result.advice[0]
    assert '"note"' in best.statement or "note" in best.statement
    assert any("INDEX" in line for line in best.plan) and best.steps_before > 2 * best.steps_after


def test_a_function_of_an_indexed_column_is_served_by_an_expression_index(schema):
    result = explain("SELECT name FROM shop_customer WHERE lower(email) = ?", schema, "sqlite", rows=20_000)
    assert any("LOWER(email)" in f for f in result.findings)
    assert any("LOWER" in a.statement.upper() for a in result.advice)


def test_an_unselective_filter_gets_no_advice_and_says_why(schema):
    result = explain("SELECT * FROM shop_order WHERE total > 1", schema, "sqlite", rows=5_000)
    assert not result.advice
    assert all("no cheaper" in r or "does not use" in r for r in result.rejected)


def test_bad_queries_are_clear_errors(schema):
    with pytest.raises(InputError, match="does not match the schema"):
        explain("SELECT nme FROM shop_customer", schema, "sqlite", rows=10)
    with pytest.raises(InputError, match="does not parse"):
        explain("SELECT FROM WHERE (", schema, "sqlite", rows=10)
    with pytest.raises(InputError, match="one statement"):
        explain("SELECT 1; SELECT 2", schema, "sqlite", rows=10)
    with pytest.raises(InputError, match="only SELECT"):
        explain("CREATE TABLE x (a int)", schema, "sqlite", rows=10)


def test_writes_are_explained_without_changing_the_scratch_data(schema):
    result = explain("DELETE FROM shop_order WHERE note = 'x'", schema, "sqlite", rows=500)
    assert result.plan


def test_cli_file_line_and_json(tmp_path: Path):
    at = f"{SHOP / 'shop' / 'reports.py'}:10"
    found = ubiq("sql", "explain", at, "--schema", str(SHOP), "--rows", "3000", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("Plan on SQLite") and "SCAN shop_customer" in found.stdout
    as_json = ubiq("sql", "explain", "--query", "SELECT id FROM shop_order WHERE note = 'x'", "--schema",
                   str(SHOP), "--rows", "3000", "--json", cwd=tmp_path)  # fmt: skip
    data = json.loads(as_json.stdout)
    assert data["plan"] and "findings" in data and "advice" in data
    many = ubiq("sql", "explain", str(SHOP / "shop" / "reports.py"), "--schema", str(SHOP), cwd=tmp_path)
    assert many.returncode == 2 and "statements in" in many.stderr and "add the line" in many.stderr


def test_the_scratch_database_is_sqlite_and_in_memory(schema):
    connection = schema.connect()
    assert isinstance(connection, sqlite3.Connection)
    assert connection.execute("PRAGMA database_list").fetchone()[2] == ""


def test_the_projects_django_fixtures_seed_the_scratch_databases(tmp_path: Path):
    import shutil

    shutil.copytree(SHOP, tmp_path / "shop_project")
    fixtures = tmp_path / "shop_project" / "shop" / "fixtures"
    fixtures.mkdir()
    (fixtures / "customers.json").write_text(
        json.dumps(
            [
                {"model": "shop.customer", "pk": 1, "fields": {"name": "张三", "email": "z@example.cn"}},
                {"model": "shop.order", "pk": 7, "fields": {"customer": 1, "total": "12.50", "note": "首单"}},
                {"model": "auth.user", "pk": 1, "fields": {"username": "not in this schema"}},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    schema = load([tmp_path / "shop_project"])
    assert (
        "shop_order",
        {"id": 7, "customer_id": 1, "total": "12.50", "note": "首单"},
    ) in schema.fixture_rows
    connection = database(schema, Shape(rows=50, seed=4))
    assert connection.execute("SELECT name FROM shop_customer WHERE id = 1").fetchone() == ("张三",)
    assert connection.execute("SELECT customer_id FROM shop_order WHERE id = 7").fetchone() == (1,)
    # generated rows reuse the fixtures' values, so filters on them match more than one row
    assert connection.execute("SELECT COUNT(*) FROM shop_order WHERE note = '首单'").fetchone()[0] > 1
