"""Draft a glossary entry with the model: English name, definition, examples, synonyms to avoid.

The schema becomes a grammar, so even a 0.5B model returns an entry that parses; everything the
model must not decide is decided here: the term is copied verbatim, identifier forms come from
`english` deterministically, new entries are drafts, and `source` names the model.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from lsp_server.engine.backend import Backend, CancelToken, ChatMessage
from lsp_server.engine.chat_json import chat_json
from lsp_server.errors import ModelError
from lsp_server.glossary.locate import Usage
from lsp_server.glossary.model import Entry, InvalidEntry
from lsp_server.prompts import render

log = logging.getLogger(__name__)

SCHEMA = {
    "type": "object",
    "properties": {
        "english": {"type": "string", "pattern": "^[a-z][a-z0-9]*( [a-z][a-z0-9]*){0,3}$"},
        "definition": {"type": "string", "minLength": 8, "maxLength": 240},
        "examples": {"type": "array", "items": {"type": "string", "maxLength": 160}, "maxItems": 2},
        "aliases": {"type": "array", "items": {"type": "string", "maxLength": 40}, "maxItems": 3},
        "avoid": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,30}$"},
            "maxItems": 4,
        },
    },
    "required": ["english", "definition", "examples", "aliases", "avoid"],
}
# Worked examples shown to the model as earlier turns of the conversation (a small model follows
# a demonstrated answer far better than a described one). They come from a library domain on
# purpose: examples from the user's own domain would be copied instead of translated.
EXAMPLES = (
    (
        "借阅期限",
        {
            "english": "loan period",
            "definition": "How long a member may keep a borrowed book before returning it.",
            "examples": ["The loan period for new books is 14 days."],
            "aliases": ["borrowing period"],
            "avoid": ["jieyue_qixian", "borrow_days"],
        },
    ),
    (
        "馆藏编号",
        {
            "english": "call number",
            "definition": "The code that identifies one item of the library's collection and its shelf.",
            "examples": ["Find the book by its call number."],
            "aliases": ["shelf mark"],
            "avoid": ["book_no", "bid"],
        },
    ),
)


def draft_entry(
    backend: Backend,
    term: str,
    *,
    existing: list[Entry],
    usages: Sequence[Usage] = (),
    context: str = "",
    language: str = "en",
    prompts_dir: str = "",
    project_root: Path | None = None,
    cancel: CancelToken | None = None,
) -> Entry:
    """One draft entry for `term`; raises ModelError when the model's answer is unusable."""

    def ask(term: str, taken: str, used: str) -> str:
        variables = {
            "term": term,
            "context": f"Bounded context: {context}" if context else "",
            "language": language,
            "glossary": taken,
            "usages": used,
        }
        return render("glossary_add.txt", variables, prompts_dir, project_root)

    messages = [ChatMessage("system", render("glossary_add.system.txt", {}, prompts_dir, project_root))]
    for example_term, answer in EXAMPLES:
        messages.append(ChatMessage("user", ask(example_term, "(none)", "(nowhere yet)")))
        messages.append(ChatMessage("assistant", json.dumps(answer, ensure_ascii=False)))
    taken = ", ".join(f"{e.english} ({e.term})" for e in _neighbours(term, existing)) or "(none)"
    used = "; ".join(f"{u.kind} line {u.line + 1}: {u.text}"[:120] for u in usages[:6]) or "(nowhere yet)"
    messages.append(ChatMessage("user", ask(term, taken, used)))
    names = {e.english.casefold(): e.term for e in existing}
    data = _answer(backend, messages, term, cancel)
    clash = names.get(str(data.get("english", "")).casefold())
    if clash is not None:
        # A small model tends to copy a name it was shown; one more turn saying so usually fixes it.
        messages.append(ChatMessage("assistant", json.dumps(data, ensure_ascii=False)))
        messages.append(
            ChatMessage(
                "user",
                f'"{data["english"]}" is already the English name of {clash}. {term} is a different '
                f"concept: answer again with the English translation of {term} itself.",
            )
        )
        data = _answer(backend, messages, term, cancel, temperature=0.3)
    avoid = [a for a in data.get("avoid", []) if _usable_avoid(a, data.get("english", ""))]
    try:
        return Entry.from_mapping(
            {
                "term": term,
                "english": data.get("english", ""),
                "definition": data.get("definition", ""),
                "examples": data.get("examples", []),
                "aliases": [a for a in data.get("aliases", []) if a.strip() and a != data.get("english")],
                "avoid": avoid,
                "context": context,
                "status": "draft",
                "source": backend.info().name,
            }
        )
    except InvalidEntry as error:
        raise ModelError(f"the model's draft for {term!r} is not a valid entry: {error.message}") from None


def _answer(
    backend: Backend,
    messages: list[ChatMessage],
    term: str,
    cancel: CancelToken | None,
    temperature: float = 0.0,
) -> dict:
    """A draft that does not parse is an error: half an entry is no use to anyone."""
    return chat_json(
        backend,
        messages,
        SCHEMA,
        max_tokens=320,
        temperature=temperature,
        cancel=cancel,
        what=f"draft for {term!r}",
    )


def _neighbours(term: str, existing: Sequence[Entry], limit: int = 10) -> list[Entry]:
    """Entries the new term could be confused with (sharing a character or a word). Showing the
    whole glossary invites a small model to copy an unrelated name from it."""
    chars = {ch for ch in term if not ch.isascii()}
    words = set(term.casefold().split())
    return [
        e
        for e in existing
        if chars & set(e.term) or words & set(e.term.casefold().split()) | words & set(e.english.split())
    ][:limit]


def _usable_avoid(name: str, english: str) -> bool:
    """A forbidden synonym must not forbid the ubiquitous name itself."""
    return bool(name) and re.sub(r"[_\s]+", " ", name).strip() != english.strip()
