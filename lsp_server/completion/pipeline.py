"""One completion outside an editor session (`ubiq complete`, benchmarks): the same service,
the same prompt layout and post-processing the language server uses."""

from __future__ import annotations

import asyncio
import dataclasses

from lsp_server.completion.service import Answer, CompletionInput, CompletionService
from lsp_server.config import CompletionSettings
from lsp_server.context.syntax import SyntaxTree
from lsp_server.engine.backend import Backend


def complete_at(
    backend: Backend, text: str, offset: int, settings: CompletionSettings, path: str = ""
) -> Answer:
    """Ask the model for a completion at `offset` of `text`, shaped for display. One-shot: no
    later request would use a prompt prepared in the background, so no quick first answer."""
    service = CompletionService(dataclasses.replace(settings, quick_first=False))
    doc = CompletionInput(key=path or "<text>", text=text, offset=offset, path=path, syntax=SyntaxTree(text))
    return asyncio.run(service.complete(backend, doc))
