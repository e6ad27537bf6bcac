"""The evaluation's report: report.json (the data, with a schema), report.md (for people), a chart
of accuracy against latency, and the one-line recommendation that says why."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from lsp_server.evaluation.measure import ModelRun
from lsp_server.evaluation.uncertainty import Difference, paired_difference
from lsp_server.files import write_atomic

_NUMBER_OR_NULL = {"type": ["number", "null"]}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["created", "source", "seed", "tasks", "metric", "models", "recommendation", "interrupted"],
    "properties": {
        "created": {"type": "string"},
        "source": {"type": "string"},
        "seed": {"type": "integer"},
        "tasks": {"type": "array", "items": {"type": "object", "required": ["id", "path", "kind", "truth"]}},
        "metric": {"type": "string"},
        "recommendation": {"type": "string"},
        "interrupted": {"type": "boolean"},
        "models": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["spec", "name", "summary", "rows", "error"],
                "properties": {
                    "spec": {"type": "string"},
                    "name": {"type": "string"},
                    "error": {"type": "string"},
                    "rows": {"type": "array", "items": {"type": "object"}},
                    "summary": {
                        "type": "object",
                        "required": [
                            "tasks",
                            "exact",
                            "similarity",
                            "first_line_exact",
                            "parses",
                            "latency_ms",
                        ],
                        "properties": {
                            "tasks": {"type": "integer", "minimum": 0},
                            "exact": _NUMBER_OR_NULL,
                            "similarity": _NUMBER_OR_NULL,
                            "first_line_exact": _NUMBER_OR_NULL,
                            "parses": _NUMBER_OR_NULL,
                            "pass_at_1": _NUMBER_OR_NULL,
                            "latency_ms": {
                                "type": "object",
                                "required": ["p50", "p95"],
                                "properties": {"p50": {"type": "number"}, "p95": {"type": "number"}},
                            },
                        },
                    },
                },
            },
        },
    },
}

_METRIC_LABEL = {"pass_at_1": "pass@1", "first_line_exact": "first-line exact match"}

log = logging.getLogger(__name__)


def primary_metric(runs: list[ModelRun]) -> str:
    """pass@1 where the tasks carry tests (the reference set), else first-line exact match: what
    the user accepts with Tab."""
    return "pass_at_1" if any(r.summary()["pass_at_1"] is not None for r in runs) else "first_line_exact"


def recommendation(runs: list[ModelRun], metric: str) -> str:
    """One line with its reason: the most accurate model, what it gains over the fastest, and what
    that costs in latency; a gain no larger than its uncertainty (a paired bootstrap on the tasks
    both answered) is called what it is, with how many tasks would tell."""
    done = [(r, r.summary()) for r in runs if r.rows]
    if not done:
        return "no model finished a task: nothing to recommend"
    label = _METRIC_LABEL[metric]
    best = max(done, key=lambda rs: (rs[1][metric] or 0.0, -rs[1]["latency_ms"]["p50"]))
    fastest = min(done, key=lambda rs: rs[1]["latency_ms"]["p50"])
    best_score, best_p50 = best[1][metric] or 0.0, best[1]["latency_ms"]["p50"]
    if len(done) == 1:
        return f"{best[0].name}: {best_score:.0%} {label} at {best_p50:.0f} ms p50 (only model measured)"
    if best[0] is fastest[0]:
        return (
            f"{best[0].name}: the most accurate ({best_score:.0%} {label}) "
            f"and the fastest ({best_p50:.0f} ms p50)"
        )
    ratio = best_p50 / max(fastest[1]["latency_ms"]["p50"], 1e-9)
    difference = compare(best[0], fastest[0], metric)
    gain, low, high = (100 * x for x in (difference.value, difference.low, difference.high))
    if not difference.measurable:
        return (
            f"{fastest[0].name}: no measurable difference in {label} from {best[0].name} on "
            f"{difference.tasks} tasks ({gain:+.0f} points, 95 % interval {low:+.0f} to {high:+.0f}) "
            f"at 1/{ratio:.1f} of its latency; run with about {difference.tasks_needed()} tasks "
            f"(--tasks) to tell"
        )
    if gain < 5:
        return (
            f"{fastest[0].name}: within {gain:.0f} points {label} of {best[0].name} "
            f"(95 % interval {low:+.0f} to {high:+.0f}) at 1/{ratio:.1f} of its latency"
        )
    return (
        f"{best[0].name}: +{gain:.0f} points {label} (95 % interval {low:+.0f} to {high:+.0f}, "
        f"{difference.tasks} tasks) for {ratio:.1f}× latency over {fastest[0].name}"
    )


def compare(a: ModelRun, b: ModelRun, metric: str) -> Difference:
    """A − B in `metric` on the tasks both answered, paired."""
    ours, theirs = a.outcomes(metric), b.outcomes(metric)
    shared = [task for task in ours if task in theirs]
    return paired_difference([ours[t] for t in shared], [theirs[t] for t in shared])


def build(runs: list[ModelRun], tasks: list, source: str, seed: int, created: str, interrupted: bool) -> dict:
    metric = primary_metric(runs)
    return {
        "created": created,
        "source": source,
        "seed": seed,
        "tasks": [t.to_dict() for t in tasks],
        "metric": metric,
        "recommendation": recommendation(runs, metric),
        "interrupted": interrupted,
        "models": [
            {
                "spec": r.spec,
                "name": r.name or r.spec,
                "backend": r.backend,
                "error": r.error,
                "stopped": r.stopped,
                "summary": r.summary(),
                "rows": r.rows,
            }
            for r in runs
        ],
    }


def _pct(value: float | None, interval: list[float] | None = None) -> str:
    if value is None:
        return "–"
    if not interval:
        return f"{value:.1%}"
    return f"{value:.1%} ({interval[0]:.0%}–{interval[1]:.0%})"


def _num(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


COLUMNS = (
    "model", "tasks", "pass@1", "exact", "first line exact", "similarity", "parses",
    "latency p50/p95 ms", "typing: evaluated tok p50/p95", "prompt tok/s", "gen tok/s", "load s", "peak MB",
)  # fmt: skip


def table_rows(report: dict) -> list[list[str]]:
    rows = []
    for model in report["models"]:
        s = model["summary"]
        replay = s.get("replay") or {}
        evaluated = replay.get("evaluated_tokens") or {}
        intervals = s.get("intervals") or {}
        rows.append(
            [
                model["name"] + (f" (error: {model['error']})" if model["error"] else ""),
                str(s["tasks"]),
                _pct(s["pass_at_1"], intervals.get("pass_at_1")),
                _pct(s["exact"], intervals.get("exact")),
                _pct(s["first_line_exact"], intervals.get("first_line_exact")),
                _pct(s["similarity"]),
                _pct(s["parses"]),
                f"{_num(s['latency_ms']['p50'])} / {_num(s['latency_ms']['p95'])}",
                f"{_num(evaluated.get('p50'))} / {_num(evaluated.get('p95'))}" if evaluated else "–",
                _num(s["prompt_tokens_per_s"]),
                _num(s["generation_tokens_per_s"]),
                _num(s["load_s"], 1),
                _num(s["peak_rss_mb"]),
            ]
        )
    return rows


def markdown(report: dict, with_chart: bool = True) -> str:
    kinds = sorted({t["kind"] for t in report["tasks"]})
    lines = [
        "# Ubiq model evaluation",
        "",
        f"**Recommendation:** {report['recommendation']}",
        "",
        f"- Source: `{report['source']}` — {len(report['tasks'])} tasks ({', '.join(kinds)}), "
        f"seed {report['seed']}",
        f"- Created: {report['created']}"
        + (" — **interrupted**: partial results" if report["interrupted"] else ""),
        f"- Ranked by: {_METRIC_LABEL[report['metric']]}",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table_rows(report)
    ]
    lines += [
        "",
        *(["![accuracy against latency](chart.png)"] if with_chart else []),
        "",
        "Rates show their 95 % (Wilson) interval in brackets: with few tasks it is wide, and a",
        "difference between two models counts only when it is larger than its uncertainty.",
        "Exact match and similarity compare the whole fill with what was masked (similarity: 1 − edit",
        "distance ÷ length); *first line* compares only the first line, what Tab accepts most often;",
        "*parses*: the file still parses with the fill in place. Latency is per completion through",
        "Ubiq's own pipeline; the typing replay re-types masked lines one character at a time.",
        "",
    ]
    return "\n".join(lines)


def chart(report: dict, path: Path) -> bool:
    """Accuracy against latency p50, one point per model (PNG, matplotlib without a display).
    False, and nothing written, without matplotlib: a heavy dependency for one picture, it comes
    with the `eval` extra (`pip install 'ubiq[eval]'`)."""
    import io

    try:
        import matplotlib
    except ImportError:
        log.info("no chart.png: matplotlib is not installed (pip install 'ubiq[eval]')")
        return False

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    metric = report["metric"]
    figure, axes = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for model in report["models"]:
        s = model["summary"]
        if not s["tasks"]:
            continue
        x, y = s["latency_ms"]["p50"], 100 * (s[metric] or 0.0)
        interval = (s.get("intervals") or {}).get(metric)
        if interval:  # the rate's 95 % interval as an error bar
            below, above = y - 100 * interval[0], 100 * interval[1] - y
            axes.errorbar([x], [y], yerr=[[max(below, 0.0)], [max(above, 0.0)]], fmt="none", capsize=4)
        axes.scatter([x], [y], s=60)
        axes.annotate(model["name"], (x, y), textcoords="offset points", xytext=(6, 6), fontsize=8)
    axes.set_xlabel("latency p50 per completion (ms)")
    axes.set_ylabel(f"{_METRIC_LABEL[metric]} (%)")
    axes.set_ylim(0, 100)
    latencies = [m["summary"]["latency_ms"]["p50"] for m in report["models"] if m["summary"]["tasks"]]
    axes.set_xlim(0, max(latencies, default=1.0) * 1.5)  # room for the labels right of the points
    axes.grid(True, alpha=0.3)
    axes.set_title("Accuracy against latency", fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    write_atomic(path, buffer.getvalue())
    return True


def write(report: dict, folder: Path) -> dict[str, Path]:
    """report.json, report.md and chart.png (when matplotlib is installed) in `folder` (created),
    each written atomically; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / "report.json", "markdown": folder / "report.md", "chart": folder / "chart.png"}
    write_atomic(paths["json"], json.dumps(report, indent=2, ensure_ascii=False).encode("utf-8"))
    drawn = chart(report, paths["chart"])
    write_atomic(paths["markdown"], markdown(report, with_chart=drawn).encode("utf-8"))
    if not drawn:
        del paths["chart"]
    return paths
