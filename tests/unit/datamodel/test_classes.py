"""dataclasses, pydantic and attrs models: attributes from annotations, references by type."""

from __future__ import annotations

from lsp_server.datamodel import MANY_TO_MANY, ONE_TO_MANY, ONE_TO_ONE, Source, extract_sources
from tests.unit.datamodel.conftest import attrs, rels


def test_dataclasses(models):
    model = models["plain"]
    assert attrs(model, "Author") == {
        "name": ("str", False, False, False, None, ""),
        "born": ("date", False, True, False, None, ""),
        "books": ("list[Book]", False, False, False, None, ""),
    }  # the ClassVar is not a field
    assert model.entity("Author").description == "A person who writes books."
    assert model.entity("Genre") is None  # an Enum is a type, not a model
    assert attrs(model, "Shelf")["code"][5] == "书架编号"  # field(metadata={"description": ...})
    assert model.entity("Book").kind == "dataclass"


def test_dataclass_references(models):
    found = rels(models["plain"])
    assert ("Author", MANY_TO_MANY, "Book", "books", "authors", None) in found  # lists on both sides
    assert ("Shelf", ONE_TO_MANY, "Book", None, "shelf", None) in found  # Shelf | None
    assert ("Author", ONE_TO_MANY, "Book", None, "translator", None) in found  # Optional[Author]
    assert ("Shelf", ONE_TO_MANY, "Shelf", None, "parent", None) in found  # self-reference
    optional = {r.to_field: r.optional for r in models["plain"].relationships if r.to_entity == "Book"}
    assert optional["shelf"] is True


def test_pydantic(models):
    model = models["plain"]
    customer = attrs(model, "Customer")
    assert customer["email"][5] == "Login e-mail"
    assert customer["address"][2] is True
    assert attrs(model, "VipCustomer")["level"][0] == "int"
    assert list(attrs(model, "VipCustomer"))[0] == "id"  # inherited first
    found = rels(model)
    assert ("Customer", ONE_TO_MANY, "Order", "orders", "customer", None) in found
    assert ("Order", ONE_TO_MANY, "OrderLine", "lines", None, None) in found  # dict[str, X]
    assert ("Shelf", ONE_TO_MANY, "Customer", None, "shelf", None) in found  # across files


def test_attrs(models):
    model = models["plain"]
    assert list(attrs(model, "Warehouse")) == ["name", "capacity"]  # only attr.ib() in @attr.s
    assert attrs(model, "Warehouse")["name"][0] == "str"  # attr.ib(type=str)
    assert ("Warehouse", ONE_TO_MANY, "Stock", None, "warehouse", None) in rels(model)
    assert ("Person", ONE_TO_ONE, "Passport", "passport", "holder", None) in rels(model)


def test_unknown_type_is_a_warning(models):
    warnings = [w for w in models["plain"].warnings]
    assert [(w.code, w.location.line) for w in warnings] == [("unknown-type", 34)]
    assert "Publisher" in warnings[0].message


def test_sqlmodel_tables():
    model = extract_sources(
        [
            Source(
                "heroes.py",
                """
from typing import Optional
from sqlmodel import Field, Relationship, SQLModel

class Team(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    heroes: list["Hero"] = Relationship(back_populates="team")

class Hero(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: Optional[int] = Field(default=None, foreign_key="team.id")
    team: Optional[Team] = Relationship(back_populates="heroes")

class HeroRead(SQLModel):
    id: int
""",
            )
        ]
    )
    assert [(e.name, e.kind, e.table) for e in model.entities] == [
        ("Team", "sqlmodel", "team"),
        ("Hero", "sqlmodel", "hero"),
        ("HeroRead", "pydantic", None),
    ]
    assert attrs(model, "Hero")["team_id"][4] == "Team.id"
    assert attrs(model, "Team")["id"][:3] == ("int", True, False)
    assert rels(model) == {("Team", ONE_TO_MANY, "Hero", "heroes", "team", None)}
