"""Run a set of test cases with real pytest and coverage.py, in the sandbox, and read back what
happened to each: passed, failed (with the value the call actually returned), or errored.

Each test gets a per-test alarm (a test that sleeps forever fails alone instead of stalling
the run), the whole run has a timeout, and coverage is recorded per test (dynamic contexts),
so tests that add no coverage can be dropped.
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from lsp_server.testgen import sandbox
from lsp_server.testgen.cases import Case
from lsp_server.testgen.targets import ModuleInfo

PER_TEST_SECONDS = 5
CANDIDATES = "test_ubiq_candidates.py"

_HARNESS = """
import json as _ubiq_json
import os as _ubiq_os
import signal as _ubiq_signal

import pytest


def _ubiq_observe(test, value):
    try:
        text = repr(value)
        expression, imports = _ubiq_expression(value, text)
    except Exception:
        text, expression, imports = None, None, []
    path = _ubiq_os.path.join(_ubiq_os.path.dirname(__file__), "observed.jsonl")
    entry = {"test": test, "repr": text, "expression": expression, "imports": imports}
    with open(path, "a") as handle:
        handle.write(_ubiq_json.dumps(entry) + "\\n")


def _ubiq_expression(value, text):
    # An expression equal to the value, and the imports it needs: a literal, an Enum member, or
    # a repr that evaluates back to the value (datetime.timedelta(days=1), Decimal('1.5')...).
    import ast
    import enum
    import importlib

    try:
        if ast.literal_eval(text) == value:
            return text, []
    except Exception:
        pass
    if isinstance(value, enum.Enum):
        kind = type(value)
        home = kind.__qualname__.split(".")[0]
        return kind.__qualname__ + "." + value.name, ["from " + kind.__module__ + " import " + home]
    kinds, todo = set(), [value]
    while todo and len(kinds) < 20:  # the types inside containers too
        item = todo.pop()
        kinds.add(type(item))
        if isinstance(item, (list, tuple, set, frozenset)):
            todo += list(item)[:50]
        elif isinstance(item, dict):
            todo += list(item.items())[:50]
    statements = []
    for kind in kinds:
        if kind.__module__ != "builtins":
            statements += ["import " + kind.__module__.split(".")[0],
                           "from " + kind.__module__ + " import " + kind.__name__]
    namespace = {}
    used = []
    try:
        names = {node.id for node in ast.walk(ast.parse(text, mode="eval")) if isinstance(node, ast.Name)}
    except Exception:
        return None, []
    for statement in statements:
        name = statement.rsplit(" ", 1)[-1]
        if name in names and name not in namespace:
            try:
                exec(statement, namespace)
                used.append(statement)
            except Exception:
                pass
    try:
        if eval(text, namespace) == value:
            return text, sorted(set(used))
    except Exception:
        pass
    return None, []


def _ubiq_alarm(signum, frame):
    raise TimeoutError("test took longer than SECONDS seconds")


@pytest.fixture(autouse=True)
def _ubiq_time_limit():
    _ubiq_signal.signal(_ubiq_signal.SIGALRM, _ubiq_alarm)
    _ubiq_signal.alarm(SECONDS)
    yield
    _ubiq_signal.alarm(0)
""".replace("SECONDS", str(PER_TEST_SECONDS))


@dataclass
class Outcome:
    """What happened to one test; a failure keeps the value the call returned, which may become
    the case's expected value (`Case.observed`)."""

    status: str  # "passed" | "failed" | "error" | "missing"
    message: str = ""
    observed: str | None = None  # an expression equal to the value the call returned, if any
    imports: list[str] = field(default_factory=list)  # what `observed` needs imported
    returned: bool = False  # the call returned (`observed` is None when no expression equals it)


@dataclass
class RunReport:
    """One sandboxed pytest run: each test's outcome and what it covered, so that tests adding no
    coverage can be dropped."""

    outcomes: dict[str, Outcome]
    lines_by_test: dict[str, set[int]] = field(default_factory=dict)
    arcs_by_test: dict[str, set[tuple[int, int]]] = field(default_factory=dict)  # branch coverage
    covered_lines: set[int] = field(default_factory=set)
    missing_lines: set[int] = field(default_factory=set)
    branches: tuple[int, int] = (0, 0)  # (covered, total)
    open_branches: set[int] = field(default_factory=set)  # lines with a branch no test took yet
    # The package's other modules that ran: path relative to the package's root → (lines run,
    # lines). A target often dispatches there (a strategy, a legacy path), and the user wants to
    # know how far the tests reached, beside the target file's own coverage.
    package_lines: dict[str, tuple[int, int]] = field(default_factory=dict)
    timed_out: bool = False
    output: str = ""

    @property
    def line_rate(self) -> float:
        total = len(self.covered_lines) + len(self.missing_lines)
        return len(self.covered_lines) / total if total else 0.0

    @property
    def covered_arcs(self) -> set:
        """Lines run and branches taken, by any test: what a new test must add to."""
        return set(self.covered_lines) | {arc for arcs in self.arcs_by_test.values() for arc in arcs}

    @property
    def branch_rate(self) -> float:
        return self.branches[0] / self.branches[1] if self.branches[1] else 0.0


def header(module: ModuleInfo, cases: list[Case]) -> str:
    names = sorted(header_names(module))
    own = f"\nfrom {module.module} import {', '.join(names)}\n" if names else ""
    return f"import pytest\n{case_imports(cases)}{own}"


def header_names(module: ModuleInfo) -> set[str]:
    """What the test file imports from the module: its targets' top names and helpers."""
    return {t.name.split(".")[0] for t in module.targets} | imported_names(module)


def case_imports(cases: list[Case]) -> str:
    """The other imports the cases need (see imports.py), one line each, sorted and unique."""
    statements = sorted({s for case in cases for s in case.imports})
    return "".join(f"{s}\n" for s in statements)


