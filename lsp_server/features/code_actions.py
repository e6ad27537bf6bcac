"""textDocument/codeAction: glossary fixes (rename to the ubiquitous name, add a term) first, then
"Generate tests" for the function or class at the cursor, or for the module."""

from __future__ import annotations

from lsprotocol import types

from lsp_server.features import er_model, glossary
from lsp_server.features.documents import is_python
from lsp_server.server import UbiqServer
from lsp_server.testgen.targets import find_targets

GENERATE_TESTS = "ubiq.generateTests"


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
    def code_action(ls: UbiqServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        syntax = ls.syntax.get(uri)
        if not is_python(uri) or syntax is None:
            return []
        line = params.range.start.line + 1
        actions = []
        for target in find_targets(syntax, include_private=True):
            if target.start_line <= line <= target.end_line and target.kind != "method":
                actions.append(_action(f"Generate tests for {target.name}", uri, target.name))
        for target in find_targets(syntax, include_private=True):
            if target.kind == "method" and target.start_line <= line <= target.end_line:
                actions.append(_action(f"Generate tests for {target.name}", uri, target.name))
        actions.append(_action("Generate tests for this module", uri, None))
        return glossary.code_actions(ls, params) + er_model.code_actions(ls, params) + actions


def _action(title: str, uri: str, name: str | None) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.Source,
        command=types.Command(title=title, command=GENERATE_TESTS, arguments=[uri, name]),
    )
