"""Generate tests from the editor: code action → command with progress → undoable WorkspaceEdit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import DEFAULT, REPO, run_pytest_on
from tests.e2e.conftest import send_raw, server_config, start, wait_for_model

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.default_model]


@pytest_lsp.fixture(config=server_config(DEFAULT), scope="module")
async def client(lsp_client: LanguageClient):
    lsp_client.applied = []  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        lsp_client.applied.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    await start(lsp_client, "vscode")
    await wait_for_model(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_code_action_generates_a_test_file(client: LanguageClient, tmp_path: Path):
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    source = (REPO / "examples" / "pricing.py").read_text()
    module = package / "pricing.py"
    module.write_text(source)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\nversion = '0'\n")
    uri = module.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=source)
        )
    )
    line = source.splitlines().index("def slugify(title: str) -> str:")
    point = {"line": line + 2, "character": 4}
    # Raw JSON: pygls' client reads a CodeAction with a command back as a Command (a client quirk).
    actions = await send_raw(
        client,
        types.TEXT_DOCUMENT_CODE_ACTION,
        {
            "textDocument": {"uri": uri},
            "range": {"start": point, "end": point},
            "context": {"diagnostics": []},
        },
    )
    titles = [a["title"] for a in actions]
    assert "Generate tests for slugify" in titles and "Generate tests for this module" in titles
    command = next(a for a in actions if a["title"] == "Generate tests for slugify")["command"]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command["command"], arguments=command["arguments"])
    )
    assert result.get("tests_kept", 0) >= 1, result
    edit = client.applied[-1].edit  # type: ignore[attr-defined]
    create, change = edit.document_changes
    assert isinstance(create, types.CreateFile) and create.uri.endswith("/tests/test_pricing.py")
    written = tmp_path / "tests" / "test_pricing.py"
    written.parent.mkdir()
    written.write_text(change.edits[0].new_text)  # what the editor does with the edit
    run = run_pytest_on(written, tmp_path)
    assert run.returncode == 0, run.stdout[-2000:]
    reports = [r for values in client.progress_reports.values() for r in values]
    assert any(
        isinstance(r, types.WorkDoneProgressBegin) and r.title == "Ubiq: generating tests" for r in reports
    )
    assert any(
        m.type == types.MessageType.Info and "tests for shop.pricing" in m.message for m in client.messages
    )
    shutil.rmtree(tmp_path / "tests")
