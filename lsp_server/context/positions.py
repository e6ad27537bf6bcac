"""Cursor positions: (line, column) ↔ string offsets, in code points or UTF-16 units.

LSP columns count UTF-16 code units by default, so a Chinese comment or an emoji before the
cursor shifts columns; the CLI counts characters, as people read them. Out-of-range positions
are errors the caller turns into an empty answer, never an exception that escapes.
"""

from __future__ import annotations

from lsp_server.errors import InputError


def _line_start(text: str, line: int) -> int:
    if line < 0:
        raise InputError(f"line {line} is before the start of the document")
    start = 0
    for _ in range(line):
        nl = text.find("\n", start)
        if nl < 0:
            raise InputError(f"line {line} is past the end of the document ({text.count(chr(10)) + 1} lines)")
        start = nl + 1
    return start


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return end - 1 if end > start and text[end - 1] == "\r" else end


def width(text: str, encoding: str = "utf-32") -> int:
    """Length of `text` in the units of a position encoding: utf-32 (code points), utf-16, utf-8."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
    return len(text)


def offset_at(text: str, line: int, column: int, *, encoding: str = "utf-32") -> int:
    """String offset of a 0-based (line, column). Columns count the units of `encoding`: code
    points (utf-32, as the CLI and people count), or "utf-16" (LSP's default) or "utf-8"."""
    start = _line_start(text, line)
    end = _line_end(text, start)
    if column < 0:
        raise InputError(f"column {column} is negative")
    if encoding == "utf-32":
        if start + column > end:
            raise InputError(f"column {column} is past the end of line {line} ({end - start} characters)")
        return start + column
    units = 0
    offset = start
    while units < column:
        if offset >= end:
            raise InputError(f"column {column} is past the end of line {line}")
        units += width(text[offset], encoding)
        offset += 1
    if units != column:
        raise InputError(f"column {column} splits a character on line {line}")
    return offset
