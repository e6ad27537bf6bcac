"""Work-done progress for long jobs (model loading, test generation): begin/report/end from any
thread, and the editor's Cancel button wired to the job's cancel token."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types

from lsp_server.engine.backend import CancelToken

if TYPE_CHECKING:
    from lsp_server.server import UbiqServer

log = logging.getLogger(__name__)


class JobProgress:
    def __init__(self, ls: UbiqServer, title: str, cancellable: bool = True) -> None:
        self.ls, self.title, self.cancellable = ls, title, cancellable
        self.token: str | None = None
        self.cancel = CancelToken()

    async def begin(self, message: str = "") -> JobProgress:
        window = self.ls.client_capabilities.window
        if window is None or not window.work_done_progress:
            return self
        token = f"ubiq-{uuid.uuid4()}"
        try:
            await self.ls.work_done_progress.create_async(token)
        except Exception as exc:  # the client refused: run without progress
            log.info("no work-done progress: %s", exc)
            return self
        self.token = token
        self.ls.work_done_progress.tokens[token].add_done_callback(
            lambda future: self.cancel.cancel() if future.cancelled() else None
        )
        self.ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=self.title,
                message=message,
                cancellable=self.cancellable,
                percentage=0 if self.cancellable else None,
            ),
        )
        return self

    @property
    def active(self) -> bool:
        return self.token is not None

    def report(self, message: str, fraction: float | None = None) -> None:
        """Safe from any thread."""
        token = self.token
        if token is None:
            return
        percentage = None if fraction is None else max(0, min(100, int(fraction * 100)))
        value = types.WorkDoneProgressReport(message=message, percentage=percentage)
        self.ls.in_loop(lambda: self.ls.work_done_progress.report(token, value))

    def end(self, message: str) -> None:
        token, self.token = self.token, None
        if token is not None:
            self.ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
