"""Test generation as one use case: `ubiq gen-tests` and the editor's `ubiq.generateTests` both call
`generate`, so a fix or a default changed here holds for both. It plans and verifies the test file;
delivering it (a file write, or a WorkspaceEdit the user can undo) is the front end's part."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from lsp_server.engine.backend import Backend
from lsp_server.errors import InputError
from lsp_server.jobs import Handle, Quiet
from lsp_server.testgen import sandbox, writer
from lsp_server.testgen.pipeline import Generator, Options, Report, check_importable
from lsp_server.testgen.targets import ModuleInfo, load_module, project_root_for

MAX_TESTS_PER_TARGET = 6  # more per request and small models repeat themselves
Existing = Literal["beside", "overwrite", "append"]  # what to do when the test file exists


@dataclass
class Request:
    """What to test and how hard to try; defaults are what the editor uses."""

    path: Path
    name: str | None = None  # one function, class or Class.method; None: the module
    budget_s: float = 300.0
    rounds: int = 2
    tests_per_target: int = 4
    include_private: bool = False
    out: Path | None = None  # None: tests/test_<module>.py under the project root
    existing: Existing = "beside"
    prompts_dir: str = ""
    allow_unsandboxed: bool = False  # run even where bubblewrap cannot isolate generated code

    def check(self) -> None:
        if self.rounds < 1 or self.tests_per_target < 1 or self.budget_s <= 0:
            raise InputError("the budget, rounds and tests per target must be positive")


@dataclass
class Generated:
    """What came of a request: the pipeline's report and the verified file to write, if any."""

    report: Report
    planned: writer.Planned | None  # None: no generated test passed, nothing to write
    project_root: Path
    model: str

    def to_dict(self) -> dict[str, Any]:
        """The report both front ends return (`--json`, the command's result)."""
        planned = self.planned
        return {
            **self.report.to_dict(),
            "written": str(planned.path) if planned else None,
            "mode": planned.mode if planned else None,
        }

    def summary(self) -> str:
        """One line for a notification or a log."""
        report, planned = self.report, self.planned
        before, after = report.coverage_before, report.coverage_after
        where = f"{planned.mode} in {planned.path.name}" if planned else "none written"
        return (
            f"{len(report.kept)} tests for {report.module.module} {where} "
            f"(lines {before[0]:.0%} → {after[0]:.0%}, {len(report.discarded)} discarded)"
        )


def prepare(request: Request) -> ModuleInfo:
    """Read the targets and check the module imports: fails fast, before any model time, and before
    anything runs where generated code could not be isolated (unless allowed)."""
    request.check()
    sandbox.require_isolation(request.allow_unsandboxed)
    module = load_module(request.path, only=request.name, include_private=request.include_private)
    check_importable(module)
    return module


def generate(
    backend: Backend, request: Request, handle: Handle | None = None, module: ModuleInfo | None = None
) -> Generated:
    """Run the pipeline on `request` and plan a test file that passes on its own (verified, not
    written). `module`: the result of `prepare(request)` when the caller already has it."""
    handle = handle or Quiet()
    module = module or prepare(request)
    root = project_root_for(module)
    options = Options(
        budget_s=request.budget_s,
        rounds=request.rounds,
        tests_per_target=min(request.tests_per_target, MAX_TESTS_PER_TARGET),
        prompts_dir=request.prompts_dir,
        project_root=root,
    )
    model = backend.info().name
    report = Generator(backend, module, options, on_progress=handle.report, cancel=handle.cancel).run()
    planned = None
    if report.kept:
        planned = writer.plan(
            report,
            request.out or writer.default_path(report, root),
            force=request.existing == "overwrite",
            append=request.existing == "append",
            model=model,
        )
        writer.verify(planned, report, root)
    return Generated(report, planned, root, model)
