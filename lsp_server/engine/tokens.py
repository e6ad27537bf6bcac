"""Token ids of recently tokenized texts.

A keystroke changes a prompt's middle, not its prefix, suffix or the other files' chunks, and
every request tokenizes its whole prompt on the event loop to weigh a quick answer against the
full one (`LocalBackend.evaluation_cost`): 2,000 tokens a request, a few milliseconds each, which
a storm of requests turned into a busy loop that answered `$/cancelRequest` late. Tokenizing is
deterministic, so the pieces tokenized last time are looked up instead.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable

ENTRIES = 1024
MAX_CHARS = 4 << 20  # of text remembered; the ids are kept as 4-byte integers, about as much again


class TokenMemo:
    """`tokenize(text, special)` with a bounded LRU in front; safe from any thread."""

    def __init__(self, tokenize: Callable[[str, bool], list[int]]) -> None:
        self._tokenize = tokenize
        self._lock = threading.Lock()
        self._known: OrderedDict[tuple[str, bool], array] = OrderedDict()
        self._chars = 0
        self.hits = self.misses = 0

    def __call__(self, text: str, special: bool = False) -> list[int]:
        key = (text, special)
        with self._lock:
            known = self._known.get(key)
            if known is not None:
                self._known.move_to_end(key)
                self.hits += 1
                return known.tolist()
        tokens = self._tokenize(text, special)
        with self._lock:
            self.misses += 1
            if key not in self._known and len(text) <= MAX_CHARS // 4:
                self._known[key] = array("i", tokens)
                self._chars += len(text)
                while len(self._known) > ENTRIES or self._chars > MAX_CHARS:
                    (old, _), _ = self._known.popitem(last=False)
                    self._chars -= len(old)
        return tokens

    def report(self) -> dict[str, int]:
        with self._lock:
            return {
                "entries": len(self._known),
                "chars": self._chars,
                "hits": self.hits,
                "misses": self.misses,
            }
