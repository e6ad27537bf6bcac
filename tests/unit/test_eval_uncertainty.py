"""A rate from a few tasks is uncertain, and the recommendation says so instead of switching models
on one task out of six."""

from __future__ import annotations

from lsp_server.evaluation.measure import ModelRun
from lsp_server.evaluation.report import recommendation, table_rows
from lsp_server.evaluation.tasks import PER_FILE, Task, _per_file
from lsp_server.evaluation.uncertainty import paired_difference, wilson


def test_wilson_intervals_stay_inside_zero_and_one():
    low, high = wilson(0, 6)
    assert low == 0.0 and 0.3 < high < 0.45
    low, high = wilson(6, 6)
    assert high == 1.0 and 0.55 < low < 0.7
    low, high = wilson(30, 60)
    assert low < 0.5 < high and high - low < 0.27


def test_one_task_of_six_is_no_measurable_difference():
    difference = paired_difference([1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0])
    assert round(difference.value, 3) == 0.167
    assert not difference.measurable
    assert difference.tasks_needed() > 6


def test_a_consistent_gain_is_measurable():
    difference = paired_difference([1] * 20 + [0] * 20, [0] * 40)
    assert difference.measurable and difference.low > 0.3


def _run(name: str, latency: float, hits: list[bool]) -> ModelRun:
    rows = [
        {
            "task": f"t{i}", "exact": hit, "similarity": 1.0 if hit else 0.5, "first_line_exact": hit,
            "first_line_similarity": 1.0 if hit else 0.5, "parses": True, "shown": True,
            "latency_ms": latency, "evaluated_tokens": 10, "prompt_ms": 10.0, "generated_tokens": 5,
            "generation_ms": 50.0,
        }
        for i, hit in enumerate(hits)
    ]  # fmt: skip
    return ModelRun(spec=name, name=name, rows=rows)


def test_the_recommendation_does_not_rest_on_noise():
    small = _run("small", 100, [True, False, False, False, False, False])
    large = _run("large", 200, [True, True, False, False, False, False])
    line = recommendation([small, large], "first_line_exact")
    assert line.startswith("small: no measurable difference") and "on 6 tasks" in line
    assert "run with about" in line


def test_a_real_gain_is_recommended_with_its_interval():
    small = _run("small", 100, [False] * 40)
    large = _run("large", 200, [True] * 20 + [False] * 20)
    line = recommendation([small, large], "first_line_exact")
    assert line.startswith("large: +50 points") and "95 % interval" in line and "2.0× latency" in line


def test_the_table_shows_each_rate_with_its_interval():
    report = {"models": [{"name": "m", "error": "", "summary": _run("m", 100, [True, False]).summary()}]}
    assert "50.0% (" in table_rows(report)[0][4]


def _tasks(n: int) -> list[Task]:
    return [Task(id=f"x{i}", path="a.py", kind="line", text="", offset=0, truth="") for i in range(n)]


def test_a_small_repository_gives_more_tasks_per_file():
    assert _per_file([[_tasks(20)]], 12) == 12  # one file: as many as asked
    assert _per_file([[_tasks(20)] for _ in range(10)], 12) == PER_FILE  # many files: spread
    assert _per_file([[_tasks(2)]], 12) == PER_FILE  # the file has fewer: nothing more to take
