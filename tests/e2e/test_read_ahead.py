"""Documents read ahead while the model is idle, over the real server with the tiny real model:
the short prompt that answers first after a far jump then starts from a window read, and
evaluates next to nothing. Counts, not times. One editor only: what is tested is the server's,
and reading a file ahead takes the tiny model a while."""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from tests.conftest import TINY
from tests.e2e.conftest import inline, open_doc, quiet, server_config, start, stats, wait_for_model
from tests.e2e.test_jumps import budget, module

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(config=server_config(TINY), scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client, "vscode", {"completion": {"timeBudgetMs": 60_000}})
    await wait_for_model(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def idle(client: LanguageClient) -> dict:
    """Poll until the server neither prepares a prompt nor reads documents ahead."""
    while (data := await stats(client))["preparing"] or data["reading"]:
        await asyncio.sleep(0.1)
    return data


async def test_a_far_jump_in_a_file_read_ahead_answers_first_from_a_window(client: LanguageClient):
    """While the model is idle the open file is read ahead in windows; after a jump to its far end
    the short prompt that answers first finds its whole prefix in one of them."""
    text = module("ledger", 80)
    lines = text.splitlines()
    uri = open_doc(client, "jump_read.py", text)
    assert await inline(client, uri, lines.index("    return round(total * 3, 2)"), 4) is not None
    await quiet(client)
    data = await idle(client)
    assert data["kv_cache"]["read_windows"] >= 2, data["kv_cache"]
    assert data["kv_cache"]["read_tokens"] >= data["prompt_tokens"]["p50"], data
    assert data["kv_cache"]["read_used_mb"] <= data["kv_cache"]["read_bound_mb"]
    budget(client, 50)  # the full prompt cannot be ready in time: a short one answers first
    await stats(client, reset=True)
    await inline(client, uri, lines.index("    return round(total * 70, 2)"), 4)
    await quiet(client)
    data = await stats(client)
    budget(client, 60_000)
    assert data["quick"] == 1 and data["model_calls"] == 1, data
    assert data["kv_cache"]["read_brought_back"] >= 1, data["kv_cache"]
    # Its prefix (the window's text down to the cursor's line) came from the window whole.
    assert data["evaluated_total"] <= 16 < data["prompt_tokens"]["p50"] // 4, data
