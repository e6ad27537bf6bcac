"""The language server on a team server: ghost text comes from the remote model; when the server is
killed mid-request the editor gets an empty answer (no hang), the language server keeps serving,
and completions come back once the server is restarted."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import inline, open_doc, start, stats, wait_for_model
from tests.e2e.test_completion import CURSOR, SOURCE
from tests.remote.conftest import ServerProcess, free_port, llama_cpp_python_server, remote_env

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def language_server(url: str) -> LanguageClient:
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "lsp_server", "serve"], server_env=remote_env(url)
    )
    client = await config.start()
    await start(client, "vscode")
    return client


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(openai_server: ServerProcess) -> AsyncIterator[LanguageClient]:
    client = await language_server(openai_server.url)
    await wait_for_model(client)
    yield client
    await client.shutdown_session()


async def test_ghost_text_from_the_server(client: LanguageClient, openai_server: ServerProcess):
    model = (await stats(client))["model"]
    assert model["backend"] == "remote" and model["path"] == openai_server.url
    uri = open_doc(client, "remote_ghost.py", SOURCE)
    items = await inline(client, uri, *CURSOR)
    assert len(items) == 1 and items[0].insert_text.strip()
    assert (await stats(client))["model_calls"] >= 1


async def test_server_killed_mid_request(tiny_model, tmp_path):
    server = llama_cpp_python_server(tiny_model, free_port(), tmp_path / "server.log").start()
    client = await language_server(server.url)
    try:
        await wait_for_model(client)
        uri = open_doc(client, "remote_kill.py", SOURCE * 3)
        line = SOURCE.count("\n") * 3 - 1  # the last body line of the third copy
        pending = asyncio.ensure_future(inline(client, uri, line, 8))
        await asyncio.sleep(0.05)
        server.kill()
        await asyncio.wait_for(pending, 120)  # answered (empty or not), never left hanging
        uri = open_doc(client, "remote_down.py", SOURCE)
        assert await asyncio.wait_for(inline(client, uri, *CURSOR), 120) == []
        assert "name" in (await stats(client))["model"]  # still serving, the backend kept
        server.start()
        uri = open_doc(client, "remote_back.py", SOURCE)
        items = await asyncio.wait_for(inline(client, uri, *CURSOR), 120)
        assert len(items) == 1 and items[0].insert_text.strip()
    finally:
        server.kill()
        await client.shutdown_session()


async def test_server_down_at_start_is_tried_again_by_later_requests(tiny_model, tmp_path):
    port = free_port()
    client = await language_server(f"http://127.0.0.1:{port}")
    try:
        for _ in range(600):
            if (await stats(client))["model"].get("state") == "error":
                break
            await asyncio.sleep(0.1)
        uri = open_doc(client, "remote_later.py", SOURCE)
        assert await inline(client, uri, *CURSOR) == []  # answered at once, empty
        server = llama_cpp_python_server(tiny_model, port, tmp_path / "server.log").start()
        try:
            items = []
            for _ in range(120):  # a request starts a new connection attempt at most every few seconds
                items = await inline(client, uri, *CURSOR)
                if items:
                    break
                await asyncio.sleep(1)
            assert items and items[0].insert_text.strip()
            errors = [m for m in client.messages if m.type == types.MessageType.Error]
            assert len(errors) == 1 and f"127.0.0.1:{port}" in errors[0].message  # shown once, not per retry
        finally:
            server.kill()
    finally:
        await client.shutdown_session()
