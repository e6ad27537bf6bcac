"""textDocument/completion: the model's suggestion as a list item, only when the user asks
(manual invocation), so the editor's ordinary completion popup is never slowed by the model."""

from __future__ import annotations

from lsprotocol import types

from lsp_server.context.positions import width
from lsp_server.features.documents import encoding_of
from lsp_server.features.inline_completion import locate, suggest
from lsp_server.server import UbiqServer

EMPTY = types.CompletionList(is_incomplete=False, items=[])


def _word_before(text: str, offset: int) -> str:
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return text[start:offset]


def register(server: UbiqServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION)
    async def completion(ls: UbiqServer, params: types.CompletionParams) -> types.CompletionList:
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
