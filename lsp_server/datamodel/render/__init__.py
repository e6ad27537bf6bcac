"""Render an ER model in one of the supported formats; one entry point for the CLI and the LSP."""

from __future__ import annotations

from collections.abc import Sequence

from lsp_server.datamodel.model import ERModel
from lsp_server.datamodel.render.dbml import render_dbml
from lsp_server.datamodel.render.ddl import render_ddl
from lsp_server.datamodel.render.dot import render_dot
from lsp_server.datamodel.render.mermaid import render_mermaid
from lsp_server.datamodel.render.plantuml import render_plantuml
from lsp_server.datamodel.render.suggested import with_suggestions
from lsp_server.datamodel.render.svg import GraphvizError, dot_svg
from lsp_server.datamodel.suggest import Suggestion
from lsp_server.errors import InputError

FORMATS = ("mermaid", "dbml", "plantuml", "ddl", "json", "dot", "svg")

__all__ = ["FORMATS", "GraphvizError", "render"]


def render(
    model: ERModel,
    fmt: str = "mermaid",
    *,
    dialect: str = "postgres",
    collapse_associations: bool = True,
    suggestions: Sequence[Suggestion] | None = None,
) -> str:
    """The model as text in `fmt` (one of `FORMATS`). `dialect` is for `ddl`;
    `collapse_associations` draws pure association tables as many-to-many lines (diagrams only);
    `suggestions` are drawn apart from the facts (see `render.suggested`), and JSON gets a
    `"suggestions"` list whenever they are given, even empty.
    Raises `InputError` for an unknown format, `GraphvizError` when SVG cannot be drawn."""
    if suggestions is not None:
        if fmt == "svg":
            return dot_svg(
                render(model, "dot", collapse_associations=collapse_associations, suggestions=suggestions)
            )
        text = render(model, fmt, dialect=dialect, collapse_associations=collapse_associations)
        return with_suggestions(text, model, suggestions, fmt, dialect, collapse_associations)
    if fmt == "mermaid":
        return render_mermaid(model, collapse_associations)
    if fmt == "dbml":
        return render_dbml(model, collapse_associations)
    if fmt == "plantuml":
        return render_plantuml(model, collapse_associations)
    if fmt == "dot":
        return render_dot(model, collapse_associations)
    if fmt == "svg":
        return dot_svg(render_dot(model, collapse_associations))
    if fmt == "ddl":
        return render_ddl(model, dialect)
    if fmt == "json":
        return model.to_json() + "\n"
    raise InputError(f"unknown ER format {fmt!r}", f"choose one of: {', '.join(FORMATS)}")
