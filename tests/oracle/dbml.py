"""Read DBML back with pydbml, an independent parser maintained apart from Ubiq, and say what it
read as a `Diagram`. pydbml resolves every reference, so a `Ref` to a table or column the text does
not declare is an error here, not just a line that parses."""

from __future__ import annotations

import warnings

import pyparsing

with warnings.catch_warnings():  # pydbml still calls pyparsing's deprecated camelCase names
    warnings.simplefilter("ignore", DeprecationWarning)
    from pydbml import PyDBML
    from pydbml.classes import Column, Reference, Table

from tests.oracle.diagram import (
    ONE,
    ZERO_OR_MORE,
    ZERO_OR_ONE,
    Diagram,
    DiagramSyntaxError,
    ParsedAttribute,
    ParsedRelationship,
)


def _table_name(table: Table) -> str:
    """`schema.table` where the text names a schema other than DBML's default one."""
    return table.name if table.schema == "public" else f"{table.schema}.{table.name}"


def _attributes(table: Table) -> list[ParsedAttribute]:
    """Columns with their keys: `[pk]` on the column, or a composite `indexes { (a, b) [pk] }`."""
    in_primary_key = {
        subject.name
        for index in table.indexes
        if index.pk
        for subject in index.subjects
        if isinstance(subject, Column)
    }
    attributes = []
    for column in table.columns:
        keys = ("PK",) if column.pk or column.name in in_primary_key else ()
        keys += ("UK",) if column.unique else ()
        nullable = False if column.not_null else None  # pydbml reads `[null]` as saying nothing
        attributes.append(ParsedAttribute(column.name, str(column.type), keys, column.note.text, nullable))
    return attributes


def _relationship(ref: Reference) -> ParsedRelationship:
    """The one side first: `a.x > b.y` and `b.y < a.x` both read as (b, a); `a - b` as (b, a) too,
    and `a <> b` as written."""
    if ref.type == "<":
        first, second = ref.col1, ref.col2
    else:
        first, second = ref.col2, ref.col1
    if ref.type == "<>":
        first, second = second, first
    cardinalities = {">": (ONE, ZERO_OR_MORE), "<": (ONE, ZERO_OR_MORE), "-": (ONE, ZERO_OR_ONE)}
    left, right = cardinalities.get(ref.type, (ZERO_OR_MORE, ZERO_OR_MORE))
    return ParsedRelationship(
        _table_name(first[0].table),
        _table_name(second[0].table),
        left,
        right,
        "",
        tuple(c.name for c in first),
        tuple(c.name for c in second),
    )


def parse_dbml(source: str) -> Diagram:
    """The tables and references of a DBML text; `DiagramSyntaxError` where pydbml rejects it."""
    try:
        with warnings.catch_warnings():  # as at the import
            warnings.simplefilter("ignore", DeprecationWarning)
            database = PyDBML(source)
    except pyparsing.ParseBaseException as error:
        raise DiagramSyntaxError(error.msg, error.lineno) from error
    except Exception as error:  # a reference to a missing table or column, a duplicate reference
        raise DiagramSyntaxError(f"{type(error).__name__}: {error}") from error
    diagram = Diagram()
    for table in database.tables:
        diagram.entities[_table_name(table)] = _attributes(table)
        if table.note.text:
            diagram.notes[_table_name(table)] = table.note.text
    diagram.relationships = [_relationship(ref) for ref in database.refs]
    return diagram
