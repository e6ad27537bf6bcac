"""An ER model read out of requirement text (English or Chinese) by the model, step by step:
the entities, then the attributes of each, then the relationships among the entities found.

Each step answers through a JSON schema (a grammar), so even a small model returns JSON that
parses; everything the model must not decide is decided here. Identifiers come from the English
words deterministically (the glossary's naming rules, and the glossary's own name for a term it
knows); a relationship may only name entities found in step 1 (the schema lists them, and the
answer is checked again); results are merged and de-duplicated. Every fact of the result is a
suggestion: entities of kind `text`, relationships with `declared=False`, and each carries the
sentence it was read from as its evidence and location.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lsp_server.datamodel.model import (
    CARDINALITIES,
    MANY_TO_MANY,
    ONE_TO_ONE,
    Attribute,
    Entity,
    ERModel,
    ERWarning,
    Location,
    Relationship,
)
from lsp_server.engine.backend import Backend, CancelToken, ChatMessage
from lsp_server.engine.chat_json import RETRY_HINT, UnparsableAnswer, chat_json
from lsp_server.errors import ModelError
from lsp_server.glossary.index import TermIndex
from lsp_server.glossary.naming import pluralize, render, same_words, words_of
from lsp_server.prompts import render as render_prompt

TYPES = ("integer", "decimal", "string", "text", "boolean", "date", "datetime")
ENGLISH = "^[a-z][a-z0-9]*( [a-z][a-z0-9]*){0,3}$"
MAX_ENTITIES, MAX_ATTRIBUTES, MAX_RELATIONSHIPS = 10, 8, 12
OnProgress = Callable[[str, float], None]

ENTITIES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "entities": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 30},
                    "english": {"type": "string", "pattern": ENGLISH},
                    "description": {"type": "string", "maxLength": 60},
                    "sentence": {"type": "integer"},
                },
                "required": ["name", "english", "description", "sentence"],
            },
            "minItems": 1,
            "maxItems": MAX_ENTITIES,
        }
    },
    "required": ["entities"],
}
ATTRIBUTES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 40},
                    "english": {"type": "string", "pattern": ENGLISH},
                    "type": {"enum": list(TYPES)},
                    "sentence": {"type": "integer"},
                },
                "required": ["name", "english", "type", "sentence"],
            },
            "maxItems": MAX_ATTRIBUTES,
        }
    },
    "required": ["attributes"],
}


def relationships_schema(identifiers: Sequence[str]) -> dict[str, Any]:
    """Only the entities found may be named: the grammar cannot spell any other."""
    names = {"enum": list(identifiers)}
    return {
        "type": "object",
        "properties": {
            "relationships": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "from": names,
                        "to": names,
                        "cardinality": {"enum": list(CARDINALITIES)},
                        "sentence": {"type": "integer"},
                    },
                    "required": ["from", "to", "cardinality", "sentence"],
                },
                "maxItems": MAX_RELATIONSHIPS,
            }
        },
        "required": ["relationships"],
    }


@dataclass(frozen=True)
class Sentence:
    """A sentence of the text, numbered from 1, and where it starts (1-based line and column)."""

    number: int
    text: str
    line: int
    column: int


_BREAK = re.compile(r"(?<=[。！？!?])|(?<=[.])(?=\s)")
_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)、])\s+")
_HEADING = re.compile(r"^\s*#+\s*")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of prose or of a list: paragraphs are split at blank lines, headings and list
    items, then at sentence-ending punctuation (Chinese `。！？`, or `.!?` before a space)."""
    blocks: list[list[tuple[int, int, str]]] = []  # (line, column, text) of the lines of a block
    current: list[tuple[int, int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        marker = _ITEM.match(line) or _HEADING.match(line)
        if (not stripped or marker) and current:
            blocks.append(current)
            current = []
        if not stripped:
            continue
        start = marker.end() if marker else len(line) - len(line.lstrip())
        current.append((number, start + 1, line[start:].rstrip()))
    if current:
        blocks.append(current)
    sentences: list[Sentence] = []
    for block in blocks:
        joined, places = "", []
        for line, column, piece in block:
            if joined and not (_caseless(joined[-1]) and _caseless(piece[0])):
                joined += " "  # a wrapped English line; Chinese lines join without a space
            places.append((len(joined), line, column))
            joined += piece
        offset = 0
        for part in _BREAK.split(joined):
            if part.strip():
                line, column = _place(places, offset + len(part) - len(part.lstrip()))
                sentences.append(Sentence(len(sentences) + 1, part.strip(), line, column))
            offset += len(part)
    return sentences


def _caseless(ch: str) -> bool:
    return ch.isalpha() and not ch.isascii()


def _place(places: list[tuple[int, int, int]], offset: int) -> tuple[int, int]:
    start, line, column = places[0]
    for piece_start, piece_line, piece_column in places:
        if piece_start <= offset:
            start, line, column = piece_start, piece_line, piece_column
    return line, column + offset - start


def numbered(sentences: Sequence[Sentence]) -> str:
    return "\n".join(f"[{s.number}] {s.text}" for s in sentences)


# A worked example shown as an earlier turn of each step (small models follow a demonstration far
# better than a description), in the language of the text. A library, on purpose: a domain unlike
# the user's, so that nothing of it is worth copying.
@dataclass(frozen=True)
class Example:
    """The worked library example in one language, given to the model as an earlier turn of each
    step."""

    sentences: tuple[str, ...]
    names: tuple[str, ...]  # as the text writes them: reader, library card, loan, book
    descriptions: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...]  # of the loan: (as written, English)

    @property
    def text(self) -> str:
        return "\n".join(f"[{n}] {text}" for n, text in enumerate(self.sentences, start=1))

    def entities(self) -> dict[str, Any]:
        return {
            "entities": [
                {"name": name, "english": english, "description": description, "sentence": sentence}
                for name, english, description, sentence in zip(
                    self.names, EXAMPLE_ENGLISH, self.descriptions, (1, 1, 2, 2), strict=True
                )
            ]
        }

    def loan_attributes(self) -> dict[str, Any]:
        return {
            "attributes": [
                {"name": name, "english": english, "type": "date", "sentence": 2}
                for name, english in self.attributes
            ]
        }


EXAMPLE_ENGLISH = ("reader", "library card", "loan", "book")
EXAMPLES = {
    "en": Example(
        (
            "The library issues a library card to every reader and records the reader's name and phone.",
            "A reader can borrow many books; each loan records the loan date and the return date.",
            "Every book has a title, an ISBN and a publication year.",
        ),
        EXAMPLE_ENGLISH,
        ("A person who borrows books.", "The card of a reader.", "One borrowing of a book.", "A book."),
        (("loan date", "loan date"), ("return date", "return date")),
    ),
    "zh": Example(
        (
            "图书馆为每位读者办理一张借书证，记录读者的姓名和电话。",
            "读者可以借阅多本图书，每次借阅记录借出日期和归还日期。",
            "每本图书有书名、ISBN 和出版年份。",
        ),
        ("读者", "借书证", "借阅", "图书"),
        ("借书的人。", "读者的借书证。", "一次借书。", "图书馆的一本书。"),
        (("借出日期", "loan date"), ("归还日期", "return date")),
    ),
}
EXAMPLE_RELATIONSHIPS = {
    "relationships": [
        {"from": "Reader", "to": "LibraryCard", "cardinality": "1:1", "sentence": 1},
        {"from": "Reader", "to": "Loan", "cardinality": "1:N", "sentence": 2},
        {"from": "Book", "to": "Loan", "cardinality": "1:N", "sentence": 2},
    ]
}


def language_of(text: str) -> str:
    """`zh` when a fair share of the letters are Chinese characters, else `en`."""
    letters = [ch for ch in text if ch.isalpha()]
    chinese = sum(1 for ch in letters if "\u4e00" <= ch <= "\u9fff")
    return "zh" if letters and chinese / len(letters) > 0.2 else "en"


@dataclass
class _Found:
    identifier: str
    name: str
    english: str
    description: str
    sentence: Sentence | None
    chunk: list[Sentence] = field(default_factory=list)

    @property
    def words(self) -> tuple[str, ...]:
        return words_of(self.english)


# Last words that make a phrase a property of the entity it starts with ("student number", "order
# date"), not an entity of its own ("order line" stays one), and the type each suggests.
PROPERTY_WORDS = {
    "name": "string", "title": "string", "number": "string", "no": "string", "code": "string",
    "id": "string", "type": "string", "status": "string", "state": "string", "level": "string",
    "grade": "string", "address": "string", "phone": "string", "email": "string", "gender": "string",
    "description": "text", "note": "text", "remark": "text",
    "date": "date", "birthday": "date", "day": "date", "time": "datetime",
    "price": "decimal", "amount": "decimal", "total": "decimal", "fee": "decimal", "cost": "decimal",
    "rate": "decimal", "balance": "decimal", "weight": "decimal",
    "quantity": "integer", "count": "integer", "age": "integer", "year": "integer", "capacity": "integer",
    "points": "integer", "score": "integer",
}  # fmt: skip


def _type_of(words: tuple[str, ...]) -> str:
    return PROPERTY_WORDS.get(words[-1], "string") if words else "string"


def _owner(entity: _Found, found: list[_Found]) -> _Found | None:
    """The entity this one is a property of: "student number" → Student (the longest such)."""
    words = entity.words
    if len(words) < 2 or words[-1] not in PROPERTY_WORDS:
        return None
    owners = [
        f
        for f in found
        if f is not entity and len(f.words) < len(words) and same_words(words[: len(f.words)], f.words)
    ]
    return max(owners, key=lambda f: len(f.words), default=None)


def _a_reference(written: str, words: tuple[str, ...], owner: _Found, entities: list[_Found]) -> bool:
    """An "attribute" that names another entity: `customer`, `customer_id`, `order_customer`, 班级."""
    if words[-1] == "id":
        words = words[:-1]
    if words[: len(owner.words)] == owner.words and len(words) > len(owner.words):
        words = words[len(owner.words) :]
    return any(
        (written and written == other.name) or same_words(words, other.words)
        for other in entities
        if other is not owner
    ) or same_words(words, owner.words)


def _same_attribute(new: Attribute, old: Attribute, owner: tuple[str, ...]) -> bool:
    """The same attribute twice: one name, one Chinese spelling, or one name but for the owner's
    name in front (`student_number` beside `number`)."""

    def core(attribute: Attribute) -> tuple[str, ...]:
        words = words_of(attribute.name)
        return (
            words[len(owner) :]
            if len(words) > len(owner) and same_words(words[: len(owner)], owner)
            else words
        )

    return (
        new.name == old.name
        or (bool(new.description) and new.description == old.description)
        or same_words(core(new), core(old))
    )


def _a_property(entity: _Found, found: list[_Found], attributes: dict[str, list[Attribute]]) -> bool:
    """An "entity" that is another entity's attribute (`member name` beside Member's `name`)."""
    for other in found:
        if other is entity:
            continue
        head, rest = entity.words[: len(other.words)], entity.words[len(other.words) :]
        for attribute in attributes[other.identifier]:
            words = words_of(attribute.name)
            if same_words(entity.words, words) or (same_words(head, other.words) and same_words(rest, words)):
                return True
    return False


class TextReader:
    """One requirement text read into an ER model; `read()` runs the three steps."""

    def __init__(
        self,
        backend: Backend,
        text: str,
        path: str = "<text>",
        *,
        glossary: TermIndex | None = None,
        prompts_dir: str = "",
        project_root: Path | None = None,
        cancel: CancelToken | None = None,
        on_progress: OnProgress | None = None,
    ) -> None:
        self.backend, self.path, self.glossary = backend, path, glossary
        self.prompts_dir, self.project_root = prompts_dir, project_root
        self.cancel = cancel
        self.on_progress = on_progress or (lambda message, fraction: None)
        self.sentences = split_sentences(text)
        self.example = EXAMPLES[language_of(text)]
        self.warnings: list[ERWarning] = []
        self.system = ChatMessage("system", self._prompt("er_text.system.txt", {}))

    # -- the three steps ------------------------------------------------------------------------

    def read(self) -> ERModel:
        if not self.sentences:
            return ERModel(
                warnings=[ERWarning("the text has no sentences", Location(self.path), "unsupported")]
            )
        chunks = self._chunks()
        self.on_progress("finding entities", 0.0)
        found: list[_Found] = []
        for chunk in chunks:
            for entity in self._entities(chunk):
                if not any(same_words(entity.words, f.words) for f in found):
                    found.append(entity)
        if not found:
            raise ModelError("the model found no entities in the text", "try a larger model (--model large)")
        attributes: dict[str, list[Attribute]] = {}
        properties = [(f, owner) for f in found if (owner := _owner(f, found)) is not None]
        for item, owner in properties:  # "student number" beside Student: Student's number
            attributes.setdefault(owner.identifier, []).append(self._property(item, owner))
        found = [f for f in found if all(f is not item for item, _ in properties)]
        steps = len(found) + 2
        for done, item in enumerate(found, start=1):
            self.on_progress(f"attributes of {item.identifier}", done / steps)
            known = attributes.setdefault(item.identifier, [])
            for attribute in self._attributes(item, found):
                if not any(_same_attribute(attribute, other, item.words) for other in known):
                    known.append(attribute)
        found = [f for f in found if not _a_property(f, found, attributes)]
        self.on_progress("relationships", (steps - 1) / steps)
        relationships: list[Relationship] = []
        for chunk in chunks:
            relationships += self._relationships(chunk, found)
        entities = [self._entity(f, attributes[f.identifier]) for f in found]
        return ERModel(entities, _distinct(relationships), self.warnings)

    def _entities(self, chunk: list[Sentence]) -> list[_Found]:
        messages = [
            self.system,
            ChatMessage("user", self._prompt("er_entities.txt", {"sentences": self.example.text})),
            ChatMessage("assistant", json.dumps(self.example.entities(), ensure_ascii=False)),
            ChatMessage("user", self._prompt("er_entities.txt", {"sentences": numbered(chunk)})),
        ]
        items = self._ask(messages, ENTITIES_SCHEMA, "entities", 700)
        found = []
        for item in items:
            written = item.get("name", "").strip()
            english = self._english(written, item.get("english", ""))
            cited = self._sentence(item.get("sentence"))
            stating = [s for s in ([cited] if cited else []) + chunk if mentions(s.text, written, english)]
            if not english or not stating:
                continue  # not named by the text: copied from the example, or made up
            found.append(
                _Found(
                    render(english, "pascal"),
                    written,
                    " ".join(english),
                    item.get("description", "").strip(),
                    stating[0],
                    chunk,
                )
            )
        return found

    def _attributes(self, entity: _Found, entities: list[_Found]) -> list[Attribute]:
        others = ", ".join(e.name for e in entities if e is not entity) or "(none)"
        example = self.example

        def ask(sentences: str, name: str, english: str, others: str) -> ChatMessage:
            variables = {"sentences": sentences, "entity": name, "english": english, "others": others}
            return ChatMessage("user", self._prompt("er_attributes.txt", variables))

        messages = [
            self.system,
            ask(
                example.text,
                example.names[2],
                EXAMPLE_ENGLISH[2],
                ", ".join(example.names[:2] + example.names[3:]),
            ),
            ChatMessage("assistant", json.dumps(example.loan_attributes(), ensure_ascii=False)),
            ask(numbered(entity.chunk), entity.name, entity.english, others),
        ]
        try:
            items = self._ask(messages, ATTRIBUTES_SCHEMA, "attributes", 450)
        except ModelError as error:
            self.warnings.append(
                ERWarning(f"attributes of {entity.identifier}: {error}", None, "internal-error")
            )
            return []
        attributes: dict[str, Attribute] = {}
        for item in items:
            english = self._english(item.get("name", ""), item.get("english", ""), as_written=True)
            if not english or _a_reference(item.get("name", "").strip(), english, entity, entities):
                continue  # a link to an entity is a relationship, not an attribute
            name = render(english, "snake")
            written = item.get("name", "").strip()
            sentence = self._grounding(entity, written, english, self._sentence(item.get("sentence")))
            if sentence is None:
                continue  # no sentence names both the entity and this attribute: a small model's echo
            attributes.setdefault(
                name,
                Attribute(
                    name,
                    item.get("type", "string") if item.get("type") in TYPES else "string",
                    description=written if written and not written.isascii() else "",
                    location=self._location(sentence),
                    evidence=sentence.text,
                ),
            )
        return list(attributes.values())

    def _property(self, item: _Found, owner: _Found) -> Attribute:
        words = item.words[len(owner.words) :]
        return Attribute(
            render(words, "snake"),
            _type_of(words),
            description=item.name if item.name and not item.name.isascii() else "",
            location=self._location(item.sentence),
            evidence=item.sentence.text if item.sentence else "",
        )

    def _grounding(
        self, entity: _Found, written: str, english: tuple[str, ...], cited: Sentence | None
    ) -> Sentence | None:
        """The sentence that states an attribute of an entity: the one the model cited if it names
        both, else the first that does; None if none does."""
        candidates = [cited] if cited is not None else []
        candidates += [s for s in self.sentences if s is not cited]
        for sentence in candidates:
            if mentions(sentence.text, entity.name, entity.words) and mentions(
                sentence.text, written, english
            ):
                return sentence
        return None

    def _relationships(self, chunk: list[Sentence], entities: list[_Found]) -> list[Relationship]:
        identifiers = [e.identifier for e in entities]
        listing = "\n".join(
            f"{e.identifier}: {e.english}" + (f" ({e.name})" if e.name and e.name != e.english else "")
            for e in entities
        )
        example_listing = "\n".join(
            f"{render(words_of(english), 'pascal')}: {english}" + (f" ({name})" if name != english else "")
            for name, english in zip(self.example.names, EXAMPLE_ENGLISH, strict=True)
        )
        messages = [
            self.system,
            ChatMessage(
                "user",
                self._prompt(
                    "er_relationships.txt", {"sentences": self.example.text, "entities": example_listing}
                ),
            ),
            ChatMessage("assistant", json.dumps(EXAMPLE_RELATIONSHIPS, ensure_ascii=False)),
            ChatMessage(
                "user",
                self._prompt("er_relationships.txt", {"sentences": numbered(chunk), "entities": listing}),
            ),
        ]
        try:
            items = self._ask(messages, relationships_schema(identifiers), "relationships", 500)
        except ModelError as error:
            self.warnings.append(ERWarning(f"relationships: {error}", None, "internal-error"))
            return []
        by_identifier = {e.identifier: e for e in entities}
        found = []
        for item in items:
            start, end = by_identifier.get(item.get("from", "")), by_identifier.get(item.get("to", ""))
            cardinality = item.get("cardinality")
            sentence = self._sentence(item.get("sentence"))
            if start is None or end is None or cardinality not in CARDINALITIES:
                self.warnings.append(
                    ERWarning(
                        f"dropped a relationship that names no entity found: {item}",
                        self._location(sentence),
                        "unresolved-reference",
                    )
                )
                continue
            if start is end and not _mentioned_twice(start, sentence):
                continue  # a small model's echo, unless the sentence links the entity to itself
            found.append(_relationship(start, end, cardinality, sentence, self._location(sentence)))
        return found

    # -- helpers --------------------------------------------------------------------------------

    def _entity(self, found: _Found, attributes: list[Attribute]) -> Entity:
        written = found.name if found.name and not found.name.isascii() else ""
        description = f"{written}: {found.description}" if written else found.description
        return Entity(
            found.identifier,
            attributes=attributes,
            kind="text",
            description=description.strip(": "),
            location=self._location(found.sentence),
            evidence=found.sentence.text if found.sentence else "",
        )

    def _english(self, written: str, english: str, as_written: bool = False) -> tuple[str, ...]:
        return english_words(self.glossary, written, english, as_written)

    def _sentence(self, number: Any) -> Sentence | None:
        if isinstance(number, int) and 1 <= number <= len(self.sentences):
            return self.sentences[number - 1]
        return None

    def _location(self, sentence: Sentence | None) -> Location:
        return Location(self.path, sentence.line, sentence.column) if sentence else Location(self.path)

    def _prompt(self, name: str, variables: dict[str, object]) -> str:
        return render_prompt(name, variables, self.prompts_dir, self.project_root)

    def _chunks(self) -> list[list[Sentence]]:
        return chunked(self.sentences, self.backend)

    def _ask(
        self, messages: list[ChatMessage], schema: dict[str, Any], key: str, max_tokens: int
    ) -> list[dict]:
        return ask_items(self.backend, messages, schema, key, max_tokens, cancel=self.cancel)


def chunked(sentences: Sequence[Sentence], backend: Backend) -> list[list[Sentence]]:
    """Sentences in runs that leave room in the context for the examples and the answer."""
    budget = max(200, backend.info().context_size // 3)
    chunks: list[list[Sentence]] = [[]]
    used = 0
    for sentence in sentences:
        cost = backend.count_tokens(sentence.text) + 4
        if chunks[-1] and used + cost > budget:
            chunks.append([])
            used = 0
        chunks[-1].append(sentence)
        used += cost
    return chunks


def ask_items(
    backend: Backend,
    messages: list[ChatMessage],
    schema: dict[str, Any],
    key: str,
    max_tokens: int,
    *,
    cancel: CancelToken | None = None,
    temperature: float = 0.0,
    seed: int | None = None,
) -> list[dict]:
    """The items of the answer's `{key: [...]}`; an answer cut off by the token limit still
    gives the items it wrote whole (each is checked against the text anyway)."""
    try:
        data = chat_json(
            backend,
            messages,
            schema,
            max_tokens=max_tokens,
            cancel=cancel,
            what=f"list of {key}",
            temperature=temperature,
            seed=seed,
        )
    except UnparsableAnswer as error:
        data = error.partial or {}
        if not isinstance(data.get(key), list):
            raise
    items = data.get(key)
    if not isinstance(items, list):
        raise ModelError(f"the model's answer has no list of {key}", RETRY_HINT)
    return [item for item in items if isinstance(item, dict)]


def english_words(
    glossary: TermIndex | None, written: str, english: str, as_written: bool = False
) -> tuple[str, ...]:
    """The words an identifier is made of: the glossary's English for a term it knows (by the
    term as written, or by an English spelling it lists, even one to avoid), else the model's
    English, or (`as_written`, for attributes) the text's own words when it is English.
    Entities keep the model's words: it was asked for the singular, the text may say plural."""
    if glossary is not None:
        entry = glossary.by_term(written) if written.strip() else None
        if entry is None:
            match = glossary.lookup(english) if english.strip() else None
            entry = match.entry if match is not None else None
        if entry is not None:
            return entry.words
    words = words_of(english)
    text_words = words_of(written) if as_written and written.isascii() else ()
    if text_words and len(text_words) <= 4 and not same_words(text_words, words):
        words = text_words  # English text: its own words beat the model's paraphrase
    return words if words and words[0][:1].isalpha() else ()


def mentions(text: str, written: str, words: tuple[str, ...]) -> bool:
    """Whether a sentence names something: as written (a Chinese name anywhere in the text, an
    English one as whole words), or by its English words in a row, plurals allowed."""
    if written and not written.isascii() and written in text:
        return True
    found = words_of(text)
    for phrase in (words_of(written) if written.isascii() else (), words):
        size = len(phrase)
        if size and any(same_words(found[i : i + size], phrase) for i in range(len(found) - size + 1)):
            return True
    return False


def _mentioned_twice(entity: _Found, sentence: Sentence | None) -> bool:
    if sentence is None:
        return False
    text = sentence.text.lower()
    return any(text.count(name.lower()) >= 2 for name in (entity.name, entity.english) if name)


def _relationship(
    start: _Found, end: _Found, cardinality: str, sentence: Sentence | None, location: Location
) -> Relationship:
    """Navigation names by rule: `Customer.orders` and `Order.customer` for a 1:N."""
    one, other = render(words_of(start.english), "snake"), render(words_of(end.english), "snake")
    many_side = cardinality != ONE_TO_ONE
    return Relationship(
        from_entity=start.identifier,
        to_entity=end.identifier,
        cardinality=cardinality,
        from_field=_plural(other) if many_side else other,
        to_field=_plural(one) if cardinality == MANY_TO_MANY else one,
        declared=False,
        evidence=sentence.text if sentence else "",
        location=location,
    )


def _plural(snake: str) -> str:
    head, _, last = snake.rpartition("_")
    return f"{head}_{pluralize(last)}" if head else pluralize(last)


def _distinct(relationships: list[Relationship]) -> list[Relationship]:
    """One relationship per pair of entities: the first stated wins."""
    seen: set[frozenset[str]] = set()
    kept = []
    for rel in relationships:
        pair = frozenset((rel.from_entity, rel.to_entity))
        if pair not in seen:
            seen.add(pair)
            kept.append(rel)
    return kept


def read_text(backend: Backend, text: str, path: str = "<text>", **options: Any) -> ERModel:
    """The ER model a requirement text describes, every fact a suggestion (see the module);
    `options` are `TextReader`'s: glossary, prompts_dir, project_root, cancel, on_progress."""
    return TextReader(backend, text, path, **options).read()


def merge_into(code: ERModel, text: ERModel) -> ERModel:
    """The code's model with what the text adds: its entities the code lacks, and its
    relationships between entities not yet related. A text entity that names a code entity
    (same words, plurals allowed) is the code's; the code's facts are never changed."""
    names: dict[str, str] = {}
    for entity in text.entities:
        same = [
            e for e in code.entities if same_words(words_of(e.name.rsplit(".", 1)[-1]), words_of(entity.name))
        ]
        names[entity.name] = same[0].name if same else entity.name
    entities = code.entities + [e for e in text.entities if names[e.name] == e.name]
    related = {frozenset((r.from_entity, r.to_entity)) for r in code.relationships}
    relationships = list(code.relationships)
    for rel in text.relationships:
        start, end = names[rel.from_entity], names[rel.to_entity]
        if frozenset((start, end)) not in related:
            related.add(frozenset((start, end)))
            relationships.append(replace(rel, from_entity=start, to_entity=end))
    return ERModel(entities, relationships, code.warnings + text.warnings)
