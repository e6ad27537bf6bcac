"""The building-block base classes this project marks its domain classes with."""

from dataclasses import dataclass
from uuid import UUID


class Entity:
    id: UUID


class AggregateRoot(Entity):
    pass


@dataclass(frozen=True)
class DomainEvent:
    pass
