"""textDocument/hover: the glossary's entries for the words under the cursor, and the DDD building
block, aggregate and context of a class named there; one hover with both."""

from __future__ import annotations

import re

from lsprotocol import types

from lsp_server.context.positions import offset_at
from lsp_server.errors import InputError
from lsp_server.features import ddd, glossary
from lsp_server.features.documents import encoding_of
from lsp_server.server import UbiqServer

_WORD = re.compile(r"\w+")


def word_at(ls: UbiqServer, params: types.HoverParams) -> str:
    """The identifier under the cursor ("" when there is none, or the position is outside the text)."""
    document = ls.workspace.text_documents.get(params.text_document.uri)
    if document is None:
        return ""
    text = document.source
    try:
        offset = offset_at(text, params.position.line, params.position.character, encoding=encoding_of(ls))
    except InputError:
        return ""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    line = text[start : end if end != -1 else len(text)]
    for match in _WORD.finditer(line):
        if match.start() <= offset - start <= match.end():
            return match.group(0)
    return ""


def register(server: UbiqServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def text_document_hover(ls: UbiqServer, params: types.HoverParams) -> types.Hover | None:
        parts = []
        found = glossary.hover(ls, params)
        if found is not None and isinstance(found.contents, types.MarkupContent):
            parts.append(found.contents.value)
        if params.text_document.uri.endswith(".py"):
            block = ddd.hover_markdown(ls, params.text_document.uri, word_at(ls, params))
            if block:
                parts.append(block)
        if not parts:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts))
        )
