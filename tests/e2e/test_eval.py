"""`ubiq.eval` from the editor: the real server over stdio, with work-done progress, ending with the
report opened through window/showDocument; bad arguments get a clear answer and the server goes on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.conftest import TINY
from tests.e2e.conftest import server_config, stats, wait_for_model
from tests.evaluation.test_tasks import make_repo

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(config=server_config(TINY), scope="module")
async def client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("eval-project")
    make_repo(root, git=False)
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            root_uri=root.as_uri(),
            initialization_options={},
        )
    )
    await wait_for_model(lsp_client)
    lsp_client.root = root  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root / ".ubiq", ignore_errors=True)


async def evaluate(client: LanguageClient, *arguments: Any) -> dict[str, Any]:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ubiq.eval", arguments=list(arguments))
    )


async def test_eval_reports_progress_and_opens_the_report(client: LanguageClient):
    result = await evaluate(client, {"tasks": 2})
    report = Path(result["report"])
    assert report.is_file() and report.parent.parent == client.root / ".ubiq" / "eval"  # type: ignore[attr-defined]
    data = json.loads(Path(result["json"]).read_text())
    assert data["models"][0]["summary"]["tasks"] == 2
    assert result["recommendation"] == data["recommendation"]
    assert [shown.uri for shown in client.shown_documents] == [report.as_uri()]
    reports = [r for values in client.progress_reports.values() for r in values]
    assert any(
        isinstance(r, types.WorkDoneProgressBegin) and r.title == "Ubiq: evaluating models" for r in reports
    )
    assert any(isinstance(r, types.WorkDoneProgressReport) for r in reports)
    assert any(isinstance(r, types.WorkDoneProgressEnd) and "Ubiq eval" in (r.message or "") for r in reports)


async def test_bad_arguments_are_answered_and_the_server_goes_on(client: LanguageClient):
    for bad, message in (
        ({"tasks": "many"}, "tasks must be a whole number"),
        ({"tasks": 0}, "tasks must be from 1 to 1000"),
        ({"models": "not-a-list"}, "models must be a list"),
    ):
        with pytest.raises(Exception, match=message):
            await evaluate(client, bad)
    assert "name" in (await stats(client))["model"]
