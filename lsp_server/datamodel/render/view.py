"""What a diagram draws: every entity and relationship, except that an association table
holding nothing but its two foreign keys is drawn as the many-to-many line it stands for.

An association with columns of its own (a Django `through` model with a date, say) stays a box
with its two one-to-many lines, and its many-to-many line is left out as implied. Renderers and
the round-trip checks share this one view, so a check compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lsp_server.datamodel.model import MANY_TO_MANY, Entity, ERModel, Relationship


@dataclass
class View:
    """What a diagram draws (see the module docstring): renderers draw this, not the model itself."""

    entities: list[Entity] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)


def _pure(entity: Entity, model: ERModel) -> bool:
    """Every attribute of the entity is a column of a foreign key it holds."""
    keys = {c for r in model.relationships if r.to_entity == entity.name for c in r.to_columns}
    return bool(entity.attributes) and all(a.name in keys for a in entity.attributes)


def diagram_view(model: ERModel, collapse_associations: bool = True) -> View:
    names = {e.name for e in model.entities}
    throughs = {
        r.through for r in model.relationships if r.cardinality == MANY_TO_MANY and r.through in names
    }
    hidden: set[str] = set()
    implied: set[str] = set()
    for name in throughs:
        entity = model.entity(name)
        if entity is None:
            continue
        if collapse_associations and _pure(entity, model):
            hidden.add(name)
        else:
            implied.add(name)
    relationships = [
        r
        for r in model.relationships
        if r.from_entity not in hidden
        and r.to_entity not in hidden
        and not (r.cardinality == MANY_TO_MANY and r.through in implied)
    ]
    return View([e for e in model.entities if e.name not in hidden], relationships)


def table_name(entity: Entity, model: ERModel) -> str:
    """The name its table goes by in DDL and DBML: the table's, or the entity's when the entity
    has no table or two entities share one (in different schemas or apps)."""
    table = entity.table or entity.name
    if sum(1 for e in model.entities if (e.table or e.name) == table) > 1:
        return entity.name
    return table


def column_name(entity: Entity, attribute_name: str) -> str:
    """The storage column of an attribute (`customer` → `customer_id` for a Django key)."""
    attribute = entity.attribute(attribute_name)
    return attribute.column_name if attribute is not None else attribute_name
