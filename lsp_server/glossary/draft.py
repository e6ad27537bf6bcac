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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsp_server.engine.backend import Backend, CancelToken, ChatMessage
from lsp_server.engine.chat_json import chat_json
from lsp_server.errors import ModelError
from lsp_server.glossary.duplicates import find_duplicates
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


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


@dataclass(frozen=True)
class WorkedExample:
    """An earlier turn shown to the model (a small model follows a demonstrated answer far better
    than a described one), and the words of its domain, which a draft must not borrow."""

    term: str
    answer: dict[str, Any]
    domain: frozenset[str]


# Three unrelated domains, none of them the user's: a draft that copies one is easy to see (its
# words are listed) and is drafted again; examples from a single domain were copied wholesale.
EXAMPLES = (
    WorkedExample(
        "学分",
        {
            "english": "course credit",
            "definition": "The unit that says how much a passed course counts toward a student's degree.",
            "examples": ["A student needs 120 course credits to graduate."],
            "aliases": ["credit"],
            "avoid": ["xuefen", "study_points"],
        },
        _vocabulary(
            "school schools student students teacher teachers course courses degree degrees semester "
            "graduate classroom 学校 学生 老师 课程 学位 学期 毕业"
        ),
    ),
    WorkedExample(
        "挂号费",
        {
            "english": "registration fee",
            "definition": "The fee a patient pays to see a doctor at the clinic.",
            "examples": ["The registration fee is paid before the consultation."],
            "aliases": ["consultation fee"],
            "avoid": ["guahao_fei", "reg_money"],
        },
        _vocabulary(
            "clinic clinics hospital hospitals patient patients doctor doctors consultation nurse nurses "
            "medical 医院 诊所 患者 病人 医生 挂号 门诊 护士"
        ),
    ),
    WorkedExample(
        "航班号",
        {
            "english": "flight number",
            "definition": "The number that identifies one scheduled flight of an airline.",
            "examples": ["Passengers check their flight number on the departures board."],
            "aliases": ["flight code"],
            "avoid": ["hangban_hao", "fno"],
        },
        _vocabulary(
            "airline airlines airport airports passenger passengers boarding departures 航班 机场 乘客 登机 "
            "航空公司"
        ),
    ),
)
RETRIES = 2
"""Drafts asked again for one entry, when a draft borrows an example's domain or takes a name."""


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
    """One draft entry for `term`; raises ModelError when the model's answer is unusable.

    The domain comes from the user's side (the other entries, the code's usages, the context hint),
    and each draft is checked before it is shown: one that describes the worked examples' domain,
    or takes another entry's name, is drafted again with the problem said; a draft that still
    borrows is an error (a wrong definition is worse than none); a name still taken is left for
    the caller to report as a clash."""

    def ask(term: str, taken: str, used: str, domain: str) -> str:
        variables = {
            "term": term,
            "context": f"Bounded context: {context}" if context else "",
            "language": language,
            "glossary": taken,
            "usages": used,
            "domain": domain,
        }
        return render("glossary_add.txt", variables, prompts_dir, project_root)

    system = ChatMessage("system", render("glossary_add.system.txt", {}, prompts_dir, project_root))
    neighbours = _neighbours(term, existing)
    taken = ", ".join(f"{e.english} ({e.term})" for e in neighbours) or "(none)"
    used = "; ".join(f"{u.kind} line {u.line + 1}: {u.text}"[:120] for u in usages[:6]) or "(nowhere yet)"
    question = ask(term, taken, used, _domain(existing, context))
    user_side = " ".join(
        [term, context, used, *(f"{e.term} {e.english} {e.definition} {e.context}" for e in existing)]
    )

    def conversation(examples: Sequence[WorkedExample], notes: Sequence[str]) -> list[ChatMessage]:
        messages = [system]
        for example in examples:
            messages.append(ChatMessage("user", ask(example.term, "(none)", "(nowhere yet)", "(not given)")))
            messages.append(ChatMessage("assistant", json.dumps(example.answer, ensure_ascii=False)))
        return [*messages, ChatMessage("user", "\n".join([question.rstrip(), *notes]))]

    # A small model shown its own wrong answer repeats it, so a problem is not argued in a longer
    # conversation: the question is asked afresh with the problem as a rule, and without the
    # worked example the draft borrowed from.
    examples, notes = list(EXAMPLES), []
    data = _answer(backend, conversation(examples, notes), term, cancel)
    for attempt in range(RETRIES):
        problem = _problem(data, term, existing, context, user_side)
        if problem is None:
            break
        log.info("draft for %s asked again: %s", term, problem.note)
        notes.append(problem.note)
        examples = [e for e in examples if not e.domain & problem.borrowed]
        if attempt == RETRIES - 1 and problem.borrowed:
            examples = []  # the last try: nothing left to borrow from
        data = _answer(backend, conversation(examples, notes), term, cancel, temperature=0.2 * attempt)
    borrowed = borrowed_words(_draft_text(data), user_side + " " + str(data.get("english", "")))
    if borrowed:
        raise ModelError(
            f"the drafts for {term!r} kept describing an unrelated domain ({', '.join(sorted(borrowed))}) "
            f"instead of {term}",
            "give the bounded context (--context), or write the entry by hand",
        )
    return _entry(data, term, context, backend.info().name)


