"""Extraction on real model code written by others (tests/data/er/real, see its README), scored
against ground truth the libraries themselves produced: precision and recall must both be 1."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

import pytest

from lsp_server.datamodel import ERModel, extract, render
from tests.oracle.roundtrip import roundtrip_problems
from tests.unit.datamodel.conftest import DATA

REAL = DATA / "real"


def _exact(kind: str, truth: Iterable, found: Iterable) -> None:
    """Precision and recall of 1, with what differs in the failure message."""
    truth, found = set(truth), set(found)
    assert found == truth, (
        f"{kind}: missing {sorted(truth - found, key=str)}, extra {sorted(found - truth, key=str)}"
    )


def _exact_entities(truth: dict, model: ERModel) -> None:
    """Entities with their tables, and attributes with their keys, nullability and columns."""
    _exact(
        "entities",
        ((n, e["table"]) for n, e in truth["entities"].items()),
        ((e.name, e.table) for e in model.entities),
    )
    _exact(
        "attributes",
        (
            (n, a, v["pk"], v["nullable"], v["unique"], v["fk"], v["column"])
            for n, e in truth["entities"].items()
            for a, v in e["attributes"].items()
        ),
        (
            (e.name, a.name, a.pk, a.nullable, a.unique, a.fk.entity if a.fk else None, a.column_name)
            for e in model.entities
            for a in e.attributes
        ),
    )


def test_django_contrib_models():
    truth = json.loads((REAL / "django" / "expected.json").read_text())
    model = extract([REAL / "django"])
    _exact_entities(truth, model)
    _exact(
        "relationships",
        (tuple(r) for r in truth["relationships"]),
        (
            (
                r.from_entity,
                r.cardinality,
                r.to_entity,
                r.from_field if r.cardinality == "N:M" else r.to_field,
            )
            for r in model.relationships
        ),
    )
    assert model.warnings == []  # AnonymousUser, the managers and validators are understood


def test_flask_appbuilder_sqlalchemy_models():
    truth = json.loads((REAL / "flask_appbuilder" / "expected.json").read_text())
    model = extract([REAL / "flask_appbuilder"])
    _exact_entities(truth, model)

    def key(end_a: str, cardinality: str, end_b: str, detail: object) -> tuple:
        if cardinality == "N:M":  # SQLAlchemy lists a backref'd many-to-many from both sides
            return ("N:M", frozenset((end_a, end_b)), detail)
        return (end_a, cardinality, end_b, tuple(detail))

    _exact(
        "relationships",
        (key(*r) for r in truth["relationships"]),
        (
            key(
                r.from_entity,
                r.cardinality,
                r.to_entity,
                r.through if r.cardinality == "N:M" else r.to_columns,
            )
            for r in model.relationships
        ),
    )
    assert model.warnings == []


def test_pip_dataclasses():
    truth = json.loads((REAL / "pip" / "expected.json").read_text())
    model = extract([REAL / "pip"])
    _exact("entities", truth["entities"], (e.name for e in model.entities))
    for name, entity in truth["entities"].items():
        assert [a.name for a in model.entity(name).attributes] == entity["attributes"]
    references = set()
    for r in model.relationships:
        if r.to_field:  # the field holding the reference is on the `to` side of a 1:N
            references.add((r.to_entity, r.to_field, r.from_entity))
        if r.from_field:
            references.add((r.from_entity, r.from_field, r.to_entity))
    _exact("references", (tuple(r) for r in truth["references"]), references)
    assert model.warnings == []  # `Link` is imported, not a dataclass: an attribute type, quietly


def test_django_generated_sqlite_ddl():
    """SQLite itself is the ground truth: run the DDL, then read its tables and keys back."""
    text = (REAL / "django_sqlite" / "schema.sql").read_text()
    connection = sqlite3.connect(":memory:")
    connection.executescript(text)
    tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    tables = [t for t in tables if t != "sqlite_sequence"]
    model = extract([REAL / "django_sqlite"])
    _exact("tables", tables, (e.name for e in model.entities))
    _exact(
        "columns",
        (
            (t, r[1], bool(r[5]), not r[3])
            for t in tables
            for r in connection.execute(f'PRAGMA table_info("{t}")')
        ),
        ((e.name, a.name, a.pk, a.nullable) for e in model.entities for a in e.attributes),
    )
    _exact(
        "foreign keys",
        (
            (t, r[2], r[3], r[4])
            for t in tables
            for r in connection.execute(f'PRAGMA foreign_key_list("{t}")')
        ),
        (
            (r.to_entity, r.from_entity, column, referenced)
            for r in model.relationships
            for column, referenced in zip(r.to_columns, r.from_columns, strict=True)
        ),
    )
    assert model.warnings == []


@pytest.mark.parametrize("project", ["django", "flask_appbuilder", "pip", "django_sqlite"])
@pytest.mark.parametrize("fmt", ["mermaid", "dbml", "plantuml", "ddl"])
def test_real_models_render_and_read_back(project, fmt):
    model = extract([REAL / project])
    for dialect in ("postgres", "mysql", "sqlite") if fmt == "ddl" else ("postgres",):
        assert roundtrip_problems(model, fmt, render(model, fmt, dialect=dialect), dialect=dialect) == []
