"""Completion requests as an editor makes them: newest wins, typed-ahead and repeated contexts are
served without the model, the prompt layout is kept for KV-cache reuse, and what the model
returns is shaped and syntax-checked before it is shown.

After a jump or a file switch the full prompt may cost more than the time budget allows
(~2,000 tokens at ~200 tokens/s on a laptop CPU): then a short local prompt answers first, in its
own KV-cache slot, while the full one is prepared in the background at batch priority (stepping
aside for every interactive request); the next request uses it, and if the first answer was empty
`CompletionInput.on_ready` says when asking again will find it ready. Once nothing is being
prepared, the recently used documents are read ahead in windows (`Backend.read_ahead`): the short
prompt after a later jump anywhere in them starts where a window does, and finds its whole prefix
evaluated, exactly as it would have been.

Protocol-free: the LSP handlers and the benchmarks call `CompletionService.complete`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lsp_server.completion.names import unbound_names
from lsp_server.completion.postprocess import BlockEnd, heal_blanks, held_back, shape, single_line
from lsp_server.completion.stats import CompletionStats
from lsp_server.completion.syntax_check import keep_parsing
from lsp_server.config import CompletionSettings
from lsp_server.context.prompt import Budget, Layout, make_layout, quick_layout, suffix_window
from lsp_server.context.syntax import SyntaxTree
from lsp_server.engine.backend import (
    Backend,
    CancelToken,
    Chunk,
    Completion,
    CompletionRequest,
    GenerationStats,
    Priority,
    deadline_in,
)
from lsp_server.errors import Cancelled, ModelError
from lsp_server.lru import LRU

log = logging.getLogger(__name__)
LRU_SIZE = 256
# The share of the time budget the full prompt's evaluation may take before a quick prompt
# answers first: the rest goes to generating the first line.
AFFORDABLE_SHARE = 0.5
# A quick prompt gets what the measured prompt speed evaluates in this share of the budget.
QUICK_SHARE = 0.45
QUICK_MIN_TOKENS = 64
# Of a quick prompt's tokens, the share its suffix gets (in %) when a window read ahead holds its
# prefix: the rest of the time goes to the answer's first line.
WINDOW_SUFFIX_SHARE = 75
QUICK_MAX_TOKENS = 512
# The share of the time budget kept for shaping, checking and sending what the deadline leaves, so
# that the answer reaches the editor within the budget.
DELIVERY_SHARE = 0.05
# A request that evaluated at most this many prompt tokens had its prompt cached already.
RETRY_EVALUATED = 8
# A place the user moved to is prepared after this pause, unless a request came meanwhile (it
# would then wait for the preparation's current step).
PREPARE_AFTER_S = 0.25
# Documents read ahead: the most recently used ones, unless a few lines long (their whole prompt
# is cheap).
READ_DOCUMENTS = 4
READ_MIN_CHARS = 1000
READ_AFTER_S = 1.0
# How long the full prompt prepared after a quick answer waits for jedi's lookups (in their thread,
# the event loop free) before laying out with what is cached.
LOOKUPS_WAIT_S = 2.0


def _answer_key(request: CompletionRequest) -> tuple:
    """What decides a prompt's answer (greedy decoding): equal keys, equal answers."""
    return (request.prefix, request.suffix, request.middle, request.extra, request.path, request.cache_slot)


class FirstLine:
    """Watches a block being generated (wrapping its `BlockEnd`) and tells the event loop as soon
    as the first line that says something is complete: generation is the slow part on a CPU, and
    a first line shown at once beats a whole block shown a second later (the rest follows)."""

    def __init__(self, watcher: BlockEnd) -> None:
        self.watcher = watcher
        self.line = BlockEnd(watcher.line_before, watcher.line_after, first_line=True)
        self._loop = asyncio.get_running_loop()
        self._ready: asyncio.Future[str] = self._loop.create_future()
        self._told = False

    def __call__(self, piece: str) -> bool:
        if not self._told and self.line(piece):
            self._told = True
            done = self.line.text.rsplit("\n", 1)[0]
            self._loop.call_soon_threadsafe(self._tell, done)
        return self.watcher(piece)

    def _tell(self, text: str) -> None:
        if not self._ready.done():
            self._ready.set_result(text)

    async def before(self, answering: asyncio.Future) -> str | None:
        """The first line, if it is complete before the whole answer; else None."""
        await asyncio.wait({answering, self._ready}, return_when=asyncio.FIRST_COMPLETED)
        if answering.done():
            return None
        return self._ready.result()


