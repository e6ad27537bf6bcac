"""Writing an accepted foreign key suggestion into the model class: the edited code declares the
key (extraction reads it back and nothing is suggested for it any more), imports what it uses,
and shapes this module does not edit get no edit at all."""

from __future__ import annotations

import pytest

from lsp_server.datamodel import Source, TextEdit, declare_foreign_key, extract_sources, suggest

SQLALCHEMY = """from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id = Column(Integer, primary_key=True)
    name = Column(String(50))


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, nullable=False)
    note = Column(String(20))


class Invoice(Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column()
    cust_id: Mapped[int]
    total: Mapped[int] = mapped_column()
"""

FLASK = """import sqlalchemy as sa
from app import db


class Customer(db.Model):
    __tablename__ = "customer"
    id = db.Column(db.Integer, primary_key=True)


class Order(db.Model):
    __tablename__ = "order"
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer)
"""

DJANGO = """from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=50)


class Order(models.Model):
    customer_id = models.IntegerField(null=True, db_index=True)
    total = models.DecimalField(max_digits=8, decimal_places=2)


class Profile(models.Model):
    customer_id = models.IntegerField(unique=True)
"""


def apply(text: str, edits: list[TextEdit]) -> str:
    """Apply edits as an editor does: all positions refer to the text before any edit."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def offset(position: tuple[int, int]) -> int:
        return offsets[position[0]] + position[1]

    for edit in sorted(edits, key=lambda e: offset(e.start), reverse=True):
        text = text[: offset(edit.start)] + edit.text + text[offset(edit.end) :]
    return text


def declared(text: str, path: str = "models.py", module: str = "shop.models") -> tuple[str, list[str]]:
    """Accept every foreign key suggestion for the file, one after the other, as a user would."""
    titles = []
    while True:
        model = extract_sources([Source(path, text, module)])
        pending = [s for s in suggest(model) if s.kind == "foreign-key"]
        for suggestion in pending:
            declaration = declare_foreign_key(text, suggestion, model)
            if declaration is not None:
                titles.append(declaration.title)
                text = apply(text, declaration.edits)
                break
        else:
            return text, titles


def test_sqlalchemy_columns_get_their_foreign_keys_and_the_import():
    text, titles = declared(SQLALCHEMY)
    assert titles == [
        'Declare customer_id as ForeignKey("customers.id")',
        'Declare order_id as ForeignKey("orders.id")',
        'Declare cust_id as ForeignKey("customers.id")',
    ]
    assert "from sqlalchemy import Column, Integer, String, ForeignKey\n" in text
    assert '    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False)\n' in text
    assert '    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))\n' in text
    assert '    cust_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))\n' in text
    model = extract_sources([Source("models.py", text, "shop.models")])
    assert {(r.from_entity, r.to_entity, tuple(r.to_columns)) for r in model.relationships} == {
        ("Customer", "Order", ("customer_id",)),
        ("Order", "Invoice", ("order_id",)),
        ("Customer", "Invoice", ("cust_id",)),
    }
    assert all(r.declared for r in model.relationships) and model.warnings == []


def test_the_file_spelling_of_column_is_kept():
    text, titles = declared(FLASK)
    assert titles == ['Declare customer_id as ForeignKey("customer.id")']
    assert '    customer_id = db.Column(db.Integer, db.ForeignKey("customer.id"))\n' in text
    assert "import sqlalchemy as sa\nfrom app import db\n\n" in text  # nothing imported


def test_a_new_import_line_when_sqlalchemy_is_not_imported_by_name():
    source = SQLALCHEMY.replace(
        "from sqlalchemy import Column, Integer, String\n", "from sqlalchemy.types import *\n"
    )
    source = source.replace("Column(", "mapped_column(")
    text, _ = declared(source)
    assert text.startswith("from sqlalchemy.types import *\nfrom sqlalchemy.orm import")
    orm = "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
    assert orm + "from sqlalchemy import ForeignKey\n" in text


def test_django_integer_fields_become_foreign_keys():
    text, titles = declared(DJANGO, "shop/models.py", "shop.models")
    assert titles == [
        "Declare customer_id as ForeignKey to Customer (field customer, column customer_id)",
        "Declare customer_id as OneToOneField to Customer (field customer, column customer_id)",
    ]
    assert (
        '    customer = models.ForeignKey("Customer", on_delete=models.SET_NULL, null=True, db_index=True)\n'
        in text
    )
    assert '    customer = models.OneToOneField("Customer", on_delete=models.CASCADE)\n' in text
    model = extract_sources([Source("shop/models.py", text, "shop.models")])
    assert {(r.from_entity, r.cardinality, r.to_entity) for r in model.relationships} == {
        ("Customer", "1:N", "Order"),
        ("Customer", "1:1", "Profile"),
    }
    order = model.entity("Order")
    assert order is not None and order.attribute("customer").column_name == "customer_id"


@pytest.mark.parametrize(
    "source",
    [
        # a table of SQL DDL is not a model class
        "CREATE TABLE customer (id INT PRIMARY KEY); CREATE TABLE o (id INT PRIMARY KEY, customer_id INT);",
        # a dataclass has no foreign keys to declare
        "from dataclasses import dataclass\n\n@dataclass\nclass Customer:\n    id: int\n\n"
        "@dataclass\nclass Order:\n    customer_id: int\n",
    ],
)
def test_other_sources_get_no_edit(source: str):
    path = "schema.sql" if source.startswith("CREATE") else "m.py"
    model = extract_sources([Source(path, source)])
    (suggestion,) = suggest(model)
    assert declare_foreign_key(source, suggestion, model) is None


def test_a_class_changed_since_the_suggestion_gets_no_edit():
    model = extract_sources([Source("models.py", SQLALCHEMY, "shop.models")])
    suggestion = next(s for s in suggest(model) if s.relationship and s.relationship.to_entity == "Order")
    assert declare_foreign_key(SQLALCHEMY.replace("customer_id =", "buyer_id ="), suggestion, model) is None
    declaration = declare_foreign_key(SQLALCHEMY, suggestion, model)
    assert declaration is not None and declaration.scope == (14, 18)  # the class Order, 0-based lines
