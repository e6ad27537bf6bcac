"""`testgen.generate`: the request reaches the pipeline as the CLI and the editor mean it, and the
planned file follows the `existing` policy. The pipeline and the sandbox are faked (plumbing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp_server.errors import InputError
from lsp_server.jobs import Quiet
from lsp_server.testgen import generate as use_case
from lsp_server.testgen import writer
from tests.unit.usecases.fakes import FakeBackend, FakeGenerator

SOURCE = "def add(a, b):\n    return a + b\n\n\ndef _hidden(a, b):\n    return a - b\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "calc.py").write_text(SOURCE)
    FakeGenerator.keep, FakeGenerator.seen = True, []
    monkeypatch.setattr(use_case, "Generator", FakeGenerator)
    monkeypatch.setattr(use_case, "check_importable", lambda module: None)
    monkeypatch.setattr(writer, "verify", lambda planned, report, root: None)
    return tmp_path


def test_options_and_handle_reach_the_pipeline(project: Path):
    handle = Quiet()
    request = use_case.Request(project / "calc.py", budget_s=60, rounds=1, tests_per_target=9)
    generated = use_case.generate(FakeBackend(), request, handle)
    [run] = FakeGenerator.seen
    assert (run.options.budget_s, run.options.rounds) == (60, 1)
    assert run.options.tests_per_target == use_case.MAX_TESTS_PER_TARGET
    assert run.options.project_root == project
    assert run.cancel is handle.cancel and handle.messages == [("round 1: asking", 0.5)]
    assert [t.name for t in run.module.targets] == ["add"]  # private ones only when asked
    assert generated.model == "fake-model" and generated.project_root == project


def test_default_file_is_created_then_put_beside(project: Path):
    request = use_case.Request(project / "calc.py")
    first = use_case.generate(FakeBackend(), request)
    assert first.planned is not None and first.planned.mode == "created"
    assert first.planned.path == project / "tests" / "test_calc.py"
    writer.write(first.planned)
    second = use_case.generate(FakeBackend(), request)
    assert second.planned is not None and second.planned.mode == "created beside"
    assert second.planned.path.name == "test_calc_ubiq.py"


@pytest.mark.parametrize("existing, mode", [("append", "appended"), ("overwrite", "overwritten")])
def test_existing_policy(project: Path, existing: str, mode: str):
    out = project / "tests" / "test_calc.py"
    out.parent.mkdir()
    out.write_text("def test_old():\n    pass\n")
    request = use_case.Request(project / "calc.py", existing=existing)  # type: ignore[arg-type]
    planned = use_case.generate(FakeBackend(), request).planned
    assert planned is not None and planned.mode == mode and planned.path == out
    assert ("def test_old" in planned.content) is (existing == "append")
    assert "def test_add_works" in planned.content


def test_nothing_kept_plans_nothing(project: Path):
    FakeGenerator.keep = False
    generated = use_case.generate(FakeBackend(), use_case.Request(project / "calc.py", name="add"))
    assert generated.planned is None
    assert generated.to_dict()["written"] is None
    assert "none written" in generated.summary()


def test_summary_and_report(project: Path):
    generated = use_case.generate(FakeBackend(), use_case.Request(project / "calc.py", include_private=True))
    data = generated.to_dict()
    assert data["tests_kept"] == 2 and data["mode"] == "created"
    assert data["written"] == str(project / "tests" / "test_calc.py")
    assert generated.summary() == "2 tests for calc created in test_calc.py (lines 0% → 100%, 0 discarded)"


@pytest.mark.parametrize("field, value", [("rounds", 0), ("tests_per_target", 0), ("budget_s", 0.0)])
def test_bad_numbers_are_refused_before_anything_runs(project: Path, field: str, value: float):
    request = use_case.Request(project / "calc.py", **{field: value})
    with pytest.raises(InputError, match="must be positive"):
        use_case.prepare(request)
    assert FakeGenerator.seen == []


def test_unknown_name_is_an_input_error(project: Path):
    with pytest.raises(InputError, match="nope"):
        use_case.prepare(use_case.Request(project / "calc.py", name="nope"))
