"""SQL in the editor: diagnostics in `.sql` files and in the SQL strings of Python files, checked
against the project's schema, and quick fixes for names that have a close match in it."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from lsp_server.context.positions import width
from lsp_server.context.treesitter import Lines
from lsp_server.features.diagnostics import show
from lsp_server.features.documents import encoding_of, usable
from lsp_server.features.edits import quick_fix
from lsp_server.server import UbiqServer
from lsp_server.sql.check import Finding, check_text
from lsp_server.sql.dialects import dialect_of
from lsp_server.sql.live import SCHEMA_MARKERS, LiveSchema
from lsp_server.sql.loader_fix import edits as loader_edits
from lsp_server.sql.loader_fix import verify as verify_loader
from lsp_server.sql.locate import python_file
from lsp_server.sql.nplus1 import find as find_n_plus_one
from lsp_server.sql.parameterize import parameterize
from lsp_server.sql.schema import SqlSchema

log = logging.getLogger(__name__)
SOURCE = "ubiq sql"
# What a Python file that runs SQL (or loops over ORM queries) says somewhere; a cheap test before
# the parse, since diagnostics are recomputed on every keystroke.
RUNS_SQL = re.compile(
    r"\.(execute\w*|exec_driver_sql|raw|read_sql\w*|query)\(|\btext\(|\.objects\b|\bselect\("
)
SUFFIXES = (".sql", ".py")


def has_sql(uri: str) -> bool:
    return uri.lower().endswith(SUFFIXES)


def schema_holder(ls: UbiqServer) -> LiveSchema | None:
    """The live schema for the `sql.schema` setting (the project root when empty)."""
    if ls.project_root is None:
        return None
    paths = [ls.project_root / p for p in ls.settings.sql.schema] or [ls.project_root]
    holder = ls.sql_schema
    if holder is None or holder.paths != paths:
        holder = ls.sql_schema = LiveSchema(
            paths, lambda: _open_texts(ls), lambda: ls.in_loop(lambda: publish_all(ls))
        )
    return holder


def _open_texts(ls: UbiqServer) -> dict[str, str]:
    return {
        to_fs_path(uri): document.source
        for uri, document in list(ls.workspace.text_documents.items())
        if has_sql(uri) and usable(document.source)
    }


def diagnostics_for(ls: UbiqServer, uri: str) -> list[types.Diagnostic] | None:
    """None while the schema is being read."""
    document = ls.workspace.text_documents.get(uri)
    if document is None or not ls.settings.sql.diagnostics or not usable(document.source):
        return []
    if document.path.endswith(".py") and not RUNS_SQL.search(document.source):
        return []  # most Python files run no SQL: no parse on their keystrokes
    holder = schema_holder(ls)
    schema = holder.get() if holder is not None else None
    if schema is None:
        return None
    dialect = None if ls.settings.sql.dialect == "auto" else ls.settings.sql.dialect
    findings = check_text(document.path, document.source, schema, dialect)
    lines = document.source.split("\n")
    return [_diagnostic(f, lines, encoding_of(ls)) for f in findings]


def _diagnostic(finding: Finding, lines: list[str], encoding: str) -> types.Diagnostic:
    def position(line: int, column: int) -> types.Position:
        text = lines[line] if line < len(lines) else ""
        return types.Position(line=line, character=width(text[:column], encoding))

    severity = (
        types.DiagnosticSeverity.Error if finding.severity == "error" else types.DiagnosticSeverity.Warning
    )
    return types.Diagnostic(
        range=types.Range(
            start=position(finding.line, finding.column), end=position(finding.end_line, finding.end_column)
        ),
        message=finding.message,
        severity=severity,
        source=SOURCE,
        code=finding.code,
        data={"replacement": finding.replacement} if finding.replacement else None,
    )


def publish(ls: UbiqServer, uri: str) -> None:
    """On every change: re-check the document; a changed model or DDL file re-reads the schema."""
    if not has_sql(uri):
        return
    document = ls.workspace.text_documents.get(uri)
    if document is None or not usable(document.source):
        return
    holder = schema_holder(ls)
    if holder is not None and SCHEMA_MARKERS.search(document.source):
        holder.stale()
    diagnostics = diagnostics_for(ls, uri)
    if diagnostics is not None:
        show(ls, uri, SOURCE, diagnostics)


def publish_all(ls: UbiqServer) -> None:
    for uri in list(ls.workspace.text_documents):
        if has_sql(uri):
            diagnostics = diagnostics_for(ls, uri)
            if diagnostics is not None:
                show(ls, uri, SOURCE, diagnostics)


def _text_edits(text: str, edits: list[tuple[int, int, str]], encoding: str) -> list[types.TextEdit]:
    """Byte-range edits of `text` as LSP edits in the client's position encoding."""
    lines, source_lines = Lines(text.encode("utf-8")), text.split("\n")

    def position(byte: int) -> types.Position:
        line, column = lines.position(byte)
        return types.Position(line=line, character=width(source_lines[line][:column], encoding))

    return [
        types.TextEdit(range=types.Range(start=position(a), end=position(b)), new_text=new)
        for a, b, new in edits
    ]


