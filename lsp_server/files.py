"""Users' files on disk, read and written one way everywhere.

Reading: every text file a user gives Ubiq or keeps in the project (source, SQL, requirement text,
the glossary) is read by `read_text`, so a file that works on the command line works in the editor
too. UTF-8 first (a byte order mark is dropped), then GB18030: Chinese teams often save GBK, and
GB18030 is its superset. Anything else, a binary file or one too large to be written by hand is an
`UnreadableFile` that names the file and says why. Text the editor sends arrives decoded and never
comes here.

Writing: a temporary file in the same folder, flushed, then renamed over the target, so readers
(and a process killed at any moment) never see half a file; a replaced file keeps its permissions
and a new one gets the usual ones (umask), not the 0600 of a temporary file.
"""

from __future__ import annotations

import codecs
import errno
import glob
import os
import secrets
import stat
import tempfile
from pathlib import Path

from lsp_server.errors import InputError

MAX_BYTES = 5 << 20  # larger files are almost always generated or data, not text a person wrote
BINARY_PROBE = 8192  # bytes looked at for a NUL


class UnreadableFile(InputError):
    """A user's file that cannot be read as text. The message names the file; `reason` says why
    without naming it, for callers that show the place apart (an ER warning's location, a glossary
    problem's line); `offset` is the first byte that is neither UTF-8 nor GB18030, when that is why."""

    def __init__(self, path: Path, reason: str, hint: str = "", offset: int | None = None) -> None:
        super().__init__(f"cannot read {path}: {reason}", hint)
        self.path = path
        self.reason = reason
        self.offset = offset


def looks_binary(data: bytes) -> bool:
    """A NUL byte near the start: no UTF-8 or GB18030 text has one; compiled or data files do."""
    return b"\x00" in data[:BINARY_PROBE]


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """The text of a file's bytes, and the codec that read them (`utf-8`, `utf-8-sig` when there was
    a byte order mark, or `gb18030`), so that a file written back keeps its encoding.

    Raises `UnreadableFile` for binary data or bytes neither codec reads; its offset is the furthest
    either got, which is where a stray byte sits in a file that is otherwise one or the other."""
    if looks_binary(data):
        raise UnreadableFile(path, "binary, not text")
    # A byte order mark says UTF-8 for certain: GB18030 would read it as three letters.
    candidates = ("utf-8-sig",) if data.startswith(codecs.BOM_UTF8) else ("utf-8", "gb18030")
    furthest = 0
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            furthest = max(furthest, exc.start)
    raise UnreadableFile(
        path,
        f"neither UTF-8 nor GB18030 text (byte {furthest} is invalid)",
        "save it as UTF-8",
        offset=furthest,
    )


def read_text(path: Path, max_bytes: int | None = MAX_BYTES) -> str:
    """The text of a user's file (see the module docstring). Raises `UnreadableFile`, an InputError
    naming the file: missing, a folder, unreadable, larger than `max_bytes` (None: any size),
    binary, or neither UTF-8 nor GB18030."""
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise UnreadableFile(path, "a folder, not a file")
        if max_bytes is not None and status.st_size > max_bytes:
            raise UnreadableFile(path, f"{status.st_size:,} bytes, more than the {max_bytes:,} Ubiq reads")
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFile(path, "file not found") from None
    except PermissionError:
        raise UnreadableFile(path, "permission denied", "check its permissions") from None
    except OSError as exc:
        raise UnreadableFile(path, exc.strerror or str(exc)) from None
    return decode_text(data, path)[0]


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, data: bytes, make_parents: bool = False) -> None:
    """Raises OSError; callers turn it into their own user-facing error. Missing folders are an
    error (a mistyped path) unless `make_parents` (e.g. a project's new `tests/`).

    The data goes to a file with no name (O_TMPFILE) that gets one only when it is whole, just
    before the rename: a process killed while writing leaves nothing behind in the user's folder.
    Where the filesystem cannot, a named temporary file carries this process's id, so the next
    write of the same file removes what a killed writer left."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = _new_file_mode()
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(path)
    prefix = f".{path.name}.ubiq-{os.getpid()}-"
    fd, temporary = _unnamed(path.parent), None
    if fd is None:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
        temporary = Path(name)
    try:
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.fchmod(fd, mode)
        if temporary is None:
            temporary = path.parent / f"{prefix}{secrets.token_hex(4)}.tmp"
            _name(fd, temporary)
        os.replace(temporary, path)
    except BaseException:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    _sync_folder(path.parent)


def _unnamed(folder: Path) -> int | None:
    """A file without a name in `folder`, open for writing; None where the filesystem (or the
    platform) has none."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not Path("/proc/self/fd").is_dir():
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            return None
        raise


def _name(fd: int, path: Path) -> None:
    """Give the unnamed file `fd` the name `path` (linkat with AT_SYMLINK_FOLLOW through /proc,
    which Python uses only when given a folder descriptor)."""
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(f"/proc/self/fd/{fd}", path.name, dst_dir_fd=folder)
    finally:
        os.close(folder)


def _remove_leftovers(path: Path) -> None:
    """Named temporary files of `path` whose writer is gone (see `write_atomic`)."""
    try:
        leftovers = list(path.parent.glob(f".{glob.escape(path.name)}.ubiq-*-*.tmp"))
    except OSError:
        return
    for leftover in leftovers:
        pid = leftover.name[len(path.name) + len(".ubiq-") + 1 :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            leftover.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _sync_folder(folder: Path) -> None:
    """The rename reaches the disk too (not needed after a kill; needed after a power cut)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
