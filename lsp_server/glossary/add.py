"""Adding a term to the glossary as one use case: `ubiq glossary add` and the editor's
`ubiq.addGlossaryTerm` both call `add_term`, so both show the model where the term is used in the
code, refuse duplicates the same way, and honour `force` the same way.

The entry is added to the `Glossary` in memory; saving the file (CLI) or sending the new text as an
undoable WorkspaceEdit (editor) is the front end's part.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lsp_server.engine.backend import Backend
from lsp_server.errors import InputError
from lsp_server.glossary.draft import draft_entry
from lsp_server.glossary.duplicates import Duplicate, find_duplicates
from lsp_server.glossary.locate import Usage, find_usages
from lsp_server.glossary.model import Entry
from lsp_server.glossary.scan import ScannedFile, scan_file
from lsp_server.glossary.store import Glossary
from lsp_server.glossary.workspace import iter_python_files
from lsp_server.jobs import Handle, Quiet


class TermClash(InputError):
    """The term, or its drafted English, duplicates an entry; `forcible` when `force` would add it
    anyway (only near duplicates: an exact one is never added twice)."""

    def __init__(self, message: str, duplicates: list[Duplicate]) -> None:
        self.duplicates = duplicates
        self.forcible = not any(d.exact for d in duplicates)
        super().__init__(
            message, "edit the existing entry" + (", or add it with force" if self.forcible else "")
        )


def _scans(root: Path) -> Iterator[ScannedFile]:
    for path in iter_python_files(root):
        scanned = scan_file(path)
        if scanned is not None:
            yield scanned


def gather_usages(root: Path, term: str) -> list[Usage]:
    """Where the project's code (as saved on disk) already uses the term: the model drafts a
    better entry from real names and comments. Scans only until enough are found."""
    return find_usages(_scans(root), term)


def refuse_duplicates(glossary: Glossary, term: str, english: str, context: str, force: bool) -> None:
    """Raise TermClash for an exact duplicate, or for a near one unless `force`."""
    found = find_duplicates(glossary.entries, term, english, context)
    blocking = [d for d in found if d.exact or not force]
    if blocking:
        reasons = "; ".join(f"{d.entry.term} ({d.entry.english}): {d.reason}" for d in blocking)
        what = f"the draft for {term!r} ({english})" if english else repr(term)
        raise TermClash(f"{what} clashes with {glossary.path.name}: {reasons}", blocking)


def check_term(glossary: Glossary, term: str, context: str = "", force: bool = False) -> str:
    """The term, stripped, once it is known not to be empty or a duplicate: callers run this
    before loading a model, so a known term costs nothing."""
    term = term.strip()
    if not term:
        raise InputError("the term is empty")
    refuse_duplicates(glossary, term, "", context, force)
    return term


def draft_term(
    backend: Backend,
    glossary: Glossary,
    term: str,
    *,
    root: Path,
    context: str = "",
    language: str = "en",
    force: bool = False,
    prompts_dir: str = "",
    handle: Handle | None = None,
) -> Entry:
    """A checked draft entry for `term`, not added: duplicates are refused before the model runs
    (the term alone) and after (with the drafted English)."""
    handle = handle or Quiet()
    term = check_term(glossary, term, context, force)
    handle.report(f"drafting {term}")
    entry = draft_entry(
        backend,
        term,
        existing=list(glossary.entries),
        usages=gather_usages(root, term),
        context=context,
        language=language,
        prompts_dir=prompts_dir,
        project_root=root,
        cancel=handle.cancel,
    )
    refuse_duplicates(glossary, term, entry.english, context, force)
    return entry


def add_term(backend: Backend, glossary: Glossary, term: str, **options: Any) -> Entry:
    """Draft `term` (`draft_term`, with its keyword options) and add it to `glossary` in memory;
    returns the entry as added, with its line. The caller saves the file or turns
    `glossary.dumps()` into an edit."""
    return glossary.add(draft_term(backend, glossary, term, **options))
