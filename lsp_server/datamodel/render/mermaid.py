"""Mermaid `erDiagram` text, written to the lexer rules of Mermaid's `erDiagram.jison`.

Those rules decide what must be quoted: an entity name is a bare word only if no keyword of the
grammar is its prefix (its lexer takes the first rule that matches, so `Token` would read as
`to` + `ken`); attribute types and names are words of letters, digits, `_`, `()` and `[]`;
comments and labels are double-quoted and may not contain `"`; and any line that reads
"direction TB" is taken as a direction statement, so free text never may.
"""

from __future__ import annotations

import re

from lsp_server.datamodel.model import MANY_TO_MANY, ONE_TO_ONE, Attribute, Entity, ERModel, Relationship
from lsp_server.datamodel.render.view import diagram_view

# Rules that come before the plain-word rule in the lexer, lower-cased.
_KEYWORD_PREFIXES = (
    "accdescr",
    "acctitle",
    "class",
    "style",
    "subgraph",
    "erdiagram",
    "many",
    "one",
    "only",
    "optionally",
    "to",
    "zero",
    "direction",
)
_BARE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DIRECTION = re.compile(r"(direction)\s+(tb|bt|rl|lr)", re.IGNORECASE)
_KEY_WORD = re.compile(r"(pk|fk|uk)\b", re.IGNORECASE)  # lexed as a key marker, not a word

# (left, right) cardinality markers: left is how many `from` rows, right how many `to` rows.
ONE, ZERO_OR_ONE, ZERO_OR_MORE = "||", "|o", "}o"
ZERO_OR_ONE_RIGHT, ZERO_OR_MORE_RIGHT = "o|", "o{"


def text(value: str) -> str:
    """Free text for a double-quoted comment or label: one line, no `"`, no direction statement."""
    flat = " ".join(value.replace('"', "'").split())
    return _DIRECTION.sub(r"\1_\2", flat)


def entity_name(name: str) -> str:
    """A name as Mermaid reads it back: bare if safe, else double-quoted."""
    lowered = name.lower()
    if (
        _BARE_NAME.fullmatch(name)
        and lowered != "end"
        and not lowered.startswith(_KEYWORD_PREFIXES)
        and "direction" not in lowered  # its lexer's direction rule reads across line ends
    ):
        return name
    cleaned = _DIRECTION.sub(r"\1_\2", re.sub(r'["%\\\r\n\v\x08]', "_", name))
    return f'"{cleaned}"'


def unquoted(name: str) -> str:
    """The entity name Mermaid keeps (quotes are dropped by its parser)."""
    written = entity_name(name)
    return written[1:-1] if written.startswith('"') else written


def word(value: str) -> str:
    """An attribute type or name: letters, digits, `_`, `()`, `[]`; nothing that starts a key."""
    cleaned = "".join(
        c if c.isascii() and (c.isalnum() or c in "_()[]") or ("\u00c0" <= c <= "\uffff") else "_"
        for c in value
    )
    if not cleaned:
        return "unknown"
    if not (cleaned[0].isalpha() or cleaned[0] == "_"):
        cleaned = "_" + cleaned
    return f"`{cleaned}`" if _KEY_WORD.match(cleaned) else cleaned


def keys_of(attribute: Attribute) -> list[str]:
    keys = []
    if attribute.pk:
        keys.append("PK")
    if attribute.fk is not None:
        keys.append("FK")
    if attribute.unique and not attribute.pk:
        keys.append("UK")
    return keys


def markers(rel: Relationship) -> tuple[str, str]:
    if rel.cardinality == MANY_TO_MANY:
        return ZERO_OR_MORE, ZERO_OR_MORE_RIGHT
    left = ZERO_OR_ONE if rel.optional else ONE
    return left, ZERO_OR_ONE_RIGHT if rel.cardinality == ONE_TO_ONE else ZERO_OR_MORE_RIGHT


def identifying(rel: Relationship, child: Entity | None) -> bool:
    """The child's key includes the foreign key: a solid line; otherwise dashed."""
    if child is None or not rel.to_columns or rel.cardinality == MANY_TO_MANY:
        return False
    return set(rel.to_columns) <= {a.name for a in child.primary_key}


def _attribute_line(attribute: Attribute) -> str:
    parts = [word(attribute.type), word(attribute.name)]
    keys = keys_of(attribute)
    if keys:
        parts.append(", ".join(keys))
    if attribute.description:
        parts.append(f'"{text(attribute.description)}"')
    return "        " + " ".join(parts)


def render_mermaid(model: ERModel, collapse_associations: bool = True) -> str:
    view = diagram_view(model, collapse_associations)
    lines = ["erDiagram"]
    for entity in view.entities:
        name = entity_name(entity.name)
        if not entity.attributes:
            lines.append(f"    {name}")
            continue
        lines.append(f"    {name} {{")
        lines.extend(_attribute_line(a) for a in entity.attributes)
        lines.append("    }")
    for rel in view.relationships:
        left, right = markers(rel)
        line = "--" if identifying(rel, model.entity(rel.to_entity)) else ".."
        label = text(rel.label)
        lines.append(
            f'    {entity_name(rel.from_entity)} {left}{line}{right} {entity_name(rel.to_entity)} : "{label}"'
        )
    return "\n".join(lines) + "\n"
