"""`ubiq sql check|write|explain`: SQL against the project's own schema, read from its models and
DDL as `ubiq er` reads them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lsp_server.cli.common import err
from lsp_server.config import find_project_root
from lsp_server.errors import InputError
from lsp_server.sql.check import check_paths
from lsp_server.sql.dialects import DIALECTS
from lsp_server.sql.schema import SqlSchema, load


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sql", help="check, explain and write SQL against the project's schema")
    commands = parser.add_subparsers(dest="sql_command", required=True, metavar="SUBCOMMAND")
    check = commands.add_parser(
        "check",
        help="find SQL problems in .sql files and in Python strings run by execute(): unknown tables "
        "and columns, missing WHERE, unindexable predicates, SQL built by formatting…",
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help=".sql or .py files, or folders")
    _schema_flags(check)
    check.add_argument("--json", action="store_true", help="print a JSON list of findings")
    check.set_defaults(run=run_check)


def _schema_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--schema",
        action="append",
        type=Path,
        metavar="PATH",
        help="model files, folders or DDL to read the schema from, as `ubiq er` takes "
        "(repeatable; default: the project root)",
    )
    parser.add_argument("--dialect", choices=DIALECTS, help="the SQL dialect (default: detected per file)")


def schema_of(args: argparse.Namespace) -> SqlSchema:
    paths = args.schema or [find_project_root(Path.cwd())]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise InputError(f"no such schema file or folder: {', '.join(missing)}")
    return load(paths)


def run_check(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise InputError(f"no such file or folder: {', '.join(missing)}")
    schema = schema_of(args)
    if not schema:
        err.print("note: no tables found in the schema; only checks that need none were run", style="dim")
    findings, unread = check_paths(paths, schema, args.dialect)
    for problem in unread:
        err.print(f"skipped {problem}", style="dim", markup=False)
    if args.json:
        sys.stdout.write(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2) + "\n")
    else:
        for finding in findings:
            sys.stdout.write(f"{finding}\n")
    return 1 if findings else 0
