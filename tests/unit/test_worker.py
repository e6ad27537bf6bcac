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


def test_a_job_cancelled_while_queued_leaves_the_queue_at_once():
    """A storm of superseded requests must not pile up behind a long job: each one's caller hears
    Cancelled when its token is cancelled, not when the model thread would have reached it."""
    worker = ModelWorker()
    started, release = threading.Event(), threading.Event()

    def long_job(cancel: CancelToken, queued_at: float) -> str:
        started.set()
        release.wait(60)
        return "done"

    running = worker.submit(long_job, owner="a.py")
    assert started.wait(timeout=60)
    tokens = [CancelToken() for _ in range(3)]
    waiting = [worker.submit(lambda c, q: "ran", cancel=t, owner="b.py") for t in tokens]
    assert worker.load()["queued"] == 3 and worker.load()["queued_peak_per_document"] == 3
    for token in tokens[:2]:
        token.cancel()
    assert all(future.cancelled() for future in waiting[:2])  # at once: the long job still runs
    assert worker.load()["queued"] == 1 and worker.load()["dropped_while_queued"] == 2
    with pytest.raises(Cancelled):
        worker.run(lambda c, q: "never", cancel=tokens[0])  # a token cancelled before submitting
    release.set()
    assert running.result(timeout=60) == "done" and waiting[2].result(timeout=60) == "ran"
    assert worker.load()["queued"] == 0
    worker.close()
