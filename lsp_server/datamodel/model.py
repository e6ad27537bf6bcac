"""The ER model every extractor fills and every renderer reads: entities, attributes,
relationships and the warnings that say what was not understood.

One shape for all sources (SQLAlchemy, Django, dataclasses, SQL DDL…) so renderers, the
suggestion step and the editor never care where a fact came from. Plain dataclasses with
`to_dict`/`from_dict` so the model crosses the LSP wire and the CLI's `--format json` unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ONE_TO_ONE = "1:1"
ONE_TO_MANY = "1:N"
MANY_TO_MANY = "N:M"
CARDINALITIES = (ONE_TO_ONE, ONE_TO_MANY, MANY_TO_MANY)


@dataclass(frozen=True)
class Location:
    """Where a fact was read: 1-based line and column, as editors and compilers print them."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "column": self.column}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Location | None:
        if data is None:
            return None
        return cls(data["path"], data.get("line", 1), data.get("column", 1))


@dataclass(frozen=True)
class Ref:
    """The target of a declared foreign key: an entity and, when known, its column."""

    entity: str
    column: str | None = None

    def __str__(self) -> str:
        return f"{self.entity}.{self.column}" if self.column else self.entity


@dataclass
class Attribute:
    """One column or field. `type` is as the source spells it, compacted (`String(50)`,
    `CharField(100)`, `VARCHAR(32)`, `list[str]`); `column` is the storage name when it differs;
    `evidence` is what a suggested attribute was read from (a sentence of requirement text)."""

    name: str
    type: str = ""
    pk: bool = False
    nullable: bool = True
    unique: bool = False
    description: str = ""
    fk: Ref | None = None
    column: str | None = None
    default: str | None = None
    location: Location | None = None
    evidence: str = ""
    indexed: bool = False  # leads an index (`db_index`, `index=True`, `CREATE INDEX`): SQL checks read it

    @property
    def column_name(self) -> str:
        return self.column or self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "pk": self.pk,
            "nullable": self.nullable,
            "unique": self.unique,
            "description": self.description,
            "fk": {"entity": self.fk.entity, "column": self.fk.column} if self.fk else None,
            "column": self.column,
            "default": self.default,
            "location": self.location.to_dict() if self.location else None,
            "evidence": self.evidence,
            "indexed": self.indexed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attribute:
        fk = data.get("fk")
        return cls(
            name=data["name"],
            type=data.get("type", ""),
            pk=data.get("pk", False),
            nullable=data.get("nullable", True),
            unique=data.get("unique", False),
            description=data.get("description", ""),
            fk=Ref(fk["entity"], fk.get("column")) if fk else None,
            column=data.get("column"),
            default=data.get("default"),
            location=Location.from_dict(data.get("location")),
            evidence=data.get("evidence", ""),
            indexed=data.get("indexed", False),
        )


@dataclass
class Entity:
    """A table or model class. `kind` names the source (`sqlalchemy`, `django`, `dataclass`,
    `pydantic`, `attrs`, `sqlmodel`, `table` for SQL DDL, `text` for an entity suggested from
    requirement text, with the sentence as its `evidence`); `namespace` is the Django app label,
    SQL schema or Python module that disambiguates equal names."""

    name: str
    table: str | None = None
    attributes: list[Attribute] = field(default_factory=list)
    kind: str = ""
    namespace: str | None = None
    description: str = ""
    location: Location | None = None
    evidence: str = ""

    def attribute(self, name: str) -> Attribute | None:
        """By attribute name or by storage column name."""
        for attr in self.attributes:
            if attr.name == name:
                return attr
        for attr in self.attributes:
            if attr.column == name:
                return attr
        return None

    @property
    def primary_key(self) -> list[Attribute]:
        return [a for a in self.attributes if a.pk]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "table": self.table,
            "kind": self.kind,
            "namespace": self.namespace,
            "description": self.description,
            "attributes": [a.to_dict() for a in self.attributes],
            "location": self.location.to_dict() if self.location else None,
            "evidence": self.evidence,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entity:
        return cls(
            name=data["name"],
            table=data.get("table"),
            attributes=[Attribute.from_dict(a) for a in data.get("attributes", [])],
            kind=data.get("kind", ""),
            namespace=data.get("namespace"),
            description=data.get("description", ""),
            location=Location.from_dict(data.get("location")),
            evidence=data.get("evidence", ""),
        )


