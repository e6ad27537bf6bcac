"""Run a query twice on a scratch database, as written and with the loader Ubiq proposes, and print
how many SQL statements each run sent and what rows and related rows each run saw.

This file is a script, not a module of the server: `sql/loader_fix.py` runs it in the test sandbox,
with the project's interpreter and the project's import root, because it imports the project's own
models (untrusted code). It uses only the standard library and the project's ORM (Django or
SQLAlchemy). Argument: a JSON file with the ORM, the model modules, the file's import statements,
the two query expressions, the relation and how the loop uses it. Output: one JSON line.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
import sys
import uuid
from collections.abc import Callable
from typing import Any

ROWS = 4  # per table: enough for an N+1 to show, with one parent left without children


def value_for(kind: str, name: str, index: int, length: int | None) -> Any:
    """A plain value of a column's Python type, different for each row (unique columns)."""
    if kind in ("int", "Integer", "BigInteger", "SmallInteger"):
        return index + 1
    if kind in ("str",):
        text = f"{name}{index}"
        return text[-length:] if length else text
    if kind == "float":
        return index + 0.5
    if kind == "Decimal":
        return decimal.Decimal(index + 1)
    if kind == "bool":
        return index % 2 == 0
    if kind == "datetime":
        return datetime.datetime(2024, 1, 1, 12) + datetime.timedelta(days=index)
    if kind == "date":
        return datetime.date(2024, 1, 1) + datetime.timedelta(days=index)
    if kind == "time":
        return datetime.time(12, index)
    if kind == "timedelta":
        return datetime.timedelta(minutes=index + 1)
    if kind == "UUID":
        return uuid.UUID(int=index + 1)
    if kind in ("dict", "JSON"):
        return {"n": index}
    if kind == "bytes":
        return bytes([index])
    raise LookupError(kind)


def parent_index(index: int, unique: bool) -> int:
    """Which parent row a child row points at: one each for a unique key, else two children for the
    first parent, one for the next two and none for the last (an empty collection is a case too)."""
    return index if unique else (0, 0, 1, 2)[index % ROWS]


def key_of(value: Any) -> Any:
    """What a row, a related row or a collection of them is compared by: primary keys."""
    if value is None:
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    pk = getattr(value, "pk", None)
    if pk is None:
        try:
            from sqlalchemy import inspect

            identity = inspect(value).identity
            pk = identity if identity is None or len(identity) != 1 else identity[0]
        except Exception:
            pk = None
    if pk is not None:
        return str(pk)
    try:
        return sorted(str(key_of(item)) for item in value)
    except TypeError:
        return repr(value)


def touch(row: Any, relation: str, calls: list[str]) -> list[Any]:
    """Follow the relation as the loop does: the attribute, then its argument-free calls."""
    if isinstance(row, tuple):  # a SQLAlchemy Row from session.execute(select(Model))
        row = row[0]
    value = getattr(row, relation)
    for call in calls:
        value = getattr(value, call)()
    if hasattr(value, "all") and callable(value.all) and not isinstance(value, (list, tuple)):
        value = list(value.all())
    return [key_of(row), key_of(value)]


def run_imports(statements: list[str], namespace: dict) -> None:
    """The file's own imports, so the expressions see the names the file sees; one that fails is
    skipped (the expression then fails with a NameError if it needed it)."""
    for statement in statements:
        with contextlib.suppress(Exception):
            exec(statement, namespace)


# ---------------------------------------------------------------------------------------------- Django


def django_probe(args: dict) -> dict:
    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", *args["apps"]],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        USE_TZ=False,
    )
    django.setup()
    from django.apps import apps
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    models = [m for m in apps.get_models() if not m._meta.proxy and m._meta.managed]
    with connection.schema_editor() as editor:
        for model in models:
            editor.create_model(model)
    labels = set(args["labels"])
    _django_seed([m for m in models if m._meta.app_label in labels])

    namespace: dict = {}
    run_imports(args["imports"], namespace)

    def measure(expression: str) -> tuple[int, list]:
        with CaptureQueriesContext(connection) as queries:
            rows = [touch(row, args["relation"], args["calls"]) for row in eval(expression, namespace)]
        return len(queries), rows

    return _compare(measure, args)


