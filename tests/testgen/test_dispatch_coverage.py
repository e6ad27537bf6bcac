"""Coverage of the modules a target dispatches to, beside its own file: real pytest and
coverage.py on a small package whose function hands its work to another module."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp_server.testgen import runner
from lsp_server.testgen.cases import Case
from lsp_server.testgen.targets import load_module

CORE = """from pkg import _legacy


def slug(text, algorithm="legacy"):
    if algorithm == "legacy":
        return _legacy.slug(text)
    return text.lower()
"""
LEGACY = """def slug(text):
    out = []
    for ch in text:
        if ch.isalnum():
            out.append(ch.lower())
        else:
            out.append("-")
    return "".join(out)
"""


@pytest.mark.parametrize("from_the_project", [False, True])
def test_the_modules_a_target_dispatches_to_are_measured_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, from_the_project: bool
):
    if from_the_project:  # as a user runs gen-tests: coverage then names the files relatively
        monkeypatch.chdir(tmp_path)
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "core.py").write_text(CORE)
    (package / "_legacy.py").write_text(LEGACY)
    module = load_module(package / "core.py")
    imported = runner.run_cases(module, [], timeout=120)
    call = Case(
        target="slug", name="slug", setup=[], call="slug('A b')", expected="'a-b'", function="test_slug"
    )
    reached = runner.run_cases(module, [call], timeout=120)
    assert reached.outcomes["test_slug"].status == "passed"
    run_on_import, lines = imported.package_lines["pkg/_legacy.py"]
    run, same_lines = reached.package_lines["pkg/_legacy.py"]
    assert same_lines == lines and run_on_import < run == lines
    assert "pkg/core.py" not in reached.package_lines  # the target itself is reported on its own
    assert reached.line_rate > imported.line_rate


DATES = """import datetime as dt
import enum
from decimal import Decimal


class Unit(enum.Enum):
    DAYS = 1
    HOURS = 2


def later(days):
    return dt.date(2024, 1, 1) + dt.timedelta(days=days)


def price(text):
    return Decimal(text)


def unit(name):
    return Unit[name]


def opaque():
    return object()
"""


def test_values_without_a_literal_form_are_observed_as_expressions_that_equal_them(tmp_path: Path):
    """A date, a Decimal or an Enum member returned by the code becomes the expected value, with
    the import it needs; an object no expression rebuilds is reported as returned, but not kept."""
    (tmp_path / "dates.py").write_text(DATES)
    module = load_module(tmp_path / "dates.py")
    calls = {"later": "later(31)", "price": "price('1.50')", "unit": "unit('HOURS')", "opaque": "opaque()"}
    cases = [
        Case(target=t, name=t, setup=[], call=c, expected="None", function=f"test_{t}")
        for t, c in calls.items()
    ]
    outcomes = runner.run_cases(module, cases, timeout=120, coverage=False).outcomes
    assert outcomes["test_later"].observed == "datetime.date(2024, 2, 1)"
    assert outcomes["test_later"].imports == ["import datetime"]
    assert outcomes["test_price"].observed == "Decimal('1.50')"
    assert outcomes["test_price"].imports == ["from decimal import Decimal"]
    assert outcomes["test_unit"].observed == "Unit.HOURS"
    assert outcomes["test_opaque"].returned and outcomes["test_opaque"].observed is None
    for case in cases[:3]:  # each observation, written back, passes
        outcome = outcomes[case.function]
        case.expected, case.imports = outcome.observed, outcome.imports
    again = runner.run_cases(module, cases[:3], timeout=120, coverage=False).outcomes
    assert {name: o.status for name, o in again.items()} == dict.fromkeys(again, "passed")
