"""What a diagram says once read back, the same for every format: its entities with their
attributes, and its relationship lines with the cardinality at each end."""

from __future__ import annotations

from dataclasses import dataclass, field

ONE, ZERO_OR_ONE, ZERO_OR_MORE, ONE_OR_MORE = "one", "zero_or_one", "zero_or_more", "one_or_more"
MANY = (ZERO_OR_MORE, ONE_OR_MORE)


class DiagramSyntaxError(ValueError):
    """The text breaks its format's syntax rules; `line` is 1-based, None where the error is not
    on one line (a DBML reference to a table the text never declares)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


@dataclass
class ParsedAttribute:
    name: str
    type: str = ""
    keys: tuple[str, ...] = ()  # "PK", "FK", "UK"
    comment: str = ""
    nullable: bool | None = None  # None: the format does not say


@dataclass
class ParsedRelationship:
    left: str
    right: str
    left_cardinality: str  # how many `left` rows: ONE, ZERO_OR_ONE, ZERO_OR_MORE, ONE_OR_MORE
    right_cardinality: str
    label: str = ""
    left_columns: tuple[str, ...] = ()
    right_columns: tuple[str, ...] = ()


@dataclass
class Diagram:
    entities: dict[str, list[ParsedAttribute]] = field(default_factory=dict)
    relationships: list[ParsedRelationship] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # entity → its note or comment

    def add_entity(self, name: str) -> list[ParsedAttribute]:
        return self.entities.setdefault(name, [])
