"""Documents read ahead in windows: their text evaluated from line starts, as a prompt's prefix.

A far jump lays out a prompt whose text the KV cache has never held: about 2,000 tokens to
evaluate, ten seconds or more on a laptop CPU. But the text is the document's, known long before
the jump. So while nothing else needs the model, each recently used document is read in windows of
a few thousand characters, each evaluated after the head a short prompt has before its prefix (the
file's path, the FIM prefix token) and its KV state copied to host memory. A short prompt whose
prefix starts where a window starts then finds its whole prefix evaluated, exactly as it would
have been: a key or value sees only the tokens before it, and those are the window's own. Only the
suffix and the current line remain to evaluate, a hundred tokens or so.

(Pieces of the document evaluated on their own and shifted into the prompt's positions were
tried before: their keys and values had seen other text before them, and the first lines of their
answers agreed with the whole prompt's at 4 to 11 places of 24, and they were read no more.)

Windows overlap by OVERLAP_CHARS, so that every place has a window starting at least that far
above it (or at the document's start): the prompt's prefix. A window whose text was edited keeps
the tokens before the edit, and is read on from there. Pure bookkeeping and text arithmetic here;
the llama.cpp calls are in `engine.sequences`.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from lsp_server.engine.reuse import common_prefix as common_tokens
from lsp_server.text_diff import common_prefix

WINDOW_CHARS = 6000  # about 1,500-2,000 tokens of code: a window's text
WINDOW_TOKENS = 2048  # at most (Chinese text or dense code spell fewer characters a token)
OVERLAP_CHARS = 2000  # the least prefix a place gets (unless near the document's start)
ANCHOR_CHARS = 80  # where an edited window's start is now: found by its first characters
MIN_TOKENS = 24  # a window whose valid tokens are fewer is worth nothing (engine.reuse.MIN_RUN)


@dataclass
class Window:
    """Document text from a line start and its KV state: `lead` then `tokens` at positions 0.."""

    at: int  # where the text began in the document when read
    text: str  # the text `tokens` spell (a window stopped midway holds less than it was to read)
    lead: list[int]  # the prompt's tokens before its prefix: the file's path, the FIM prefix token
    tokens: list[int]
    ends: list[int]  # where each token ends in the text's UTF-8 bytes
    data: Any  # a host buffer that llama_state_seq_get_data filled
    size: int

    def found_at(self, text: str, delta: int = 0) -> int:
        """Where the window starts in `text` (-1: its start is gone): tried first where it was read,
        moved by `delta` (an edit above shifts everything after it by as much), then by its first
        characters."""
        if self.at == 0:
            return 0  # the document's start stays its start, whatever an edit did to its first line
        start = self.at + delta
        anchor = self.text[:ANCHOR_CHARS]
        if 0 <= start <= len(text) and text.startswith(anchor, start) and _line_start(text, start):
            return start
        at = text.find(anchor)
        while at >= 0 and not _line_start(text, at):
            at = text.find(anchor, at + 1)
        return at

    def valid(self, text: str, start: int) -> int:
        """How many tokens spell text that `text` still has from `start` on (a key or value saw
        nothing after its own token, so an edit leaves those before it exact)."""
        if text.startswith(self.text, start):
            return len(self.tokens)
        same = common_prefix(self.text, text[start : start + len(self.text)])
        return bisect_right(self.ends, len(self.text[:same].encode("utf-8")))

    def chars(self, tokens: int) -> int:
        """How many characters of the text the first `tokens` tokens spell (whole ones)."""
        if tokens <= 0:
            return 0
        return len(self.text.encode("utf-8")[: self.ends[tokens - 1]].decode("utf-8", "ignore"))


@dataclass
class Served:
    """A window as it stands in the document's current text."""

    window: Window
    start: int  # where it starts in the text now
    valid: int  # its tokens still exact
    end: int  # where they end in the text now


def _line_start(text: str, at: int) -> bool:
    return at == 0 or text[at - 1] == "\n"


def line_start_before(text: str, at: int) -> int:
    at = max(0, min(at, len(text)))
    return text.rfind("\n", 0, at) + 1 if at > 0 else 0


