"""Ground truth for tests/data/er/real/django, from Django's own model metadata.

Run with Django installed (it imports the models; the extractor never does):
    python django_meta.py > ../django/expected.json
"""

import json

import django
from django.conf import settings

APPS = ["auth", "contenttypes", "admin", "sessions", "sites", "flatpages", "redirects"]
settings.configure(INSTALLED_APPS=[f"django.contrib.{a}" for a in APPS] + ["django.contrib.messages"],
                   DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})
django.setup()
from django.apps import apps  # noqa: E402

entities, relationships = {}, []
for model in apps.get_models():
    meta = model._meta
    if meta.app_label not in APPS:
        continue
    attributes = {}
    for f in meta.local_fields:
        attributes[f.name] = {"pk": f.primary_key, "nullable": f.null, "unique": f.unique,
                              "fk": f.related_model.__name__ if f.is_relation else None,
                              "column": f.column, "type": type(f).__name__}
        if f.is_relation:
            relationships.append([f.related_model.__name__, "1:1" if f.one_to_one else "1:N", model.__name__, f.name])
    for f in meta.local_many_to_many:
        relationships.append([model.__name__, "N:M", f.related_model.__name__, f.name])
    entities[model.__name__] = {"table": meta.db_table, "app": meta.app_label, "attributes": attributes}
print(json.dumps({"django": django.__version__, "entities": entities, "relationships": sorted(relationships)},
                 indent=1))