def imported_names(module: ModuleInfo) -> set[str]:
    """Every top-level function and class of the module (tests may need helpers too)."""
    from lsp_server.context.syntax import SyntaxTree
    from lsp_server.testgen.targets import find_targets

    return {
        t.name for t in find_targets(SyntaxTree(module.source), include_private=True) if "." not in t.name
    }


def test_file(module: ModuleInfo, cases: list[Case], observe: bool) -> str:
    body = "\n\n".join(case.code(observe=observe) for case in cases)
    harness = _HARNESS if observe else ""
    return f"{header(module, cases)}{harness}\n\n{body}"


def run_cases(
    module: ModuleInfo, cases: list[Case], timeout: float = 120.0, coverage: bool = True
) -> RunReport:
    workdir = sandbox.make_workdir()
    try:
        (workdir / CANDIDATES).write_text(test_file(module, cases, observe=True), encoding="utf-8")
        (workdir / ".coveragerc").write_text(
            "[run]\nbranch = True\ndynamic_context = test_function\n"
            f"data_file = {workdir / '.coverage'}\n"
            f"include =\n    {module.path}\n    {_package_glob(module)}\n",
            encoding="utf-8",
        )
        pytest_args = [
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            f"--junitxml={workdir / 'report.xml'}",
            "--rootdir",
            str(workdir),
            CANDIDATES,
        ]
        argv = (
            [sys.executable, "-m", "coverage", "run", f"--rcfile={workdir / '.coveragerc'}", *pytest_args]
            if coverage
            else [sys.executable, *pytest_args]
        )
        result = sandbox.run(argv, workdir, [module.root], timeout)
        report = RunReport(
            outcomes=_outcomes(workdir, cases),
            timed_out=result.timed_out,
            output=(result.stdout + result.stderr)[-4000:],
        )
        if coverage and (workdir / ".coverage").exists():
            _read_coverage(workdir, module, report)
        return report
    finally:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


def _package_folder(module: ModuleInfo) -> Path | None:
    """The top-level package the module belongs to (None for a module on its own)."""
    top = module.module.split(".")[0]
    folder = module.root / top
    return folder if "." in module.module and folder.is_dir() else None


def _package_glob(module: ModuleInfo) -> str:
    folder = _package_folder(module)
    return str(folder / "*") if folder else str(module.path)


def _outcomes(workdir: Path, cases: list[Case]) -> dict[str, Outcome]:
    outcomes = {case.function: Outcome("missing", "the test run did not report this test") for case in cases}
    report = workdir / "report.xml"
    if report.exists():
        try:
            root = ET.parse(report).getroot()
        except ET.ParseError:
            root = None
        for testcase in root.iter("testcase") if root is not None else []:
            name = testcase.get("name", "")
            if name not in outcomes:
                continue
            failure, error = testcase.find("failure"), testcase.find("error")
            if failure is not None:
                outcomes[name] = Outcome(
                    "failed", (failure.get("message") or "") + "\n" + (failure.text or "")
                )
            elif error is not None:
                outcomes[name] = Outcome("error", (error.get("message") or "") + "\n" + (error.text or ""))
            elif testcase.find("skipped") is not None:
                outcomes[name] = Outcome("error", "skipped")
            else:
                outcomes[name] = Outcome("passed")
    observed = workdir / "observed.jsonl"
    if observed.exists():
        for line in observed.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("test") in outcomes:
                outcomes[entry["test"]].observed = entry.get("expression")
                outcomes[entry["test"]].imports = list(entry.get("imports") or [])
                outcomes[entry["test"]].returned = True
    return outcomes


def _read_coverage(workdir: Path, module: ModuleInfo, report: RunReport) -> None:
    import coverage

    cov = coverage.Coverage(data_file=str(workdir / ".coverage"), config_file=str(workdir / ".coveragerc"))
    cov.load()
    out = workdir / "coverage.json"
    try:
        cov.json_report(outfile=str(out), show_contexts=True)
    except coverage.exceptions.CoverageException:  # the module never ran (e.g. failed to import)
        return
    files = json.loads(out.read_text(encoding="utf-8"))["files"]
    entry = None
    package = _package_folder(module)
    for name, data in files.items():
        path = Path(name).absolute()  # relative names are relative to this process's folder
        if path.resolve() == module.path.resolve():
            entry = data
        elif package is not None and path.resolve().is_relative_to(package.resolve()):
            summary = data["summary"]
            rel = path.resolve().relative_to(package.resolve().parent).as_posix()
            report.package_lines[rel] = (summary["covered_lines"], summary["num_statements"])
    if entry is None:
        return
    report.covered_lines = set(entry["executed_lines"])
    report.missing_lines = set(entry["missing_lines"])
    summary = entry["summary"]
    report.branches = (summary.get("covered_branches", 0), summary.get("num_branches", 0))
    report.open_branches = {int(start) for start, _ in entry.get("missing_branches", [])}
    for line, contexts in entry.get("contexts", {}).items():
        for context in contexts:
            if context:
                report.lines_by_test.setdefault(context.rsplit(".", 1)[-1], set()).add(int(line))
    # Arcs per test, so that a test taking the other side of a branch counts as adding coverage.
    data = cov.get_data()
    measured = next((f for f in data.measured_files() if Path(f).resolve() == module.path), None)
    for context in data.measured_contexts() if measured else ():
        if context:
            data.set_query_contexts([f"^{re.escape(context)}$"])
            arcs = data.arcs(measured) or []
            report.arcs_by_test[context.rsplit(".", 1)[-1]] = {(a, b) for a, b in arcs if a > 0 and a != b}
    data.set_query_contexts(None)
