"""Read PlantUML entity-relationship text back: `entity "Name" as Alias { … }` blocks (or
`entity Name { … }`), attribute lines `[*] name : type <<PK>>`, `--` separators, and crow's-foot
relationship lines between declared aliases, inside `@startuml` … `@enduml`."""

from __future__ import annotations

import re

from tests.oracle.diagram import (
    ONE,
    ONE_OR_MORE,
    ZERO_OR_MORE,
    ZERO_OR_ONE,
    Diagram,
    DiagramSyntaxError,
    ParsedAttribute,
    ParsedRelationship,
)

_ENTITY = re.compile(r'^entity\s+(?:"(?P<quoted>[^"]*)"\s+as\s+(?P<alias>\w+)|(?P<plain>\w+))\s*\{\s*$')
_ATTRIBUTE = re.compile(r"^(?P<star>\*\s*)?(?P<name>[^:]+?)\s*:\s*(?P<type>\S+)(?P<rest>.*)$")
_LEFT = {"||": ONE, "|o": ZERO_OR_ONE, "}o": ZERO_OR_MORE, "}|": ONE_OR_MORE}
_RIGHT = {"||": ONE, "o|": ZERO_OR_ONE, "o{": ZERO_OR_MORE, "|{": ONE_OR_MORE}
_RELATION = re.compile(
    r"^(?P<a>\w+)\s+(?P<left>\|\||\|o|\}o|\}\|)(?:--|\.\.)(?P<right>\|\||o\||o\{|\|\{)\s+(?P<b>\w+)"
    r"(?:\s*:\s*(?P<label>.*))?$"
)
_SKIPPED = re.compile(
    r"^((hide|skinparam|title|left to right direction|top to bottom direction)\b|')"
)  # ' starts a comment


def parse_plantuml(source: str) -> Diagram:
    diagram = Diagram()
    names: dict[str, str] = {}
    lines = source.splitlines()
    inside: list[ParsedAttribute] | None = None
    started = ended = False
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if not started:
            if line != "@startuml":
                raise DiagramSyntaxError("expected @startuml", number)
            started = True
        elif ended:
            raise DiagramSyntaxError("text after @enduml", number)
        elif line == "@enduml":
            if inside is not None:
                raise DiagramSyntaxError("unclosed entity block", number)
            ended = True
        elif inside is not None:
            if line == "}":
                inside = None
            elif line != "--":
                match = _ATTRIBUTE.match(line)
                if match is None:
                    raise DiagramSyntaxError(f"not an attribute line: {line!r}", number)
                rest = match.group("rest")
                keys = tuple(re.findall(r"<<(PK|FK|UK)>>", rest))
                comment = rest.split(" -- ", 1)[1].strip() if " -- " in rest else ""
                inside.append(
                    ParsedAttribute(
                        match.group("name").strip(),
                        match.group("type"),
                        keys,
                        comment,
                        nullable=not match.group("star"),
                    )
                )
        elif (match := _ENTITY.match(line)) is not None:
            name = match.group("quoted") if match.group("alias") else match.group("plain")
            key = match.group("alias") or match.group("plain")
            if key in names:
                raise DiagramSyntaxError(f"{key} declared twice", number)
            names[key] = name
            inside = diagram.add_entity(name)
        elif (match := _RELATION.match(line)) is not None:
            a, b = match.group("a"), match.group("b")
            for key in (a, b):
                if key not in names:
                    raise DiagramSyntaxError(f"{key} is not a declared entity", number)
            diagram.relationships.append(
                ParsedRelationship(
                    names[a],
                    names[b],
                    _LEFT[match.group("left")],
                    _RIGHT[match.group("right")],
                    (match.group("label") or "").strip(),
                )
            )
        elif not _SKIPPED.match(line):
            raise DiagramSyntaxError(f"not understood: {line!r}", number)
    if not ended:
        raise DiagramSyntaxError("missing @enduml", len(lines))
    return diagram
