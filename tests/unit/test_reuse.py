"""Planning KV-cache reuse across prompt layouts: pure token arithmetic, no model."""

from __future__ import annotations

from lsp_server.engine.reuse import Move, plan_reuse


def run(start: int, n: int) -> list[int]:
    return list(range(start, start + n))


def test_the_common_prefix_is_kept_in_place() -> None:
    cached = run(0, 100)
    plan = plan_reuse([cached], run(0, 80) + run(1000, 5), min_run=8)
    assert plan.prefix == 80
    assert plan.moves == []
    assert plan.evaluate == 5


def test_the_last_prompt_token_is_always_evaluated() -> None:
    cached = run(0, 100)
    plan = plan_reuse([cached], run(0, 100), min_run=8)
    assert plan.prefix == 99
    assert plan.evaluate == 1


def test_a_span_at_another_position_is_moved() -> None:
    # The previous prompt: header, window A, suffix S. The next one: header, new text, A, S.
    header, window, suffix = run(0, 10), run(100, 50), run(500, 30)
    plan = plan_reuse([header + window + suffix], header + run(900, 20) + window + suffix + [7], min_run=8)
    assert plan.prefix == 10
    assert plan.moves == [Move(0, 10, 30, 80)]  # window and suffix, contiguous in both
    assert plan.evaluate == 20 + 1


def test_runs_shorter_than_the_minimum_are_evaluated() -> None:
    cached = run(0, 40)
    prompt = [9999] + run(10, 5) + [8888]
    plan = plan_reuse([cached], prompt, min_run=8)
    assert plan.moves == []
    assert plan.evaluate == len(prompt)


def test_each_cached_token_is_used_once() -> None:
    cached = [9999] + run(0, 20)
    prompt = run(0, 20) + run(0, 20) + [1]
    plan = plan_reuse([cached], prompt, min_run=8)
    assert plan.moved == 20
    assert plan.evaluate == 21


def test_leftovers_from_a_second_source_are_offered() -> None:
    live = run(0, 30)
    leftover: list[int | None] = [None] * 30 + run(300, 40)
    plan = plan_reuse([live, leftover], run(0, 30) + run(300, 40) + [5], min_run=8)
    assert plan.prefix == 30
    assert plan.moves == [Move(1, 30, 30, 40)]
    assert plan.evaluate == 1


def test_freed_positions_never_match() -> None:
    leftover: list[int | None] = [None] * 50
    plan = plan_reuse([[], leftover], run(0, 50), min_run=8)
    assert plan.moves == []


def test_reuse_off_keeps_only_the_prefix() -> None:
    cached = run(0, 10) + run(100, 50)
    plan = plan_reuse([cached], run(0, 10) + [1] + run(100, 50), min_run=0)
    assert plan.prefix == 10
    assert plan.moves == []
