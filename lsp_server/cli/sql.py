"""`ubiq sql check|write|explain`: SQL against the project's own schema, read from its models and
DDL as `ubiq er` reads them."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from contextlib import ExitStack
from pathlib import Path

from lsp_server.cli import sql_write
from lsp_server.cli.common import (
    add_model_flags,
    err,
    existing_paths,
    load_model,
    print_findings,
    progress_bar,
    settings_from_args,
)
from lsp_server.config import find_project_root
from lsp_server.errors import InputError
from lsp_server.files import read_text
from lsp_server.sql.check import check_paths, snippets_of
from lsp_server.sql.databases import explain_database
from lsp_server.sql.dialects import DIALECTS, dialect_of
from lsp_server.sql.explain import Explanation, explain
from lsp_server.sql.locate import snippets_at
from lsp_server.sql.plan_help import LANGUAGES, ModelHelp, language_of
from lsp_server.sql.postgres import password_from
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
    sql_write.register(commands, _schema_flags)

    explain = commands.add_parser(
        "explain",
        help="the plan of a query on a scratch SQLite database built from the schema (or, with --db, on "
        "your PostgreSQL, read-only), what costs in it, and indexes that the engine then uses",
    )
    explain.add_argument(
        "location",
        nargs="?",
        metavar="FILE[:LINE]",
        help="a .sql or .py file, and the line of the query in it",
    )
    explain.add_argument("--query", metavar="SQL", help="the query itself, instead of FILE[:LINE]")
    _schema_flags(explain)
    explain.add_argument(
        "--rows", type=int, default=20_000, metavar="N", help="generated rows per table read (default 20000)"
    )
    explain.add_argument(
        "--db",
        metavar="URL",
        help="explain on this PostgreSQL (postgresql://user@host:port/dbname) or MySQL/MariaDB "
        "(mysql://user@host:port/dbname), read-only, instead of a scratch SQLite database "
        "(default: the sql.databaseUrl setting)",
    )
    explain.add_argument(
        "--password-env",
        metavar="NAME",
        help="environment variable holding the database password (default: the sql.passwordEnv setting)",
    )
    explain.add_argument(
        "--analyze",
        action="store_true",
        help="with --db: run the query (EXPLAIN ANALYZE, in a read-only transaction) for actual rows and "
        "times; SELECT only",
    )
    explain.add_argument(
        "--ask-model",
        action="store_true",
        help="also let the model propose rewrites (shown only when they return the same rows and cost less) "
        "and explain the plan (shown only when it names nothing the plan does not)",
    )
    explain.add_argument(
        "--lang",
        choices=sorted(LANGUAGES),
        help="the language of the model's explanation (default: from LANG, else English)",
    )
    explain.add_argument("--json", action="store_true", help="print the plan, findings and advice as JSON")
    add_model_flags(explain)
    explain.set_defaults(run=run_explain)


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
    paths = existing_paths(args.paths)
    schema = schema_of(args)
    if not schema:
        err.print("note: no tables found in the schema; only checks that need none were run", style="dim")
    findings, unread = check_paths(paths, schema, args.dialect)
    for problem in unread:
        err.print(f"skipped {problem}", style="dim", markup=False)
    return print_findings(findings, args.json)


def query_at(location: str) -> tuple[str, str | None]:
    """The SQL at `FILE[:LINE]` (the statement or Python string on that line; the file's only one
    without a line), and the dialect the file's driver or text suggests."""
    path_text, _, line_text = (
        location.rpartition(":") if re.search(r":\d+$", location) else (location, "", "")
    )
    path = Path(path_text)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    text = read_text(path)
    snippets = [s for s in snippets_of(str(path), text) if not s.built]
    if line_text:
        snippets = snippets_at(snippets, int(line_text) - 1)
    if not snippets:
        raise InputError(f"no SQL found at {location}", "give FILE:LINE of a statement, or --query")
    if len(snippets) > 1:
        lines = ", ".join(str(s.position(0)[0] + 1) for s in snippets[:8])
        raise InputError(
            f"{len(snippets)} statements in {path}", f"add the line of one: {path}:LINE ({lines}…)"
        )
    return snippets[0].text, dialect_of(str(path), text)


def run_explain(args: argparse.Namespace) -> int:
    if (args.location is None) == (args.query is None):
        raise InputError("give FILE[:LINE] or --query SQL", "e.g. ubiq sql explain reports.py:42")
    if args.rows < 1:
        raise InputError("--rows must be at least 1")
    sql, detected = (args.query, None) if args.query is not None else query_at(args.location)
    root = find_project_root(Path.cwd())
    settings = settings_from_args(args, root)
    url = args.db or settings.sql.database_url
    if not url and args.analyze:
        raise InputError("--analyze needs a database", "give --db URL or set sql.databaseUrl")
    schema = schema_of(args) if not url or args.ask_model else SqlSchema()
    if not url and not schema:
        raise InputError("no tables found in the schema", "point --schema at the models or DDL")
    if url:  # the database answers at once: no progress bar, and its errors stay one line
        password = password_from(args.password_env or settings.sql.password_env)
        result = explain_database(sql, url, password, args.analyze)
    with ExitStack() as stack:
        helper = None
        if args.ask_model:
            backend = stack.enter_context(load_model(settings))
            language = args.lang or language_of(os.environ.get("LC_ALL") or os.environ.get("LANG"))
            helper = ModelHelp(backend, language, settings.prompts_dir, root)
        if url and helper is not None:
            with progress_bar("the model explains the plan", disable=args.json):
                result.narrate(helper, schema)
        elif not url:
            with progress_bar("building a scratch database", disable=args.json) as bar:
                bar.report("generating rows and trying indexes" + (", then the model" if helper else ""))
                dialect = args.dialect or detected or "sqlite"
                result = explain(sql, schema, dialect, rows=args.rows, helper=helper)
    _print_explanation(result, args.json)
    return 0


def _print_explanation(result: Explanation, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(result.text())
