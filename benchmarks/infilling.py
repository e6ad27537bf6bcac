"""Single-line infilling: Ubiq's completion pipeline against raw FIM of the same model, same prompts.

Two baselines, measured in the same run on the same tasks, from the lines around the cursor that
fit the token budget Ubiq's own prompt has for the text before and after it:
- raw FIM, its whole output inserted as is (what a plugin without post-processing shows);
- raw FIM, the first line of its output only: the fair baseline, since any editor plugin can cut
  at the first newline for free.

Task sets (each task masks one line; the cursor sits after the line's indentation):
- `humaneval` — HumanEval (`pip install 'ubiq[bench]'`); `--line middle` masks the middle line of each
  canonical solution, `--line random` a seeded random one; `--split tune` takes the even-numbered
  problems, `--split held-out` the odd ones (tune on one, report on the other). Scored by running the
  problem's tests (pass@1) in the sandbox generated tests use.
- a repository folder — line tasks sampled as `ubiq eval` samples them; scored by first-line exact
  match and edit similarity.

Also: latency (end to end, per task) and tokens evaluated and generated per task, for each side.

    python benchmarks/infilling.py humaneval --split held-out --line middle --limit 40
    python benchmarks/infilling.py /path/to/repo --tasks 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path

from lsp_server.completion.service import CompletionInput, CompletionService
from lsp_server.config import CompletionSettings, Settings
from lsp_server.context.prompt import Budget
from lsp_server.context.syntax import SyntaxTree
from lsp_server.engine import load_backend
from lsp_server.engine.backend import Backend, CompletionRequest
from lsp_server.evaluation import metrics, reference
from lsp_server.evaluation.tasks import Task, sample
from lsp_server.evaluation.uncertainty import wilson

SIDES = ("raw", "raw_first_line", "ubiq")


def humaneval_tasks(split: str, line: str, seed: int, limit: int) -> tuple[list[Task], dict[str, dict]]:
    rng = random.Random(seed)
    problems = reference.problems()
    if split != "all":
        problems = problems[split == "held-out" :: 2]
    tasks, by_id = [], {}
    for problem in problems[: limit or None]:
        text, offset, truth = (
            reference.mask_middle(problem) if line == "middle" else reference.mask(problem, rng)
        )
        tasks.append(Task(problem["task_id"], "solution.py", "line", text, offset, truth.strip()))
        by_id[problem["task_id"]] = problem
    return tasks, by_id


def window(backend: Backend, task: Task, budget: Budget) -> tuple[str, str]:
    """The lines around the cursor within the token budget Ubiq's own prompt has for them (whole
    lines, as a plain FIM plugin cuts them): a real file does not fit the context whole."""
    before, after = task.text[: task.offset], task.text[task.offset :]
    head, _, cursor_line = before.rpartition("\n")
    lines = head.split("\n") if head else []
    start = len(lines)
    while start > 0 and backend.count_tokens("\n".join(lines[start - 1 :])) <= budget.prefix_tokens:
        start -= 1
    prefix = "".join(line + "\n" for line in lines[start:]) + cursor_line
    rest = after.split("\n")
    end = 1
    while end < len(rest) and backend.count_tokens("\n".join(rest[: end + 1])) <= budget.suffix_tokens:
        end += 1
    return prefix, "\n".join(rest[:end])


def raw_fim(backend: Backend, task: Task, max_tokens: int) -> tuple[str, dict]:
    """The model's FIM output as is. Its own KV-cache slot, so that neither side reuses the other's
    prompt; the time to its first newline is the first-line baseline's latency."""
    prefix, suffix = window(backend, task, Budget())
    started, first_line_at = time.perf_counter(), []
    generated = []

    def on_text(piece: str) -> None:
        generated.append(piece)
        if not first_line_at and "\n" in "".join(generated):
            first_line_at.append(time.perf_counter())

    result = backend.complete(
        CompletionRequest(
            prefix=prefix,
            suffix=suffix,
            max_tokens=max_tokens,
            cache_slot="quick",
        ),
        on_text=on_text,
    )
    ended = time.perf_counter()
    cost = {
        "latency_ms": (ended - started) * 1000,
        "first_line_ms": ((first_line_at or [ended])[0] - started) * 1000,
        "evaluated": result.stats.evaluated_tokens,
        "generated": result.stats.generated_tokens,
    }
    return result.text, cost


class FirstLineClock:
    """The backend, noting when the first line that says something has been generated: in the
    editor a block's first line is shown then, the rest follows (`completion.quickFirst`)."""

    def __init__(self, backend: Backend) -> None:
        self.backend, self.at = backend, None

    def __getattr__(self, name: str) -> object:
        return getattr(self.backend, name)

    def complete(self, request, cancel=None, on_text=None):  # noqa: ANN001, ANN201 - Backend.complete
        generated = []

        def watch(piece: str) -> bool | None:
            generated.append(piece)
            text = "".join(generated)
            if self.at is None and "\n" in text.lstrip():
                self.at = time.perf_counter()
            return on_text(piece) if on_text else None

        return self.backend.complete(request, cancel, watch)


