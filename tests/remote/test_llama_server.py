"""llama.cpp's own `llama-server` (set UBIQ_TEST_LLAMA_SERVER to its binary) with the default FIM
pack: detection from /props, native /infill with Ubiq's context chunks, the prompt cache reused
across keystrokes, /completion with a JSON schema, and chat."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from lsp_server.config import ModelSettings
from lsp_server.engine.backend import ChatMessage, Chunk, CompletionRequest
from lsp_server.engine.remote import RemoteBackend
from tests.remote.conftest import ServerProcess

pytestmark = pytest.mark.default_model

PREFIX = """class Rectangle:
    def __init__(self, width: float, height: float) -> None:
        self.width = width
        self.height = height

    def area(self) -> float:
        return """
SUFFIX = "\n\n    def perimeter(self) -> float:\n        return 2 * (self.width + self.height)\n"


@pytest.fixture(scope="module")
def backend(llama_server: ServerProcess) -> Iterator[RemoteBackend]:
    remote = RemoteBackend(ModelSettings(backend="remote", url=llama_server.url))
    yield remote
    remote.close()


def test_detects_llama_server_with_infill(backend: RemoteBackend):
    info = backend.info()
    assert info.server["api"] == "llama-server" and info.fim
    assert info.server["fim_format"] == "infill" and "/infill" in info.server["endpoints"]
    assert info.name.startswith("qwen2.5-coder-0.5b")
    assert info.context_size == 2048  # -c 4096 over 2 parallel slots
    assert info.trained_context == 32768 and info.server["slots"] == 2


def test_infill_fills_the_middle_and_reuses_the_cache(backend: RemoteBackend):
    extra = (Chunk("geometry/units.py", "METRE = 1.0\n"),)
    request = CompletionRequest(prefix=PREFIX, suffix=SUFFIX, extra=extra, path="shapes.py", stop=("\n",))
    first = backend.complete(request)
    assert "self.width" in first.text and "self.height" in first.text
    assert first.stats.prompt_tokens > 50 and first.stats.evaluated_tokens > 0
    # The next keystroke: the same prompt plus one character typed after the FIM middle token.
    request.middle = "s"
    second = backend.complete(request)
    assert second.stats.cached_tokens > 0
    assert second.stats.evaluated_tokens < first.stats.evaluated_tokens


def test_completion_with_a_schema_and_chat(backend: RemoteBackend):
    schema = {"type": "object", "properties": {"area": {"type": "number"}}, "required": ["area"]}
    prompt = "The area of a 3 by 4 rectangle as JSON: "
    result = backend.complete(CompletionRequest(prompt=prompt, max_tokens=24, json_schema=schema))
    assert isinstance(json.loads(result.text)["area"], (int, float))
    chat = backend.chat(
        [ChatMessage("user", "Name one shape.")], json_schema={"type": "string"}, max_tokens=16
    )
    assert isinstance(json.loads(chat.text), str)
    assert backend.caps.schema_form == "json_schema"
