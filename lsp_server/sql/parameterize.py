"""The quick fix for SQL built by formatting: the values become bound parameters, in the driver's
own style (`?` for sqlite3, `%s` for psycopg, MySQL drivers and Django).

The fix is offered only when it is the same query: the new SQL parses, it has one placeholder per
value, and the old and the new statement return the same rows on scratch databases for benign
values of the compared columns. Anything it cannot show to be equal (a table name spliced in, a
value inside a LIKE pattern, a driver it does not know) gets no fix rather than a guess.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from itertools import product

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from tree_sitter import Node

from lsp_server.context.treesitter import node_text, split_arguments
from lsp_server.sql.check import normalise_placeholders
from lsp_server.sql.locate import Snippet
from lsp_server.sql.resolve import Resolver
from lsp_server.sql.schema import SqlSchema
from lsp_server.sql.scratch import Shape, database

_QMARK = re.compile(r"^\s*(import|from)\s+(sqlite3|aiosqlite)\b", re.M)
_FORMAT = re.compile(r"^\s*(import|from)\s+(psycopg2?|pymysql|MySQLdb|mysql\.connector|django\.db)\b", re.M)
_PERCENT = re.compile(r"%(?:\((\w+)\))?[sdifr]")


@dataclass
class Hole:
    """A value spliced into the SQL: the span it takes (its quotes included) and its Python source."""

    start: int
    end: int
    source: str


@dataclass
class Fix:
    """Byte-range edits of the file, and what was checked before offering them."""

    edits: list[tuple[int, int, str]]
    sql: str
    arguments: list[str]
    checked: str


def marker_of(text: str) -> str | None:
    """The driver's placeholder, from what the file imports; None for one not known."""
    if _QMARK.search(text):
        return "?"
    if _FORMAT.search(text):
        return "%s"
    return None


def parameterize(text: str, snippet: Snippet, schema: SqlSchema, dialect: str) -> Fix | None:
    marker = marker_of(text)
    if marker is None or not snippet.built or snippet.call is None or snippet.parameters is not None:
        return None
    if node_text(snippet.call.child_by_field_name("function")).endswith("text"):
        return None  # SQLAlchemy's text() takes named parameters on another call: not rewritten
    holes = _holes(snippet)
    if not holes:
        return None
    new_sql = _replace(snippet.text, [(h.start, h.end, marker) for h in holes])
    statement = _parse(new_sql, dialect)
    if statement is None or len(list(statement.find_all(exp.Placeholder))) != len(holes):
        return None
    checked = _same_rows(snippet.text, holes, statement, schema, dialect)
    if checked is None:
        return None
    arguments = [h.source for h in holes]
    return Fix(_edits(snippet, new_sql, arguments), new_sql, arguments, checked)


def _holes(snippet: Snippet) -> list[Hole] | None:
    text = snippet.text
    if snippet.built in ("f-string", "+"):
        found = []
        for piece in snippet.pieces:
            start, end = piece.start, piece.end
            if piece.quoted:
                if not (start > 0 and end < len(text) and text[start - 1] == "'" and text[end] == "'"):
                    return None  # inside a longer literal ('%{x}%'): the value is not the whole string
                start, end = start - 1, end + 1
            found.append(Hole(start, end, piece.source))
        return found
    if snippet.built == "%":
        values = _percent_values(snippet.argument)
        matches = [m for m in _PERCENT.finditer(text) if m.group(1) is None]
        if values is None or len(matches) != len(values) or len(matches) != len(_PERCENT.findall(text)):
            return None
        holes = []
        for match, value in zip(matches, values, strict=True):
            start, end = match.start(), match.end()
            if start > 0 and end < len(text) and text[start - 1] == "'" and text[end] == "'":
                start, end = start - 1, end + 1
            holes.append(Hole(start, end, value))
        return holes
    return None  # .format(): positional and named fields mix too freely to rewrite safely


def _percent_values(argument: Node | None) -> list[str] | None:
    right = argument.child_by_field_name("right") if argument is not None else None
    if right is None:
        return None
    if right.type == "tuple":
        return [node_text(n) for n in right.named_children]
    if right.type in ("dictionary", "list"):
        return None
    return [node_text(right)]


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _parse(sql: str, dialect: str) -> exp.Expression | None:
    try:
        statements = [s for s in sqlglot.parse(normalise_placeholders(sql, dialect), read=dialect) if s]
    except (ParseError, TokenError):
        return None
    return statements[0] if len(statements) == 1 else None


