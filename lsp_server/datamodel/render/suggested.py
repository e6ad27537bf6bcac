"""Suggestions drawn apart from the facts: after everything the code declares, under a comment
that says they are suggestions. Diagrams (Mermaid, PlantUML, DOT) draw a suggested foreign key
as a dashed line labelled `suggested: …`; schemas (DBML, DDL) carry it as a commented-out `Ref`
or `ALTER TABLE`, so importing the file never declares what nobody accepted. Many-to-manys and
renames are comments everywhere, and JSON lists them all under `"suggestions"`.

The package's `render()` calls this module, so it takes what it needs from the renderers' own
modules, never from the package: no import cycle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlglot import exp

from lsp_server.datamodel.model import ONE_TO_ONE, Entity, ERModel, Relationship
from lsp_server.datamodel.render.dbml import endpoint, ref_columns
from lsp_server.datamodel.render.dot import arrows, quoted_id
from lsp_server.datamodel.render.mermaid import entity_name, markers
from lsp_server.datamodel.render.mermaid import text as mermaid_text
from lsp_server.datamodel.render.plantuml import entity_aliases, one_line
from lsp_server.datamodel.render.view import diagram_view, table_name
from lsp_server.datamodel.suggest import FOREIGN_KEY, Suggestion

HEADER = "Suggested by Ubiq, not declared in the code"
GREY = "#888888"


def _drawn(suggestion: Suggestion, names: set[str]) -> Relationship | None:
    """The suggested foreign key to draw as a line, if both its ends are drawn."""
    rel = suggestion.relationship
    if suggestion.kind != FOREIGN_KEY or rel is None:
        return None
    return rel if rel.from_entity in names and rel.to_entity in names else None


def label(rel: Relationship) -> str:
    return "suggested: " + ", ".join(rel.to_columns)


def _note(suggestion: Suggestion) -> str:
    return " ".join(f"{suggestion.kind}: {suggestion.message} ({suggestion.evidence})".split())


def mermaid_lines(model: ERModel, suggestions: Sequence[Suggestion], collapse: bool) -> list[str]:
    names = {e.name for e in diagram_view(model, collapse).entities}
    lines = [f"    %% {HEADER}:"]
    for suggestion in suggestions:
        lines.append(f"    %% {mermaid_text(_note(suggestion))}")
        rel = _drawn(suggestion, names)
        if rel is not None:
            left, right = markers(rel)
            lines.append(
                f"    {entity_name(rel.from_entity)} {left}..{right} "
                f'{entity_name(rel.to_entity)} : "{mermaid_text(label(rel))}"'
            )
    return lines


def plantuml_lines(model: ERModel, suggestions: Sequence[Suggestion], collapse: bool) -> list[str]:
    entities = diagram_view(model, collapse).entities
    aliases = entity_aliases([e.name for e in entities])
    lines = [f"' {HEADER}:"]
    for suggestion in suggestions:
        lines.append(f"' {one_line(_note(suggestion))}")
        rel = _drawn(suggestion, set(aliases))
        if rel is not None:
            left, right = markers(rel)
            ends = f"{aliases[rel.from_entity]} {left}..{right} {aliases[rel.to_entity]}"
            lines.append(f"{ends} : {one_line(label(rel))}")
    return lines


def dot_lines(model: ERModel, suggestions: Sequence[Suggestion], collapse: bool) -> list[str]:
    names = {e.name for e in diagram_view(model, collapse).entities}
    lines = [f"  // {HEADER}:"]
    for suggestion in suggestions:
        lines.append(f"  // {_note(suggestion)}")
        rel = _drawn(suggestion, names)
        if rel is not None:
            tail, head = arrows(rel)
            style = f'style=dashed, color="{GREY}", fontcolor="{GREY}"'
            lines.append(
                f"  {quoted_id(rel.from_entity)} -> {quoted_id(rel.to_entity)} "
                f"[arrowtail={tail}, arrowhead={head}, label={quoted_id(label(rel))}, {style}];"
            )
    return lines


def _keys(suggestion: Suggestion, model: ERModel) -> tuple[Entity, Entity, list[str], list[str]] | None:
    """(parent, child, referenced columns, key columns) of a suggested foreign key."""
    rel = suggestion.relationship
    if suggestion.kind != FOREIGN_KEY or rel is None:
        return None
    parent, child, columns = (
        model.entity(rel.from_entity),
        model.entity(rel.to_entity),
        ref_columns(rel, model),
    )
    if parent is None or child is None or columns is None:
        return None
    return parent, child, columns[0], columns[1]


def dbml_lines(model: ERModel, suggestions: Sequence[Suggestion]) -> list[str]:
    lines = [f"// {HEADER}:"]
    for suggestion in suggestions:
        lines.append(f"// {_note(suggestion)}")
        keys = _keys(suggestion, model)
        if keys is not None and suggestion.relationship is not None:
            parent, child, referenced, columns = keys
            operator = "-" if suggestion.relationship.cardinality == ONE_TO_ONE else ">"
            lines.append(
                f"// Ref: {endpoint(table_name(child, model), columns)} {operator} "
                f"{endpoint(table_name(parent, model), referenced)}"
            )
    return lines


def ddl_lines(model: ERModel, suggestions: Sequence[Suggestion], dialect: str) -> list[str]:
    lines = [f"-- {HEADER}:"]
    for suggestion in suggestions:
        lines.append(f"-- {_note(suggestion)}")
        keys = _keys(suggestion, model)
        if keys is None:
            continue
        parent, child, referenced, columns = keys
        reference = exp.Reference(
            this=exp.Schema(
                this=exp.to_table(table_name(parent, model), quoted=True),
                expressions=[exp.to_identifier(c, quoted=True) for c in referenced],
            )
        )
        key = exp.ForeignKey(
            expressions=[exp.to_identifier(c, quoted=True) for c in columns], reference=reference
        )
        statement = exp.Alter(
            this=exp.to_table(table_name(child, model), quoted=True),
            kind="TABLE",
            actions=[exp.AddConstraint(expressions=[key])],
        )
        lines.append(f"-- {statement.sql(dialect=dialect, identify=True)};")
    return lines


def with_suggestions(
    text: str,
    model: ERModel,
    suggestions: Sequence[Suggestion],
    fmt: str,
    dialect: str = "postgres",
    collapse: bool = True,
) -> str:
    """`text`, the model rendered in `fmt`, with the suggestions added where that format allows."""
    if fmt == "json":
        data = json.loads(text)
        data["suggestions"] = [s.to_dict() for s in suggestions]
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if not suggestions:
        return text
    body = text.rstrip("\n")
    if fmt == "mermaid":
        return "\n".join([body, *mermaid_lines(model, suggestions, collapse)]) + "\n"
    if fmt == "plantuml":
        head, end = body.rsplit("\n", 1)  # "@enduml" closes the diagram
        return "\n".join([head, *plantuml_lines(model, suggestions, collapse), end]) + "\n"
    if fmt == "dot":
        head, end = body.rsplit("\n", 1)  # "}" closes the graph
        return "\n".join([head, *dot_lines(model, suggestions, collapse), end]) + "\n"
    if fmt == "dbml":
        return "\n".join([body, "", *dbml_lines(model, suggestions)]) + "\n"
    if fmt == "ddl":
        return "\n".join([body, "", *ddl_lines(model, suggestions, dialect)]) + "\n"
    raise ValueError(f"suggestions cannot be added to {fmt!r}")
