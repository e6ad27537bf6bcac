"""Plain dataclasses: a library with authors and books."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import ClassVar, List, Optional


class Genre(Enum):
    NOVEL = "novel"
    POETRY = "poetry"


@dataclass
class Author:
    """A person who writes books."""

    name: str
    born: Optional[date] = None
    books: list[Book] = field(default_factory=list)
    registry: ClassVar[dict] = {}


@dataclass
class Book:
    isbn: str
    title: str
    genre: Genre
    authors: List["Author"] = field(default_factory=list)
    shelf: Shelf | None = None
    translator: Optional[Author] = None
    publisher: Publisher = None


@dataclass(frozen=True)
class Shelf:
    code: str = field(metadata={"description": "书架编号"})
    parent: Optional["Shelf"] = None