def _django_seed(wanted: list) -> None:
    """ROWS rows in each project model (and the models they need), parents before children."""
    done: dict = {}

    def seed(model: Any, path: tuple = ()) -> None:
        if model in done or model in path:
            return
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if target is not None and target is not model:
                seed(target, (*path, model))
        rows = []
        for index in range(ROWS):
            values = {}
            for field in model._meta.concrete_fields:
                if (
                    field.auto_created
                    or field.primary_key
                    and field.get_internal_type().endswith("AutoField")
                ):
                    continue
                if field.is_relation:
                    parents = done.get(field.related_model) or (rows if field.related_model is model else [])
                    unique = field.one_to_one or field.unique
                    if field.related_model is model:
                        values[field.attname] = rows[-1].pk if rows else None
                    elif parents and (not field.null or index < ROWS - 1):
                        values[field.attname] = parents[parent_index(index, unique) % len(parents)].pk
                    elif field.null:
                        values[field.attname] = None
                    else:
                        raise LookupError(f"no rows for {field}")
                    continue
                if field.choices:
                    values[field.attname] = list(field.flatchoices)[index % len(field.flatchoices)][0]
                    continue
                try:
                    kind = _django_kind(field.get_internal_type())
                    values[field.attname] = value_for(kind, field.name, index, field.max_length)
                except LookupError:
                    if not (field.null or field.has_default()):
                        raise
            rows.append(model.objects.create(**values))
        done[model] = rows

    for model in wanted:
        seed(model)
    for model in wanted:  # many-to-many links, once both sides have rows
        for field in model._meta.many_to_many:
            targets = done.get(field.related_model)
            if targets and field.remote_field.through._meta.auto_created:
                for index, row in enumerate(done[model]):
                    getattr(row, field.name).set(targets[: index % ROWS])


def _django_kind(internal: str) -> str:
    if internal.endswith("IntegerField"):
        return "int"
    return {
        "CharField": "str",
        "TextField": "str",
        "SlugField": "str",
        "EmailField": "str",
        "URLField": "str",
        "FileField": "str",
        "ImageField": "str",
        "FilePathField": "str",
        "GenericIPAddressField": "str",
        "DecimalField": "Decimal",
        "FloatField": "float",
        "BooleanField": "bool",
        "DateTimeField": "datetime",
        "DateField": "date",
        "TimeField": "time",
        "DurationField": "timedelta",
        "UUIDField": "UUID",
        "JSONField": "dict",
        "BinaryField": "bytes",
    }.get(internal, internal)


# ------------------------------------------------------------------------------------------ SQLAlchemy


def sqlalchemy_probe(args: dict) -> dict:
    import importlib

    from sqlalchemy import create_engine, event
    from sqlalchemy.orm import Session

    model, failures = None, []
    for module in args["modules"]:
        try:
            model = getattr(importlib.import_module(module), args["model"], None) or model
        except Exception as exc:  # another models module that does not import here
            failures.append(f"{module}: {type(exc).__name__}: {exc}")
    if model is None:
        raise LookupError(f"{args['model']} is not in {args['modules']} {'; '.join(failures)}")
    metadata = model.__table__.metadata
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    _sqlalchemy_seed(engine, metadata)
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))

    namespace: dict = {}
    run_imports(args["imports"], namespace)

    def measure(expression: str) -> tuple[int, list]:
        del statements[:]
        with Session(engine) as session:
            namespace["__ubiq_session"] = session
            rows = [touch(row, args["relation"], args["calls"]) for row in eval(expression, namespace)]
        return len(statements), rows

    return _compare(measure, args)


def _sqlalchemy_seed(engine: Any, metadata: Any) -> None:
    seeded: dict[str, list[dict]] = {}
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            rows: list[dict] = []
            for index in range(ROWS):
                row = {}
                foreign = [c for c in table.columns if c.foreign_keys]
                for column in table.columns:
                    if column.foreign_keys:
                        (key,) = list(column.foreign_keys)[:1]
                        target = key.column
                        parents = seeded.get(target.table.name, [])
                        if target.table is table:
                            row[column.name] = rows[-1][target.name] if rows else None
                        elif column.primary_key:  # an association table: distinct pairs
                            offset = foreign.index(column)
                            row[column.name] = parents[(index + offset) % len(parents)][target.name]
                        elif parents and (not column.nullable or index < ROWS - 1):
                            unique = bool(column.unique)
                            row[column.name] = parents[parent_index(index, unique) % len(parents)][
                                target.name
                            ]
                        else:
                            row[column.name] = None
                        continue
                    try:
                        kind = column.type.python_type.__name__
                    except NotImplementedError:
                        kind = type(column.type).__name__
                    enums = getattr(column.type, "enums", None)
                    if enums:
                        row[column.name] = enums[index % len(enums)]
                        continue
                    try:
                        row[column.name] = value_for(
                            kind, column.name, index, getattr(column.type, "length", None)
                        )
                    except LookupError:
                        if not column.nullable and column.default is None and column.server_default is None:
                            raise
                rows.append(row)
            connection.execute(table.insert(), rows)
            seeded[table.name] = rows


# ---------------------------------------------------------------------------------------------- common


def _compare(measure: Callable[[str], tuple[int, list]], args: dict) -> dict:
    before_queries, before_rows = measure(args["before"])
    after_queries, after_rows = measure(args["after"])
    return {
        "before": before_queries,
        "after": after_queries,
        "rows": len(before_rows),
        "same": before_rows == after_rows,
    }


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        args = json.load(handle)
    try:
        result = (django_probe if args["orm"] == "django" else sqlalchemy_probe)(args)
    except Exception as exc:  # the project's code or data did not run: say why, the fix is not offered
        result = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
