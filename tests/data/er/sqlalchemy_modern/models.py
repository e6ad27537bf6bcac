from __future__ import annotations

from typing import List, Optional

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from .base import Base, intpk, str50
from .mixins import OwnedMixin, TimestampMixin


class User(TimestampMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[intpk]
    name: Mapped[str50]
    fullname: Mapped[Optional[str]]
    nickname: Mapped[str | None] = mapped_column(String(30), comment="昵称")
    addresses: Mapped[List["Address"]] = relationship(back_populates="user", cascade="all, delete-orphan")
    settings: Mapped["Settings"] = relationship(back_populates="user")
    documents: WriteOnlyMapped["Document"] = relationship()


class Address(Base):
    __tablename__ = "address"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_address: Mapped[str]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    user: Mapped[User] = relationship(back_populates="addresses")


class Settings(Base):
    __tablename__ = "settings"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    user: Mapped["User"] = relationship(back_populates="settings")


class Document(OwnedMixin, Base):
    __tablename__ = "document"

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(String(200))


class Category(Base):
    __tablename__ = "category"

    id: Mapped[intpk]
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("category.id"))
    parent: Mapped[Optional["Category"]] = relationship(back_populates="children", remote_side=[id])
    children: Mapped[list["Category"]] = relationship(back_populates="parent")


class Employee(Base):
    __tablename__ = "employee"

    id: Mapped[intpk]
    type: Mapped[str]
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


class Manager(Employee):
    __tablename__ = "manager"

    id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
    budget: Mapped[float] = mapped_column(Numeric(12, 2))


class Engineer(Employee):
    """Single-table inheritance: no table of its own."""

    language: Mapped[Optional[str]]
