"""The front of ER extraction: walk files and directories, read each file with the reader its
content calls for (Python models, SQL DDL), and resolve everything into one `ERModel`.

Never imports or runs the code it reads. Below the paths it is given, walks only the project's own
files (`project_files`: not virtualenvs, vendored code, build output, what .gitignore lists); reads
each the one way users' files are read (`files.read_text`: UTF-8 or GB18030). A file too large or
unreadable is a warning, never an exception.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from lsp_server.datamodel.drafts import Drafts, reported
from lsp_server.datamodel.from_classes import ClassesReader
from lsp_server.datamodel.from_django import DjangoReader
from lsp_server.datamodel.from_sql import SqlReader
from lsp_server.datamodel.from_sqlalchemy import SqlAlchemyReader
from lsp_server.datamodel.hierarchy import ClassIndex
from lsp_server.datamodel.model import ERModel, ERWarning, Location
from lsp_server.datamodel.pysource import PyModule, parse_module
from lsp_server.datamodel.resolve import resolve
from lsp_server.files import UnreadableFile, read_text
from lsp_server.project_files import walk_project

MAX_BYTES = 2_000_000
PYTHON_SUFFIXES = (".py", ".pyi")
SQL_SUFFIXES = (".sql", ".ddl")
_SUFFIXES = PYTHON_SUFFIXES + SQL_SUFFIXES
KINDS = frozenset({"sqlalchemy", "django", "dataclass", "pydantic", "attrs", "sqlmodel", "table"})
_PYTHON_MARKERS = (b"class ", b"Table(", b"AUTH_USER_MODEL", b"DEFAULT_AUTO_FIELD")
_SQL_MARKER = re.compile(rb"\b(create|alter|comment)\s", re.IGNORECASE)
_SQL_START = re.compile(r"^\s*(create|alter)\s+table\b", re.IGNORECASE | re.MULTILINE)


@dataclass
class Source:
    """One file to read: its path as shown in locations, its text, its dotted module name."""

    path: str
    text: str
    module: str = ""


def extract(
    paths: Iterable[str | os.PathLike[str]],
    *,
    dialect: str | None = None,
    kinds: Collection[str] | None = None,
    overrides: Mapping[str, str] | None = None,
    max_bytes: int = MAX_BYTES,
) -> ERModel:
    """The ER model of the files and directories given.

    `dialect` forces the SQL dialect (`postgres`, `mysql`, `sqlite`; detected per file otherwise);
    `kinds` keeps only entities of those kinds (see `KINDS`); `overrides` maps a path to the text
    to read instead of the file's (an editor's unsaved buffers).
    """
    warnings: list[ERWarning] = []
    sources = list(read_sources(paths, overrides or {}, max_bytes, warnings))
    model = extract_sources(sources, dialect=dialect, kinds=kinds)
    model.warnings[:0] = warnings
    return model


def extract_sources(
    sources: Iterable[Source], *, dialect: str | None = None, kinds: Collection[str] | None = None
) -> ERModel:
    """The ER model of texts already in memory (`Source(path, text, module)`)."""
    wanted = set(kinds) if kinds is not None else set(KINDS)
    drafts = Drafts()
    modules: list[PyModule] = []
    sql = SqlReader(dialect)
    for source in sources:
        language = _language(source)
        location = Location(source.path)
        if language == "sql":
            with reported(drafts.warnings, source.path, location):
                sql.add(source.text, source.path)
        elif language == "python":
            with reported(drafts.warnings, source.path, location):
                module = parse_module(source.text, source.path, source.module)
                modules.append(module)
                if module.error is not None:
                    drafts.warnings.append(
                        ERWarning(
                            "Python syntax error: the file was read only in part",
                            Location(source.path, *module.error),
                            "parse-error",
                        )
                    )
        else:
            drafts.warnings.append(
                ERWarning("neither Python nor SQL DDL; not read", location, "skipped-file")
            )
    if "table" in wanted:
        with reported(drafts.warnings, "SQL DDL", None):
            drafts.extend(sql.read())
    drafts.extend(_read_python(modules, wanted))
    return resolve(drafts)


def _read_python(modules: list[PyModule], wanted: set[str]) -> Drafts:
    drafts = Drafts()
    if not modules:
        return drafts
    index = ClassIndex(modules)
    django = DjangoReader(index)
    sqlalchemy = SqlAlchemyReader(index)
    classes = ClassesReader(index)
    if "django" in wanted:
        with reported(drafts.warnings, "Django models", None):
            drafts.extend(django.read())
    if "sqlalchemy" in wanted:
        with reported(drafts.warnings, "SQLAlchemy models", None):
            drafts.extend(sqlalchemy.read())
    plain = [
        cls
        for cls in index
        if classes.kind(cls) in wanted and not django.claims(cls) and not sqlalchemy.claims(cls)
    ]
    with reported(drafts.warnings, "model classes", None):
        drafts.extend(classes.read(plain))
    return drafts


def _language(source: Source) -> str | None:
    suffix = Path(source.path).suffix.lower()
    if suffix in PYTHON_SUFFIXES:
        return "python"
    if suffix in SQL_SUFFIXES:
        return "sql"
    if _SQL_START.search(source.text):
        return "sql"
    return None


def module_name(path: Path, root: Path | None) -> str:
    """`root/shop/models.py` → `shop.models`; a file given alone is named by its stem."""
    relative = path.relative_to(root) if root is not None else Path(path.name)
    parts = list(relative.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1] or [path.parent.name]
    return ".".join(parts)


def _walk(root: Path) -> Iterator[Path]:
    """Files of any size: one too large is reported when read (see `_read_text`)."""
    return walk_project(root, keep=lambda path: path.name.lower().endswith(_SUFFIXES), max_bytes=None)


def read_sources(
    paths: Iterable[str | os.PathLike[str]],
    overrides: Mapping[str, str],
    max_bytes: int,
    warnings: list[ERWarning],
) -> Iterator[Source]:
    seen: set[Path] = set()
    for given in paths:
        root = Path(given)
        if root.is_dir():
            files = [(f, root) for f in _walk(root)]
        elif root.exists() or str(root) in overrides:
            files = [(root, None)]
        else:
            warnings.append(ERWarning("no such file or directory", Location(str(root)), "skipped-file"))
            continue
        for path, base in files:
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            text = overrides.get(str(path))
            if text is None:
                text = _read_text(path, max_bytes, warnings)
            if text is not None and _worth_reading(path, text, explicit=base is None):
                yield Source(str(path), text, module_name(path, base))


def _worth_reading(path: Path, text: str, explicit: bool) -> bool:
    """A quick look before parsing: most files of a project declare no model at all."""
    if explicit:
        return True
    data = text.encode("utf-8", "replace")
    if path.suffix.lower() in SQL_SUFFIXES:
        return bool(_SQL_MARKER.search(data))
    return any(marker in data for marker in _PYTHON_MARKERS)


def _read_text(path: Path, max_bytes: int, warnings: list[ERWarning]) -> str | None:
    try:
        return read_text(path, max_bytes)
    except UnreadableFile as error:
        warnings.append(ERWarning(f"not read: {error.reason}", Location(str(path)), "skipped-file"))
        return None
