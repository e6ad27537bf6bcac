"""A dict that forgets its least recently used entries beyond a size.

A server that runs for weeks must not keep every identifier, comment or name it ever looked up:
the caches of glossary matches and of jedi's definitions are bounded with this.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """Not locked: each step is one operation on an OrderedDict, which the interpreter keeps
    whole, and an entry another thread forgot mid-way reads as absent. `in` is not a use."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, default: V | None = None) -> V | None:
        try:
            value = self._items[key]
        except KeyError:
            return default
        with contextlib.suppress(KeyError):  # forgotten by another thread just now: still an answer
            self._items.move_to_end(key)
        return value

    def __setitem__(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def pop(self, key: K, default: V | None = None) -> V | None:
        return self._items.pop(key, default)

    def keys(self) -> list[K]:
        """The keys, least recently used first (a copy: safe to iterate while others change it)."""
        return list(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)
