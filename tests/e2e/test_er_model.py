"""`ubiq.erModel` end to end: the real server over stdio, VS Code and Neovim client profiles; the
model it returns is exactly what the library extracts, with the editor's unsaved text read instead
of the file's; with `suggest` its suggestions come beside it (with progress) and a model class gets
a code action that declares a suggested foreign key; bad arguments are error responses and the
server carries on. Requirement text read with the model is test_er_from_text.py."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_server.datamodel import Source, extract, extract_sources, render, suggest
from tests.conftest import REPO, TINY
from tests.e2e.conftest import send_raw, server_config, start, stats

pytestmark = pytest.mark.asyncio(loop_scope="module")

ER = REPO / "tests" / "data" / "er"
MODERN = ER / "sqlalchemy_modern"
EXTRA = """

class Invoice(Base):
    __tablename__ = "invoice"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
"""
DRAFT = """from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Receipt(Base):
    __tablename__ = "receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
"""
SHOP = """from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Customer(Base):
    __tablename__ = "customers"
    id = Column(Integer, primary_key=True)
    name = Column(String(50))


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, nullable=False)  # 顾客 — no key declared yet
"""


def accept_registrations(client: LanguageClient) -> None:
    """Answer `client/registerCapability` (the server asks to watch glossary files) as editors do."""

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        return None


@pytest_lsp.fixture(config=server_config(TINY), scope="module", params=["vscode", "neovim"])
async def client(request, lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    initialize = lsp_client.initialize_session

    async def keep_result(params: types.InitializeParams) -> types.InitializeResult:
        lsp_client.initialized = await initialize(params)  # type: ignore[attr-defined]
        return lsp_client.initialized  # type: ignore[attr-defined]

    lsp_client.initialize_session = keep_result  # type: ignore[method-assign]
    await start(lsp_client, request.param)  # no waiting for the model: ubiq.erModel needs none
    yield
    await lsp_client.shutdown_session()


async def er_model(client: LanguageClient, *arguments: Any) -> dict[str, Any]:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ubiq.erModel", arguments=list(arguments))
    )


def open_text(client: LanguageClient, path: Path, text: str) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    return uri


def close(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def test_the_command_is_advertised(client: LanguageClient):
    provider = client.initialized.capabilities.execute_command_provider  # type: ignore[attr-defined]
    assert "ubiq.erModel" in provider.commands


@pytest.mark.parametrize("fmt", ["mermaid", "dbml", "plantuml", "ddl", "json"])
async def test_a_folder_gives_what_the_library_extracts(client: LanguageClient, fmt: str):
    result = await er_model(client, {"uri": MODERN.as_uri(), "format": fmt})
    expected = extract([MODERN])
    assert result["model"] == expected.to_dict()
    assert result["text"] == render(expected, fmt)
    assert result["format"] == fmt
    assert result["warnings"] == []
    assert {e["name"] for e in result["model"]["entities"]} >= {"User", "Address", "Document"}


async def test_ddl_in_the_dialect_asked_for(client: LanguageClient):
    result = await er_model(
        client, {"uri": (ER / "sql" / "mysql.sql").as_uri(), "format": "ddl", "dialect": "sqlite"}
    )
    assert result["text"] == render(extract([ER / "sql" / "mysql.sql"]), "ddl", dialect="sqlite")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
async def test_svg_is_drawn_by_graphviz(client: LanguageClient):
    result = await er_model(client, {"uri": MODERN.as_uri(), "format": "svg"})
    assert result["text"].lstrip().startswith("<?xml") and "</svg>" in result["text"]


async def test_no_argument_reads_the_whole_workspace(client: LanguageClient):
    result = await er_model(client)
    assert result["format"] == "mermaid" and result["text"].startswith("erDiagram")
    paths = {e["location"]["path"] for e in result["model"]["entities"]}
    assert str(MODERN / "models.py") in paths and str(ER / "sql" / "postgres.sql") in paths


async def test_unsaved_text_is_read_instead_of_the_file(client: LanguageClient, tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(MODERN, project)
    models = project / "models.py"
    uri = open_text(client, models, models.read_text() + EXTRA)
    try:
        for target in (project, models):
            result = await er_model(client, {"uri": target.as_uri()})
            invoice = [e for e in result["model"]["entities"] if e["name"] == "Invoice"]
            assert len(invoice) == 1 and invoice[0]["location"]["path"] == str(models)
            assert "Invoice {" in result["text"]
    finally:
        close(client, uri)
    result = await er_model(client, {"uri": project.as_uri()})
    assert "Invoice" not in {e["name"] for e in result["model"]["entities"]}


async def test_a_file_never_saved_is_read_from_the_editor(client: LanguageClient, tmp_path: Path):
    uri = open_text(client, tmp_path / "draft.py", DRAFT)
    try:
        result = await er_model(client, {"uri": uri})
    finally:
        close(client, uri)
    assert [e["name"] for e in result["model"]["entities"]] == ["Receipt"]
    assert result["warnings"] == []


async def test_warnings_carry_their_location(client: LanguageClient):
    result = await er_model(client, {"uri": (ER / "broken").as_uri(), "format": "dbml"})
    assert result["warnings"] == [
        {**w.to_dict(), "uri": Path(w.location.path).as_uri()} for w in extract([ER / "broken"]).warnings
    ]
    assert any(w["code"] == "parse-error" for w in result["warnings"])


@pytest.mark.parametrize(
    "arguments,message",
    [
        ([{"format": "png"}], "format must be one of"),
        ([{"dialect": "oracle", "format": "ddl"}], "dialect must be one of"),
        ([{"uri": "untitled:Untitled-1"}], "uri must be a file: URI"),
        ([{"uri": 42}], "uri must be a string, not 42"),
        ([{"suggest": "yes"}], "suggest must be true or false"),
        ([{"uri": (ER / "nowhere").as_uri()}], "no such file or folder"),
        (["file:///x"], "expects one optional argument"),
        ([{"fromText": "untitled:needs"}], "fromText must be a file: URI"),
        ([{"fromText": (ER / "nowhere.txt").as_uri()}], "fromText: cannot read"),
    ],
)
async def test_bad_arguments_are_error_responses(client: LanguageClient, arguments: list, message: str):
    with pytest.raises(Exception, match=message):
        await er_model(client, *arguments)
    assert "model" in await stats(client)  # still serving


def no_dot_config() -> ClientServerConfig:
    """The server with a PATH on which Graphviz cannot be found."""
    config = server_config(TINY)
    # The server is started by the absolute path of this Python, so it needs nothing from PATH.
    config.server_env = {**(config.server_env or os.environ), "PATH": str(Path(__file__).parent)}
    return config


@pytest_lsp.fixture(config=no_dot_config(), scope="module")
async def no_dot(lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    await start(lsp_client, "vscode")
    yield
    await lsp_client.shutdown_session()


async def test_svg_without_graphviz_is_a_clear_error(no_dot: LanguageClient):
    with pytest.raises(Exception, match="Graphviz's `dot` was not found"):
        await er_model(no_dot, {"uri": MODERN.as_uri(), "format": "svg"})
    result = await er_model(no_dot, {"uri": MODERN.as_uri()})
    assert result["text"].startswith("erDiagram")


async def test_suggestions_come_beside_the_model_with_progress(client: LanguageClient, tmp_path: Path):
    models = tmp_path / "models.py"
    models.write_text(SHOP, encoding="utf-8")
    result = await er_model(client, {"uri": tmp_path.as_uri(), "suggest": True, "format": "dbml"})
    expected = extract([tmp_path])
    assert result["model"] == expected.to_dict()  # the facts as extracted, nothing mixed in
    found = suggest(expected)
    assert result["text"] == render(expected, "dbml", suggestions=found)
    (suggestion,) = result["suggestions"]
    assert suggestion == {**found[0].to_dict(), "uri": models.as_uri()}
    assert suggestion["kind"] == "foreign-key" and suggestion["location"]["line"] == 16
    reports = [r for values in client.progress_reports.values() for r in values]
    assert any(isinstance(r, types.WorkDoneProgressBegin) and r.title == "Ubiq: ER model" for r in reports)
    assert any(
        isinstance(r, types.WorkDoneProgressEnd) and "1 suggestions" in (r.message or "") for r in reports
    )
    plain = await er_model(client, {"uri": tmp_path.as_uri()})
    assert "suggestions" not in plain


async def code_actions(client: LanguageClient, uri: str, line: int) -> list[dict[str, Any]]:
    point = {"line": line, "character": 4}
    return await send_raw(
        client,
        types.TEXT_DOCUMENT_CODE_ACTION,
        {
            "textDocument": {"uri": uri},
            "range": {"start": point, "end": point},
            "context": {"diagnostics": []},
        },
    )


def applied(text: str, edits: list[dict[str, Any]]) -> str:
    """What the editor makes of the edits (positions before any edit; ASCII lines here)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: dict[str, int]) -> int:
        return starts[position["line"]] + position["character"]

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


