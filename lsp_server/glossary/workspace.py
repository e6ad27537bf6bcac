"""Which files of a project the glossary reads: the project's own Python (see `project_files`, the
one walk every feature shares), not what it installed, and how it reads them (`files.read_text`).

Term extraction reads less than the whole project (`handwritten_only`): tests and generated code
(migrations, protobuf modules) repeat the names of a framework and of fixtures, not the domain.
It also reads the installed packages the project imports (`library_files`), as files only, never
imported: their vocabulary is the frameworks', which a word frequent there is likely to be.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from importlib.machinery import PathFinder
from pathlib import Path

from lsp_server.files import UnreadableFile, read_text
from lsp_server.project_files import walk_project

MAX_FILE_BYTES = 1_000_000  # a larger Python file is generated: its names are not the team's to fix
# Folders of tests and of generated code (Django and Alembic migrations).
NOT_HANDWRITTEN_FOLDERS = frozenset({"tests", "test", "testing", "migrations", "alembic"})
_TEST_FILES = ("conftest.py", "tests.py", "test.py")
_GENERATED_SUFFIXES = ("_pb2.py", "_pb2_grpc.py", "_test.py", "_tests.py")
# Enough to learn a framework's words; bounds the time a huge library takes. A larger file is data
# (phone-number tables, locale data), not vocabulary.
MAX_LIBRARY_FILES = 1000
MAX_LIBRARY_BYTES = 8_000_000
MAX_LIBRARY_FILE_BYTES = 100_000


def _handwritten(path: Path) -> bool:
    name = path.name
    return not (name.startswith("test_") or name in _TEST_FILES or name.endswith(_GENERATED_SUFFIXES))


def iter_python_files(root: Path, *, handwritten_only: bool = False) -> Iterator[Path]:
    """The `.py` files under `root` worth reading, in a stable order; `root` itself may be a file.
    `handwritten_only` also leaves out tests and generated code (see the module docstring)."""
    if root.is_file():
        if root.suffix == ".py":
            yield root
        return
    if not handwritten_only:
        yield from walk_project(root, keep=lambda path: path.suffix == ".py", max_bytes=MAX_FILE_BYTES)
        return
    yield from walk_project(
        root,
        keep=lambda path: path.suffix == ".py" and _handwritten(path),
        max_bytes=MAX_FILE_BYTES,
        skip_folders=NOT_HANDWRITTEN_FOLDERS,
    )


def read_source(path: Path) -> str | None:
    """A source file's text; None for a file that cannot be read, is binary, or is neither UTF-8
    nor GB18030 (a scan skips it rather than stop)."""
    try:
        return read_text(path)
    except UnreadableFile:
        return None


def own_packages(root: Path) -> frozenset[str]:
    """Names the project's own imports start with: the root's name and its top-level modules and
    packages (and those of a `src/` layout). Importing them is no framework's vocabulary."""
    names = {root.stem}
    for folder in (root, root / "src"):
        if folder.is_dir():
            names.update(entry.stem for entry in folder.iterdir() if entry.suffix in ("", ".py"))
    return frozenset(names)


def library_paths(root: Path) -> list[Path]:
    """Where the project's imports are installed, most likely first: the site-packages of a virtual
    environment in the project (any folder holding `pyvenv.cfg`), of `$VIRTUAL_ENV`, the
    site-packages the root itself lies in (an installed package read as a project), then the
    path of this interpreter (the standard library)."""
    found: list[Path] = []
    entries = sorted(root.iterdir()) if root.is_dir() else []
    environments = [entry for entry in entries if (entry / "pyvenv.cfg").is_file()]
    if os.environ.get("VIRTUAL_ENV"):
        environments.append(Path(os.environ["VIRTUAL_ENV"]))
    for environment in environments:
        found.extend(sorted(environment.glob("lib/python*/site-packages")))
        found.extend(sorted(environment.glob("Lib/site-packages")))
    found.extend(parent for parent in root.parents if parent.name in ("site-packages", "dist-packages"))
    found.extend(Path(entry) for entry in sys.path if entry and Path(entry).is_dir())
    return list(dict.fromkeys(found))


def library_location(name: str, paths: Sequence[Path]) -> Path | None:
    """The installed package (its folder) or module (its file) an import names; found as Python
    would find it, without importing it."""
    spec = PathFinder.find_spec(name, [str(path) for path in paths])
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin) if spec.origin and spec.origin.endswith(".py") else None


def library_files(location: Path) -> list[Path]:
    """A library's handwritten Python files (its tests and migrations are not its vocabulary
    either), at most `MAX_LIBRARY_FILES` of them and `MAX_LIBRARY_BYTES` in all."""
    if location.is_file():
        return [location]
    files: list[Path] = []
    budget = MAX_LIBRARY_BYTES
    for path in iter_python_files(location, handwritten_only=True):
        size = path.stat().st_size
        if size > MAX_LIBRARY_FILE_BYTES:
            continue
        budget -= size
        if budget < 0 or len(files) >= MAX_LIBRARY_FILES:
            break
        files.append(path)
    return files
