"""Keeps the configured model loaded for a long-running process (the language server).

Loading takes seconds, so it happens on a background thread; callers ask `backend()` and get
None until the model is ready — an editor request before then is answered empty at once.
A settings change that affects the model loads the new one and then releases the old.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict

from lsp_server.config import Settings
from lsp_server.engine import load_backend
from lsp_server.engine.backend import Backend, ModelInfo
from lsp_server.errors import UbiqError

log = logging.getLogger(__name__)
RETRY_REMOTE_S = 5.0

OnEvent = Callable[[str, str], None]  # (state, message): "loading" | "ready" | "error"


class ModelHost:
    """The server's one model: loaded in the background, replaced when the settings change."""

    def __init__(self, on_event: OnEvent | None = None) -> None:
        self.on_event = on_event or (lambda state, message: None)
        self.state = "idle"
        self.message = ""
        self._backend: Backend | None = None
        self._key: dict | None = None
        self._lock = threading.Lock()
        self._generation = 0
        self._settings: Settings | None = None
        self._failed_at = 0.0
        self._retrying = False  # a repeated failure of a retry is logged, not shown again
        self._thread: threading.Thread | None = None

    def backend(self) -> Backend | None:
        """The loaded backend, or None. A remote server that could not be reached is tried again
        by a later request (at most every RETRY_REMOTE_S): the team server may just be restarting."""
        settings = self._settings
        remote = settings is not None and settings.model.backend == "remote"
        if remote and self.state == "error" and time.monotonic() - self._failed_at >= RETRY_REMOTE_S:
            self._key, self._retrying = None, True  # the same settings again, without a new message
            self.ensure(settings)
        return self._backend if self.state == "ready" else None

    def info(self) -> ModelInfo | None:
        backend = self.backend()
        return backend.info() if backend else None

    def ensure(self, settings: Settings) -> threading.Thread | None:
        """Start loading the model the settings name, unless it is already loaded or loading."""
        key = asdict(settings.model)
        self._settings = settings
        with self._lock:
            if key == self._key and self.state in ("loading", "ready"):
                return None
            self._key = key
            self._generation += 1
            generation = self._generation
            self.state = "loading"
        self.on_event("loading", "loading the model")
        thread = threading.Thread(
            target=self._load, args=(settings, generation), name="ubiq-load", daemon=True
        )
        with self._lock:
            self._thread = thread
        thread.start()
        return thread

    def ready(self, settings: Settings) -> Backend | None:
        """The model the settings name, loading it first if need be (blocks: call off the event
        loop); None when it failed to load, with the reason in `message`."""
        self.ensure(settings)
        while True:
            with self._lock:
                thread = self._thread
            if thread is None or not thread.is_alive():
                break
            thread.join()
        return self.backend()

    def _load(self, settings: Settings, generation: int) -> None:
        def progress(n: int) -> None:
            self.on_event("loading", "assembling and verifying the model pack")

        try:
            backend = load_backend(settings, progress)
        except UbiqError as exc:
            self._finish(generation, None, "error", str(exc))
            return
        except Exception as exc:  # a bug must not kill the server: report it
            log.exception("loading the model failed")
            self._finish(generation, None, "error", f"loading the model failed: {exc!r}")
            return
        info = backend.info()
        where = f"{info.threads} threads" if info.backend == "local" else info.path
        message = f"{info.name}: {'FIM' if info.fim else 'prefix-only'}, {where}"
        self._finish(generation, backend, "ready", message)

    def _finish(self, generation: int, backend: Backend | None, state: str, message: str) -> None:
        quiet = self._retrying and state == "error"
        self._retrying = False
        if state == "error":
            self._failed_at = time.monotonic()
        with self._lock:
            if generation != self._generation:  # superseded by a newer load
                if backend:
                    backend.close()
                return
            old, self._backend = self._backend, backend
            self.state, self.message = state, message
        if old is not None and old is not backend:
            old.close()
        if quiet:
            log.info("the remote server is still unreachable: %s", message)
            return
        self.on_event(state, message)

    def close(self) -> None:
        with self._lock:
            self._generation += 1
            backend, self._backend = self._backend, None
            self.state = "idle"
        if backend:
            backend.close()
