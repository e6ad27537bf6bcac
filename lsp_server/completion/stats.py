"""Completion statistics since start (or the last reset): what `ubiq.stats` reports.

Token counts are the honest measure of speed on a noisy 2-core machine: they do not wobble.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lsp_server.engine.backend import GenerationStats

WINDOW = 10_000  # the latest requests that percentiles are taken over: a server up for weeks stays small


def _from_sorted(ordered: list[float]) -> dict[str, float]:
    if not ordered:
        return {"p50": 0.0, "p95": 0.0}

    def at(q: float) -> float:
        return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])

    return {"p50": at(0.5), "p95": at(0.95)}


def percentiles(values: Iterable[float]) -> dict[str, float]:
    return _from_sorted(sorted(values))


class Rolling:
    """The latest `size` values, also kept in order of size: `ubiq.stats` then reads its
    percentiles without sorting, so asking costs the same after a week as after a minute (the
    one-hour soak saw it double when every call sorted six full windows)."""

    def __init__(self, size: int = WINDOW) -> None:
        self.size = size
        self._arrived: deque[float] = deque()
        self._sorted: list[float] = []

    def append(self, value: float) -> None:
        self._arrived.append(value)
        insort(self._sorted, value)
        if len(self._arrived) > self.size:
            del self._sorted[bisect_left(self._sorted, self._arrived.popleft())]

    def clear(self) -> None:
        self._arrived.clear()
        self._sorted.clear()

    def __len__(self) -> int:
        return len(self._arrived)

    def __iter__(self):  # noqa: ANN204
        return iter(self._arrived)

    def percentiles(self) -> dict[str, float]:
        return _from_sorted(self._sorted)


@dataclass
class CompletionStats:
    """What `ubiq.stats` reports, counted since start or the last reset. Background preparation
    records from a worker thread, hence the lock."""

    requests: int = 0
    model_calls: int = 0
    typed_ahead_hits: int = 0
    cache_hits: int = 0
    cancelled: int = 0
    empty: int = 0
    quick: int = 0  # answered from a short local prompt while the full one was prepared
    first_line_early: int = 0  # a block's first line shown while the rest was being written
    answered_early: int = 0  # answers shown before they were written in full (first lines, quick)
    rest_done: int = 0  # ... whose rest has since been written (or given up)
    rest_shown: int = 0  # ... and it said more: it replaced the first line (ubiq/completionReady)
    another_start: int = 0  # answers rejected at a blank line or reading an unbound name, asked again
    background_evaluated: int = 0  # prompt tokens evaluated ahead of requests (preparation)
    evaluated_total: int = 0  # prompt tokens evaluated for requests, all of them (the window forgets)
    latency_ms: Rolling = field(default_factory=Rolling)
    prompt_tokens: Rolling = field(default_factory=Rolling)
    evaluated_tokens: Rolling = field(default_factory=Rolling)
    cached_tokens: Rolling = field(default_factory=Rolling)
    moved_tokens: Rolling = field(default_factory=Rolling)
    generated_tokens: Rolling = field(default_factory=Rolling)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, latency_ms: float, model: GenerationStats | None) -> None:
        """One answered request; `model` is None when it was served without a model call."""
        with self._lock:
            self.latency_ms.append(latency_ms)
            self.evaluated_tokens.append(model.evaluated_tokens if model else 0)
            self.evaluated_total += model.evaluated_tokens if model else 0
            if model is not None:
                self.prompt_tokens.append(model.prompt_tokens)
                self.cached_tokens.append(model.cached_tokens)
                self.moved_tokens.append(model.moved_tokens)
                self.generated_tokens.append(model.generated_tokens)

    def record_unanswered(self, model: GenerationStats) -> None:
        """A model call that was cancelled or superseded: it still cost the tokens it evaluated."""
        with self._lock:
            self.evaluated_tokens.append(model.evaluated_tokens)
            self.evaluated_total += model.evaluated_tokens
            self.prompt_tokens.append(model.prompt_tokens)
            self.cached_tokens.append(model.cached_tokens)
            self.moved_tokens.append(model.moved_tokens)

    def record_background(self, model: GenerationStats) -> None:
        """Prompt preparation nobody waited for: it costs CPU, not latency."""
        with self._lock:
            self.background_evaluated += model.evaluated_tokens

    def snapshot(self, reset: bool = False) -> dict[str, Any]:
        with self._lock:
            data = {
                "requests": self.requests,
                "model_calls": self.model_calls,
                "typed_ahead_hits": self.typed_ahead_hits,
                "cache_hits": self.cache_hits,
                "cancelled": self.cancelled,
                "empty": self.empty,
                "quick": self.quick,
                "first_line_early": self.first_line_early,
                "answered_early": self.answered_early,
                "rest_done": self.rest_done,
                "rest_shown": self.rest_shown,
                "another_start": self.another_start,
                "evaluated_total": self.evaluated_total,
                "background_evaluated_total": self.background_evaluated,
                "served_without_model": self.typed_ahead_hits + self.cache_hits,
                "latency_ms": self.latency_ms.percentiles(),
                "prompt_tokens": self.prompt_tokens.percentiles(),
                "evaluated_tokens": self.evaluated_tokens.percentiles(),
                "cached_tokens": self.cached_tokens.percentiles(),
                "moved_tokens": self.moved_tokens.percentiles(),
                "generated_tokens": self.generated_tokens.percentiles(),
            }
            if reset:
                self.requests = self.model_calls = self.typed_ahead_hits = 0
                self.cache_hits = self.cancelled = self.empty = self.quick = 0
                self.first_line_early = self.answered_early = self.rest_done = self.rest_shown = 0
                self.another_start = 0
                self.background_evaluated = self.evaluated_total = 0
                for values in (
                    self.latency_ms,
                    self.prompt_tokens,
                    self.evaluated_tokens,
                    self.cached_tokens,
                    self.moved_tokens,
                    self.generated_tokens,
                ):
                    values.clear()
        return data
