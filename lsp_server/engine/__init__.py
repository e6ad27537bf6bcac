"""The model: one backend interface, and the function that builds the configured backend."""

from __future__ import annotations

from collections.abc import Callable

from lsp_server.config import Settings
from lsp_server.engine.backend import Backend
from lsp_server.errors import ConfigError


def load_backend(settings: Settings, progress: Callable[[int], None] | None = None) -> Backend:
    """Resolve, verify and load the model the settings name (blocking: seconds, not minutes)."""
    if settings.model.backend != "local":
        raise ConfigError(
            f"model.backend {settings.model.backend!r} is not available in this version",
            "use model.backend = 'local'",
        )
    from lsp_server.engine.local import LocalBackend
    from lsp_server.engine.resolve import resolve_model

    return LocalBackend(resolve_model(settings.model.path, progress), settings.model)
