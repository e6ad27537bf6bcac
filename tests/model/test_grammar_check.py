"""A grammar llama.cpp's parser refuses is an error, not a crash: llama-cpp-python's converter
writes some regex escapes (`\\.`) the C parser rejects, and the null sampler it then added
crashed the process."""

from __future__ import annotations

import pytest

from lsp_server.engine.backend import ChatMessage
from lsp_server.errors import ModelError


def test_a_grammar_llama_cpp_cannot_parse_is_an_error_not_a_crash(tiny_backend):
    with pytest.raises(ModelError, match="could not parse the grammar"):
        tiny_backend.chat(
            [ChatMessage("user", "x")], json_schema={"type": "string", "pattern": "^a\\.b$"}, max_tokens=4
        )
    answer = tiny_backend.chat([ChatMessage("user", "Say a.")], json_schema={"type": "string"}, max_tokens=8)
    assert answer.text.startswith('"')  # the engine goes on serving
