"""SQLAlchemy extraction: classic declarative and 2.0 style, read without importing anything."""

from __future__ import annotations

from lsp_server.datamodel import ONE_TO_MANY, ONE_TO_ONE, extract_sources
from lsp_server.datamodel.extract import Source
from tests.unit.datamodel.conftest import attrs, codes, rels


def test_classic_columns_types_keys_and_comments(models):
    model = models["sqlalchemy_classic"]
    student = attrs(model, "Student")
    assert student["id"] == ("Integer", True, False, False, None, "")
    assert student["name"] == ("String(100)", False, False, False, None, "姓名")
    assert model.entity("Student").attribute("name").column == "full_name"
    assert student["email"] == ("String(255)", False, True, True, None, "")
    assert model.entity("Student").description == "在校学生"
    assert model.entity("Student").table == "students"


def test_classic_relationships(models):
    found = rels(models["sqlalchemy_classic"])
    assert ("User", ONE_TO_MANY, "Address", "addresses", "user", None) in found  # backref
    assert ("User", ONE_TO_ONE, "Profile", "profile", "user", None) in found  # uselist=False
    assert ("Node", ONE_TO_MANY, "Node", "children", "parent", None) in found  # self, remote_side
    assert ("Student", "N:M", "Course", "courses", "students", "enrollments") in found
    assert ("Invoice", ONE_TO_MANY, "InvoiceLine", "lines", "invoice", None) in found  # composite key
    # two keys to one table, told apart by foreign_keys=
    assert ("User", ONE_TO_MANY, "Transfer", None, "sender", None) in found
    assert ("User", ONE_TO_MANY, "Transfer", None, "receiver", None) in found
    assert not codes(models["sqlalchemy_classic"])


def test_classic_composite_foreign_key_and_association_table(models):
    model = models["sqlalchemy_classic"]
    line = next(r for r in model.relationships if r.to_entity == "InvoiceLine")
    assert line.to_columns == ["invoice_year", "invoice_number"]
    assert line.from_columns == ["year", "number"]
    assert [a.name for a in model.entity("Invoice").primary_key] == ["year", "number"]
    enrollments = attrs(model, "enrollments")
    assert enrollments["student_id"][1:5] == (True, False, False, "Student.id")
    profile = attrs(model, "Profile")
    assert profile["user_id"][0] == "Integer"  # no type given: the referenced column's


def test_modern_mapped_columns(models):
    model = models["sqlalchemy_modern"]
    user = attrs(model, "User")
    assert user["id"][:3] == ("int", True, False)  # Annotated alias `intpk`
    assert user["name"][:3] == ("String(50)", False, False)  # Annotated alias `str50`
    assert user["fullname"][:3] == ("str", False, True)  # Mapped[Optional[str]]
    assert user["nickname"] == ("String(30)", False, True, False, None, "昵称")  # str | None
    assert list(user)[0] == "created_at"  # from the mixin
    assert attrs(model, "Document")["owner_id"][4] == "User.id"  # declared_attr in a mixin


def test_modern_relationships_and_inheritance(models):
    model = models["sqlalchemy_modern"]
    found = rels(model)
    assert ("User", ONE_TO_MANY, "Address", "addresses", "user", None) in found
    assert ("User", ONE_TO_ONE, "Settings", "settings", "user", None) in found  # unique key, scalar
    assert ("User", ONE_TO_MANY, "Document", "documents", None, None) in found  # WriteOnlyMapped
    assert ("Category", ONE_TO_MANY, "Category", "children", "parent", None) in found
    assert ("Employee", ONE_TO_ONE, "Manager", None, None, None) in found  # joined inheritance
    assert model.entity("Engineer") is None  # single-table inheritance: folded into Employee
    assert attrs(model, "Employee")["language"][2] is True
    assert not codes(model)


def test_base_in_an_unread_file_and_flask_models():
    model = extract_sources(
        [
            Source(
                "app/models.py",
                """
from .database import Base, db
from sqlalchemy import Column, Integer, ForeignKey

class Thing(Base):
    __tablename__ = "things"
    id = Column(Integer, primary_key=True)

class OrderItem(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    thing_id = db.Column(db.Integer, db.ForeignKey("things.id"))
    thing = db.relationship("Thing", backref=db.backref("items", lazy=True))
""",
                "app.models",
            ),
        ]
    )
    assert [e.table for e in model.entities] == ["things", "order_item"]
    assert ("Thing", ONE_TO_MANY, "OrderItem", "items", "thing", None) in rels(model)


def test_reflected_table_and_unknown_target_are_warnings():
    model = extract_sources(
        [
            Source(
                "m.py",
                """
from sqlalchemy import Table, Column, Integer, ForeignKey
from sqlalchemy.orm import relationship
users = Table("users", metadata, autoload_with=engine)
class A(Base):
    __tablename__ = "a"
    id = Column(Integer, primary_key=True)
    b_id = Column(Integer, ForeignKey("nowhere.id"))
    c = relationship("Ghost")
    d = column_property(id + 1)
""",
                "m",
            )
        ]
    )
    assert sorted(codes(model)) == ["unresolved-reference", "unresolved-reference", "unsupported"]
    messages = " ".join(w.message for w in model.warnings)
    assert "nowhere" in messages and "Ghost" in messages and "reflected" in messages
    assert attrs(model, "A")["b_id"][4] == "nowhere.id"  # the key stays, as written
    assert all(w.location is not None and w.location.line > 1 for w in model.warnings)
