"""gen-tests as a user runs it: real model, real pytest and coverage.py, files written safely."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lsp_server.testgen import writer
from lsp_server.testgen.cases import Case
from lsp_server.testgen.pipeline import Report, TargetStats
from lsp_server.testgen.targets import import_location, load_module
from tests.conftest import DEFAULT, REPO, TINY, run_pytest_on

GEN_TESTS = str(Path(sys.executable).parent / "gen-tests")
DATA = REPO / "tests" / "data"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    package = tmp_path / "sample_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copy(REPO / "examples" / "pricing.py", package / "pricing.py")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'sample'\nversion = '0'\n")
    return tmp_path


def gen_tests(*args: str, cwd: Path, model: str = TINY) -> subprocess.CompletedProcess:
    env = {**os.environ, "UBIQ_MODEL": model, "UBIQ_THREADS": "1"}
    return subprocess.run([GEN_TESTS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.default_model
def test_writes_a_test_file_that_passes_on_its_own(project: Path):
    result = gen_tests(
        "sample_pkg/pricing.py::slugify",
        "--rounds",
        "1",
        "--tests",
        "3",
        "--json",
        cwd=project,
        model=DEFAULT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    written = Path(report["written"])
    assert written == project / "tests" / "test_pricing.py"
    assert report["tests_kept"] >= 1
    assert report["coverage_after"]["lines"] > report["coverage_before"]["lines"]
    run = run_pytest_on(written, project)
    assert run.returncode == 0, run.stdout[-2000:]


def test_tiny_model_runs_the_whole_pipeline_and_reports_every_candidate(project: Path):
    result = gen_tests(
        "sample_pkg/pricing.py::discount_rate", "--rounds", "1", "--tests", "2", "--json", cwd=project
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    stats = report["targets"]["discount_rate"]
    assert stats["generated"] >= 1
    assert stats["generated"] == stats["kept"] + sum(stats["discarded"].values())
    assert all(item["reason"] for item in report["discarded"])
    assert "timeout" in report["isolation"]
    if result.returncode == 1:
        assert "nothing was written" in result.stderr
        assert not (project / "tests").exists()


def test_a_module_that_fails_to_import_is_a_clear_error(tmp_path: Path):
    shutil.copy(DATA / "broken_import.py", tmp_path / "broken_import.py")
    result = gen_tests("broken_import.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "cannot be imported" in result.stderr
    assert "module_that_does_not_exist_anywhere" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "source,message",
    [("X = 1\n", "no public functions"), ("def f(:\n", "does not parse")],
)
def test_nothing_to_test(tmp_path: Path, source: str, message: str):
    (tmp_path / "mod.py").write_text(source)
    result = gen_tests("mod.py", cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr


def test_unknown_name(project: Path):
    result = gen_tests("sample_pkg/pricing.py::nope", cwd=project)
    assert result.returncode == 2 and "no function, class or method named 'nope'" in result.stderr


def test_import_locations(project: Path):
    assert import_location(project / "sample_pkg" / "pricing.py") == (project, "sample_pkg.pricing")
    (project / "script.py").write_text("def f():\n    return 1\n")
    assert import_location(project / "script.py") == (project, "script")


def _report(project: Path) -> Report:
    module = load_module(project / "sample_pkg" / "pricing.py")
    case = Case(
        target="slugify",
        name="simple",
        setup=[],
        call="slugify('A b')",
        expected="'a-b'",
        function="test_slugify_simple",
    )
    return Report(module, [case], {"slugify": TargetStats(1, 1)}, [], (0.3, 0.0), (0.5, 0.1), 1.0, "test")


def test_an_existing_test_file_is_never_overwritten_unasked(project: Path):
    report = _report(project)
    target = project / "tests" / "test_pricing.py"
    target.parent.mkdir()
    target.write_text("def test_slugify_simple():\n    assert True\n")
    beside = writer.plan(report, target)
    assert beside.mode == "created beside" and beside.path.name == "test_pricing_ubiq.py"
    writer.write(beside)
    assert target.read_text() == "def test_slugify_simple():\n    assert True\n"
    appended = writer.plan(_report(project), target, append=True)
    assert appended.mode == "appended" and appended.content.startswith(target.read_text().rstrip())
    assert "def test_slugify_simple_ubiq():" in appended.content
    writer.verify(appended, report, project)
    forced = writer.plan(_report(project), target, force=True)
    assert forced.mode == "overwritten"


def test_the_written_file_is_checked_before_it_lands(project: Path):
    report = _report(project)
    report.kept[0].expected = "'wrong'"
    planned = writer.plan(report, project / "tests" / "test_pricing.py")
    with pytest.raises(Exception, match="does not pass on its own"):
        writer.verify(planned, report, project)
    assert not planned.path.exists()


def test_a_function_longer_than_the_context_is_shown_cut(tmp_path: Path):
    # A 700-line function (tabulate's) once made every request overflow the context.
    body = "".join(f"    y{i} = x + {i}\n" for i in range(1500))
    (tmp_path / "big.py").write_text(f"def big(x):\n{body}    return x\n", encoding="utf-8")
    result = gen_tests("big.py", "--budget", "20", "--rounds", "1", "--json", cwd=tmp_path)
    assert "the prompt has" not in result.stderr, result.stderr[-800:]
    report = json.loads(result.stdout)
    assert report["targets"]["big"]["generated"] > 0