class Windows:
    """The windows read of each document, the most recently used document last, within a byte
    budget of host memory. Locked: the model thread adds windows while the event loop asks where
    a prompt's prefix should start (`start_for`)."""

    def __init__(self, memory_bytes: int) -> None:
        self._lock = threading.RLock()
        self.memory_bytes = memory_bytes
        self.documents: OrderedDict[str, dict[int, Window]] = OrderedDict()  # by `at`
        self.evaluated = 0  # tokens evaluated reading, in all
        self.brought_back = 0  # windows a prompt started from
        self.bytes_per_cell = 0  # a state's size per token, as the last window read measured it
        self._served: tuple[str, str, list[Served]] | None = None  # the last `served`, by key and text

    def served(self, key: str, text: str) -> list[Served]:
        """The windows of document `key` still (partly) in `text`, by where they start now."""
        with self._lock:
            windows = self.documents.get(key)
            if not windows or not text:
                return []
            memo = self._served
            if memo is not None and memo[0] == key and memo[1] is text:
                return memo[2]
            result, delta = [], 0
            for window in sorted(windows.values(), key=lambda w: w.at):
                start = window.found_at(text, delta)
                if start < 0:
                    continue
                delta = start - window.at
                valid = window.valid(text, start)
                if valid >= MIN_TOKENS:
                    result.append(Served(window, start, valid, start + window.chars(valid)))
            result.sort(key=lambda s: s.start)
            self._served = (key, text, result)
            return result

    def start_for(self, key: str, text: str, offset: int) -> int | None:
        """Where a prompt's prefix ending at line start `offset` should begin for a window to hold
        all of it: the earliest window start whose exact text reaches `offset` (None: no window
        does yet)."""
        for served in self.served(key, text):
            if served.start <= offset <= served.end:
                return served.start
        return None

    def best(self, key: str, text: str, prompt: list[int]) -> tuple[Window, int] | None:
        """The window holding the longest start of `prompt`, and how many of its tokens that is."""
        best: tuple[Window, int] | None = None
        for served in self.served(key, text):
            window = served.window
            n = len(window.lead)
            if prompt[:n] != window.lead:
                continue
            same = n + common_tokens(window.tokens[: served.valid], prompt[n:])
            if same > n and (best is None or same > best[1]):
                best = (window, same)
        return best

    def todo(self, key: str, text: str, around: int) -> list[tuple[int, int, Window | None]]:
        """Windows of `text` to read, the nearest to offset `around` first, so that every place
        has a window starting OVERLAP_CHARS above it (or at the document's start): each as its
        line-aligned span and the window read there in part or edited (read on from its valid
        tokens), if any. Windows no longer in the text are dropped."""
        with self._lock:
            served = self.served(key, text)
            keep = {id(s.window) for s in served}
            windows = self.documents.get(key, {})
            for at in [at for at, w in windows.items() if id(w) not in keep]:
                del windows[at]
                self._served = None
        spans: list[tuple[int, int, Window | None]] = []
        covered = 0  # every place before it has a window
        while covered < len(text):
            reach = max(0, covered - OVERLAP_CHARS)
            holding = [s.end for s in served if s.start <= reach < s.end]
            if holding and max(holding) > covered:
                covered = max(holding)
                continue
            # A window read in part, or edited, that was to hold this place is read on from there.
            short = [s for s in served if s.start <= reach and _window_end(text, s.start) > covered]
            if short:
                last = max(short, key=lambda s: s.start)
                spans.append((last.start, _window_end(text, last.start), last.window))
            else:
                start = line_start_before(text, reach) if covered > OVERLAP_CHARS else 0
                spans.append((start, _window_end(text, start), None))
            covered = spans[-1][1]

        def distance(span: tuple[int, int, Window | None]) -> int:
            start, end, _ = span
            return -1 if start <= around < end else min(abs(start - around), abs(end - around))

        return sorted(spans, key=distance)

    def put(self, key: str, old: Window | None, window: Window) -> None:
        """Keep `window` for document `key`, in place of `old` (the same window read on)."""
        with self._lock:
            windows = self.documents.setdefault(key, {})
            if old is not None and windows.get(old.at) is old:
                del windows[old.at]
            windows[window.at] = window
            self.documents.move_to_end(key)
            self._served = None

    def use(self, key: str) -> None:
        with self._lock:
            if key in self.documents:
                self.documents.move_to_end(key)

    def room(self, key: str, size: int, replacing: Window | None = None) -> bool:
        """Make room for `size` more bytes for document `key` (in place of window `replacing`),
        dropping the least recently used other documents; whether it fits. One
        document gets at most half the budget, so that two files the user goes back and forth
        between never push each other out."""
        with self._lock:
            mine = sum(w.size for w in self.documents.get(key, {}).values() if w is not replacing)
            if mine + size > self.memory_bytes // 2:
                return False
            while self.used_bytes() + size > self.memory_bytes:
                other = next((k for k in self.documents if k != key), None)
                if other is None:
                    return False
                del self.documents[other]
                self._served = None
            return True

    def forget(self, key: str) -> None:
        with self._lock:
            if self.documents.pop(key, None) is not None:
                self._served = None

    def used_bytes(self) -> int:
        with self._lock:
            return sum(w.size for windows in self.documents.values() for w in windows.values())

    def report(self) -> dict[str, Any]:
        with self._lock:
            return {
                "read_bound_mb": round(self.memory_bytes / (1 << 20), 1),
                "read_used_mb": round(self.used_bytes() / (1 << 20), 1),
                "read_documents": len(self.documents),
                "read_windows": sum(len(windows) for windows in self.documents.values()),
                "read_tokens": sum(len(w.tokens) for ws in self.documents.values() for w in ws.values()),
                "read_evaluated": self.evaluated,
                "read_brought_back": self.brought_back,
            }


def _window_end(text: str, start: int) -> int:
    """A window's end: WINDOW_CHARS on, at a line end (the document's end if that is near)."""
    end = start + WINDOW_CHARS
    if end + WINDOW_CHARS // 4 >= len(text):
        return len(text)
    cut = text.rfind("\n", start, end) + 1
    return cut if cut > start else end


def window_tokens(
    text: str, tokens: list[int], token_bytes: Callable[[int], int]
) -> tuple[list[int], list[int]]:
    """A window's tokens (at most WINDOW_TOKENS, cut after a line's end where it must be cut) and
    where each ends in the text's UTF-8 bytes."""
    ends = list(accumulate(token_bytes(t) for t in tokens[: WINDOW_TOKENS + 1]))
    if len(tokens) > WINDOW_TOKENS:
        raw = text.encode("utf-8")
        at_line_end = (k for k in range(WINDOW_TOKENS, WINDOW_TOKENS // 2, -1) if raw[ends[k - 1] - 1] == 10)
        cut = next(at_line_end, WINDOW_TOKENS)
        tokens, ends = tokens[:cut], ends[:cut]
    return tokens, ends
