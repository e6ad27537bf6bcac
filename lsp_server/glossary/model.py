"""An entry of the glossary: the fields a team agrees on, checked, with its identifier forms derived.

Entries come from a hand-edited file and from a model's structured output; both go through
`Entry.from_mapping`, which accepts exactly the documented fields and says which one is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, cast

from lsp_server.glossary.naming import IdentifierForms, identifier_forms, words_of

Status = Literal["draft", "approved"]
STATUSES: tuple[Status, ...] = ("draft", "approved")
# The order fields are written in, and the only keys an entry may have.
FIELDS = (
    "term",
    "english",
    "definition",
    "examples",
    "aliases",
    "avoid",
    "context",
    "kind",
    "aggregate",
    "related",
    "status",
    "source",
)
_TEXT_FIELDS = ("definition", "context", "kind", "aggregate", "source")
# What a term names in the domain model (DDD building blocks, and the EventStorming elements a
# requirement draft finds); `ubiq ddd` reads an approved entry's kind as the team's decision.
KINDS = (
    "aggregate_root", "entity", "value_object", "domain_event", "repository", "domain_service",
    "command", "actor", "policy",
)  # fmt: skip
_LIST_FIELDS = ("examples", "aliases", "avoid", "related")


class InvalidEntry(ValueError):
    """An entry breaks a rule; `key` names the field at fault (None: the entry as a whole) and
    `index` the item of a list field, so the file layer can point at the exact line; `on_key` says
    the key itself is wrong, not its value."""

    def __init__(
        self, message: str, key: str | None = None, index: int | None = None, on_key: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.key = key
        self.index = index
        self.on_key = on_key


@dataclass(frozen=True)
class Entry:
    """One term of the ubiquitous language."""

    term: str
    """As the team says it, in any language: 订单编号, "SKU code"."""
    english: str
    """The agreed English words; every identifier form comes from these."""
    definition: str = ""
    examples: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    """Accepted other names."""
    avoid: tuple[str, ...] = ()
    """Forbidden synonyms, as phrases or identifiers (`order sn`, `order_sn`, `oid`)."""
    context: str = ""
    """The bounded context; empty means the term holds across the whole project."""
    kind: str = ""
    """What the term names in the domain model, one of KINDS; empty when nobody said."""
    aggregate: str = ""
    """The aggregate (its root's English words or class name) the term belongs to."""
    related: tuple[str, ...] = ()
    status: Status = "draft"
    source: str = ""
    """Who or which model drafted it."""
    line: int = field(default=0, compare=False)
    """1-based line of the entry in its file; 0 when it does not come from a file."""

    def __post_init__(self) -> None:
        if not self.term.strip():
            raise InvalidEntry("term must not be empty", "term")
        words = words_of(self.english)
        if not words:
            raise InvalidEntry(f"english {self.english!r} has no words to make identifiers of", "english")
        if not words[0][0].isalpha():
            raise InvalidEntry(
                f"english {self.english!r} must start with a word, not a number, to make identifiers",
                "english",
            )
        if self.kind and self.kind not in KINDS:
            raise InvalidEntry(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}", "kind")
        if self.status not in STATUSES:
            raise InvalidEntry(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}", "status")

    @cached_property
    def words(self) -> tuple[str, ...]:
        return words_of(self.english)

    @cached_property
    def forms(self) -> IdentifierForms:
        """PascalCase for types, snake_case for functions and variables, and the other two."""
        return identifier_forms(self.words)

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @classmethod
    def from_mapping(cls, data: Any, line: int = 0) -> Entry:
        """Build an entry from a mapping (a YAML entry, a model's JSON); raises InvalidEntry.

        A list field also takes one string (`avoid: oid`) or nothing; text fields take nothing.
        """
        if not isinstance(data, Mapping):
            raise InvalidEntry("an entry must be a mapping with at least `term` and `english`")
        for key in data:
            if key not in FIELDS:
                raise InvalidEntry(
                    f"unknown key {key!r} (an entry has {', '.join(FIELDS)})", str(key), on_key=True
                )
        values: dict[str, Any] = {}
        for key in ("term", "english"):
            if data.get(key) is None:
                raise InvalidEntry(f"the entry has no `{key}`")
            values[key] = _text(data[key], key)
        for key in _TEXT_FIELDS:
            values[key] = _text(data.get(key), key)
        for key in _LIST_FIELDS:
            values[key] = _texts(data.get(key), key)
        status = data.get("status")
        values["status"] = "draft" if status is None else _text(status, "status")
        return cls(**values, line=line)

    def to_mapping(self) -> dict[str, str | list[str]]:
        """The fields to write, in file order; empty ones left out."""
        out: dict[str, str | list[str]] = {}
        for key in FIELDS:
            value = getattr(self, key)
            if value:
                out[key] = list(value) if isinstance(value, tuple) else value
        return out


def _text(value: Any, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidEntry(f"`{key}` must be text, not {_type_name(value)} (quote it)", key)
    return value.strip()


def _texts(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    if not isinstance(value, list):
        raise InvalidEntry(f"`{key}` must be a list of text, not {_type_name(value)}", key)
    items = []
    for index, item in enumerate(cast(list[Any], value)):
        if not isinstance(item, str) or not item.strip():
            raise InvalidEntry(f"`{key}` item {index + 1} must be non-empty text, not {item!r}", key, index)
        items.append(item.strip())
    return tuple(items)


def _type_name(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"{type(value).__name__} {value}"
