"""Check a rendered text against the model it was rendered from: read it back with the
format's own syntax rules, then compare entities, attributes (names and keys) and relationships
(ends and cardinality) with what the model says the text should hold.

`roundtrip_problems(model, fmt, text)` is empty when the text is valid and complete; each problem
is one line a person can read.
"""

from __future__ import annotations

from collections import Counter

from lsp_server.datamodel.model import MANY_TO_MANY, ONE_TO_ONE, ERModel, Relationship
from lsp_server.datamodel.render import dbml, ddl, mermaid
from lsp_server.datamodel.render.view import column_name, diagram_view, table_name
from tests.oracle.dbml import parse_dbml
from tests.oracle.ddl import read_ddl
from tests.oracle.diagram import (
    MANY,
    ONE,
    ZERO_OR_MORE,
    ZERO_OR_ONE,
    Diagram,
    DiagramSyntaxError,
    ParsedAttribute,
    ParsedRelationship,
)
from tests.oracle.mermaid import parse_mermaid
from tests.oracle.plantuml import parse_plantuml

CHECKED_FORMATS = ("mermaid", "dbml", "plantuml", "ddl")


def _cardinalities(rel: Relationship) -> tuple[str, str]:
    if rel.cardinality == MANY_TO_MANY:
        return ZERO_OR_MORE, ZERO_OR_MORE
    return (ZERO_OR_ONE if rel.optional else ONE), (
        ZERO_OR_ONE if rel.cardinality == ONE_TO_ONE else ZERO_OR_MORE
    )


def expected_diagram(model: ERModel, fmt: str, collapse_associations: bool = True) -> Diagram:
    """What a text in `fmt` rendered from `model` must say."""
    diagram = Diagram()
    if fmt == "ddl":
        return _expected_ddl(model)
    view = diagram_view(model, collapse_associations)
    for entity in view.entities:
        if fmt == "mermaid":
            name = mermaid.unquoted(entity.name)
            attributes = [
                ParsedAttribute(
                    mermaid.word(a.name).strip("`"),
                    mermaid.word(a.type).strip("`"),
                    tuple(mermaid.keys_of(a)),
                )
                for a in entity.attributes
            ]
        elif fmt == "dbml":
            name = table_name(entity, model)
            attributes = [
                ParsedAttribute(a.column_name, "", tuple(k for k in mermaid.keys_of(a) if k != "FK"))
                for a in entity.attributes
            ]
        else:  # PlantUML writes the key attributes first, above its `--` line
            name = entity.name
            ordered = [a for a in entity.attributes if a.pk] + [a for a in entity.attributes if not a.pk]
            attributes = [ParsedAttribute(a.name, "", tuple(mermaid.keys_of(a))) for a in ordered]
        diagram.entities[name] = attributes
    for rel in view.relationships:
        left, right = _cardinalities(rel)
        parent, child = model.entity(rel.from_entity), model.entity(rel.to_entity)
        if fmt == "mermaid":
            ends = mermaid.unquoted(rel.from_entity), mermaid.unquoted(rel.to_entity)
        elif fmt == "dbml":
            if dbml.ref_columns(rel, model) is None or parent is None or child is None:
                continue  # written as a comment: DBML needs key columns at both ends
            ends = table_name(parent, model), table_name(child, model)
        else:
            ends = rel.from_entity, rel.to_entity
        diagram.relationships.append(ParsedRelationship(ends[0], ends[1], left, right, rel.label))
    return diagram


