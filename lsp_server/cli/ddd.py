"""`ubiq ddd map|check`: the domain model read from the code (building blocks, aggregates, contexts)
as a context map, and the DDD rules it breaks (see lsp_server/ddd/)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lsp_server.cli.common import err, existing_paths, print_findings
from lsp_server.ddd.model import load
from lsp_server.ddd.render import FORMATS, render
from lsp_server.ddd.rules import check
from lsp_server.files import write_atomic


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ddd", help="DDD modelling help: the context map and the rules the code breaks")
    commands = parser.add_subparsers(dest="ddd_command", required=True, metavar="SUBCOMMAND")
    mapping = commands.add_parser(
        "map",
        help="bounded contexts, their aggregates, and the relationships between contexts, each citing the "
        "imports and references it rests on",
    )
    _paths_argument(mapping)
    mapping.add_argument(
        "--format", choices=FORMATS, default="mermaid", help="mermaid (default), cml or json"
    )
    mapping.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")
    mapping.set_defaults(run=run_map)
    checking = commands.add_parser(
        "check",
        help="references across aggregates by object, mutable value objects, entities without identity, "
        "repositories for non-roots, domain code importing infrastructure, two aggregates in one transaction",
    )
    _paths_argument(checking)
    checking.add_argument(
        "--json", action="store_true", help="a JSON list of {path, line, column, code, message}"
    )
    checking.set_defaults(run=run_check)


def _paths_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="project folders or Python files")


def run_map(args: argparse.Namespace) -> int:
    model = load(existing_paths(args.paths))
    text = render(model, args.format)
    if args.out is not None:
        write_atomic(args.out, text.encode("utf-8"), make_parents=True)
        err.print(f"wrote {args.out}", style="dim", markup=False)
    else:
        sys.stdout.write(text)
    return 0


def run_check(args: argparse.Namespace) -> int:
    return print_findings(check(load(existing_paths(args.paths))), args.json)
