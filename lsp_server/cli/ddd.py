"""`ubiq ddd map|check|draft`: the domain model read from the code (building blocks, aggregates,
contexts) as a context map, the DDD rules it breaks, and a first model drafted from requirement
text (see lsp_server/ddd/)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from lsp_server.cli.common import (
    add_model_flags,
    err,
    existing_paths,
    load_model,
    print_findings,
    progress_bar,
    settings_from_args,
)
from lsp_server.cli.er import check_writable, load_glossary, read_requirements, summary
from lsp_server.config import find_project_root
from lsp_server.datamodel.render import render as render_er
from lsp_server.ddd.ask import ask
from lsp_server.ddd.code import package_root
from lsp_server.ddd.contracts import config_text, contracts
from lsp_server.ddd.contracts import run as run_lint
from lsp_server.ddd.draft import KINDS, Draft, draft, glossary_entries, markdown, mermaid
from lsp_server.ddd.model import DomainModel, load
from lsp_server.ddd.render import FORMATS, render
from lsp_server.ddd.rules import check
from lsp_server.ddd.suggest import AlreadyDecided, KindSuggestion, ambiguous, record, suggest_kind
from lsp_server.errors import InputError
from lsp_server.files import write_atomic
from lsp_server.glossary.store import Glossary, GlossaryError, glossary_path


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
    asking = commands.add_parser(
        "ask",
        help='a question about the domain model ("which aggregate owns 收货地址?", "may Basket hold an '
        'Order?"), answered only from the glossary and the code, citing file:line',
    )
    asking.add_argument("question", metavar="QUESTION")
    asking.add_argument(
        "--path", dest="paths", action="append", metavar="PATH",
        help="project folder or Python file to read (repeatable; default: the project of the current folder)",
    )  # fmt: skip
    asking.add_argument("--glossary", metavar="FILE", help="the glossary (default: the project's)")
    asking.add_argument(
        "--json", action="store_true", help="{question, answer, evidence, subjects, citations}"
    )
    asking.set_defaults(run=run_ask)
    suggesting = commands.add_parser(
        "suggest",
        help="ask the model which building block each class is that no rule classifies; each suggestion "
        "cites a line of the class, and --record writes it to the glossary as a draft to approve",
    )
    _paths_argument(suggesting)
    suggesting.add_argument(
        "--record", action="store_true", help="add the suggestions to the glossary (drafts)"
    )
    suggesting.add_argument("--limit", type=int, default=20, metavar="N", help="ask about at most N classes")
    suggesting.add_argument("--glossary", metavar="FILE", help="the glossary (default: the project's)")
    suggesting.add_argument("--json", action="store_true", help="a JSON list of the suggestions")
    add_model_flags(suggesting)
    suggesting.set_defaults(run=run_suggest)
    linting = commands.add_parser(
        "contracts",
        help="import-linter contracts from the contexts and layers: layers per context, no infrastructure in "
        "the domain, no new dependency between contexts; --run checks them and reports today's violations",
    )
    _paths_argument(linting)
    linting.add_argument(
        "--out", type=Path, metavar="FILE", help="write the contracts here (e.g. .importlinter)"
    )
    linting.add_argument("--force", action="store_true", help="replace FILE if it exists")
    linting.add_argument(
        "--run", dest="lint", action="store_true", help="run them with lint-imports; exit 1 if any is broken"
    )
    linting.set_defaults(run=run_contracts)
    drafting = commands.add_parser(
        "draft",
        help="from requirement text (Chinese or English): EventStorming elements, glossary drafts and an "
        "ER draft, each citing its sentence, written to files for review",
    )
    drafting.add_argument("file", type=Path, metavar="FILE", help="the requirement text (Markdown or plain)")
    drafting.add_argument(
        "--out", type=Path, default=Path("ddd-draft"), metavar="DIR",
        help="where to write (default ddd-draft/)",
    )  # fmt: skip
    drafting.add_argument(
        "--samples", type=int, default=3, metavar="N",
        help="samples to draw; an element is kept when a majority proposes it (default 3)",
    )  # fmt: skip
    drafting.add_argument("--no-er", action="store_true", help="skip the ER draft (faster)")
    drafting.add_argument("--force", action="store_true", help="replace the draft files already in DIR")
    drafting.add_argument("--glossary", metavar="FILE", help="the glossary naming known terms")
    add_model_flags(drafting)
    drafting.set_defaults(run=run_draft)


def _paths_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="project folders or Python files")


def _load(args: argparse.Namespace) -> tuple[DomainModel, Glossary]:
    """The model of the given paths, with the kinds approved in the project's glossary."""
    paths = existing_paths(args.paths or [str(find_project_root(Path.cwd()))])
    root = find_project_root(paths[0].resolve() if paths[0].is_dir() else paths[0].resolve().parent)
    given = getattr(args, "glossary", None)
    path = Path(given) if given else glossary_path(root, settings_from_args(args, root).glossary.path)
    glossary = Glossary.load(path, missing_ok=not given)
    return load(paths, glossary=glossary.entries), glossary


