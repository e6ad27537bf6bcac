"""The default FIM pack through the real server (Neovim profile): ghost text that uses the text
after the cursor, and keystrokes that only evaluate the few new tokens."""

from __future__ import annotations

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from tests.conftest import DEFAULT
from tests.e2e.conftest import inline, insert, open_doc, quiet, server_config, start, stats, wait_for_model

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.default_model]

SOURCE = '''import math


def circle_area(radius: float) -> float:
    """Area of a circle."""
    return math.pi * radius ** 2


def circle_circumference(radius: float) -> float:
    """Circumference of a circle."""
{indent}


print(circle_circumference(2.0))
'''
SOURCE = SOURCE.format(indent="    ")
LINE, COLUMN = 10, 4


@pytest_lsp.fixture(config=server_config(DEFAULT), scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client, "neovim")
    await wait_for_model(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_fim_ghost_text(client: LanguageClient):
    assert (await stats(client))["model"]["fim"] is True
    uri = open_doc(client, "fim.py", SOURCE)
    items = await inline(client, uri, LINE, COLUMN)
    assert len(items) == 1
    text = items[0].insert_text
    assert "radius" in text and "pi" in text, text


async def test_keystrokes_evaluate_only_new_tokens(client: LanguageClient):
    uri = open_doc(client, "typing.py", SOURCE)
    await inline(client, uri, LINE, COLUMN)  # lays out the prompt and fills the cache
    await quiet(client)  # (the rest of a block shown by its first line is written on)
    await stats(client, reset=True)
    typed = "return 2 * math.pi"
    for i, ch in enumerate(typed):
        insert(client, uri, i + 2, LINE, COLUMN + i, ch)
        await inline(client, uri, LINE, COLUMN + i + 1)
    data = await stats(client)
    assert data["requests"] == len(typed)
    assert data["evaluated_tokens"]["p95"] <= 8, data
    assert data["cached_tokens"]["p50"] >= 100, data
