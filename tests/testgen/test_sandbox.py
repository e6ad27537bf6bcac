"""The sandbox contains hostile generated tests: no network, no writes outside, no fork bomb,
no endless sleep — each fails alone and is reported, and the run finishes."""

from __future__ import annotations

import shutil
from pathlib import Path

from lsp_server.testgen import runner, sandbox
from lsp_server.testgen.cases import Case
from lsp_server.testgen.targets import load_module

HOSTILE = Path(__file__).resolve().parent.parent / "data" / "hostile" / "hostile.py"


def case(name: str, call: str, expected: str = "None") -> Case:
    return Case(target=name, name=name, setup=[], call=call, expected=expected, function=f"test_{name}")


def test_bubblewrap_is_used_where_installed():
    if shutil.which("bwrap"):
        assert sandbox._bwrap_works(), "bwrap is installed but its probe failed"


def test_hostile_tests_are_contained():
    module = load_module(HOSTILE)
    outside = Path("/work/ubiq-hostile-was-here")
    outside.unlink(missing_ok=True)
    cases = [
        case("net", "phone_home()", "''"),
        case("write", "write_outside()", "'/work/ubiq-hostile-was-here'"),
        case("fork", "fork_bomb()", "10000"),
        case("sleep", "sleep_forever()"),
        case("fine", "1 + 1", "2"),
    ]
    report = runner.run_cases(module, cases, timeout=120, coverage=False)
    outcomes = report.outcomes
    assert outcomes["test_fine"].status == "passed"
    for name in ("test_net", "test_write", "test_fork", "test_sleep"):
        assert outcomes[name].status in ("failed", "error"), (name, outcomes[name])
    assert not outside.exists()
    assert "took longer" in outcomes["test_sleep"].message
    if sandbox._bwrap_works():
        message = outcomes["test_net"].message
        assert "Network is unreachable" in message or "refused" in message


def test_isolation_is_described():
    text = sandbox.isolation()
    assert "timeout" in text and "resource limits" in text
