"""`gen-tests FILE[::NAME]` (also `ubiq gen-tests`): write passing, useful pytest tests for a module.

Flags in, text and an exit code out; the work is `testgen.generate`, shared with the editor."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.table import Table

from lsp_server.cli.common import (
    add_columns,
    add_model_flags,
    err,
    load_model,
    progress_bar,
    settings_from_args,
    table_console,
)
from lsp_server.errors import InputError
from lsp_server.testgen import writer
from lsp_server.testgen.generate import Generated, Request, generate, prepare


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
    parser.add_argument(
        "--allow-unsandboxed", action="store_true",
        help="run generated tests even where bubblewrap cannot isolate them (network, file system)",
    )  # fmt: skip
    add_model_flags(parser)
    parser.set_defaults(run=run)


def register(sub: argparse._SubParsersAction) -> None:
    add_arguments(sub.add_parser("gen-tests", help="generate passing, useful pytest tests for a module"))


def request_from_args(args: argparse.Namespace) -> Request:
    """The flags as a typed request."""
    if args.rounds < 1 or args.tests < 1 or args.budget <= 0:
        raise InputError("--rounds, --tests and --budget must be positive")
    file, _, name = args.target.partition("::")
    return Request(
        path=Path(file),
        name=name or None,
        budget_s=args.budget,
        rounds=args.rounds,
        tests_per_target=args.tests,
        include_private=args.private,
        out=args.out,
        existing="overwrite" if args.force else "append" if args.append else "beside",
    )


def run(args: argparse.Namespace) -> int:
    request = request_from_args(args)
    settings = settings_from_args(args, request.path.resolve().parent)
    request.allow_unsandboxed = args.allow_unsandboxed or settings.testgen.allow_unsandboxed
    module = prepare(request)  # a bad target, or no isolation, fails before the model loads
    request.prompts_dir = settings.prompts_dir
    label = f"generating tests for {module.module}"
    with load_model(settings) as backend, progress_bar(label, disable=args.json) as handle:
        generated = generate(backend, request, handle, module)
    written = writer.write(generated.planned) if generated.planned else None
    if args.json:
        print(json.dumps(generated.to_dict(), indent=2))
    else:
        _print(generated)
    if written is None:
        err.print("error: no generated test passed; nothing was written", style="red", markup=False)
        return 1
    return 0


def _print(generated: Generated) -> None:
    report, data = generated.report, generated.to_dict()
    console = table_console(highlight=False)
    table = Table(title=f"gen-tests {data['module']}")
    add_columns(table, "target", "generated", "kept", "repaired", "discarded (why)")
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
    for path, lines in data["dispatched"].items():
        console.print(
            f"  reached beyond imports in {path}: lines {lines['lines_before'] / lines['lines']:.0%} -> "
            f"{lines['lines_after'] / lines['lines']:.0%}",
            markup=False,
        )
    console.print(f"generated code ran with: {data['isolation']}", markup=False)
    if data["written"]:
        console.print(f"{data['mode']} {data['written']} ({data['tests_kept']} tests)", markup=False)
