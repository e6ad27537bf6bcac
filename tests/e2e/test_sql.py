"""SQL in the editor, over stdio against the real server: diagnostics in Python strings and `.sql`
files at the exact identifier, a quick fix from the schema, a model edit (unsaved) that changes
what is reported, and SQL diagnostics beside the glossary's in one publication."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import REPO, TINY
from tests.e2e.conftest import diagnostics_from, open_document, server_config, start_in_copy

pytestmark = pytest.mark.asyncio(loop_scope="module")
SHOP = REPO / "tests" / "data" / "sql_shop"


@pytest_lsp.fixture(config=server_config(TINY), scope="module", params=["vscode", "neovim"])
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest, tmp_path_factory):
    await start_in_copy(lsp_client, request.param, SHOP, tmp_path_factory.mktemp("project"))
    yield
    await lsp_client.shutdown_session()


async def _sql_diagnostics(client: LanguageClient, uri: str, want) -> list[types.Diagnostic]:
    return await diagnostics_from(client, uri, "ubiq sql", want)


async def test_python_strings_are_checked_against_the_django_schema(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    uri = open_document(client, root / "shop" / "reports.py", "python")
    found = await _sql_diagnostics(client, uri, lambda d: len(d) >= 11)
    codes = sorted(str(d.code) for d in found)
    assert "unknown-column" in codes and "string-built-sql" in codes and "delete-without-where" in codes
    misspelt = next(d for d in found if d.code == "unknown-column")
    line = (root / "shop" / "reports.py").read_text().splitlines()[misspelt.range.start.line]
    assert line[misspelt.range.start.character : misspelt.range.end.character] == "nme"
    assert misspelt.severity == types.DiagnosticSeverity.Error

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=misspelt.range,
            context=types.CodeActionContext(diagnostics=[misspelt]),
        )
    )
    fix = next(a for a in actions if isinstance(a, types.CodeAction) and a.title == "Replace with `name`")
    (edit,) = fix.edit.changes[uri]
    assert (edit.new_text, edit.range) == ("name", misspelt.range)


async def test_sql_file_statements_and_an_unsaved_model_edit(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    uri = open_document(client, root / "queries.sql", "sql")
    found = await _sql_diagnostics(client, uri, lambda d: len(d) == 3)
    assert [(d.range.start.line, d.code) for d in found] == [
        (8, "unknown-column"),
        (10, "update-without-where"),
        (12, "syntax-error"),
    ]
    models = root / "shop" / "models.py"
    models_uri = open_document(client, models, "python")
    text = models.read_text().replace(
        "note = models.TextField(null=True)",
        "note = models.TextField(null=True)\n    totl = models.IntegerField()",
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=models_uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    # `o.totl` is now a column of the (unsaved) model: only the other two remain
    found = await _sql_diagnostics(client, uri, lambda d: len(d) == 2)
    assert [d.code for d in found] == ["update-without-where", "syntax-error"]
    assert models.read_text() == (SHOP / "shop" / "models.py").read_text()  # nothing written


async def test_formatted_sql_gets_the_checked_bound_parameters_fix(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    uri = (root / "shop" / "reports.py").as_uri()
    found = await _sql_diagnostics(client, uri, lambda d: any(x.code == "string-built-sql" for x in d))
    built = next(d for d in found if d.code == "string-built-sql")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=built.range,
            context=types.CodeActionContext(diagnostics=[built]),
        )
    )
    fix = next(
        a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith("Pass the values")
    )
    assert "same rows on" in fix.title
    (edit,) = fix.edit.changes[uri]
    assert edit.new_text == '"SELECT name FROM shop_customer WHERE id = ?", (customer_id,)'


async def test_an_n_plus_one_loop_gets_the_loader_a_generated_test_measured(client: LanguageClient):
    root: Path = client.root  # type: ignore[attr-defined]
    (root / "shop" / "__init__.py").write_text("")  # a Django app is a package
    loops = root / "shop" / "loops.py"
    loops.write_text(
        "from shop.models import Order\n\n\ndef report():\n"
        "    for order in Order.objects.all():\n        print(order.customer.name)\n"
    )
    uri = open_document(client, loops, "python")
    (found,) = await _sql_diagnostics(client, uri, lambda d: any(x.code == "n-plus-one" for x in d))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=found.range,
            context=types.CodeActionContext(diagnostics=[found]),
        )
    )
    fix = next(a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith("Load customer"))
    assert fix.disabled is None and "queries on a scratch database, same rows" in fix.title
    (edit,) = fix.edit.changes[uri]
    assert edit.new_text == '.select_related("customer")'
    assert (edit.range.start.line, edit.range.start.character) == (4, len("    for order in Order.objects"))
    assert loops.read_text().count("select_related") == 0  # an edit for the editor to apply, nothing written


async def test_explain_asks_the_model_only_when_asked(client: LanguageClient):
    query = "SELECT name FROM shop_customer WHERE email = 'a@example.com'"
    plain = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ubiq.sqlExplain", arguments=[{"query": query, "rows": 500}])
    )
    assert "explanation" not in plain and plain["plan"]  # sql.explainWithModel is off by default
    helped = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="ubiq.sqlExplain", arguments=[{"query": query, "rows": 500, "askModel": True}]
        )
    )
    if "explanation" not in helped:  # asked while the model was still loading: said so, not skipped silently
        assert any(n.startswith("the model is not loaded yet") for n in helped["notes"])
        return
    narration = helped["explanation"]
    assert narration["text"] or narration["note"].startswith("no explanation shown")
    assert "## In short" in helped["markdown"]
