"""Run one model over the tasks through the editor's own completion pipeline, and time it.

Not a side path: each task goes through `CompletionService` (prompt layout, KV-cache reuse,
post-processing, the syntax judge) exactly as a keystroke in the editor does. A short typing
replay over the first few line tasks adds what the editor feels while typing: tokens evaluated
per request (a count that does not wobble on a noisy machine) and latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsp_server.completion.service import CompletionInput, CompletionService
from lsp_server.completion.stats import percentiles
from lsp_server.config import Settings
from lsp_server.context.syntax import SyntaxTree
from lsp_server.engine import load_backend
from lsp_server.engine.backend import Backend, CancelToken
from lsp_server.errors import Cancelled
from lsp_server.evaluation import metrics, reference
from lsp_server.evaluation.tasks import Task
from lsp_server.evaluation.uncertainty import wilson

log = logging.getLogger(__name__)
REPLAY_TASKS = 3  # line tasks re-typed character by character for the typing replay
OnProgress = Callable[[str, int], None]  # (message, tasks done so far)


@dataclass
class ModelRun:
    """One model's results over the tasks, a row per task; a run that failed or was stopped still
    reports what it got."""

    spec: str  # as the user named it: a path, a pack, or "remote"
    name: str = ""
    backend: str = ""
    load_s: float = 0.0
    peak_rss_mb: float | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    replay: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    stopped: str = ""  # why it ended early: "budget" | "cancel" | "interrupt" (Ctrl-C)

    def summary(self) -> dict[str, Any]:
        rows = self.rows
        n = len(rows)

        def share(key: str, subset: list[dict] | None = None) -> float | None:
            subset = rows if subset is None else subset
            return sum(bool(r[key]) for r in subset) / len(subset) if subset else None

        def mean(key: str) -> float | None:
            return sum(r[key] for r in rows) / n if n else None

        prompt = sum(r["evaluated_tokens"] for r in rows), sum(r["prompt_ms"] for r in rows)
        generated = sum(r["generated_tokens"] for r in rows), sum(r["generation_ms"] for r in rows)
        with_tests = [r for r in rows if r.get("passed") is not None]
        latency = percentiles([r["latency_ms"] for r in rows])
        return {
            "tasks": n,
            "exact": share("exact"),
            "similarity": mean("similarity"),
            "first_line_exact": share("first_line_exact"),
            "first_line_similarity": mean("first_line_similarity"),
            "parses": share("parses"),
            "pass_at_1": share("passed", with_tests) if with_tests else None,
            "shown": share("shown"),
            "latency_ms": latency,
            "prompt_tokens_per_s": prompt[0] / (prompt[1] / 1000) if prompt[1] else None,
            "generation_tokens_per_s": generated[0] / (generated[1] / 1000) if generated[1] else None,
            "replay": self.replay,
            "load_s": round(self.load_s, 2),
            "peak_rss_mb": self.peak_rss_mb,
            # 95 % Wilson intervals of the rates: a few tasks say little, and the report shows how little
            "intervals": {
                key: list(wilson(sum(bool(r[column]) for r in subset), len(subset)))
                for key, column, subset in (
                    ("exact", "exact", rows),
                    ("first_line_exact", "first_line_exact", rows),
                    ("parses", "parses", rows),
                    ("pass_at_1", "passed", with_tests),
                )
                if subset
            },
        }

    def outcomes(self, metric: str) -> dict[str, float]:
        """Per task id, 1.0 where the task met `metric` (a summary rate's key), else 0.0."""
        column = "passed" if metric == "pass_at_1" else metric
        return {r["task"]: float(bool(r[column])) for r in self.rows if r.get(column) is not None}


def _reset_peak_memory() -> None:
    # Linux: writing 5 resets VmHWM, the peak resident size, so each model gets its own peak.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_memory_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except (ImportError, OSError):
        return None


def settings_for(spec: str, base: Settings) -> Settings:
    """The configured settings with the model swapped: "remote" keeps the configured remote
    backend; anything else is a GGUF path or pack name for the in-process engine."""
    import copy

    settings = copy.deepcopy(base)
    if spec != "remote":
        settings.model.backend, settings.model.path = "local", spec
    elif settings.model.backend != "remote":
        from lsp_server.errors import ConfigError

        raise ConfigError("--model remote needs model.backend = 'remote' and model.url", "set UBIQ_URL")
    # The editor's budget is a typing-time choice; measuring a model wants its whole answer.
    settings.completion.time_budget_ms = max(settings.completion.time_budget_ms, 120_000)
    return settings


def run_model(
    spec: str,
    tasks: list[Task],
    base: Settings,
    problems: dict[str, dict] | None = None,
    deadline: float | None = None,
    on_progress: OnProgress | None = None,
    cancel: CancelToken | None = None,
) -> ModelRun:
    """Load the model, complete every task (until the deadline or a cancel), replay typing."""
    run = ModelRun(spec)
    settings = settings_for(spec, base)
    progress = on_progress or (lambda message, done: None)
    _reset_peak_memory()
    started = time.monotonic()
    progress(f"loading {spec}", 0)
    backend = load_backend(settings)
    run.load_s = time.monotonic() - started
    interrupts = _InterruptAnywhere()
    try:
        info = backend.info()
        run.name, run.backend = info.name, info.backend
        try:
            for done, task in enumerate(tasks):
                if cancel and cancel.cancelled:
                    run.stopped = "cancel"
                elif deadline and time.monotonic() > deadline:
                    run.stopped = "budget"
                if run.stopped:
                    break
                progress(f"{run.name}: {task.id}", done)
                run.rows.append(_complete_task(backend, task, settings, problems))
            if not run.stopped:
                progress(f"{run.name}: typing replay", len(tasks))
                run.replay = _typing_replay(backend, tasks, settings)
        except KeyboardInterrupt:
            run.stopped = "interrupt"  # keep what was measured; the caller writes the report
        finally:
            if info.backend == "local":
                run.peak_rss_mb = _peak_memory_mb()
    finally:
        interrupts.restore()
        backend.close()
    return run


class _InterruptAnywhere:
    """Ctrl-C raises KeyboardInterrupt wherever the main thread is. Each task runs in its own
    `asyncio.run`, whose default SIGINT handling only cancels the running task: a Ctrl-C landing
    just as a task ends was lost, and the evaluation went on to the end (seen once in CI). With a
    handler of our own in place, asyncio leaves SIGINT alone."""

    def __init__(self) -> None:
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._raise)

    @staticmethod
    def _raise(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    def restore(self) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _complete_task(backend: Backend, task: Task, settings: Settings, problems: dict | None) -> dict:
    service = CompletionService(settings.completion)  # fresh: no typed-ahead or cache help between tasks
    doc = CompletionInput(
        key=task.id, text=task.text, offset=task.offset, path=task.path, syntax=SyntaxTree(task.text)
    )
    started = time.perf_counter()
    try:
        answer = asyncio.run(service.complete(backend, doc))
        fill, stats = answer.text, answer.stats
    except Cancelled:
        fill, stats = "", None
    latency = (time.perf_counter() - started) * 1000
    restored = task.restore(fill)
    row: dict[str, Any] = {
        "task": task.id,
        "kind": task.kind,
        "truth": task.truth,
        "fill": fill,
        "shown": bool(fill.strip()),
        **metrics.score(fill, task.truth, restored),
        "latency_ms": latency,
        "evaluated_tokens": stats.evaluated_tokens if stats else 0,
        "generated_tokens": stats.generated_tokens if stats else 0,
        "prompt_ms": stats.prompt_ms if stats else 0.0,
        "generation_ms": stats.generation_ms if stats else 0.0,
    }
    if problems and task.id in problems:
        row["passed"] = reference.passes(restored, problems[task.id])
    return row


def _typing_replay(backend: Backend, tasks: list[Task], settings: Settings) -> dict[str, Any]:
    """Type the first few masked lines character by character into one service (as an editor
    session does: typed-ahead, cache and KV reuse all apply) and count what each keystroke cost."""
    service = CompletionService(settings.completion)
    latencies: list[float] = []
    evaluated: list[float] = []
    for task in [t for t in tasks if t.kind == "line"][:REPLAY_TASKS]:
        line = task.truth.split("\n", 1)[0]
        for typed in range(len(line) + 1):
            text = task.restore(line[:typed])
            doc = CompletionInput(
                key=task.id, text=text, offset=task.offset + typed, path=task.path, syntax=SyntaxTree(text)
            )
            started = time.perf_counter()
            try:
                answer = asyncio.run(service.complete(backend, doc))
            except Cancelled:
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            evaluated.append(answer.stats.evaluated_tokens if answer.stats else 0)
    return {
        "requests": len(latencies),
        "model_calls": service.stats.model_calls,
        "latency_ms": percentiles(latencies),
        "evaluated_tokens": percentiles(evaluated),
    }
