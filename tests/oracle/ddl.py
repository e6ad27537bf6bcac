"""Read DDL back with sqlglot alone (independently of the extractor): its tables, columns,
keys, comments and foreign keys, as a `Diagram` (a foreign key reads as a one-to-many from the
referenced table)."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from tests.oracle.diagram import ONE, ZERO_OR_MORE, Diagram, ParsedAttribute, ParsedRelationship


def _name(node: exp.Expression | None) -> str:
    return node.name if node is not None else ""


def _reference(diagram: Diagram, table: str, columns: list[str], reference: exp.Reference) -> None:
    target = reference.this
    referenced = [_name(e) for e in target.expressions] if isinstance(target, exp.Schema) else []
    parent = target.this.name if isinstance(target, exp.Schema) else target.name
    diagram.relationships.append(
        ParsedRelationship(parent, table, ONE, ZERO_OR_MORE, "", tuple(referenced), tuple(columns))
    )


def _constraint(diagram: Diagram, table: str, item: exp.Expression) -> None:
    attributes = {a.name: a for a in diagram.entities.get(table, [])}
    if isinstance(item, exp.Constraint):
        for inner in item.expressions:
            _constraint(diagram, table, inner)
    elif isinstance(item, exp.PrimaryKey):
        for column in item.expressions:
            attribute = attributes.get(_name(column))
            if attribute is not None:
                attribute.keys = ("PK", *attribute.keys)
                attribute.nullable = False
    elif isinstance(item, exp.ForeignKey) and isinstance(item.args.get("reference"), exp.Reference):
        _reference(diagram, table, [_name(e) for e in item.expressions], item.args["reference"])


def read_ddl(text: str, dialect: str) -> Diagram:
    """Raises sqlglot's `ParseError` where the DDL is not valid in `dialect`."""
    diagram = Diagram()
    statements = [s for s in sqlglot.parse(text, read=dialect, error_level=sqlglot.ErrorLevel.RAISE) if s]
    for statement in statements:
        if isinstance(statement, exp.Create) and isinstance(statement.this, exp.Schema):
            table = statement.this.this.name
            attributes = diagram.add_entity(table)
            for prop in (statement.args.get("properties") or exp.Properties()).expressions:
                if isinstance(prop, exp.SchemaCommentProperty):
                    diagram.notes[table] = prop.this.name
            for column in statement.this.expressions:
                if isinstance(column, exp.ColumnDef):
                    keys: list[str] = []
                    nullable, comment = True, ""
                    for constraint in column.constraints:
                        kind = constraint.args.get("kind")
                        if isinstance(kind, exp.PrimaryKeyColumnConstraint):
                            keys.append("PK")
                            nullable = False
                        elif isinstance(kind, exp.UniqueColumnConstraint):
                            keys.append("UK")
                        elif isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get(
                            "allow_null"
                        ):
                            nullable = False
                        elif isinstance(kind, exp.CommentColumnConstraint):
                            comment = kind.this.name
                        elif isinstance(kind, exp.Reference):
                            _reference(diagram, table, [column.name], kind)
                    kind_node = column.args.get("kind")
                    attributes.append(
                        ParsedAttribute(
                            column.name,
                            kind_node.sql(dialect) if kind_node else "",
                            tuple(keys),
                            comment,
                            nullable,
                        )
                    )
            for item in statement.this.expressions:
                if not isinstance(item, exp.ColumnDef):
                    _constraint(diagram, table, item)
        elif isinstance(statement, exp.Alter):
            table = statement.this.name
            for action in statement.args.get("actions") or []:
                for item in action.expressions if isinstance(action, exp.AddConstraint) else []:
                    _constraint(diagram, table, item)
        elif isinstance(statement, exp.Comment) and str(statement.args.get("kind")).upper() == "COLUMN":
            column = statement.this
            for attribute in diagram.entities.get(column.table, []):
                if attribute.name == column.name:
                    attribute.comment = statement.expression.name
        elif isinstance(statement, exp.Comment):
            diagram.notes[statement.this.name] = statement.expression.name
    return diagram
