"""One publisher of diagnostics per document. The glossary and the SQL checks each keep their own
list; the editor gets the union, because a second `publishDiagnostics` for a document replaces
the first rather than adding to it."""

from __future__ import annotations

from lsprotocol import types

from lsp_server.server import UbiqServer


def show(ls: UbiqServer, uri: str, source: str, diagnostics: list[types.Diagnostic]) -> None:
    """Replace `source`'s diagnostics for `uri`; nothing is sent when nothing was or is shown."""
    shown = ls.diagnostics.get(uri, {})
    if not diagnostics and source not in shown:
        return
    if diagnostics:
        ls.diagnostics.setdefault(uri, {})[source] = diagnostics
    else:
        shown.pop(source, None)
        if not shown:
            ls.diagnostics.pop(uri, None)
    _publish(ls, uri)


def forget(ls: UbiqServer, uri: str) -> None:
    """A closed document's diagnostics go with it."""
    if ls.diagnostics.pop(uri, None):
        _publish(ls, uri)


def _publish(ls: UbiqServer, uri: str) -> None:
    every = [d for source in ls.diagnostics.get(uri, {}).values() for d in source]
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=every))