@dataclass
class Shown:
    """The last completion shown in a document, for typed-ahead reuse."""

    before: str  # document text before the cursor
    after: str  # document text after the cursor
    completion: str


@dataclass
class Answer:
    """What to show, and how it was obtained."""

    text: str
    source: str  # "model" | "quick" | "typed_ahead" | "cache"
    stop_reason: str = ""
    stats: GenerationStats | None = None


@dataclass
class DocumentState:
    """What one document's requests share: the layout kept for KV-cache reuse, the request in
    flight (newest wins) and what was last shown."""

    layout: Layout | None = None
    cancel: CancelToken | None = None
    shown: Shown | None = None
    rest: CancelToken | None = None  # an answer still being written after what was shown of it
    rest_key: tuple | None = None  # ... its prompt (see _answer_key)
    prepared: bool = False  # the layout's prompt was evaluated in full once (only the middle changes)
    bare: bool = False  # laid out without looking up the other files' chunks (see _request)
    quick: tuple[tuple[str, int], CompletionRequest] | None = None  # at (text, offset): its quick prompt


@dataclass
class CompletionInput:
    """One request: a document and the cursor in it, free of LSP types so that the benchmarks and
    the evaluation ask exactly as the editor does."""

    key: str  # the document's identity (URI)
    text: str
    offset: int
    path: str = ""  # shown to the model as the file's name
    syntax: SyntaxTree | None = None
    extra: Callable[[], Sequence[Chunk]] | None = None  # called only when laying out anew
    # Starts what `extra` would wait for (jedi's lookups) and returns its future, if any: the full
    # prompt prepared after a quick answer awaits it rather than hold up the answer.
    lookups: Callable[[], concurrent.futures.Future | None] | None = None
    # Called (from any thread) with the text before the cursor when asking again there will find
    # more than was shown: the full prompt is prepared after an empty or quick answer, or the rest
    # of a block arrived after its first line was shown.
    on_ready: Callable[[str], None] | None = None


@dataclass
class _Call:
    """One request that needs the model, as the steps after choosing its prompt share it."""

    backend: Backend
    state: DocumentState
    doc: CompletionInput
    request: CompletionRequest  # the full prompt's
    quick: CompletionRequest | None  # the short local prompt that answers first, if any
    cancel: CancelToken
    started: float  # time.monotonic() when the request came


