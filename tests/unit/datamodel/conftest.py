"""Paths to the ER fixtures, and the extracted model of each fixture project (read once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp_server.datamodel import ERModel, extract

DATA = Path(__file__).resolve().parents[2] / "data" / "er"
PROJECTS = ("sqlalchemy_classic", "sqlalchemy_modern", "django_shop", "plain", "sql", "broken")


@pytest.fixture(scope="session")
def models() -> dict[str, ERModel]:
    return {name: extract([DATA / name]) for name in PROJECTS}


def attrs(model: ERModel, entity: str) -> dict[str, tuple]:
    """name → (type, pk, nullable, unique, fk, description) for an entity's attributes."""
    found = model.entity(entity)
    assert found is not None, f"{entity} not in {[e.name for e in model.entities]}"
    return {
        a.name: (a.type, a.pk, a.nullable, a.unique, str(a.fk) if a.fk else None, a.description)
        for a in found.attributes
    }


def rels(model: ERModel) -> set[tuple]:
    """(from, cardinality, to, from_field, to_field, through) of every relationship."""
    return {
        (r.from_entity, r.cardinality, r.to_entity, r.from_field, r.to_field, r.through)
        for r in model.relationships
    }


def codes(model: ERModel) -> list[str]:
    return [w.code for w in model.warnings]
