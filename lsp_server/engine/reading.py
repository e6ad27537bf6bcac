"""Documents read ahead: pieces of a document evaluated on their own while the model is idle.

A far jump lays out a prompt whose window the KV cache has never held: about 2,000 tokens to
evaluate, ten seconds on a laptop CPU. But the window is text of the document, and the document
is known long before the jump. So while nothing else needs the model, the document is read in
pieces of a few dozen lines, each evaluated at positions of its own and its KV state copied to host
memory; a later prompt takes whatever of its window and suffix these pieces hold, shifted into
place like any other cached span (`engine.sequences`), and evaluates only the rest.

A piece's keys and values saw only the piece and the few hundred tokens before it (its context,
evaluated with it and not kept), not the prompt's text before it. Without that context a piece
began a document of its own, and the first lines of answers from pieces agreed with the whole
prompt's at only 4 of 24 places (11 with it: `benchmarks/read_agreement.py`); so an answer from
pieces is rough, and the prompt is evaluated anew behind it (`Sequences.fill(exact=True)`).
A piece is used only while its text and context are still in the document: one whose lines (or
context) were edited saw text that is gone, and is read again.

Pure bookkeeping and text arithmetic here; the llama.cpp calls are in `engine.sequences`.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from lsp_server.text_diff import common_prefix

PIECE_TOKENS = 256  # a piece's size: short enough to re-read after an edit, long enough for context
MIN_PIECE_CHARS = 64  # a gap shorter than this (a line or two) is left to the prompt to evaluate
ANCHOR_CHARS = 80  # where an edited piece's start is now: found by its first characters
MIN_VALID = 24  # an edited piece's start kept only if at least this many tokens (engine.reuse.MIN_RUN)
CONTEXT_TOKENS = 256  # the text before a piece evaluated with it (and not kept): what its tokens saw


@dataclass
class Piece:
    """A piece of a document's text and its KV state, saved at positions first..first+len-1."""

    text: str
    tokens: list[int]
    data: Any  # a host buffer that llama_state_seq_get_data filled
    size: int
    first: int  # the position of tokens[0] in the saved state (after the lead)
    ends: list[int]  # where each token ends in the text's UTF-8 bytes
    at: int = 0  # where the text was in the document when read
    context: str = ""  # the text just before it, evaluated with it and not kept: what its tokens saw

    def whole_at(self, text: str, delta: int) -> int:
        """Where the piece's text is whole in `text`, its context before it (-1: nowhere); tried
        first where it was read, moved by `delta` (an edit above shifts everything after it by as
        much): a request weighs every piece of a file that may be megabytes long, on the event loop."""
        seen, start = len(self.context), self.at + delta
        if (
            start >= seen
            and text.startswith(self.text, start)
            and text.startswith(self.context, start - seen)
        ):
            return start
        at = text.find(self.context + self.text)
        return at + seen if at >= 0 else -1

    def valid(self, text: str) -> int:
        """How many of the piece's tokens saw only text that `text` still has: all of them if the
        piece and its context are in it, none if its context was edited, else those before its
        first edited character (an edit at the cursor leaves the lines above it usable, and a key
        or value saw nothing after its token)."""
        if self.whole_at(text, 0) >= 0:
            return len(self.tokens)
        seen = self.context + self.text
        at = text.find(seen[:ANCHOR_CHARS])
        if at < 0:
            return 0
        same = common_prefix(seen, text[at : at + len(seen)]) - len(self.context)
        if same <= 0:
            return 0
        return bisect_right(self.ends, len(self.text[:same].encode("utf-8")))


@dataclass
class Found:
    """Pieces still in a document, as one cached source for `engine.reuse.plan_reuse`: their tokens
    one after the other, a None between two, so that no run crosses from one into the next."""

    tokens: list[int | None]
    starts: list[int]  # where each piece begins in `tokens`
    pieces: list[Piece]

    def locate(self, index: int) -> tuple[Piece, int]:
        """The piece at `tokens[index]`, and that token's position in the piece's saved state."""
        k = bisect_right(self.starts, index) - 1
        piece = self.pieces[k]
        return piece, piece.first + index - self.starts[k]


NOTHING = Found([], [], [])