def ubiq(backend: Backend, task: Task, settings: CompletionSettings) -> tuple[str, dict]:
    service = CompletionService(settings)  # fresh per task: no typed-ahead or LRU help
    doc = CompletionInput(
        key=task.id, text=task.text, offset=task.offset, path=task.path, syntax=SyntaxTree(task.text)
    )
    clock = FirstLineClock(backend)
    started = time.perf_counter()
    answer = asyncio.run(service.complete(clock, doc))
    ended = time.perf_counter()
    stats = service.stats
    cost = {
        "latency_ms": (ended - started) * 1000,
        "first_line_ms": ((clock.at or ended) - started) * 1000,
        "evaluated": sum(stats.evaluated_tokens) + stats.background_evaluated,
        "generated": sum(stats.generated_tokens),
    }
    return answer.text, cost


def score(task: Task, fill: str, problems: dict[str, dict] | None) -> dict:
    restored = task.restore(fill)
    row = {"fill": fill, **metrics.score(fill, task.truth, restored)}
    if problems is not None:
        row["passed"] = reference.passes(restored, problems[task.id])
    return row


def rate(rows: list[dict], side: str, key: str) -> tuple[float, float, float]:
    hits = sum(bool(r[side][key]) for r in rows)
    low, high = wilson(hits, len(rows))
    return hits / len(rows), low, high


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", help="'humaneval' or a repository folder")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--threads", type=int, default=0, help="0: measured at load")
    parser.add_argument("--split", choices=("tune", "held-out", "all"), default="held-out")
    parser.add_argument("--line", choices=("middle", "random"), default="middle")
    parser.add_argument("--limit", type=int, default=40, help="HumanEval problems (0: all of the split)")
    parser.add_argument("--tasks", type=int, default=60, help="line tasks sampled from a repository")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--json", type=Path, help="also write every row here")
    args = parser.parse_args()

    if args.source == "humaneval":
        tasks, problems = humaneval_tasks(args.split, args.line, args.seed, args.limit)
        metric, label = "passed", "pass@1"
    else:
        tasks, problems = sample(Path(args.source), args.tasks, args.seed, ("line",)), None
        metric, label = "first_line_exact", "first-line exact"
    settings = Settings()
    settings.model.path, settings.model.threads = args.model, args.threads
    backend = load_backend(settings)
    completion = CompletionSettings(max_tokens=args.max_tokens, time_budget_ms=600_000, quick_first=False)
    rows, start = [], time.monotonic()
    try:
        for n, task in enumerate(tasks, 1):
            raw_text, raw_cost = raw_fim(backend, task, args.max_tokens)
            ubiq_text, ubiq_cost = ubiq(backend, task, completion)
            first = raw_text.split("\n", 1)[0]
            rows.append(
                {
                    "task": task.id,
                    "truth": task.truth,
                    "raw": score(task, raw_text, problems),
                    "raw_first_line": score(task, first, problems),
                    "ubiq": score(task, ubiq_text, problems),
                    "raw_cost": raw_cost,
                    "ubiq_cost": ubiq_cost,
                }
            )
            if n % 10 == 0:
                done = {side: sum(bool(r[side][metric]) for r in rows) for side in SIDES}
                print(f"  {n}/{len(tasks)} {done} ({time.monotonic() - start:.0f}s)", file=sys.stderr)
    finally:
        name = backend.info().name
        backend.close()
    where = f"{args.source} split {args.split}, {args.line} line" if problems else args.source
    print(f"single-line infilling, {len(rows)} tasks ({where}), seed {args.seed}, model {name}")
    for side in SIDES:
        value, low, high = rate(rows, side, metric)
        similarity = statistics.mean(r[side]["first_line_similarity"] for r in rows)
        print(
            f"  {side:15} {label} {value:6.1%} [{low:.0%}–{high:.0%}]  first-line similarity {similarity:.3f}"
        )
    base, ours = rate(rows, "raw_first_line", metric)[0], rate(rows, "ubiq", metric)[0]
    wins = sum(bool(r["ubiq"][metric]) and not r["raw_first_line"][metric] for r in rows)
    losses = sum(bool(r["raw_first_line"][metric]) and not r["ubiq"][metric] for r in rows)
    print(f"Ubiq − raw first line: {100 * (ours - base):+.1f} points ({wins} tasks won, {losses} lost)")
    costs = {side: [r[f"{side}_cost"] for r in rows] for side in ("raw", "ubiq")}
    costs["raw_first_line"] = [{**c, "latency_ms": c["first_line_ms"]} for c in costs["raw"]]
    costs["ubiq_first_line"] = [{**c, "latency_ms": c["first_line_ms"]} for c in costs["ubiq"]]
    for side, of_side in costs.items():
        latencies = [c["latency_ms"] for c in of_side]
        print(
            f"  {side:15} latency p50 {statistics.median(latencies):6.0f} ms, mean "
            f"{statistics.mean(latencies):6.0f} ms; per task evaluated "
            f"{statistics.mean(c['evaluated'] for c in of_side):6.0f}, generated "
            f"{statistics.mean(c['generated'] for c in of_side):5.1f} tokens"
        )
    total = {side: sum(c["latency_ms"] for c in of_side) for side, of_side in costs.items()}
    print(
        "latency (sums over tasks): to the first line, Ubiq ÷ raw "
        f"{total['ubiq_first_line'] / total['raw_first_line']:.2f}×; "
        f"whole answers, Ubiq ÷ raw {total['ubiq'] / total['raw']:.2f}×; {time.monotonic() - start:.0f} s"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
