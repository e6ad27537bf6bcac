"""What the glossary reads in Python source: identifiers, comments, docstrings and classes.

Parsed with tree-sitter, never imported or run: a project's code may have side effects, need
packages we lack, or not parse at all, and its names are still worth checking. Positions are
0-based lines and columns in characters, with UTF-16 columns beside them for LSP clients, since
a Chinese comment or an emoji earlier on a line makes the two differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tree_sitter import Node, Tree

from lsp_server.context.positions import width
from lsp_server.context.treesitter import (
    IMPORTS,
    ClassSyntax,
    Lines,
    decorator_name,
    is_docstring,
    node_text,
    parse,
    read_class,
    walk_fields,
)
from lsp_server.glossary.workspace import read_source

IdentifierKind = Literal[
    "class", "function", "parameter", "variable", "attribute", "keyword", "import", "name"
]
_PARAMETER_LISTS = ("parameters", "lambda_parameters")
_DEFAULTED_PARAMETERS = ("default_parameter", "typed_default_parameter")
_PARAMETER_WRAPPERS = ("typed_parameter", "list_splat_pattern", "dictionary_splat_pattern")
_ASSIGNMENTS = ("assignment", "augmented_assignment", "for_statement", "for_in_clause")
_PATTERNS = ("pattern_list", "tuple_pattern", "list_pattern", "list_splat_pattern", "as_pattern_target")


@dataclass(frozen=True)
class Identifier:
    """One occurrence of a name; columns are [col, end_col) on `line`."""

    name: str
    kind: IdentifierKind
    line: int
    col: int
    end_col: int
    col_utf16: int
    end_col_utf16: int


@dataclass(frozen=True)
class TextBlock:
    """A comment or a docstring, as written (with its `#` or quotes), where it starts and ends."""

    kind: Literal["comment", "docstring"]
    text: str
    line: int
    col: int
    col_utf16: int
    end_line: int
    end_col: int

    def position(self, offset: int, *, utf16: bool = False) -> tuple[int, int]:
        """(line, column) of an offset into `text`, e.g. of a term found in it."""
        before = self.text[:offset]
        newlines = before.count("\n")
        tail = before[before.rfind("\n") + 1 :]
        encoding = "utf-16" if utf16 else "utf-32"
        if newlines:
            return self.line + newlines, width(tail, encoding)
        return self.line, (self.col_utf16 if utf16 else self.col) + width(tail, encoding)

    def offset(self, line: int, col: int, *, utf16: bool = False) -> int | None:
        """The offset into `text` of a (line, column) inside the block; None if outside it."""
        lines = self.text.split("\n")
        row = line - self.line
        if not 0 <= row < len(lines):
            return None
        start = sum(len(text) + 1 for text in lines[:row])
        column = col - ((self.col_utf16 if utf16 else self.col) if row == 0 else 0)
        units = 0
        for index, ch in enumerate(lines[row]):
            if units >= column:
                return start + index if units == column else None
            units += width(ch, "utf-16" if utf16 else "utf-32")
        return start + len(lines[row]) if units == column else None


@dataclass(frozen=True)
class ClassField:
    """An assignment in a class body: `order_number: str`, `status = Column(String)`, `PAID = 1`."""

    name: Identifier
    annotation: str
    value: str


@dataclass(frozen=True)
class ClassInfo:
    """A class: its name, bases and decorators as written, and the fields its body assigns."""

    name: Identifier
    bases: tuple[str, ...]
    decorators: tuple[str, ...]
    fields: tuple[ClassField, ...]


@dataclass
class ScannedFile:
    """Everything the glossary reads in one file."""

    path: Path | None
    text: str
    identifiers: list[Identifier] = field(default_factory=list)
    texts: list[TextBlock] = field(default_factory=list)
    classes: list[ClassInfo] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    """The top-level packages its absolute imports name (`from django.db import models` → django),
    to find the frameworks whose vocabulary is not the project's own."""

    def identifier_at(self, line: int, col: int, *, utf16: bool = False) -> Identifier | None:
        """The identifier at a position (its end included, where an editor's cursor sits after typing)."""
        for identifier in self.identifiers:
            start, end = (
                (identifier.col_utf16, identifier.end_col_utf16)
                if utf16
                else (identifier.col, identifier.end_col)
            )
            if identifier.line == line and start <= col <= end:
                return identifier
        return None

    def text_at(self, line: int, col: int, *, utf16: bool = False) -> tuple[TextBlock, int] | None:
        """The comment or docstring at a position, and the offset of the position in its text."""
        for block in self.texts:
            if block.line <= line <= block.end_line:
                offset = block.offset(line, col, utf16=utf16)
                if offset is not None:
                    return block, offset
        return None


