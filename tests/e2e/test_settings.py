"""Settings over LSP: bad values are shown and replaced by defaults; a model change reloads."""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import DEFAULT, TINY
from tests.e2e.conftest import inline, open_doc, server_config, start, stats, wait_for_model
from tests.e2e.test_completion import CURSOR, SOURCE

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(config=server_config(TINY), scope="module")
async def client(lsp_client: LanguageClient):
    bad = {"model": {"threads": "lots"}, "completion": {"maxTokens": -5}, "colour": 1}
    await start(lsp_client, "vscode", bad)
    await wait_for_model(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_invalid_settings_are_shown_and_defaults_used(client: LanguageClient):
    shown = "\n".join(m.message for m in client.messages)
    assert "model.threads must be an integer" in shown
    assert "completion.maxTokens must be between" in shown
    assert "unknown setting 'colour'" in shown
    assert all(m.type == types.MessageType.Warning for m in client.messages)
    assert (await stats(client))["model"]["name"]  # loaded anyway, with defaults


async def test_completion_can_be_switched_off(client: LanguageClient):
    uri = open_doc(client, "switch.py", SOURCE)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"ubiq": {"completion": {"enabled": False}}})
    )
    assert await inline(client, uri, *CURSOR) == []
    enable = {"ubiq": {"completion": {"enabled": True, "maxTokens": 8}}}
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=enable))
    assert len(await inline(client, uri, *CURSOR)) == 1


@pytest.mark.default_model
async def test_changing_the_model_reloads_it_without_a_restart(client: LanguageClient):
    assert (await stats(client))["model"]["fim"] is False
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"ubiq": {"model": {"path": DEFAULT, "threads": 1}}})
    )
    for _ in range(3000):
        model = (await stats(client))["model"]
        if model.get("fim"):
            break
        await asyncio.sleep(0.05)
    assert model["fim"] is True and "0.5B" in model["name"]


async def test_a_missing_model_is_an_error_the_user_sees(client: LanguageClient):
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"ubiq": {"model": {"path": "/nowhere/model.gguf"}}})
    )
    for _ in range(3000):
        data = await stats(client)
        shown = [m for m in client.messages if m.type == types.MessageType.Error]
        if data["model"].get("state") == "error" and shown:
            break
        await asyncio.sleep(0.02)
    assert "model file not found" in data["model"]["message"]
    assert "/nowhere/model.gguf" in shown[-1].message
    uri = open_doc(client, "no_model.py", "x = ")
    assert await inline(client, uri, 0, 4) == []  # answered at once, empty
