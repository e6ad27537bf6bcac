"""In the editor, `ubiq.addGlossaryTerm` drafts with `glossary.draftModel` (a larger pack, loaded
on first use with progress) while the configured model keeps serving completions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.conftest import DEFAULT, REPO, TINY
from tests.e2e.conftest import PROFILES, server_config, stats, wait_for_model

pytestmark = pytest.mark.asyncio(loop_scope="module")
DATA = REPO / "tests" / "data" / "glossary"


def drafting_with(model: str) -> pytest_lsp.ClientServerConfig:
    """The server on the tiny model, drafting with `model`."""
    config = server_config(TINY)
    config.server_env = {**(config.server_env or {}), "UBIQ_GLOSSARY_MODEL": model}
    return config


async def start_in_a_project(lsp_client: LanguageClient, root: Path) -> None:
    shutil.copytree(DATA / "shop", root / "shop")
    shutil.copy(DATA / "glossary.yml", root / "glossary.yml")

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        return types.ApplyWorkspaceEditResult(applied=True)

    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(PROFILES["vscode"]),
            root_uri=root.as_uri(),
            initialization_options={},
        )
    )
    await wait_for_model(lsp_client)


@pytest_lsp.fixture(config=drafting_with(DEFAULT), scope="module")
async def client(lsp_client: LanguageClient, tmp_path_factory):
    await start_in_a_project(lsp_client, tmp_path_factory.mktemp("project"))
    yield
    await lsp_client.shutdown_session()


async def test_the_draft_model_drafts_and_the_configured_one_completes(client: LanguageClient):
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ubiq.addGlossaryTerm", arguments=[{"term": "仓库"}])
    )
    if "entry" in result:
        assert "0.5B" in result["entry"]["source"]  # the default pack's own name, not SmolLM2's
    else:  # the draft clashed with an entry: reported, as for any model
        assert "error" in result
    messages = [
        r.message or ""
        for reports in client.progress_reports.values()
        for r in reports
        if isinstance(r, types.WorkDoneProgressReport)
    ]
    assert any(f"loading {DEFAULT}" in m for m in messages), messages
    assert "135M" in (await stats(client))["model"]["name"]  # completions keep the configured model


@pytest_lsp.fixture(config=drafting_with(str(REPO / "no-such-model.gguf")), scope="module")
async def missing(lsp_client: LanguageClient, tmp_path_factory):
    await start_in_a_project(lsp_client, tmp_path_factory.mktemp("project"))
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_a_draft_model_that_cannot_load_leaves_drafting_to_the_configured_one(missing: LanguageClient):
    result = await missing.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ubiq.addGlossaryTerm", arguments=[{"term": "仓库"}])
    )
    if "entry" in result:
        assert "135M" in result["entry"]["source"]
    else:  # the tiny model's draft clashed or was refused: an answer, not a failure to load
        assert "no-such-model" not in result["error"]
