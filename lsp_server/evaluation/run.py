"""One evaluation from start to report: pick the tasks, run each model, write the report.

Shared by `ubiq eval` and the editor command, which differ only in how they show progress.
A cancel or Ctrl-C stops between tasks and still writes what was measured, marked partial.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from lsp_server.config import Settings
from lsp_server.engine.backend import CancelToken
from lsp_server.errors import InputError, UbiqError
from lsp_server.evaluation import reference, report
from lsp_server.evaluation.measure import ModelRun, run_model
from lsp_server.evaluation.tasks import Task, sample

log = logging.getLogger(__name__)
HUMANEVAL = "humaneval"
OnProgress = Callable[[str, float], None]  # (message, fraction done 0..1)


def default_out(root: Path) -> Path:
    return root / ".ubiq" / "eval" / datetime.now().strftime("%Y%m%d-%H%M%S")


def choose_tasks(source: str | Path, count: int, seed: int, kinds: tuple[str, ...]):  # noqa: ANN201
    """(tasks, HumanEval problems by id or None) for a repository path or the reference set."""
    if str(source) == HUMANEVAL:
        return reference.tasks(count, seed)
    root = Path(source)
    if not root.is_dir():
        raise InputError(f"{root} is not a folder", f"give a repository folder or {HUMANEVAL!r}")
    tasks = sample(root, count, seed, kinds)
    if not tasks:
        raise InputError(
            f"no Python function bodies to sample in {root}",
            "point ubiq eval at a repository with Python code "
            "(ignored, vendored and test-data files are skipped)",
        )
    return tasks, None


def evaluate(
    source: str | Path,
    specs: list[str],
    settings: Settings,
    out: Path,
    count: int = 30,
    seed: int = 1,
    kinds: tuple[str, ...] = ("line", "block"),
    time_budget_s: float | None = None,
    on_progress: OnProgress | None = None,
    cancel: CancelToken | None = None,
) -> tuple[dict, dict[str, Path]]:
    """Run every model on the same tasks; return the report and the files written."""
    progress = on_progress or (lambda message, fraction: None)
    tasks, problems = choose_tasks(source, count, seed, kinds)
    runs: list[ModelRun] = []
    interrupted = False  # by a cancel or Ctrl-C: later models are not run
    total = len(tasks) * len(specs)
    for index, spec in enumerate(specs):
        deadline = time.monotonic() + time_budget_s if time_budget_s else None

        def step(message: str, done: int, index: int = index) -> None:
            progress(message, (index * len(tasks) + done) / max(total, 1))

        try:
            run = run_model(spec, tasks, settings, problems, deadline, step, cancel)
        except UbiqError as exc:  # one model that will not load must not lose the others' numbers
            log.warning("evaluating %s failed: %s", spec, exc)
            run = ModelRun(spec, error=str(exc))
        runs.append(run)
        if run.stopped in ("cancel", "interrupt"):
            interrupted = True
            break
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    data = report.build(runs, _used(tasks, runs), str(source), seed, created, interrupted)
    return data, report.write(data, out)


def _used(tasks: list[Task], runs: list[ModelRun]) -> list[Task]:
    """The tasks some model got to (all of them, unless a budget or a cancel cut the run short)."""
    reached = max((len(r.rows) for r in runs), default=0)
    return tasks[: max(reached, 0)] if reached < len(tasks) else tasks
