"""How close a fill is to what was masked: exact match and edit similarity, of the first line and
of the whole fill, and whether the file still parses."""

from __future__ import annotations

import ast


def first_line(text: str) -> str:
    return text.strip("\n").split("\n", 1)[0].strip()


def _normal(text: str) -> str:
    """Trailing spaces and blank lines are not a difference a user would notice."""
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n")).strip()


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def edit_similarity(fill: str, truth: str) -> float:
    """1 − edit distance ÷ the longer length (1.0: identical), as in code-completion papers."""
    a, b = _normal(fill), _normal(truth)
    if not a and not b:
        return 1.0
    return 1.0 - levenshtein(a, b) / max(len(a), len(b))


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def score(fill: str, truth: str, restored: str) -> dict[str, float | bool]:
    return {
        "exact": _normal(fill) == _normal(truth),
        "similarity": edit_similarity(fill, truth),
        "first_line_exact": first_line(fill) == first_line(truth),
        "first_line_similarity": edit_similarity(first_line(fill), first_line(truth)),
        "parses": parses(restored),
    }
