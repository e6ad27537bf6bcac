"""DDD in the editor, over stdio against the real server: a rule's finding appears for an unsaved
edit at the field that breaks it, hover shows a class's building block, aggregate and context,
`ubiq.dddMap` returns the context map and `ubiq.dddAsk` answers from the code and the glossary."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import REPO, TINY
from tests.e2e.conftest import (
    answer_as_a_user,
    diagnostics_from,
    open_document,
    server_config,
    start_in_copy,
    wait_for_model,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
SHOP = REPO / "tests" / "data" / "ddd_shop"
ORDER_LINE_GLOSSARY = "terms:\n  - term: 订单行\n    english: order line\n"


@pytest_lsp.fixture(config=server_config(TINY), scope="module", params=["vscode", "neovim"])
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest, tmp_path_factory):
    answer_as_a_user(lsp_client)
    await start_in_copy(lsp_client, request.param, SHOP, tmp_path_factory.mktemp("project"))
    yield
    await lsp_client.shutdown_session()


async def _ddd_diagnostics(client: LanguageClient, uri: str, want) -> list[types.Diagnostic]:
    return await diagnostics_from(client, uri, "ubiq ddd", want)


async def test_an_unsaved_reference_across_aggregates_is_reported_at_the_field(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    path = root / "shop" / "shipping" / "domain" / "model.py"
    uri = open_document(client, path, "python")
    text = path.read_text().replace(
        "    order_id: UUID\n", "    order_id: UUID\n    purchase: Order | None = None\n"
    )
    text = text.replace("import Money\n", "import Money, Order\n")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    (found,) = await _ddd_diagnostics(client, uri, lambda d: any(x.code == "reference-by-object" for x in d))
    line = text.splitlines()[found.range.start.line]
    assert line[found.range.start.character : found.range.end.character] == "purchase"
    assert "Shipment.purchase holds Order, the root of another aggregate" in found.message
    assert found.severity == types.DiagnosticSeverity.Warning
    assert "purchase: Order" not in path.read_text()  # nothing written
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=found.range,
            context=types.CodeActionContext(diagnostics=[found]),
        )
    )
    fix = next(
        a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith("Refer by identity")
    )
    (edit,) = fix.edit.changes[uri]
    assert edit.new_text == "    order_id_id: UUID | None = None" or edit.new_text.endswith(
        ": UUID | None = None"
    )


async def test_hover_on_a_class_names_its_building_block(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    path = root / "shop" / "ordering" / "domain" / "model.py"
    uri = open_document(client, path, "python")
    await _ddd_diagnostics(client, uri, lambda d: any(x.code == "anemic-entity" for x in d))
    line = next(i for i, text in enumerate(path.read_text().splitlines()) if text.startswith("class Order("))
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=8),
        )
    )
    assert hover is not None and "**Order** — aggregate root" in hover.contents.value
    assert "holds `OrderLine`" in hover.contents.value and "context `ordering`" in hover.contents.value


async def test_the_context_map_command(client: LanguageClient):
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ubiq.dddMap", arguments=[])
    )
    assert result["mermaid"].startswith("flowchart LR") and "```mermaid" in result["markdown"]
    assert {c["name"] for c in result["map"]["contexts"]} == {"customers", "ordering", "shipping"}


async def test_a_question_is_answered_from_the_code_and_the_glossary(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    (root / "glossary.yml").write_text(ORDER_LINE_GLOSSARY, encoding="utf-8")
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ubiq.dddAsk", arguments=[{"question": "订单行属于哪个聚合？"}])
    )
    assert result["evidence"] and result["answer"].startswith("OrderLine 属于以 Order 为根的聚合")
    assert {Path(c["path"]).name for c in result["citations"]} == {"glossary.yml", "model.py"}
    assert "**订单行属于哪个聚合？**" in result["markdown"]
    unknown = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ubiq.dddAsk", arguments=["who approves refunds?"])
    )
    assert not unknown["evidence"] and "does not guess" in unknown["answer"]


LEDGER = "class Ledger:\n    entries: list[str]\n    total: int = 0\n"


async def test_the_model_is_asked_only_about_an_unclassified_class(client: LanguageClient):
    """The action appears on a class no rule classifies; the model's answer (the tiny model may give
    none the code bears out) is recorded in the glossary only once the user confirms it."""
    root: Path = client.root  # type: ignore[attr-defined]
    path = root / "shop" / "ordering" / "domain" / "ledger.py"
    path.write_text(LEDGER)
    uri = open_document(client, path, "python")

    async def actions(line: int) -> list[str]:
        found = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(
                    start=types.Position(line=line, character=0), end=types.Position(line=line, character=0)
                ),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        return [a.title for a in found or []]  # an action with a command may come back as a Command

    for _ in range(2400):  # poll until the project is read again with the new file (a condition, not a delay)
        if "Ask the model which building block Ledger is" in await actions(0):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the action never appeared")
    assert not any(t.startswith("Ask the model") for t in await actions(1))
    await wait_for_model(client)
    client.answers.append("Record in the glossary")  # type: ignore[attr-defined]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ubiq.dddSuggestKind", arguments=[{"name": "Ledger"}])
    )
    if "error" in result:
        assert "stays unclassified" in result["error"] and not client.applied  # type: ignore[attr-defined]
        return
    assert result["recorded"] and result["quote"] in LEDGER and result["kind"] != "none"
    (edit,) = client.applied  # type: ignore[attr-defined]
    text = edit.edit.document_changes[-1].edits[-1].new_text
    assert f"kind: {result['kind']}" in text and "english: ledger" in text and "status: approved" in text
