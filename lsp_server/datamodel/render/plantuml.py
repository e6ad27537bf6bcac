"""PlantUML entity-relationship text in Information Engineering notation: one `entity` block
per entity (key attributes above the `--` line, `*` for NOT NULL, `<<PK>>`/`<<FK>>`/`<<UK>>`
stereotypes) and crow's-foot relationship lines (`||--o{`, `|o--o|`, `}o--o{`).

An entity is declared with its full name in quotes and a plain alias, because PlantUML aliases
may hold only letters, digits and `_`.
"""

from __future__ import annotations

import re

from lsp_server.datamodel.model import ERModel
from lsp_server.datamodel.render.mermaid import identifying, keys_of, markers
from lsp_server.datamodel.render.view import diagram_view


def alias(name: str) -> str:
    cleaned = re.sub(r"\W", "_", name, flags=re.ASCII)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"e_{cleaned}"


def entity_aliases(names: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in names:
        candidate, number = alias(name), 2
        while candidate in found.values():
            candidate, number = f"{alias(name)}_{number}", number + 1
        found[name] = candidate
    return found


def one_line(value: str) -> str:
    return " ".join(value.replace('"', "'").split())


def render_plantuml(model: ERModel, collapse_associations: bool = True) -> str:
    view = diagram_view(model, collapse_associations)
    aliases = entity_aliases([e.name for e in view.entities])
    lines = ["@startuml", "hide circle", "skinparam linetype ortho", ""]
    for entity in view.entities:
        lines.append(f'entity "{one_line(entity.name)}" as {aliases[entity.name]} {{')
        keys = [a for a in entity.attributes if a.pk]
        rest = [a for a in entity.attributes if not a.pk]
        for group in (keys, rest):
            for attribute in group:
                stereotypes = "".join(f" <<{k}>>" for k in keys_of(attribute))
                mandatory = "* " if not attribute.nullable else ""
                note = f" -- {one_line(attribute.description)}" if attribute.description else ""
                type_text = one_line(attribute.type).replace(" ", "_") or "unknown"
                lines.append(f"  {mandatory}{attribute.name} : {type_text}{stereotypes}{note}")
            if group is keys and keys:
                lines.append("  --")
        lines.append("}")
        lines.append("")
    for rel in view.relationships:
        left, right = markers(rel)
        line = "--" if identifying(rel, model.entity(rel.to_entity)) else ".."
        label = f" : {one_line(rel.label)}" if rel.label else ""
        lines.append(f"{aliases[rel.from_entity]} {left}{line}{right} {aliases[rel.to_entity]}{label}")
    lines.append("@enduml")
    return "\n".join(lines) + "\n"
