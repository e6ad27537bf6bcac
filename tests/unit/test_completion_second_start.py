"""Plumbing of the second start: an answer that reads a name nothing binds is asked again once,
and the better of the two is shown. A scripted backend stands in for the model here; the engine's
`avoid_first` is tested on real models in tests/model/test_engine.py."""

from __future__ import annotations

import asyncio

from lsp_server.completion.service import CompletionInput, CompletionService
from lsp_server.config import CompletionSettings
from lsp_server.context.syntax import SyntaxTree
from lsp_server.engine.backend import Completion, CompletionRequest
from tests.unit.completion_backend import CompletingBackend

DOC = "def sevens(n):\n    ns = [i for i in range(n)]\n    \n    return sum(c == '7' for c in s)\n"
CURSOR = DOC.index("    \n") + 4


class Scripted(CompletingBackend):
    """Gives the scripted answers in turn and notes what each request avoided."""

    def __init__(self, answers: list[str]) -> None:
        self.answers, self.avoided = list(answers), []

    def complete(self, request: CompletionRequest, cancel=None, on_text=None) -> Completion:
        self.avoided.append(tuple(request.avoid_first))
        return Completion(self.answers.pop(0), "eos")


def complete(answers: list[str]) -> tuple[str, Scripted, CompletionService]:
    backend = Scripted(answers)
    service = CompletionService(CompletionSettings(time_budget_ms=60_000, quick_first=False))
    doc = CompletionInput(key="k", text=DOC, offset=CURSOR, path="m.py", syntax=SyntaxTree(DOC))
    return asyncio.run(service.complete(backend, doc)).text, backend, service


def test_an_answer_reading_an_unbound_name_gives_way_to_one_that_binds_it():
    shown, backend, service = complete(["t = s[0]", "s = ''.join(map(str, ns))"])
    assert shown == "s = ''.join(map(str, ns))"
    assert backend.avoided == [(), ("t = s[0]",)] and service.stats.another_start == 1


def test_the_first_answer_stays_when_the_second_is_no_better():
    shown, _, service = complete(["t = s[0]", "u = s[1]"])
    assert shown == "t = s[0]" and service.stats.another_start == 1


def test_an_answer_that_binds_what_it_reads_is_not_asked_again():
    shown, backend, service = complete(["s = ''.join(map(str, ns))"])
    assert shown == "s = ''.join(map(str, ns))"
    assert backend.avoided == [()] and service.stats.another_start == 0
