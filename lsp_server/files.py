"""Writing users' files safely: a temporary file in the same folder, flushed, then renamed over the
target, so readers (and a crash) never see half a file; a replaced file keeps its permissions and a
new one gets the usual ones (umask), not the 0600 of a temporary file."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, data: bytes, make_parents: bool = False) -> None:
    """Raises OSError; callers turn it into their own user-facing error. Missing folders are an
    error (a mistyped path) unless `make_parents` (e.g. a project's new `tests/`)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = _new_file_mode()
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
