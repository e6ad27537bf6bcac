"""didOpen / didChange / didSave / didClose: keep a parse tree per Python document and feed the
ring buffer of context chunks with where the user has been working."""

from __future__ import annotations

import logging

from lsprotocol import types

from lsp_server.context.positions import offset_at
from lsp_server.context.syntax import SyntaxTree
from lsp_server.errors import InputError
from lsp_server.features.diagnostics import forget
from lsp_server.files import MAX_BYTES, looks_binary
from lsp_server.server import UbiqServer

log = logging.getLogger(__name__)


def is_python(uri: str, language_id: str | None = None) -> bool:
    return language_id == "python" or uri.endswith((".py", ".pyi"))


def encoding_of(ls: UbiqServer) -> str:
    """The position encoding negotiated at initialize (UTF-16 unless the client offered another).
    Here, beside the other per-document helpers, because every feature that maps positions needs it."""
    encoding = ls.workspace.position_encoding or types.PositionEncodingKind.Utf16
    return str(getattr(encoding, "value", encoding))


def usable(text: str) -> bool:
    """Documents we complete in: not binary-looking and not absurdly large."""
    return len(text) <= MAX_BYTES and not looks_binary(text[:8192].encode("utf-8", "replace"))


def relative_path(ls: UbiqServer, uri: str) -> str:
    """The path the model sees: relative to the project, as in a repository."""
    path = ls.workspace.get_text_document(uri).path
    if ls.project_root and path.startswith(str(ls.project_root) + "/"):
        return path[len(str(ls.project_root)) + 1 :]
    return path.rsplit("/", 1)[-1]


def _track(ls: UbiqServer, uri: str) -> None:
    document = ls.workspace.text_documents.get(uri)
    if document is None:
        return
    text = document.source
    if not is_python(uri, document.language_id) or not usable(text):
        ls.syntax.pop(uri, None)
        return
    tree = ls.syntax.get(uri)
    if tree is None:
        ls.syntax[uri] = SyntaxTree(text)
    else:
        tree.update(text)


def _changed(ls: UbiqServer, uri: str) -> None:
    for listener in ls.document_listeners:
        try:
            listener(ls, uri)
        except Exception:  # one feature failing must not break document tracking
            log.exception("document listener failed for %s", uri)


def _remember_chunk(ls: UbiqServer, uri: str, line: int) -> None:
    document = ls.workspace.text_documents.get(uri)
    if document is not None and usable(document.source):
        ls.ring.add_around(relative_path(ls, uri), document.source, line)


def _edited_at(ls: UbiqServer, uri: str, change: types.TextDocumentContentChangePartial) -> int | None:
    """The offset just after an edit's new text: where the cursor is after typing or pasting it."""
    document = ls.workspace.text_documents.get(uri)
    if document is None:
        return None
    start = change.range.start
    try:
        return offset_at(document.source, start.line, start.character, encoding=encoding_of(ls)) + len(
            change.text
        )
    except InputError:
        return None


def _prepare(ls: UbiqServer, uri: str, offset: int | None) -> None:
    from lsp_server.features.inline_completion import prepare

    document = ls.workspace.text_documents.get(uri)
    if offset is None or document is None or not is_python(uri, document.language_id):
        return
    try:
        prepare(ls, uri, offset)
    except Exception:  # preparing ahead is an optimisation: it must never break document sync
        log.exception("preparing a completion prompt failed for %s", uri)


def register(server: UbiqServer) -> None:
    last_edit: dict[str, int] = {}
    active: list[str] = []

    def switched_to(ls: UbiqServer, uri: str) -> None:
        """Leaving a document: what the user was doing there is context for the next one."""
        if active and active[0] != uri and active[0] in last_edit:
            _remember_chunk(ls, active[0], last_edit[active[0]])
        active[:] = [uri]

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: UbiqServer, params: types.DidOpenTextDocumentParams) -> None:
        _track(ls, params.text_document.uri)
        _remember_chunk(ls, params.text_document.uri, 0)
        _changed(ls, params.text_document.uri)
        _prepare(ls, params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: UbiqServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        switched_to(ls, uri)
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                last_edit[uri] = change.range.start.line
        _track(ls, uri)
        _changed(ls, uri)
        last = params.content_changes[-1] if params.content_changes else None
        if isinstance(last, types.TextDocumentContentChangePartial):
            _prepare(ls, uri, _edited_at(ls, uri, last))

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: UbiqServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        _remember_chunk(ls, uri, last_edit.get(uri, 0))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: UbiqServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.syntax.pop(uri, None)
        ls.completions.forget(uri)
        backend = ls.model.backend()
        if backend is not None:
            backend.forget(uri)
        forget(ls, uri)
        last_edit.pop(uri, None)
