"""The token-budgeted completion prompt, laid out so that consecutive keystrokes share its prefix.

A *layout* freezes, at one moment, everything but the text typed since: other files' chunks,
the file's imports and enclosing definitions when the window cuts them off, the prefix window
(ending at the start of the cursor's line, starting on a coarse line grid so it moves in large
steps) and the suffix after the cursor. The model sees, in FIM order,

    [extra chunks] <prefix> imports + window <suffix> text after the cursor <middle> typed text

Typing at the cursor only appends to the middle, so the KV cache holds everything before it.
The layout is redone only when it no longer describes the document (an edit above the anchor or
after the cursor, the cursor moved away) or the middle has grown past a few lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lsp_server.context.syntax import SyntaxTree
from lsp_server.engine.backend import Chunk

CountTokens = Callable[[str], int]

GRID_LINES = 64  # the prefix window starts on a multiple of this many lines
MAX_MIDDLE_LINES = 6
MAX_MIDDLE_CHARS = 400
QUICK_MAX_LINES = 80


@dataclass(frozen=True)
class Budget:
    """How many tokens each part of the prompt may take, for the full prompt and the quick one."""

    prefix_tokens: int = 1792
    suffix_tokens: int = 384
    extra_tokens: int = 512
    # The quick prompt, answered while the full one is prepared: what ~1 s of prompt evaluation
    # on a 2-core CPU affords.
    quick_prefix_tokens: int = 100
    quick_suffix_tokens: int = 80


@dataclass(frozen=True)
class Layout:
    """The prompt frozen at one moment (see the module docstring): reused while the user types, so
    the KV cache keeps everything before the middle."""

    anchor: int  # offset of the start of the cursor's line when laid out
    window_start: int
    window: str  # text[window_start:anchor] at layout time
    header: str  # imports / enclosing definitions above the window
    suffix: str  # text after the cursor at layout time
    extra: tuple[Chunk, ...]

    def fits(self, text: str, offset: int) -> bool:
        """Whether this layout still describes `text` with the cursor at `offset`."""
        if offset < self.anchor or text[self.window_start : self.anchor] != self.window:
            return False
        if text[offset : offset + len(self.suffix)] != self.suffix:
            return False
        middle = text[self.anchor : offset]
        return middle.count("\n") <= MAX_MIDDLE_LINES and len(middle) <= MAX_MIDDLE_CHARS

    @property
    def prefix(self) -> str:
        return self.header + self.window


def _lines_back(text: str, end: int, budget: int, count: CountTokens, grid: int = GRID_LINES) -> int:
    """The earliest line start before `end` such that text[start:end] fits `budget` tokens,
    snapped forward to the line grid so that it stays put while the cursor moves."""
    if count(text[:end]) <= budget:
        return 0
    starts = [0]
    pos = text.find("\n")
    while 0 <= pos < end:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    low, high = 0, len(starts) - 1
    while low < high:  # first start whose window fits
        mid = (low + high) // 2
        if count(text[starts[mid] : end]) <= budget:
            high = mid
        else:
            low = mid + 1
    line = -(-low // grid) * grid
    return starts[min(line, len(starts) - 1)]


def suffix_window(text: str, offset: int, budget: int, count: CountTokens) -> str:
    piece = text[offset : offset + budget * 6]
    while piece and count(piece) > budget:
        cut = piece.rfind("\n", 0, max(len(piece) * 3 // 4, 1))
        piece = piece[: cut + 1] if cut > 0 else piece[: len(piece) * 3 // 4]
    if offset + len(piece) < len(text) and "\n" in piece:
        piece = piece[: piece.rfind("\n") + 1]  # end on a whole line
    return piece


def _header(syntax: SyntaxTree | None, window_start: int, offset: int) -> str:
    """Imports and enclosing definitions that the window cut off, so the model still sees them."""
    if syntax is None or window_start == 0:
        return ""
    start_byte = syntax.byte_offset(window_start)
    lines = [imp for imp in syntax.imports() if imp]
    lines += [d.header for d in syntax.enclosing_definitions(offset) if d.start < start_byte]
    return "\n".join(lines) + "\n...\n" if lines else ""


def _fit_chunks(chunks: Sequence[Chunk], budget: int, count: CountTokens) -> tuple[Chunk, ...]:
    kept, used = [], 0
    for chunk in chunks:
        cost = count(chunk.path) + count(chunk.text) + 2
        if used + cost > budget:
            continue
        kept.append(chunk)
        used += cost
    return tuple(kept)


def make_layout(
    text: str,
    offset: int,
    count: CountTokens,
    syntax: SyntaxTree | None = None,
    extra_for: Callable[[int], Sequence[Chunk]] | None = None,
    budget: Budget = Budget(),
) -> Layout:
    """`extra_for(window_start)` supplies the other files' chunks once the window is known, so a
    caller can keep the previous layout's chunks (and their cached tokens) when the window stays."""
    anchor = text.rfind("\n", 0, offset) + 1
    window_start = _lines_back(text, anchor, budget.prefix_tokens, count)
    extra = extra_for(window_start) if extra_for else ()
    return Layout(
        anchor=anchor,
        window_start=window_start,
        window=text[window_start:anchor],
        header=_header(syntax, window_start, offset),
        suffix=suffix_window(text, offset, budget.suffix_tokens, count),
        extra=_fit_chunks(extra, budget.extra_tokens, count),
    )


def quick_layout(
    text: str, offset: int, count: CountTokens, syntax: SyntaxTree | None = None, budget: Budget = Budget()
) -> tuple[str, str]:
    """(prefix, suffix) of a short local prompt: the lines just above the cursor's line (under the
    headers of the definitions around it) and a few lines after the cursor. Its prefix ends where
    the full layout's does, so the text typed since goes after the middle token in both."""
    anchor = text.rfind("\n", 0, offset) + 1
    near = anchor
    for _ in range(QUICK_MAX_LINES):  # never tokenize more of the file than could fit
        near = text.rfind("\n", 0, max(near - 1, 0)) + 1
        if near == 0:
            break
    near_text = text[near:anchor]
    start = near + _lines_back(near_text, len(near_text), budget.quick_prefix_tokens, count, grid=1)
    header = ""
    if syntax is not None and start > 0:
        start_byte = syntax.byte_offset(start)
        around = syntax.enclosing_definitions(offset)
        header = "".join(d.header + "\n" for d in around if d.start < start_byte)
    return header + text[start:anchor], suffix_window(text, offset, budget.quick_suffix_tokens, count)
