"""workspace/executeCommand `ubiq.erModel`: the ER model of a file or folder (default: the workspace),
read with the editor's unsaved text, returned as data and as rendered text."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.uris import from_fs_path, to_fs_path

from lsp_server.datamodel import FORMATS, ERWarning, extract, render
from lsp_server.datamodel.render.ddl import DIALECTS
from lsp_server.errors import UbiqError
from lsp_server.server import UbiqServer

log = logging.getLogger(__name__)
ER_MODEL = "ubiq.erModel"


def _invalid(message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message=f"{ER_MODEL}: {message}")


def _options(args: tuple[Any, ...]) -> dict[str, Any]:
    """The one optional argument: `{"uri"?, "format"?, "dialect"?}`."""
    if not args or args[0] is None:
        return {}
    if len(args) > 1 or not isinstance(args[0], dict):
        raise _invalid('expects one optional argument, {"uri": …, "format": …}')
    return args[0]


def _choice(options: dict[str, Any], key: str, default: str, allowed: tuple[str, ...]) -> str:
    value = options.get(key, default)
    if value not in allowed:
        raise _invalid(f"{key} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _target(ls: UbiqServer, uri: Any) -> Path:
    if uri is None:
        if ls.project_root is None:
            raise _invalid("no workspace folder is open; pass the uri of a file or folder")
        return ls.project_root
    path = to_fs_path(uri) if isinstance(uri, str) else None
    if path is None:
        raise _invalid(f"uri must be a file: URI of a file or folder, not {uri!r}")
    return Path(path)


def _open_texts(ls: UbiqServer) -> dict[str, str]:
    """The editor's text of every open file, saved or not (taken on the event loop, so that the
    extraction thread reads one consistent snapshot)."""
    texts = {}
    for document in list(ls.workspace.text_documents.values()):
        path = to_fs_path(document.uri)
        if path is not None:
            texts[str(Path(path))] = document.source
    return texts


def _warning(warning: ERWarning) -> dict[str, Any]:
    data = warning.to_dict()
    data["uri"] = from_fs_path(warning.location.path) if warning.location else None
    return data


def register(server: UbiqServer) -> None:
    @server.command(ER_MODEL)
    async def er_model(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        options = _options(args)
        target = _target(ls, options.get("uri"))
        fmt = _choice(options, "format", "mermaid", FORMATS)
        dialect = _choice(options, "dialect", "postgres", DIALECTS)
        overrides = _open_texts(ls)
        if not target.exists() and str(target) not in overrides:
            raise _invalid(f"no such file or folder: {target}")
        try:
            model = await asyncio.to_thread(extract, [target], overrides=overrides)
            text = await asyncio.to_thread(render, model, fmt, dialect=dialect)
        except UbiqError as exc:  # e.g. Graphviz missing for svg: the client shows the message
            log.warning("%s: %s", ER_MODEL, exc)
            raise JsonRpcException(message=str(exc), code=types.LSPErrorCodes.RequestFailed) from exc
        return {
            "model": model.to_dict(),
            "text": text,
            "format": fmt,
            "warnings": [_warning(w) for w in model.warnings],
        }
