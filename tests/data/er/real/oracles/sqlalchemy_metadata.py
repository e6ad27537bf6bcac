"""Ground truth for a SQLAlchemy models module, from SQLAlchemy's own metadata and mappers.

Run with the package installed (it imports the module; the extractor never does):
    python sqlalchemy_metadata.py flask_appbuilder.security.sqla.models > expected.json
"""

import importlib
import json
import sys

from sqlalchemy import inspect
from sqlalchemy.orm import MANYTOMANY, ONETOMANY

module = importlib.import_module(sys.argv[1])
classes = [c for c in vars(module).values() if isinstance(c, type) and hasattr(c, "__mapper__")
           and c.__module__ == module.__name__]
metadata = classes[0].metadata
names = {c.__table__.name: c.__name__ for c in classes}
entities, relationships = {}, []
for table in metadata.tables.values():
    mapper = next((inspect(c) for c in classes if c.__table__ is table), None)
    attributes = {}
    for column in table.columns:
        key = mapper.get_property_by_column(column).key if mapper is not None else column.name
        fk = next(iter(column.foreign_keys), None)
        attributes[key] = {"pk": column.primary_key, "nullable": column.nullable, "unique": bool(column.unique),
                           "fk": names.get(fk.column.table.name, fk.column.table.name) if fk else None,
                           "column": column.name}
    entity = names.get(table.name, table.name)
    entities[entity] = {"table": table.name, "attributes": attributes}
    for constraint in table.foreign_key_constraints:
        parent = names.get(constraint.referred_table.name, constraint.referred_table.name)
        columns = [mapper.get_property_by_column(c).key if mapper else c.name for c in constraint.columns]
        relationships.append([parent, "1:N", entity, columns])
for cls in classes:
    for rel in inspect(cls).relationships:
        if rel.direction is MANYTOMANY:
            relationships.append([cls.__name__, "N:M", rel.mapper.class_.__name__, rel.secondary.name])
        elif rel.direction is ONETOMANY and not rel.uselist:
            for item in relationships:  # a scalar on the referenced side makes it one-to-one
                if item[0] == cls.__name__ and item[2] == rel.mapper.class_.__name__:
                    item[1] = "1:1"
print(json.dumps({"entities": entities, "relationships": sorted(relationships, key=str)}, indent=1))