class Reading:
    """The pieces read of each document, the most recently used document last, within a byte
    budget of host memory. Locked: the model thread adds pieces while the event loop weighs a
    prompt's cost against them (`Sequences.estimate`) and reports their use."""

    def __init__(self, memory_bytes: int) -> None:
        self._lock = threading.RLock()
        self.memory_bytes = memory_bytes
        self.documents: OrderedDict[str, dict[str, Piece]] = OrderedDict()
        self.evaluated = 0  # tokens evaluated reading, in all
        self._found: tuple[str, str, Found] | None = None  # the last `found`, by key and text

    def found(self, key: str, text: str) -> Found:
        """The pieces of document `key` whose text is still in `text`."""
        with self._lock:
            pieces = self.documents.get(key)
            if not pieces or not text:
                return NOTHING
            memo = self._found
            if memo is not None and memo[0] == key and memo[1] is text:
                return memo[2]
            found, delta = Found([], [], []), 0
            for piece in sorted(pieces.values(), key=lambda p: p.at):
                at = piece.whole_at(text, delta)
                if at >= 0:
                    delta, valid = at - piece.at, len(piece.tokens)
                else:
                    valid = piece.valid(text)
                if valid >= MIN_VALID:
                    if found.tokens:
                        found.tokens.append(None)
                    found.starts.append(len(found.tokens))
                    found.tokens += piece.tokens[:valid]
                    found.pieces.append(piece)
            self._found = (key, text, found)
            return found

    def unread(self, key: str, text: str, around: int) -> list[tuple[int, int]]:
        """Spans of `text` (line-aligned, nearest to offset `around` first) that no piece still in
        it holds; pieces no longer in it are dropped. The span at `around` itself comes last: the
        prompt there holds it, and while the user types there it changes."""
        with self._lock:
            pieces = self.documents.get(key, {})
            covered, delta = [], 0
            for piece in sorted(pieces.values(), key=lambda p: p.at):
                at = piece.whole_at(text, delta)
                if at < 0:
                    self._drop(key, piece.text)
                    continue
                delta = at - piece.at
                covered.append((at, at + len(piece.text)))
            gaps, pos = [], 0
            for start, end in sorted(covered):
                if start > pos:
                    gaps.append((pos, start))
                pos = max(pos, end)
            if pos < len(text):
                gaps.append((pos, len(text)))
            spans = [span for gap in gaps for span in _line_aligned(text, *gap)]

            def distance(span: tuple[int, int]) -> int:
                start, end = span
                return len(text) if start <= around < end else min(abs(start - around), abs(end - around))

            return sorted(spans, key=distance)

    def add(self, key: str, piece: Piece) -> None:
        with self._lock:
            self.documents.setdefault(key, {})[piece.text] = piece
            self.documents.move_to_end(key)
            self._found = None

    def use(self, key: str) -> None:
        with self._lock:
            if key in self.documents:
                self.documents.move_to_end(key)

    def room(self, key: str, size: int) -> bool:
        """Make room for `size` more bytes for document `key`, dropping the least recently used
        other documents; whether it fits. One document gets at most half the budget, so that two
        files the user goes back and forth between never push each other out."""
        with self._lock:
            mine = sum(p.size for p in self.documents.get(key, {}).values())
            if mine + size > self.memory_bytes // 2:
                return False
            while self.used_bytes() + size > self.memory_bytes:
                other = next((k for k in self.documents if k != key), None)
                if other is None:
                    return False
                del self.documents[other]
                self._found = None
            return True

    def forget(self, key: str) -> None:
        with self._lock:
            if self.documents.pop(key, None) is not None:
                self._found = None

    def _drop(self, key: str, piece_text: str) -> None:
        del self.documents[key][piece_text]
        self._found = None

    def used_bytes(self) -> int:
        with self._lock:
            return sum(p.size for pieces in self.documents.values() for p in pieces.values())

    def report(self) -> dict[str, Any]:
        with self._lock:
            return {
                "read_bound_mb": round(self.memory_bytes / (1 << 20), 1),
                "read_used_mb": round(self.used_bytes() / (1 << 20), 1),
                "read_documents": len(self.documents),
                "read_tokens": sum(
                    len(p.tokens) for pieces in self.documents.values() for p in pieces.values()
                ),
                "read_evaluated": self.evaluated,
            }


def _line_aligned(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut text[start:end] into spans of whole lines (a span may begin or end mid-line only where
    the gap does) of about PIECE_TOKENS tokens, by length: a piece's size needs no precision."""
    chars = PIECE_TOKENS * 3  # code runs at about 3-4 characters a token
    pos = start
    while end - pos >= MIN_PIECE_CHARS:
        cut = end if end - pos <= chars * 3 // 2 else text.rfind("\n", pos, pos + chars) + 1
        if cut <= pos:
            cut = min(end, pos + chars)
        yield pos, cut
        pos = cut


def context_of(text: str, start: int) -> str:
    """The whole lines before `start`, about CONTEXT_TOKENS tokens of them, that a piece starting
    there is evaluated after: its keys and values then saw what a prompt's window has before it,
    not a document that begins with the piece."""
    if start <= 0 or CONTEXT_TOKENS <= 0:
        return ""
    begin = max(0, start - CONTEXT_TOKENS * 3)
    if begin > 0:
        begin = text.find("\n", begin, start) + 1 or start
    return text[begin:start]


def pieces_of(
    text: str, spans: list[tuple[int, int]], tokenize: Callable[[str], list[int]]
) -> Iterator[tuple[int, str, list[int], str, list[int]]]:
    """Each span's start, text and tokens, and its context's text and tokens, in the order given."""
    for start, end in spans:
        piece, context = text[start:end], context_of(text, start)
        yield start, piece, tokenize(piece), context, tokenize(context)
