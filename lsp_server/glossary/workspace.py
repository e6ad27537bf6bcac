"""Which files of a project the glossary reads: the project's own Python, not what it installed.

Virtual environments, `site-packages`, `node_modules` and hidden folders hold other people's code
(or none); huge or binary files are generated. Reading them would be slow and report names the
team cannot rename.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

MAX_FILE_BYTES = 1_000_000
SKIPPED_FOLDERS = frozenset({"node_modules", "site-packages", "dist-packages", "__pycache__"})


def _skipped_folder(folder: Path) -> bool:
    return (
        folder.name.startswith(".")
        or folder.name in SKIPPED_FOLDERS
        or (folder / "pyvenv.cfg").exists()  # a virtual environment under any name
    )


def iter_python_files(root: Path) -> Iterator[Path]:
    """The `.py` files under `root` worth reading, in a stable order; `root` itself may be a file."""
    if root.is_file():
        if root.suffix == ".py":
            yield root
        return
    for folder, subfolders, files in os.walk(root):  # symlinked folders are not followed
        here = Path(folder)
        subfolders[:] = sorted(name for name in subfolders if not _skipped_folder(here / name))
        for name in sorted(files):
            path = here / name
            if name.endswith(".py") and not name.startswith(".") and _small_file(path):
                yield path


def _small_file(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size <= MAX_FILE_BYTES
    except OSError:
        return False


def read_source(path: Path) -> str | None:
    """A source file's text; None for a file that cannot be read, is binary, or is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
