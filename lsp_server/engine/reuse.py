"""Which parts of a new prompt are already in the KV cache, possibly at other positions.

A jump or a file switch lays the prompt out anew, but most of it is usually cached somewhere:
the other files' chunks, the part of the file the previous window covered, the text that was after
the cursor. llama-server's `--cache-reuse` keeps such spans by shifting their positions (RoPE makes
a shift cheap) instead of evaluating them again; this module decides which spans to keep.

Pure token arithmetic, no llama.cpp: the engine carries the plan out (`engine.sequences`).
A cached span keeps the keys and values it was computed with, so a token in it attended to its
old neighbours rather than its new ones; only runs of `min_run` tokens or more are kept, so
each kept token sits among the same neighbours for at least that long.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress

from lsp_server.lru import LRU

MIN_RUN = 24  # shorter matches are mostly boilerplate (indentation, `self.`) and not worth a shift

Cached = Sequence["int | None"]  # token at each position of a cached sequence; None where freed


@dataclass(frozen=True)
class Move:
    """Cached tokens `source[src : src + n]` of source number `source` go to prompt[dst : dst + n]."""

    source: int
    src: int
    dst: int
    n: int


@dataclass
class Plan:
    """How a prompt reuses the cache: a prefix kept in place, then spans moved from cached sources;
    the rest is evaluated."""

    prefix: int  # prompt[:prefix] is cached at the same positions in source 0
    moves: list[Move] = field(default_factory=list)
    prompt_tokens: int = 0

    @property
    def moved(self) -> int:
        return sum(m.n for m in self.moves)

    @property
    def reused(self) -> int:
        return self.prefix + self.moved

    @property
    def evaluate(self) -> int:
        return self.prompt_tokens - self.reused


def common_prefix(a: Cached, b: Sequence[int]) -> int:
    return _run_length(list(a), 0, list(b), 0, min(len(a), len(b)), bytearray(len(a)))


def plan_reuse(sources: Sequence[Cached], prompt: Sequence[int], min_run: int = MIN_RUN) -> Plan:
    """Keep the common prefix with `sources[0]`, then greedily take, left to right through the
    prompt, the longest cached run (from any source, each cached token used once) that matches
    there. The prompt's last token is never taken: evaluating it gives the logits to sample from."""
    prompt = list(prompt)  # slices of lists compare with lists (in C, see _run_length)
    sources = [cached if isinstance(cached, list) else list(cached) for cached in sources]
    limit = len(prompt) - 1
    first = sources[0] if sources else ()
    prefix = max(0, min(common_prefix(first, prompt), limit))
    plan = Plan(prefix, prompt_tokens=len(prompt))
    if min_run <= 0 or limit - prefix < min_run:
        return plan
    # The hash of each run of the prompt looked for: from the prefix on, ending before the last token.
    wanted = _cached_hashes(prompt, min_run)[prefix : limit - min_run + 1]
    index = _runs(sources, min_run, prefix, set(wanted))
    starts = [prefix + k for k in compress(range(len(wanted)), map(index.__contains__, wanted))]
    used = [bytearray(len(c)) for c in sources]
    i = prefix
    for start in starts:  # where some cached run may match, in order
        if start < i:
            continue  # inside a run already taken
        i = start
        best: Move | None = None
        for s, j in index[wanted[i - prefix]]:
            n = _run_length(sources[s], j, prompt, i, limit, used[s])
            if n >= min_run and (best is None or n > best.n):
                best = Move(s, j, i, n)
        if best is None:
            continue
        used[best.source][best.src : best.src + best.n] = b"\x01" * best.n
        plan.moves.append(best)
        i += best.n
    return plan


def _hashes(tokens: Sequence[int | None], n: int) -> array:
    """The hash of each run of `n` tokens, by its start, built in C: this runs on the event loop
    for every completion request (`Sequences.estimate`), over the slots and every saved document."""
    return array("q", map(hash, zip(*(tokens[k:] for k in range(n)), strict=False)))


Index = dict[int, list[tuple[int, int]]]  # run hash → (source, start)
_KNOWN: LRU[tuple[int | None, ...], array] = LRU(64)  # the slots, saved documents, prompts


def _cached_hashes(tokens: Sequence[int | None], n: int) -> array:
    """`_hashes`, remembered: saved documents do not change between requests, a slot changes only
    when it is filled, and one estimate weighs the same prompt against each saved document.
    Keyed by the tokens themselves, never by identity."""
    key = (n, *tokens)
    known = _KNOWN.get(key)
    if known is None:
        known = _KNOWN[key] = _hashes(tokens, n)
    return known


def _runs(
    sources: Sequence[Cached], n: int, prefix: int, wanted: set[int]
) -> dict[int, list[tuple[int, int]]]:
    """(source, start) of each run of `n` cached tokens whose hash the prompt has, by that hash; in
    source 0 only those after the prefix kept. Runs that differ may share a hash, and runs
    holding a freed position (None) are listed too: the caller compares the tokens themselves
    before it keeps anything."""
    index: Index = {}
    for s, cached in enumerate(sources):
        hashes = _cached_hashes(cached, n)
        start = prefix if s == 0 else 0
        for j in compress(range(start, len(hashes)), map(wanted.__contains__, hashes[start:])):
            index.setdefault(hashes[j], []).append((s, j))
    return index


def _run_length(cached: list, j: int, prompt: list, i: int, limit: int, taken: bytearray) -> int:
    """How many tokens from cached[j] on equal those from prompt[i] on, before the prompt's last
    token and the first cached token already taken. Compared a block at a time in C: a document
    switch matches runs of thousands of tokens, one at a time in Python was most of the cost."""
    most = min(limit - i, len(cached) - j)
    first_taken = taken.find(1, j, j + most)
    if first_taken != -1:
        most = first_taken - j
    n = 0
    for block in (256, 16, 1):
        while n + block <= most and cached[j + n : j + n + block] == prompt[i + n : i + n + block]:
            n += block
    return n
