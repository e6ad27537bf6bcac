"""A module that fails when imported."""

import module_that_does_not_exist_anywhere  # noqa: F401


def f() -> int:
    return 1
