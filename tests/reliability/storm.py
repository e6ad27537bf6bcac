"""A storm of completion requests (issue 19, part 4): N requests in T seconds over five documents
being typed in, a share of them cancelled with `$/cancelRequest`, against a real `ubiq serve`.

What it measures, from outside and from `ubiq.stats`:
- every request answered (a result, or the RequestCancelled error);
- the time from a `$/cancelRequest` to the answer of the request it cancels (p50, p95);
- the most live model jobs one document had queued at once (`kv_cache.queue`) — one running job
  in all, since one thread owns the model;
- RSS, threads and asyncio tasks after the storm against the same after a warm-up burst;
- the server's CPU share once it reports nothing running, queued or being prepared.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.reliability.wire import WireServer, message

SOURCE = (Path(__file__).resolve().parents[2] / "examples" / "pricing.py").read_text(encoding="utf-8")
TYPED = "total = round(price * quantity * (1 - rate), 2)\n        "
CANCELLED = -32800


@dataclass
class Report:
    requests: int = 0
    answered: int = 0
    cancelled_answers: int = 0  # answered with RequestCancelled
    errors: list[str] = field(default_factory=list)  # answers with any other error
    unanswered: int = 0
    cancel_ms: list[float] = field(default_factory=list)
    seconds_to_send: float = 0.0
    seconds_to_answer_all: float = 0.0
    queue_peak_per_document: int = 0
    dropped_while_queued: int = 0
    model_calls: int = 0
    before: dict[str, int] = field(default_factory=dict)  # process report after the warm-up
    after: dict[str, int] = field(default_factory=dict)  # ... after the storm, once idle
    saved_states_mb: tuple[float, float] = (0.0, 0.0)  # KV states kept for documents, before and after
    idle_cpu_percent: float = 0.0

    @property
    def growth_mb(self) -> float:
        """RSS growth over the storm, less the change in saved KV states: those are a cache with a
        bound of its own (`kv_cache.memory_bound_mb`), filled and emptied as documents take turns."""
        grown = (self.after["rss_bytes"] - self.before["rss_bytes"]) / (1 << 20)
        return grown - (self.saved_states_mb[1] - self.saved_states_mb[0])

    def percentile(self, share: float) -> float:
        ordered = sorted(self.cancel_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Collector:
    """Reads everything the server sends on a thread of its own: answers by id with their arrival
    time; the server's own requests get the server's `reply_to` answer."""

    def __init__(self, server: WireServer) -> None:
        self.server = server
        self.arrived: dict[Any, tuple[float, dict[str, Any]]] = {}
        self.lock = threading.Condition()
        self.closed = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            received = self.server.received.get()
            if received is None:
                with self.lock:
                    self.closed = True
                    self.lock.notify_all()
                return
            if "method" in received:
                if "id" in received:
                    result = self.server.reply_to(received)
                    self.server.send(message({"jsonrpc": "2.0", "id": received["id"], "result": result}))
                continue
            with self.lock:
                self.arrived[received.get("id")] = (time.monotonic(), received)
                self.lock.notify_all()

    def wait(self, ids: set[Any], timeout: float) -> bool:
        """Whether every answer in `ids` came within `timeout` seconds (woken by each arrival)."""
        with self.lock:
            return self.lock.wait_for(lambda: self.closed or ids <= self.arrived.keys(), timeout) and (
                ids <= self.arrived.keys()
            )

    def request(self, method: str, params: Any, request_id: Any, timeout: float = 120) -> dict[str, Any]:
        self.server.send(message({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}))
        if not self.wait({request_id}, timeout):
            raise AssertionError(f"no answer to {method} within {timeout} s")
        with self.lock:
            return self.arrived.pop(request_id)[1]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Storm:
    """Five documents open in `server`, each typed in at its own place."""

    def __init__(self, server: WireServer, documents: int = 5, seed: int = 0) -> None:
        self.server = server
        self.collector = Collector(server)
        self.rng = random.Random(seed)
        self.docs: list[dict[str, Any]] = []
        self._ids = 0
        lines = SOURCE.split("\n")
        bodies = [n for n, line in enumerate(lines) if line.startswith("    ") and line.strip()]
        for n in range(documents):
            uri = (server.root / f"storm_{n}.py").as_uri()
            line = self.rng.choice(bodies)
            text = "\n".join([*lines[: line + 1], "    ", *lines[line + 1 :]])
            item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
            server.send(
                message(
                    {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}}
                )
            )
            self.docs.append({"uri": uri, "line": line + 1, "column": 4, "version": 1, "typed": 0})

    def _next_id(self) -> str:
        self._ids += 1
        return f"storm-{self._ids}"

    def command(self, name: str, arguments: list[Any] | None = None) -> dict[str, Any]:
        params = {"command": name, "arguments": arguments or []}
        return self.collector.request("workspace/executeCommand", params, self._next_id())["result"]

    def stats(self) -> dict[str, Any]:
        return self.command("ubiq.stats")

    def _type(self, doc: dict[str, Any]) -> None:
        """One keystroke at the document's cursor (a new line starts a new statement there)."""
        char = TYPED[doc["typed"] % len(TYPED)]
        doc["typed"] += 1
        doc["version"] += 1
        at = {"line": doc["line"], "character": doc["column"]}
        change = {"range": {"start": at, "end": at}, "text": char}
        params = {"textDocument": {"uri": doc["uri"], "version": doc["version"]}, "contentChanges": [change]}
        self.server.send(message({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params}))
        if char == "\n":
            doc["line"] += 1
            doc["column"] = 0
        else:
            doc["column"] += 1

    def _ask(self, doc: dict[str, Any], request_id: str) -> None:
        at = {
            "textDocument": {"uri": doc["uri"]},
            "position": {"line": doc["line"], "character": doc["column"]},
        }
        if self.rng.random() < 0.2:
            method, params = "textDocument/completion", at
        else:
            method, params = "textDocument/inlineCompletion", {**at, "context": {"triggerKind": 2}}
        self.server.send(message({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}))

    def burst(
        self, count: int, seconds: float, cancel_share: float, report: Report | None = None
    ) -> set[str]:
        """`count` requests spread over `seconds`, a keystroke before most; `cancel_share` of them
        cancelled a moment later. Returns the ids sent."""
        sent: set[str] = set()
        to_cancel: list[tuple[float, str]] = []
        cancelled_at: dict[str, float] = {}
        started = time.monotonic()
        for i in range(count):
            doc = self.docs[i % len(self.docs)]
            if self.rng.random() < 0.8:
                self._type(doc)
            request_id = self._next_id()
            self._ask(doc, request_id)
            sent.add(request_id)
            if self.rng.random() < cancel_share:
                to_cancel.append((time.monotonic() + self.rng.uniform(0.0, 0.05), request_id))
            now = time.monotonic()
            for due, cancel_id in [c for c in to_cancel if c[0] <= now]:
                to_cancel.remove((due, cancel_id))
                with self.collector.lock:
                    answered = cancel_id in self.collector.arrived
                if not answered:
                    cancelled_at[cancel_id] = time.monotonic()
                    params = {"id": cancel_id}
                    self.server.send(
                        message({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": params})
                    )
            pause = started + seconds * (i + 1) / count - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # pacing the sender, not waiting for the server
        if report is not None:
            report.seconds_to_send = time.monotonic() - started
            report.requests = count
            all_in = self.collector.wait(sent, 300)
            report.seconds_to_answer_all = time.monotonic() - started
            with self.collector.lock:
                arrived = dict(self.collector.arrived)
            report.unanswered = 0 if all_in else len(sent - arrived.keys())
            for request_id in sent & arrived.keys():
                when, answer = arrived[request_id]
                report.answered += 1
                error = answer.get("error")
                if error is not None and error.get("code") == CANCELLED:
                    report.cancelled_answers += 1
                elif error is not None:
                    report.errors.append(json.dumps(error)[:300])
                if request_id in cancelled_at:
                    report.cancel_ms.append(1000 * (when - cancelled_at[request_id]))
        else:
            self.collector.wait(sent, 300)
        return sent

    def settle(self, timeout: float = 300) -> dict[str, Any]:
        """ubiq.stats once nothing runs, waits, is being prepared or is being read ahead (the
        documents are read once the requests pause: work that ends, not a loop spinning)."""
        end = time.monotonic() + timeout
        while True:
            stats = self.stats()
            load = stats.get("kv_cache", {}).get("queue", {})
            busy = stats["preparing"] or stats.get("reading")
            if not busy and not load.get("queued") and not load.get("running"):
                return stats
            if time.monotonic() > end:
                raise AssertionError(f"the server did not settle: {load}, preparing {stats['preparing']}")
            time.sleep(0.05)  # polling for the event: idle

    def idle_cpu(self, window: float = 2.0) -> float:
        """The server's CPU share over `window` seconds (a measurement, once it has settled)."""
        pid = self.server.process.pid
        first, started = _cpu_seconds(pid), time.monotonic()
        time.sleep(window)
        return 100 * (_cpu_seconds(pid) - first) / (time.monotonic() - started)


def storm(server: WireServer, requests: int = 1000, seconds: float = 10.0, seed: int = 0) -> Report:
    """The whole measurement on a server whose model is loaded (see the module docstring)."""
    report = Report()
    run = Storm(server, seed=seed)
    # The warm-up is a storm of its own: the first one allocates what every later one reuses
    # (thread pools, the quick prompt's slot, llama.cpp's buffers for each batch size); measured,
    # RSS rose ~90 MB in a first storm and stayed within the saved states' swings over three more.
    run.burst(requests, seconds, 0.3)
    warm = run.settle()
    report.before = warm["process"]
    base_calls = warm["model_calls"]
    run.burst(requests, seconds, 0.3, report)
    settled = run.settle()
    report.after = settled["process"]
    report.saved_states_mb = (warm["kv_cache"].get("memory_used_mb", 0.0),
                              settled["kv_cache"].get("memory_used_mb", 0.0))  # fmt: skip
    report.model_calls = settled["model_calls"] - base_calls
    load = settled["kv_cache"].get("queue", {})
    report.queue_peak_per_document = load.get("queued_peak_per_document", 0)
    report.dropped_while_queued = load.get("dropped_while_queued", 0)
    report.idle_cpu_percent = run.idle_cpu()
    return report


def close(server: WireServer) -> int:
    """Shut the server down once a collector reads what it sends (`WireServer.close` would wait for
    an answer the collector takes); its exit code."""
    server.send(message({"jsonrpc": "2.0", "id": "storm-shutdown", "method": "shutdown"}))
    server.send(message({"jsonrpc": "2.0", "method": "exit"}))
    return server.process.wait(timeout=120)
