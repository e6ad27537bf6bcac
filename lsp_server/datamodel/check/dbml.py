"""Read DBML back by its syntax rules (dbml.dbdiagram.io/docs): `Table` blocks with columns,
settings, notes and `indexes`; `Ref:` lines and `Ref { }` blocks (`>`, `<`, `-`, `<>`, composite
`t.(a, b)`); inline `ref:` column settings; `Enum`, `Project` and `TableGroup` blocks skipped."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lsp_server.datamodel.check.diagram import (
    ONE,
    ZERO_OR_MORE,
    ZERO_OR_ONE,
    Diagram,
    DiagramSyntaxError,
    ParsedAttribute,
    ParsedRelationship,
)

_TOKEN = re.compile(
    r"""(?P<space>[ \t\r]+)|(?P<newline>\n)|(?P<comment>//[^\n]*|/\*.*?\*/)
    |(?P<triple>'''.*?''')|(?P<string>'(?:\\.|[^'\\\n])*')|(?P<quoted>"(?:\\.|[^"\\\n])*")
    |(?P<expression>`[^`]*`)|(?P<number>-?\d+(?:\.\d+)?)|(?P<name>[^\W\d]\w*)
    |(?P<op><>|[{}\[\]():,.<>\-~])""",
    re.VERBOSE | re.DOTALL,
)
_SKIPPED_BLOCKS = {"enum", "project", "tablegroup", "tablepartial", "records"}
_OPERATORS = {">", "<", "-", "<>"}


@dataclass
class _Token:
    kind: str
    text: str
    line: int

    @property
    def value(self) -> str:
        if self.kind == "quoted":
            return re.sub(r"\\(.)", r"\1", self.text[1:-1])
        if self.kind == "string":
            return re.sub(r"\\(.)", r"\1", self.text[1:-1])
        if self.kind == "triple":
            return self.text[3:-3]
        return self.text


def tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position, line = 0, 1
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise DiagramSyntaxError(f"unexpected character {source[position]!r}", line)
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            tokens.append(_Token(kind, match.group(0), line))
        line += match.group(0).count("\n")
        position = match.end()
    tokens.append(_Token("eof", "", line))
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.diagram = Diagram()

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> _Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def take(self, *texts: str, kinds: tuple[str, ...] = ()) -> _Token:
        token = self.token
        if (
            (texts and token.text.lower() not in texts)
            or (kinds and token.kind not in kinds)
            or token.kind == "eof"
        ):
            wanted = " or ".join(texts or kinds)
            raise DiagramSyntaxError(f"expected {wanted}, found {token.text or 'end of text'!r}", token.line)
        self.index += 1
        return token

    def skip_newlines(self) -> None:
        while self.token.kind == "newline":
            self.index += 1

    def end_of_line(self) -> None:
        if self.token.kind not in ("newline", "eof") and self.token.text != "}":
            raise DiagramSyntaxError(f"unexpected {self.token.text!r} at end of line", self.token.line)
        self.skip_newlines()

    def identifier(self) -> str:
        return self.take(kinds=("name", "quoted")).value

    def parse(self) -> Diagram:
        self.skip_newlines()
        while self.token.kind != "eof":
            keyword = self.take(kinds=("name",)).text.lower()
            if keyword == "table":
                self.table()
            elif keyword == "ref":
                self.ref()
            elif keyword == "note" or keyword in _SKIPPED_BLOCKS:
                self.skip_block()
            else:
                raise DiagramSyntaxError(f"unknown statement {keyword!r}", self.tokens[self.index - 1].line)
            self.skip_newlines()
        return self.diagram

    def skip_block(self) -> None:
        """`Note: '...'`, or a keyword's `{ ... }` block, nested braces and all."""
        while self.token.text != "{":
            if self.token.kind == "eof":
                raise DiagramSyntaxError("expected a block", self.token.line)
            if self.token.text == ":":
                self.index += 1
                self.take(kinds=("string", "triple"))
                return
            self.index += 1
        depth = 0
        while True:
            token = self.token
            if token.kind == "eof":
                raise DiagramSyntaxError("unclosed block", token.line)
            self.index += 1
            depth += {"{": 1, "}": -1}.get(token.text, 0)
            if depth == 0:
                return

    def qualified(self) -> str:
        parts = [self.identifier()]
        while self.token.text == "." and self.peek().kind in ("name", "quoted"):
            self.index += 1
            parts.append(self.identifier())
        return ".".join(parts)

    def settings(self) -> list[tuple[str, str | None]]:
        found: list[tuple[str, str | None]] = []
        if self.token.text != "[":
            return found
        self.index += 1
        while True:
            words = []
            while self.token.kind == "name":
                words.append(self.take(kinds=("name",)).text.lower())
            value: str | None = None
            if self.token.text == ":":
                self.index += 1
                value = self.setting_value()
            if not words:
                raise DiagramSyntaxError("empty setting", self.token.line)
            found.append((" ".join(words), value))
            closing = self.take(",", "]").text
            if closing == "]":
                return found

    def setting_value(self) -> str:
        parts = []
        while self.token.text not in (",", "]") and self.token.kind not in ("newline", "eof"):
            parts.append(
                self.token.value if self.token.kind in ("string", "triple", "quoted") else self.token.text
            )
            self.index += 1
        if not parts:
            raise DiagramSyntaxError("setting without a value", self.token.line)
        return " ".join(parts)

    def table(self) -> None:
        table = self.qualified()
        if self.token.text.lower() == "as":
            self.index += 1
            self.identifier()
        self.settings()
        self.take("{")
        self.skip_newlines()
        attributes = self.diagram.add_entity(table)
        while self.token.text != "}":
            if self.token.text.lower() == "note" and self.peek().text in (":", "{"):
                self.index += 1
                if self.token.text == ":":
                    self.index += 1
                    self.diagram.notes[table] = self.take(kinds=("string", "triple")).value
                else:
                    self.index += 1
                    self.skip_newlines()
                    self.diagram.notes[table] = self.take(kinds=("string", "triple")).value
                    self.skip_newlines()
                    self.take("}")
            elif self.token.text.lower() == "indexes" and self.peek().text == "{":
                self.indexes(table)
            else:
                attributes.append(self.column(table))
            self.end_of_line()
        self.take("}")

    def column(self, table: str) -> ParsedAttribute:
        name = self.identifier()
        type_text = self.take(kinds=("name", "quoted")).value
        if self.token.text == "(":
            args = []
            self.index += 1
            while self.token.text != ")":
                args.append(self.take(kinds=("number", "name", "string", "op")).text)
            self.index += 1
            type_text += "(" + "".join(args) + ")"
        if self.token.text == "[" and self.peek().text == "]":
            self.index += 2
            type_text += "[]"
        keys: list[str] = []
        comment = ""
        nullable: bool | None = None
        for setting, value in self.settings():
            if setting in ("pk", "primary key"):
                keys.append("PK")
            elif setting == "unique":
                keys.append("UK")
            elif setting == "not null":
                nullable = False
            elif setting == "null":
                nullable = True
            elif setting == "note" and value is not None:
                comment = value
            elif setting == "ref" and value is not None:
                self.inline_ref(table, name, value)
        return ParsedAttribute(name, type_text, tuple(keys), comment, nullable)

    def indexes(self, table: str) -> None:
        self.index += 1
        self.take("{")
        self.skip_newlines()
        while self.token.text != "}":
            columns: list[str] = []
            if self.token.text == "(":
                self.index += 1
                while self.token.text != ")":
                    if self.token.text == ",":
                        self.index += 1
                        continue
                    columns.append(self.take(kinds=("name", "quoted", "expression")).value)
                self.index += 1
            else:
                columns.append(self.take(kinds=("name", "quoted", "expression")).value)
            primary = any(s in ("pk", "primary key") for s, _ in self.settings())
            if primary:
                for attribute in self.diagram.entities.get(table, []):
                    if attribute.name in columns and "PK" not in attribute.keys:
                        attribute.keys = ("PK", *attribute.keys)
            self.end_of_line()
        self.take("}")

    def endpoint(self) -> tuple[str, tuple[str, ...]]:
        parts = [self.identifier()]
        while self.token.text == ".":
            self.index += 1
            if self.token.text == "(":
                self.index += 1
                columns = []
                while self.token.text != ")":
                    if self.token.text == ",":
                        self.index += 1
                        continue
                    columns.append(self.identifier())
                self.index += 1
                return ".".join(parts), tuple(columns)
            parts.append(self.identifier())
        if len(parts) < 2:
            raise DiagramSyntaxError("a reference endpoint needs table.column", self.token.line)
        return ".".join(parts[:-1]), (parts[-1],)

    def operator(self) -> str:
        token = self.take(kinds=("op",))
        if token.text == "<" and self.token.text == ">":
            self.index += 1
            return "<>"
        if token.text not in _OPERATORS:
            raise DiagramSyntaxError(f"unknown relationship {token.text!r}", token.line)
        return token.text

    def ref(self) -> None:
        if self.token.kind in ("name", "quoted") and self.token.text != ":":
            self.identifier()  # the reference's name
        block = self.take(":", "{").text == "{"
        if block:
            self.skip_newlines()
        left = self.endpoint()
        operator = self.operator()
        right = self.endpoint()
        self.settings()
        if block:
            self.skip_newlines()
            self.take("}")
        self.add(left, operator, right)

    def inline_ref(self, table: str, column: str, value: str) -> None:
        tokens = tokenize(value)
        parser = _Parser(tokens)
        operator = parser.operator()
        right = parser.endpoint()
        self.add((table, (column,)), operator, right)

    def add(
        self, left: tuple[str, tuple[str, ...]], operator: str, right: tuple[str, tuple[str, ...]]
    ) -> None:
        (left_table, left_columns), (right_table, right_columns) = left, right
        if operator == "<":  # one-to-many written from the one side: read it as many-to-one
            left_table, left_columns, right_table, right_columns = (
                right_table,
                right_columns,
                left_table,
                left_columns,
            )
            operator = ">"
        if operator == ">":  # left many, right one: store the one side first
            rel = ParsedRelationship(
                right_table, left_table, ONE, ZERO_OR_MORE, "", right_columns, left_columns
            )
        elif operator == "-":
            rel = ParsedRelationship(
                right_table, left_table, ONE, ZERO_OR_ONE, "", right_columns, left_columns
            )
        else:
            rel = ParsedRelationship(
                left_table, right_table, ZERO_OR_MORE, ZERO_OR_MORE, "", left_columns, right_columns
            )
        self.diagram.relationships.append(rel)


def parse_dbml(source: str) -> Diagram:
    """The tables and references of a DBML text; `DiagramSyntaxError` where it breaks the syntax."""
    return _Parser(tokenize(source)).parse()
