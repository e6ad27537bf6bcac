"""Open documents kept exactly as the editor has them.

pygls's TextDocument splits lines with `str.splitlines`, which also breaks at form feeds, U+2028,
U+0085 and the like; LSP (and every editor) breaks only at LF, CR LF and CR. A document holding one
of those characters — a Python string or comment may — then went out of step with the editor at the
first edit below it. Here lines are LSP's, and an edit is a splice of the text at the two offsets
its range names (columns in the negotiated encoding: UTF-16 by default, or UTF-8/UTF-32), with the
line starts found by one regular-expression scan and cached until the next edit.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

_BREAK = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    """Offsets where LSP lines start (the first is 0)."""
    return [0, *(m.end() for m in _BREAK.finditer(text))]


def split_lines(text: str) -> list[str]:
    """The lines with their breaks, as `str.splitlines(True)` gives them but for LSP's breaks only
    (no empty last line after a final break)."""
    starts = line_starts(text)
    lines = [text[a:b] for a, b in zip(starts, starts[1:], strict=False)]
    if starts[-1] < len(text):
        lines.append(text[starts[-1] :])
    return lines


def _units(char: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(char.encode("utf-8", "surrogatepass"))
    if encoding == "utf-16":
        return 2 if ord(char) > 0xFFFF else 1
    return 1


class ExactDocument(TextDocument):
    """A TextDocument with LSP's line breaks and splicing edits (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._starts: list[int] | None = None
        self._starts_of: str | None = None

    @property
    def lines(self) -> Sequence[str]:
        return tuple(split_lines(self.source))

    def _line_starts(self) -> list[int]:
        source = self.source
        if self._starts is None or self._starts_of is not source:
            self._starts, self._starts_of = line_starts(source), source
        return self._starts

    def offset_at(self, position: types.Position) -> int:
        """The string offset of a client position; a line past the end is the end of the text, a
        column past the end of its line is the end of that line (as editors clamp)."""
        source, starts = self.source, self._line_starts()
        if position.line < 0:
            return 0
        if position.line >= len(starts):
            return len(source)
        start = starts[position.line]
        end = starts[position.line + 1] if position.line + 1 < len(starts) else len(source)
        while end > start and source[end - 1] in "\r\n":
            end -= 1  # the break is not part of the line's columns
        encoding = str(getattr(self.position_codec.encoding, "value", self.position_codec.encoding))
        encoding = encoding if encoding in ("utf-8", "utf-32") else "utf-16"  # pygls's default too
        if encoding == "utf-32":
            return min(start + max(position.character, 0), end)
        units, offset = 0, start
        while offset < end and units < position.character:
            units += _units(source[offset], encoding)
            offset += 1
        return offset

    def line_of(self, offset: int) -> int:
        return bisect_right(self._line_starts(), offset) - 1

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        start, end = self.offset_at(change.range.start), self.offset_at(change.range.end)
        if end < start:  # an inverted range: the text between its ends is replaced all the same
            start, end = end, start
        source = self.source
        starts = self._line_starts()
        updated = source[:start] + change.text + source[end:]
        self._starts = _shifted(starts, updated, start, end, len(change.text) - (end - start))
        self._source = self._starts_of = updated


def _shifted(starts: list[int], text: str, start: int, end: int, delta: int) -> list[int]:
    """The line starts of `text`, made from those before an edit of [start, end) by `delta`
    characters: kept before the edit, found again by one scan around it (from the start of the line
    before it, to a line start two characters past it, so a CR and an LF that the edit brings
    together or apart are seen), shifted after it. The cost follows the edit, not the document."""
    first = max(bisect_right(starts, max(start - 1, 0)) - 1, 0)
    after = bisect_right(starts, end + 1)  # the first start past the edit and the break before it
    low = starts[first]
    found = [
        m.end()
        for m in _BREAK.finditer(text, low, len(text) if after == len(starts) else starts[after] + delta)
    ]
    if after == len(starts):
        return starts[: first + 1] + found
    high = starts[after] + delta
    return starts[: first + 1] + [f for f in found if f < high] + [s + delta for s in starts[after:]]


class ExactWorkspace(Workspace):
    """pygls's workspace, creating ExactDocuments."""

    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return ExactDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )
