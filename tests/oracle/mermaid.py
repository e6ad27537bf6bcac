"""Read Mermaid `erDiagram` text back with the lexer rules and grammar of Mermaid's own
`erDiagram.jison` (first matching rule wins, in its order, case-insensitively; an exclusive
state inside `{ … }` blocks), for the statements a renderer writes: entities, attribute blocks,
relationships and `direction`. Whatever Mermaid would reject, this rejects too."""

from __future__ import annotations

import re
from dataclasses import dataclass

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

_I = re.IGNORECASE
_INITIAL = [
    (re.compile(r'accTitle\s*":"\s*', _I), "ACC"),
    (re.compile(r'accDescr\s*":"\s*', _I), "ACC"),
    (re.compile(r".*direction\s+(TB|BT|RL|LR)[^\n]*", _I), "DIRECTION"),
    (re.compile(r"[ \t\r]+"), None),
    (re.compile(r"\n+"), "NEWLINE"),
    (re.compile(r'"[^"%\r\n\v\x08\\]+"'), "ENTITY_NAME"),
    (re.compile(r'"[^"]*"'), "WORD"),
    (re.compile(r"erDiagram", _I), "ER_DIAGRAM"),
    (re.compile(r"\{"), "BLOCK_START"),
    (re.compile(r"#"), "BRKT"),
    (re.compile(r","), "COMMA"),
    (re.compile(r":::"), "STYLE_SEPARATOR"),
    (re.compile(r":"), "COLON"),
    (re.compile(r"\["), "SQS"),
    (re.compile(r"\]"), "SQE"),
    (re.compile(r"style", _I), "STYLE"),
    (re.compile(r"classDef", _I), "CLASSDEF"),
    (re.compile(r"class", _I), "CLASS"),
    (re.compile(r"subgraph", _I), "SUBGRAPH"),
    (re.compile(r"end\b\s*", _I), "END"),
    (re.compile(r"one or zero", _I), ZERO_OR_ONE),
    (re.compile(r"one or more", _I), ONE_OR_MORE),
    (re.compile(r"one or many", _I), ONE_OR_MORE),
    (re.compile(r"1\+"), ONE_OR_MORE),
    (re.compile(r"\|o", _I), ZERO_OR_ONE),
    (re.compile(r"zero or one", _I), ZERO_OR_ONE),
    (re.compile(r"zero or more", _I), ZERO_OR_MORE),
    (re.compile(r"zero or many", _I), ZERO_OR_MORE),
    (re.compile(r"0\+"), ZERO_OR_MORE),
    (re.compile(r"\}o", _I), ZERO_OR_MORE),
    (re.compile(r"many\(0\)", _I), ZERO_OR_MORE),
    (re.compile(r"many\(1\)", _I), ONE_OR_MORE),
    (re.compile(r"many", _I), ZERO_OR_MORE),
    (re.compile(r"\}\|"), ONE_OR_MORE),
    (re.compile(r"one", _I), ONE),
    (re.compile(r"only one", _I), ONE),
    (re.compile(r"[0-9]+\.[0-9]+"), "DECIMAL_NUM"),
    (re.compile(r"1(?=\s+[A-Za-z_\"'])"), ONE),
    (re.compile(r"1(?=\s+[0-9])"), ONE),
    (re.compile(r"1(?=(--|\.\.|\.-|-\.))"), ONE),
    (re.compile(r"1"), "ENTITY_ONE"),
    (re.compile(r"[0-9]+"), "NUM"),
    (re.compile(r"\|\|"), ONE),
    (re.compile(r"o\|", _I), ZERO_OR_ONE),
    (re.compile(r"o\{", _I), ZERO_OR_MORE),
    (re.compile(r"\|\{"), ONE_OR_MORE),
    (re.compile(r"u(?=[.\-|])", _I), "MD_PARENT"),
    (re.compile(r"\.\."), "NON_IDENTIFYING"),
    (re.compile(r"--"), "IDENTIFYING"),
    (re.compile(r"to", _I), "IDENTIFYING"),
    (re.compile(r"optionally to", _I), "NON_IDENTIFYING"),
    (re.compile(r"\.-"), "NON_IDENTIFYING"),
    (re.compile(r"-\."), "NON_IDENTIFYING"),
    (re.compile(r"([^\x00-\x7F]|\w|-|\*|\.)+"), "UNICODE_TEXT"),
    (re.compile(r"."), "CHAR"),
]
_BLOCK = [
    (re.compile(r"\s+"), None),
    (re.compile(r"\b((?:PK)|(?:FK)|(?:UK))\b", _I), "ATTRIBUTE_KEY"),
    (re.compile(r"([^\s]*)[~].*[~]([^\s]*)"), "ATTRIBUTE_WORD"),
    (re.compile(r"[*A-Za-z_\u00C0-\uFFFF][A-Za-z0-9\-_\[\]().,\u00C0-\uFFFF*]*"), "ATTRIBUTE_WORD"),
    (re.compile(r"`[^`]+`"), "ATTRIBUTE_WORD_BQ"),
    (re.compile(r'"[^"]*"'), "COMMENT"),
    (re.compile(r"\}"), "BLOCK_STOP"),
    (re.compile(r"."), "CHAR"),
]
_COMMENT_LINE = re.compile(r"^[ \t]*%%(?!\{)[^\n]+", re.MULTILINE)  # Mermaid's `cleanupComments`
_CARDINALITIES = {ONE, ZERO_OR_ONE, ZERO_OR_MORE, ONE_OR_MORE, "MD_PARENT"}
_ENTITY_TOKENS = {"ENTITY_NAME", "UNICODE_TEXT", "NUM", "DECIMAL_NUM", "ENTITY_ONE"}


