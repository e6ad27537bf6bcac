"""The model thread's lifecycle: unloading stops a long running job instead of waiting for it
(plumbing: the job stands in for a prompt evaluation that checks its token between batches)."""

from __future__ import annotations

import threading

import pytest

from lsp_server.engine.backend import CancelToken
from lsp_server.engine.worker import ModelWorker
from lsp_server.errors import Cancelled, ModelError


def test_close_stops_the_running_job_and_fails_the_queued_ones():
    worker = ModelWorker()
    started = threading.Event()

    def long_job(cancel: CancelToken, queued_at: float) -> str:
        started.set()
        while True:  # a job that would run for minutes, checking its token as the engine does
            cancel.check()
            threading.Event().wait(0.01)

    running = worker.submit(long_job)
    queued = worker.submit(lambda cancel, queued_at: "never")
    assert started.wait(timeout=60)
    worker.close()  # returns once the running job has seen its token
    with pytest.raises(Cancelled):
        running.result(timeout=0)
    with pytest.raises(ModelError):
        queued.result(timeout=0)
    with pytest.raises(ModelError):
        worker.submit(lambda cancel, queued_at: "after close")
