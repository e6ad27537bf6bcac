"""`ubiq.stats` percentiles are taken over the latest requests only, and reading them must agree
with sorting the window afresh (the rolling window keeps its own sorted copy)."""

import random

from lsp_server.completion.stats import CompletionStats, Rolling, percentiles


def test_the_rolling_window_agrees_with_sorting_the_latest_values():
    rng = random.Random(7)
    rolling = Rolling(size=50)
    seen: list[float] = []
    for _ in range(500):
        value = rng.choice([rng.random() * 100, 3.0, 0.0])  # repeats, as token counts have
        rolling.append(value)
        seen.append(value)
        assert rolling.percentiles() == percentiles(seen[-50:])
        assert list(rolling) == seen[-50:]
    rolling.clear()
    assert len(rolling) == 0 and rolling.percentiles() == {"p50": 0.0, "p95": 0.0}


def test_a_reset_forgets_the_window_but_totals_count_until_then():
    stats = CompletionStats()
    for ms in (10.0, 20.0, 30.0):
        stats.record(ms, None)
    first = stats.snapshot(reset=True)
    assert first["latency_ms"] == {"p50": 20.0, "p95": 30.0}
    assert stats.snapshot()["latency_ms"] == {"p50": 0.0, "p95": 0.0}
