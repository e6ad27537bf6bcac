"""Foreign keys nobody declared, found by rule: a `customer_id` / `customerId` / `cust_id` column
of a key type whose name stem names another entity (by its class or table name, singular or
plural, with or without the table prefix the schema shares), and junction tables whose two such
columns make a many-to-many.

Deterministic and explainable: every candidate says which names and types matched. Where two
entities match a column equally well, the one of the holder's own kind (an ORM class rather than
a pydantic schema of the same name) and then of its own namespace wins; a tie that remains is not
guessed: the first candidate is offered with the others as alternatives.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from lsp_server.datamodel.model import (
    MANY_TO_MANY,
    ONE_TO_MANY,
    ONE_TO_ONE,
    Attribute,
    Entity,
    ERModel,
    Relationship,
)
from lsp_server.datamodel.sqltypes import key_family
from lsp_server.glossary.naming import abbreviates, render, same_words, words_of

# The last word of a column name that says "this holds another row's key".
KEY_SUFFIXES = frozenset({"id", "uuid", "guid", "fk", "key"})
# A stem that means "another row of this same table" when no entity carries the name.
SELF_STEMS = frozenset({("parent",)})
# How much each way of matching a name is worth; ties between entities are ambiguous.
EXACT, UNPREFIXED, RUN_TOGETHER, ABBREVIATED, SELF, ROLE = 1.0, 0.9, 0.85, 0.7, 0.7, 0.6
# A junction table may carry a few columns of its own (a date, a role, a quantity).
JUNCTION_EXTRA_COLUMNS = 2


@dataclass(frozen=True)
class Candidate:
    """An entity a column may reference, how well its name matched, and why."""

    entity: Entity
    key: Attribute
    score: float
    how: str  # "entity name", "table name", "table name without its prefix", …
    role: str | None = None  # `billing` in `billing_address_id`: the navigation name's extra words


@dataclass
class ForeignKeyGuess:
    """An undeclared foreign key column and the entities it may reference, best first."""

    holder: Entity
    attribute: Attribute
    candidates: list[Candidate]
    chosen: Candidate | None = None  # set when one candidate is best

    @property
    def ambiguous(self) -> bool:
        return self.chosen is None

    def relationship(self) -> Relationship:
        """The suggested relationship, oriented as the model's relationships are (see `Relationship`)."""
        chosen = self.chosen or self.candidates[0]
        unique = self.attribute.unique or [a.name for a in self.holder.primary_key] == [self.attribute.name]
        return Relationship(
            from_entity=chosen.entity.name,
            to_entity=self.holder.name,
            cardinality=ONE_TO_ONE if unique else ONE_TO_MANY,
            from_columns=[chosen.key.name],
            to_columns=[self.attribute.name],
            optional=self.attribute.nullable,
            declared=False,
            evidence=self.evidence(chosen),
            location=self.attribute.location,
        )

    def evidence(self, chosen: Candidate) -> str:
        column = f"column {self.attribute.name} ({_type_words(self.attribute)})"
        key = chosen.key
        target = f"entity {chosen.entity.name} ({'pk' if key.pk else 'key'} {key.name} {_type_words(key)})"
        unique = ", unique" if self.attribute.unique else ""
        return f"{column}{unique} and {target}: the name matches its {chosen.how}"


@dataclass
class JunctionGuess:
    """An entity that holds two keys and little else: the many-to-many it stands for."""

    entity: Entity
    ends: tuple[Attribute, Attribute]
    targets: tuple[str, str]
    suggested: list[str] = field(default_factory=list)  # which of its two columns had no declared key

    def relationship(self) -> Relationship:
        first, second = self.ends
        return Relationship(
            from_entity=self.targets[0],
            to_entity=self.targets[1],
            cardinality=MANY_TO_MANY,
            through=self.entity.name,
            declared=False,
            evidence=(
                f"{self.entity.name} holds {first.name} → {self.targets[0]} and {second.name} → "
                f"{self.targets[1]}{_extra_words(self.entity, self.ends)}"
            ),
            location=self.entity.location,
        )