@dataclass
class Relationship:
    """A link between two entities, oriented so renderers never have to guess.

    - `1:N`: each `from_entity` row has many `to_entity` rows; `to_entity` holds the foreign key
      (`to_columns`, referencing `from_columns`).
    - `1:1`: the same, with at most one `to_entity` row per `from_entity` row.
    - `N:M`: `from_entity` is the side that declares it; `through` names the association
      table or model when there is one.

    `from_field`/`to_field` are the navigation names on each side (`Customer.orders`,
    `Order.customer`). `optional` says the `to_entity` row may exist without a `from_entity`
    row (a nullable foreign key). `declared` is False when the relationship was inferred by a
    rule (a typed reference between plain classes, an association table with no declared
    many-to-many) rather than stated by the source; `evidence` says what it was read from.
    """

    from_entity: str
    to_entity: str
    cardinality: str = ONE_TO_MANY
    from_columns: list[str] = field(default_factory=list)
    to_columns: list[str] = field(default_factory=list)
    from_field: str | None = None
    to_field: str | None = None
    through: str | None = None
    optional: bool = True
    declared: bool = True
    evidence: str = ""
    location: Location | None = None

    def __post_init__(self) -> None:
        if self.cardinality not in CARDINALITIES:
            raise ValueError(f"cardinality must be one of {CARDINALITIES}, not {self.cardinality!r}")

    @property
    def label(self) -> str:
        """A short human label: the navigation names, else the foreign key columns."""
        names = [n for n in (self.from_field, self.to_field) if n]
        if names:
            return " / ".join(names)
        return ", ".join(self.to_columns) or (self.through or "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "from_entity": self.from_entity,
            "to_entity": self.to_entity,
            "cardinality": self.cardinality,
            "from_columns": list(self.from_columns),
            "to_columns": list(self.to_columns),
            "from_field": self.from_field,
            "to_field": self.to_field,
            "through": self.through,
            "optional": self.optional,
            "declared": self.declared,
            "evidence": self.evidence,
            "location": self.location.to_dict() if self.location else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Relationship:
        return cls(
            from_entity=data["from_entity"],
            to_entity=data["to_entity"],
            cardinality=data.get("cardinality", ONE_TO_MANY),
            from_columns=list(data.get("from_columns", [])),
            to_columns=list(data.get("to_columns", [])),
            from_field=data.get("from_field"),
            to_field=data.get("to_field"),
            through=data.get("through"),
            optional=data.get("optional", True),
            declared=data.get("declared", True),
            evidence=data.get("evidence", ""),
            location=Location.from_dict(data.get("location")),
        )


@dataclass
class ERWarning:
    """Something the extractor read but did not understand, and where. `code` is a stable
    machine-readable kind: `parse-error`, `unresolved-reference`, `unknown-type`,
    `unsupported`, `ambiguous-reference`, `skipped-file`, `internal-error`."""

    message: str
    location: Location | None = None
    code: str = "unsupported"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "code": self.code,
            "location": self.location.to_dict() if self.location else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ERWarning:
        return cls(data["message"], Location.from_dict(data.get("location")), data.get("code", "unsupported"))


@dataclass
class ERModel:
    """Everything extracted from a set of sources."""

    entities: list[Entity] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    warnings: list[ERWarning] = field(default_factory=list)

    def entity(self, name: str) -> Entity | None:
        for entity in self.entities:
            if entity.name == name:
                return entity
        return None

    def relationships_of(self, name: str) -> list[Relationship]:
        return [r for r in self.relationships if name in (r.from_entity, r.to_entity)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "entities": [e.to_dict() for e in self.entities],
            "relationships": [r.to_dict() for r in self.relationships],
            "warnings": [w.to_dict() for w in self.warnings],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ERModel:
        return cls(
            entities=[Entity.from_dict(e) for e in data.get("entities", [])],
            relationships=[Relationship.from_dict(r) for r in data.get("relationships", [])],
            warnings=[ERWarning.from_dict(w) for w in data.get("warnings", [])],
        )

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ERModel:
        return cls.from_dict(json.loads(text))
