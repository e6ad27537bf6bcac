"""Work-done progress for long jobs (model loading, test generation): begin/report/end from any
thread, and the editor's Cancel button wired to the job's cancel token."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from lsp_server.engine.backend import CancelToken
from lsp_server.errors import Cancelled, UbiqError

if TYPE_CHECKING:
    from lsp_server.server import UbiqServer

log = logging.getLogger(__name__)


class JobProgress:
    """Work-done progress for one job; it is a `jobs.Handle`, so the protocol-free use cases
    (`testgen.generate`, `glossary.add`) report through it without knowing about LSP."""

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


Job = Callable[[JobProgress], Awaitable[tuple[dict[str, Any], str]]]


async def run_job(ls: UbiqServer, title: str, message: str, failure: str, job: Job) -> dict[str, Any]:
    """Run an editor command's long job with progress: its summary is shown when it succeeds, a
    cancel ends it quietly, a UbiqError is shown as `failure: why`; the result goes back as data."""
    progress = await JobProgress(ls, title).begin(message)
    try:
        result, summary = await job(progress)
    except Cancelled:
        progress.end("cancelled")
        return {"cancelled": True}
    except UbiqError as exc:
        progress.end("failed")
        ls.warn(f"{failure}: {exc}", types.MessageType.Error)
        return {"error": str(exc)}
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=summary))
    progress.end(summary)
    return result
