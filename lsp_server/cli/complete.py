"""`ubiq complete FILE:LINE:COL`: print the completion the editor would show at that point."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lsp_server.cli.common import add_model_flags, load_model, settings_from_args
from lsp_server.completion.pipeline import complete_at
from lsp_server.context.positions import offset_at
from lsp_server.errors import InputError
from lsp_server.files import read_text


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("complete", help="complete code at FILE:LINE:COL (1-based, as compilers print)")
    parser.add_argument("location", metavar="FILE:LINE:COL")
    parser.add_argument("--json", action="store_true", help="print the completion with its stats as JSON")
    parser.add_argument("--max-tokens", type=int, metavar="N", help="longest completion, in tokens")
    parser.add_argument(
        "--time-budget-ms",
        type=int,
        default=30_000,
        metavar="MS",
        help="stop generating after this long (default 30000; editors use completion.timeBudgetMs)",
    )
    add_model_flags(parser)
    parser.set_defaults(run=run)


def parse_location(location: str) -> tuple[Path, int, int]:
    """`path:line:col` (the path may itself contain colons); line and column are 1-based."""
    parts = location.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise InputError(f"{location!r} is not FILE:LINE:COL", "e.g. ubiq complete app.py:12:5")
    line, col = int(parts[1]), int(parts[2])
    if line < 1 or col < 1:
        raise InputError(f"{location!r}: lines and columns start at 1")
    return Path(parts[0]), line, col


def run(args: argparse.Namespace) -> int:
    path, line, col = parse_location(args.location)
    text = read_text(path)
    offset = offset_at(text, line - 1, col - 1)
    settings = settings_from_args(args, path.resolve().parent)
    if args.max_tokens is not None:
        if args.max_tokens < 1:
            raise InputError("--max-tokens must be at least 1")
        settings.completion.max_tokens = args.max_tokens
    if args.time_budget_ms < 1:
        raise InputError("--time-budget-ms must be at least 1")
    settings.completion.time_budget_ms = args.time_budget_ms
    with load_model(settings) as backend:
        result = complete_at(backend, text, offset, settings.completion, path=path.name)
        info = backend.info()
    if args.json:
        print(
            json.dumps(
                {
                    "text": result.text,
                    "stop_reason": result.stop_reason,
                    "stats": result.stats.to_dict() if result.stats else None,
                    "model": info.name,
                    "fim": info.fim,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print(result.text)
    return 0
