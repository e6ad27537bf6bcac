"""Reading source files safely: size limits, binary detection, a clear error for each."""

from __future__ import annotations

from pathlib import Path

from lsp_server.errors import InputError

MAX_BYTES = 5 << 20  # larger files are almost always generated or data, not code to complete


def looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192]


def read_source(path: Path, max_bytes: int = MAX_BYTES) -> str:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path} is {size:,} bytes; Ubiq reads source files up to {max_bytes:,} bytes")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{path} is not readable", "check its permissions") from None
    if looks_binary(data):
        raise InputError(f"{path} looks like a binary file, not source code")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start} is invalid)") from None