def scan_source(text: str, path: Path | None = None, tree: Tree | None = None) -> ScannedFile:
    """Scan source text; pass the document's existing tree-sitter `tree` to skip parsing again."""
    data = text.encode("utf-8")
    if tree is None:
        tree = parse(data)
    scanned = ScannedFile(path, text)
    _walk(tree.root_node, scanned, Lines(data))
    return scanned


def scan_file(path: Path) -> ScannedFile | None:
    """Scan a file; None when it is not readable text (see `workspace.read_source`)."""
    text = read_source(path)
    return None if text is None else scan_source(text, path)


def _walk(root: Node, scanned: ScannedFile, lines: Lines) -> None:
    for node, field_name, ancestors in walk_fields(root):
        kind = node.type
        if kind == "identifier":
            scanned.identifiers.append(_identifier(node, field_name, ancestors, lines))
        elif kind == "comment":
            scanned.texts.append(_text_block("comment", node, lines))
        elif is_docstring(node):
            scanned.texts.append(_text_block("docstring", node.named_children[0], lines))
        elif kind == "class_definition":
            cls = read_class(node)
            if cls is not None:
                scanned.classes.append(_class(cls, lines))
        elif kind in ("import_statement", "import_from_statement"):
            scanned.imports.extend(_imported_packages(node))


def _imported_packages(node: Node) -> list[str]:
    """Top-level package names of an import; a relative import names the project itself, not one."""
    if node.type == "import_from_statement":
        modules = [node.child_by_field_name("module_name")]
    else:
        modules = [
            name.child_by_field_name("name") if name.type == "aliased_import" else name
            for name in node.children_by_field_name("name")
        ]
    return [node_text(module).split(".")[0] for module in modules if module and module.type == "dotted_name"]


def _identifier(node: Node, field_name: str | None, ancestors: list[Node], lines: Lines) -> Identifier:
    name = node_text(node)
    line, byte_column = node.start_point
    col, col_utf16 = lines.columns(line, byte_column)
    return Identifier(
        name,
        _kind(field_name, ancestors),
        line,
        col,
        col + len(name),
        col_utf16,
        col_utf16 + width(name, "utf-16"),
    )


def _kind(field_name: str | None, ancestors: list[Node]) -> IdentifierKind:
    """What an identifier is, from the node it hangs under and which part of it it is."""
    parent = ancestors[-1].type if ancestors else ""
    if parent == "class_definition" and field_name == "name":
        return "class"
    if parent == "function_definition" and field_name == "name":
        return "function"
    if (
        parent in _PARAMETER_LISTS
        or (parent in _DEFAULTED_PARAMETERS and field_name == "name")
        # `limit: int`, `*rest`, `**extra`; the same shapes outside a signature are patterns
        or (
            parent in _PARAMETER_WRAPPERS
            and field_name is None
            and any(node.type in _PARAMETER_LISTS for node in ancestors[-3:])
        )
    ):
        return "parameter"
    if parent == "keyword_argument" and field_name == "name":
        return "keyword"
    if parent == "attribute" and field_name == "attribute":
        return "attribute"
    if any(node.type in IMPORTS for node in ancestors):
        return "import"
    if (parent in _ASSIGNMENTS and field_name == "left") or parent in _PATTERNS:
        return "variable"
    return "name"


def _text_block(kind: Literal["comment", "docstring"], node: Node, lines: Lines) -> TextBlock:
    line, byte_column = node.start_point
    end_line, end_byte_column = node.end_point
    col, col_utf16 = lines.columns(line, byte_column)
    return TextBlock(
        kind, node_text(node), line, col, col_utf16, end_line, lines.column(end_line, end_byte_column)
    )


def _class(cls: ClassSyntax, lines: Lines) -> ClassInfo:
    """The glossary's view of a class: its names with positions, everything else as written."""
    fields = tuple(
        ClassField(
            _identifier(assigned.name, "left", [assigned.node], lines),
            node_text(assigned.annotation),
            node_text(assigned.value),
        )
        for assigned in cls.fields
    )
    return ClassInfo(
        _identifier(cls.name, "name", [cls.node], lines),
        tuple(node_text(base) for base in cls.bases),
        tuple(decorator_name(decorator) for decorator in cls.decorators),
        fields,
    )
