"""Suggestions beside an extracted ER model: undeclared foreign keys and many-to-manys found by
rule, and entity or attribute names that disagree with the team's glossary.

A suggestion never changes the model it was made for: it is a separate object with its kind,
message, evidence and location, and the relationship or rename it proposes (relationships with
`declared=False`). Renderers draw suggestions apart from the facts, and the editor offers the
ones it can write into the code as code actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lsp_server.datamodel.model import Entity, ERModel, Location, Relationship
from lsp_server.datamodel.references import (
    ForeignKeyGuess,
    JunctionGuess,
    foreign_key_guesses,
    junction_guesses,
)
from lsp_server.glossary.check import check_identifier
from lsp_server.glossary.index import TermIndex
from lsp_server.glossary.scan import Identifier

FOREIGN_KEY = "foreign-key"
JUNCTION = "many-to-many"  # a junction table stands for a many-to-many
RENAME = "rename"
SUGGESTION_KINDS = (FOREIGN_KEY, JUNCTION, RENAME)
MAX_RENAME_STEPS = 4  # an identifier with several forbidden parts is rewritten part by part


@dataclass
class Rename:
    """Rename an entity (`attribute` None) or one of its attributes."""

    entity: str
    attribute: str | None
    old: str
    new: str
    terms: list[str] = field(default_factory=list)  # the glossary terms the old name breaks

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "attribute": self.attribute,
            "old": self.old,
            "new": self.new,
            "terms": list(self.terms),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rename:
        return cls(
            data["entity"], data.get("attribute"), data["old"], data["new"], list(data.get("terms", []))
        )


@dataclass
class Suggestion:
    """One proposal, tagged as such. `source` says what made it (`rule`); `alternatives` names
    other entities the column may reference instead."""

    kind: str
    message: str
    evidence: str
    location: Location | None = None
    relationship: Relationship | None = None
    rename: Rename | None = None
    confidence: float = 1.0
    source: str = "rule"
    alternatives: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "evidence": self.evidence,
            "location": self.location.to_dict() if self.location else None,
            "relationship": self.relationship.to_dict() if self.relationship else None,
            "rename": self.rename.to_dict() if self.rename else None,
            "confidence": round(self.confidence, 3),
            "source": self.source,
            "alternatives": list(self.alternatives),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Suggestion:
        relationship, rename = data.get("relationship"), data.get("rename")
        return cls(
            kind=data["kind"],
            message=data["message"],
            evidence=data.get("evidence", ""),
            location=Location.from_dict(data.get("location")),
            relationship=Relationship.from_dict(relationship) if relationship else None,
            rename=Rename.from_dict(rename) if rename else None,
            confidence=data.get("confidence", 1.0),
            source=data.get("source", "rule"),
            alternatives=list(data.get("alternatives", [])),
        )


def suggest(model: ERModel, *, glossary: TermIndex | None = None) -> list[Suggestion]:
    """Foreign keys, then many-to-manys, then renames (when a glossary with entries is given)."""
    guesses = foreign_key_guesses(model)
    found = [_foreign_key(g) for g in guesses]
    found += [_many_to_many(j) for j in junction_guesses(model, guesses)]
    if glossary is not None and glossary.entries:
        found += renames(model, glossary)
    return found


def _foreign_key(guess: ForeignKeyGuess) -> Suggestion:
    rel = guess.relationship()
    column = f"{guess.holder.name}.{guess.attribute.name}"
    best = guess.candidates[0].score
    top = [c for c in guess.candidates if c.score == best]
    if guess.chosen is None:
        names = " or ".join(c.entity.name for c in top)
        message = f"{column} may reference {names} (undeclared foreign key; which one is unclear)"
        confidence = best / len(top)
    else:
        target = f"{rel.from_entity}.{rel.from_columns[0]}"
        message = f"{column} looks like a foreign key to {target} ({rel.cardinality}), but none is declared"
        confidence = guess.chosen.score
    return Suggestion(
        FOREIGN_KEY,
        message,
        rel.evidence,
        rel.location,
        rel,
        confidence=confidence,
        alternatives=[c.entity.name for c in guess.candidates if c.entity.name != rel.from_entity],
    )


def _many_to_many(junction: JunctionGuess) -> Suggestion:
    rel = junction.relationship()
    message = (
        f"{junction.entity.name} looks like a junction table: {rel.from_entity} and {rel.to_entity} "
        "are many-to-many through it"
    )
    return Suggestion(JUNCTION, message, rel.evidence, rel.location, rel, confidence=0.8)


def renames(model: ERModel, glossary: TermIndex) -> list[Suggestion]:
    """Entity and attribute names that use a synonym the glossary forbids, or an unknown form of
    one of its terms, with the name the glossary wants (in the name's own style)."""
    found = []
    for entity in model.entities:
        rename = _rename(entity.name.rsplit(".", 1)[-1], _entity_kind(entity), glossary)
        if rename is not None:
            new, terms = rename
            found.append(
                _rename_suggestion(Rename(entity.name, None, entity.name, new, terms), entity.location)
            )
        for attribute in entity.attributes:
            rename = _rename(attribute.name, "attribute", glossary)
            if rename is not None:
                new, terms = rename
                found.append(
                    _rename_suggestion(
                        Rename(entity.name, attribute.name, attribute.name, new, terms), attribute.location
                    )
                )
    return found


def _entity_kind(entity: Entity) -> str:
    """A class is named in PascalCase; a table of SQL DDL keeps its snake_case."""
    return "variable" if entity.kind == "table" else "class"


def _rename(name: str, kind: str, glossary: TermIndex) -> tuple[str, list[str]] | None:
    current, terms = name, []
    for _ in range(MAX_RENAME_STEPS):
        identifier = Identifier(current, kind, 0, 0, len(current), 0, len(current))  # type: ignore[arg-type]
        findings = check_identifier(identifier, glossary)
        if not findings:
            break
        first = findings[0]
        if first.replacement == current:
            break
        terms.append(first.term)
        current = first.replacement
    return (current, terms) if current != name else None


def _rename_suggestion(rename: Rename, location: Location | None) -> Suggestion:
    where = f"{rename.entity}.{rename.attribute}" if rename.attribute else rename.entity
    glossary_terms = ", ".join(dict.fromkeys(rename.terms))
    message = f"rename {where} to {rename.new}: the glossary's name for {glossary_terms}"
    evidence = f"`{rename.old}` uses a spelling the glossary does not accept for {glossary_terms}"
    return Suggestion(RENAME, message, evidence, location, rename=rename, confidence=1.0)
