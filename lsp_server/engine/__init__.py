"""The model: one backend interface, and the function that builds the configured backend."""

from __future__ import annotations

from collections.abc import Callable

from lsp_server.config import Settings
from lsp_server.engine.backend import Backend


def load_backend(settings: Settings, progress: Callable[[int], None] | None = None) -> Backend:
    """Resolve, verify and load the model the settings name (blocking: seconds, not minutes);
    for `model.backend = "remote"`, connect to the server and find out what it offers."""
    if settings.model.backend == "remote":
        from lsp_server.engine.remote import RemoteBackend

        return RemoteBackend(settings.model)
    from lsp_server.engine.local import LocalBackend
    from lsp_server.engine.resolve import resolve_model

    return LocalBackend(resolve_model(settings.model.path, progress), settings.model)
