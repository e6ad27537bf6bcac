"""Schema-constrained chat without a model: what reaches the backend, the one failure policy
(parsed object, or UnparsableAnswer with what could be salvaged), cancellation before and during
the call, the prompt log, and how each feature that asks for JSON applies the policy."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from lsp_server.engine.backend import (
    Backend,
    CancelToken,
    ChatMessage,
    Completion,
    CompletionRequest,
    ModelInfo,
    Priority,
)
from lsp_server.engine.chat_json import UnparsableAnswer, chat_json, salvage
from lsp_server.errors import Cancelled, ModelError

SCHEMA: dict[str, Any] = {"type": "object", "properties": {"entities": {"type": "array"}}}
MESSAGES = [ChatMessage("system", "Answer in JSON."), ChatMessage("user", "Entities?")]
CUT = '{"entities": [{"a": 1}, {"b": "x, y"}, {"c": '


class Fake(Backend):
    """Answers every chat with the same text; `during` runs inside the call (to cancel there)."""

    def __init__(
        self, text: str, stop_reason: str = "eos", during: Callable[[CancelToken | None], None] | None = None
    ) -> None:
        self.text, self.stop_reason, self.during = text, stop_reason, during
        self.calls: list[dict[str, Any]] = []

    def info(self) -> ModelInfo:
        return ModelInfo("fake", "", "test", "none", 4096, None, False, 1, 1)

    def complete(self, request: CompletionRequest, cancel=None, on_text=None) -> Completion:
        raise NotImplementedError

    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        priority: Priority = Priority.BATCH,
        cancel: CancelToken | None = None,
    ) -> Completion:
        self.calls.append(
            {
                "messages": list(messages),
                "json_schema": json_schema,
                "max_tokens": max_tokens,
                "temperature": temperature,
                "priority": priority,
                "cancel": cancel,
            }
        )
        if self.during is not None:
            self.during(cancel)
        return Completion(self.text, self.stop_reason)

    def count_tokens(self, text: str) -> int:
        return len(text)

    def close(self) -> None:
        pass


@pytest.fixture(autouse=True)
def no_prompt_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UBIQ_PROMPT_LOG", raising=False)


def test_a_valid_answer_is_parsed_and_the_request_carries_the_schema():
    backend = Fake('{"entities": [{"a": 1}]}')
    token = CancelToken()
    data = chat_json(
        backend, MESSAGES, SCHEMA, max_tokens=99, temperature=0.3, priority=Priority.INTERACTIVE, cancel=token
    )
    assert data == {"entities": [{"a": 1}]}
    (call,) = backend.calls
    assert call == {
        "messages": MESSAGES,
        "json_schema": SCHEMA,
        "max_tokens": 99,
        "temperature": 0.3,
        "priority": Priority.INTERACTIVE,
        "cancel": token,
    }
    assert chat_json(backend, MESSAGES, SCHEMA, max_tokens=1) == data  # no token needed
    assert backend.calls[-1]["priority"] == Priority.BATCH and backend.calls[-1]["temperature"] == 0.0


def test_a_cut_off_answer_raises_with_the_items_written_whole():
    with pytest.raises(UnparsableAnswer) as caught:
        chat_json(Fake(CUT, "length"), MESSAGES, SCHEMA, max_tokens=10, what="list of entities")
    error = caught.value
    assert isinstance(error, ModelError) and error.exit_code == 3
    assert error.message == "the model's list of entities is not complete JSON (length)"
    assert error.hint == "try again, or a larger model (--model large)"
    assert error.text == CUT and error.stop_reason == "length"
    assert error.partial == {"entities": [{"a": 1}, {"b": "x, y"}]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (CUT, {"entities": [{"a": 1}, {"b": "x, y"}]}),
        ('{"entities": [{"a": 1}', {"entities": [{"a": 1}]}),
        ('{"entities": [ ', {"entities": []}),
        ('{"enti', {}),  # the list never began
        ('{"english": "loan period", "definition": "How long', {"english": "loan period"}),
        ('{"n": 12', {}),  # 12 may be the start of 125
        ('{"n": 12, "ok": tr', {"n": 12}),
        ('{"n": -1.5e3, "ok": true, "none": null}', {"n": -1500.0, "ok": True, "none": None}),
        ('{"a": {"b": 1, "c": ', {}),  # half a record is dropped
        ('{"a": [[1, 2], [3, ', {"a": [[1, 2]]}),
        ('{"a": [{"b": [1, 2', {"a": []}),
        ('{"a": 1 "b": 2}', {"a": 1}),  # not JSON from there on
        ('Sure! ```json\n{"a": 1}\n```', {"a": 1}),  # prose around an unconstrained answer
        ("I cannot answer that.", None),
        ("", None),
        ('[{"a": 1}, {"b": ', None),  # a list, not the object asked for
        ('{"a": ' * 5000, None),  # nested past Python's recursion limit
    ],
)
def test_salvage_keeps_what_was_written_whole(text: str, expected: dict | None):
    assert salvage(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("I cannot answer that.", "the model's answer is not complete JSON (eos)"),
        ("[1, 2]", "the model's answer is not a JSON object"),
        ('"entities"', "the model's answer is not a JSON object"),
        ("null", "the model's answer is not a JSON object"),
    ],
)
def test_garbage_raises_with_nothing_salvaged(text: str, message: str):
    with pytest.raises(UnparsableAnswer) as caught:
        chat_json(Fake(text), MESSAGES, SCHEMA, max_tokens=10)
    assert caught.value.message == message
    assert caught.value.partial is None and caught.value.text == text


def test_cancelled_before_the_call_never_reaches_the_model():
    backend, token = Fake("{}"), CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        chat_json(backend, MESSAGES, SCHEMA, max_tokens=10, cancel=token)
    assert backend.calls == []


def test_cancelled_during_the_call_discards_the_answer():
    with pytest.raises(Cancelled):  # the engine stopped generating
        chat_json(Fake('{"ent', "cancelled"), MESSAGES, SCHEMA, max_tokens=10, cancel=CancelToken())
    late = Fake('{"entities": []}', during=lambda cancel: cancel.cancel())
    with pytest.raises(Cancelled):  # the answer was complete, but no longer wanted
        chat_json(late, MESSAGES, SCHEMA, max_tokens=10, cancel=CancelToken())
    with pytest.raises(Cancelled):  # a cancelled stop needs no token to be recognised
        chat_json(Fake("", "cancelled"), MESSAGES, SCHEMA, max_tokens=10)


def test_the_prompt_log_records_each_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    chat_json(Fake('{"a": 1}'), MESSAGES, SCHEMA, max_tokens=10, what="draft for '借阅'")
    assert not list(tmp_path.iterdir())  # nothing without the variable
    log = tmp_path / "prompts.jsonl"
    monkeypatch.setenv("UBIQ_PROMPT_LOG", str(log))
    chat_json(Fake('{"a": 1}'), MESSAGES, SCHEMA, max_tokens=10, what="draft for '借阅'")
    with pytest.raises(UnparsableAnswer):
        chat_json(Fake(CUT, "length"), MESSAGES, SCHEMA, max_tokens=10)
    with pytest.raises(Cancelled):
        chat_json(Fake("", "cancelled"), MESSAGES, SCHEMA, max_tokens=10)
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [{k: v for k, v in e.items() if k != "stats"} for e in entries] == [
        {
            "kind": "chat_json",
            "what": "draft for '借阅'",
            "stop_reason": "eos",
            "parsed": True,
            "text": '{"a": 1}',
        },
        {"kind": "chat_json", "what": "answer", "stop_reason": "length", "parsed": False, "text": CUT},
    ]  # a cancelled call answered nothing
    assert entries[0]["stats"]["generated_tokens"] == 0 and "total_ms" in entries[0]["stats"]


def test_an_unwritable_prompt_log_does_not_fail_the_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("UBIQ_PROMPT_LOG", str(tmp_path))  # a folder
    assert chat_json(Fake('{"a": 1}'), MESSAGES, SCHEMA, max_tokens=10) == {"a": 1}


# -- each caller's policy (reading requirement text keeps the partial: see datamodel/test_from_text)


def test_a_glossary_draft_that_does_not_parse_is_an_error():
    from lsp_server.glossary.draft import draft_entry

    with pytest.raises(UnparsableAnswer, match=r"draft for '借阅期限' is not complete JSON \(length\)"):
        draft_entry(Fake('{"english": "loan period", "definition": "How', "length"), "借阅期限", existing=[])
    with pytest.raises(Cancelled):
        draft_entry(Fake("", "cancelled"), "借阅期限", existing=[])


def test_test_generation_keeps_what_a_cut_answer_wrote_whole(tmp_path: Path):
    from lsp_server.testgen.cases import SCHEMA as TESTS_SCHEMA
    from lsp_server.testgen.pipeline import Generator, Options
    from lsp_server.testgen.targets import ModuleInfo

    module = ModuleInfo(tmp_path / "m.py", tmp_path, "m", "", [])
    answer = '{"tests": [{"name": "a", "setup": [], "call": "f(1)", "expected": "2", "raises": ""}]}'
    assert Generator(Fake(answer), module, Options())._ask("prompt", TESTS_SCHEMA, 100) == json.loads(answer)
    cut = Generator(Fake(answer[:40], "length"), module, Options())._ask("prompt", TESTS_SCHEMA, 100)
    assert cut == {"tests": []}  # the half-written test is dropped: no cases this round
    two = answer[:-2] + ', {"name": "b", "setup": [], "call": "f('
    kept = Generator(Fake(two, "length"), module, Options())._ask("prompt", TESTS_SCHEMA, 100)
    assert [t["name"] for t in kept["tests"]] == ["a"]  # the whole one before the cut counts
    assert Generator(Fake("no json", "length"), module, Options())._ask("prompt", TESTS_SCHEMA, 100) == {}
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        Generator(Fake(answer), module, Options(), cancel=token)._ask("prompt", TESTS_SCHEMA, 100)
