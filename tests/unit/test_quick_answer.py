"""Plumbing of the quick answer after a jump: what it has finished by the deadline is shown, and the
full prompt is prepared only once the answer is out, its lookups awaited off the event loop. A
scripted backend stands in for the model; tests/e2e/test_jumps.py runs the same path on a real one."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Sequence

from lsp_server.completion.service import CompletionInput, CompletionService
from lsp_server.config import CompletionSettings
from lsp_server.context.syntax import SyntaxTree
from lsp_server.engine.backend import Completion, CompletionRequest
from tests.unit.completion_backend import CompletingBackend

DOC = "def total(items):\n    s = 0\n    \n        s += item.price\n    return s\n" + "".join(
    f"\n\ndef fee_{i}(amount):\n    return amount * {i} // 100\n" for i in range(60)
)
CURSOR = DOC.index("    \n") + 4


class Slow(CompletingBackend):
    """Writes a `for` header at once, then the rest only when released; every prompt is costly."""

    def __init__(self, costs: Sequence[tuple[int, float]] = ((2000, 20.0),)) -> None:
        self.release = threading.Event()
        self.prefills: list[CompletionRequest] = []
        self.answers: list[CompletionRequest] = []
        self.costs = list(costs)  # the speed measured changes from one request to the next

    def evaluation_cost(self, request: CompletionRequest) -> tuple[int, float] | None:
        return self.costs.pop(0) if len(self.costs) > 1 else self.costs[0]

    def complete(self, request: CompletionRequest, cancel=None, on_text=None) -> Completion:
        if request.max_tokens == 0:
            self.prefills.append(request)
            return Completion("", "length")
        self.answers.append(request)
        text = ""
        for piece in ("for item in items:\n", "        s += item.price\n"):
            if on_text is not None and on_text(piece):
                return Completion(text + piece, "stop")
            text += piece
            while not self.release.wait(0.01):
                if cancel is not None and cancel.cancelled:
                    return Completion(text, "cancelled")
        return Completion(text, "stop")


async def _jump() -> tuple[str, Slow, list[str], concurrent.futures.Future]:
    backend, events, lookups = Slow(), [], concurrent.futures.Future()
    service = CompletionService(CompletionSettings(time_budget_ms=200))

    def start_lookups() -> concurrent.futures.Future:
        events.append("lookups started")
        return lookups

    doc = CompletionInput(
        key="k",
        text=DOC,
        offset=CURSOR,
        path="m.py",
        syntax=SyntaxTree(DOC),
        lookups=start_lookups,
        on_ready=lambda before: events.append("ready"),
    )
    answer = await service.complete(backend, doc)
    events.append("answered")
    backend.release.set()
    while "lookups started" not in events:
        await asyncio.sleep(0.01)
    assert backend.prefills == []  # the full prompt waits for its lookups
    lookups.set_result(None)
    while not backend.prefills:
        await asyncio.sleep(0.01)
    return answer.text, backend, events, lookups


def test_a_quick_answer_cut_by_its_deadline_shows_the_lines_it_finished():
    shown, backend, events, _ = asyncio.run(asyncio.wait_for(_jump(), 60))
    assert shown == "for item in items:"
    assert events.index("answered") < events.index("lookups started")
    assert backend.prefills and backend.prefills[0].max_tokens == 0


async def _poll() -> tuple[list[str], Slow]:
    # Measured speeds that give quick prompts of different sizes, were they laid out anew.
    backend = Slow(costs=[(2000, 1.0), (2000, 2.0)])
    service = CompletionService(CompletionSettings(time_budget_ms=200))
    doc = CompletionInput(key="k", text=DOC, offset=CURSOR, path="m.py", syntax=SyntaxTree(DOC))
    shown = [(await service.complete(backend, doc)).text, (await service.complete(backend, doc)).text]
    backend.release.set()
    return shown, backend


def test_asking_again_at_the_same_place_finds_the_quick_answer_being_written():
    shown, backend = asyncio.run(asyncio.wait_for(_poll(), 60))
    assert shown == ["for item in items:", "for item in items:"]
    assert len(backend.answers) == 1  # not started over with another quick prompt


class Misfit(Slow):
    """First a late answer that cannot stand at the cursor, then, asked to avoid it, one that can."""

    def complete(self, request: CompletionRequest, cancel=None, on_text=None) -> Completion:
        if request.max_tokens == 0:
            self.prefills.append(request)
            return Completion("", "length")
        self.answers.append(request)
        if request.avoid_first:
            return Completion("for item in items:\n        s += item.price\n", "stop")
        while not self.release.wait(0.01):
            if cancel is not None and cancel.cancelled:
                return Completion("", "cancelled")
        return Completion("elif items:\n", "stop")


async def _misfit() -> tuple[str, str, list[str], Misfit, CompletionService]:
    backend, told = Misfit(), []
    service = CompletionService(CompletionSettings(time_budget_ms=200))
    ready = asyncio.Event()

    def on_ready(before: str) -> None:
        told.append(before)
        ready.set()

    doc = CompletionInput(
        key="k", text=DOC, offset=CURSOR, path="m.py", syntax=SyntaxTree(DOC), on_ready=on_ready
    )
    first = (await service.complete(backend, doc)).text
    backend.release.set()
    await ready.wait()
    again = (await service.complete(backend, doc)).text
    return first, again, told, backend, service


def test_a_late_quick_answer_that_cannot_stand_there_is_asked_again_for_another_start():
    first, again, told, backend, service = asyncio.run(asyncio.wait_for(_misfit(), 60))
    assert first == ""
    assert [r.avoid_first for r in backend.answers][:2] == [(), ("elif items:\n",)]
    assert told[0] == DOC[:CURSOR]  # announced
    assert again.startswith("for item in items:")
    assert service.stats.another_start >= 1
