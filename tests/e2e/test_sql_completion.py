"""Table and column completion in SQL, over stdio against the real server: names from the schema
after `alias.` (trigger character) and after `FROM` (manual invocation) in a `.sql` file and in
Python strings, the word being typed replaced in the client's position units, and nothing from
SQL outside it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_server.context.positions import width
from tests.conftest import REPO, TINY
from tests.e2e.conftest import open_document, server_config, start_in_copy

pytestmark = pytest.mark.asyncio(loop_scope="module")
SHOP = REPO / "tests" / "data" / "sql_shop"
CUSTOMER = ["id", "name", "email", "referrer_id"]
TABLES = ["shop_customer", "shop_order"]
TRIGGER = types.CompletionTriggerKind.TriggerCharacter
INVOKED = types.CompletionTriggerKind.Invoked


@pytest_lsp.fixture(config=server_config(TINY), scope="module", params=["vscode", "neovim"])
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest, tmp_path_factory):
    result = await start_in_copy(lsp_client, request.param, SHOP, tmp_path_factory.mktemp("project"))
    lsp_client.capabilities_result = result.capabilities  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, path: Path, language: str, text: str) -> str:
    return open_document(client, path, language, text)


def _position(client: LanguageClient, text: str, marker: str) -> types.Position:
    """Just after `marker` in `text`, in the position units the server chose at initialize."""
    offset = text.index(marker) + len(marker)
    line = text.count("\n", 0, offset)
    line_text = text[text.rfind("\n", 0, offset) + 1 : offset]
    encoding = client.capabilities_result.position_encoding or "utf-16"  # type: ignore[attr-defined]
    return types.Position(line=line, character=width(line_text, str(getattr(encoding, "value", encoding))))


async def _complete(
    client: LanguageClient, uri: str, position: types.Position, kind: types.CompletionTriggerKind, wait: bool
) -> types.CompletionList:
    """Ask; with `wait`, ask again until names come (the schema is read in the background)."""
    for _ in range(2400):
        context = types.CompletionContext(
            trigger_kind=kind, trigger_character="." if kind == TRIGGER else None
        )
        found = await asyncio.wait_for(
            client.text_document_completion_async(
                types.CompletionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri), position=position, context=context
                )
            ),
            60,
        )
        assert isinstance(found, types.CompletionList)
        if found.items or not wait:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("no SQL completion came: the schema was never read")


def _check(
    found: types.CompletionList, labels: list[str], start: types.Position, end: types.Position
) -> None:
    assert [item.label for item in sorted(found.items, key=lambda i: i.sort_text or "")] == labels
    assert found.is_incomplete is False
    for item in found.items:
        assert isinstance(item.text_edit, types.TextEdit)
        assert item.text_edit.range == types.Range(start=start, end=end)
        assert item.text_edit.new_text == item.label


async def test_trigger_characters_are_advertised(client: LanguageClient):
    provider = client.capabilities_result.completion_provider  # type: ignore[attr-defined]
    assert provider is not None and set(provider.trigger_characters or []) == {".", " "}


async def test_sql_file(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    text = "-- 客户 😀\nSELECT c. FROM shop_customer c;\nSELECT * FROM sh\n"
    uri = _open(client, root / "completion.sql", "sql", text)

    at = _position(client, text, "SELECT c.")
    found = await _complete(client, uri, at, TRIGGER, wait=True)
    _check(found, CUSTOMER, at, at)
    kinds = {item.label: (item.kind, item.detail) for item in found.items}
    assert kinds["id"] == (types.CompletionItemKind.Field, "INTEGER PK")
    assert kinds["referrer_id"][1] == "INTEGER → shop_customer.id"

    at = _position(client, text, "FROM sh")
    found = await _complete(client, uri, at, INVOKED, wait=False)
    _check(found, TABLES, types.Position(line=at.line, character=at.character - 2), at)
    assert {item.kind for item in found.items} == {types.CompletionItemKind.Class}


async def test_python_strings(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    text = (
        "import sqlite3\n\n\n"
        "def report(cursor):\n"
        "    cursor.execute(\"SELECT '订单😀', c. FROM shop_customer c\")\n"
        '    cursor.execute("SELECT * FROM sh'  # still being typed: no closing quote
    )
    uri = _open(client, root / "shop" / "typing.py", "python", text)

    at = _position(client, text, "'订单😀', c.")
    found = await _complete(client, uri, at, TRIGGER, wait=True)
    _check(found, CUSTOMER, at, at)

    at = _position(client, text, "FROM sh")
    found = await _complete(client, uri, at, INVOKED, wait=False)
    _check(found, TABLES, types.Position(line=at.line, character=at.character - 2), at)

    # Python code, typed with a trigger character: no SQL names and no model
    outside = await _complete(client, uri, _position(client, text, "def report("), TRIGGER, wait=False)
    assert list(outside.items) == []