def _same_rows(
    template: str, holes: list[Hole], statement: exp.Expression, schema: SqlSchema, dialect: str
) -> str | None:
    """Run old (values spliced in as Python would) and new (values bound) on scratch databases."""
    resolver = Resolver(schema)
    resolver.resolve(statement)
    if not schema or resolver.problems:
        return None
    placeholders = list(statement.find_all(exp.Placeholder))
    shapes = [Shape(rows=40, null_rate=0.1, seed=seed) for seed in (1, 2)]
    tried = 0
    for shape in shapes:
        connection = database(schema, shape)
        try:
            choices = [_benign(p, resolver, connection) for p in placeholders]
            for values in list(product(*choices))[:6]:
                old = _replace(
                    template,
                    [
                        (h.start, h.end, _as_spliced(template, h, v))
                        for h, v in zip(holes, values, strict=True)
                    ],
                )
                new = statement.sql(dialect="sqlite")
                old_rows = _rows(connection, old, dialect, [])
                new_rows = _rows(connection, new, "sqlite", list(values))
                if (
                    old_rows is None
                    or new_rows is None
                    or sorted(map(repr, old_rows)) != sorted(map(repr, new_rows))
                ):
                    return None
                tried += 1
        finally:
            connection.close()
    return f"same rows on {len(shapes)} scratch databases for {tried} inputs" if tried else None


def _benign(placeholder: exp.Placeholder, resolver: Resolver, connection: sqlite3.Connection) -> list[object]:
    """Values of the column the placeholder is compared with (plain ones: no quotes to break)."""
    parent = placeholder.parent
    columns = [c for c in parent.find_all(exp.Column) if id(c) in resolver.column_tables] if parent else []
    if columns:
        table, name = resolver.column_tables[id(columns[0])], columns[0].name
        found = connection.execute(
            f'SELECT DISTINCT "{name}" FROM "{table.name}" WHERE "{name}" IS NOT NULL LIMIT 20'
        ).fetchall()
        plain = [v for (v,) in found if not isinstance(v, str) or re.fullmatch(r"[\w .-]*", v)]
        if plain:
            return plain[:3]
    return [1, 2]


def _as_spliced(template: str, hole: Hole, value: object) -> str:
    """What Python's formatting writes for `value` in the hole's place: the quotes stay the template's."""
    quoted = template[hole.start] == "'"
    return f"'{value}'" if quoted else str(value)


def _rows(connection: sqlite3.Connection, sql: str, dialect: str, parameters: list[object]) -> list | None:
    try:
        query = sqlglot.transpile(normalise_placeholders(sql, dialect), read=dialect, write="sqlite")[0]
        return connection.execute(query, parameters).fetchall()
    except Exception:  # either side failing means equality was not shown
        return None


def _literal(sql: str) -> str:
    body = sql.replace("\\", "\\\\")
    if "\n" in body:
        return '"""' + body.replace('"""', '\\"\\"\\"') + '"""'
    return '"' + body.replace('"', '\\"') + '"'


def _edits(snippet: Snippet, new_sql: str, arguments: list[str]) -> list[tuple[int, int, str]]:
    """The SQL expression becomes a plain string; the call gets the values as its parameters."""
    argument, call = snippet.argument, snippet.call
    assert argument is not None and call is not None
    values = f"({', '.join(arguments)}{',' if len(arguments) == 1 else ''})"
    positional, _ = split_arguments(call.child_by_field_name("arguments"))
    first = positional[0]
    edits = [(argument.start_byte, argument.end_byte, _literal(new_sql))]
    if first.start_byte == argument.start_byte:
        edits = [(argument.start_byte, argument.end_byte, f"{_literal(new_sql)}, {values}")]
    else:  # the SQL was assigned to a name first: rewrite it there, add the values at the call
        edits.append((first.end_byte, first.end_byte, f", {values}"))
    return sorted(edits, reverse=True)
