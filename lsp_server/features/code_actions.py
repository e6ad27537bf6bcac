"""textDocument/codeAction: glossary fixes (rename to the ubiquitous name, add a term) and SQL
name fixes first, then "Generate tests" for the function or class at the cursor, or for the module."""

from __future__ import annotations

from lsprotocol import types

from lsp_server.context.syntax import SyntaxTree
from lsp_server.features import ddd, er_model, glossary, sql
from lsp_server.features.commands import GENERATE_TESTS
from lsp_server.features.documents import is_python
from lsp_server.server import UbiqServer
from lsp_server.testgen.targets import find_targets


def register(server: UbiqServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[
                types.CodeActionKind.QuickFix,
                types.CodeActionKind.Source,
                types.CodeActionKind.Refactor,
            ]
        ),
    )
    async def code_action(ls: UbiqServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        fixes = await sql.code_actions(ls, params)
        syntax = ls.syntax.get(uri)
        if not is_python(uri) or syntax is None:
            return fixes
        line = params.range.start.line + 1
        tests = generate_tests_actions(syntax, uri, line)
        domain = ddd.code_actions(ls, params) + ddd.suggest_actions(ls, params)
        return glossary.code_actions(ls, params) + fixes + domain + er_model.code_actions(ls, params) + tests


def generate_tests_actions(syntax: SyntaxTree, uri: str, line: int) -> list[types.CodeAction]:
    """The test-generation actions: for what encloses the 1-based `line`, then for the module.
    The file's targets are read once per request, as this runs on every cursor move."""
    here = [t for t in find_targets(syntax, include_private=True) if t.start_line <= line <= t.end_line]
    # The function or class first, then the method inside it: the outer one is the usual ask.
    here.sort(key=lambda target: target.kind == "method")
    actions = [_action(f"Generate tests for {t.name}", uri, t.name) for t in here]
    return [*actions, _action("Generate tests for this module", uri, None)]


def _action(title: str, uri: str, name: str | None) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.Source,
        command=types.Command(title=title, command=GENERATE_TESTS, arguments=[uri, name]),
    )