def _entry(data: dict[str, Any], term: str, context: str, source: str) -> Entry:
    """The checked draft as an entry: what the model must not decide is decided here."""
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
                "source": source,
            }
        )
    except InvalidEntry as error:
        raise ModelError(f"the model's draft for {term!r} is not a valid entry: {error.message}") from None


@dataclass(frozen=True)
class _Problem:
    note: str
    """A rule added to the question when it is asked again."""
    borrowed: frozenset[str] = frozenset()


def _problem(
    data: dict[str, Any], term: str, existing: Sequence[Entry], context: str, user_side: str
) -> _Problem | None:
    """What is wrong with a draft, as a rule for the next try; None when nothing is."""
    english = str(data.get("english", ""))
    before = {id(d.entry) for d in find_duplicates(existing, term, "", context)}
    clashes = [d for d in find_duplicates(existing, term, english, context) if id(d.entry) not in before]
    if clashes:
        names = ", ".join(
            sorted({f'"{e.english}"' for e in [*(d.entry for d in clashes), *_neighbours(term, existing)]})
        )
        return _Problem(
            f"Rule: {term} is a different concept from {clashes[0].entry.term}; its English name is none "
            f"of {names}."
        )
    listed = [e.english for e in existing if e.english not in english and e.english in _draft_text(data)]
    if len(listed) >= 2:  # the names it was shown, copied in: a list of terms says nothing of this one
        return _Problem(f"Rule: define {term} by what it is; the definition names no other entry.")
    borrowed = borrowed_words(_draft_text(data), f"{user_side} {english}")
    if borrowed:
        # The borrowed words are not named: a small model told "never mention passengers" writes
        # about passengers.
        return _Problem(
            f"Rule: define {term} by what it is itself, in plain words; say nothing of any other field.",
            frozenset(borrowed),
        )
    return None


def _draft_text(data: dict[str, Any]) -> str:
    examples = data.get("examples", [])
    return " ".join([str(data.get("definition", "")), *(str(e) for e in examples if isinstance(e, str))])


def borrowed_words(text: str, user_side: str) -> set[str]:
    """Words of a worked example's domain in `text`, unless that domain is the user's own (one of
    its words appears on the user's side: the term, its usages, the context, the other entries)."""
    found: set[str] = set()
    own = _words(user_side)
    for example in EXAMPLES:
        if any(_has(word, own, user_side) for word in example.domain):
            continue
        found |= {word for word in example.domain if _has(word, _words(text), text)}
    return found


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.casefold()))


def _has(word: str, words: set[str], text: str) -> bool:
    return word in words if word.isascii() else word in text


def _domain(existing: Sequence[Entry], context: str) -> str:
    """The project's bounded contexts, which say what its domain is. Not its terms: a small model
    shown a list of names copies the list into the definition."""
    contexts = dict.fromkeys(c for c in [context, *(e.context for e in existing)] if c)
    return ", ".join(contexts) or "(not given)"


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
