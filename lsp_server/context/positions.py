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


def offset_at(text: str, line: int, column: int, utf16: bool = False) -> int:
    """String offset of a 0-based (line, column); `utf16` columns count UTF-16 code units."""
    start = _line_start(text, line)
    end = _line_end(text, start)
    if column < 0:
        raise InputError(f"column {column} is negative")
    if not utf16:
        if start + column > end:
            raise InputError(f"column {column} is past the end of line {line} ({end - start} characters)")
        return start + column
    units = 0
    offset = start
    while units < column:
        if offset >= end:
            raise InputError(f"column {column} is past the end of line {line}")
        units += 2 if ord(text[offset]) > 0xFFFF else 1
        offset += 1
    if units != column:
        raise InputError(f"column {column} splits a character on line {line}")
    return offset


def utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
