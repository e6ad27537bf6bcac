"""The model itself, and the Python reading underneath the extractors."""

from __future__ import annotations

import json

import pytest

from lsp_server.datamodel import Attribute, Entity, ERModel, ERWarning, Location, Ref, Relationship
from lsp_server.datamodel.pysource import (
    Call,
    Const,
    Name,
    Str,
    Subscript,
    Union,
    parse_expression,
    parse_module,
    text_of,
)
from lsp_server.datamodel.pytypes import analyse


def test_json_round_trip_keeps_everything():
    model = ERModel(
        entities=[
            Entity(
                "订单",
                "orders",
                [
                    Attribute(
                        "id",
                        "INT",
                        pk=True,
                        nullable=False,
                        fk=Ref("a", "b"),
                        location=Location("x.sql", 3, 5),
                    )
                ],
                kind="table",
                namespace="sales",
                description="订单表",
            )
        ],
        relationships=[
            Relationship("a", "订单", "1:1", ["b"], ["id"], "x", "y", None, False, True, "FK", None)
        ],
        warnings=[ERWarning("odd", Location("x.sql", 9), "unsupported")],
    )
    text = model.to_json()
    assert "订单表" in text  # not \\u-escaped
    assert ERModel.from_json(text) == model
    assert json.loads(text)["entities"][0]["attributes"][0]["fk"] == {"entity": "a", "column": "b"}


def test_relationship_checks_its_cardinality():
    with pytest.raises(ValueError, match="cardinality"):
        Relationship("a", "b", "many")


def test_labels_and_lookups():
    entity = Entity("Order", attributes=[Attribute("customer", column="customer_id")])
    assert entity.attribute("customer_id") is entity.attribute("customer")
    assert Relationship("a", "b", from_field="orders", to_field="customer").label == "orders / customer"
    assert Relationship("a", "b", to_columns=["a_id"]).label == "a_id"
    assert str(Location("m.py", 3, 4)) == "m.py:3:4"
    assert str(ERWarning("bad", Location("m.py", 3))) == "m.py:3:1: bad"


def test_expressions():
    assert parse_expression('Column("n", sa.String(50), nullable=False)') == Call(
        Name("Column", (1, 1)),
        [Str("n", (1, 8)), Call(Name("sa.String", (1, 13)), [Const(50, "50", (1, 23))], {}, (1, 13))],
        {"nullable": Const(False, "False", (1, 37))},
        (1, 1),
    )
    assert text_of(parse_expression("Mapped[list['A']] | None"), short=True) == "Mapped[list['A']]|None"
    assert isinstance(parse_expression("X | None"), Union)
    assert isinstance(parse_expression("Dict[str, 'A']"), Subscript)
    assert parse_expression("not (valid") is None


def test_imports_and_qualified_names():
    module = parse_module(
        "import sqlalchemy as sa\nfrom django.db import models as m\nfrom . import base\n"
        "from .x import (Y as Z)\nif TYPE_CHECKING:\n    from app.models import User\n",
        "p.py",
    )
    assert module.imports == {
        "sa": "sqlalchemy",
        "m": "django.db.models",
        "base": ".base",
        "Z": ".x.Y",
        "User": "app.models.User",
    }
    assert module.qualify(Name("sa.Column")) == "sqlalchemy.Column"
    assert module.qualify(Name("m.Model")) == "django.db.models.Model"


@pytest.mark.parametrize(
    ("annotation", "display", "nullable", "collection", "target"),
    [
        ("int", "int", False, False, None),
        ("Optional['Order']", "Order", True, False, "Order"),
        ("Mapped[list['Item']]", "list[Item]", False, True, "Item"),
        ("'list[Item]'", "list[Item]", False, True, "Item"),
        ("Union[A, None]", "A", True, False, "A"),
        ("A | B", "A|B", False, False, None),
        ("dict[str, Line]", "dict[str,Line]", False, True, "Line"),
        ("Annotated[Customer, Field(gt=0)]", "Customer", False, False, "Customer"),
        ("list[list[A]]", "list[list[A]]", False, True, None),
        ("datetime.datetime", "datetime.datetime", False, False, None),
    ],
)
def test_annotations(annotation, display, nullable, collection, target):
    info = analyse(parse_expression(annotation))
    assert (info.display, info.nullable, info.collection, info.target) == (
        display,
        nullable,
        collection,
        target,
    )
    assert analyse(parse_expression("ClassVar[int]")).classvar
