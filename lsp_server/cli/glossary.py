"""`ubiq glossary add|extract|check`: draft entries with the model, propose terms, check the code."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lsp_server.cli.common import (
    add_columns,
    add_model_flags,
    err,
    load_model,
    settings_from_args,
    table_console,
)
from lsp_server.config import Settings, find_project_root
from lsp_server.errors import InputError
from lsp_server.glossary.add import TermClash, add_term, check_term, draft_term
from lsp_server.glossary.check import check_files
from lsp_server.glossary.drafting_model import drafting_settings
from lsp_server.glossary.extract import extract_workspace
from lsp_server.glossary.format import finding_line
from lsp_server.glossary.index import TermIndex
from lsp_server.glossary.model import Entry
from lsp_server.glossary.store import Glossary, glossary_path
from lsp_server.glossary.workspace import iter_python_files

out = Console(highlight=False, soft_wrap=True)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("glossary", help="the DDD glossary: draft entries, propose terms, check code")
    commands = parser.add_subparsers(dest="glossary_command", required=True, metavar="ACTION")

    add = commands.add_parser("add", help="draft an entry for a domain term with the model and add it")
    add.add_argument("term", help="the term as the team says it, e.g. 会员积分")
    add.add_argument("--context", default="", help="the bounded context it belongs to")
    add.add_argument("--lang", choices=("en", "zh"), default="en", help="language of definition and examples")
    add.add_argument("--force", action="store_true", help="add even when a similar entry exists")
    add.add_argument("--dry-run", action="store_true", help="show the draft, write nothing")
    add.set_defaults(run=run_add)

    extract = commands.add_parser("extract", help="propose candidate terms from the code (writes nothing)")
    extract.add_argument("--limit", type=int, default=30, help="how many candidates (default 30)")
    extract.add_argument("--add", type=int, default=0, metavar="N", help="draft and add the top N candidates")
    extract.set_defaults(run=run_extract)

    check = commands.add_parser("check", help="list identifiers that break the glossary (exit 1 if any)")
    check.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the project)")
    check.add_argument("--approved-only", action="store_true", help="enforce approved entries only")
    check.set_defaults(run=run_check)

    for each in (add, extract, check):
        each.add_argument("--glossary", metavar="PATH", help="the glossary file (default: glossary.yml)")
        each.add_argument("--root", type=Path, help="the project root (default: found from here)")
        each.add_argument("--json", action="store_true", help="print the result as JSON")
    for each in (add, extract):
        add_model_flags(each)


def _open(args: argparse.Namespace) -> tuple[Settings, Path, Glossary]:
    root = (args.root or find_project_root(Path.cwd())).resolve()
    settings = settings_from_args(args, root)
    path = Path(args.glossary).resolve() if args.glossary else glossary_path(root, settings.glossary.path)
    return settings, root, Glossary.load(path)


def _show(entry: Entry) -> None:
    out.print(f"{entry.term} = {entry.english}  [{entry.status}, {entry.source}]", markup=False)
    out.print(f"  types: {entry.forms.pascal}   names: {entry.forms.snake}", markup=False)
    out.print(f"  {entry.definition}", markup=False)
    for example in entry.examples:
        out.print(f"  e.g. {example}", markup=False)
    if entry.avoid:
        out.print(f"  avoid: {', '.join(entry.avoid)}", markup=False)


def run_add(args: argparse.Namespace) -> int:
    settings, root, glossary = _open(args)
    use_case = draft_term if args.dry_run else add_term
    try:
        term = check_term(glossary, args.term, args.context, args.force)  # before the model loads
        drafting = drafting_settings(settings) or settings
        with load_model(drafting) as backend, err.status(f"drafting {term} with {backend.info().name}…"):
            entry = use_case(
                backend,
                glossary,
                term,
                root=root,
                context=args.context,
                language=args.lang,
                force=args.force,
                prompts_dir=settings.prompts_dir,
            )
    except TermClash as exc:
        if exc.forcible:
            exc.hint = "edit the existing entry, or add --force"
        raise
    if not args.dry_run:
        glossary.save()
    if args.json:
        print(
            json.dumps(
                {**entry.to_mapping(), "written": None if args.dry_run else str(glossary.path)},
                ensure_ascii=False,
            )
        )
    else:
        _show(entry)
        if not args.dry_run:
            out.print(f"added to {glossary.path} (line {entry.line}) as a draft", markup=False)
    return 0


def run_extract(args: argparse.Namespace) -> int:
    settings, root, glossary = _open(args)
    candidates = extract_workspace(root, glossary.index, limit=max(args.limit, args.add))
    added: list[Entry] = []
    if args.add:
        with load_model(drafting_settings(settings) or settings) as backend:
            for candidate in candidates[: args.add]:
                try:  # a known term is skipped before the model runs, a clashing draft after
                    with err.status(f"drafting {candidate.term} with {backend.info().name}…"):
                        added.append(
                            add_term(
                                backend,
                                glossary,
                                candidate.term,
                                root=root,
                                prompts_dir=settings.prompts_dir,
                            )
                        )
                except TermClash:
                    continue
        if added:
            glossary.save()
    if args.json:
        rows = [
            {"term": c.term, "kinds": list(c.kinds), "score": c.score, "files": c.files} for c in candidates
        ]
        print(json.dumps({"candidates": rows, "added": [e.to_mapping() for e in added]}, ensure_ascii=False))
        return 0
    table = Table(title=f"candidate terms in {root.name}")
    add_columns(table, "#", "term", "found as", "score", "files")
    for rank, c in enumerate(candidates[: args.limit], 1):
        table.add_row(str(rank), c.term, ", ".join(c.kinds), f"{c.score:.1f}", str(c.files))
    table_console(highlight=False).print(table)
    for entry in added:
        out.print(f"added {entry.term} = {entry.english} (draft)", markup=False)
    return 0


def run_check(args: argparse.Namespace) -> int:
    _, root, glossary = _open(args)
    entries = [e for e in glossary.entries if e.approved] if args.approved_only else glossary.entries
    index = TermIndex(entries)
    paths = [p.resolve() for p in args.paths] or [root]
    for path in paths:
        if not path.exists():
            raise InputError(f"no such file or folder: {path}")
    findings = check_files((f for p in paths for f in iter_python_files(p)), index)
    if args.json:
        rows = [
            {
                "path": str(f.path),
                "line": f.line + 1,
                "col": f.col + 1,
                "identifier": f.identifier,
                "term": f.term,
                "ubiquitous_name": f.ubiquitous_name,
                "replacement": f.replacement,
                "kind": f.kind,
            }
            for f in findings
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            out.print(finding_line(finding, root), markup=False)
        out.print(f"{len(findings)} finding(s) in {glossary.path.name} terms", markup=False, style="dim")
    return 1 if findings else 0
