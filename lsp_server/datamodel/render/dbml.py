"""DBML (dbdiagram.io's schema language): `Table` blocks with column settings and notes,
composite primary keys as `indexes { (a, b) [pk] }`, and `Ref:` lines (`>` many-to-one, `-`
one-to-one, `<>` many-to-many).

DBML describes a database, so it names tables and storage columns (`customer_id`, not the ORM's
`customer`). A reference needs columns at both ends: one the model cannot name (a typed
reference between plain classes with no key) is written as a comment, not invented.
"""

from __future__ import annotations

import re

from lsp_server.datamodel.model import MANY_TO_MANY, ONE_TO_ONE, Entity, ERModel, Relationship
from lsp_server.datamodel.render.view import column_name, diagram_view, table_name

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORDS = {
    "table",
    "ref",
    "note",
    "enum",
    "project",
    "tablegroup",
    "indexes",
    "as",
    "tablepartial",
    "records",
}
_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\(\s*\d+(\s*,\s*\d+)*\s*\))?(\[\])?")


def name(value: str) -> str:
    """An identifier, double-quoted unless plain (and not a keyword)."""
    if _IDENTIFIER.fullmatch(value) and value.lower() not in _KEYWORDS:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def string(value: str) -> str:
    """A single-quoted DBML string on one line."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return "'" + " ".join(escaped.split()) + "'"


def type_name(value: str) -> str:
    compact = value.replace(" ", "")
    return compact if compact and _TYPE.fullmatch(compact) else name(value or "unknown")


def ref_columns(rel: Relationship, model: ERModel) -> tuple[list[str], list[str]] | None:
    """(columns on `from`, columns on `to`) of a relationship, or None if it has no key columns."""
    parent, child = model.entity(rel.from_entity), model.entity(rel.to_entity)
    if parent is None or child is None:
        return None
    if rel.cardinality == MANY_TO_MANY:
        left, right = [a.name for a in parent.primary_key], [a.name for a in child.primary_key]
        if len(left) != 1 or len(right) != 1:
            return None
        return [column_name(parent, left[0])], [column_name(child, right[0])]
    if not rel.to_columns:
        return None
    referenced = rel.from_columns or [a.name for a in parent.primary_key]
    if len(referenced) != len(rel.to_columns):
        return None
    return [column_name(parent, c) for c in referenced], [column_name(child, c) for c in rel.to_columns]


def endpoint(table: str, columns: list[str]) -> str:
    if len(columns) == 1:
        return f"{name(table)}.{name(columns[0])}"
    return f"{name(table)}.({', '.join(name(c) for c in columns)})"


def _table(entity: Entity, model: ERModel) -> list[str]:
    header = f"Table {name(table_name(entity, model))}"
    lines = [header + " {"]
    composite = len(entity.primary_key) > 1
    for attribute in entity.attributes:
        settings = []
        if attribute.pk and not composite:
            settings.append("pk")
        if not attribute.nullable and not attribute.pk:
            settings.append("not null")
        if attribute.unique and not attribute.pk:
            settings.append("unique")
        if attribute.default is not None:
            settings.append(f"default: {string(attribute.default)}")
        if attribute.description:
            settings.append(f"note: {string(attribute.description)}")
        suffix = f" [{', '.join(settings)}]" if settings else ""
        lines.append(f"  {name(attribute.column_name)} {type_name(attribute.type)}{suffix}")
    if composite:
        columns = ", ".join(name(a.column_name) for a in entity.primary_key)
        lines += ["", "  indexes {", f"    ({columns}) [pk]", "  }"]
    if entity.description:
        lines += ["", f"  Note: {string(entity.description)}"]
    lines.append("}")
    return lines


def render_dbml(model: ERModel, collapse_associations: bool = True) -> str:
    view = diagram_view(model, collapse_associations)
    lines: list[str] = []
    for entity in view.entities:
        lines += _table(entity, model) + [""]
    for rel in view.relationships:
        columns = ref_columns(rel, model)
        parent, child = model.entity(rel.from_entity), model.entity(rel.to_entity)
        if columns is None or parent is None or child is None:
            what = f"{rel.from_entity} {rel.cardinality} {rel.to_entity} ({rel.label})"
            lines.append(f"// {what}: no key columns to reference")
            continue
        left, right = columns
        parent_table, child_table = table_name(parent, model), table_name(child, model)
        if rel.cardinality == MANY_TO_MANY:
            lines.append(f"Ref: {endpoint(parent_table, left)} <> {endpoint(child_table, right)}")
        else:
            operator = "-" if rel.cardinality == ONE_TO_ONE else ">"
            lines.append(f"Ref: {endpoint(child_table, right)} {operator} {endpoint(parent_table, left)}")
    return "\n".join(lines).rstrip() + "\n"
