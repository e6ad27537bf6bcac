"""Ground truth for dataclass modules, from `dataclasses.fields()` and `typing.get_type_hints()`.

Run with the package installed (it imports the modules; the extractor never does):
    python dataclass_fields.py pip._internal.models.candidate pip._internal.models.link ... > expected.json
A field is a reference when its type names one of the dataclasses read (through Optional, list…).
"""

import dataclasses
import importlib
import json
import sys
import typing

classes = {}
for name in sys.argv[1:]:
    module = importlib.import_module(name)
    for value in vars(module).values():
        if dataclasses.is_dataclass(value) and isinstance(value, type) and value.__module__ == name:
            classes[value.__name__] = value


def mentioned(tp):
    if isinstance(tp, type) and tp.__name__ in classes:
        return {tp.__name__}
    return set().union(*(mentioned(a) for a in typing.get_args(tp))) if typing.get_args(tp) else set()


entities, references = {}, []
for name, cls in classes.items():
    hints = typing.get_type_hints(cls)
    entities[name] = {"attributes": [f.name for f in dataclasses.fields(cls)]}
    for f in dataclasses.fields(cls):
        for target in sorted(mentioned(hints[f.name])):
            references.append([name, f.name, target])
print(json.dumps({"entities": entities, "references": sorted(references)}, indent=1))
