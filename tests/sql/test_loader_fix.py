"""The N+1 quick fix, checked by a generated test: the project's real Django or SQLAlchemy models on a
scratch SQLite database, the loop's query run as written and with the loader, in the sandbox. The
fix is offered only with fewer queries and the same rows; otherwise the reason is given."""

from __future__ import annotations

import ast
from pathlib import Path

from lsp_server.sql.check import check_text
from lsp_server.sql.loader_fix import edits, expressions, verify
from lsp_server.sql.nplus1 import find
from lsp_server.sql.schema import load

DJANGO_MODELS = """from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    referrer = models.ForeignKey("self", null=True, on_delete=models.SET_NULL)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=10, choices=[("new", "New"), ("paid", "Paid")])
"""
DJANGO_REPORTS = """from shop.models import Customer, Order


def report():
    for order in Order.objects.filter(total__gt=0).order_by("id"):
        print(order.customer.name)


def counts():
    customers = Customer.objects.all()
    for customer in customers:
        print(customer.order_set.count())


def latest():
    for customer in Customer.objects.all():
        print(customer.order_set.first())


def big(limit):
    for customer in Customer.objects.all():
        print(customer.order_set.filter(total__gt=limit))
"""
SQLALCHEMY_MODELS = """from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    books: Mapped[list["Book"]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "book"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80), unique=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author | None] = relationship(back_populates="books")
"""
SQLALCHEMY_REPORTS = """from sqlalchemy import select

from library.models import Author, Book


class Report:
    def __init__(self, session):
        self.session = session

    def titles(self):
        for author in self.session.scalars(select(Author).order_by(Author.id)):
            print(len(author.books))

    def owners(self):
        for book in self.session.query(Book).order_by(Book.id):
            print(book.author)
"""


def project(tmp_path: Path, package: str, models: str, reports: str) -> Path:
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "models.py").write_text(models)
    (tmp_path / package / "reports.py").write_text(reports)
    return tmp_path / package / "reports.py"


def fixes_and_verdicts(path: Path):
    schema = load([path.parent])
    text = path.read_text()
    return (
        text,
        schema,
        [(f, verify(path, text, f.fix, schema) if f.fix else None) for f in find(text, schema.relations)],
    )


def test_django_loader_is_offered_where_a_generated_test_shows_fewer_queries(tmp_path: Path):
    path = project(tmp_path, "shop", DJANGO_MODELS, DJANGO_REPORTS)
    text, schema, found = fixes_and_verdicts(path)
    (forward, forward_ok), (counted, counted_ok), (first, first_ok), (filtered, none) = found
    assert forward_ok.offered and forward_ok.after < forward_ok.before, forward_ok.reason
    assert "same rows" in forward_ok.reason
    assert (
        expressions(text, forward.fix)[1]
        == 'Order.objects.select_related("customer").filter(total__gt=0).order_by("id")'
    )
    assert counted_ok.offered, counted_ok.reason  # defined on the line above the loop: fixed there
    # `.first()` orders the prefetched rows again, which queries anyway: the loader does not pay
    assert not first_ok.offered and "did not save queries" in first_ok.reason
    assert filtered.fix is None and none is None  # `.filter(…)` on the relation always queries

    fixed = text.encode()
    for a, b, new in sorted(edits(text, counted.fix), reverse=True):
        fixed = fixed[:a] + new.encode() + fixed[b:]
    fixed_text = fixed.decode()
    ast.parse(fixed_text)
    assert 'customers = Customer.objects.prefetch_related("order_set").all()' in fixed_text
    lines = [f.line for f in check_text(str(path), fixed_text, schema) if f.code == "n-plus-one"]
    assert counted.line not in lines and forward.line in lines


def test_sqlalchemy_loader_and_its_import_on_the_projects_session(tmp_path: Path):
    path = project(tmp_path, "library", SQLALCHEMY_MODELS, SQLALCHEMY_REPORTS)
    text, _schema, found = fixes_and_verdicts(path)
    (books, books_ok), (author, author_ok) = found
    assert books_ok.offered and author_ok.offered, (books_ok.reason, author_ok.reason)
    before, after = expressions(text, books.fix)
    assert before == "__ubiq_session.scalars(select(Author).order_by(Author.id))"
    assert (
        after
        == "__ubiq_session.scalars(select(Author).options(selectinload(Author.books)).order_by(Author.id))"
    )
    changes = edits(text, books.fix)
    assert changes[0][2] == "from sqlalchemy.orm import selectinload\n"
    fixed = text.encode()
    for a, b, new in sorted(changes, reverse=True):
        fixed = fixed[:a] + new.encode() + fixed[b:]
    assert (
        "from library.models import Author, Book\nfrom sqlalchemy.orm import selectinload\n" in fixed.decode()
    )
    assert ".options(joinedload(Book.author))" in expressions(text, author.fix)[1]


def test_a_project_that_does_not_import_gets_a_reason_not_a_fix(tmp_path: Path):
    path = project(
        tmp_path,
        "shop",
        DJANGO_MODELS.replace("from django.db", "import no_such_module\nfrom django.db"),
        DJANGO_REPORTS,
    )
    _text, _schema, found = fixes_and_verdicts(path)
    verdict = found[0][1]
    assert not verdict.offered and "no_such_module" in verdict.reason
