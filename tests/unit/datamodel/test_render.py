"""Every rendering is read back by its format's own syntax rules and compared with the model."""

from __future__ import annotations

import shutil
import sqlite3
import stat

import pytest
import sqlglot

from lsp_server.datamodel import (
    FORMATS,
    ERModel,
    GraphvizError,
    Source,
    extract_sources,
    render,
)
from lsp_server.datamodel.render.svg import dot_svg
from lsp_server.errors import InputError
from tests.oracle.dbml import parse_dbml
from tests.oracle.mermaid import parse_mermaid
from tests.oracle.roundtrip import roundtrip_problems
from tests.unit.datamodel.conftest import PROJECTS

CHECKED = ("mermaid", "dbml", "plantuml")
DIALECTS = ("postgres", "mysql", "sqlite")


@pytest.mark.parametrize("fmt", CHECKED)
@pytest.mark.parametrize("project", PROJECTS)
def test_diagrams_read_back_to_the_model(models, project, fmt):
    model = models[project]
    assert roundtrip_problems(model, fmt, render(model, fmt)) == []
    uncollapsed = render(model, fmt, collapse_associations=False)
    assert roundtrip_problems(model, fmt, uncollapsed, collapse_associations=False) == []


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("project", PROJECTS)
def test_ddl_reads_back_to_the_model(models, project, dialect):
    model = models[project]
    text = render(model, "ddl", dialect=dialect)
    assert roundtrip_problems(model, "ddl", text, dialect=dialect) == []
    sqlglot.transpile(text, read=dialect, write=dialect)


@pytest.mark.parametrize("project", PROJECTS)
def test_sqlite_ddl_runs_and_keeps_the_foreign_keys(models, project):
    """The strongest check there is: SQLite itself creates the tables and lists their keys."""
    model = models[project]
    connection = sqlite3.connect(":memory:")
    connection.executescript(render(model, "ddl", dialect="sqlite"))
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {e.table or e.name for e in model.entities} <= tables | {e.name for e in model.entities}
    declared = {
        (r.to_entity, r.from_entity) for r in model.relationships if r.to_columns and r.cardinality != "N:M"
    }
    found = set()
    for table in tables:
        for row in connection.execute(f'PRAGMA foreign_key_list("{table}")'):
            found.add((table, row[2]))
    tables_of = {e.name: (e.table if e.table in tables else e.name) for e in model.entities}
    assert {(tables_of[child], tables_of[parent]) for child, parent in declared} <= found


def test_json_round_trip(models):
    for model in models.values():
        assert ERModel.from_json(render(model, "json")) == model


def test_mermaid_quotes_what_its_lexer_would_misread():
    model = extract_sources(
        [
            Source(
                "m.py",
                """
from dataclasses import dataclass
@dataclass
class Token:
    pk: int
    fk: str
    note: str = ""
@dataclass
class Session:
    token: Token
    direction: str
""",
            )
        ]
    )
    text = render(model, "mermaid")
    assert '"Token" ||..o{ Session' in text  # `to…` would lex as the keyword `to`
    assert "int `pk`" in text and "str `fk`" in text  # bare pk/fk lex as key markers
    assert roundtrip_problems(model, "mermaid", text) == []
    with pytest.raises(ValueError, match="IDENTIFYING"):
        parse_mermaid('erDiagram\n    Token ||--o{ Session : "x"\n')


def test_mermaid_free_text_cannot_break_a_line():
    model = ERModel.from_dict(
        {
            "entities": [
                {
                    "name": "订单",
                    "attributes": [
                        {
                            "name": "编号",
                            "type": "VARCHAR(32)",
                            "pk": True,
                            "description": 'say "hi"\nthen direction TB',
                        }
                    ],
                },
                {"name": "Order Line", "attributes": []},
            ],
            "relationships": [
                {"from_entity": "订单", "to_entity": "Order Line", "from_field": "sort direction lr"}
            ],
        }
    )
    text = render(model, "mermaid")
    assert "\n" not in text.split("编号")[1].split("\n")[0][:-1]
    assert roundtrip_problems(model, "mermaid", text) == []
    diagram = parse_mermaid(text)
    assert diagram.entities["订单"][0].comment == "say 'hi' then direction_TB"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_dbml_agrees_with_pydbml(models):
    """The oracle's reading (`parse_dbml`, built on pydbml) keeps every table, column and ref
    pydbml itself reads."""
    pydbml = pytest.importorskip("pydbml")
    for name, model in models.items():
        text = render(model, "dbml")
        ours = parse_dbml(text)
        theirs = pydbml.PyDBML(text)
        assert sorted(t.name for t in theirs.tables) == sorted(ours.entities), name
        assert len(theirs.refs) == len(ours.relationships), name
        for table in theirs.tables:
            assert [c.name for c in table.columns] == [a.name for a in ours.entities[table.name]]


def test_mysql_and_postgres_carry_comments(models):
    model = models["sql"]
    mysql = render(model, "ddl", dialect="mysql")
    assert "COMMENT '用户账号'" in mysql and "COMMENT='用户信息表'" in mysql
    postgres = render(model, "ddl", dialect="postgres")
    assert 'COMMENT ON COLUMN "sys_user"."user_name" IS \'用户账号\'' in postgres
    assert "COMMENT ON TABLE \"customers\" IS '客户'" in postgres
    assert "-- sys_user: 用户信息表" in render(model, "ddl", dialect="sqlite")


def test_ddl_types_are_valid_for_the_dialect(models):
    postgres = render(models["sql"], "ddl", dialect="postgres")
    assert "BIGINT(20)" not in postgres and "BIGSERIAL" not in postgres
    assert '"price" DECIMAL(10, 2) NOT NULL' in postgres
    django = render(models["django_shop"], "ddl", dialect="mysql")
    assert "`sku` VARCHAR(32) NOT NULL UNIQUE COMMENT '库存单位'" in django
    assert "CREATE TABLE `catalog_product_related`" in django  # the implicit many-to-many table


def test_unknown_format_is_an_input_error(models):
    with pytest.raises(InputError, match="unknown ER format"):
        render(models["sql"], "visio")
    assert set(FORMATS) == {"mermaid", "dbml", "plantuml", "ddl", "json", "dot", "svg"}


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_svg_from_dot(models):
    svg = render(models["sql"], "svg")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and svg.rstrip().endswith("</svg>")
    assert "sys_user" in svg and "用户信息表" in svg


def test_svg_without_dot_says_how_to_install(monkeypatch, models):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(GraphvizError) as raised:
        render(models["sql"], "svg")
    assert "apt-get install graphviz" in raised.value.hint


def test_dot_failure_and_timeout_are_clear(tmp_path):
    failing = tmp_path / "dot"
    failing.write_text("#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 1\n")
    failing.chmod(failing.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(GraphvizError, match="syntax error in line 1"):
        dot_svg("digraph {}", executable=str(failing))
    slow = tmp_path / "slow"
    slow.write_text("#!/bin/sh\nexec sleep 5\n")
    slow.chmod(slow.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(GraphvizError, match="longer than"):
        dot_svg("digraph {}", timeout=0.2, executable=str(slow))
