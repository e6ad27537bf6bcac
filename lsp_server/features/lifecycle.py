"""initialize / initialized / didChangeConfiguration / shutdown: settings in, model loaded with
work-done progress, model reloaded when its settings change."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from lsp_server.config import find_project_root, load_settings
from lsp_server.context.definitions import DefinitionFinder
from lsp_server.features import glossary
from lsp_server.progress import JobProgress
from lsp_server.server import UbiqServer

log = logging.getLogger(__name__)


def _section(options: Any) -> dict:
    """Editors send either the `ubiq` section itself or an object holding it."""
    if not isinstance(options, dict):
        return {}
    inner = options.get("ubiq")
    return inner if isinstance(inner, dict) else options


def _root(params: types.InitializeParams) -> Path | None:
    uri = params.workspace_folders[0].uri if params.workspace_folders else params.root_uri
    path = to_fs_path(uri) if uri else params.root_path
    return find_project_root(Path(path)) if path else None


async def _load_model(ls: UbiqServer) -> None:
    """(Re)load the model the settings name, with progress in the editor when it supports it."""
    if ls.model_progress is None:
        progress = await JobProgress(ls, "Ubiq", cancellable=False).begin("loading the model")
        ls.model_progress = progress if progress.active else None
    started = ls.model.ensure(ls.settings)
    if started is None and ls.model.state != "loading" and ls.model_progress is not None:
        # Nothing to load (already loaded with these settings): close the progress. A load still
        # under way with the same settings keeps its progress; it ends when the model is ready.
        progress, ls.model_progress = ls.model_progress, None
        progress.end(ls.model.message)


async def _watch_glossary(ls: UbiqServer) -> None:
    """Ask the editor to tell us when glossary files change on disk (e.g. `ubiq glossary add` in a
    terminal), so diagnostics follow; editors without dynamic registration get the change on the
    next edit instead (the glossary is re-read when its file changes)."""
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not watched or not watched.dynamic_registration:
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern="**/*.{yml,yaml}")]
    )
    try:
        await ls.client_register_capability_async(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id="ubiq-glossary-watch",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=options,
                    )
                ]
            )
        )
    except Exception as exc:  # the client refused: diagnostics follow on the next edit
        log.info("no file watching: %s", exc)


async def _pull_configuration(ls: UbiqServer) -> dict | None:
    workspace = ls.client_capabilities.workspace
    if workspace is None or not workspace.configuration:
        return None
    try:
        items = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="ubiq")])
        )
    except Exception as exc:
        log.info("workspace/configuration failed: %s", exc)
        return None
    return _section(items[0]) if items and isinstance(items[0], dict) else None


def _adopt(ls: UbiqServer, options: dict) -> None:
    loaded = load_settings(options, project_root=ls.project_root)
    ls.apply_settings(loaded.settings, loaded.errors)


def register(server: UbiqServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: UbiqServer, params: types.InitializeParams) -> None:
        ls.project_root = _root(params)
        ls.locale = params.locale
        _adopt(ls, _section(params.initialization_options))
        ls.definitions = DefinitionFinder(ls.project_root)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: UbiqServer, params: types.InitializedParams) -> None:
        ls.loop = asyncio.get_running_loop()
        await _watch_glossary(ls)
        await _load_model(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: UbiqServer, params: types.DidChangeConfigurationParams) -> None:
        options = _section(params.settings) if params.settings else None
        if not options:
            options = await _pull_configuration(ls)
        if options is None:
            return
        _adopt(ls, options)
        glossary.publish_all(ls)  # the glossary path or its diagnostics setting may have changed
        await _load_model(ls)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: UbiqServer, params: None) -> None:
        ls.model.close()
        ls.draft_model.close()
        if ls.definitions:
            ls.definitions.close()
