"""Where two versions of a text start and stop differing, found by halving: string slices compare
in C, so even a megabyte-long file costs a few dozen comparisons, not a loop per character. The
syntax tree edits itself with it (`context.syntax`), and windows read ahead find where an edit cut
them (`engine.windows`)."""

from __future__ import annotations


def common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the longest common suffix, at most `limit`."""
    low, high = 0, min(len(a), len(b), limit)
    while low < high:
        mid = (low + high + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            low = mid
        else:
            high = mid - 1
    return low
