"""`ubiq sql write "QUESTION"`: the one query that answers a question, drawn by the model and kept
only when it parses, resolves against the schema and runs (see lsp_server/sql/write.py)."""

from __future__ import annotations

import argparse
import json
import sys

from lsp_server.cli.common import add_model_flags, err, load_model, progress_bar, settings_from_args
from lsp_server.config import find_project_root
from lsp_server.errors import InputError, NothingValid
from lsp_server.sql.write import CANDIDATES, write


def register(commands: argparse._SubParsersAction, schema_flags) -> None:  # noqa: ANN001
    parser = commands.add_parser(
        "write",
        help="write the SQL query that answers a question (Chinese or English), checked against the schema "
        "and run on a scratch database before it is shown; exits 3 when nothing passes",
    )
    parser.add_argument("question", metavar="QUESTION", help='e.g. "customers with no orders this year"')
    schema_flags(parser)
    parser.add_argument(
        "--candidates",
        type=int,
        default=CANDIDATES,
        metavar="N",
        help=f"queries to draw (default {CANDIDATES})",
    )
    parser.add_argument("--json", action="store_true", help="print {sql, validated, rows, candidates}")
    add_model_flags(parser)
    parser.set_defaults(run=run_write)


def run_write(args: argparse.Namespace) -> int:
    from pathlib import Path

    from lsp_server.cli.sql import schema_of

    if not args.question.strip():
        raise InputError("the question is empty", 'e.g. ubiq sql write "top 10 customers by revenue"')
    if not 1 <= args.candidates <= 20:
        raise InputError("--candidates must be between 1 and 20")
    root = find_project_root(Path.cwd())
    settings = settings_from_args(args, root)
    schema = schema_of(args)
    if not schema:
        raise InputError("no tables found in the schema", "point --schema at the models or DDL")
    dialect = args.dialect or (settings.sql.dialect if settings.sql.dialect != "auto" else "sqlite")
    with load_model(settings) as backend, progress_bar("writing SQL", disable=args.json) as bar:
        result = write(
            args.question,
            schema,
            backend,
            dialect=dialect,
            candidates=args.candidates,
            prompts_dir=settings.prompts_dir,
            project_root=root,
            on_progress=bar.report,
        )
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return 0 if result.sql is not None else NothingValid.exit_code
    if result.sql is None:
        raise NothingValid(result.refusal(), "rephrase the question, name the tables, or try --model large")
    sys.stdout.write(result.sql.rstrip(";") + ";\n")
    err.print(
        f"{result.source}; {result.agreement} of {len(result.candidates)} candidates agree",
        style="dim",
        markup=False,
    )
    return 0
