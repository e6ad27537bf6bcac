"""Text changes as LSP edits: the smallest line-level edits turning one text into another, so an
editor applies (and undoes) only what changed, and the user's cursor and folds elsewhere stay."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from lsp_server.context.positions import width
from lsp_server.errors import UbiqError
from lsp_server.server import UbiqServer


def _position(lines: list[str], line: int, encoding: str) -> types.Position:
    if line >= len(lines):  # past the last line: the end of the text
        return types.Position(line=len(lines) - 1, character=width(lines[-1], encoding))
    return types.Position(line=line, character=0)


def edits_between(old: str, new: str, encoding: str) -> list[types.TextEdit]:
    old_lines = old.split("\n")
    new_lines = new.split("\n")
    # Compare lines with their newlines so that an edit of the last line is exact.
    a = [line + "\n" for line in old_lines[:-1]] + [old_lines[-1]]
    b = [line + "\n" for line in new_lines[:-1]] + [new_lines[-1]]
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        start = _position(old_lines, i1, encoding)
        end = _position(old_lines, i2, encoding)
        edits.append(types.TextEdit(range=types.Range(start=start, end=end), new_text="".join(b[j1:j2])))
    return edits


def file_edit(path: Path, old: str | None, new: str, encoding: str) -> list[Any]:
    """Document changes turning `old` (None: the file does not exist yet) into `new`."""
    uri = from_fs_path(str(path))
    changes: list[Any] = []
    if old is None:
        changes.append(types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True)))
        old = ""
    changes.append(
        types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
            edits=edits_between(old, new, encoding),
        )
    )
    return changes


async def apply(ls: UbiqServer, edit: types.WorkspaceEdit, label: str) -> None:
    """Ask the editor to apply `edit` (so the user can undo it); UbiqError if it refuses."""
    applied = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=label))
    if not applied.applied:
        raise UbiqError(f"the editor did not apply the edit ({label}): {applied.failure_reason or 'refused'}")


def quick_fix(
    title: str, diagnostic: types.Diagnostic, uri: str, edits: list[types.TextEdit]
) -> types.CodeAction:
    """The preferred quick fix for `diagnostic`: `edits` of the document, for the editor to apply and undo."""
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=types.WorkspaceEdit(changes={uri: edits}),
        is_preferred=True,
    )
