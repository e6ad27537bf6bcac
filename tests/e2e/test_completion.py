"""Ghost text end to end: the real server, the tiny real model, VS Code and Neovim client profiles."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import TINY
from tests.e2e.conftest import inline, insert, open_doc, send_raw, server_config, start, stats, wait_for_model

pytestmark = pytest.mark.asyncio(loop_scope="module")
READY = "ubiq/completionReady"

SOURCE = '''"""Inventory helpers."""

import json


class Inventory:
    def __init__(self):
        self.items = {}

    def add(self, name, count):
        self.items[name] = self.items.get(name, 0) + count

    def remove(self, name, count):
'''
SOURCE += " " * 8 + "\n"
CURSOR = (13, 8)  # inside `remove`, on its empty body line


@pytest_lsp.fixture(config=server_config(TINY), scope="module", params=["vscode", "neovim"])
async def client(request, lsp_client: LanguageClient):
    await start(lsp_client, request.param)
    await wait_for_model(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_model_loads_with_progress(client: LanguageClient):
    def reports() -> list:
        return [r for values in client.progress_reports.values() for r in values]

    # `ubiq.stats` may say "ready" a moment before the progress's end reaches the client (CI saw
    # it once): wait for that notification, checking again after each one or every 0.5 s.
    for _ in range(240):
        if reports() and isinstance(reports()[-1], types.WorkDoneProgressEnd):
            break
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(client.wait_for_notification("$/progress"), 0.5)
    assert isinstance(reports()[0], types.WorkDoneProgressBegin)
    assert isinstance(reports()[-1], types.WorkDoneProgressEnd)
    assert (await stats(client))["model"]["fim"] is False


async def test_ghost_text_appears_at_the_cursor(client: LanguageClient):
    uri = open_doc(client, "ghost.py", SOURCE)
    items = await inline(client, uri, *CURSOR)
    assert len(items) == 1
    assert items[0].insert_text.strip()
    assert items[0].range.start == types.Position(line=CURSOR[0], character=CURSOR[1])


def renamed(source: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        source = source.replace(old, new)
    return source


async def test_typed_ahead_is_served_without_a_model_call(client: LanguageClient):
    # Its own names: the other open files (and their cached prompts) would otherwise say the same.
    uri = open_doc(client, "typed_ahead.py", renamed(SOURCE, ("Inventory", "Ledger"), ("items", "entries")))
    items = await inline(client, uri, *CURSOR)
    first = items[0].insert_text if items else ""
    if len(first) < 2:  # another spot gives some text
        pairs = (("Inventory", "Stock"), ("items", "levels"), ("name", "sku"), ("count", "amount"))
        uri = open_doc(client, "typed_ahead_2.py", renamed(SOURCE, *pairs))
        first = (await inline(client, uri, *CURSOR))[0].insert_text
    assert len(first) >= 2
    before = await stats(client)
    insert(client, uri, 2, CURSOR[0], CURSOR[1], first[0])
    items = await inline(client, uri, CURSOR[0], CURSOR[1] + 1)
    after = await stats(client)
    # (the rest of a block may have arrived meanwhile: what was shown first still leads it)
    assert items[0].insert_text.startswith(first[1:])
    assert after["typed_ahead_hits"] == before["typed_ahead_hits"] + 1
    assert after["model_calls"] == before["model_calls"]


async def settled(client: LanguageClient) -> dict:
    """The server's counters once no answer shown early is still being written."""
    while (now := await stats(client))["rest_done"] != now["answered_early"]:
        await asyncio.sleep(0.05)  # polling for the event: every rest written or given up
    return now


async def test_a_block_shows_its_first_line_and_then_the_rest(client: LanguageClient):
    # The tiny model writes a block at some of these spots (at others, one line or nothing; and a
    # block whose first display already held all of it has no rest to show). A wait for the ready
    # notice that is no longer wanted is left pending, not cancelled: pygls would later set the
    # result of a cancelled future, fail, and stop the client for the tests after this one.
    spots = [("Warehouse", "shelves"), ("Cart", "lines"), ("Library", "books"), ("Garage", "cars"),
             ("Pantry", "jars"), ("Stable", "horses")]  # fmt: skip
    for name, field in spots:
        text = renamed(SOURCE, ("Inventory", name), ("items", field))
        uri = open_doc(client, f"first_line_{name}.py", text)
        # Every answer shown early has its rest written (or given up) before this spot is asked,
        # so the counters below move for this spot alone: a rest of an earlier test or spot
        # finishing meanwhile was once taken for this one's, and the next spot's request then
        # cancelled this one's rest, spot after spot.
        before = await settled(client)
        ready = asyncio.ensure_future(client.wait_for_notification(READY))
        items = await inline(client, uri, *CURSOR)
        if (await stats(client))["first_line_early"] == before["first_line_early"]:
            continue
        now = await settled(client)  # the rest was written
        if now["rest_shown"] == before["rest_shown"]:
            continue
        first = items[0].insert_text
        announced = await asyncio.wait_for(ready, 120)  # the rest of the block has arrived
        position = announced.position if hasattr(announced, "position") else announced["position"]
        line = position.line if hasattr(position, "line") else position["line"]
        assert line == CURSOR[0]
        calls = (await stats(client))["model_calls"]
        whole = (await inline(client, uri, *CURSOR))[0].insert_text
        assert whole.startswith(first)
        assert (await stats(client))["model_calls"] == calls  # served from what arrived, no model call
        if len(whole.rstrip()) > len(first.rstrip()):
            return
    raise AssertionError("the model wrote no block with a rest at any of the spots")


