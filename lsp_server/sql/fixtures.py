"""The project's own Django fixtures (`<app>/fixtures/*.json`, `.yaml`) as rows of the scratch
databases: real-looking values (names, codes, statuses) that make a query's filters match the way
they will on the real data, where generated words would not.

A fixture row is kept only when its model is one the schema knows and its fields are columns of
that table; what does not fit is skipped, never guessed into place.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from lsp_server.datamodel.model import ERModel
from lsp_server.datamodel.render.view import table_name
from lsp_server.files import UnreadableFile, read_text

log = logging.getLogger(__name__)
SUFFIXES = (".json", ".yaml", ".yml")
MAX_ROWS = 5_000  # per project: fixtures are examples, not a dump

Row = tuple[str, dict[str, object]]  # table, column → value


def labels(model: ERModel) -> dict[str, tuple[str, dict[str, str], str]]:
    """`app_label.modelname` → (table, field → column, primary key column) for Django models."""
    found = {}
    for entity in model.entities:
        if entity.kind != "django" or not entity.namespace:
            continue
        columns = {a.name: a.column_name for a in entity.attributes}
        key = next((a.column_name for a in entity.primary_key), "id")
        found[f"{entity.namespace}.{entity.name}".lower()] = (table_name(entity, model), columns, key)
    return found


def read_fixtures(paths: Iterable[Path], model: ERModel) -> list[Row]:
    """The rows of every fixture file under `paths` that fit the schema."""
    known = labels(model)
    if not known:
        return []
    rows: list[Row] = []
    for path in _fixture_files(paths):
        for record in _records(path):
            row = _row(record, known)
            if row is not None:
                rows.append(row)
            if len(rows) >= MAX_ROWS:
                return rows
    return rows


def _fixture_files(paths: Iterable[Path]) -> list[Path]:
    from lsp_server.project_files import walk_project

    found = []
    for root in paths:
        if root.is_dir():
            found += [
                p
                for p in walk_project(
                    root, keep=lambda p: p.suffix.lower() in SUFFIXES and p.parent.name == "fixtures"
                )
            ]
    return found


def _records(path: Path) -> list[dict]:
    try:
        text = read_text(path)
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            from ruamel.yaml import YAML

            data = YAML(typ="safe").load(text)
    except (UnreadableFile, ValueError, Exception) as error:  # a broken fixture is skipped, not fatal
        log.info("fixture %s not read: %s", path, error)
        return []
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def _row(record: dict, known: dict[str, tuple[str, dict[str, str], str]]) -> Row | None:
    label = str(record.get("model", "")).lower()
    fields = record.get("fields")
    if label not in known or not isinstance(fields, dict):
        return None
    table, columns, key = known[label]
    row: dict[str, object] = {}
    if "pk" in record and isinstance(record["pk"], int | str):
        row[key] = record["pk"]
    for name, value in fields.items():
        column = columns.get(name)
        if column is None or isinstance(value, dict | list):
            continue  # a many-to-many list or a natural key: not a column value
        row[column] = value
    return (table, row) if row else None
