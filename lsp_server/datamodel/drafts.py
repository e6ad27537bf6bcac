"""What an extractor hands to the resolver: entities whose references are still written as in
the source (`"users.id"`, `"auth.User"`, `Order`), and the references themselves.

Extractors read one file's worth of facts; only the resolver sees every file, so only it can turn
`ForeignKey("users.id")` into a relationship with the `User` entity defined elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from lsp_server.datamodel.model import Entity, ERWarning, Location

log = logging.getLogger(__name__)

FK = "fk"  # the owner holds a foreign key to the target: many owners per target
ONE_TO_ONE_FK = "o2o"  # the same, unique: one owner per target
MANY_TO_MANY = "m2m"  # the owner declares a many-to-many to the target
NAVIGATION = "nav"  # an ORM relationship or typed reference: direction decided by the resolver


@dataclass
class EntityDraft:
    """An entity as one extractor read it, with the names other files may use to refer to it."""

    entity: Entity
    aliases: list[str] = field(default_factory=list)  # names a reference may use: class, table, app.Model


@dataclass
class RefDraft:
    """A reference still written as in the source; only the resolver, which sees every file, can
    turn it into a relationship."""

    owner: EntityDraft
    target: str  # as written: "Customer", "customers", "shop.Customer", "self"
    kind: str
    field_name: str | None = None  # the navigation name on the owner
    back: str | None = None  # the navigation name on the target (related_name, back_populates, backref)
    columns: list[str] = field(default_factory=list)  # foreign key attributes on the owner
    target_columns: list[str] = field(default_factory=list)  # referenced columns, as written
    through: str | None = None  # association table or model, as written
    collection: bool | None = None  # NAVIGATION: owner holds many targets? None: decide by the keys
    back_scalar: bool = False  # the back reference is a single object (one-to-one)
    remote_side: bool = False  # SQLAlchemy `remote_side=`: a self-reference read from the child
    foreign_keys: list[str] = field(default_factory=list)  # SQLAlchemy `foreign_keys=` hint
    nullable: bool = True
    declared: bool = True
    typed: bool = False  # a reference between plain classes (dataclass, pydantic, attrs)
    quiet: bool = False  # the target is imported or defined nearby: not a model is no surprise
    evidence: str = ""
    location: Location | None = None


@dataclass
class Drafts:
    """One extractor's output."""

    entities: list[EntityDraft] = field(default_factory=list)
    refs: list[RefDraft] = field(default_factory=list)
    warnings: list[ERWarning] = field(default_factory=list)

    def extend(self, other: Drafts) -> None:
        self.entities.extend(other.entities)
        self.refs.extend(other.refs)
        self.warnings.extend(other.warnings)


@contextmanager
def reported(warnings: list[ERWarning], what: str, location: Location | None) -> Iterator[None]:
    """Run one model's or one file's reading; a bug in it costs that one thing, as a warning,
    never the whole extraction (and is logged with its traceback for a bug report)."""
    try:
        yield
    except Exception as exc:
        log.exception("reading %s failed", what)
        warnings.append(
            ERWarning(f"{what} could not be read (internal error: {exc!r})", location, "internal-error")
        )
