"""The one interface every feature uses to reach a model, and the values that cross it.

The in-process llama.cpp engine and remote servers implement `Backend`; features,
the CLI and benchmarks only ever see this module's types.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any

from lsp_server.errors import Cancelled


class Priority(IntEnum):
    """Lower runs first: a keystroke's completion must not wait behind test generation."""

    INTERACTIVE = 0
    BATCH = 10


class CancelToken:
    """Set by whoever no longer wants the result; checked by the engine between batches and tokens."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def cancel(self) -> None:
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def when_cancelled(self, callback: Callable[[], None]) -> None:
        """Call `callback` once this token is cancelled (at once if it is): a job still queued is
        dropped then, not when the model thread would have reached it."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class Chunk:
    """A piece of another file given to the model as extra context."""

    path: str
    text: str


@dataclass
class CompletionRequest:
    """Either a raw `prompt`, or `prefix`/`suffix` around the cursor for fill-in-the-middle.

    `middle` is text placed after the FIM middle token: the part of the current line the model
    should continue. Keeping it out of `prefix` lets consecutive keystrokes share a prompt prefix.
    """

    prompt: str | None = None
    prefix: str = ""
    suffix: str = ""
    middle: str = ""
    extra: Sequence[Chunk] = ()
    path: str = ""
    max_tokens: int = 64
    stop: Sequence[str] = ()
    temperature: float = 0.0
    seed: int | None = None  # for sampling (temperature > 0): several seeds, several different answers
    deadline: float | None = None  # time.monotonic() value after which generation stops
    priority: Priority = Priority.INTERACTIVE
    json_schema: dict[str, Any] | None = None
    # Which KV-cache slot holds the prompt ("main", or "quick" for short first answers that must
    # not evict a full prompt being prepared), and the document it belongs to (its saved state
    # comes back when the user returns to it).
    cache_slot: str = "main"
    cache_key: str = ""
    # Background preparation: stop between batches as soon as an interactive request is waiting.
    yield_to_interactive: bool = False
    # The whole text of document `cache_key`, which the engine may have read ahead in windows
    # (`Backend.read_ahead`): a prompt that starts where a window does is started from it.
    document: str = ""
    # Answers already rejected here (by the checks after generation): the next one must not start
    # as they did, and "" (nothing at all) rules out ending at once. The in-process engine honours
    # it at the first token; a remote server samples as it is configured to.
    avoid_first: Sequence[str] = ()


@dataclass
class ChatMessage:
    """One turn of a conversation for `Backend.chat`: a "system", "user" or "assistant" message."""

    role: str
    content: str


@dataclass
class GenerationStats:
    """What one request cost. `evaluated_tokens` are prompt tokens actually run through the model;
    `cached_tokens` were reused from the KV cache, `moved_tokens` of them at shifted positions."""

    prompt_tokens: int = 0
    evaluated_tokens: int = 0
    cached_tokens: int = 0
    moved_tokens: int = 0
    generated_tokens: int = 0
    queue_ms: float = 0.0
    prompt_ms: float = 0.0
    generation_ms: float = 0.0

    @property
    def total_ms(self) -> float:
        return self.queue_ms + self.prompt_ms + self.generation_ms

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total_ms": self.total_ms}


@dataclass
class Completion:
    """What a model call returned, also when it was cut short: `stop_reason` says why it ended."""

    text: str
    stop_reason: str  # "eos" | "stop" | "length" | "deadline" | "cancelled"
    stats: GenerationStats = field(default_factory=GenerationStats)


@dataclass(frozen=True)
class ModelInfo:
    """Which model is loaded and how it runs, as `ubiq.stats`, `ubiq doctor` and reports show it."""

    name: str
    path: str
    backend: str
    architecture: str
    context_size: int  # the context Ubiq runs with
    trained_context: int | None
    fim: bool
    threads: int  # for generation (one token at a time)
    threads_batch: int  # for prompt evaluation
    source: str = ""
    # threads → {"prompt": tok/s, "generation": tok/s}, when the counts were measured at load
    thread_timings: dict[int, dict[str, float]] = field(default_factory=dict)
    # a remote backend's server as detected at start: API flavour, endpoints, tokenizer, slots
    server: dict[str, Any] = field(default_factory=dict)
    # layers asked to run on a GPU (model.gpuLayers), and whether this llama.cpp build can: a CPU
    # build ignores the setting without a word, so it is said here (None: a remote server decides)
    gpu_layers: int = 0
    gpu_offload: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


OnText = Callable[[str], "bool | None"]  # gets each new piece of text; returns True to stop


class Backend(ABC):
    """A loaded model. Calls block the caller; implementations serialise work internally."""

    @abstractmethod
    def info(self) -> ModelInfo: ...

    @abstractmethod
    def complete(
        self, request: CompletionRequest, cancel: CancelToken | None = None, on_text: OnText | None = None
    ) -> Completion:
        """Continue a raw prompt or fill in the middle; stops at EOS, a stop string, max_tokens,
        the deadline, cancellation, or when `on_text` returns True — returning what was generated
        so far."""

    @abstractmethod
    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        priority: Priority = Priority.BATCH,
        cancel: CancelToken | None = None,
        seed: int | None = None,
    ) -> Completion:
        """Answer a conversation in the model's chat format; with a schema, the text is valid JSON.
        With temperature > 0, `seed` picks the sample: the same seed, the same answer."""

    @abstractmethod
    def count_tokens(self, text: str) -> int: ...

    def evaluation_cost(self, request: CompletionRequest) -> tuple[int, float] | None:
        """(tokens the request would evaluate now, seconds that takes), or None when unknown."""
        return None

    def cache_report(self) -> dict[str, Any]:
        """How the KV cache is used: its memory bound, what it holds. Empty when not in-process."""
        return {}

    def forget(self, key: str) -> None:  # noqa: B027 - optional: only a local cache has states
        """The document `key` was closed: its cached state is no longer worth its memory."""

    def read_ahead(self, key: str, text: str, around: int, cancel: CancelToken, path: str = "") -> str:
        """While the model has nothing else to do, read document `key` (at `path`) ahead in windows
        (nearest to offset `around` first) that a later short prompt, after a jump there, starts
        from instead of evaluating its prefix (`engine.windows`); stops as soon as anything else
        needs the model. Returns "done" once the document is read (or nothing of it can be), else
        why it stopped ("preempted", "cancelled", "full")."""
        return "done"

    def window_start(self, key: str, text: str, offset: int) -> int | None:
        """Where a short prompt's prefix ending at line start `offset` of document `key` should
        begin so that a window read ahead holds all of it; None when none does."""
        return None

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def deadline_in(ms: float) -> float:
    return time.monotonic() + ms / 1000.0
