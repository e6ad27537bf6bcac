"""The glossary in the editor, over stdio against the real server: diagnostics for forbidden
synonyms, hover, rename to the ubiquitous name, refresh when the glossary changes, a broken
glossary reported without losing the server, and a term drafted by the real (tiny) model."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.conftest import REPO, TINY
from tests.e2e.conftest import PROFILES, answer_as_a_user, send_raw, server_config, wait_for_model

pytestmark = pytest.mark.asyncio(loop_scope="module")
DATA = REPO / "tests" / "data" / "glossary"


@pytest_lsp.fixture(config=server_config(TINY), scope="module", params=["vscode", "neovim"])
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest, tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(DATA / "shop", root / "shop")
    shutil.copy(DATA / "glossary.yml", root / "glossary.yml")
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\nversion = '0'\n")
    lsp_client.root = root  # type: ignore[attr-defined]
    answer_as_a_user(lsp_client)

    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(PROFILES[request.param]),
            root_uri=root.as_uri(),
            initialization_options={},
        )
    )
    lsp_client.position_encoding = result.capabilities.position_encoding or "utf-16"  # type: ignore[attr-defined]
    await wait_for_model(lsp_client)
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, path: Path, language: str = "python") -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=1, text=path.read_text()
            )
        )
    )
    return uri


async def _diagnostics(client: LanguageClient, uri: str, want=lambda d: bool(d)) -> list[types.Diagnostic]:
    for _ in range(500):
        found = client.diagnostics.get(uri)
        if found is not None and want(found):
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"no diagnostics as expected for {uri}: {client.diagnostics.get(uri)}")


async def test_forbidden_synonyms_are_diagnosed_with_exact_positions(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    uri = _open(client, root / "shop" / "legacy.py")
    found = await _diagnostics(client, uri)
    spots = {(d.range.start.line, d.range.start.character, d.range.end.character) for d in found}
    assert (9, 4, 16) in spots  # get_order_sn
    assert (9, 17, 20) in spots  # oid
    # trade_no after a Chinese name and an emoji: columns in the negotiated encoding
    line = (root / "shop" / "legacy.py").read_text().splitlines()[14]
    col = line.index("trade_no")
    units = {"utf-8": len(line[:col].encode()), "utf-16": len(line[:col].encode("utf-16-le")) // 2}
    assert (14, units[client.position_encoding], units[client.position_encoding] + 8) in spots  # type: ignore[attr-defined]
    assert all(d.source == "ubiq glossary" and d.severity == types.DiagnosticSeverity.Warning for d in found)
    flagged = {d.data["identifier"] for d in found}
    assert not flagged & {"avoid_void", "void", "oidc_token", "order_snapshot", "reason"}


async def test_hover_shows_the_entry(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    path = root / "shop" / "models.py"
    uri = _open(client, path)
    line = path.read_text().splitlines().index("    order_number: str")
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=8),
        )
    )
    assert hover is not None and "订单编号" in hover.contents.value and "order_number" in hover.contents.value
    nothing = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=0)
        )
    )
    assert nothing is None or "订单编号" not in nothing.contents.value


async def test_rename_to_the_ubiquitous_name(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    uri = (root / "shop" / "legacy.py").as_uri()
    found = await _diagnostics(client, uri)
    target = next(d for d in found if d.range.start.line == 9 and d.range.start.character == 4)
    actions = await send_raw(
        client,
        types.TEXT_DOCUMENT_CODE_ACTION,
        {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 9, "character": 6}, "end": {"line": 9, "character": 6}},
            "context": {"diagnostics": [client.protocol._converter.unstructure(target)]},
        },
    )
    rename = next(a for a in actions if a["title"].startswith("Rename to `get_order_number`"))
    client.applied.clear()  # type: ignore[attr-defined]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command=rename["command"]["command"], arguments=rename["command"]["arguments"]
        )
    )
    assert result["applied"] is True
    edit = client.applied[-1].edit  # type: ignore[attr-defined]
    texts = [e.new_text for change in edit.document_changes for e in change.edits]
    assert any("def get_order_number(oid):" in text for text in texts)


async def test_glossary_edits_refresh_diagnostics_and_errors_keep_the_server(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    legacy = (root / "shop" / "legacy.py").as_uri()
    before = len(await _diagnostics(client, legacy))
    glossary = root / "glossary.yml"
    guri = _open(client, glossary, language="yaml")
    text = glossary.read_text()
    forbid_reason = text.replace(
        "avoid: [order_sn, order no, oid, trade_no]", "avoid: [order_sn, order no, oid, trade_no, reason]"
    )

    def change(version: int, new_text: str) -> None:
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=guri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)],
            )
        )

    change(2, forbid_reason)
    found = await _diagnostics(client, legacy, lambda d: len(d) == before + 2)  # `reason`, defined and used
    assert any("`reason`" in d.message for d in found)
    change(3, text.replace("  - term: 会员积分", "  - term: [unclosed"))  # broken YAML
    problems = await _diagnostics(
        client, guri, lambda d: any(x.severity == types.DiagnosticSeverity.Error for x in d)
    )
    assert problems[0].range.start.line > 0
    for _ in range(200):
        if any("glossary has errors" in m.message for m in client.messages):
            break
        await asyncio.sleep(0.02)
    assert any("glossary has errors" in m.message for m in client.messages)
    # Still serving, with the last good glossary.
    assert await client.workspace_execute_command_async(types.ExecuteCommandParams(command="ubiq.stats"))
    change(4, text)
    await _diagnostics(client, guri, lambda d: len(d) == 0)
    await _diagnostics(client, legacy, lambda d: len(d) == before)


async def test_add_term_drafts_with_the_model_as_an_undoable_edit(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    client.applied.clear()  # type: ignore[attr-defined]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ubiq.addGlossaryTerm", arguments=[{"term": "仓库"}])
    )
    assert "entry" in result, result
    assert result["entry"]["term"] == "仓库" and result["entry"]["status"] == "draft"
    edit = client.applied[-1].edit  # type: ignore[attr-defined]
    inserted = "".join(e.new_text for change in edit.document_changes for e in change.edits)
    assert "term: 仓库" in inserted
    # Only the new entry is inserted: the comments and entries around it are left alone.
    assert "# Ubiquitous language of the sample shop." not in inserted
    assert (root / "glossary.yml").read_text().count(
        "- term:"
    ) == 4  # the file itself is the editor's to save


@pytest.mark.parametrize("choice", [None, "Add anyway"])
async def test_a_near_duplicate_is_added_only_if_the_user_says_so(client: LanguageClient, choice):
    # 订单号 is close to 订单编号 (another word for "number"): the editor asks, as --force would.
    client.applied.clear()  # type: ignore[attr-defined]
    asked = client.asked  # type: ignore[attr-defined]
    asked.clear()
    client.answers[:] = [choice] if choice else []  # type: ignore[attr-defined]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="ubiq.addGlossaryTerm", arguments=[{"term": "订单号", "context": "sales"}]
        )
    )
    assert len(asked) == 1 and "订单编号" in asked[0].message
    if choice is None:
        assert "error" in result and "订单编号" in result["error"]
        assert client.applied == []  # type: ignore[attr-defined]
    elif "entry" in result:
        assert result["entry"]["term"] == "订单号"
        edit = client.applied[-1].edit  # type: ignore[attr-defined]
        assert "term: 订单号" in "".join(e.new_text for change in edit.document_changes for e in change.edits)
    else:  # the tiny model's English clashed exactly with an entry: never added twice
        assert "error" in result and client.applied == []  # type: ignore[attr-defined]
