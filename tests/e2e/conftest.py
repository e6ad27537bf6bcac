"""The real server over stdio, driven by pytest-lsp as a VS Code and as a Neovim client."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.conftest import REPO

PROFILES = {"vscode": "visual_studio_code", "neovim": "neovim"}


def server_config(model: str) -> ClientServerConfig:
    env = {**os.environ, "UBIQ_MODEL": model, "UBIQ_THREADS": "1"}
    return ClientServerConfig(server_command=[sys.executable, "-m", "lsp_server", "serve"], server_env=env)


async def start(client: LanguageClient, profile: str, options: dict[str, Any] | None = None) -> None:
    params = types.InitializeParams(
        capabilities=client_capabilities(PROFILES[profile]),
        root_uri=REPO.as_uri(),
        initialization_options=options if options is not None else {"completion": {"timeBudgetMs": 60_000}},
    )
    result = await client.initialize_session(params)
    client.position_encoding = result.capabilities.position_encoding or "utf-16"  # type: ignore[attr-defined]


async def stats(client: LanguageClient, reset: bool = False) -> dict[str, Any]:
    arguments = [{"reset": True}] if reset else []
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ubiq.stats", arguments=arguments)
    )


async def wait_for_model(client: LanguageClient) -> dict[str, Any]:
    """Poll until the model reports ready (it loads in the background after `initialized`)."""
    for _ in range(3000):
        # Every request must be answered, also while the model loads (a lost answer hangs here).
        data = await asyncio.wait_for(stats(client), 60)
        if "name" in data["model"]:
            return data["model"]
        if data["model"].get("state") == "error":
            raise AssertionError(data["model"])
        await asyncio.sleep(0.02)
    raise AssertionError("the model never became ready")


async def quiet(client: LanguageClient) -> dict[str, Any]:
    """Poll until no answer is still being written after its first line was shown (its tokens are
    counted when it ends): then counts taken from here on are the next requests' own."""
    while (data := await stats(client))["rest_done"] < data["answered_early"]:
        await asyncio.sleep(0.05)
    return data


def open_doc(client: LanguageClient, name: str, text: str, language: str = "python") -> str:
    uri = (REPO / "tests" / "data" / name).as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        )
    )
    return uri


def insert(client: LanguageClient, uri: str, version: int, line: int, character: int, text: str) -> None:
    at = types.Position(line=line, character=character)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=text)
            ],
        )
    )


async def send_raw(client: LanguageClient, method: str, params: dict[str, Any]) -> Any:
    """Send a request exactly as given (bypassing the client's type checks) and await the answer."""
    import json
    from concurrent.futures import Future

    msg_id = f"raw-{uuid.uuid4()}"
    future: Future = Future()
    client.protocol._request_futures[msg_id] = future
    body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}).encode()
    client.protocol.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    return await asyncio.wait_for(asyncio.wrap_future(future), 60)


async def inline(
    client: LanguageClient, uri: str, line: int, character: int
) -> list[types.InlineCompletionItem]:
    result = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
            context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
        )
    )
    if result is None:
        return []
    return list(result.items) if isinstance(result, types.InlineCompletionList) else list(result)


__all__ = [
    "pytest_lsp",
    "server_config",
    "start",
    "stats",
    "wait_for_model",
    "open_doc",
    "insert",
    "inline",
    "quiet",
]


def open_document(
    client: LanguageClient, path: Path, language: str = "python", text: str | None = None
) -> str:
    """didOpen a file (its text on disk unless `text` is given); returns its URI."""
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=1, text=path.read_text() if text is None else text
            )
        )
    )
    return uri


def answer_as_a_user(client: LanguageClient) -> None:
    """The client answers `window/showMessageRequest` with the titles queued in `client.answers`
    (none: dismissed), keeps each question in `client.asked`, and applies every workspace edit
    (kept in `client.applied`), as an editor whose user clicks does."""
    client.asked, client.answers, client.applied = [], [], []  # type: ignore[attr-defined]

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def answer(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
        client.asked.append(params)  # type: ignore[attr-defined]
        answers = client.answers  # type: ignore[attr-defined]
        return types.MessageActionItem(title=answers.pop(0)) if answers else None

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        client.applied.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)


async def start_in_copy(
    client: LanguageClient, profile: str, source: Path, root: Path
) -> types.InitializeResult:
    """Initialize a session on a copy of the project folder `source` (the tests may edit it), with the
    client answering `client/registerCapability` as editors do."""
    shutil.copytree(source, root, dirs_exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\nversion = '0'\n")
    client.root = root  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        return None

    return await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(PROFILES[profile]),
            root_uri=root.as_uri(),
            initialization_options={},
        )
    )


async def diagnostics_from(client: LanguageClient, uri: str, source: str, want) -> list[types.Diagnostic]:
    """Wait for the publication of `source`'s diagnostics for `uri` that satisfies `want` (the schema or
    domain model is read in the background)."""
    while True:
        found = [d for d in client.diagnostics.get(uri, []) if d.source == source]
        if want(found):
            return found
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 120)
