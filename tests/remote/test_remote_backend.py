"""The remote backend against a real OpenAI-compatible llama.cpp server (llama-cpp-python's) running
the tiny pack: detection, streaming, stop/cancel/deadline, structured chat, a glossary draft, and a
server killed in the middle of a request."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator

import pytest

from lsp_server.config import ModelSettings
from lsp_server.engine.backend import CancelToken, ChatMessage, CompletionRequest, deadline_in
from lsp_server.engine.local import LocalBackend
from lsp_server.engine.remote import RemoteBackend
from lsp_server.errors import ModelError
from lsp_server.glossary.draft import SCHEMA, draft_entry
from tests.remote.conftest import ServerProcess, free_port, llama_cpp_python_server

STORY = CompletionRequest(prompt="Once upon a time", max_tokens=400)


@pytest.fixture(scope="module")
def backend(openai_server: ServerProcess) -> Iterator[RemoteBackend]:
    remote = RemoteBackend(ModelSettings(backend="remote", url=openai_server.url, context_size=2048))
    yield remote
    remote.close()


def test_detects_an_openai_compatible_server(backend: RemoteBackend, openai_server: ServerProcess):
    info = backend.info()
    assert info.backend == "remote" and info.path == openai_server.url
    assert info.name.startswith("smollm2-135m")
    assert info.fim is False  # SmolLM2 has no FIM tokens: prefix-only, as in-process
    assert info.context_size == 2048  # the server does not say: model.contextSize, and a note says so
    assert any("contextSize" in note for note in info.server["notes"])
    assert info.server["api"] == "openai" and info.server["tokenizer"] == "/extras/tokenize"
    assert {"/v1/models", "/v1/completions", "/v1/chat/completions"} <= set(info.server["endpoints"])


def test_token_counts_are_the_models_own(backend: RemoteBackend, tiny_backend: LocalBackend):
    text = "def area(self) -> float:\n    return self.width * self.height  # 面积\n"
    assert backend.count_tokens(text) == tiny_backend.count_tokens(text)
    assert backend.count_tokens("") == 0


def test_completion_streams_through_on_text(backend: RemoteBackend):
    pieces: list[str] = []

    def on_text(piece: str) -> bool:
        pieces.append(piece)
        return len(pieces) >= 3  # the caller has what it needs: the stream is closed

    result = backend.complete(STORY, on_text=on_text)
    assert result.stop_reason == "stop"
    assert result.text == "".join(pieces) and len(pieces) == 3
    assert result.stats.generated_tokens == 3 and result.stats.total_ms > 0
    # The next request reuses or reopens a connection and still works.
    again = backend.complete(CompletionRequest(prompt="def add(a, b):\n    return", max_tokens=6))
    assert again.text and again.stop_reason in ("length", "eos")


def test_stop_strings_are_applied(backend: RemoteBackend):
    result = backend.complete(CompletionRequest(prompt="1, 2, 3, 4,", max_tokens=40, stop=(",",)))
    assert "," not in result.text


def test_cancel_mid_stream_returns_what_was_generated(backend: RemoteBackend):
    cancel = CancelToken()

    def on_text(piece: str) -> None:
        cancel.cancel()  # as the editor does when the next keystroke arrives

    result = backend.complete(STORY, cancel, on_text)
    assert result.stop_reason == "cancelled" and result.text
    assert backend.complete(STORY, _cancelled()).stop_reason == "cancelled"


def _cancelled() -> CancelToken:
    token = CancelToken()
    token.cancel()
    return token


def test_deadline_returns_what_is_ready(backend: RemoteBackend):
    request = CompletionRequest(prompt="Once upon a time", max_tokens=1000, deadline=deadline_in(1500))
    result = backend.complete(request)
    assert result.stop_reason == "deadline"


def test_chat_with_a_schema_answers_json(backend: RemoteBackend):
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    result = backend.chat([ChatMessage("user", "A JSON object with a name, please.")], json_schema=schema)
    assert isinstance(json.loads(result.text)["name"], str)
    # llama-cpp-python's server knows only {"type": "json_object", "schema": …}: detected on first use.
    assert backend.caps.schema_form == "json_object"


def test_glossary_draft_through_the_server(backend: RemoteBackend):
    entry = draft_entry(backend, "会员积分", existing=[])
    assert entry.term == "会员积分" and entry.status == "draft"
    assert entry.source == backend.info().name
    assert re.fullmatch(SCHEMA["properties"]["english"]["pattern"], entry.english)


def test_server_killed_mid_request_then_restarted(tiny_model, tmp_path):
    """A clear error, no hang; the same backend works again once the server is back."""
    server = llama_cpp_python_server(tiny_model, free_port(), tmp_path / "server.log").start()
    try:
        remote = RemoteBackend(ModelSettings(backend="remote", url=server.url, context_size=2048))
        killed = threading.Event()

        def kill_on_first_piece(piece: str) -> None:
            if not killed.is_set():
                killed.set()
                server.kill()

        with pytest.raises(ModelError) as caught:
            remote.complete(STORY, on_text=kill_on_first_piece)
        assert server.url in caught.value.message
        assert "restarted" in caught.value.hint
        with pytest.raises(ModelError, match="connection refused"):
            remote.complete(STORY)
        server.start()
        result = remote.complete(CompletionRequest(prompt="def add(a, b):\n    return", max_tokens=6))
        assert result.text
        remote.close()
    finally:
        server.kill()
