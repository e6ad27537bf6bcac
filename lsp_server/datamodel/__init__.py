"""ER models read statically from code and DDL, and rendered as diagrams and schemas. The tests
read every rendering back with their own oracle (tests/oracle); it is not shipped.

The public API (everything else is an implementation detail of these):

- `build(ERRequest(...), backend=)` → `ERResult`: the use case `ubiq er` and `ubiq.erModel` share
- `extract(paths, dialect=, kinds=, overrides=)` / `extract_sources([Source…])` → `ERModel`
- `ERModel`, `Entity`, `Attribute`, `Relationship`, `ERWarning`, `Location`, `Ref` (JSON-ready)
- `render(model, fmt, dialect=, collapse_associations=)` with `FORMATS`; `GraphvizError`
- `suggest(model, glossary=)` → `[Suggestion…]`: undeclared foreign keys and many-to-manys by
  rule, names the glossary disagrees with; `render(…, suggestions=)` draws them apart
- `read_text(backend, text, path)` → `ERModel`: requirement text read by the model, step by step,
  every fact a suggestion; `merge_into(code_model, text_model)`
- `declare_foreign_key(source, suggestion, model)` → the edits that write a suggestion into code
"""

from lsp_server.datamodel.build import ERRequest, ERResult, Requirements, build
from lsp_server.datamodel.declare import Declaration, TextEdit, declare_foreign_key
from lsp_server.datamodel.extract import KINDS, Source, extract, extract_sources
from lsp_server.datamodel.from_text import merge_into, read_text
from lsp_server.datamodel.model import (
    CARDINALITIES,
    MANY_TO_MANY,
    ONE_TO_MANY,
    ONE_TO_ONE,
    Attribute,
    Entity,
    ERModel,
    ERWarning,
    Location,
    Ref,
    Relationship,
)
from lsp_server.datamodel.render import FORMATS, GraphvizError, render
from lsp_server.datamodel.suggest import SUGGESTION_KINDS, Rename, Suggestion, suggest

__all__ = [
    "CARDINALITIES",
    "FORMATS",
    "SUGGESTION_KINDS",
    "KINDS",
    "MANY_TO_MANY",
    "ONE_TO_MANY",
    "ONE_TO_ONE",
    "Attribute",
    "Declaration",
    "ERModel",
    "ERRequest",
    "ERResult",
    "ERWarning",
    "Entity",
    "GraphvizError",
    "Location",
    "Ref",
    "Relationship",
    "Rename",
    "Requirements",
    "Source",
    "Suggestion",
    "TextEdit",
    "build",
    "declare_foreign_key",
    "extract",
    "extract_sources",
    "merge_into",
    "read_text",
    "render",
    "suggest",
]
