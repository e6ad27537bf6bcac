"""From a document and a cursor offset to the completion an editor shows (CLI and server alike).

The prompt is laid out for KV-cache reuse: the text before the cursor's line (prefix) and after
the cursor (suffix) change rarely while typing; the part of the cursor's line already typed goes
after the FIM middle token, so a keystroke only changes the end of the prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lsp_server.completion.postprocess import shape
from lsp_server.config import CompletionSettings
from lsp_server.engine.backend import (
    Backend,
    CancelToken,
    Chunk,
    Completion,
    CompletionRequest,
    deadline_in,
)

PREFIX_CHARS = 6000
SUFFIX_CHARS = 1500


@dataclass
class CompletionResult:
    text: str
    raw: Completion


def _window(text: str, start: int, end: int, limit: int, keep_end: bool) -> str:
    """At most `limit` characters of text[start:end], cut at a line boundary."""
    piece = text[start:end]
    if len(piece) <= limit:
        return piece
    if keep_end:
        piece = piece[-limit:]
        nl = piece.find("\n")
        return piece[nl + 1 :] if nl >= 0 else piece
    piece = piece[:limit]
    nl = piece.rfind("\n")
    return piece[: nl + 1] if nl >= 0 else piece


def build_request(
    text: str,
    offset: int,
    settings: CompletionSettings,
    path: str = "",
    extra: Sequence[Chunk] = (),
) -> CompletionRequest:
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    single_line = bool(text[offset : len(text) if line_end < 0 else line_end].strip())
    # Trailing blanks are left out of the prompt: tokenizers glue a space to the next word
    # (" return"), so a prompt ending in spaces asks for an unnatural token split.
    middle = text[line_start:offset].rstrip(" \t")
    return CompletionRequest(
        prefix=_window(text, 0, line_start, PREFIX_CHARS, keep_end=True),
        middle=middle,
        suffix=_window(text, offset, len(text), SUFFIX_CHARS, keep_end=False),
        extra=tuple(extra),
        path=path,
        max_tokens=settings.max_tokens,
        stop=("\n",) if single_line else ("\n\n\n",),
        deadline=deadline_in(settings.time_budget_ms),
    )


def heal_blanks(generated: str, held_back: str) -> str:
    """Remove from the model's output the blanks the user had already typed (see build_request)."""
    if generated.startswith(held_back):
        return generated[len(held_back) :]
    stripped = generated.lstrip(" \t")
    dropped = len(generated) - len(stripped)
    return generated[min(dropped, len(held_back)) :] if dropped else generated


def complete_at(
    backend: Backend,
    text: str,
    offset: int,
    settings: CompletionSettings,
    path: str = "",
    cancel: CancelToken | None = None,
) -> CompletionResult:
    """Ask the model for a completion at `offset` of `text`, shaped for display."""
    request = build_request(text, offset, settings, path)
    raw = backend.complete(request, cancel)
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    generated = heal_blanks(raw.text, text[line_start + len(request.middle) : offset])
    shown = shape(generated, text[line_start:offset], text[offset:line_end], text[offset:])
    if raw.stop_reason == "deadline" and "\n" in shown:
        shown = shown.rsplit("\n", 1)[0]  # what was ready at the deadline, cut at a line end
    return CompletionResult(shown, raw)
