"""The KV cache as several sequences: where each prompt's tokens live, and which come back.

One llama.cpp context holds a unified KV cache shared by a few sequences:
- a *slot* per kind of request ("main": full prompts; "quick": short first answers), so a quick
  answer never evicts the full prompt being prepared beside it;
- spare sequence ids, used while a new prompt is assembled from cached spans at new positions
  (`engine.reuse` plans it: the common prefix stays, other cached runs are shifted into place,
  only the gaps are evaluated);
- saved states of recently used documents, kept in host memory up to a byte budget, so that
  switching back to a file costs only what changed there;
- windows of documents read ahead while the model was idle (`engine.windows`), also in host
  memory: a prompt that starts as a window does is started from it.

llama.cpp requires a sequence's positions to grow one by one while decoding, and a shift moves a
cell for every sequence sharing it; so the new prompt is built in a fresh sequence, left to right:
a cached run is first moved alone into a temporary sequence, shifted there, then handed over.
What a stopped fill leaves behind (cached runs not yet moved) stays as the slot's leftover and is
still offered to the next plan.
"""

from __future__ import annotations

import ctypes
import logging
import mmap
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lsp_server.engine.reuse import MIN_RUN, Plan, common_prefix, plan_reuse
from lsp_server.engine.windows import MIN_TOKENS, Window, Windows
from lsp_server.errors import ModelError

log = logging.getLogger(__name__)

SLOTS = ("main", "quick")
N_SEQ = 8  # two slots, their leftovers, a build target and a temporary, with room to spare

Stopped = Callable[[], "str | None"]


@dataclass
class Slot:
    """One kind of request's sequence and the tokens it holds, kept for the next prompt of that
    kind to reuse."""

    seq: int
    tokens: list[int] = field(default_factory=list)  # at positions 0..len-1 of `seq`
    key: str = ""  # the document these tokens belong to ("" for none)
    leftover_seq: int = -1
    leftover: list[int | None] = field(default_factory=list)  # cached runs a stopped fill did not move


def host_buffer(size: int) -> Any:
    """A byte buffer for one saved state, mapped on its own and unmapped when dropped.

    States are megabytes each, of every size, and are dropped in LRU order. From the C heap
    (ctypes' own buffers) glibc soon serves such sizes from its arenas rather than by mmap,
    and the holes they leave are never given back: resident memory crept up through a one-hour
    soak, and a replay of saves against a 200 MB bound held 390 MB resident, 165 MB of it free
    heap. Mapped on their own, the same replay held 227 MB."""
    return (ctypes.c_uint8 * size).from_buffer(mmap.mmap(-1, size))  # the array keeps the map alive


@dataclass
class Saved:
    """A document's KV state copied to host memory, brought back when the user returns to it."""

    tokens: list[int]
    data: Any  # a `host_buffer` that llama_state_seq_get_data filled
    size: int


@dataclass
class Fill:
    """What filling a slot did: the tokens it evaluated and, if it stopped early, why."""

    plan: Plan
    evaluated: int = 0
    decode_s: float = 0.0  # time spent in llama_decode alone: the model's prompt speed
    stopped: str | None = None


