"""Which files of a project the glossary reads: the project's own Python (see `project_files`, the
one walk every feature shares), not what it installed, and how it reads them (`files.read_text`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lsp_server.files import UnreadableFile, read_text
from lsp_server.project_files import walk_project

MAX_FILE_BYTES = 1_000_000  # a larger Python file is generated: its names are not the team's to fix


def iter_python_files(root: Path) -> Iterator[Path]:
    """The `.py` files under `root` worth reading, in a stable order; `root` itself may be a file."""
    if root.is_file():
        if root.suffix == ".py":
            yield root
        return
    yield from walk_project(root, keep=lambda path: path.suffix == ".py", max_bytes=MAX_FILE_BYTES)


def read_source(path: Path) -> str | None:
    """A source file's text; None for a file that cannot be read, is binary, or is neither UTF-8
    nor GB18030 (a scan skips it rather than stop)."""
    try:
        return read_text(path)
    except UnreadableFile:
        return None