def _expected_ddl(model: ERModel) -> Diagram:
    diagram = Diagram()
    collections = ddl.collection_attributes(model)
    for entity in model.entities:
        table = table_name(entity, model)
        keys = {a.name for a in entity.primary_key}
        diagram.entities[table] = [
            ParsedAttribute(a.column_name, "", ("PK",) if a.name in keys else ())
            for a in entity.attributes
            if (entity.name, a.name) not in collections
        ]
        for columns, parent, referenced in ddl.foreign_keys(entity, model):
            diagram.relationships.append(
                ParsedRelationship(
                    table_name(parent, model),
                    table,
                    ONE,
                    ZERO_OR_MORE,
                    "",
                    tuple(column_name(parent, c) for c in referenced),
                    tuple(column_name(entity, c) for c in columns),
                )
            )
    for rel in model.relationships:
        spec = ddl.join_table(rel, model)
        left, right = model.entity(rel.from_entity), model.entity(rel.to_entity)
        if spec is None or left is None or right is None:
            continue
        table, left_column, right_column = spec
        diagram.entities[table] = [
            ParsedAttribute(left_column, "", ("PK",)),
            ParsedAttribute(right_column, "", ("PK",)),
        ]
        for column, end in ((left_column, left), (right_column, right)):
            diagram.relationships.append(
                ParsedRelationship(
                    table_name(end, model),
                    table,
                    ONE,
                    ZERO_OR_MORE,
                    "",
                    (end.primary_key[0].column_name,),
                    (column,),
                )
            )
    return diagram


def relationship_key(rel: ParsedRelationship, cardinality: bool = True) -> tuple:
    """A relationship as ends and kind, the same whichever way round the text wrote it."""
    left_many, right_many = rel.left_cardinality in MANY, rel.right_cardinality in MANY
    if not cardinality:
        return ("ref", rel.left, rel.right, rel.left_columns, rel.right_columns)
    if left_many and right_many:
        return ("N:M", *sorted((rel.left, rel.right)))
    if left_many:
        return ("1:N", rel.right, rel.left)
    if right_many:
        return ("1:N", rel.left, rel.right)
    return ("1:1", *sorted((rel.left, rel.right)))


def compare(expected: Diagram, actual: Diagram, fmt: str) -> list[str]:
    problems = []
    missing = set(expected.entities) - set(actual.entities)
    extra = set(actual.entities) - set(expected.entities)
    problems += [f"entity {name!r} is missing" for name in sorted(missing)]
    problems += [f"entity {name!r} is not in the model" for name in sorted(extra)]
    for name in sorted(set(expected.entities) & set(actual.entities)):
        want = [(a.name, set(a.keys)) for a in expected.entities[name]]
        have = [(a.name, set(a.keys)) for a in actual.entities[name]]
        if fmt == "ddl":  # DDL says only which columns are keys
            have = [(n, k & {"PK"}) for n, k in have]
        if [n for n, _ in want] != [n for n, _ in have]:
            problems.append(f"{name}: attributes {[n for n, _ in have]} instead of {[n for n, _ in want]}")
        elif want != have:
            problems.append(f"{name}: keys {have} instead of {want}")
    by_cardinality = fmt != "ddl"
    want_rels = Counter(relationship_key(r, by_cardinality) for r in expected.relationships)
    have_rels = Counter(relationship_key(r, by_cardinality) for r in actual.relationships)
    problems += [f"relationship {key} is missing" for key in sorted(want_rels - have_rels, key=str)]
    problems += [f"relationship {key} is not in the model" for key in sorted(have_rels - want_rels, key=str)]
    return problems


def parse(fmt: str, text: str, dialect: str = "postgres") -> Diagram:
    if fmt == "mermaid":
        return parse_mermaid(text)
    if fmt == "dbml":
        return parse_dbml(text)
    if fmt == "plantuml":
        return parse_plantuml(text)
    if fmt == "ddl":
        return read_ddl(text, dialect)
    raise ValueError(f"no reader for {fmt!r}; checked formats are {CHECKED_FORMATS}")


def roundtrip_problems(
    model: ERModel, fmt: str, text: str, dialect: str = "postgres", collapse_associations: bool = True
) -> list[str]:
    """Problems with `text` as a rendering of `model` in `fmt`: a syntax error, or what differs."""
    try:
        actual = parse(fmt, text, dialect)
    except DiagramSyntaxError as error:
        return [f"{fmt} syntax error: {error}"]
    except Exception as error:  # sqlglot's ParseError and TokenError alike
        return [f"{fmt} syntax error: {error}"]
    return compare(expected_diagram(model, fmt, collapse_associations), actual, fmt)
