"""How sure a rate measured on a few tasks is: a Wilson interval for each model's rate, and a paired
bootstrap for the difference between two models on the same tasks. A recommendation that rests on
one task out of six is noise; these say so before anyone switches models on it."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959964  # two-sided 95 %
RESAMPLES = 2000


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a rate: unlike the normal approximation it stays inside 0..1
    and is honest at 0 of 6 or 6 of 6, which small repositories produce."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Difference:
    """A − B on the tasks both models answered, with its 95 % bootstrap interval."""

    tasks: int
    value: float
    low: float
    high: float

    @property
    def measurable(self) -> bool:
        """The interval excludes zero: the difference is larger than its uncertainty."""
        return self.low > 0 or self.high < 0

    def tasks_needed(self) -> int:
        """Roughly how many tasks would make a difference this size measurable: the interval's
        half-width shrinks with the square root of the task count."""
        half = (self.high - self.low) / 2
        size = abs(self.value) or 0.05  # no difference at all: aim at resolving 5 points
        return max(self.tasks + 1, math.ceil(self.tasks * (half / size) ** 2 * 1.2))


def paired_difference(a: Sequence[float], b: Sequence[float], seed: int = 0) -> Difference:
    """Bootstrap over tasks, resampling the pairs together: the same task is easy or hard for both
    models, and pairing keeps that out of the uncertainty."""
    n = len(a)
    if n != len(b):
        raise ValueError("paired samples differ in length")
    if n == 0:
        return Difference(0, 0.0, -1.0, 1.0)
    deltas = [x - y for x, y in zip(a, b, strict=True)]
    value = sum(deltas) / n
    rng = random.Random(seed)
    means = sorted(sum(deltas[rng.randrange(n)] for _ in range(n)) / n for _ in range(RESAMPLES))
    low, high = means[int(0.025 * RESAMPLES)], means[int(0.975 * RESAMPLES) - 1]
    return Difference(n, value, low, high)