def _python_with_schema(ls: UbiqServer, uri: str) -> tuple[Any, SqlSchema] | None:
    """The open Python document and the schema read so far, which both Python quick fixes need."""
    document = ls.workspace.text_documents.get(uri)
    holder = schema_holder(ls)
    schema = holder.get() if holder is not None else None
    if document is None or schema is None or not document.path.endswith(".py"):
        return None
    return document, schema


def _bound_parameters(ls: UbiqServer, uri: str, diagnostic: types.Diagnostic) -> types.CodeAction | None:
    """The checked rewrite of formatted SQL to bound parameters, for the snippet the diagnostic is on."""
    found = _python_with_schema(ls, uri)
    if found is None:
        return None
    document, schema = found
    text = document.source
    for snippet in python_file(text):
        if not snippet.built or snippet.position(0)[0] != diagnostic.range.start.line:
            continue
        dialect = (
            ls.settings.sql.dialect if ls.settings.sql.dialect != "auto" else dialect_of(document.path, text)
        )
        fix = parameterize(text, snippet, schema, dialect)
        if fix is None:
            return None
        edits = _text_edits(text, fix.edits, encoding_of(ls))
        return quick_fix(f"Pass the values as bound parameters ({fix.checked})", diagnostic, uri, edits)
    return None


async def _add_loader(ls: UbiqServer, uri: str, diagnostic: types.Diagnostic) -> types.CodeAction | None:
    """Add the loader the N+1 diagnostic names, once a generated test on a scratch database showed
    fewer queries and equal rows; otherwise the action is shown disabled, with the reason."""
    found = _python_with_schema(ls, uri)
    if found is None:
        return None
    document, schema = found
    text = document.source
    encoding, source_lines = encoding_of(ls), text.split("\n")
    line = diagnostic.range.start.line
    for finding in find_n_plus_one(text, schema.relations):
        if (
            finding.line != line
            or width(source_lines[line][: finding.column], encoding) != diagnostic.range.start.character
        ):
            continue
        fix = finding.fix
        if fix is None:
            return None
        verdict = await asyncio.to_thread(verify_loader, Path(document.path), text, fix, schema)
        title = f"Load {fix.relation} with the query"
        if not verdict.offered:
            log.info("N+1 fix not offered at %s:%d: %s", document.path, line + 1, verdict.reason)
            return types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                disabled=types.CodeActionDisabledType(reason=verdict.reason),
            )
        return quick_fix(
            f"{title} ({verdict.reason})",
            diagnostic,
            uri,
            _text_edits(text, loader_edits(text, fix), encoding),
        )
    return None


async def code_actions(ls: UbiqServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """Quick fixes: "Replace with `name`" for a misspelt table, column or keyword, bound parameters
    for formatted SQL, the loader for an N+1 loop; each an undoable edit, each checked first."""
    actions = []
    for diagnostic in params.context.diagnostics:
        if diagnostic.source == SOURCE and diagnostic.code == "string-built-sql":
            action = _bound_parameters(ls, params.text_document.uri, diagnostic)
            if action is not None:
                actions.append(action)
            continue
        if diagnostic.source == SOURCE and diagnostic.code == "n-plus-one":
            action = await _add_loader(ls, params.text_document.uri, diagnostic)
            if action is not None:
                actions.append(action)
            continue
        if diagnostic.source != SOURCE or not isinstance(diagnostic.data, dict):
            continue
        replacement = diagnostic.data.get("replacement")
        if not replacement:
            continue
        edit = types.TextEdit(range=diagnostic.range, new_text=replacement)
        actions.append(
            quick_fix(f"Replace with `{replacement}`", diagnostic, params.text_document.uri, [edit])
        )
    return actions


def register(server: UbiqServer) -> None:
    server.document_listeners.append(publish)