def run_map(args: argparse.Namespace) -> int:
    model, _ = _load(args)
    text = render(model, args.format)
    if args.out is not None:
        write_atomic(args.out, text.encode("utf-8"), make_parents=True)
        err.print(f"wrote {args.out}", style="dim", markup=False)
    else:
        sys.stdout.write(text)
    return 0


def run_check(args: argparse.Namespace) -> int:
    return print_findings(check(_load(args)[0]), args.json)


def run_ask(args: argparse.Namespace) -> int:
    """Exit 0 with an answer grounded in the code, 1 when there was no evidence to answer from."""
    model, glossary = _load(args)
    answer = ask(args.question, model, glossary.entries, str(glossary.path))
    if args.json:
        sys.stdout.write(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(answer.answer + "\n")
        for citation in answer.citations:
            sys.stdout.write(f"  {citation}\n")
    return 0 if answer.found else 1


def run_suggest(args: argparse.Namespace) -> int:
    """Exit 0; a class the model says nothing checkable about is listed as left open."""
    model, glossary = _load(args)
    names = ambiguous(model)[: max(args.limit, 0)]
    if not names:
        err.print(
            "every class is classified by the rules or the glossary (or none looks like a domain class)"
        )
        return 0
    root = find_project_root(Path.cwd())
    settings = settings_from_args(args, root)
    found: list[KindSuggestion] = []
    with load_model(settings) as backend, progress_bar("asking about classes") as bar:
        for done, name in enumerate(names):
            bar.report(f"{name}", done / len(names))
            suggestion = suggest_kind(
                backend, model, name, prompts_dir=settings.prompts_dir, project_root=root
            )
            if suggestion is not None:
                found.append(suggestion)
    recorded = []
    if args.record:
        for suggestion in found:
            try:
                record(glossary, suggestion.name, suggestion.kind, confirmed=False,
                       source=f"ubiq ddd suggest: {suggestion.reason}")  # fmt: skip
                recorded.append(suggestion.name)
            except AlreadyDecided as decided:
                err.print(f"not recorded: {decided}", style="yellow", markup=False, soft_wrap=True)
        if recorded:
            glossary.save()
    if args.json:
        sys.stdout.write(json.dumps([s.to_dict() for s in found], ensure_ascii=False, indent=2) + "\n")
    else:
        for s in found:
            sys.stdout.write(f"{s.path}:{s.line}: {s.name}: {s.kind.replace('_', ' ')}? {s.reason}\n")
            sys.stdout.write(f"    cites: {s.quote}\n    facts: {'; '.join(s.facts)}\n")
    left = [n for n in names if n not in {s.name for s in found}]
    if left:
        err.print(f"left open (no checkable answer): {', '.join(left)}", markup=False, soft_wrap=True)
    if recorded:
        err.print(
            f"recorded {len(recorded)} in {glossary.path} as drafts: set status: approved to confirm",
            markup=False, soft_wrap=True,
        )  # fmt: skip
    return 0


def run_contracts(args: argparse.Namespace) -> int:
    paths = existing_paths(args.paths)
    if args.out is not None:
        check_writable(args.out, args.force)
    model = load(paths)
    if not contracts(model):
        err.print("no contexts or layers to write contracts for", markup=False)
        return 0
    text = config_text(model)
    if args.out is not None:
        write_atomic(args.out, text.encode("utf-8"), make_parents=True)
        err.print(f"wrote {args.out}", style="dim", markup=False)
    elif not args.lint:
        sys.stdout.write(text)
    if not args.lint:
        return 0
    source_root = package_root(paths[0] if paths[0].is_dir() else paths[0].parent)
    with tempfile.TemporaryDirectory() as scratch:
        config = args.out if args.out is not None else Path(scratch) / ".importlinter"
        if args.out is None:
            config.write_text(text, encoding="utf-8")
        outcome = run_lint(config.resolve(), source_root.resolve())
    for name in outcome.kept:
        sys.stdout.write(f"KEPT    {name}\n")
    for name in outcome.broken:
        sys.stdout.write(f"BROKEN  {name}\n")
    for violation in outcome.violations:
        sys.stdout.write(f"  {violation}\n")
    return 1 if outcome.broken else 0


DRAFT_FILES = (
    "eventstorming.md", "eventstorming.mmd", "draft.json", "glossary.draft.yml", "er.mmd", "er.dbml",
)  # fmt: skip


PLURALS = {"actor": "actors", "command": "commands", "aggregate": "aggregates", "event": "events",
           "policy": "policies"}  # fmt: skip


def run_draft(args: argparse.Namespace) -> int:
    """Writes the files of the draft into DIR; refuses, before any model work, to replace files
    already there unless --force."""
    if args.samples < 1:
        raise InputError("--samples must be at least 1")
    text = read_requirements(args.file)
    if args.out.exists() and not args.out.is_dir():
        raise InputError(f"{args.out} is a file", "give --out a folder")
    taken = [name for name in DRAFT_FILES if (args.out / name).exists()]
    if taken and not args.force:
        raise InputError(f"{args.out} already holds {', '.join(taken)}", "pass --force to replace them")
    root = find_project_root(Path.cwd())
    settings = settings_from_args(args, root)
    glossary = load_glossary(args.glossary, root, settings)
    with load_model(settings) as backend, progress_bar(f"drafting from {args.file.name}") as bar:
        result = draft(
            backend, text, str(args.file), samples=args.samples, glossary=glossary, with_er=not args.no_er,
            prompts_dir=settings.prompts_dir, project_root=root, on_progress=bar.report,
        )  # fmt: skip
        model_name = backend.info().name
    files = {
        "eventstorming.md": markdown(result, model_name),
        "eventstorming.mmd": mermaid(result),
        "draft.json": json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n",
        "glossary.draft.yml": _glossary_text(result, model_name, args.out / "glossary.draft.yml"),
    }
    if result.er is not None:
        files["er.mmd"] = render_er(result.er, "mermaid")
        files["er.dbml"] = render_er(result.er, "dbml")
    for name, content in files.items():
        write_atomic(args.out / name, content.encode("utf-8"), make_parents=True)
    counts = ", ".join(f"{len(result.of_kind(kind))} {PLURALS[kind]}" for kind in KINDS)
    er = f"; ER draft: {summary(result.er)}" if result.er is not None else ""
    err.print(f"wrote {len(files)} files to {args.out}/: {counts}{er}", markup=False, soft_wrap=True)
    for note in result.notes:
        err.print(f"note: {note}", style="yellow", markup=False, soft_wrap=True)
    return 0


def _glossary_text(result: Draft, model_name: str, path: Path) -> str:
    glossary = Glossary.parse(
        "# Glossary drafts from `ubiq ddd draft`: review them, then copy the ones the team agrees on\n"
        "# into glossary.yml (status: approved makes a kind the team's decision for `ubiq ddd`).\n",
        path,
    )
    for entry in glossary_entries(result, model_name):
        try:
            glossary.add(entry)
        except GlossaryError:
            continue  # the same term twice
    return glossary.dumps()
