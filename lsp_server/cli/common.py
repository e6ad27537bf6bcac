"""What every subcommand shares: global flags → Settings, the model loader with a progress bar."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from lsp_server.config import Settings, find_project_root, load_settings
from lsp_server.engine import load_backend
from lsp_server.engine.backend import Backend, CancelToken
from lsp_server.errors import InputError

# stdout carries results (and, for `serve`, the protocol); everything else goes to stderr.
err = Console(stderr=True, highlight=False)
log = logging.getLogger("lsp_server")


def add_model_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model")
    group.add_argument("--model", metavar="PATH|PACK", help="GGUF file or model pack (see `ubiq models`)")
    group.add_argument("--threads", type=int, metavar="N", help="CPU threads (default: measured at load)")
    group.add_argument("--context-size", type=int, metavar="N", help="context window in tokens")
    group.add_argument("--gpu-layers", type=int, metavar="N", help="layers to offload to a GPU (-1: all)")
    group.add_argument("--backend", choices=("local", "remote"), help="run the model here, or use a server")
    group.add_argument(
        "--url", metavar="URL", help="the server for --backend remote (llama-server, OpenAI API)"
    )
    group.add_argument(
        "--api-key-env", metavar="NAME", help="environment variable holding the server's API key"
    )
    group.add_argument("--ca-bundle", metavar="FILE", help="CA certificates to trust for an https server")
    group.add_argument(
        "--remote-model", metavar="NAME", help="which model to ask an OpenAI-compatible server for"
    )


def settings_from_args(args: argparse.Namespace, start: Path | None = None) -> Settings:
    """Merge CLI flags over `UBIQ_*` and `[tool.ubiq]`; report bad values and carry on with defaults."""
    model: dict[str, Any] = {}
    for flag, key in (
        ("model", "path"),
        ("threads", "threads"),
        ("context_size", "contextSize"),
        ("gpu_layers", "gpuLayers"),
        ("backend", "backend"),
        ("url", "url"),
        ("api_key_env", "apiKeyEnv"),
        ("ca_bundle", "caBundle"),
        ("remote_model", "remoteModel"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            model[key] = value
    root = find_project_root((start or Path.cwd()).resolve())
    loaded = load_settings({"model": model} if model else {}, project_root=root)
    for problem in loaded.errors:
        err.print(f"warning: {problem}; using the default", style="yellow", markup=False)
    return loaded.settings


class ByteProgress:
    """A progress bar on stderr that appears only once there is progress to show."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Progress | None = None

    def update(self, advance: int = 0, completed: int | None = None, total: int | None = None) -> None:
        if self.bar is None:
            self.bar = Progress(
                TextColumn(self.label),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            self.bar.start()
            self.bar.add_task(self.label, total=None)
        self.bar.update(self.bar.task_ids[0], advance=advance, completed=completed, total=total)

    def __enter__(self) -> ByteProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def load_model(settings: Settings) -> Backend:
    """Load the configured model, with a progress bar only if a model pack must be assembled first."""
    with ByteProgress("assembling and verifying the model pack") as progress:
        return load_backend(settings, lambda n: progress.update(advance=n))


class _BarHandle:
    """A `jobs.Handle` drawing on a rich progress bar; Ctrl-C, not the token, stops a CLI job."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("", total=1.0)
        self.cancel = CancelToken()

    def report(self, message: str, fraction: float | None = None) -> None:
        self.progress.update(self.task, description=message, completed=fraction)


@contextmanager
def progress_bar(label: str, *, disable: bool = False) -> Iterator[_BarHandle]:
    """A transient progress bar on stderr for a use case's `Handle` (hidden with `disable`)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=disable,
    ) as progress:
        handle = _BarHandle(progress)
        handle.report(label, 0.0)
        yield handle


# Where stdout is not a terminal (CI logs, pipes) rich assumes 80 columns and cuts long cells to
# "qwen2.5-cod…"; a wide console and folding columns keep every name and path whole there.
PIPE_WIDTH = 240


def table_console(**options: Any) -> Console:
    """A stdout console for tables: the terminal's width, or `PIPE_WIDTH` when not a terminal."""
    console = Console(**options)
    return console if console.is_terminal else Console(width=PIPE_WIDTH, **options)


def add_columns(table: Table, *headers: str) -> None:
    """Columns that wrap a long value onto more lines instead of cutting it with an ellipsis."""
    for header in headers:
        table.add_column(header, overflow="fold")


def setup_logging(verbose: bool, log_file: str | None) -> None:
    handler: logging.Handler = (
        logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)


def existing_paths(given: list[str]) -> list[Path]:
    """The paths a command was given, all of which must exist (one clear error naming the rest)."""
    paths = [Path(p) for p in given]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise InputError(f"no such file or folder: {', '.join(missing)}")
    return paths


def print_findings(findings: list[Any], as_json: bool) -> int:
    """`path:line:col: CODE message` lines, or a JSON list of `{path, line, column, code, message}`;
    the exit status: 1 when anything was found."""
    if as_json:
        sys.stdout.write(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2) + "\n")
    else:
        for finding in findings:
            sys.stdout.write(f"{finding}\n")
    return 1 if findings else 0