@dataclass
class _Token:
    kind: str
    text: str
    line: int


def _first_match(
    source: str, position: int, rules: list[tuple[re.Pattern[str], str | None]], line: int
) -> tuple[re.Match[str], str | None]:
    """Jison's lexer without the `flex` option: the first rule that matches wins, not the longest."""
    for pattern, kind in rules:
        match = pattern.match(source, position)
        if match and match.end() > position:
            return match, kind
    raise DiagramSyntaxError("no rule matches", line)


def tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position, line, in_block = 0, 1, False
    while position < len(source):
        match, kind = _first_match(source, position, _BLOCK if in_block else _INITIAL, line)
        text = match.group(0)
        if kind == "BLOCK_START":
            in_block = True
        elif kind == "BLOCK_STOP":
            in_block = False
        if kind == "ATTRIBUTE_WORD_BQ":
            kind, text = "ATTRIBUTE_WORD", text[1:-1]
        if kind is not None:
            tokens.append(_Token(kind, text, line))
        line += match.group(0).count("\n")
        position = match.end()
    tokens.append(_Token("EOF", "", line))
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.diagram = Diagram()

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def take(self, *kinds: str) -> _Token:
        token = self.token
        if token.kind not in kinds:
            raise DiagramSyntaxError(
                f"expected {' or '.join(kinds)}, found {token.kind} {token.text!r}", token.line
            )
        self.index += 1
        return token

    def parse(self) -> Diagram:
        while self.token.kind == "NEWLINE":
            self.index += 1
        self.take("ER_DIAGRAM")
        while self.token.kind != "EOF":
            if self.token.kind in ("NEWLINE", "DIRECTION"):
                self.index += 1
            else:
                self.statement()
        return self.diagram

    def entity_name(self) -> str:
        token = self.take(*_ENTITY_TOKENS)
        return token.text.replace('"', "") if token.kind == "ENTITY_NAME" else token.text

    def statement(self) -> None:
        name = self.entity_name()
        if self.token.kind == "SQS":  # an alias: name[alias]
            self.index += 1
            self.entity_name()
            self.take("SQE")
        if self.token.kind in _CARDINALITIES:
            left = self.take(*_CARDINALITIES).kind
            self.take("IDENTIFYING", "NON_IDENTIFYING")
            right = self.take(*_CARDINALITIES).kind
            other = self.entity_name()
            self.take("COLON")
            role = self.take("WORD", "ENTITY_NAME", "UNICODE_TEXT")
            label = role.text[1:-1] if role.kind != "UNICODE_TEXT" else role.text
            self.diagram.add_entity(name)
            self.diagram.add_entity(other)
            self.diagram.relationships.append(ParsedRelationship(name, other, left, right, label))
            return
        attributes = self.diagram.add_entity(name)
        if self.token.kind == "BLOCK_START":
            self.index += 1
            while self.token.kind != "BLOCK_STOP":
                attributes.append(self.attribute())
            self.take("BLOCK_STOP")

    def attribute(self) -> ParsedAttribute:
        type_text = self.take("ATTRIBUTE_WORD").text
        if self.token.kind == "CHAR" and self.token.text == "?":
            type_text += "?"
            self.index += 1
        name = self.take("ATTRIBUTE_WORD").text
        keys: list[str] = []
        if self.token.kind == "ATTRIBUTE_KEY":
            keys.append(self.take("ATTRIBUTE_KEY").text.upper())
            while self.token.kind == "CHAR" and self.token.text == ",":
                self.index += 1
                keys.append(self.take("ATTRIBUTE_KEY").text.upper())
        comment = ""
        if self.token.kind == "COMMENT":
            comment = self.take("COMMENT").text[1:-1]
        return ParsedAttribute(name, type_text, tuple(keys), comment)


def parse_mermaid(source: str) -> Diagram:
    """The entities and relationships of an `erDiagram`; `DiagramSyntaxError` where Mermaid
    would fail to parse it. `%%` comment lines are dropped first, as Mermaid's preprocessing does
    (`%%{…}%%` directives are not comments)."""
    return _Parser(tokenize(_COMMENT_LINE.sub("", source))).parse()
