"""Which files of a project are the team's own: one walk, so the glossary, the ER model and
`ubiq eval` all see the same project.

Virtual environments, installed and vendored packages, build output, caches and version control
hold other people's code (or none), and what `.gitignore` lists is not the project's either:
reading them would be slow and report names the team cannot change. Files too large or binary are
generated or data. So, below the folder walked (a folder asked for by name is walked even when it
would be skipped, and .gitignore files above it do not apply), the walk leaves out:

- what `.gitignore` files ignore, the root's and every subfolder's (the nearest one that has a
  matching pattern decides, as in git), and the root's `.git/info/exclude`;
- folders named in `SKIPPED_FOLDERS` or ending in `.egg-info`, any folder holding `pyvenv.cfg` (a
  virtual environment under any name), and hidden folders and files;
- files larger than `max_bytes` or binary (see `files.looks_binary`).

Symlinked folders are not followed: they can loop, or lead out of the project.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

import pathspec

from lsp_server.files import BINARY_PROBE, MAX_BYTES, UnreadableFile, looks_binary, read_text

log = logging.getLogger(__name__)

SKIPPED_FOLDERS = frozenset(
    {
        # virtual environments and installed packages
        ".venv", "venv", "site-packages", "dist-packages", "node_modules",
        # vendored code
        "vendor", "vendored", "_vendor", "third_party", "thirdparty",
        # build output and caches
        "build", "dist", "__pycache__", ".eggs", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache",
        # version control
        ".git", ".hg", ".svn",
    }
)  # fmt: skip

# The .gitignore rules in force in a folder: (the folder a file's patterns are relative to, its
# patterns), nearest last.
_Rules = tuple[tuple[Path, pathspec.GitIgnoreSpec], ...]


def walk_project(
    root: Path,
    keep: Callable[[Path], bool],
    max_bytes: int | None = MAX_BYTES,
    skip_folders: Collection[str] = (),
) -> Iterator[Path]:
    """The files under the folder `root` that `keep` wants (the caller's own test, e.g. of the
    suffix, made before any file is opened), skipping what is not the project's (see the module
    docstring). In a stable order: a folder's files by name, then its subfolders by name.
    `max_bytes=None` keeps files of any size (for a caller that reports them itself).
    `skip_folders` names more folders to leave out, for a caller that wants less than the whole
    project (the glossary's term extraction: no tests, no generated migrations)."""
    root = Path(root)
    rules: dict[Path, _Rules] = {root: _rules_in(root, _excludes(root))}
    for folder, subfolders, files in os.walk(root):  # symlinked folders are not followed
        here = Path(folder)
        in_force = rules.pop(here, ())
        subfolders[:] = sorted(
            name
            for name in subfolders
            if name not in skip_folders and not _skipped_folder(here / name, in_force)
        )
        for name in subfolders:
            rules[here / name] = _rules_in(here / name, in_force)
        for name in sorted(files):
            path = here / name
            if name.startswith(".") or not keep(path) or _ignored(path, False, in_force):
                continue
            if _readable_text(path, max_bytes):
                yield path


def _skipped_folder(folder: Path, rules: _Rules) -> bool:
    name = folder.name
    return (
        name.startswith(".")
        or name in SKIPPED_FOLDERS
        or name.endswith(".egg-info")
        or (folder / "pyvenv.cfg").exists()
        or _ignored(folder, True, rules)
    )


def _ignored(path: Path, is_folder: bool, rules: _Rules) -> bool:
    for base, spec in reversed(rules):
        relative = path.relative_to(base).as_posix() + ("/" if is_folder else "")
        decided = spec.check_file(relative).include
        if decided is not None:
            return decided
    return False


def _excludes(root: Path) -> _Rules:
    """The repository's own exclusions (`.git/info/exclude`), when `root` is its top."""
    spec = _spec(root / ".git" / "info" / "exclude")
    return ((root, spec),) if spec is not None else ()


def _rules_in(folder: Path, outer: _Rules) -> _Rules:
    spec = _spec(folder / ".gitignore")
    return (*outer, (folder, spec)) if spec is not None else outer


def _spec(path: Path) -> pathspec.GitIgnoreSpec | None:
    if not path.is_file():
        return None
    try:
        return pathspec.GitIgnoreSpec.from_lines(read_text(path).splitlines())
    except (UnreadableFile, ValueError) as exc:  # a broken ignore file costs its patterns, not the walk
        log.warning("%s not used: %s", path, exc)
        return None


def _readable_text(path: Path, max_bytes: int | None) -> bool:
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # a pipe or a device would block or never end
            return False
        if max_bytes is not None and status.st_size > max_bytes:
            return False
        with path.open("rb") as handle:
            return not looks_binary(handle.read(BINARY_PROBE))
    except OSError:  # vanished, unreadable, a broken symlink…
        return False
