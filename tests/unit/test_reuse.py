"""Planning KV-cache reuse across prompt layouts: pure token arithmetic, no model."""

from __future__ import annotations

import random

from lsp_server.engine.reuse import Move, Plan, plan_reuse


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


def reference_prefix(a, b) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def reference_plan(sources, prompt, min_run: int) -> Plan:
    """The plan as first written: token by token, an index of tuples. Slow and plainly right."""
    limit = len(prompt) - 1
    first = sources[0] if sources else ()
    prefix = max(0, min(reference_prefix(first, prompt), limit))
    plan = Plan(prefix, prompt_tokens=len(prompt))
    if min_run <= 0 or limit - prefix < min_run:
        return plan
    index: dict = {}
    for s, cached in enumerate(sources):
        start = prefix if s == 0 else 0
        for j in range(start, len(cached) - min_run + 1):
            key = tuple(cached[j : j + min_run])
            if None not in key:
                index.setdefault(key, []).append((s, j))  # type: ignore[arg-type]
    used = [bytearray(len(c)) for c in sources]
    i = prefix
    while i + min_run <= limit:
        best: Move | None = None
        for s, j in index.get(tuple(prompt[i : i + min_run]), ()):
            cached, taken = sources[s], used[s]
            n = 0
            while (
                i + n < limit and j + n < len(cached) and cached[j + n] == prompt[i + n] and not taken[j + n]
            ):
                n += 1
            if n >= min_run and (best is None or n > best.n):
                best = Move(s, j, i, n)
        if best is None:
            i += 1
            continue
        used[best.source][best.src : best.src + best.n] = b"\x01" * best.n
        plan.moves.append(best)
        i += best.n
    return plan


def test_the_fast_plan_is_the_plain_one() -> None:
    """Hashes of runs and block compares (what keeps `estimate` cheap on the event loop) must
    choose exactly what comparing token by token chooses: repeats from a small vocabulary, freed
    positions (None), tuples and lists, every run length."""
    rng = random.Random(11)

    def tokens(n: int, vocabulary: int) -> list[int]:
        return [rng.randrange(vocabulary) for _ in range(n)]

    for _ in range(1500):
        vocabulary = rng.choice([2, 3, 5, 50])
        base = tokens(rng.randrange(0, 300), vocabulary)
        sources: list = []
        for _ in range(rng.randrange(0, 4)):
            cached: list = base[rng.randrange(0, len(base) + 1) :] + tokens(rng.randrange(0, 50), vocabulary)
            cached = [None if rng.random() < 0.02 else t for t in cached]
            sources.append(cached if rng.random() < 0.5 else tuple(cached))
        cut, resume = rng.randrange(0, len(base) + 1), rng.randrange(0, len(base) + 1)
        prompt = base[:cut] + tokens(rng.randrange(0, 40), vocabulary) + base[resume:]
        min_run = rng.choice([0, 1, 3, 24])
        assert plan_reuse(sources, prompt, min_run) == reference_plan(sources, prompt, min_run)
