"""The project's schema as SQL sees it: tables, columns, nullability, keys and which columns lead an
index, read from the same ER model `ubiq er` extracts.

The model is rendered as SQLite DDL and loaded into an in-memory SQLite database, and the schema is
read back from the engine's own catalogue (`PRAGMA table_info`, `index_list`, `foreign_key_list`).
So the checks, the scratch databases that run queries and the index advice all see one schema,
and it is the one a real engine accepted, not a second hand-written reading of the model.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsp_server.datamodel.extract import extract_sources, read_sources
from lsp_server.datamodel.model import ERModel
from lsp_server.datamodel.render.ddl import render_ddl
from lsp_server.files import MAX_BYTES


@dataclass(frozen=True)
class Column:
    """A column as the engine describes it."""

    name: str
    type: str
    nullable: bool
    pk: bool


@dataclass
class Table:
    """A table: its columns, the columns leading an index, and its foreign keys."""

    name: str
    columns: dict[str, Column] = field(default_factory=dict)  # by lower-cased name
    indexed: set[str] = field(default_factory=set)  # lower-cased columns that lead an index
    foreign_keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # column → (table, column)

    def column(self, name: str) -> Column | None:
        return self.columns.get(name.lower())


@dataclass
class SqlSchema:
    """Tables by lower-cased name (unquoted SQL names are case-insensitive), and the SQLite DDL
    that built them, which scratch databases replay."""

    tables: dict[str, Table] = field(default_factory=dict)
    ddl: str = ""
    views: set[str] = field(default_factory=set)  # lower-cased views and other relations with unknown columns
    # Model class → attribute → the relation it follows (for N+1 checks): see sql/nplus1.py
    relations: dict[str, dict[str, Any]] = field(default_factory=dict)
    # ORM model class → (the file that declares it, its ORM), for the loader fix's probe (sql/loader_fix.py)
    model_files: dict[str, tuple[str, str]] = field(default_factory=dict)
    # The project's own fixture rows, (table, column → value): scratch databases start from them
    fixture_rows: list[tuple[str, dict[str, object]]] = field(default_factory=list)

    def table(self, name: str) -> Table | None:
        return self.tables.get(name.lower())

    def __bool__(self) -> bool:
        return bool(self.tables)

    def mapping(self) -> dict[str, dict[str, str]]:
        """Sqlglot's schema shape: {table: {column: type}}."""
        return {t.name: {c.name: c.type or "TEXT" for c in t.columns.values()} for t in self.tables.values()}

    def connect(self, path: str = ":memory:") -> sqlite3.Connection:
        """A new SQLite database with every table and index and no rows."""
        connection = sqlite3.connect(path, check_same_thread=False)
        connection.executescript(self.ddl)
        return connection


def from_model(model: ERModel) -> SqlSchema:
    from lsp_server.sql.nplus1 import relations

    ddl = render_ddl(model, "sqlite") if model.entities else ""
    schema = SqlSchema(ddl=ddl, relations=relations(model))
    schema.model_files = {
        e.name: (e.location.path, e.kind)
        for e in model.entities
        if e.kind in ("django", "sqlalchemy", "sqlmodel") and e.location is not None
    }
    if not ddl:
        return schema
    connection = sqlite3.connect(":memory:")
    try:
        connection.executescript(ddl)
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ):
            schema.tables[name.lower()] = _table(connection, name)
    finally:
        connection.close()
    return schema


def _table(connection: sqlite3.Connection, name: str) -> Table:
    table = Table(name)
    quoted = name.replace('"', '""')
    info = connection.execute(f'PRAGMA table_info("{quoted}")').fetchall()
    keys = [row for row in info if row[5]]
    for _cid, column, type_, notnull, _default, pk in info:
        table.columns[column.lower()] = Column(column, type_, not notnull and not pk, bool(pk))
    if keys:
        table.indexed.add(min(keys, key=lambda row: row[5])[1].lower())
    for index in connection.execute(f'PRAGMA index_list("{quoted}")').fetchall():
        index_name = index[1].replace('"', '""')
        leading = connection.execute(f'PRAGMA index_info("{index_name}")').fetchone()
        if leading is not None and leading[2] is not None:
            table.indexed.add(leading[2].lower())
    for row in connection.execute(f'PRAGMA foreign_key_list("{quoted}")').fetchall():
        _id, _seq, parent, here, there = row[:5]
        table.foreign_keys[here.lower()] = (parent, there or "")
    return table


_VIEW = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:materialized\s+)?view\s+(?:if\s+not\s+exists\s+)?"
    r"(?:[\w\"`]+\.)?[\"`]?(\w+)",
    re.IGNORECASE,
)


def load(paths: Sequence[Path], overrides: Mapping[str, str] | None = None) -> SqlSchema:
    """The schema of the models and DDL under `paths` (files or folders), and the rows of the
    project's Django fixtures. Views are kept by name only: a query on one is not reported as
    naming an unknown table."""
    from lsp_server.sql.fixtures import read_fixtures

    sources = list(read_sources(paths, overrides or {}, MAX_BYTES, []))
    model = extract_sources(sources)
    schema = from_model(model)
    schema.fixture_rows = read_fixtures(paths, model)
    for source in sources:
        if source.path.lower().endswith(".sql"):
            schema.views |= {name.lower() for name in _VIEW.findall(source.text)}
    return schema
