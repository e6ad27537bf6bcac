"""Scratch SQLite databases built from the schema and filled with generated rows, where queries
are run, timed and compared without touching any real data.

Rows respect what the schema says (NOT NULL, primary keys, foreign keys pointing at rows that
exist) and otherwise go looking for trouble: small value ranges so joins match and duplicates
occur, NULLs wherever a column allows them, and (for comparisons) an empty table or two. Every
database is made from a seed, so a counterexample can be shown again.
"""

from __future__ import annotations

import random
import re
import sqlite3
from dataclasses import dataclass, field, replace

from sqlglot import exp

from lsp_server.sql.schema import Column, SqlSchema, Table

_WORDS = ("alpha", "beta", "gamma", "delta", "北京", "上海", "O'Brien", "a%b", "", "Zoë")


@dataclass(frozen=True)
class Shape:
    """How a scratch database is filled."""

    rows: int = 200  # per table
    null_rate: float = 0.15  # of nullable columns
    empty: frozenset[str] = frozenset()  # tables left empty
    seed: int = 0
    # (table, column) → values to use often, e.g. the literals the queries compare the column with
    values: dict[tuple[str, str], list[object]] = field(default_factory=dict)


def database(schema: SqlSchema, shape: Shape = Shape()) -> sqlite3.Connection:
    """A new in-memory database with the schema's tables filled as `shape` says."""
    connection = schema.connect()
    connection.execute("PRAGMA foreign_keys = OFF")
    shape = _with_fixtures(connection, schema, shape)
    rng = random.Random(shape.seed)
    keys: dict[str, dict[str, list[object]]] = {}  # table → column → values written
    for table in _parents_first(schema):
        # Counts differ between tables, so that COUNT(*) of one is not mistaken for COUNT(*) of another.
        count = 0 if table.name.lower() in shape.empty else shape.rows + rng.randint(0, shape.rows // 2)
        rows = _rows(table, count, rng, shape, keys)
        if rows:
            names = list(table.columns.values())
            columns = ", ".join(f'"{c.name}"' for c in names)
            marks = ", ".join("?" * len(names))
            connection.executemany(f'INSERT OR IGNORE INTO "{table.name}" ({columns}) VALUES ({marks})', rows)
        keys[table.name.lower()] = {
            c.name.lower(): [r[i] for r in rows] for i, c in enumerate(table.columns.values())
        }
    connection.commit()
    connection.execute("ANALYZE")
    return connection


def _with_fixtures(connection: sqlite3.Connection, schema: SqlSchema, shape: Shape) -> Shape:
    """Insert the project's fixture rows, and let generated rows reuse their values."""
    values: dict[tuple[str, str], list[object]] = {}
    for table, row in schema.fixture_rows:
        if table.lower() in shape.empty or schema.table(table) is None:
            continue
        columns = [c for c in row if schema.table(table).column(c) is not None]
        if not columns:
            continue
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        try:
            connection.execute(
                f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({marks})', [row[c] for c in columns]
            )
        except sqlite3.Error:
            continue
        for column in columns:
            if row[column] is not None and not schema.table(table).column(column).pk:
                values.setdefault((table.lower(), column.lower()), []).append(row[column])
    if not values:
        return shape
    return replace(shape, values={**values, **shape.values})


def _parents_first(schema: SqlSchema) -> list[Table]:
    ordered: list[Table] = []
    seen: set[str] = set()

    def visit(table: Table, path: set[str]) -> None:
        name = table.name.lower()
        if name in seen or name in path:
            return
        for parent, _ in table.foreign_keys.values():
            target = schema.table(parent)
            if target is not None:
                visit(target, path | {name})
        seen.add(name)
        ordered.append(table)

    for table in schema.tables.values():
        visit(table, set())
    return ordered


def _rows(
    table: Table, count: int, rng: random.Random, shape: Shape, keys: dict[str, dict[str, list[object]]]
) -> list[tuple[object, ...]]:
    columns = list(table.columns.values())
    rows = []
    for number in range(count):
        row = []
        for column in columns:
            row.append(_value(table, column, number, rng, shape, keys))
        rows.append(tuple(row))
    return rows


def _value(
    table: Table,
    column: Column,
    number: int,
    rng: random.Random,
    shape: Shape,
    keys: dict[str, dict[str, list[object]]],
) -> object:
    name = column.name.lower()
    if column.pk:
        return number + 1 if _affinity(column.type) in ("integer", "real") else f"{name}-{number + 1}"
    reference = table.foreign_keys.get(name)
    if column.nullable and rng.random() < shape.null_rate:
        return None
    wanted = shape.values.get((table.name.lower(), name))
    if wanted and reference is None and rng.random() < 0.5:
        return rng.choice(wanted)
    if reference is not None:
        parent_values = [
            v for v in keys.get(reference[0].lower(), {}).get(reference[1].lower(), []) if v is not None
        ]
        if parent_values:
            return rng.choice(parent_values)
        if column.nullable:
            return None
    return _generated(column.type, rng, shape.rows)


def _affinity(type_: str) -> str:
    """SQLite's own type affinity rules (section 3.1 of its datatype page)."""
    upper = type_.upper()
    if "INT" in upper:
        return "integer"
    if any(t in upper for t in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if any(t in upper for t in ("REAL", "FLOA", "DOUB")):
        return "real"
    if any(t in upper for t in ("DATE", "TIME")):
        return "date"
    if any(t in upper for t in ("BOOL",)):
        return "bool"
    if any(t in upper for t in ("NUM", "DEC")):
        return "real"
    return "text" if upper else "integer"


def _generated(type_: str, rng: random.Random, rows: int) -> object:
    affinity = _affinity(type_)
    spread = max(rows // 4, 5)  # small ranges: duplicates, matches across joins
    if affinity == "integer":
        return rng.randint(0, spread)
    if affinity == "real":
        return round(rng.uniform(0, spread), 2)
    if affinity == "bool":
        return rng.randint(0, 1)
    if affinity == "date":
        day = f"20{rng.randint(20, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return (
            day
            if "TIME" not in type_.upper()
            else f"{day} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
        )
    size = re.search(r"\((\d+)", type_)
    word = rng.choice(_WORDS) + str(rng.randint(0, spread))  # few repeats: a value of a name is selective
    return word[: int(size.group(1))] if size else word


def shapes(
    schema: SqlSchema,
    count: int = 4,
    rows: int = 60,
    values: dict[tuple[str, str], list[object]] | None = None,
) -> list[Shape]:
    """Several databases that together cover NULLs, duplicates and empty tables."""
    names = sorted(schema.tables)
    values = values or {}
    found = [
        Shape(rows=rows, null_rate=0.0, seed=1, values=values),
        Shape(rows=rows, null_rate=0.3, seed=2, values=values),
    ]
    for seed in range(3, count + 1):
        rng = random.Random(seed)
        empty = (
            frozenset(rng.sample(names, k=min(len(names), max(1, len(names) // 3)))) if names else frozenset()
        )
        found.append(Shape(rows=rows, null_rate=0.2, empty=empty, seed=seed, values=values))
    return found[:count]


def literals(schema: SqlSchema, trees: list[exp.Expression]) -> dict[tuple[str, str], list[object]]:
    """(table, column) → the literals the queries compare that column (or a function of it) with:
    data that makes their filters match, so that queries that differ show it."""
    from lsp_server.sql.resolve import Resolver

    values: dict[tuple[str, str], list[object]] = {}
    for tree in trees:
        resolver = Resolver(schema)
        resolver.resolve(tree)
        for comparison in tree.find_all(exp.EQ, exp.In, exp.Like, exp.GT, exp.LT, exp.GTE, exp.LTE):
            side = comparison.this
            columns = [side] if isinstance(side, exp.Column) else list(side.find_all(exp.Column))
            table = resolver.column_tables.get(id(columns[0])) if len(columns) == 1 else None
            if table is None:
                continue
            for literal in comparison.find_all(exp.Literal):
                value: object = literal.this if literal.is_string else _number(literal.this)
                if isinstance(comparison, exp.Like) and isinstance(value, str):
                    value = value.replace("%", "x").replace("_", "y")
                values.setdefault((table.name.lower(), columns[0].name.lower()), []).append(value)
    return values


def _number(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text
