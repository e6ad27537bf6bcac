"""A first domain model drafted from requirement text (English or Chinese): the EventStorming
elements (actors, commands, domain events, aggregates, policies), glossary drafts of them, and an
ER draft — files for the team to review, never edits of the code.

A small model is weak at this alone, so the model only proposes and the text decides:
- each element must cite a sentence, and the words it claims to copy must be in that sentence
  (an element without a source is dropped: an echo of the worked example, or made up);
- several samples are drawn (the first greedy, the rest at a temperature), and only what a
  majority of them proposes is kept, with the count shown;
- identifiers come from the English words by rule, and from the glossary for a term it knows;
- the flow between elements (actor → command → aggregate → event → policy) is read from which
  elements share a sentence, not asked of the model;
- aggregates are marked as suggestions: boundaries are for the team to decide.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lsp_server.datamodel.from_text import (
    Sentence,
    ask_items,
    chunked,
    english_words,
    language_of,
    mentions,
    numbered,
    read_text,
    split_sentences,
)
from lsp_server.datamodel.model import ERModel
from lsp_server.ddd.blocks import past_tense
from lsp_server.engine.backend import Backend, CancelToken, ChatMessage
from lsp_server.errors import Cancelled, ModelError
from lsp_server.glossary.index import TermIndex
from lsp_server.glossary.model import Entry, InvalidEntry
from lsp_server.glossary.naming import render, same_words, words_of
from lsp_server.prompts import render as render_prompt

ACTOR, COMMAND, AGGREGATE, EVENT, POLICY = "actor", "command", "aggregate", "event", "policy"
KINDS = (ACTOR, COMMAND, AGGREGATE, EVENT, POLICY)  # also the order of the flow
GLOSSARY_KINDS = {ACTOR: "actor", COMMAND: "command", AGGREGATE: "aggregate_root", EVENT: "domain_event",
                  POLICY: "policy"}  # fmt: skip
MAX_ELEMENTS = 16
SAMPLE_TEMPERATURE = 0.7
OnProgress = Callable[[str, float], None]

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "elements": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"enum": list(KINDS)},
                    "text": {"type": "string", "minLength": 1, "maxLength": 40},
                    "english": {"type": "string", "pattern": "^[a-z][a-z0-9]*( [a-z][a-z0-9]*){0,3}$"},
                    "sentence": {"type": "integer"},
                },
                "required": ["kind", "text", "english", "sentence"],
            },
            "minItems": 1,
            "maxItems": MAX_ELEMENTS,
        }
    },
    "required": ["elements"],
}

# A worked example given as an earlier turn (small models follow a demonstration far better than a
# description), in the text's language; a library, so that nothing of it is worth copying — and
# anything copied is dropped, since the user's text does not contain its words.
_EXAMPLE_ENGLISH = [
    (ACTOR, "reader", 1), (COMMAND, "borrow book", 1), (AGGREGATE, "book", 1), (EVENT, "book borrowed", 1),
    (EVENT, "loan expired", 2), (POLICY, "send reminder", 2), (AGGREGATE, "loan", 2),
    (ACTOR, "librarian", 3), (COMMAND, "register book", 3), (EVENT, "book registered", 3),
]  # fmt: skip
EXAMPLES = {
    "en": (
        (
            "A reader borrows a book at the front desk.",
            "When a loan expires, the library sends a reminder to the reader.",
            "A librarian registers new books.",
        ),
        ("reader", "borrows a book", "book", "borrows a book", "a loan expires", "sends a reminder",
         "loan", "librarian", "registers new books", "registers new books"),
    ),
    "zh": (
        ("读者在前台借阅图书。", "借阅到期时，图书馆向读者发送提醒。", "管理员登记新书。"),
        ("读者", "借阅图书", "图书", "借阅图书", "借阅到期", "发送提醒", "借阅", "管理员", "登记新书",
         "登记新书"),
    ),
}  # fmt: skip


def _example(language: str) -> tuple[str, str]:
    sentences, written = EXAMPLES[language]
    text = "\n".join(f"[{n}] {s}" for n, s in enumerate(sentences, start=1))
    elements = [
        {"kind": kind, "text": words, "english": english, "sentence": sentence}
        for (kind, english, sentence), words in zip(_EXAMPLE_ENGLISH, written, strict=True)
    ]
    return text, json.dumps({"elements": elements}, ensure_ascii=False)


@dataclass
class Element:
    """One element of the draft, the sentence it came from, and how many samples proposed it."""

    kind: str
    name: str  # the identifier: PascalCase from the English words
    english: str
    written: str  # the text's own words for it
    sentence: Sentence
    votes: int = 1
    aggregate: str = ""  # for commands and events: the aggregate named in the same sentence

    @property
    def words(self) -> tuple[str, ...]:
        return words_of(self.english)

    def to_dict(self, path: str) -> dict[str, Any]:
        return {
            "kind": self.kind, "name": self.name, "english": self.english, "text": self.written,
            "aggregate": self.aggregate, "votes": self.votes,
            "source": {"path": path, "line": self.sentence.line, "column": self.sentence.column,
                       "sentence": self.sentence.text},
        }  # fmt: skip


@dataclass
class Draft:
    """What `ddd draft` found in one text."""

    path: str
    samples: int
    elements: list[Element] = field(default_factory=list)
    flows: list[tuple[str, str]] = field(default_factory=list)  # (from name, to name)
    er: ERModel | None = None
    notes: list[str] = field(default_factory=list)
    dropped: int = 0  # proposals without a source in the text, or without a majority

    def of_kind(self, kind: str) -> list[Element]:
        return [e for e in self.elements if e.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "samples": self.samples,
            "elements": [e.to_dict(self.path) for e in self.elements],
            "flows": [{"from": a, "to": b} for a, b in self.flows],
            "er": self.er.to_dict() if self.er is not None else None,
            "notes": self.notes,
            "dropped": self.dropped,
        }


def draft(
    backend: Backend,
    text: str,
    path: str = "<text>",
    *,
    samples: int = 3,
    glossary: TermIndex | None = None,
    with_er: bool = True,
    prompts_dir: str = "",
    project_root: Any = None,
    cancel: CancelToken | None = None,
    on_progress: OnProgress | None = None,
) -> Draft:
    """The draft of one requirement text (see the module); raises ModelError when no element of
    it survives the checks, Cancelled when `cancel` is set."""
    progress = on_progress or (lambda message, fraction: None)
    sentences = split_sentences(text)
    result = Draft(path, max(1, samples))
    if not sentences:
        raise ModelError(f"{path} has no sentences to draft from")
    language = language_of(text)

    def prompt(name: str, variables: dict[str, object]) -> str:
        return render_prompt(name, variables, prompts_dir, project_root)

    example_text, example_answer = _example(language)
    system = ChatMessage("system", prompt("ddd_draft.system.txt", {}))
    chunks = chunked(sentences, backend)
    steps = len(chunks) * result.samples + (1 if with_er else 0)
    proposals: list[list[Element]] = []  # per sample, over all chunks
    for sample in range(result.samples):
        found: list[Element] = []
        for index, chunk in enumerate(chunks):
            progress(f"sample {sample + 1} of {result.samples}", (sample * len(chunks) + index) / steps)
            messages = [
                system,
                ChatMessage("user", prompt("ddd_draft.txt", {"sentences": example_text})),
                ChatMessage("assistant", example_answer),
                ChatMessage("user", prompt("ddd_draft.txt", {"sentences": numbered(chunk)})),
            ]
            try:
                items = ask_items(
                    backend, messages, SCHEMA, "elements", 700, cancel=cancel,
                    temperature=0.0 if sample == 0 else SAMPLE_TEMPERATURE, seed=sample,
                )  # fmt: skip
            except Cancelled:
                raise
            except ModelError as error:
                result.notes.append(f"sample {sample + 1}: {error}")
                continue
            for item in items:
                element = _grounded(item, chunk, sentences, glossary)
                if element is None:
                    result.dropped += 1
                elif not any(_same(element, other) for other in found):
                    found.append(element)
        proposals.append(found)
    result.elements = _agreed(proposals, result)
    if not result.elements:
        raise ModelError(
            "no element the model proposed is named by the text and agreed by a majority of the samples",
            "try a larger model (--model large) or more samples (--samples 5)",
        )
    _link(result)
    if with_er:
        progress("ER draft", (steps - 1) / steps)
        try:
            result.er = read_text(
                backend, text, path, glossary=glossary, prompts_dir=prompts_dir,
                project_root=project_root, cancel=cancel,
            )  # fmt: skip
        except Cancelled:
            raise
        except ModelError as error:
            result.notes.append(f"no ER draft: {error}")
    return result


def _grounded(
    item: dict[str, Any], chunk: Sequence[Sentence], sentences: Sequence[Sentence], glossary: TermIndex | None
) -> Element | None:
    """The element an answer item proposes, if the text bears it out: its words are in the sentence
    it cites (else in another sentence of the chunk), and its English makes an identifier."""
    kind, written = item.get("kind"), str(item.get("text", "")).strip()
    if kind not in KINDS or not written:
        return None
    number = item.get("sentence")
    cited = sentences[number - 1] if isinstance(number, int) and 1 <= number <= len(sentences) else None
    candidates = ([cited] if cited in chunk else []) + [s for s in chunk if s is not cited]
    sentence = next((s for s in candidates if mentions(s.text, written, ())), None)
    if sentence is None:
        return None
    nouns = kind in (ACTOR, AGGREGATE)  # the glossary names things, not actions
    words = english_words(glossary if nouns else None, written, str(item.get("english", "")))
    if not words:
        return None
    name = render(words, "pascal")
    if (kind == EVENT) != past_tense(name) and kind in (EVENT, COMMAND):
        return None  # an event is something that happened; a command, something asked for
    if kind == POLICY and words[-1] != "policy":
        name += "Policy"
    return Element(kind, name, " ".join(words), written, sentence)


def _same(one: Element, other: Element) -> bool:
    return one.kind == other.kind and (same_words(one.words, other.words) or one.written == other.written)


def _agreed(proposals: list[list[Element]], result: Draft) -> list[Element]:
    """The elements a majority of the samples proposed (the first sample's wording, in the order of
    the text); with one sample, all of them."""
    needed = len(proposals) // 2 + 1
    groups: list[Element] = []
    for found in proposals:
        for element in found:
            match = next((g for g in groups if _same(g, element)), None)
            if match is None:
                groups.append(Element(**{**element.__dict__, "votes": 1}))
            else:
                match.votes += 1
    kept = [g for g in groups if g.votes >= needed]
    result.dropped += len(groups) - len(kept)
    return sorted(kept, key=lambda e: (e.sentence.number, KINDS.index(e.kind)))


def _link(result: Draft) -> None:
    """The flow, from the elements each sentence names together: who issues which command, on
    which aggregate, raising which event, to which policy; and each command's and event's
    aggregate."""
    by_sentence: dict[int, list[Element]] = {}
    for element in result.elements:
        by_sentence.setdefault(element.sentence.number, []).append(element)
    flows: list[tuple[str, str]] = []
    for elements in by_sentence.values():
        aggregates = [e for e in elements if e.kind == AGGREGATE]
        for element in elements:
            if element.kind in (COMMAND, EVENT) and aggregates:
                element.aggregate = aggregates[0].name
        present = [[e for e in elements if e.kind == kind] for kind in KINDS]
        present = [group for group in present if group]
        for before, after in zip(present, present[1:], strict=False):
            flows += [(a.name, b.name) for a in before for b in after if (a.name, b.name) not in flows]
    result.flows = flows


# -- the files of a draft ------------------------------------------------------------------------

_STYLE = {ACTOR: "#fff59d", COMMAND: "#90caf9", AGGREGATE: "#ffe082", EVENT: "#ffb74d", POLICY: "#ce93d8"}


def mermaid(result: Draft) -> str:
    """The EventStorming board as a Mermaid flowchart, stickies in the usual colours."""
    lines = ["flowchart LR"]
    for kind in KINDS:
        lines.append(f"  classDef {kind} fill:{_STYLE[kind]},stroke:#555,color:#000")
    for element in result.elements:
        label = element.name
        if element.written != element.english:
            label += f"<br/>{element.written}".replace('"', "'")
        shape = f'(["{label}"])' if element.kind == ACTOR else f'["{label}"]'
        lines.append(f"  {_node(element)}{shape}:::{element.kind}")
    ids = {e.name: _node(e) for e in result.elements}
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in result.flows]
    return "\n".join(lines) + "\n"


def _node(element: Element) -> str:
    return f"{element.kind}_{element.name}"


def markdown(result: Draft, model_name: str = "") -> str:
    """The board for people: the diagram, then each element with the sentence it rests on."""
    by = f" by {model_name}" if model_name else ""
    lines = [
        f"# EventStorming draft of {result.path}",
        "",
        f"Drafted{by} from {result.samples} sample{'s' if result.samples != 1 else ''}: an element is "
        f"kept only when its words are in the sentence it cites and a majority of the samples "
        f"proposed it ({result.dropped} proposals dropped). Aggregate boundaries are suggestions "
        f"for the team to decide. Nothing here has changed any code.",
        "",
        "```mermaid",
        mermaid(result).rstrip(),
        "```",
        "",
        "| Kind | Name | In the text | Aggregate | Samples | Source |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for element in result.elements:
        kind = "aggregate (suggested)" if element.kind == AGGREGATE else element.kind
        source = f"{result.path}:{element.sentence.line}:{element.sentence.column}"
        lines.append(
            f"| {kind} | `{element.name}` | {_cell(element.written)} | {element.aggregate} | "
            f"{element.votes}/{result.samples} | {source} “{_cell(element.sentence.text)}” |"
        )
    if result.notes:
        lines += ["", "Notes:", *[f"- {note}" for note in result.notes]]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def glossary_entries(result: Draft, model_name: str = "") -> list[Entry]:
    """Draft glossary entries for the elements (the term as the text writes it, the English by
    rule, the sentence as the example, the kind and aggregate as proposals); entries whose
    fields the glossary would refuse are left out."""
    entries: list[Entry] = []
    descriptions = {e.name: e.description for e in (result.er.entities if result.er else [])}
    for element in result.elements:
        term = element.written if not element.written.isascii() else element.english
        if any(e.term == term for e in entries):
            continue
        try:
            entries.append(
                Entry(
                    term=term,
                    english=element.english,
                    definition=descriptions.get(element.name, "").split(": ", 1)[-1],
                    examples=(element.sentence.text,),
                    kind=GLOSSARY_KINDS[element.kind],
                    aggregate=element.aggregate,
                    status="draft",
                    source=f"ubiq ddd draft{' (' + model_name + ')' if model_name else ''}, "
                    f"{result.path}:{element.sentence.line}",
                )  # fmt: skip
            )
        except InvalidEntry:
            continue
    return entries
