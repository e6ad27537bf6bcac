"""Graphviz DOT text: one HTML-like table per entity (name, then one row per attribute with
its keys) and crow's-foot edges (`teetee`, `teeodot`, `crowodot` at each end). The input of
`dot -Tsvg`; also useful on its own for people who lay out with Graphviz."""

from __future__ import annotations

from html import escape

from lsp_server.datamodel.model import MANY_TO_MANY, ONE_TO_ONE, ERModel, Relationship
from lsp_server.datamodel.render.mermaid import keys_of
from lsp_server.datamodel.render.view import diagram_view

_FONT = "Helvetica,Arial,sans-serif"


def quoted_id(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def arrows(rel: Relationship) -> tuple[str, str]:
    """(tail at `from`, head at `to`)."""
    if rel.cardinality == MANY_TO_MANY:
        return "crowodot", "crowodot"
    tail = "teeodot" if rel.optional else "teetee"
    return tail, "teeodot" if rel.cardinality == ONE_TO_ONE else "crowodot"


def render_dot(model: ERModel, collapse_associations: bool = True) -> str:
    view = diagram_view(model, collapse_associations)
    lines = [
        "digraph ER {",
        f'  graph [rankdir=LR, fontname="{_FONT}", nodesep=0.6, ranksep=1.0];',
        f'  node [shape=plain, fontname="{_FONT}", fontsize=11];',
        f'  edge [fontname="{_FONT}", fontsize=9, dir=both];',
    ]
    for entity in view.entities:
        rows = [f'<tr><td bgcolor="#dbe4f0"><b>{escape(entity.name)}</b></td></tr>']
        for attribute in entity.attributes:
            keys = " ".join(keys_of(attribute))
            text = f"{escape(attribute.name)} : {escape(attribute.type or 'unknown')}"
            if keys:
                text += f" <i>{escape(keys)}</i>"
            if attribute.pk:
                text = f"<u>{text}</u>"
            rows.append(f'<tr><td align="left">{text}</td></tr>')
        if entity.description:
            rows.append(
                f'<tr><td align="left"><font point-size="9">{escape(entity.description)}</font></td></tr>'
            )
        table = (
            '<table border="0" cellborder="1" cellspacing="0" cellpadding="4">' + "".join(rows) + "</table>"
        )
        lines.append(f"  {quoted_id(entity.name)} [label=<{table}>];")
    for rel in view.relationships:
        tail, head = arrows(rel)
        style = "" if rel.declared else ", style=dashed"
        lines.append(
            f"  {quoted_id(rel.from_entity)} -> {quoted_id(rel.to_entity)} "
            f"[arrowtail={tail}, arrowhead={head}, label={quoted_id(rel.label)}{style}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
