"""The names a generated test reads without importing them, resolved before it runs: pure
syntax and the standard library, no user code is imported."""

import textwrap

from lsp_server.testgen.cases import Case
from lsp_server.testgen.imports import free_names, module_imports, raised_names, with_imports

SOURCE = textwrap.dedent(
    """
    from __future__ import annotations
    from typing import TYPE_CHECKING
    from .i18n import _gettext as _
    from ..errors import FormatError

    if TYPE_CHECKING:
        import datetime as dt

    def naturalday(value: dt.date) -> str:
        import datetime as dt
        if not value:
            raise ValueError("no value")
        raise FormatError(str(value))
    """
)


def case(call: str, setup: list[str] | None = None) -> Case:
    return Case(target="naturalday", name="c", setup=setup or [], call=call, expected="1")


def test_free_names_leave_out_what_the_test_binds_and_builtins():
    found = free_names(case("naturalday(d + dt.timedelta(days=n))", ["d = Decimal('1')", "n = len([])"]))
    assert found == {"naturalday", "dt", "Decimal"}


def test_the_modules_own_imports_are_found_wherever_they_are_and_made_absolute():
    found = module_imports(SOURCE, "humanize.time")
    assert found["dt"] == "import datetime as dt"  # under TYPE_CHECKING and inside a function
    assert found["_"] == "from humanize.i18n import _gettext as _"
    assert found["FormatError"] == "from errors import FormatError"
    assert "annotations" not in found


def test_a_case_gets_the_imports_it_needs_and_no_others():
    resolved = with_imports(
        case("naturalday(dt.date(2024, 1, 1) - timedelta(1), Path('x'), math.pi, nowhere)"),
        SOURCE,
        "humanize.time",
        available={"naturalday"},
    )
    assert resolved.imports == [  # by name: Path, dt, math, timedelta; `nowhere` is left to fail
        "from pathlib import Path",
        "import datetime as dt",
        "import math",
        "from datetime import timedelta",
    ]
    untouched = case("naturalday(1)")
    assert with_imports(untouched, SOURCE, "humanize.time", {"naturalday"}) is untouched


def test_the_errors_a_module_raises_or_imports_are_its_own():
    assert raised_names(SOURCE) == {"ValueError", "FormatError"}


def test_the_exception_a_case_expects_is_a_name_it_needs():
    expecting = Case(
        target="naturalday", name="c", setup=[], call="naturalday(0)", expected="raises FormatError"
    )
    assert free_names(expecting) == {"naturalday", "FormatError"}
    assert with_imports(expecting, SOURCE, "humanize.time", {"naturalday"}).imports == [
        "from errors import FormatError"
    ]
