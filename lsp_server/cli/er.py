"""`ubiq er PATH…`: read the ER model of code and DDL files (or of requirement text, with the model),
print it or write it as a diagram or schema, with suggestions drawn apart from the facts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lsp_server.cli.common import add_model_flags, err, load_model, settings_from_args
from lsp_server.config import Settings, find_project_root
from lsp_server.datamodel import FORMATS, ERModel, ERWarning, Suggestion
from lsp_server.datamodel.build import ERRequest, Requirements, build
from lsp_server.datamodel.render.ddl import DIALECTS
from lsp_server.errors import InputError
from lsp_server.files import read_text as read_file_text
from lsp_server.files import write_atomic
from lsp_server.glossary.index import TermIndex
from lsp_server.glossary.store import Glossary, glossary_path


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
    parser.add_argument(
        "--suggest",
        action="store_true",
        help="add suggestions: undeclared foreign keys and many-to-manys, names the glossary "
        'disagrees with (drawn apart from the facts; JSON lists them under "suggestions")',
    )
    parser.add_argument(
        "--from-text",
        type=Path,
        metavar="FILE",
        help="read entities, attributes and relationships from requirement text (English or Chinese) "
        "with the model; every fact read is a suggestion. With PATHs, adds what the code lacks",
    )
    parser.add_argument(
        "--glossary", metavar="PATH", help="the glossary for renames and names (default: glossary.yml)"
    )
    add_model_flags(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not args.paths and args.from_text is None:
        raise InputError(
            "no paths given", "e.g. ubiq er app/models.py, ubiq er src/ or ubiq er --from-text needs.md"
        )
    if args.format not in FORMATS:
        raise InputError(f"unknown format {args.format!r}", f"choose one of: {', '.join(FORMATS)}")
    if args.dialect not in DIALECTS:
        raise InputError(f"unknown SQL dialect {args.dialect!r}", f"choose one of: {', '.join(DIALECTS)}")
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise InputError(f"no such file or folder: {', '.join(missing)}")
    requirements = read_requirements(args.from_text) if args.from_text is not None else None
    if args.out is not None:
        check_writable(args.out, args.force)
    root = find_project_root(Path.cwd())
    settings = settings_from_args(args, root)
    glossary = load_glossary(args.glossary, root, settings) if args.suggest or requirements else None
    request = ERRequest(
        paths=[Path(p) for p in args.paths],
        fmt=args.format,
        dialect=args.dialect,
        requirements=Requirements(requirements, args.from_text) if requirements is not None else None,
        suggest=args.suggest,
        glossary=glossary,
    )
    if request.requirements is None:
        result = build(request)
    else:
        with load_model(settings) as backend, err.status(f"reading {args.from_text.name}…") as status:
            result = build(
                request,
                backend,
                prompts_dir=settings.prompts_dir,
                project_root=root,
                on_progress=lambda message, _: status.update(f"reading {args.from_text.name}: {message}…"),
            )
    model, suggestions, text = result.model, result.suggestions, result.text
    for warning in model.warnings:
        err.print(warning_line(warning), style="yellow", markup=False, soft_wrap=True)
    if args.out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        _write(args.out, text)
        err.print(f"wrote {args.out}: {summary(model, suggestions)}", markup=False, soft_wrap=True)
    return 0


def read_requirements(path: Path) -> str:
    """The text of a requirements file, read as the editor reads it (`files.read_text`: UTF-8, or
    GB18030, since Chinese documents are often GBK)."""
    text = read_file_text(path)
    if not text.strip():
        raise InputError(f"{path} is empty", "give --from-text a file of requirement text")
    return text


def load_glossary(given: str | None, root: Path, settings: Settings) -> TermIndex:
    path = Path(given).resolve() if given else glossary_path(root, settings.glossary.path)
    return Glossary.load(path, missing_ok=given is None).index


def warning_line(warning: ERWarning) -> str:
    """As compilers print them, so editors and terminals link the location."""
    where = f"{warning.location}: " if warning.location else ""
    return f"{where}warning: {warning.message}"


def summary(model: ERModel, suggestions: list[Suggestion] | None = None) -> str:
    counts = [
        (len(model.entities), "entity", "entities"),
        (len(model.relationships), "relationship", "relationships"),
        (len(model.warnings), "warning", "warnings"),
    ]
    if suggestions is not None:
        counts.append((len(suggestions), "suggestion", "suggestions"))
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts)


def check_writable(path: Path, force: bool) -> None:
    """Refuse before any work is done: an existing file needs --force, a folder is never replaced."""
    if path.is_dir():
        raise InputError(f"{path} is a folder", "give --out a file name")
    if path.exists() and not force:
        raise InputError(f"{path} exists", "pass --force to overwrite it")


def _write(path: Path, text: str) -> None:
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
