"""`ubiq sql check` on a small Django shop: each finding where it is, none on the correct queries,
and the same findings from the CLI's text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lsp_server.sql.check import check_text
from lsp_server.sql.schema import load
from tests.cli.test_cli import ubiq
from tests.conftest import REPO

SHOP = REPO / "tests" / "data" / "sql_shop"
REPORTS = SHOP / "shop" / "reports.py"


@pytest.fixture(scope="module")
def schema():
    return load([SHOP])


def findings_by_function(schema) -> dict[str, list[str]]:
    text = REPORTS.read_text()
    lines = text.splitlines()
    found: dict[str, list[str]] = {}
    for finding in check_text(str(REPORTS), text, schema):
        function = next(
            line.split("(")[0][4:] for line in reversed(lines[: finding.line + 1]) if line.startswith("def ")
        )
        found.setdefault(function, []).append(finding.code)
    return found


def test_schema_comes_from_the_django_models(schema):
    customer = schema.table("shop_customer")
    assert set(customer.columns) == {"id", "name", "email", "referrer_id"}
    assert {"id", "email", "referrer_id"} <= customer.indexed  # db_index, and Django indexes keys
    assert schema.table("shop_order").foreign_keys["customer_id"] == ("shop_customer", "id")
    assert schema.table("shop_order").column("note").nullable


def test_each_problem_is_found_in_its_function_and_the_correct_queries_pass(schema):
    assert findings_by_function(schema) == {
        "by_email": ["function-on-indexed-column"],
        "misspelt": ["unknown-column"],
        "injected": ["string-built-sql"],
        "everything": ["select-star", "cross-join"],
        "purge": ["delete-without-where"],
        "ambiguous": ["ambiguous-column"],
        "never_true": ["not-in-nullable"],
        "suffix": ["leading-wildcard"],
        "wrong_table": ["unknown-table"],
        "typo": ["syntax-error"],
    }


def test_a_finding_points_into_the_string(schema):
    text = REPORTS.read_text()
    finding = next(f for f in check_text(str(REPORTS), text, schema) if f.code == "unknown-column")
    line = text.splitlines()[finding.line]
    assert line[finding.column : finding.end_column] == "nme"
    assert "did you mean name?" in finding.message


def test_statements_of_a_sql_file(schema):
    path = SHOP / "queries.sql"
    found = [(f.line + 1, f.code) for f in check_text(str(path), path.read_text(), schema)]
    assert found == [(9, "unknown-column"), (11, "update-without-where"), (13, "syntax-error")]


def test_an_empty_schema_still_runs_the_checks_that_need_none(tmp_path: Path):
    path = tmp_path / "q.sql"
    path.write_text("DELETE FROM anything;\nSELECT whatever FROM nowhere;\n")
    found = [f.code for f in check_text(str(path), path.read_text(), load([tmp_path]))]
    assert found == ["delete-without-where"]


def test_broken_python_is_read_as_far_as_it_parses_and_noise_gives_nothing(schema):
    broken = "def f(:\n    cursor.execute('SELECT nme FROM shop_customer')\n"
    assert [f.code for f in check_text("broken.py", broken, schema)] == ["unknown-column"]
    assert check_text("x.sql", "\x00\x01\x02", schema) == []
    (unclosed,) = check_text("x.sql", "SELECT 'unterminated FROM shop_customer", schema)
    assert unclosed.code == "syntax-error" and "never closed" in unclosed.message


def test_cli_text_and_json_agree(tmp_path: Path):
    text = ubiq("sql", "check", str(REPORTS), "--schema", str(SHOP), cwd=tmp_path)
    assert text.returncode == 1, text.stderr
    lines = text.stdout.splitlines()
    assert len(lines) == 11
    assert any(":14:" in line and "unknown-column" in line for line in lines)
    as_json = ubiq("sql", "check", str(REPORTS), "--schema", str(SHOP), "--json", cwd=tmp_path)
    rows = json.loads(as_json.stdout)
    assert [f"{r['path']}:{r['line']}:{r['column']}: {r['code']} {r['message']}" for r in rows] == lines


def test_cli_exit_codes(tmp_path: Path):
    clean = tmp_path / "clean.sql"
    clean.write_text("SELECT name FROM shop_customer WHERE id = 1;\n")
    ok = ubiq("sql", "check", str(clean), "--schema", str(SHOP), cwd=tmp_path)
    assert (ok.returncode, ok.stdout) == (0, "")
    missing = ubiq("sql", "check", str(tmp_path / "nope.sql"), cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.startswith("error: no such file")


def _codes(schema, sql: str) -> list[str]:
    return [f.code for f in check_text("q.sql", sql, schema)]


def test_comma_joins_connected_through_other_tables_are_not_cross_joins(schema):
    connected = (
        "SELECT c.name FROM shop_order o, shop_customer r, shop_customer c "
        "WHERE c.id = o.customer_id AND r.id = c.referrer_id;"
    )
    assert _codes(schema, connected) == []
    apart = "SELECT c.name FROM shop_order o, shop_customer r, shop_customer c WHERE c.id = o.customer_id;"
    assert _codes(schema, apart) == ["cross-join"]
    one_row = (
        "SELECT c.name, t.n FROM shop_customer c, (SELECT COUNT(*) AS n FROM shop_order) t WHERE c.id = 1;"
    )
    assert _codes(schema, one_row) == []


def test_derived_tables_and_ctes_do_not_see_the_query_around_them(schema):
    # a typo inside a derived table is reported even when the outer query reads an unknown relation
    sql = "SELECT x.name FROM (SELECT nme AS name FROM shop_customer) x, some_view v WHERE v.id = 1;"
    assert "unknown-column" in _codes(schema, sql)
    # ORDER BY may name an output column that two tables have
    ordered = "SELECT c.id AS id FROM shop_customer c JOIN shop_order o ON o.customer_id = c.id ORDER BY id;"
    assert _codes(schema, ordered) == []


def test_a_number_column_compared_with_text_that_is_no_number(schema):
    assert _codes(schema, "SELECT name FROM shop_customer WHERE id = 'abc';") == ["type-mismatch"]
    assert _codes(schema, "SELECT name FROM shop_customer WHERE id = '5';") == []
    assert _codes(schema, "SELECT id FROM shop_order WHERE note = 'abc';") == []
