"""`ubiq.erModel` with `fromText`: requirement text read with the (tiny) model through the real
server, with progress. What the model is asked does not depend on the client, so one client
profile runs it (the other profiles' wiring is test_er_model.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import TINY
from tests.e2e.conftest import server_config, start, wait_for_model
from tests.e2e.test_er_model import accept_registrations, er_model

pytestmark = pytest.mark.asyncio(loop_scope="module")  # the loop the client fixture runs in


@pytest_lsp.fixture(config=server_config(TINY), scope="module")
async def client(lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    await start(lsp_client, "neovim")
    yield
    await lsp_client.shutdown_session()


@pytest.mark.parametrize(
    "text,encoding",
    [
        ("Members borrow books. Each book has a title.\n", "utf-8"),
        ("会员可以借阅多本图书。每本图书有书名和作者。\n", "gbk"),  # as Chinese teams often save it
    ],
)
async def test_requirement_text_is_read_with_the_model(
    client: LanguageClient, tmp_path: Path, text: str, encoding: str
):
    needs = tmp_path / "needs.md"
    needs.write_bytes(text.encode(encoding))
    await wait_for_model(client)
    try:
        result = await er_model(client, {"fromText": needs.as_uri(), "format": "json"})
    except Exception as error:  # a 135M model may find nothing the text names: said as an error
        assert "found no entities" in str(error)
        return
    names = {e["name"] for e in result["model"]["entities"]}
    assert all(
        e["kind"] == "text" and e["location"]["path"] == str(needs) for e in result["model"]["entities"]
    )
    assert all({r["from_entity"], r["to_entity"]} <= names for r in result["model"]["relationships"])
    reports = [r for values in client.progress_reports.values() for r in values]
    assert any(
        isinstance(r, types.WorkDoneProgressReport) and "attributes of" in (r.message or "") for r in reports
    )