def _type_words(attribute: Attribute) -> str:
    return key_family(attribute.type) or attribute.type or "untyped"


def _extra_words(entity: Entity, ends: tuple[Attribute, Attribute]) -> str:
    extra = _extra_columns(entity, ends)
    return f", besides {', '.join(a.name for a in extra)}" if extra else " and nothing else"


def _extra_columns(entity: Entity, ends: tuple[Attribute, Attribute]) -> list[Attribute]:
    """Columns other than the two keys and a surrogate primary key of its own."""
    names = {a.name for a in ends}
    keys = entity.primary_key
    surrogate = keys[0].name if len(keys) == 1 and keys[0].name not in names else None
    return [a for a in entity.attributes if a.name not in names and a.name != surrogate]


def _stem(attribute: Attribute) -> tuple[str, ...] | None:
    """`customer_id`, `customerId`, `cust_id` → the words before the key suffix; None if it has none."""
    words = words_of(attribute.name)
    if len(words) < 2 or words[-1] not in KEY_SUFFIXES:
        return None
    return words[:-1]


def _key_of(entity: Entity) -> Attribute | None:
    """The column a reference to the entity would hold: its one primary key, else an `id`."""
    keys = entity.primary_key
    if len(keys) == 1:
        return keys[0]
    if not keys:
        return entity.attribute("id")
    return None


def _compatible(column: Attribute, key: Attribute) -> bool:
    """An integer or UUID column (or a string one, for a string key) of the key's own kind."""
    family = key_family(column.type)
    if family is None:
        return False
    target = key_family(key.type)
    if target is None:
        return family in ("integer", "uuid") and not key.type
    return family == target and (family != "string" or _stem_says_id(column))


def _stem_says_id(column: Attribute) -> bool:
    """A string column is a key only when its name says so (`country_code` is not, `country_id` is)."""
    return words_of(column.name)[-1] in ("id", "uuid", "guid", "key")


def table_prefixes(model: ERModel) -> set[str]:
    """First words that several tables share (`auth_`, `django_`, `ab_`): stripped when matching."""
    firsts = Counter(words[0] for e in model.entities if len(words := words_of(e.table or e.name)) > 1)
    prefixes = {word for word, count in firsts.items() if count >= 2}
    prefixes |= {words_of(e.namespace.rsplit(".", 1)[-1])[0] for e in model.entities if e.namespace}
    return prefixes


def _spellings(entity: Entity, prefixes: set[str]) -> list[tuple[tuple[str, ...], float, str]]:
    """The word sequences an entity goes by, each with how much a match on it counts."""
    found = [(words_of(entity.name.rsplit(".", 1)[-1]), EXACT, "entity name")]
    if entity.table:
        found.append((words_of(entity.table), EXACT, "table name"))
    table = words_of(entity.table or entity.name)
    if len(table) > 1 and table[0] in prefixes:
        found.append((table[1:], UNPREFIXED, "table name without its prefix"))
    return [s for s in found if s[0]]


def _match(stem: tuple[str, ...], words: tuple[str, ...]) -> tuple[float, str | None] | None:
    """How well a column stem names an entity spelled `words` (and the extra role words, if any)."""
    if same_words(stem, words):
        return 1.0, None
    if len(stem) != len(words) and "".join(stem) == "".join(words):
        return RUN_TOGETHER, None
    if len(stem) == len(words) and all(
        same_words((s,), (w,)) or abbreviates(s, w) for s, w in zip(stem, words, strict=True)
    ):
        return ABBREVIATED, None
    if len(stem) > len(words) and same_words(stem[-len(words) :], words):
        return ROLE, render(list(stem[: -len(words)]), "snake")
    return None


