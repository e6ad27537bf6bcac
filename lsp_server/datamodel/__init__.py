"""ER models read statically from code and DDL, rendered as diagrams and schemas, and checked.

The public API (everything else is an implementation detail of these):

- `extract(paths, dialect=, kinds=, overrides=)` / `extract_sources([Source…])` → `ERModel`
- `ERModel`, `Entity`, `Attribute`, `Relationship`, `ERWarning`, `Location`, `Ref` (JSON-ready)
- `render(model, fmt, dialect=, collapse_associations=)` with `FORMATS`; `GraphvizError`
- `roundtrip_problems(model, fmt, text)`: read a rendering back and say what differs
"""

from lsp_server.datamodel.check.roundtrip import roundtrip_problems
from lsp_server.datamodel.extract import KINDS, Source, extract, extract_sources
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

__all__ = [
    "CARDINALITIES",
    "FORMATS",
    "KINDS",
    "MANY_TO_MANY",
    "ONE_TO_MANY",
    "ONE_TO_ONE",
    "Attribute",
    "ERModel",
    "ERWarning",
    "Entity",
    "GraphvizError",
    "Location",
    "Ref",
    "Relationship",
    "Source",
    "extract",
    "extract_sources",
    "render",
    "roundtrip_problems",
]
