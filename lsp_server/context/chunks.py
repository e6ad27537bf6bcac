"""A ring buffer of chunks from other files the user works in, given to the model as context.

Chunks are appended at the end and evicted from the front, so the prompt's leading material
changes rarely (good for the KV cache); a chunk nearly identical to one already held replaces it
instead of filling the ring with copies.
"""

from __future__ import annotations

from collections import OrderedDict

from lsp_server.engine.backend import Chunk

CHUNK_LINES = 24
MAX_CHUNKS = 8
SIMILAR = 0.8


def _similarity(a: str, b: str) -> float:
    la, lb = set(a.splitlines()), set(b.splitlines())
    if not la or not lb:
        return 0.0
    return len(la & lb) / len(la | lb)


class ChunkRing:
    """Recent chunks of the files the user works in, oldest dropped first so that the prompt's start
    rarely changes."""

    def __init__(self, max_chunks: int = MAX_CHUNKS, chunk_lines: int = CHUNK_LINES) -> None:
        self.max_chunks = max_chunks
        self.chunk_lines = chunk_lines
        self._chunks: OrderedDict[tuple[str, int], Chunk] = OrderedDict()

    def add_around(self, path: str, text: str, line: int) -> None:
        """Remember the lines around `line` of `path` (e.g. where the user just edited)."""
        lines = text.splitlines()
        if not lines:
            return
        start = max(0, min(line - self.chunk_lines // 2, len(lines) - self.chunk_lines))
        body = "\n".join(lines[start : start + self.chunk_lines]).strip("\n")
        if not body.strip():
            return
        for key, chunk in list(self._chunks.items()):
            if chunk.path == path and _similarity(chunk.text, body) >= SIMILAR:
                if chunk.text == body:
                    return
                del self._chunks[key]
        self._chunks[(path, start)] = Chunk(path, body)
        while len(self._chunks) > self.max_chunks:
            self._chunks.popitem(last=False)

    def forget(self, path: str) -> None:
        for key in [k for k in self._chunks if k[0] == path]:
            del self._chunks[key]

    def chunks(self, exclude_path: str = "") -> list[Chunk]:
        return [c for c in self._chunks.values() if c.path != exclude_path]
