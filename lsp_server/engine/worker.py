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
from concurrent.futures import CancelledError, Future
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
        self._count_lock = threading.Lock()
        self._queued: dict[str, int] = {}  # live queued jobs by owner
        self._peak = 0
        self._dropped = 0
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(
        self,
        fn: Callable[[CancelToken, float], T],
        priority: Priority = Priority.INTERACTIVE,
        cancel: CancelToken | None = None,
        owner: str = "",
    ) -> Future[T]:
        """Queue `fn(cancel, queued_at)`; its result (or exception) lands in the returned future.
        A job cancelled while queued leaves the queue at once (its future is cancelled), so
        cancelled requests hold neither a place nor a waiting thread. `owner` (a document) is
        counted: how many live jobs one owner has queued at most is reported by `load`."""
        if self._closed:
            raise ModelError("the model has been unloaded")
        future: Future[T] = Future()
        cancel = cancel or CancelToken()
        job = (fn, cancel, time.monotonic(), future, owner)
        with self._count_lock:
            self._queued[owner] = self._queued.get(owner, 0) + 1
            if owner:
                self._peak = max(self._peak, self._queued[owner])
        self._queue.put((int(priority), next(self._counter), job))
        cancel.when_cancelled(lambda: self._drop(future, owner))
        return future

    def run(
        self,
        fn: Callable[[CancelToken, float], T],
        priority: Priority = Priority.INTERACTIVE,
        cancel: CancelToken | None = None,
        owner: str = "",
    ) -> T:
        try:
            return self.submit(fn, priority, cancel, owner).result()
        except CancelledError:  # dropped from the queue by its token
            raise Cancelled() from None

    def _drop(self, future: Future, owner: str) -> None:
        if future.cancel():  # still queued (a running or finished job cannot be)
            self._left_queue(owner)
            with self._count_lock:
                self._dropped += 1

    def _left_queue(self, owner: str) -> None:
        with self._count_lock:
            left = self._queued.get(owner, 1) - 1
            if left:
                self._queued[owner] = left
            else:
                self._queued.pop(owner, None)

    def load(self) -> dict[str, Any]:
        """What `ubiq.stats` shows of the queue: live jobs queued now, the most one owner (document)
        had queued at once, jobs dropped while queued, and whether one is running."""
        with self._count_lock:
            return {
                "queued": sum(self._queued.values()),
                "queued_peak_per_document": self._peak,
                "dropped_while_queued": self._dropped,
                "running": self._running is not None,
            }

    def interactive_waiting(self) -> bool:
        """Whether an interactive job is queued: background work checks this to step aside."""
        with self._queue.mutex:
            return any(item[0] <= Priority.INTERACTIVE for item in self._queue.queue)

    def _loop(self) -> None:
        while True:
            _, _, job = self._queue.get()
            if job is _STOP:
                return
            fn, cancel, queued_at, future, owner = job
            if not future.set_running_or_notify_cancel():
                continue  # dropped while queued (counted then)
            self._left_queue(owner)
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
            if job is not _STOP and job[3].set_running_or_notify_cancel():
                job[3].set_exception(ModelError("the model was unloaded before this request ran"))
        self._queue.put((-1, -1, _STOP))
        if threading.current_thread() is not self._thread:
            self._thread.join()