@dataclass
class CompletionService:
    """Answers the completion requests of every open document (see the module docstring); the
    state kept between requests is what makes the next one cheap."""

    settings: CompletionSettings
    budget: Budget = field(default_factory=Budget)
    stats: CompletionStats = field(default_factory=CompletionStats)
    _docs: dict[str, DocumentState] = field(default_factory=dict)
    _lru: LRU[tuple, str] = field(default_factory=lambda: LRU(LRU_SIZE))
    _background: CancelToken | None = None  # the one prompt being prepared, for whichever document
    _background_for: tuple[str, Layout | None] = ("", None)  # its document and layout
    _background_done: bool = False
    _notify: CompletionInput | None = None  # told when the preparation is ready
    _last_key: str = ""  # the document of the last model call: another one's KV state is not live
    _reading: CancelToken | None = None  # documents being read ahead (or about to be)
    _read_running: bool = False
    _active: int = 0  # requests and moves so far: reading ahead waits for a pause in them
    _recent: LRU[str, CompletionInput] = field(default_factory=lambda: LRU(READ_DOCUMENTS))
    _tasks: set[asyncio.Future] = field(default_factory=set)

    @property
    def preparing(self) -> bool:
        """Whether a full prompt is being prepared in the background (benchmarks wait for it)."""
        token = self._background
        return token is not None and not token.cancelled and not self._background_done

    @property
    def reading(self) -> bool:
        """Whether documents are being read ahead (benchmarks that measure a warm start wait for it)."""
        return self._reading is not None and not self._reading.cancelled

    def forget(self, key: str) -> None:
        self._recent.pop(key, None)
        state = self._docs.pop(key, None)
        for token in (state.cancel, state.rest) if state else ():
            if token:
                token.cancel()
        if self._background_for[0] == key:
            self._stop_background()

    async def complete(self, backend: Backend, doc: CompletionInput) -> Answer:
        """What to show at the cursor (text "" for nothing); raises Cancelled if superseded."""
        started = time.monotonic()
        self.stats.requests += 1
        self._active += 1
        self._recent[doc.key] = doc
        state = self._docs.setdefault(doc.key, DocumentState())
        if state.cancel:
            state.cancel.cancel()  # newest request wins
        cancel = state.cancel = CancelToken()

        ahead = self._typed_ahead(state, doc)
        if ahead is not None:
            self.stats.typed_ahead_hits += 1
            self.stats.record((time.monotonic() - started) * 1000, None)
            return Answer(ahead, "typed_ahead")

        layout_before = state.layout
        request = self._request(backend, state, doc, lookups=not self.settings.quick_first)
        if state.layout is not layout_before:
            state.prepared = False
        key = _answer_key(request)
        quick = None if key in self._lru else self._quick_request(backend, state, doc, request)
        if quick is not None:
            # A quick prompt answers the same every time: asking again (the editor polls) would
            # only take time from the full prompt's preparation.
            key = _answer_key(quick)
        known = self._known(backend, state, doc, key, quick is not None)
        if known is not None:
            self.stats.record((time.monotonic() - started) * 1000, None)
            return known

        if self.settings.debounce_ms:
            await asyncio.sleep(self.settings.debounce_ms / 1000)
            if cancel.cancelled:
                self.stats.cancelled += 1
                raise Cancelled()
        return await self._ask_model(_Call(backend, state, doc, request, quick, cancel, started))

    def _known(
        self, backend: Backend, state: DocumentState, doc: CompletionInput, key: tuple, quick: bool
    ) -> Answer | None:
        """The answer to this prompt if it is known (the LRU), or what is shown while it is still
        being written (the editor asked again, or polls): starting over would throw that work away;
        ubiq/completionReady follows when it is written."""
        known = self._lru.get(key)
        if known is not None:
            self.stats.cache_hits += 1
            if quick:  # the full prompt is still what the user waits for
                self._prefill(backend, state, self._request(backend, state, doc), doc)
            return Answer(self._remember(state, doc, known), "cache")
        if state.rest is not None and state.rest_key == key and not state.rest.cancelled:
            shown = state.shown
            same_place = shown is not None and (shown.before, shown.after) == (
                doc.text[: doc.offset],
                doc.text[doc.offset :],
            )
            return Answer(shown.completion if same_place and shown else "", "pending")
        return None

    async def _ask_model(self, call: _Call) -> Answer:
        """Generate the answer: from the quick prompt (the full one is prepared once it is out of
        the way) or the full one; what is ready at the deadline is shown and the rest announced."""
        backend, state, doc, quick, cancel = call.backend, call.state, call.doc, call.quick, call.cancel
        self.stats.model_calls += 1
        if state.rest:
            state.rest.cancel()  # the user moved on from the block still being written
        if self._background_for != (doc.key, state.layout):
            # The model is needed here now, and a preparation elsewhere would evict this prompt;
            # one of this very layout goes on, stepping aside for each request (it prepares them).
            self._stop_background()
        prepare_after: CompletionRequest | None = None
        if quick is None and state.bare:
            # The full prompt answers: with the other files' chunks, unless they alone would make it
            # late (new chunks are evaluated); then the prompt without them answers, and the one
            # with them is prepared after it.
            bare, call.request = call.request, self._request(backend, state, doc)
            if self._costly(backend, call.request) and not self._costly(backend, bare):
                prepare_after, call.request = call.request, bare
        request = call.request
        key = _answer_key(quick or request)
        watcher = BlockEnd(self._line_before(doc), self._line_after(doc), first_line=quick is not None)
        first_line = FirstLine(watcher) if quick is None and self.settings.quick_first else None
        asked = quick or request
        if quick is not None and quick.deadline is not None:
            # A statement cut by the deadline cannot be shown, and is often a few tokens from its
            # end: it is written on after the deadline, and announced when done.
            asked = dataclasses.replace(quick, deadline=quick.deadline + self.settings.time_budget_ms / 1000)
        answering = asyncio.ensure_future(
            asyncio.to_thread(backend.complete, asked, cancel, first_line or watcher)
        )
        if quick is not None:
            # Once the quick answer is out of the way, the full prompt is laid out (with the other
            # files' chunks: jedi's lookups would compete with the quick answer for the CPU) and
            # prepared, even if a newer keystroke cancelled the answer: that one needs the same.
            bare_layout = state.layout

            def prepare_full(_: object) -> None:
                task = asyncio.ensure_future(self._prepare_full(backend, state, doc, bare_layout))
                self._tasks.add(task)  # (the loop keeps only a weak reference)
                task.add_done_callback(self._tasks.discard)

            answering.add_done_callback(prepare_full)
        elif prepare_after is not None:
            full, layout = prepare_after, state.layout

            def prepare_after_answer(_: object) -> None:
                if state.layout is layout:  # not laid out anew since
                    self._prefill(backend, state, full, doc)

            answering.add_done_callback(prepare_after_answer)

        def later(shown: str, task: asyncio.Future) -> Answer:
            return self._answer_later(call, key, shown, task, cancel)

        try:
            if first_line is not None and not watcher.single:
                early = await first_line.before(answering)
                if early is not None:
                    shown = self._shape(early, "stop", doc)
                    if shown:
                        self.stats.first_line_early += 1
                        return later(shown, answering)
            if quick is not None and not await self._in_time(answering, request):
                # The lines the quick answer has finished are shown (a `for` header, say): the
                # rest follows when it is written.
                self.stats.quick += 1
                return later(self._finished_lines(watcher.text, doc), answering)
            raw = await answering
            shown = self._shape(raw.text, raw.stop_reason, doc)
            doubt = self._doubt(raw, shown, doc)
            if doubt:
                # The checks rejected the answer at a blank line, where the user waits for a
                # statement, or it reads a name nothing binds: ask once more, for the next most
                # likely start, and keep the better answer. The prompt is in the KV cache; only
                # generation is paid.
                answering = self._another_start(call, asked, raw)
                if not await self._in_time(answering, request):
                    self.stats.record_unanswered(raw.stats)
                    return later(shown if doubt == "unbound" else "", answering)
                second = await answering
                second_shown = self._shape(second.text, second.stop_reason, doc)
                if not shown or (second_shown and not self._unbound(second_shown, doc)):
                    raw, shown, second = second, second_shown, raw
                self.stats.record_unanswered(second.stats)  # the answer not kept
        except asyncio.CancelledError:
            cancel.cancel()
            self.stats.cancelled += 1
            raise
        except Cancelled:
            self.stats.cancelled += 1
            raise
        return self._answered(call, key, raw, shown)

    def _another_start(self, call: _Call, asked: CompletionRequest, raw: Completion) -> asyncio.Future:
        """Ask the same prompt again with the rejected start ruled out at the first token (the prompt
        is in the KV cache: only generation is paid)."""
        self.stats.another_start += 1
        again = dataclasses.replace(
            asked, avoid_first=(raw.text,), deadline=deadline_in(self.settings.time_budget_ms)
        )
        doc = call.doc
        single = BlockEnd(self._line_before(doc), self._line_after(doc), first_line=call.quick is not None)
        return asyncio.ensure_future(asyncio.to_thread(call.backend.complete, again, call.cancel, single))

    async def _prepare_full(
        self, backend: Backend, state: DocumentState, doc: CompletionInput, layout: Layout | None
    ) -> None:
        """Prepare the full prompt after a quick answer, once that answer is on its way out: the
        other files' lookups run in their own thread meanwhile, instead of holding the event loop
        (and so the answer) for their time cap."""
        pending = doc.lookups() if doc.lookups is not None else None
        if pending is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(pending)), LOOKUPS_WAIT_S)
        if state.layout is layout:  # not laid out anew since
            self._prefill(backend, state, self._request(backend, state, doc), doc)

    def _finished_lines(self, generated: str, doc: CompletionInput) -> str:
        """The whole lines of an answer still being written, shaped and checked as any answer."""
        cut = generated.rfind("\n")
        return self._shape(generated[:cut], "stop", doc) if cut > 0 and generated[:cut].strip() else ""

    @staticmethod
    async def _in_time(answering: asyncio.Future, request: CompletionRequest) -> bool:
        """Wait for an answer until the request's deadline; whether it came."""
        if request.deadline is not None:
            await asyncio.wait({answering}, timeout=max(0.0, request.deadline - time.monotonic()))
        return answering.done() or request.deadline is None

    def _answered(self, call: _Call, key: tuple, raw: Completion, shown: str) -> Answer:
        """Count a whole answer, remember it, and prepare the full prompt if it did not get to it."""
        state, doc, quick = call.state, call.doc, call.quick
        if raw.stop_reason == "cancelled":
            self.stats.cancelled += 1
            self.stats.record_unanswered(raw.stats)
            raise Cancelled()
        log.debug(
            "%s answer: %d tokens generated, stop %s: %r shown as %r",
            "quick" if quick else "full",
            raw.stats.generated_tokens,
            raw.stop_reason,
            raw.text[:200],
            shown[:200],
        )
        if quick is not None:
            self.stats.quick += 1
        elif raw.stop_reason == "deadline" and raw.stats.generated_tokens == 0:
            self._prefill(call.backend, state, call.request, doc if not shown else None)
        else:
            state.prepared = True
            self._read_ahead(call.backend)
        self.stats.record((time.monotonic() - call.started) * 1000, raw.stats)
        # An answer cut by the deadline may be whole next time, when the prompt is in the KV cache
        # and all the budget goes to generating; once it was, asking again gives the same answer.
        if raw.stop_reason != "deadline" or raw.stats.evaluated_tokens <= RETRY_EVALUATED:
            self._lru[key] = shown
        if not shown:
            self.stats.empty += 1
        source = "quick" if quick is not None else "model"
        return Answer(self._remember(state, doc, shown), source, raw.stop_reason, raw.stats)

    def _doubt(self, raw: Completion, shown: str, doc: CompletionInput) -> str:
        """Why an answer that ended by itself (not by the deadline or a cancel) deserves a second
        try, or "": it was shaped to nothing at a blank line (mid-line, nothing is often right),
        or it reads a name that nothing in the file binds (see `names`)."""
        if raw.stop_reason not in ("eos", "stop", "length"):
            return ""
        if not shown:
            blank = not (self._line_before(doc) + self._line_after(doc)).strip()
            return "empty" if blank else ""
        return "unbound" if self._unbound(shown, doc) else ""

    def _answer_later(
        self, call: _Call, key: tuple, shown: str, answering: asyncio.Future, cancel: CancelToken
    ) -> Answer:
        """Show what is ready now (a block's first line, or nothing at a quick answer's deadline);
        the answer goes on being written (until the next request needs the model), then replaces
        what is shown and the editor is told to ask again."""
        state, doc = call.state, call.doc
        latency_ms = (time.monotonic() - call.started) * 1000
        self.stats.answered_early += 1
        # The answer's own token moves to `rest`: a typed-ahead request must not cancel it, one that
        # needs the model will. `cancel` gets a token of its own (a request was made here).
        state.rest, state.rest_key, state.cancel = cancel, key, CancelToken()
        first = self._remember(state, doc, shown)
        before, after = doc.text[: doc.offset], doc.text[doc.offset :]

        def arrived(task: asyncio.Future, retried: bool = False) -> None:
            raw = None if task.cancelled() or task.exception() else task.result()
            full = "" if raw is None else self._shape(raw.text, raw.stop_reason, doc)
            if (
                raw is not None
                and not retried
                and not first
                and not cancel.cancelled
                and self._doubt(raw, full, doc) == "empty"
            ):
                # Shaped to nothing at a blank line, as an answer in time would have been asked
                # again: the next most likely start is asked for, and announced when it is done.
                self.stats.record_unanswered(raw.stats)
                retry = self._another_start(call, call.quick or call.request, raw)
                retry.add_done_callback(functools.partial(arrived, retried=True))
                return
            if state.rest is cancel:
                state.rest, state.rest_key = None, None
            self.stats.record(latency_ms, raw.stats if raw else None)
            self.stats.rest_done += 1
            if raw is None or raw.stop_reason == "cancelled":
                return
            if call.quick is None:
                self._read_ahead(call.backend)
            log.debug(
                "the rest of %r: stop %s, %r shown as %r", first, raw.stop_reason, raw.text[:200], full[:200]
            )
            if raw.stop_reason != "deadline":
                self._lru[key] = full
            if not first and not full:
                self.stats.empty += 1
            now = state.shown
            if now is None or now.after != after or not now.before.startswith(before):
                return  # the user went elsewhere
            typed = now.before[len(before) :]
            if not (first.startswith(typed) and now.completion == first[len(typed) :]):
                return  # something else is shown there now
            if full.startswith(typed) and len(full) > len(first):  # (also: nothing shown until now)
                state.shown = Shown(now.before, after, full[len(typed) :])
                self.stats.rest_shown += 1
                if doc.on_ready is not None:
                    doc.on_ready(now.before)

        answering.add_done_callback(arrived)
        return Answer(first, "first_line")

    def prepare(self, backend: Backend, doc: CompletionInput) -> None:
        """Lay out the prompt for a place the user just moved to (an edit elsewhere, a file just
        opened) and start evaluating it in the background, before any request asks for it."""
        state = self._docs.setdefault(doc.key, DocumentState())
        self._recent[doc.key] = doc
        self._active += 1
        if state.layout is not None and state.layout.fits(doc.text, doc.offset):
            self._read_ahead(backend)
            return
        asked = state.cancel

        def start() -> None:
            if state.cancel is not asked:
                return  # a request came meanwhile: it prepares what it needs
            request = self._request(backend, state, doc)
            state.prepared = False
            self._prefill(backend, state, request, None)

        asyncio.get_running_loop().call_later(PREPARE_AFTER_S, start)

    def _quick_request(
        self, backend: Backend, state: DocumentState, doc: CompletionInput, request: CompletionRequest
    ) -> CompletionRequest | None:
        """A short local prompt, when the full one would not be ready within the time budget:
        as many tokens as the measured prompt speed evaluates in QUICK_SHARE of the budget, and
        only its first line that says something (the rest comes with the full prompt)."""
        switched, self._last_key = doc.key != self._last_key, doc.key
        if not self.settings.quick_first or (state.prepared and not switched):
            return None
        cost = self._costly(backend, request)
        if cost is None:
            return None
        place = (doc.text, doc.offset)
        if state.quick is not None and state.quick[0] == place:
            # Asked again at the same place (the editor polls): the same quick prompt, whatever the
            # speed measured now, so that the answer still being written is found, not started over.
            return dataclasses.replace(state.quick[1], deadline=request.deadline)
        budget_s = self.settings.time_budget_ms / 1000
        tokens, seconds = cost
        rate = tokens / seconds if seconds > 0 else 0.0
        size = max(QUICK_MIN_TOKENS, min(QUICK_MAX_TOKENS, int(rate * budget_s * QUICK_SHARE)))
        anchor = doc.offset - len(held_back(doc.text[doc.offset - 1 : doc.offset])) - len(request.middle)
        start = backend.window_start(doc.key, doc.text, anchor)
        if start is not None:
            # A window read ahead holds the prefix from `start` on: only the suffix is evaluated.
            prefix = doc.text[start:anchor]
            suffix_tokens = size * WINDOW_SUFFIX_SHARE // 100
            suffix = suffix_window(doc.text, doc.offset, suffix_tokens, backend.count_tokens)
        else:
            # Rewriting a line, the lines after it say as much as those before: measured on real
            # code, a ~45 % suffix share matched the full prompt's first-line accuracy where 20 %
            # fell far short.
            budget = dataclasses.replace(
                self.budget, quick_prefix_tokens=size * 11 // 20, quick_suffix_tokens=size * 9 // 20
            )
            prefix, suffix = quick_layout(doc.text, doc.offset, backend.count_tokens, doc.syntax, budget)
        log.debug(
            "quick prompt of %d tokens (window at %s): the full one would evaluate %d (%.1f s)",
            size,
            start,
            tokens,
            seconds,
        )
        quick = dataclasses.replace(
            request, prefix=prefix, suffix=suffix, extra=(), cache_slot="quick", cache_key=doc.key
        )
        state.quick = (place, quick)
        return quick

    def _costly(self, backend: Backend, request: CompletionRequest) -> tuple[int, float] | None:
        """(tokens, seconds) the prompt would evaluate now, if that takes more than its share of the
        time budget; else None."""
        cost = backend.evaluation_cost(request)
        if cost is None or cost[1] <= self.settings.time_budget_ms / 1000 * AFFORDABLE_SHARE:
            return None
        return cost

    # -- steps -----------------------------------------------------------------------------------

    def _typed_ahead(self, state: DocumentState, doc: CompletionInput) -> str | None:
        """If the user typed the start of what was shown, the rest is still the answer."""
        shown = state.shown
        if shown is None or not shown.completion:
            return None
        before, after = doc.text[: doc.offset], doc.text[doc.offset :]
        if after != shown.after or not before.startswith(shown.before):
            return None
        typed = before[len(shown.before) :]
        if not typed or not shown.completion.startswith(typed) or typed == shown.completion:
            return None
        rest = shown.completion[len(typed) :]
        state.shown = Shown(before, after, rest)
        return rest

    def _request(
        self, backend: Backend, state: DocumentState, doc: CompletionInput, lookups: bool = True
    ) -> CompletionRequest:
        """The full prompt's request, laying out anew when the layout no longer fits. Without
        `lookups` the other files' chunks are not gathered (jedi would compete for the CPU with a
        quick answer); the layout is then marked to be made again with them."""
        layout = state.layout
        if layout is None or not layout.fits(doc.text, doc.offset) or (lookups and state.bare):
            previous, was_bare = layout, state.bare
            state.bare = not lookups

            def extra_for(window_start: int) -> Sequence[Chunk]:
                if previous is not None and previous.window_start == window_start and not was_bare:
                    return previous.extra  # the prompt's start stays put: keep its cached tokens
                if not lookups:
                    return previous.extra if previous is not None else ()
                return tuple(doc.extra()) if doc.extra else ()

            layout = make_layout(
                doc.text, doc.offset, backend.count_tokens, doc.syntax, extra_for, self.budget
            )
            state.layout = layout
        return CompletionRequest(
            prefix=layout.prefix,
            suffix=layout.suffix,
            middle=doc.text[
                layout.anchor : doc.offset - len(held_back(doc.text[doc.offset - 1 : doc.offset]))
            ],
            extra=layout.extra,
            path=doc.path,
            cache_key=doc.key,
            document=doc.text,
            max_tokens=self.settings.max_tokens,
            stop=("\n",) if single_line(self._line_before(doc), self._line_after(doc)) else ("\n\n\n",),
            deadline=deadline_in(self.settings.time_budget_ms * (1 - DELIVERY_SHARE)),
        )

    def _unbound(self, shown: str, doc: CompletionInput) -> set[str]:
        syntax = doc.syntax
        # The document's kept tree, unless the user typed on since this request was made.
        tree = syntax.tree if syntax is not None and syntax.text == doc.text else None
        return unbound_names(shown, doc.text, self._line_before(doc), tree)

    @staticmethod
    def _line_before(doc: CompletionInput) -> str:
        return doc.text[doc.text.rfind("\n", 0, doc.offset) + 1 : doc.offset]

    @staticmethod
    def _line_after(doc: CompletionInput) -> str:
        end = doc.text.find("\n", doc.offset)
        return doc.text[doc.offset : len(doc.text) if end < 0 else end]

    def _prefill(
        self,
        backend: Backend,
        state: DocumentState,
        request: CompletionRequest,
        notify: CompletionInput | None,
    ) -> None:
        """Evaluate the full prompt in the background until it is ready or a request elsewhere
        takes over, so that the next request finds it in the KV cache; it steps aside (and then
        goes on) whenever an interactive request is waiting. `notify`'s `on_ready` is called once
        it is ready (the latest one's, if the same preparation is asked for again)."""
        if notify is not None or self._background_for[0] != request.cache_key:
            self._notify = notify  # (a preparation nobody asked for keeps the request waiting on it)
        if self._background_for == (request.cache_key, state.layout) and not self._background_done:
            return  # already being prepared
        self._stop_background()  # one preparation at a time: the newest place is where the user is
        token = self._background = CancelToken()
        self._background_for, self._background_done = (request.cache_key, state.layout), False
        prefill = dataclasses.replace(
            request, max_tokens=0, priority=Priority.BATCH, deadline=None, yield_to_interactive=True
        )
        loop = asyncio.get_running_loop()

        def run() -> None:
            try:
                while True:
                    done = backend.complete(prefill, token)
                    self.stats.record_background(done.stats)
                    if done.stop_reason != "preempted":
                        break
            except (Cancelled, ModelError) as exc:
                log.debug("prefill stopped: %r", exc)
                return
            if token.cancelled:
                return
            self._background_done = state.prepared = True
            notify = self._notify
            if notify is not None and notify.on_ready is not None:
                notify.on_ready(notify.text[: notify.offset])
            loop.call_soon_threadsafe(self._read_ahead, backend)

        loop.run_in_executor(None, run)

    def _read_ahead(self, backend: Backend) -> None:
        """Read the recently used documents ahead, the latest first, once the user has paused for
        READ_AFTER_S (a request meanwhile would wait for a step of it; its end asks again), unless
        a prompt is being prepared (its end asks again) or the documents are being read already."""
        if self.preparing or (self._reading is not None and self._read_running):
            return  # (a pass under way goes on: it steps aside for each request by itself)
        if self._reading is not None:
            self._reading.cancel()  # not started yet: the pause starts over
        token = self._reading = CancelToken()
        active = self._active
        loop = asyncio.get_running_loop()

        def start() -> None:
            if self._reading is not token:
                return
            if self._active != active or self.preparing:
                self._reading = None
            elif self._read_running:  # the pass stopped last is still winding down
                loop.call_later(READ_AFTER_S, start)
            else:
                self._read(backend, token)

        loop.call_later(READ_AFTER_S, start)

    def _read(self, backend: Backend, token: CancelToken) -> None:
        self._read_running = True

        def run() -> None:
            for key in reversed(self._recent.keys()):
                while not token.cancelled:
                    doc = self._recent.get(key)  # as it is now: the user may have typed since
                    if doc is None or len(doc.text) < READ_MIN_CHARS:
                        break
                    try:
                        why = backend.read_ahead(key, doc.text, doc.offset, token, doc.path)
                    except (Cancelled, ModelError) as exc:
                        log.debug("reading ahead stopped: %r", exc)
                        break
                    if why != "preempted":
                        break
            self._read_running = False
            if self._reading is token:
                self._reading = None

        asyncio.get_running_loop().run_in_executor(None, run)

    def _stop_background(self) -> None:
        if self._background is not None:
            self._background.cancel()
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None
        self._background, self._background_for = None, ("", None)

    def _shape(self, generated: str, stop_reason: str, doc: CompletionInput) -> str:
        text, offset = doc.text, doc.offset
        line_start = text.rfind("\n", 0, offset) + 1
        line_end = text.find("\n", offset)
        line_end = len(text) if line_end < 0 else line_end
        line_before = text[line_start:offset]
        generated = heal_blanks(generated, held_back(line_before))
        shown = shape(generated, line_before, text[offset:line_end], text[offset:])
        if stop_reason == "deadline" and "\n" in shown:
            shown = shown.rsplit("\n", 1)[0]  # what was ready at the deadline, cut at a line end
        return keep_parsing(text, offset, shown, doc.syntax)

    def _remember(self, state: DocumentState, doc: CompletionInput, shown: str) -> str:
        state.shown = Shown(doc.text[: doc.offset], doc.text[doc.offset :], shown)
        return shown
