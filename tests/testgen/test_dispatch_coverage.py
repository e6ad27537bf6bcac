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