async def test_a_code_action_declares_a_suggested_foreign_key(client: LanguageClient, tmp_path: Path):
    models = tmp_path / "models.py"
    models.write_text(SHOP, encoding="utf-8")
    uri = open_text(client, models, SHOP)
    try:
        line = SHOP.splitlines().index("class Order(Base):") + 3
        assert not [a for a in await code_actions(client, uri, line) if "ForeignKey" in a["title"]]
        await er_model(client, {"uri": tmp_path.as_uri(), "suggest": True})
        actions = [a for a in await code_actions(client, uri, line) if "ForeignKey" in a["title"]]
        assert [a["title"] for a in actions] == ['Ubiq: Declare customer_id as ForeignKey("customers.id")']
        assert not [a for a in await code_actions(client, uri, 8) if "ForeignKey" in a["title"]]  # Customer
        (change,) = actions[0]["edit"]["documentChanges"]
        assert change["textDocument"] == {"uri": uri, "version": 1}
        text = applied(SHOP, change["edits"])
        assert 'customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False)' in text
        assert text.startswith("from sqlalchemy import Column, Integer, String, ForeignKey\n")
        model = extract_sources([Source(str(models), text)])
        assert [(r.from_entity, r.to_entity, r.declared) for r in model.relationships] == [
            ("Customer", "Order", True)
        ]
        assert suggest(model) == []
    finally:
        close(client, uri)
