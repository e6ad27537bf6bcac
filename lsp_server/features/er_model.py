"""workspace/executeCommand `ubiq.erModel`: the ER model of a file or folder (default: the workspace),
read with the editor's unsaved text, returned as data and as rendered text; with suggestions
(`"suggest": true`) or read from requirement text by the model (`"fromText": uri`), with progress.
The suggestions last returned are offered as code actions on the model classes they are about."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from lsp_server.context.positions import width
from lsp_server.datamodel import FORMATS, Declaration, ERModel, ERWarning, Suggestion, declare_foreign_key
from lsp_server.datamodel.build import ERRequest, ERResult, Requirements, build
from lsp_server.datamodel.render.ddl import DIALECTS
from lsp_server.engine.backend import Backend
from lsp_server.errors import Cancelled, UbiqError
from lsp_server.features.arguments import options
from lsp_server.features.documents import encoding_of
from lsp_server.files import UnreadableFile
from lsp_server.files import read_text as read_file_text
from lsp_server.glossary.index import TermIndex
from lsp_server.glossary.store import Glossary, glossary_path
from lsp_server.progress import JobProgress
from lsp_server.server import UbiqServer

log = logging.getLogger(__name__)
ER_MODEL = "ubiq.erModel"


@attrs.define
class ERModelArgs:
    """The one optional argument: which file or folder (default: the workspace), how to render it,
    whether to suggest, and a requirement text to read instead of code."""

    uri: str | None = None
    format: str = "mermaid"
    dialect: str = "postgres"
    suggest: bool = False
    from_text: str | None = None


@dataclass
class _Offered:
    """The last suggestions returned to the client, and the model they were made for."""

    model: ERModel
    suggestions: list[Suggestion]


_offered: weakref.WeakKeyDictionary[UbiqServer, _Offered] = weakref.WeakKeyDictionary()


def _invalid(message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message=f"{ER_MODEL}: {message}")


def _choice(key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _invalid(f"{key} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _path(uri: str, key: str) -> Path:
    path = to_fs_path(uri)
    if path is None:
        raise _invalid(f"{key} must be a file: URI of a file or folder, not {uri!r}")
    return Path(path)


def _target(ls: UbiqServer, uri: str | None) -> Path:
    if uri is None:
        if ls.project_root is None:
            raise _invalid("no workspace folder is open; pass the uri of a file or folder")
        return ls.project_root
    return _path(uri, "uri")


def _open_texts(ls: UbiqServer) -> dict[str, str]:
    """The editor's text of every open file, saved or not (taken on the event loop, so that the
    extraction thread reads one consistent snapshot)."""
    texts = {}
    for document in list(ls.workspace.text_documents.values()):
        path = to_fs_path(document.uri)
        if path is not None:
            texts[str(Path(path))] = document.source
    return texts


def _with_uri(data: dict[str, Any], location: Any) -> dict[str, Any]:
    data["uri"] = from_fs_path(location.path) if location else None
    return data


def _warning(warning: ERWarning) -> dict[str, Any]:
    return _with_uri(warning.to_dict(), warning.location)


def _glossary(ls: UbiqServer) -> TermIndex | None:
    """The workspace glossary for renames; a broken glossary file costs the renames, not the model."""
    if ls.project_root is None:
        return None
    try:
        return Glossary.load(glossary_path(ls.project_root, ls.settings.glossary.path)).index
    except UbiqError as exc:
        log.warning("%s: glossary not used: %s", ER_MODEL, exc)
        return None


def _requirements(path: Path, overrides: dict[str, str]) -> str:
    """The editor's copy of the requirement text, else the file read as `ubiq er --from-text` reads
    it (`files.read_text`: UTF-8, or GB18030, since Chinese documents are often GBK)."""
    text = overrides.get(str(path))
    if text is None:
        try:
            text = read_file_text(path)
        except UnreadableFile as exc:
            raise _invalid(f"fromText: {exc}") from None
    if not text.strip():
        raise _invalid(f"fromText: {path} is empty")
    return text


def _request(ls: UbiqServer, given: ERModelArgs) -> ERRequest:
    overrides = _open_texts(ls)
    from_text = given.from_text
    target = _target(ls, given.uri) if from_text is None or given.uri is not None else None
    if target is not None and not target.exists() and str(target) not in overrides:
        raise _invalid(f"no such file or folder: {target}")
    text_path = _path(from_text, "fromText") if from_text is not None else None
    return ERRequest(
        paths=[target] if target is not None else [],
        fmt=_choice("format", given.format, FORMATS),
        dialect=_choice("dialect", given.dialect, DIALECTS),
        requirements=None
        if text_path is None
        else Requirements(_requirements(text_path, overrides), text_path),
        suggest=given.suggest,
        overrides=overrides,
    )


def _build(
    ls: UbiqServer, request: ERRequest, backend: Backend | None, progress: JobProgress | None
) -> ERResult:
    """Everything off the event loop: the glossary, then the use case."""
    if request.suggest or request.requirements is not None:
        request = dataclasses.replace(request, glossary=_glossary(ls))
    return build(
        request,
        backend,
        prompts_dir=ls.settings.prompts_dir,
        project_root=ls.project_root,
        cancel=progress.cancel if progress else None,
        on_progress=progress.report if progress else None,
    )


def register(server: UbiqServer) -> None:
    @server.command(ER_MODEL)
    async def er_model(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        request = _request(ls, options(ER_MODEL, args, ERModelArgs))
        backend = ls.model.backend() if request.requirements is not None else None
        if request.requirements is not None and backend is None:
            raise JsonRpcException(
                message=f"{ER_MODEL}: the model is not loaded yet", code=types.LSPErrorCodes.RequestFailed
            )
        progress = None
        if request.suggest or backend is not None:
            progress = await JobProgress(ls, "Ubiq: ER model").begin("reading the model")
        try:
            built = await asyncio.to_thread(_build, ls, request, backend, progress)
        except Cancelled:
            if progress is not None:
                progress.end("cancelled")
            return {"cancelled": True}
        except UbiqError as exc:  # e.g. Graphviz missing for svg: the client shows the message
            if progress is not None:
                progress.end("failed")
            log.warning("%s: %s", ER_MODEL, exc)
            raise JsonRpcException(message=str(exc), code=types.LSPErrorCodes.RequestFailed) from exc
        model, suggestions = built.model, built.suggestions
        result = {
            "model": model.to_dict(),
            "text": built.text,
            "format": request.fmt,
            "warnings": [_warning(w) for w in model.warnings],
        }
        if suggestions is not None:
            _offered[ls] = _Offered(model, suggestions)
            result["suggestions"] = [_with_uri(s.to_dict(), s.location) for s in suggestions]
        if progress is not None:
            found = f", {len(suggestions)} suggestions" if suggestions is not None else ""
            progress.end(f"{len(model.entities)} entities{found}")
        return result


def code_actions(ls: UbiqServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """Offer "Declare … as ForeignKey(…)" in a model class that a foreign key suggestion (of the last
    ones `ubiq.erModel` returned) is about, as a WorkspaceEdit on the document's current text."""
    offered = _offered.get(ls)
    document = ls.workspace.text_documents.get(params.text_document.uri)
    path = to_fs_path(params.text_document.uri)
    if offered is None or document is None or path is None:
        return []
    here = str(Path(path))
    actions = []
    for suggestion in offered.suggestions:
        if suggestion.location is None or str(Path(suggestion.location.path)) != here:
            continue
        try:
            declaration = declare_foreign_key(document.source, suggestion, offered.model)
        except Exception:  # one failing suggestion never breaks the request
            log.exception("declaring %s failed", suggestion.message)
            continue
        if declaration is None:
            continue
        first, last = declaration.scope
        if params.range.end.line < first or params.range.start.line > last:
            continue
        actions.append(
            types.CodeAction(
                title=f"Ubiq: {declaration.title}",
                kind=types.CodeActionKind.RefactorRewrite,
                edit=_workspace_edit(document, declaration, encoding_of(ls)),
            )
        )
    return actions


def _workspace_edit(document: TextDocument, declaration: Declaration, encoding: str) -> types.WorkspaceEdit:
    lines = document.lines

    def position(line: int, column: int) -> types.Position:
        text = lines[line] if line < len(lines) else ""
        return types.Position(line=line, character=width(text[:column], encoding))

    edits = [
        types.TextEdit(range=types.Range(start=position(*e.start), end=position(*e.end)), new_text=e.text)
        for e in declaration.edits
    ]
    identifier = types.OptionalVersionedTextDocumentIdentifier(uri=document.uri, version=document.version)
    return types.WorkspaceEdit(
        document_changes=[types.TextDocumentEdit(text_document=identifier, edits=edits)]
    )
