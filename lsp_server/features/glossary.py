"""The glossary in the editor: hover shows the entry under the cursor, diagnostics flag forbidden
synonyms (refreshed when the glossary changes), code actions rename to the ubiquitous name or add a
new term, and `ubiq.addGlossaryTerm` drafts an entry with the model as an undoable WorkspaceEdit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import attrs
from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from lsp_server.context.positions import offset_at, width
from lsp_server.engine.backend import Backend
from lsp_server.errors import InputError, UbiqError
from lsp_server.features.arguments import options
from lsp_server.features.diagnostics import show
from lsp_server.features.documents import encoding_of, is_python, usable
from lsp_server.features.edits import apply, file_edit
from lsp_server.features.rename import RENAME
from lsp_server.files import read_text
from lsp_server.glossary import add as glossary_add
from lsp_server.glossary.check import Finding, check_scan
from lsp_server.glossary.drafting_model import drafting_settings
from lsp_server.glossary.format import entry_markdown
from lsp_server.glossary.live import LiveGlossary
from lsp_server.glossary.locate import matches_at
from lsp_server.glossary.model import Entry
from lsp_server.glossary.naming import split_words
from lsp_server.glossary.scan import ScannedFile, scan_source
from lsp_server.glossary.store import Glossary, glossary_path
from lsp_server.progress import JobProgress, run_job
from lsp_server.server import UbiqServer

log = logging.getLogger(__name__)
ADD_TERM = "ubiq.addGlossaryTerm"


@attrs.define
class AddTermArgs:
    """`{term, context?, lang?, force?}`: `force` adds a near duplicate without asking."""

    term: str = ""
    context: str = ""
    lang: str = "en"
    force: bool = False


SOURCE = "ubiq glossary"


def live(ls: UbiqServer) -> LiveGlossary | None:
    """The workspace's glossary, following the `glossary.path` setting."""
    if ls.project_root is None:
        return None
    path = glossary_path(ls.project_root, ls.settings.glossary.path)
    if ls.glossary is None or ls.glossary.path != path:
        ls.glossary = LiveGlossary(path)
    return ls.glossary


def current(ls: UbiqServer) -> Glossary | None:
    """The glossary now: the editor's unsaved copy when the file is open, else the file."""
    holder = live(ls)
    if holder is None:
        return None
    document = ls.workspace.text_documents.get(from_fs_path(str(holder.path)))
    holder.refresh(document.source if document is not None else None)
    return holder.glossary


def _scanned(ls: UbiqServer, uri: str) -> ScannedFile | None:
    document = ls.workspace.text_documents.get(uri)
    if document is None or not is_python(uri, document.language_id) or not usable(document.source):
        return None
    syntax = ls.syntax.get(uri)
    tree = syntax.tree if syntax is not None and syntax.text == document.source else None
    return scan_source(document.source, Path(document.path), tree)


def _column(line_text: str, col: int, encoding: str) -> int:
    return width(line_text[:col], encoding)


def _finding_range(text: str, finding: Finding, encoding: str) -> types.Range:
    line_text = text.split("\n")[finding.line] if finding.line < text.count("\n") + 1 else ""
    return types.Range(
        start=types.Position(line=finding.line, character=_column(line_text, finding.col, encoding)),
        end=types.Position(line=finding.line, character=_column(line_text, finding.end_col, encoding)),
    )


def diagnostics_for(ls: UbiqServer, uri: str) -> list[types.Diagnostic]:
    glossary = current(ls)
    if glossary is None or not ls.settings.glossary.diagnostics or not glossary.entries:
        return []
    scanned = _scanned(ls, uri)
    if scanned is None:
        return []
    encoding = encoding_of(ls)
    return [
        types.Diagnostic(
            range=_finding_range(scanned.text, finding, encoding),
            message=finding.message,
            severity=types.DiagnosticSeverity.Warning,
            source=SOURCE,
            code="forbidden-synonym" if finding.kind == "avoid" else "unknown-form",
            data={"replacement": finding.replacement, "identifier": finding.identifier, "term": finding.term},
        )
        for finding in check_scan(scanned, glossary.index)
    ]


def _glossary_problems(holder: LiveGlossary) -> list[types.Diagnostic]:
    error = holder.error
    if error is None:
        return []
    return [
        types.Diagnostic(
            range=types.Range(
                start=types.Position(line=max(p.line - 1, 0), character=max(p.column - 1, 0)),
                end=types.Position(line=max(p.line - 1, 0), character=max(p.column, 1)),
            ),
            message=p.message,
            severity=types.DiagnosticSeverity.Error,
            source=SOURCE,
        )
        for p in error.problems
    ]


