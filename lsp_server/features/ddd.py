"""DDD in the editor: the rules' findings as diagnostics in Python files, a class's building block,
aggregate and context on hover, the context map (`ubiq.dddMap`) and answers to questions about the
model (`ubiq.dddAsk`) as commands.

The domain model is read from the whole project on a thread (`LiveReading`), re-read after a pause
in editing a Python file (unsaved text included); nothing here blocks typing.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import attrs
from lsprotocol import types
from pygls.uris import to_fs_path

from lsp_server.context.positions import width
from lsp_server.ddd.ask import ask
from lsp_server.ddd.model import DomainModel, has_domain_package, load
from lsp_server.ddd.render import mermaid
from lsp_server.ddd.rules import Finding, check
from lsp_server.ddd.suggest import KindSuggestion, is_ambiguous, record, suggest_kind
from lsp_server.errors import UbiqError
from lsp_server.features.arguments import options
from lsp_server.features.diagnostics import show
from lsp_server.features.documents import encoding_of, usable
from lsp_server.features.edits import apply, quick_fix
from lsp_server.features.glossary import current as refresh_glossary
from lsp_server.features.glossary import glossary_edit
from lsp_server.glossary.model import Entry
from lsp_server.glossary.store import Glossary
from lsp_server.live_reading import LiveReading
from lsp_server.progress import JobProgress, run_job
from lsp_server.server import UbiqServer

log = logging.getLogger(__name__)
SOURCE = "ubiq ddd"
DDD_MAP = "ubiq.dddMap"
DDD_ASK = "ubiq.dddAsk"
DDD_SUGGEST_KIND = "ubiq.dddSuggestKind"
RECORD = "Record in the glossary"
REREAD_AFTER_S = 0.75  # a pause in typing before the project is read again
_KINDS = {
    "aggregate_root": "aggregate root", "entity": "entity", "value_object": "value object",
    "domain_event": "domain event", "repository": "repository", "domain_service": "domain service",
}  # fmt: skip


def holder(ls: UbiqServer) -> LiveReading[tuple[DomainModel, list[Finding]]] | None:
    if ls.project_root is None:
        return None
    if ls.ddd_model is None:
        ls.ddd_model = LiveReading(
            "domain model",
            lambda paths, overrides: _read(paths, overrides, _glossary_entries(ls)),
            lambda: (load([]), []),
            [ls.project_root],
            lambda: _open_python(ls),
            lambda: ls.in_loop(lambda: publish_all(ls)),
            delay=REREAD_AFTER_S,
        )
    return ls.ddd_model


def _read(paths: Any, overrides: Any, glossary: tuple[Entry, ...]) -> tuple[DomainModel, list[Finding]]:
    model = load(paths, dict(overrides), glossary)
    return model, check(model)


def _glossary_entries(ls: UbiqServer) -> tuple[Entry, ...]:
    """The entries the glossary held when last loaded (the kinds approved there decide); read on
    the reading's thread, so it is not reloaded here."""
    holder = ls.glossary
    return holder.glossary.entries if holder is not None and holder.glossary is not None else ()


def _open_python(ls: UbiqServer) -> dict[str, str]:
    return {
        to_fs_path(uri): document.source
        for uri, document in list(ls.workspace.text_documents.items())
        if uri.endswith(".py") and usable(document.source)
    }


def diagnostics_for(ls: UbiqServer, uri: str) -> list[types.Diagnostic] | None:
    """None while the model is being read."""
    document = ls.workspace.text_documents.get(uri)
    reading = holder(ls)
    if document is None or reading is None or not uri.endswith(".py"):
        return []
    current = reading.get()
    if current is None:
        return None
    lines = document.source.split("\n")
    return [_diagnostic(f, lines, encoding_of(ls)) for f in current[1] if f.path == document.path]


def _diagnostic(finding: Finding, lines: list[str], encoding: str) -> types.Diagnostic:
    text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
    start = min(finding.column - 1, len(text))
    word = re.match(r"\w*", text[start:])
    end = start + (len(word.group(0)) if word and word.group(0) else len(text[start:].rstrip()))
    severity = (
        types.DiagnosticSeverity.Information
        if finding.severity == "information"
        else types.DiagnosticSeverity.Warning
    )
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=finding.line - 1, character=width(text[:start], encoding)),
            end=types.Position(line=finding.line - 1, character=width(text[:end], encoding)),
        ),
        message=finding.message,
        severity=severity,
        source=SOURCE,
        code=finding.code,
        data={"replacement": finding.replacement} if finding.replacement is not None else None,
    )


def wanted(ls: UbiqServer) -> bool:
    """Diagnostics where the project keeps a domain model: a `domain` package somewhere (a look at
    folder names only). Elsewhere the whole project is not read on every pause in typing."""
    if not ls.settings.ddd.diagnostics or ls.project_root is None:
        return False
    if ls.ddd_wanted is None:
        ls.ddd_wanted = has_domain_package(ls.project_root)
    return ls.ddd_wanted


