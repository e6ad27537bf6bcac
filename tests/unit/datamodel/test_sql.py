"""SQL DDL extraction with sqlglot: PostgreSQL, MySQL and SQLite, statement by statement."""

from __future__ import annotations

import pytest

from lsp_server.datamodel import MANY_TO_MANY, ONE_TO_MANY, ONE_TO_ONE, Source, extract_sources
from lsp_server.datamodel.from_sql import detect_dialect
from tests.unit.datamodel.conftest import DATA, attrs, codes, rels


def test_postgres(models):
    model = models["sql"]
    customers = attrs(model, "customers")
    assert customers["email"] == ("VARCHAR(255)", False, False, True, None, "登录邮箱")  # COMMENT ON COLUMN
    assert model.entity("customers").description == "客户"  # COMMENT ON TABLE
    assert model.entity("customers").namespace == "sales"
    lines = attrs(model, "order_lines")
    assert [n for n, a in lines.items() if a[1]] == ["order_id", "line_no"]  # composite primary key
    assert lines["order_id"][4] == "orders.id"  # ALTER TABLE ONLY … ADD CONSTRAINT … FOREIGN KEY
    assert lines["sku"][4] == "products.sku"  # ALTER TABLE … ADD FOREIGN KEY, no columns named
    assert lines["quantity"][2] is False and model.entity("order_lines").attribute("quantity").default == "1"
    found = rels(model)
    assert ("customers", ONE_TO_MANY, "orders", None, None, None) in found
    assert ("customers", ONE_TO_ONE, "customer_profiles", None, None, None) in found  # key = foreign key
    shipment = next(r for r in model.relationships if r.to_entity == "shipments")
    assert (shipment.from_entity, shipment.to_columns) == ("order_lines", ["order_id", "line_no"])


def test_mysql_with_chinese_comments(models):
    model = models["sql"]
    user = attrs(model, "sys_user")
    assert user["user_id"] == ("BIGINT(20)", True, False, False, None, "用户ID")
    assert user["user_name"][3] is True  # UNIQUE KEY
    assert user["dept_id"][4] == "sys_dept.dept_id"
    assert model.entity("sys_user").description == "用户信息表"
    assert ("sys_dept", ONE_TO_MANY, "sys_dept", None, None, None) in rels(model)  # self-reference
    inferred = [r for r in model.relationships if r.cardinality == MANY_TO_MANY]
    assert [(r.from_entity, r.to_entity, r.through, r.declared) for r in inferred] == [
        ("sys_user", "sys_role", "sys_user_role", False)
    ]


def test_sqlite(models):
    model = models["sql"]
    track = attrs(model, "track")  # WITHOUT ROWID: read up to the column list
    assert [n for n, a in track.items() if a[1]] == ["album_id", "position"]
    assert track["album_id"][4] == "album.album_id"  # REFERENCES album, its key implied
    assert track["isrc"][3] is True  # CREATE UNIQUE INDEX on one column
    assert ("artist", ONE_TO_MANY, "album", None, None, None) in rels(model)


def test_no_declared_foreign_keys(models):
    model = models["sql"]
    assert attrs(model, "invoice")["customer_id"][4] is None
    assert not models["sql"].relationships_of("invoice")
    assert not codes(model)


def test_unparseable_statements_cost_one_statement(models):
    model = models["broken"]
    assert {"good", "also_good"} <= {e.name for e in model.entities}
    assert model.entity("broken") is None
    sql_warnings = [(w.code, w.location.line) for w in model.warnings if w.location.path.endswith(".sql")]
    assert sql_warnings == [("parse-error", 2), ("unresolved-reference", 4), ("unresolved-reference", 5)]


@pytest.mark.parametrize(
    ("name", "dialect"), [("postgres.sql", "postgres"), ("mysql.sql", "mysql"), ("sqlite.sql", "sqlite")]
)
def test_dialect_detection(name, dialect):
    assert detect_dialect((DATA / "sql" / name).read_text(encoding="utf-8")) == dialect


def test_forced_dialect_and_later_files_alter_earlier_tables():
    model = extract_sources(
        [
            Source(
                "001_init.sql", "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (id INT, a_id INT);"
            ),
            Source("002_keys.sql", "ALTER TABLE b ADD CONSTRAINT b_a FOREIGN KEY (a_id) REFERENCES a (id);"),
        ],
        dialect="postgres",
    )
    assert attrs(model, "b")["a_id"][4] == "a.id"


def test_create_table_as_and_unterminated_string_are_warnings():
    model = extract_sources(
        [
            Source("x.sql", "CREATE TABLE copy AS SELECT * FROM other;\nCREATE TABLE t (id INT);"),
            Source("y.sql", "CREATE TABLE u (name TEXT DEFAULT 'oops);"),
        ]
    )
    assert [e.name for e in model.entities] == ["t"]
    assert sorted(codes(model)) == ["parse-error", "unsupported"]


def test_table_created_twice_keeps_the_later():
    model = extract_sources([Source("m.sql", "CREATE TABLE t (a INT);\nCREATE TABLE t (b INT);")])
    assert list(attrs(model, "t")) == ["b"]
    assert codes(model) == ["unsupported"]