def publish(ls: UbiqServer, uri: str) -> None:
    """Called on every document change: a glossary edit re-checks every open file; a Python edit
    re-checks that file."""
    holder = live(ls)
    if holder is not None and uri == from_fs_path(str(holder.path)):
        document = ls.workspace.text_documents.get(uri)
        if holder.refresh(document.source if document is not None else None):
            if holder.error is not None:
                ls.warn(f"Ubiq: the glossary has errors: {holder.error.message}")
            show(ls, uri, SOURCE, _glossary_problems(holder))
            publish_all(ls)
        return
    if is_python(uri):
        _send(ls, uri, diagnostics_for(ls, uri))


def publish_all(ls: UbiqServer) -> None:
    for uri in list(ls.workspace.text_documents):
        if is_python(uri):
            _send(ls, uri, diagnostics_for(ls, uri))


def _send(ls: UbiqServer, uri: str, diagnostics: list[types.Diagnostic]) -> None:
    show(ls, uri, SOURCE, diagnostics)


def hover(ls: UbiqServer, params: types.HoverParams) -> types.Hover | None:
    glossary = current(ls)
    scanned = _scanned(ls, params.text_document.uri)
    if glossary is None or scanned is None:
        return None
    try:
        offset = offset_at(
            scanned.text, params.position.line, params.position.character, encoding=encoding_of(ls)
        )
    except InputError as exc:
        log.info("hover at %s: %s", params.position, exc)
        return None
    col = offset - (scanned.text.rfind("\n", 0, offset) + 1)
    matches = matches_at(scanned, glossary.index, params.position.line, col)
    entries = list(dict.fromkeys(match.entry for match in matches))
    if not entries:
        return None
    value = "\n\n---\n\n".join(entry_markdown(entry) for entry in entries)
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value))


