"""`ubiq eval [PATH] --model A --model B`: compare models on tasks cut from your own code (or the
HumanEval reference set) through the real completion pipeline, and write a report."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lsp_server.cli.common import add_columns, err, settings_from_args, table_console
from lsp_server.config import find_project_root
from lsp_server.errors import InputError
from lsp_server.evaluation import report
from lsp_server.evaluation.run import HUMANEVAL, default_out, evaluate


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "eval",
        help="compare models (and quantizations) on infilling tasks from your own code",
        description=__doc__,
    )
    parser.add_argument(
        "path", nargs="?", help=f"repository to sample tasks from (default: this project), or {HUMANEVAL!r}"
    )
    parser.add_argument(
        "--model",
        action="append",
        metavar="PATH|PACK|remote",
        help="a GGUF file, a pack (`ubiq models`), or `remote` (the configured server); repeat to compare",
    )
    parser.add_argument("--reference", action="store_true", help="use the built-in HumanEval reference set")
    parser.add_argument("--tasks", type=int, default=30, metavar="N", help="tasks per model (default 30)")
    parser.add_argument("--kinds", default="line,block", help="task kinds: line, block or both (default)")
    parser.add_argument("--seed", type=int, default=1, help="task sampling seed, recorded in the report")
    parser.add_argument(
        "--time-budget", type=float, metavar="SECONDS", help="stop each model after this long"
    )
    parser.add_argument(
        "--out", metavar="DIR", help="report folder (default: .ubiq/eval/<time> in the project)"
    )
    parser.add_argument("--json", action="store_true", help="print the report's summary as JSON")
    parser.add_argument("--threads", type=int, metavar="N", help="CPU threads (default: measured at load)")
    parser.add_argument("--gpu-layers", type=int, metavar="N", help="layers to offload to a GPU (-1: all)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.tasks < 1:
        raise InputError("--tasks must be at least 1")
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    if not kinds or set(kinds) - {"line", "block"}:
        raise InputError(f"--kinds {args.kinds!r}: use line, block or line,block")
    root = find_project_root(
        Path(args.path).resolve() if args.path and args.path != HUMANEVAL else Path.cwd()
    )
    source = HUMANEVAL if args.reference or args.path == HUMANEVAL else (args.path or str(root))
    specs, args.model = args.model or [""], None  # "" = the configured model
    settings = settings_from_args(args, root)
    specs = [spec or settings.model.path or _configured(settings) for spec in specs]
    out = Path(args.out) if args.out else default_out(root)
    started = time.monotonic()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err, transient=True,
        disable=args.json,
    ) as progress:  # fmt: skip
        bar = progress.add_task("sampling tasks", total=1.0)
        data, paths = evaluate(
            source, specs, settings, out, args.tasks, args.seed, kinds, args.time_budget,
            on_progress=lambda text, fraction: progress.update(bar, description=text, completed=fraction),
        )  # fmt: skip
    if args.json:
        summary = {m["name"]: m["summary"] for m in data["models"]}
        print(json.dumps({"recommendation": data["recommendation"], "models": summary, "report": str(out)}))
    else:
        _print(data, paths, time.monotonic() - started)
    failed = all(m["error"] for m in data["models"])
    return 1 if failed else (130 if data["interrupted"] else 0)


def _configured(settings) -> str:  # noqa: ANN001
    return "remote" if settings.model.backend == "remote" else ""


def _print(data: dict, paths: dict[str, Path], seconds: float) -> None:
    console = table_console(highlight=False)  # a log or a pipe: keep the 13 columns readable
    kinds = ", ".join(sorted({t["kind"] for t in data["tasks"]}))
    table = Table(
        title=f"ubiq eval: {len(data['tasks'])} tasks ({kinds}) from {data['source']}, seed {data['seed']}"
    )
    add_columns(table, *report.COLUMNS)
    for row in report.table_rows(data):
        table.add_row(*row)
    console.print(table)
    console.print(f"[bold]Recommendation:[/bold] {data['recommendation']}")
    if data["interrupted"]:
        console.print("[yellow]interrupted: the report holds what was measured until then[/yellow]")
    written = ", ".join(path.name for kind, path in paths.items() if kind != "markdown")
    console.print(f"report: {paths['markdown']}  ({written}); {seconds:.0f} s")
    if "chart" not in paths:
        console.print("no chart.png: matplotlib is not installed (pip install 'ubiq[eval]')")
