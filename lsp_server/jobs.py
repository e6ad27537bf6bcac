"""The handle a long use case (test generation, drafting a glossary entry) reports through.

Use cases stay free of rich and of the protocol: the CLI passes a progress bar, the server passes
its work-done progress (`progress.JobProgress` has this shape), tests pass `Quiet`. Cancelling is
the same token for all: the editor's Cancel button, or nobody.
"""

from __future__ import annotations

from typing import Protocol

from lsp_server.engine.backend import CancelToken


class Handle(Protocol):
    """Where a job says how far it is, and how it learns it should stop."""

    cancel: CancelToken

    def report(self, message: str, fraction: float | None = None) -> None:
        """Called from any thread; `fraction` is 0..1, None when unknown."""


class Quiet:
    """A handle that shows nothing and is never cancelled unless asked: scripts and tests."""

    def __init__(self) -> None:
        self.cancel = CancelToken()
        self.messages: list[tuple[str, float | None]] = []

    def report(self, message: str, fraction: float | None = None) -> None:
        self.messages.append((message, fraction))
