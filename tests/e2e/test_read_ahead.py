"""Documents read ahead while the model is idle, over the real server with the tiny real model:
a far jump then takes most of its prompt from the pieces read. Counts, not times. One editor
only: what is tested is the server's, and reading a file ahead takes the tiny model a while."""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from tests.conftest import TINY
from tests.e2e.conftest import inline, open_doc, quiet, server_config, start, stats, wait_for_model
from tests.e2e.test_jumps import module

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


async def test_a_far_jump_in_a_file_read_ahead_evaluates_a_fraction_of_its_prompt(client: LanguageClient):
    """While the model is idle the open file is read ahead in pieces; a jump to its far end then
    takes most of its prompt from them instead of evaluating it."""
    text = module("ledger", 52)
    lines = text.splitlines()
    uri = open_doc(client, "jump_read.py", text)
    assert await inline(client, uri, lines.index("    return round(total * 3, 2)"), 4) is not None
    await quiet(client)
    data = await idle(client)
    assert data["kv_cache"]["read_tokens"] > 0, data["kv_cache"]
    assert data["kv_cache"]["read_used_mb"] <= data["kv_cache"]["read_bound_mb"]
    await stats(client, reset=True)
    await inline(client, uri, lines.index("    return round(total * 50, 2)"), 4)
    await quiet(client)
    data = await stats(client)
    assert data["model_calls"] == 1
    assert data["evaluated_total"] <= data["prompt_tokens"]["p50"] / 4, data
    assert data["moved_tokens"]["p50"] >= data["prompt_tokens"]["p50"] / 2, data
    # That answer was rough (the pieces saw only their own context): the prompt is evaluated anew
    # in the background where they filled it, and asking again there then evaluates next to nothing.
    data = await idle(client)
    assert data["background_evaluated_total"] >= data["moved_tokens"]["p50"], data
    await stats(client, reset=True)
    await inline(client, uri, lines.index("    return round(total * 50, 2)"), 4)
    await quiet(client)
    data = await stats(client)
    assert data["model_calls"] == 1 and data["evaluated_total"] <= 2, data
