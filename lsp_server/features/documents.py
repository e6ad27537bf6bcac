"""didOpen / didChange / didSave / didClose: keep a parse tree per Python document and feed the
ring buffer of context chunks with where the user has been working."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import attrs
from lsprotocol import types

from lsp_server.context.syntax import SyntaxTree
from lsp_server.document_sync import ExactDocument
from lsp_server.errors import InputError
from lsp_server.features.arguments import options
from lsp_server.features.diagnostics import forget
from lsp_server.files import looks_binary
from lsp_server.server import UbiqServer

log = logging.getLogger(__name__)


def is_python(uri: str, language_id: str | None = None) -> bool:
    return language_id == "python" or uri.endswith((".py", ".pyi"))


def encoding_of(ls: UbiqServer) -> str:
    """The position encoding negotiated at initialize (UTF-16 unless the client offered another).
    Here, beside the other per-document helpers, because every feature that maps positions needs it."""
    encoding = ls.workspace.position_encoding or types.PositionEncodingKind.Utf16
    return str(getattr(encoding, "value", encoding))


# Above this, a document is kept in sync but nothing else runs on its keystrokes (completions,
# parse tree, diagnostics): a source file a person edits is far smaller, and work on each keystroke
# in a 5 MB file would make typing in it wait.
INTERACTIVE_MAX_CHARS = 2 << 20


def usable(text: str) -> bool:
    """Documents we complete in: not binary-looking and not absurdly large."""
    return len(text) <= INTERACTIVE_MAX_CHARS and not looks_binary(text[:8192].encode("utf-8", "replace"))


_declined: set[str] = set()


def _decline_once(uri: str, text: str) -> None:
    """One log line per document the size cap turns the features off for."""
    if len(text) > INTERACTIVE_MAX_CHARS and uri not in _declined:
        _declined.add(uri)
        log.info(
            "%s has %d characters, over the %d for completions and diagnostics: they are off for it "
            "(it stays in sync)", uri.rsplit("/", 1)[-1], len(text), INTERACTIVE_MAX_CHARS,
        )  # fmt: skip


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
        _decline_once(uri, text)
        ls.syntax.pop(uri, None)
        return
    tree = ls.syntax.get(uri)
    if tree is None:
        ls.syntax[uri] = SyntaxTree(text)
    else:
        tree.update(text)


def _changed(ls: UbiqServer, uri: str) -> None:
    ls.document_checks += 1
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
    """The offset just after an edit's new text: where the cursor is after typing or pasting it;
    the document finds the line from its cached line starts, with no scan of the text per keystroke."""
    document = ls.workspace.text_documents.get(uri)
    if not isinstance(document, ExactDocument):
        return None
    return min(document.offset_at(change.range.start) + len(change.text), len(document.source))


def _prepare(ls: UbiqServer, uri: str, offset: int | None) -> None:
    from lsp_server.features.inline_completion import prepare

    document = ls.workspace.text_documents.get(uri)
    if offset is None or document is None or not is_python(uri, document.language_id):
        return
    try:
        prepare(ls, uri, offset)
    except Exception:  # preparing ahead is an optimisation: it must never break document sync
        log.exception("preparing a completion prompt failed for %s", uri)


DOCUMENT_STATE = "ubiq.documentState"
CHECK_AFTER_S = 0.3  # a pause in typing this long and the edited document is checked (see check_later)


@attrs.define
class DocumentStateArgs:
    """`[uri]` or `{uri}`: an open document."""

    uri: str = ""


def _shape(tree: Any) -> list[tuple[str, int, int]]:
    """Every node of a tree as (type, start byte, end byte), in document order."""
    found, cursor, descending = [], tree.walk(), True
    while True:
        if descending:
            node = cursor.node
            found.append((node.type, node.start_byte, node.end_byte))
            if cursor.goto_first_child():
                continue
        if cursor.goto_next_sibling():
            descending = True
            continue
        if not cursor.goto_parent():
            return found
        descending = False


def document_state(ls: UbiqServer, *args: Any) -> dict[str, Any]:
    """What the server holds for an open document — its text and version, and whether the parse
    tree kept up to date edit by edit equals a fresh parse of that text: the check behind the
    document-sync tests, and something a bug report can quote."""
    uri = options(DOCUMENT_STATE, args, DocumentStateArgs, ("uri",)).uri
    document = ls.workspace.text_documents.get(uri)
    if document is None:
        raise InputError(f"{uri} is not open")
    tree = ls.syntax.get(uri)
    matches = None
    if tree is not None:
        matches = tree.text == document.source and _shape(tree.tree) == _shape(
            SyntaxTree(document.source).tree
        )
    return {"text": document.source, "version": document.version, "treeMatchesFreshParse": matches}


def register(server: UbiqServer) -> None:
    server.command(DOCUMENT_STATE)(document_state)
    last_edit: dict[str, int] = {}
    active: list[str] = []
    waiting: dict[str, asyncio.TimerHandle] = {}  # a document's checks, due after typing pauses

    def check_later(ls: UbiqServer, uri: str) -> None:
        """The glossary, SQL and DDD checks of an edited document run once typing pauses for
        CHECK_AFTER_S, not on every keystroke: each rescans the document, and a burst of typing
        would queue a rescan per character ahead of the completion the user waits for."""
        handle = waiting.pop(uri, None)
        if handle is not None:
            handle.cancel()

        def due() -> None:
            waiting.pop(uri, None)
            if uri in ls.workspace.text_documents:
                _changed(ls, uri)

        waiting[uri] = asyncio.get_running_loop().call_later(CHECK_AFTER_S, due)

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
        check_later(ls, uri)
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
        if (handle := waiting.pop(uri, None)) is not None:
            handle.cancel()
        ls.completions.forget(uri)
        backend = ls.model.backend()
        if backend is not None:
            backend.forget(uri)
        forget(ls, uri)
        last_edit.pop(uri, None)
