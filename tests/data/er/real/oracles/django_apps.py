"""Ground truth for a third-party Django project (the hold-out part of benchmarks/er.py), from
Django's own app registry: every concrete model whose module lies under PACKAGE, its fields'
relations, and which targets are swappable.

Run in a virtualenv where the project and Django are installed (it imports the models; the
extractor never does):
    python django_apps.py PACKAGE [--defaults MODULE] [--set NAME=JSON ...] APP [APP ...] > truth.json
e.g. `python django_apps.py oscar --defaults oscar.defaults oscar.config.Shop ...` (APP as in
INSTALLED_APPS, or --installed-from oscar.INSTALLED_APPS; MODULE: a module of default settings the project ships, its upper-case names
added to the settings; --set: a setting an app insists on, e.g.
`--set 'MIDDLEWARE=["allauth.account.middleware.AccountMiddleware"]'` for django-allauth).
"""

import argparse
import importlib
import json

import django
from django.conf import settings

parser = argparse.ArgumentParser()
parser.add_argument("package")
parser.add_argument("--defaults")
parser.add_argument("--set", action="append", default=[])
parser.add_argument(
    "--installed-from", help="a list of INSTALLED_APPS the project ships: MODULE.NAME"
)
parser.add_argument("apps", nargs="*")
args = parser.parse_intermixed_args()
package, installed = args.package, list(args.apps)
if args.installed_from:
    module_name, _, attribute = args.installed_from.rpartition(".")
    installed += getattr(importlib.import_module(module_name), attribute)
defaults = {}
if args.defaults:
    module = importlib.import_module(args.defaults)
    defaults = {k: getattr(module, k) for k in dir(module) if k.isupper()}
for item in args.set:
    key, _, value = item.partition("=")
    defaults[key] = json.loads(value)
settings.configure(
    **defaults,
    INSTALLED_APPS=installed,
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    SITE_ID=1,
    # settings some apps refuse to start without (oscar's search needs haystack's)
    HAYSTACK_CONNECTIONS={
        "default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}
    },
)
django.setup()
from django.apps import apps  # noqa: E402


def name(model):
    return f"{model._meta.app_label}.{model.__name__}"


entities, relationships = {}, []
for model in apps.get_models():
    meta = model._meta
    if not model.__module__.startswith(package + "."):
        continue
    entities[name(model)] = {
        "table": meta.db_table,
        "proxy": meta.proxy,
        "fields": [f.name for f in meta.local_fields],
    }
    for f in meta.local_fields + meta.local_many_to_many:
        if not f.is_relation or f.related_model is None:
            continue
        kind = "N:M" if f.many_to_many else "1:1" if f.one_to_one else "1:N"
        swappable = bool(getattr(f, "swappable_setting", None))
        relationships.append(
            [name(model), f.name, kind, name(f.related_model), swappable]
        )
print(
    json.dumps(
        {
            "package": package,
            "django": django.__version__,
            "entities": entities,
            "relationships": sorted(relationships),
        },
        indent=1,
    )
)
