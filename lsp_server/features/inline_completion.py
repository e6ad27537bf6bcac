"""textDocument/inlineCompletion: ghost text from the model at the cursor."""

from __future__ import annotations

import logging
from concurrent.futures import Future

from lsprotocol import types

from lsp_server.completion.service import CompletionInput
from lsp_server.context.positions import offset_at, width
from lsp_server.errors import Cancelled, InputError, UbiqError
from lsp_server.features.documents import encoding_of, relative_path, usable
from lsp_server.server import UbiqServer

log = logging.getLogger(__name__)


def locate(ls: UbiqServer, uri: str, position: types.Position) -> tuple[str, int] | None:
    """The document's text and the cursor's offset in it; None (logged) if unusable."""
    document = ls.workspace.text_documents.get(uri)
    if document is None:
        log.info("completion for a document that is not open: %s", uri)
        return None
    text = document.source
    if not usable(text):
        log.info("no completion in %s: binary-looking or larger than the limit", uri)
        return None
    try:
        return text, offset_at(text, position.line, position.character, encoding=encoding_of(ls))
    except InputError as exc:
        log.info("no completion at %s:%s: %s", uri, position, exc)
        return None


COMPLETION_READY = "ubiq/completionReady"


def _input(ls: UbiqServer, uri: str, text: str, offset: int) -> CompletionInput:
    path = relative_path(ls, uri)
    syntax = ls.syntax.get(uri)

    def extra() -> list:
        chunks = ls.ring.chunks(exclude_path=path)
        if syntax is not None and ls.definitions is not None:
            chunks += ls.definitions.chunks(syntax, offset, ls.workspace.get_text_document(uri).path)
        return chunks

    def lookups() -> Future | None:
        if syntax is None or ls.definitions is None:
            return None
        return ls.definitions.start(syntax, offset, ls.workspace.get_text_document(uri).path)

    return CompletionInput(
        key=uri, text=text, offset=offset, path=path, syntax=syntax, extra=extra, lookups=lookups
    )


def prepare(ls: UbiqServer, uri: str, offset: int) -> None:
    """The user is working at `offset` (an edit elsewhere, a file opened): start preparing the
    prompt there in the background, before the editor asks."""
    backend = ls.model.backend()
    document = ls.workspace.text_documents.get(uri)
    if not ls.settings.completion.enabled or backend is None or document is None:
        return
    text = document.source
    if usable(text) and 0 <= offset <= len(text):
        ls.completions.prepare(backend, _input(ls, uri, text, offset))


def _notify_ready(ls: UbiqServer, uri: str, before: str) -> None:
    """Pull-model editors ask only when the user types: tell them an answer is now ready, so
    they ask again if the cursor is still there (`before`: the text before it)."""
    line_start = before.rfind("\n") + 1
    column = width(before[line_start:], encoding_of(ls))
    params = {"uri": uri, "position": {"line": before.count("\n"), "character": column}}
    ls.in_loop(lambda: ls.protocol.notify(COMPLETION_READY, params))


async def suggest(ls: UbiqServer, uri: str, position: types.Position) -> str:
    """What the model would write at `position` ("" when there is nothing to offer)."""
    backend = ls.model.backend()
    if not ls.settings.completion.enabled or backend is None:
        return ""
    located = locate(ls, uri, position)
    if located is None:
        return ""
    doc = _input(ls, uri, *located)
    doc.on_ready = lambda before: _notify_ready(ls, uri, before)
    try:
        answer = await ls.completions.complete(backend, doc)
    except Cancelled:
        return ""
    except UbiqError as exc:
        log.warning("completion failed: %s", exc)
        return ""
    return answer.text


def register(server: UbiqServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(
        ls: UbiqServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList:
        text = await suggest(ls, params.text_document.uri, params.position)
        if not text:
            return types.InlineCompletionList(items=[])
        where = types.Range(start=params.position, end=params.position)
        return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=text, range=where)])