def code_actions(ls: UbiqServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """Rename for each glossary diagnostic in range; "Add to the glossary" for an unknown word."""
    actions = []
    uri = params.text_document.uri
    for diagnostic in params.context.diagnostics:
        if diagnostic.source != SOURCE or not isinstance(diagnostic.data, dict):
            continue
        replacement = diagnostic.data.get("replacement")
        if not replacement:
            continue
        start = diagnostic.range.start
        arguments = {"uri": uri, "line": start.line, "character": start.character, "newName": replacement}
        actions.append(
            types.CodeAction(
                title=f"Rename to `{replacement}` (ubiquitous language)",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                command=types.Command(
                    title=f"Rename to {replacement}", command=RENAME, arguments=[arguments]
                ),
                is_preferred=True,
            )
        )
    word = _unknown_word(ls, uri, params.range.start)
    if word:
        actions.append(
            types.CodeAction(
                title=f"Add `{word}` to the glossary",
                kind=types.CodeActionKind.Refactor,
                command=types.Command(
                    title=f"Add {word} to the glossary", command=ADD_TERM, arguments=[{"term": word}]
                ),
            )
        )
    return actions


def _unknown_word(ls: UbiqServer, uri: str, position: types.Position) -> str | None:
    """The term under the cursor that the glossary lacks: an identifier's words, or a run of
    Chinese in a comment or docstring."""
    glossary = current(ls)
    scanned = _scanned(ls, uri)
    if glossary is None or scanned is None:
        return None
    try:
        offset = offset_at(scanned.text, position.line, position.character, encoding=encoding_of(ls))
    except InputError:
        return None
    col = offset - (scanned.text.rfind("\n", 0, offset) + 1)
    if matches_at(scanned, glossary.index, position.line, col):
        return None
    identifier = scanned.identifier_at(position.line, col)
    if identifier is not None:
        words = [w.text.lower() for w in split_words(identifier.name)]
        return " ".join(words) if words and len(identifier.name) > 2 else None
    found = scanned.text_at(position.line, col)
    if found is None:
        return None
    block, at = found
    for word in split_words(block.text):
        if word.start <= at <= word.start + len(word.text) and not word.text.isascii():
            return word.text
    return None


ADD_ANYWAY = "Add anyway"


async def _add_anyway(ls: UbiqServer, term: str, clash: glossary_add.TermClash) -> bool:
    """Ask the user whether to add a term that is close to an entry (window/showMessageRequest)."""
    question = types.ShowMessageRequestParams(
        type=types.MessageType.Warning,
        message=f"Ubiq: {clash}. Add {term} anyway?",
        actions=[types.MessageActionItem(title=ADD_ANYWAY)],
    )
    try:
        answer = await ls.window_show_message_request_async(question)
    except Exception as exc:  # a client that cannot ask: the clash is reported as before
        log.info("could not ask whether to add %s anyway: %s", term, exc)
        return False
    return answer is not None and answer.title == ADD_ANYWAY


async def add_term(ls: UbiqServer, *args: Any) -> dict[str, Any]:
    """`[{term, context?, lang?, force?}]` in, through the use case the CLI's `glossary add` uses;
    the grown glossary goes out as an undoable WorkspaceEdit (the editor saves the file)."""
    given = options(ADD_TERM, args, AddTermArgs)
    term = given.term.strip()
    holder, backend, root = live(ls), ls.model.backend(), ls.project_root
    if not term or holder is None or root is None or backend is None:
        message = (
            "Ubiq: no term given" if not term
            else "Ubiq: open a folder to keep a glossary" if holder is None or root is None
            else "Ubiq: the model is not loaded yet"
        )  # fmt: skip
        ls.warn(message)
        return {"error": message}
    context, force = given.context, given.force

    async def job(progress: JobProgress) -> tuple[dict[str, Any], str]:
        glossary = current(ls)
        if glossary is None:
            raise UbiqError(
                f"the glossary has errors: {holder.error.message if holder.error else 'unreadable'}"
            )
        edited = Glossary.parse(glossary.dumps(), glossary.path)  # the live one changes once applied

        drafter = await _drafter(ls, backend, progress)

        def add(forced: bool) -> Awaitable[Entry]:
            return asyncio.to_thread(
                glossary_add.add_term,
                drafter,
                edited,
                term,
                root=root,
                context=context,
                language=given.lang,
                force=forced,
                prompts_dir=ls.settings.prompts_dir,
                handle=progress,
            )

        try:
            entry = await add(force)
        except glossary_add.TermClash as clash:
            # A near duplicate is the user's call, as `glossary add --force` is on the command line.
            if force or not clash.forcible or not await _add_anyway(ls, term, clash):
                raise
            entry = await add(True)
        await apply(ls, glossary_edit(ls, edited), f"Ubiq: add {term} to the glossary")
        summary = f"Ubiq: added {term} = {entry.english} to {edited.path.name} (draft)"
        return {"entry": entry.to_mapping(), "path": str(edited.path)}, summary

    return await run_job(ls, "Ubiq: glossary", f"drafting {term}", f"Ubiq could not add {term}", job)


async def _drafter(ls: UbiqServer, configured: Backend, progress: JobProgress) -> Backend:
    """The model that drafts (`glossary.draftModel`: the largest installed pack by default),
    loaded on first use and kept; the configured model when that one cannot load."""
    settings = drafting_settings(ls.settings)
    if settings is None:
        return configured
    progress.report(f"loading {settings.model.path} to draft with")
    backend = await asyncio.to_thread(ls.draft_model.ready, settings)
    if backend is None:
        log.warning("drafting with %s instead: %s", configured.info().name, ls.draft_model.message)
        return configured
    return backend


def glossary_edit(ls: UbiqServer, glossary: Glossary) -> types.WorkspaceEdit:
    """The glossary's new text as an edit of the file (created if missing), against the editor's
    unsaved copy when it is open: undoable, and nothing the user typed is lost."""
    document = ls.workspace.text_documents.get(from_fs_path(str(glossary.path)))
    if document is not None:
        old: str | None = document.source
    else:
        old = read_text(glossary.path) if glossary.path.exists() else None
    return types.WorkspaceEdit(
        document_changes=file_edit(glossary.path, old, glossary.dumps(), encoding_of(ls))
    )


def register(server: UbiqServer) -> None:
    server.document_listeners.append(publish)

    @server.command(ADD_TERM)
    async def add_glossary_term(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        return await add_term(ls, *args)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: UbiqServer, params: types.DidChangeWatchedFilesParams) -> None:
        holder = live(ls)
        if holder is not None and any(Path(to_fs_path(c.uri)) == holder.path for c in params.changes):
            publish(ls, from_fs_path(str(holder.path)))
