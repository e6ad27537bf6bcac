"""textDocument/completion: table and column names inside SQL at once, from the schema, whatever
triggered the request; elsewhere the model's suggestion as a list item, only when the user asks
(manual invocation), so the editor's ordinary completion popup is never slowed by the model."""

from __future__ import annotations

import logging

from lsprotocol import types

from lsp_server.context.positions import width
from lsp_server.features.documents import encoding_of
from lsp_server.features.inline_completion import locate, suggest
from lsp_server.features.sql import has_sql, schema_holder
from lsp_server.server import UbiqServer
from lsp_server.sql.complete import TABLE, complete_sql
from lsp_server.sql.schema import SqlSchema

log = logging.getLogger(__name__)
EMPTY = types.CompletionList(is_incomplete=False, items=[])
# `.` after an alias asks for its columns; a space after FROM or SELECT asks for names.
TRIGGER_CHARACTERS = [".", " "]


def _word_before(text: str, offset: int) -> str:
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return text[start:offset]


def sql_completion(ls: UbiqServer, params: types.CompletionParams) -> types.CompletionList | None:
    """The schema's names when the cursor is in SQL; None elsewhere."""
    uri = params.text_document.uri
    if not has_sql(uri):
        return None
    located = locate(ls, uri, params.position)
    holder = schema_holder(ls)
    if located is None or holder is None:
        return None
    schema = holder.get()
    try:
        # While the schema loads, an empty one still tells whether the cursor is in SQL.
        path = ls.workspace.get_text_document(uri).path
        found = complete_sql(path, *located, schema or SqlSchema())
    except Exception:  # one failing feature never breaks the request
        log.exception("SQL completion failed at %s:%s", uri, params.position)
        return None
    if found is None:
        return None
    if schema is None:
        return types.CompletionList(is_incomplete=True, items=[])  # asked again as typing goes on
    units = width(found.word, encoding_of(ls))
    start = types.Position(line=params.position.line, character=params.position.character - units)
    replaced = types.Range(start=start, end=params.position)
    items = [
        types.CompletionItem(
            label=candidate.label,
            kind=types.CompletionItemKind.Class
            if candidate.kind == TABLE
            else types.CompletionItemKind.Field,
            detail=candidate.detail,
            sort_text=candidate.sort,
            filter_text=candidate.label,
            text_edit=types.TextEdit(range=replaced, new_text=candidate.label),
        )
        for candidate in found.candidates
    ]
    return types.CompletionList(is_incomplete=False, items=items)


def register(server: UbiqServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS)
    )
    async def completion(ls: UbiqServer, params: types.CompletionParams) -> types.CompletionList:
        sql = sql_completion(ls, params)
        if sql is not None:
            return sql
        context = params.context
        if context is None or context.trigger_kind != types.CompletionTriggerKind.Invoked:
            return EMPTY
        text = await suggest(ls, params.text_document.uri, params.position)
        located = locate(ls, params.text_document.uri, params.position)
        if not text or located is None:
            return EMPTY
        # Editors filter items by the word before the cursor: replace that word so ours survives.
        word = _word_before(*located)
        units = width(word, encoding_of(ls))
        start = types.Position(line=params.position.line, character=params.position.character - units)
        first_line = (word + text).split("\n", 1)[0].strip() or text.strip().split("\n", 1)[0]
        item = types.CompletionItem(
            label=first_line[:80],
            kind=types.CompletionItemKind.Text,
            detail="Ubiq (local model)",
            documentation=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value=f"```\n{word + text}\n```"
            ),
            filter_text=word + text,
            sort_text="0",
            text_edit=types.TextEdit(
                range=types.Range(start=start, end=params.position), new_text=word + text
            ),
        )
        return types.CompletionList(is_incomplete=True, items=[item])