def _candidates(
    holder: Entity, attribute: Attribute, stem: tuple[str, ...], model: ERModel, prefixes: set[str]
) -> list[Candidate]:
    best: dict[str, Candidate] = {}
    for entity in model.entities:
        key = _key_of(entity)
        if key is None or not _compatible(attribute, key):
            continue
        for words, weight, how in _spellings(entity, prefixes):
            matched = _match(stem, words)
            if matched is None:
                continue
            score, role = matched[0] * weight, matched[1]
            if entity is holder and role is None:
                continue  # `customer_id` in Customer itself: its own key under another name
            current = best.get(entity.name)
            if current is None or score > current.score:
                best[entity.name] = Candidate(entity, key, score, how, role)
    if not best and stem in SELF_STEMS:
        key = _key_of(holder)
        if key is not None and key is not attribute and _compatible(attribute, key):
            best[holder.name] = Candidate(holder, key, SELF, "own table (a parent row)", stem[0])
    return sorted(best.values(), key=lambda c: (-c.score, c.entity.name))


def _declared_columns(model: ERModel) -> set[tuple[str, str]]:
    """(entity, column) pairs that already hold a declared key or a relationship's key."""
    found = {(e.name, a.name) for e in model.entities for a in e.attributes if a.fk is not None}
    for rel in model.relationships:
        if rel.cardinality != MANY_TO_MANY:
            found |= {(rel.to_entity, c) for c in rel.to_columns}
    return found


def _decide(guess: ForeignKeyGuess) -> None:
    """One best candidate wins; a tie is broken by the holder's kind, then its namespace, else
    left open."""
    top = [c for c in guess.candidates if c.score == guess.candidates[0].score]
    for same in (
        lambda c: c.entity.kind == guess.holder.kind,
        lambda c: c.entity.namespace == guess.holder.namespace,
    ):
        if len(top) > 1:
            near = [c for c in top if same(c)]
            top = near or top
    if len(top) == 1:
        guess.chosen = top[0]


def foreign_key_guesses(model: ERModel) -> list[ForeignKeyGuess]:
    """Every column that looks like an undeclared foreign key, in model order."""
    prefixes = table_prefixes(model)
    declared = _declared_columns(model)
    guesses = []
    for holder in model.entities:
        for attribute in holder.attributes:
            if (holder.name, attribute.name) in declared or attribute.fk is not None:
                continue
            stem = _stem(attribute)
            if stem is None:
                continue
            candidates = _candidates(holder, attribute, stem, model, prefixes)
            if candidates:
                guess = ForeignKeyGuess(holder, attribute, candidates)
                _decide(guess)
                guesses.append(guess)
    return guesses


def junction_guesses(model: ERModel, guesses: list[ForeignKeyGuess]) -> list[JunctionGuess]:
    """Entities holding exactly two keys (declared or suggested, at least one suggested), at most
    a few columns besides, and no declared many-to-many through them."""
    suggested = {(g.holder.name, g.attribute.name): g for g in guesses if not g.ambiguous}
    throughs = {r.through for r in model.relationships if r.cardinality == MANY_TO_MANY and r.through}
    found = []
    for entity in model.entities:
        if entity.name in throughs or (entity.table and entity.table in throughs):
            continue
        ends: list[tuple[Attribute, str]] = []
        undeclared: list[str] = []
        for attribute in entity.attributes:
            guess = suggested.get((entity.name, attribute.name))
            if guess is not None and guess.chosen is not None:
                ends.append((attribute, guess.chosen.entity.name))
                undeclared.append(attribute.name)
            elif attribute.fk is not None:
                target = _fk_target(attribute, model)
                if target is not None:
                    ends.append((attribute, target))
        if len(ends) != 2 or not undeclared or entity.name in (ends[0][1], ends[1][1]):
            continue  # a table pointing at itself links its own rows, it joins nothing
        pair = (ends[0][0], ends[1][0])
        if len(_extra_columns(entity, pair)) > JUNCTION_EXTRA_COLUMNS:
            continue
        found.append(JunctionGuess(entity, pair, (ends[0][1], ends[1][1]), undeclared))
    return found


def _fk_target(attribute: Attribute, model: ERModel) -> str | None:
    if attribute.fk is None:
        return None
    if model.entity(attribute.fk.entity) is not None:
        return attribute.fk.entity
    for entity in model.entities:
        if entity.table == attribute.fk.entity:
            return entity.name
    return None
