"""N+1 queries found statically in loops over Django QuerySets and SQLAlchemy queries, with the
relations the ER model declares; loaded relations and loops over plain values are left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp_server.sql.check import check_text
from lsp_server.sql.schema import load
from tests.conftest import REPO

SHOP = REPO / "tests" / "data" / "sql_shop"
DJANGO = """from shop.models import Customer, Order


def report():
    for order in Order.objects.filter(total__gt=10):
        print(order.customer.name, order.customer_id)
    orders = Order.objects.select_related("customer").all()
    for order in orders:
        print(order.customer.name)
    for customer in Customer.objects.all():
        print(customer.order_set.count())
    for customer in Customer.objects.prefetch_related("order_set"):
        print(customer.order_set.all())
    for row in Order.objects.values("customer__name"):
        print(row)
    for order in [Order()]:
        print(order.customer)
"""
SQLALCHEMY_MODELS = """from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[list["Book"]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "book"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author] = relationship(back_populates="books")
"""
SQLALCHEMY = """from sqlalchemy import select
from sqlalchemy.orm import selectinload


def titles(session):
    for author in session.scalars(select(Author)):
        print(len(author.books))
    for author in session.scalars(select(Author).options(selectinload(Author.books))):
        print(len(author.books))
"""


def found(schema, text: str) -> list[tuple[int, str]]:
    return [(f.line + 1, f.message) for f in check_text("report.py", text, schema) if f.code == "n-plus-one"]


def test_django_loops_that_follow_an_unloaded_relation():
    schema = load([SHOP])
    (forward, reverse) = found(schema, DJANGO)
    assert forward[0] == 6 and 'add .select_related("customer") to the query on line 5' in forward[1]
    assert reverse[0] == 11 and '.prefetch_related("order_set")' in reverse[1]


def test_sqlalchemy_loops_are_checked_against_declared_relationships(tmp_path: Path):
    (tmp_path / "models.py").write_text(SQLALCHEMY_MODELS)
    (only,) = found(load([tmp_path]), SQLALCHEMY)
    assert only[0] == 7 and "selectinload(Author.books)" in only[1]


@pytest.mark.parametrize("text", ["for x in range(3):\n    print(x.customer)\n", "def f(:\n    for o in"])
def test_no_query_no_finding(text):
    assert found(load([SHOP]), text) == []
