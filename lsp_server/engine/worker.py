"""The single thread that owns the model: a priority queue of jobs, each with a cancel token.

llama.cpp contexts are not thread-safe, and one CPU model can only do one thing at a time anyway;
so every model call becomes a job here. Interactive jobs jump the queue; a job cancelled while
waiting never runs; a running job sees its token through `CancelToken.check()`.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from lsp_server.engine.backend import CancelToken, Priority
from lsp_server.errors import Cancelled, ModelError

log = logging.getLogger(__name__)
T = TypeVar("T")

_STOP = object()


class ModelWorker:
    """The thread every model call runs on, one job at a time, interactive jobs first."""

    def __init__(self, name: str = "ubiq-model") -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._counter = itertools.count()
        self._closed = False
        self._running: CancelToken | None = None  # the job on the thread now, stopped by close()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(
        self,
        fn: Callable[[CancelToken, float], T],
        priority: Priority = Priority.INTERACTIVE,
        cancel: CancelToken | None = None,
    ) -> Future[T]:
        """Queue `fn(cancel, queued_at)`; its result (or exception) lands in the returned future."""
        if self._closed:
            raise ModelError("the model has been unloaded")
        future: Future[T] = Future()
        job = (fn, cancel or CancelToken(), time.monotonic(), future)
        self._queue.put((int(priority), next(self._counter), job))
        return future

    def run(
        self,
        fn: Callable[[CancelToken, float], T],
        priority: Priority = Priority.INTERACTIVE,
        cancel: CancelToken | None = None,
    ) -> T:
        return self.submit(fn, priority, cancel).result()

    def interactive_waiting(self) -> bool:
        """Whether an interactive job is queued: background work checks this to step aside."""
        with self._queue.mutex:
            return any(item[0] <= Priority.INTERACTIVE for item in self._queue.queue)

    def _loop(self) -> None:
        while True:
            _, _, job = self._queue.get()
            if job is _STOP:
                return
            fn, cancel, queued_at, future = job
            if not future.set_running_or_notify_cancel():
                continue
            if cancel.cancelled:
                future.set_exception(Cancelled())
                continue
            self._running = cancel
            try:
                future.set_result(fn(cancel, queued_at))
            except BaseException as exc:  # the caller decides; the worker must survive
                if not isinstance(exc, (Cancelled, ModelError)):
                    log.exception("model job failed")
                future.set_exception(exc)
            finally:
                self._running = None

    def close(self) -> None:
        """Stop the running job at its next check, fail the queued ones, and stop the thread.
        Unloading must not wait for a long job: with one thread, evaluating a long prompt takes
        minutes, and an editor's `shutdown` gives up long before (eglot timed out after 120 s)."""
        if self._closed:
            return
        self._closed = True
        running = self._running
        if running is not None:
            running.cancel()
        pending = []
        while True:
            try:
                pending.append(self._queue.get_nowait())
            except queue.Empty:
                break
        for _, _, job in pending:
            if job is not _STOP:
                job[3].set_exception(ModelError("the model was unloaded before this request ran"))
        self._queue.put((-1, -1, _STOP))
        if threading.current_thread() is not self._thread:
            self._thread.join()
