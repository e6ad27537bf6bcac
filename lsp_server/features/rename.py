"""`ubiq.rename`: a Python rename of a symbol across the project (jedi finds every reference),
applied as one WorkspaceEdit the user can undo — what the glossary's "Rename to …" runs."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import attrs
import jedi
from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from lsp_server.context.positions import offset_at
from lsp_server.errors import InputError
from lsp_server.features.arguments import options
from lsp_server.features.documents import encoding_of
from lsp_server.features.edits import file_edit
from lsp_server.files import read_text
from lsp_server.server import UbiqServer

log = logging.getLogger(__name__)
RENAME = "ubiq.rename"


@attrs.define
class RenameArgs:
    """`{uri, line, character, newName}`: every field is needed, since a rename has no default."""

    uri: str
    line: int
    character: int
    new_name: str


def _text_of(ls: UbiqServer, path: Path) -> str:
    document = ls.workspace.text_documents.get(from_fs_path(str(path)))
    return document.source if document is not None else read_text(path)


def rename_edit(ls: UbiqServer, uri: str, position: types.Position, new_name: str) -> types.WorkspaceEdit:
    """Raises InputError when there is nothing to rename there or jedi refuses."""
    document = ls.workspace.text_documents.get(uri)
    if document is None:
        raise InputError(f"not an open document: {uri}")
    if not new_name.isidentifier():
        raise InputError(f"{new_name!r} is not a Python identifier")
    text, encoding = document.source, encoding_of(ls)
    offset = offset_at(text, position.line, position.character, encoding=encoding)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    project = jedi.Project(str(ls.project_root)) if ls.project_root else None
    script = jedi.Script(code=text, path=to_fs_path(uri), project=project)
    try:
        refactoring = script.rename(position.line + 1, column, new_name=new_name)
    except jedi.RefactoringError as exc:
        raise InputError(f"cannot rename here: {exc}") from None
    changes: list[Any] = []
    for path, changed in refactoring.get_changed_files().items():
        changes += file_edit(Path(path), _text_of(ls, Path(path)), changed.get_new_code(), encoding)
    return types.WorkspaceEdit(document_changes=changes)


def register(server: UbiqServer) -> None:
    @server.command(RENAME)
    async def rename(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        given = options(RENAME, args, RenameArgs)
        position = types.Position(line=given.line, character=given.character)
        try:
            edit = await asyncio.to_thread(rename_edit, ls, given.uri, position, given.new_name)
        except InputError as exc:
            ls.warn(f"Ubiq: {exc.message}")
            return {"error": exc.message}
        files = len(edit.document_changes or [])
        applied = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"Ubiq: rename to {given.new_name}")
        )
        return {"applied": applied.applied, "files": files}
