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

from collections.abc import Sequence
from dataclasses import dataclass, field

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
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def plan_reuse(sources: Sequence[Cached], prompt: Sequence[int], min_run: int = MIN_RUN) -> Plan:
    """Keep the common prefix with `sources[0]`, then greedily take, left to right through the
    prompt, the longest cached run (from any source, each cached token used once) that matches
    there. The prompt's last token is never taken: evaluating it gives the logits to sample from."""
    limit = len(prompt) - 1
    first = sources[0] if sources else ()
    prefix = max(0, min(common_prefix(first, prompt), limit))
    plan = Plan(prefix, prompt_tokens=len(prompt))
    if min_run <= 0 or limit - prefix < min_run:
        return plan
    index: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    for s, cached in enumerate(sources):
        start = prefix if s == 0 else 0
        for j in range(start, len(cached) - min_run + 1):
            key = tuple(cached[j : j + min_run])
            if None not in key:
                index.setdefault(key, []).append((s, j))  # type: ignore[arg-type]
    used = [bytearray(len(c)) for c in sources]
    i = prefix
    while i + min_run <= limit:
        best: Move | None = None
        for s, j in index.get(tuple(prompt[i : i + min_run]), ()):
            cached, taken = sources[s], used[s]
            n = 0
            while (
                i + n < limit and j + n < len(cached) and cached[j + n] == prompt[i + n] and not taken[j + n]
            ):
                n += 1
            if n >= min_run and (best is None or n > best.n):
                best = Move(s, j, i, n)
        if best is None:
            i += 1
            continue
        used[best.source][best.src : best.src + best.n] = b"\x01" * best.n
        plan.moves.append(best)
        i += best.n
    return plan
