"""`gen-tests FILE[::NAME]` (also `ubiq gen-tests`): write passing, useful pytest tests for a module."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lsp_server.cli.common import add_model_flags, err, load_model, settings_from_args
from lsp_server.errors import InputError
from lsp_server.testgen import writer
from lsp_server.testgen.pipeline import Generator, Options, check_importable
from lsp_server.testgen.targets import load_module, project_root_for


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="FILE[::NAME]", help="a Python file, optionally one function/class")
    parser.add_argument(
        "--out", type=Path, metavar="PATH", help="test file to write (default tests/test_<module>.py)"
    )
    parser.add_argument(
        "--budget", type=float, default=300, metavar="SECONDS", help="time budget (default 300)"
    )
    parser.add_argument("--rounds", type=int, default=2, metavar="N", help="generation rounds (default 2)")
    parser.add_argument(
        "--tests", type=int, default=4, metavar="N", help="tests asked for per target (default 4)"
    )
    parser.add_argument("--private", action="store_true", help="also test _private functions and methods")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--force", action="store_true", help="overwrite an existing test file")
    group.add_argument("--append", action="store_true", help="append to an existing test file")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_model_flags(parser)
    parser.set_defaults(run=run)


def register(sub: argparse._SubParsersAction) -> None:
    add_arguments(sub.add_parser("gen-tests", help="generate passing, useful pytest tests for a module"))


def run(args: argparse.Namespace) -> int:
    file, _, name = args.target.partition("::")
    path = Path(file)
    if args.rounds < 1 or args.tests < 1 or args.budget <= 0:
        raise InputError("--rounds, --tests and --budget must be positive")
    module = load_module(path, only=name or None, include_private=args.private)
    check_importable(module)
    settings = settings_from_args(args, path.resolve().parent)
    root = project_root_for(module)
    options = Options(
        budget_s=args.budget,
        rounds=args.rounds,
        tests_per_target=min(args.tests, 6),
        prompts_dir=settings.prompts_dir,
        project_root=root,
    )
    with load_model(settings) as backend:
        model_name = backend.info().name
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=args.json,
        ) as progress:
            task = progress.add_task(f"generating tests for {module.module}", total=1.0)
            report = Generator(
                backend,
                module,
                options,
                on_progress=lambda message, fraction: progress.update(
                    task, description=message, completed=fraction
                ),
            ).run()
    out = args.out or writer.default_path(report, root)
    planned = (
        writer.plan(report, out, force=args.force, append=args.append, model=model_name)
        if report.kept
        else None
    )
    written = None
    if planned is not None:
        writer.verify(planned, report, root)
        written = writer.write(planned)
    data = {
        **report.to_dict(),
        "written": str(written) if written else None,
        "mode": planned.mode if planned else None,
    }
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        _print(report, data)
    if written is None:
        err.print("error: no generated test passed; nothing was written", style="red", markup=False)
        return 1
    return 0


def _print(report, data: dict) -> None:  # noqa: ANN001
    console = Console(stderr=False, highlight=False)
    table = Table(title=f"gen-tests {data['module']}")
    for column in ("target", "generated", "kept", "repaired", "discarded (why)"):
        table.add_column(column)
    for name, stats in report.targets.items():
        why = ", ".join(f"{n} {reason}" for reason, n in stats.discarded.items()) or "-"
        table.add_row(name, str(stats.generated), str(stats.kept), str(stats.repaired), why)
    console.print(table)
    before, after = data["coverage_before"], data["coverage_after"]
    console.print(
        f"coverage of {report.module.path.name}: lines {before['lines']:.0%} -> {after['lines']:.0%}, "
        f"branches {before['branches']:.0%} -> {after['branches']:.0%}; {data['seconds']:.0f} s",
        markup=False,
    )
    console.print(f"generated code ran with: {data['isolation']}", markup=False)
    if data["written"]:
        console.print(f"{data['mode']} {data['written']} ({data['tests_kept']} tests)", markup=False)


def gen_tests_main(argv: list[str] | None = None) -> int:
    """The `gen-tests` console script: `ubiq gen-tests` without the `ubiq`."""
    from lsp_server.cli.main import main

    return main(["gen-tests", *(sys.argv[1:] if argv is None else argv)])
