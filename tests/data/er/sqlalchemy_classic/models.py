"""Classic declarative SQLAlchemy: Column, ForeignKey, relationship, backref, Table."""

import sqlalchemy as sa
from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Integer, String, Table, Text
from sqlalchemy.orm import backref, declarative_base, relationship

Base = declarative_base()

enrollments = Table(
    "enrollments",
    Base.metadata,
    Column("student_id", Integer, ForeignKey("students.id"), primary_key=True),
    Column("course_id", Integer, ForeignKey("courses.id"), primary_key=True),
)


class Student(Base):
    __tablename__ = "students"
    __table_args__ = {"comment": "在校学生"}

    id = Column(Integer, primary_key=True)
    name = Column("full_name", String(100), nullable=False, comment="姓名")
    email = Column(sa.String(255), unique=True)
    courses = relationship("Course", secondary=enrollments, back_populates="students")


class Course(Base):
    __tablename__ = "courses"

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    students = relationship("Student", secondary="enrollments", back_populates="courses")


class User(Base):
    __tablename__ = "users"

    id = Column(Integer, primary_key=True)
    addresses = relationship("Address", backref="user", order_by="Address.id")
    profile = relationship("Profile", uselist=False, back_populates="user")


class Address(Base):
    __tablename__ = "addresses"

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    street = Column(Text)


class Profile(Base):
    __tablename__ = "profiles"

    id = Column(Integer, primary_key=True)
    user_id = Column(ForeignKey(User.id))
    user = relationship(User, back_populates="profile")


class Node(Base):
    """An adjacency list: a tree of nodes."""

    __tablename__ = "nodes"

    id = Column(Integer, primary_key=True)
    parent_id = Column(Integer, ForeignKey("nodes.id"))
    children = relationship("Node", backref=backref("parent", remote_side=[id]))


class Invoice(Base):
    __tablename__ = "invoices"

    year = Column(Integer, primary_key=True)
    number = Column(Integer, primary_key=True)


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        ForeignKeyConstraint(["invoice_year", "invoice_number"], ["invoices.year", "invoices.number"]),
    )

    id = Column(Integer, primary_key=True)
    invoice_year = Column(Integer, nullable=False)
    invoice_number = Column(Integer, nullable=False)
    invoice = relationship("Invoice", backref="lines")


class Transfer(Base):
    __tablename__ = "transfers"

    id = Column(Integer, primary_key=True)
    from_user_id = Column(Integer, ForeignKey("users.id"))
    to_user_id = Column(Integer, ForeignKey("users.id"))
    sender = relationship("User", foreign_keys=[from_user_id])
    receiver = relationship("User", foreign_keys="Transfer.to_user_id")
