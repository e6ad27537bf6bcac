"""`ubiq er PATH…`: read the ER model of code and DDL files, print it or write it as a diagram or schema."""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tempfile
from pathlib import Path

from lsp_server.cli.common import err
from lsp_server.datamodel import FORMATS, ERModel, ERWarning, extract, render
from lsp_server.datamodel.render.ddl import DIALECTS
from lsp_server.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "er", help="read the ER model of Python models and SQL DDL; print it as a diagram or schema"
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="Python or SQL files, or folders to search for them"
    )
    parser.add_argument(
        "--format",
        default="mermaid",
        metavar="FORMAT",
        help=f"one of {', '.join(FORMATS)} (default mermaid; svg needs Graphviz's dot)",
    )
    parser.add_argument(
        "--dialect",
        default="postgres",
        metavar="DIALECT",
        help=f"SQL dialect of --format ddl: {', '.join(DIALECTS)} (default postgres); "
        "the dialect of DDL files read is detected per file",
    )
    parser.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not args.paths:
        raise InputError("no paths given", "e.g. ubiq er app/models.py or ubiq er src/")
    if args.format not in FORMATS:
        raise InputError(f"unknown format {args.format!r}", f"choose one of: {', '.join(FORMATS)}")
    if args.dialect not in DIALECTS:
        raise InputError(f"unknown SQL dialect {args.dialect!r}", f"choose one of: {', '.join(DIALECTS)}")
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise InputError(f"no such file or folder: {', '.join(missing)}")
    if args.out is not None:
        check_writable(args.out, args.force)
    model = extract(args.paths)
    for warning in model.warnings:
        err.print(warning_line(warning), style="yellow", markup=False, soft_wrap=True)
    text = render(model, args.format, dialect=args.dialect)
    if args.out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0
    write_atomic(args.out, text)
    err.print(f"wrote {args.out}: {summary(model)}", markup=False, soft_wrap=True)
    return 0


def warning_line(warning: ERWarning) -> str:
    """As compilers print them, so editors and terminals link the location."""
    where = f"{warning.location}: " if warning.location else ""
    return f"{where}warning: {warning.message}"


def summary(model: ERModel) -> str:
    counts = (
        (len(model.entities), "entity", "entities"),
        (len(model.relationships), "relationship", "relationships"),
        (len(model.warnings), "warning", "warnings"),
    )
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts)


def check_writable(path: Path, force: bool) -> None:
    """Refuse before any work is done: an existing file needs --force, a folder is never replaced."""
    if path.is_dir():
        raise InputError(f"{path} is a folder", "give --out a file name")
    if path.exists() and not force:
        raise InputError(f"{path} exists", "pass --force to overwrite it")


def write_atomic(path: Path, text: str) -> None:
    """A temporary file in the same folder, then a rename: readers never see half a diagram.
    A replaced file keeps its permissions; a new one gets the usual ones (the umask applies)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
