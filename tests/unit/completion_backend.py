"""The parts of a `Backend` that the completion service's plumbing tests do not script: a model
that only completes (no chat), with a rough token count."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsp_server.engine.backend import Backend, ChatMessage, Completion, ModelInfo


class CompletingBackend(Backend):
    def info(self) -> ModelInfo:
        return ModelInfo(type(self).__name__.lower(), "", "test", "none", 4096, None, True, 1, 1)

    def chat(self, messages: Sequence[ChatMessage], **_: Any) -> Completion:
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:
        return len(text) // 3 + 1

    def close(self) -> None:
        pass