class Sequences:
    """The sequences of one llama.cpp context (see the module docstring): fills slots with prompts,
    reusing whatever the cache holds."""

    def __init__(
        self,
        lib: Any,
        ctx: Any,
        n_batch: int,
        *,
        reuse: bool = True,
        memory_bytes: int = 256 << 20,
        read_bytes: int = 0,
    ) -> None:
        self._lib = lib
        self._ctx = ctx
        self._mem = lib.llama_get_memory(ctx)
        self._n_batch = self._step = n_batch
        self.shift = reuse and bool(lib.llama_memory_can_shift(self._mem))
        self.reuse = reuse
        self.memory_bytes = memory_bytes if reuse else 0
        self._free = list(range(len(SLOTS), N_SEQ))
        self.slots = {name: Slot(seq) for seq, name in enumerate(SLOTS)}
        self.saved: OrderedDict[str, Saved] = OrderedDict()
        self.restored = 0  # documents brought back from host memory
        self.windows = Windows(read_bytes if reuse else 0)
        self._batch = lib.llama_batch_init(n_batch, 0, 1)

    def close(self) -> None:
        if self._batch is not None:
            self._lib.llama_batch_free(self._batch)
            self._batch = None

    # -- the llama.cpp calls ------------------------------------------------------------------

    def _rm(self, seq: int, p0: int = -1, p1: int = -1) -> None:
        self._lib.llama_memory_seq_rm(self._mem, seq, p0, p1)

    def decode(self, tokens: Sequence[int], pos: int, seq: int, logits: bool) -> None:
        """Evaluate `tokens` at positions pos.. of `seq` (at most one batch)."""
        batch = self._batch
        n = len(tokens)
        batch.n_tokens = n
        for i, token in enumerate(tokens):
            batch.token[i] = token
            batch.pos[i] = pos + i
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = seq
            batch.logits[i] = False
        batch.logits[n - 1] = logits
        code = self._lib.llama_decode(self._ctx, batch)
        if code != 0:
            why = "the KV cache is full" if code == 1 else f"llama_decode returned {code}"
            raise ModelError(f"llama.cpp could not evaluate the prompt: {why}")

    def clear(self) -> None:
        """Start over with an empty cache (also after a failure, when the bookkeeping may no
        longer match it)."""
        self._lib.llama_memory_clear(self._mem, True)
        self._free = list(range(len(SLOTS), N_SEQ))
        self.slots = {name: Slot(seq) for seq, name in enumerate(SLOTS)}

    # -- planning -------------------------------------------------------------------------------

    def plan(self, slot: Slot, prompt: Sequence[int]) -> Plan:
        return plan_reuse([slot.tokens, slot.leftover], prompt, MIN_RUN if self.shift else 0)

    def estimate(self, name: str, prompt: Sequence[int], key: str = "", text: str = "") -> int:
        """Tokens a fill of `prompt` would evaluate, counting what a saved state or a window of
        document `key` (whose text is `text`) read ahead would bring back."""
        slot = self.slots[name]
        costs = [self.plan(slot, prompt).evaluate]
        saved = self._best_saved(slot, prompt)
        if saved is not None:
            costs.append(saved[1].evaluate)
        window = self.windows.best(key, text, list(prompt)) if self.reuse and text else None
        if window is not None:
            costs.append(len(prompt) - window[1])
        return min(costs)

    def _best_saved(self, slot: Slot, prompt: Sequence[int]) -> tuple[str, Plan] | None:
        """The saved state (of another document than the slot's) that holds most of `prompt`."""
        best: tuple[str, Plan] | None = None
        for saved_key, saved in list(self.saved.items()):
            if saved_key == slot.key:
                continue
            candidate = plan_reuse([saved.tokens], prompt, MIN_RUN if self.shift else 0)
            if best is None or candidate.reused > best[1].reused:
                best = (saved_key, candidate)
        return best

    # -- filling a slot -------------------------------------------------------------------------

    def fill(
        self,
        name: str,
        prompt: Sequence[int],
        stopped: Stopped,
        key: str = "",
        step: int = 0,
        text: str = "",
    ) -> Fill:
        """Make slot `name` hold `prompt`, evaluating what no cache holds; the last batch leaves
        the logits of the prompt's last token. Stops between batches of `step` tokens (default:
        the context's batch size) when `stopped()` says why. `text` is document `key`'s text, from
        whose windows read ahead the prompt may start."""
        self._step = min(step or self._n_batch, self._n_batch)
        slot = self.slots[name]
        plan = self.plan(slot, prompt)
        if self.reuse and key != slot.key and name == SLOTS[0]:
            plan = self._switch(slot, prompt, plan)
        if self.reuse and text:
            plan = self._from_window(slot, prompt, plan, key, text)
        slot.key = key
        self.windows.use(key)
        if not plan.moves:
            self._drop_leftover(slot)
            self._rm(slot.seq, plan.prefix)
            del slot.tokens[plan.prefix :]
            return self._evaluate(
                slot.seq, prompt, plan.prefix, len(prompt), slot.tokens, stopped, Fill(plan)
            )
        return self._rebuild(slot, prompt, plan, stopped)

    def _from_window(self, slot: Slot, prompt: Sequence[int], plan: Plan, key: str, text: str) -> Plan:
        """Start the slot from a window of document `key` read ahead, if one holds more of the
        prompt's start than the slot would keep (`engine.windows`)."""
        best = self.windows.best(key, text, list(prompt))
        if best is None or best[1] <= plan.reused + MIN_RUN:
            return plan
        window, same = best
        self._drop_leftover(slot)
        if not self._restore(slot, window.data, window.size):
            log.info("could not bring back a window read ahead; evaluating anew")
            return self.plan(slot, prompt)
        self._rm(slot.seq, same)
        slot.tokens = [*window.lead, *window.tokens][:same]
        self.windows.brought_back += 1
        return self.plan(slot, prompt)

    def _restore(self, slot: Slot, data: Any, size: int) -> bool:
        """Replace the slot's sequence by a state kept in host memory; False (the slot left empty)
        if the cache has no room for it."""
        self._rm(slot.seq)
        if self._lib.llama_state_seq_set_data(self._ctx, data, size, slot.seq):
            return True
        self._rm(slot.seq)
        slot.tokens = []
        return False

    def _rebuild(self, slot: Slot, prompt: Sequence[int], plan: Plan, stopped: Stopped) -> Fill:
        new = self._free.pop()
        temp = self._free.pop()
        sources = [(slot.seq, list(slot.tokens)), (slot.leftover_seq, list(slot.leftover))]
        if plan.prefix:
            self._lib.llama_memory_seq_cp(self._mem, slot.seq, new, 0, plan.prefix)
            self._rm(slot.seq, 0, plan.prefix)
            sources[0][1][: plan.prefix] = [None] * plan.prefix
        built = list(prompt[: plan.prefix])
        result = Fill(plan)
        pos = plan.prefix
        for move in plan.moves:
            result = self._evaluate(new, prompt, pos, move.dst, built, stopped, result, logits=False)
            if result.stopped:
                break
            seq, cached = sources[move.source]
            self._relocate(seq, temp, new, move.src, move.dst, move.n)
            cached[move.src : move.src + move.n] = [None] * move.n
            built += prompt[move.dst : move.dst + move.n]
            pos = move.dst + move.n
        else:
            result = self._evaluate(new, prompt, pos, len(prompt), built, stopped, result)
        # What was not moved stays offered to the next plan, from the live sequence only.
        self._drop_leftover(slot)
        live_seq, live = sources[0]
        if result.stopped and any(t is not None for t in live):
            slot.leftover_seq, slot.leftover = live_seq, live
        else:
            self._rm(live_seq)
            self._free.append(live_seq)
        slot.seq, slot.tokens = new, built
        self._free.append(temp)
        return result

    def _relocate(self, source: int, temp: int, target: int, src: int, dst: int, n: int) -> None:
        """Move cached cells [src, src+n) of `source` to positions [dst, dst+n) of `target`: moved
        alone into `temp` first, shifted there (a shift moves a cell for every sequence sharing it),
        then handed over."""
        self._lib.llama_memory_seq_cp(self._mem, source, temp, src, src + n)
        self._rm(source, src, src + n)
        self._lib.llama_memory_seq_add(self._mem, temp, src, src + n, dst - src)
        self._lib.llama_memory_seq_cp(self._mem, temp, target, dst, dst + n)
        self._rm(temp)

    def _evaluate(
        self,
        seq: int,
        prompt: Sequence[int],
        start: int,
        end: int,
        built: list[int],
        stopped: Stopped,
        result: Fill,
        logits: bool = True,
    ) -> Fill:
        step = self._step
        for i in range(start, end, step):
            reason = stopped()
            if reason:
                result.stopped = reason
                return result
            piece = prompt[i : min(end, i + step)]
            started = time.perf_counter()
            self.decode(piece, i, seq, logits and i + step >= end)
            result.decode_s += time.perf_counter() - started
            built += piece
            result.evaluated += len(piece)
        return result

    def _drop_leftover(self, slot: Slot) -> None:
        if slot.leftover_seq >= 0:
            self._rm(slot.leftover_seq)
            self._free.append(slot.leftover_seq)
        slot.leftover_seq, slot.leftover = -1, []

    # -- documents' saved states ----------------------------------------------------------------

    def _switch(self, slot: Slot, prompt: Sequence[int], plan: Plan) -> Plan:
        """Another document's prompt: save the live state under its own document, and bring back
        a saved state instead if it holds more of this prompt than the live one."""
        self.save(slot)
        found = self._best_saved(slot, prompt)
        if found is None or found[1].reused <= plan.reused + MIN_RUN:
            return plan
        best_key, best = found
        self._drop_leftover(slot)
        saved = self.saved.pop(best_key)
        if not self._restore(slot, saved.data, saved.size):
            log.info("could not restore the saved state of %s; evaluating anew", best_key)
            return self.plan(slot, prompt)
        self.restored += 1
        slot.tokens = list(saved.tokens)
        return best

    def save(self, slot: Slot) -> None:
        """Keep the slot's state in host memory under its document, within the byte budget."""
        if not slot.key or not slot.tokens or self.memory_bytes <= 0:
            return
        size = self._lib.llama_state_seq_get_size(self._ctx, slot.seq)
        if size <= 0 or size > self.memory_bytes:
            return
        data = host_buffer(size)
        written = self._lib.llama_state_seq_get_data(self._ctx, data, size, slot.seq)
        if not written:
            return
        self.saved.pop(slot.key, None)
        self.saved[slot.key] = Saved(list(slot.tokens), data, written)
        while self.used_bytes() > self.memory_bytes:
            self.saved.popitem(last=False)

    def forget(self, key: str) -> None:
        self.saved.pop(key, None)
        self.windows.forget(key)

    # -- reading ahead --------------------------------------------------------------------------

    def read_window(
        self,
        key: str,
        start: int,
        text: str,
        lead: list[int],
        tokens: list[int],
        ends: list[int],
        stopped: Stopped,
        step: int,
        old: Window | None = None,
    ) -> str:
        """Evaluate `lead` then the tokens of `text` (document `key`'s from offset `start`; where
        each token ends in its UTF-8 bytes) in a spare sequence, going on from window `old` (read
        there in part, or edited since) where it still matches, and keep the state in host memory
        as the window there, even if stopped midway; "" when done, else why not ("full": no room
        left for this document)."""
        self._step = min(step or self._n_batch, self._n_batch)
        whole = [*lead, *tokens]
        per_cell = self.windows.bytes_per_cell
        if per_cell and not self.windows.room(key, per_cell * len(whole), old):
            return "full"  # known before evaluating it: a file past its share is not read in vain
        seq = self._free.pop()
        try:
            done = 0
            if old is not None and old.lead == lead:
                same = len(lead) + common_prefix(old.tokens, tokens)
                if self._lib.llama_state_seq_set_data(self._ctx, old.data, old.size, seq):
                    self._rm(seq, same)
                    done = same
                else:
                    self._rm(seq)
            result = self._evaluate(seq, whole, done, len(whole), [], stopped, Fill(Plan(0)), logits=False)
            self.windows.evaluated += result.evaluated
            n = done + result.evaluated - len(lead)  # the text's tokens now in the sequence
            if n < MIN_TOKENS or (result.stopped and not result.evaluated):
                return result.stopped or ""
            size = self._lib.llama_state_seq_get_size(self._ctx, seq)
            self.windows.bytes_per_cell = size // (len(lead) + n)
            if size <= 0 or not self.windows.room(key, size, old):
                return "full"
            data = host_buffer(size)
            written = self._lib.llama_state_seq_get_data(self._ctx, data, size, seq)
            if not written:
                return "full"
            spelt = text.encode("utf-8")[: ends[n - 1]].decode("utf-8", "ignore")
            self.windows.put(key, old, Window(start, spelt, list(lead), tokens[:n], ends[:n], data, written))
            return result.stopped or ""
        finally:
            self._rm(seq)
            self._free.append(seq)

    def used_bytes(self) -> int:
        return sum(s.size for s in self.saved.values())

    def report(self) -> dict[str, Any]:
        return self.windows.report() | {
            "reuse": self.reuse,
            "shift": self.shift,
            "memory_bound_mb": round(self.memory_bytes / (1 << 20), 1),
            "memory_used_mb": round(self.used_bytes() / (1 << 20), 1),
            "documents_saved": len(self.saved),
            "documents_restored": self.restored,
            "live_tokens": {name: len(slot.tokens) for name, slot in self.slots.items()},
        }