def publish(ls: UbiqServer, uri: str) -> None:
    """On every change of a Python file: the model is read again after a pause; this file's
    findings are shown from the reading at hand meanwhile."""
    if not uri.endswith(".py") or not wanted(ls):
        return
    reading = holder(ls)
    if reading is not None and reading.get() is not None:
        reading.stale()
    diagnostics = diagnostics_for(ls, uri)
    if diagnostics is not None:
        show(ls, uri, SOURCE, diagnostics)


def publish_all(ls: UbiqServer) -> None:
    if not wanted(ls):
        return
    for uri in list(ls.workspace.text_documents):
        diagnostics = diagnostics_for(ls, uri) if uri.endswith(".py") else None
        if diagnostics is not None:
            show(ls, uri, SOURCE, diagnostics)


def code_actions(ls: UbiqServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """The quick fix "Refer by identity": the field's line rewritten, offered only where
    `rules.by_identity` found it safe (no other use of the field in the project); an undoable edit."""
    document = ls.workspace.text_documents.get(params.text_document.uri)
    actions = []
    for diagnostic in params.context.diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        if diagnostic.source != SOURCE or not data.get("replacement") or document is None:
            continue
        line = diagnostic.range.start.line
        old = document.source.split("\n")[line] if line < len(document.source.split("\n")) else ""
        edit = types.TextEdit(
            range=types.Range(
                start=types.Position(line=line, character=0),
                end=types.Position(line=line, character=width(old, encoding_of(ls))),
            ),
            new_text=data["replacement"],
        )
        title = f"Refer by identity: {data['replacement'].strip()}"
        actions.append(quick_fix(title, diagnostic, params.text_document.uri, [edit]))
    return actions


def suggest_actions(ls: UbiqServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """On the line of a class no rule classifies: ask the model which building block it is."""
    reading = ls.ddd_model  # as hover: only once a reading exists
    current = reading.get() if reading is not None else None
    document = ls.workspace.text_documents.get(params.text_document.uri)
    if current is None or document is None:
        return []
    lines = document.source.split("\n")
    line = params.range.start.line
    match = re.match(r"\s*class (\w+)", lines[line]) if line < len(lines) else None
    if match is None or not is_ambiguous(current[0], match.group(1)):  # on every cursor move: one class
        return []
    name = match.group(1)
    title = f"Ask the model which building block {name} is"
    return [
        types.CodeAction(
            title=title,
            kind=types.CodeActionKind.Refactor,
            command=types.Command(title=title, command=DDD_SUGGEST_KIND, arguments=[{"name": name}]),
        )
    ]


@attrs.define
class SuggestKindArgs:
    """`ubiq.dddSuggestKind`'s argument: the class to ask about."""

    name: str = ""


async def suggest_kind_command(ls: UbiqServer, *args: Any) -> dict[str, Any]:
    """`[{name}]`: the model's building block for the class, shown with the line it cites and the
    facts; the user confirms it into the glossary (an undoable edit), where it then decides."""
    name = options(DDD_SUGGEST_KIND, args, SuggestKindArgs, ("name",)).name.strip()
    backend = ls.model.backend()
    if not name or backend is None:
        message = "Ubiq: no class given" if not name else "Ubiq: the model is not loaded yet"
        ls.warn(message)
        return {"error": message}

    async def job(progress: JobProgress) -> tuple[dict[str, Any], str]:
        model = await _model(ls, "the domain model")
        if name not in model.code.classes:
            raise UbiqError(f"no class {name} in the project")
        progress.report(f"asking the model about {name}")
        suggestion = await asyncio.to_thread(
            suggest_kind, backend, model, name,
            prompts_dir=ls.settings.prompts_dir, project_root=ls.project_root,
        )  # fmt: skip
        if suggestion is None:
            raise UbiqError(f"the model gave no answer the code bears out; {name} stays unclassified")
        kind = _KINDS.get(suggestion.kind, suggestion.kind)
        recorded = await _confirmed(ls, suggestion, kind)
        if not recorded:
            return {**suggestion.to_dict(), "recorded": False}, f"Ubiq: {name} may be a {kind} (not recorded)"
        glossary = refresh_glossary(ls)
        if glossary is None:
            raise UbiqError("open a folder to keep a glossary")
        edited = Glossary.parse(glossary.dumps(), glossary.path)  # the live one changes once applied
        source = f"confirmed in the editor: {suggestion.reason}"
        record(edited, name, suggestion.kind, confirmed=True, source=source)
        await apply(ls, glossary_edit(ls, edited), f"Ubiq: record {name} as {kind}")
        refresh_glossary(ls)
        reading = holder(ls)
        if reading is not None:
            reading.stale()  # read again with the decision
        summary = f"Ubiq: recorded {name} as {kind} in {edited.path.name}"
        return {**suggestion.to_dict(), "recorded": True}, summary

    return await run_job(ls, "Ubiq: DDD", f"asking about {name}", f"Ubiq could not classify {name}", job)


async def _confirmed(ls: UbiqServer, suggestion: KindSuggestion, kind: str) -> bool:
    """Show the suggestion with its evidence and ask whether to record it (window/showMessageRequest)."""
    question = types.ShowMessageRequestParams(
        type=types.MessageType.Info,
        message=(
            f"Ubiq: {suggestion.name} looks like a {kind}: {suggestion.reason} (line {suggestion.line}: "
            f"`{suggestion.quote}`; {'; '.join(suggestion.facts)}). Record it in the glossary?"
        ),
        actions=[types.MessageActionItem(title=RECORD)],
    )
    try:
        answer = await ls.window_show_message_request_async(question)
    except Exception as exc:  # a client that cannot ask: nothing is recorded
        log.info("could not ask whether to record %s: %s", suggestion.name, exc)
        return False
    return answer is not None and answer.title == RECORD


def hover_markdown(ls: UbiqServer, uri: str, word: str) -> str:
    """The building block, aggregate and context of the class named `word`, with the evidence."""
    reading = ls.ddd_model  # hover starts no reading: diagnostics or the map did, or none is wanted
    current = reading.get() if reading is not None else None
    if current is None:
        return ""
    model = current[0]
    block = model.blocks.get(word)
    if block is None or not block.kind:
        return ""
    facts = [f"**{word}** — {_KINDS.get(block.kind, block.kind)}"]
    if block.aggregate and block.aggregate != word:
        facts.append(f"in the aggregate of `{block.aggregate}`")
    elif block.kind == "aggregate_root" and word in model.aggregates and model.aggregates[word].members:
        facts.append("holds " + ", ".join(f"`{m}`" for m in model.aggregates[word].members))
    if block.context:
        facts.append(f"context `{block.context}`")
    return " · ".join(facts) + "\n\n" + "; ".join(block.evidence)


async def _model(ls: UbiqServer, what: str) -> DomainModel:
    reading = holder(ls)
    if reading is None:
        raise ValueError(f"open a project folder first: {what} is read from it")
    current = reading.get()
    while current is None:  # the first reading is under way: wait for it, not for a fixed time
        await asyncio.sleep(0.1)
        current = reading.get()
    return current[0]


async def context_map(ls: UbiqServer, *args: Any) -> dict[str, Any]:
    """The context map of the project: `{mermaid, markdown, map}` (map: `ubiq ddd map --format json`)."""
    model = await _model(ls, "the context map")
    text = mermaid(model)
    data = model.to_dict()
    lines = ["# Context map", "", "```mermaid", text.rstrip(), "```", ""]
    for relation in data["relations"]:
        lines.append(f"- **{relation['from']}** {relation['kind']} **{relation['to']}**:")
        lines += [f"  - {e}" for e in relation["evidence"][:5]]
    return {"mermaid": text, "markdown": "\n".join(lines) + "\n", "map": data}


async def ask_domain(ls: UbiqServer, *args: Any) -> dict[str, Any]:
    """A question about the domain model (argument: the question, or `{question}`), answered from
    the glossary and the code: `{answer, markdown, evidence, subjects, citations}`."""
    first = args[0] if args else None
    question = first.get("question") if isinstance(first, dict) else first
    if not isinstance(question, str) or not question.strip():
        raise ValueError("ask a question, e.g. “which aggregate owns the order lines?”")
    refresh_glossary(ls)
    model = await _model(ls, "the domain model")
    glossary = ls.glossary.glossary if ls.glossary is not None else None
    entries = glossary.entries if glossary is not None else ()
    answer = ask(question.strip(), model, entries, str(glossary.path) if glossary is not None else "")
    answer.citations = [replace(c, path=_relative(c.path, ls.project_root)) for c in answer.citations]
    return {**answer.to_dict(), "markdown": f"**{question.strip()}**\n\n{answer.markdown()}"}


def _relative(path: str, root: Path | None) -> str:
    """A path inside the project as the user reads it in the workspace: relative to its root."""
    try:
        return str(Path(path).relative_to(root)) if root is not None else path
    except ValueError:
        return path


def register(server: UbiqServer) -> None:
    server.document_listeners.append(publish)

    @server.command(DDD_MAP)
    async def ddd_map(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        return await context_map(ls, *args)

    @server.command(DDD_SUGGEST_KIND)
    async def ddd_suggest_kind(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        return await suggest_kind_command(ls, *args)

    @server.command(DDD_ASK)
    async def ddd_ask(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        return await ask_domain(ls, *args)