async def test_a_newer_request_cancels_the_older_one(client: LanguageClient):
    uri = open_doc(client, "newest_wins.py", SOURCE * 8)  # ~500 tokens: seconds of work, 50 ms apart
    line = SOURCE.count("\n") * 8 - 2
    before = await stats(client)
    first = asyncio.ensure_future(inline(client, uri, line, 8))
    await asyncio.sleep(0.05)
    insert(client, uri, 2, line, 8, "r")
    second = await inline(client, uri, line, 9)
    assert await first == []  # superseded: answered empty, not left hanging
    assert second is not None
    after = await stats(client)
    assert after["cancelled"] > before["cancelled"]


async def test_cancel_request_is_honoured(client: LanguageClient):
    uri = open_doc(client, "cancel.py", SOURCE * 30)
    params = types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=SOURCE.count("\n") * 30 - 2, character=8),
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
    )
    future = client.protocol.send_request(types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id="cancel-me")
    await asyncio.sleep(0.2)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="cancel-me"))
    try:
        result = await asyncio.wrap_future(future)
        assert result is None or result.items == []
    except Exception as exc:  # a RequestCancelled error is the other correct answer
        assert "cancel" in str(exc).lower()
    assert "name" in (await stats(client))["model"]  # still serving


async def test_manual_completion_offers_the_model_item(client: LanguageClient):
    uri = open_doc(client, "manual.py", SOURCE)

    async def complete(kind: types.CompletionTriggerKind) -> types.CompletionList:
        return await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=CURSOR[0], character=CURSOR[1]),
                context=types.CompletionContext(trigger_kind=kind),
            )
        )

    automatic = await complete(types.CompletionTriggerKind.TriggerCharacter)
    assert list(automatic.items) == []
    manual = await complete(types.CompletionTriggerKind.Invoked)
    assert len(manual.items) == 1 and manual.items[0].text_edit.new_text.strip()


@pytest.mark.parametrize(
    "line,character",
    [(999, 0), (0, 999), (-1, 0)],
)
async def test_out_of_range_positions_get_an_empty_answer(client: LanguageClient, line, character):
    uri = open_doc(client, f"range_{line}_{character}.py", SOURCE)
    if line < 0:  # not even a valid LSP uinteger: a JSON-RPC error, not silence
        with pytest.raises(Exception, match="invalid parameters"):
            await send_raw(
                client,
                types.TEXT_DOCUMENT_INLINE_COMPLETION,
                {
                    "textDocument": {"uri": uri},
                    "position": {"line": line, "character": character},
                    "context": {"triggerKind": 2},
                },
            )
    else:
        assert await inline(client, uri, line, character) == []


async def test_absurd_position_is_answered_with_an_error(client: LanguageClient):
    uri = open_doc(client, "absurd.py", SOURCE)
    with pytest.raises(Exception, match="invalid parameters"):
        await send_raw(
            client,
            types.TEXT_DOCUMENT_INLINE_COMPLETION,
            {
                "textDocument": {"uri": uri},
                "position": {"line": 1e308, "character": 0},
                "context": {"triggerKind": 2},
            },
        )


async def test_unknown_document(client: LanguageClient):
    assert await inline(client, "file:///nowhere/never-opened.py", 0, 0) == []


async def test_huge_binary_and_broken_documents_do_not_break_the_server(client: LanguageClient):
    huge = open_doc(client, "huge.py", "x = 1\n" * 900_000)  # 5.4 MB
    assert await inline(client, huge, 10, 0) == []
    binary = open_doc(client, "blob.py", "\x00\x01\x02" * 1000)
    assert await inline(client, binary, 0, 3) == []
    broken = open_doc(client, "broken.py", "def f(:\n    return ]]\nclass\n    ")
    items = await inline(client, broken, 3, 4)
    assert isinstance(items, list)
    emoji = open_doc(client, "emoji.py", "# 会员积分 😀\ns = '订单' \n")
    assert isinstance(await inline(client, emoji, 1, 11), list)
    assert "name" in (await stats(client))["model"]


async def test_stats_reset(client: LanguageClient):
    data = await stats(client, reset=True)
    assert data["requests"] > 0
    for key in ("latency_ms", "prompt_tokens", "evaluated_tokens", "cached_tokens"):
        assert set(data[key]) == {"p50", "p95"}
    assert (await stats(client))["requests"] == 0


async def test_positions_use_the_negotiated_encoding(client: LanguageClient):
    from lsp_server.context.positions import width

    line = "label = '会员积分 😀' + "
    uri = open_doc(client, "encoding.py", f"{line}\n")
    before = await stats(client)
    await inline(client, uri, 0, width(line, client.position_encoding))
    after = await stats(client)
    # the position was understood (a model call or a cache hit), not rejected as splitting a character
    assert after["model_calls"] + after["cache_hits"] > before["model_calls"] + before["cache_hits"]
