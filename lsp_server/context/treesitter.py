"""The one tree-sitter adapter: what Ubiq's readers of Python source ask of a parse tree.

Completion context, the glossary scan, the data-model reader, the foreign-key editor, test
generation and evaluation all walk tree-sitter trees. They share this module so that node text,
positions, decorators, walks, errors and classes are read one way, and a fix (a Chinese name
that shifts byte columns, a decorated class) lands everywhere at once.

tree-sitter counts bytes of UTF-8; Python strings, people and the CLI count code points, and LSP
clients count UTF-16 units. The position helpers below are the only place that converts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from itertools import accumulate

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Point, Tree

from lsp_server.context.positions import width

PY_LANGUAGE = Language(tree_sitter_python.language())
DEFINITIONS = ("function_definition", "class_definition")
IMPORTS = ("import_statement", "import_from_statement", "future_import_statement")


def new_parser() -> Parser:
    """A parser of its own for each caller: tree-sitter parsers must not be shared across threads."""
    return Parser(PY_LANGUAGE)


def parse(source: str | bytes) -> Tree:
    """Parse Python source from scratch; never raises, errors become ERROR nodes."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    return new_parser().parse(data)


# --- text and positions ---------------------------------------------------------------------


def node_text(node: Node | None) -> str:
    """A node's source as written; "" for a missing node, so optional fields read as empty."""
    return (node.text or b"").decode("utf-8", "replace") if node is not None else ""


def byte_offset(text: str, offset: int) -> int:
    """The UTF-8 byte offset (tree-sitter's) of a str offset into `text`."""
    return len(text[:offset].encode("utf-8"))


def point_at(text: str, offset: int) -> Point:
    """tree-sitter's (row, byte column) of a str offset, as `Tree.edit` wants it."""
    row = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    return Point(row, len(text[line_start:offset].encode("utf-8")))


def line_of(data: bytes, byte: int) -> str:
    """The whole line that holds a byte offset, without its newline."""
    line_start = data.rfind(b"\n", 0, byte) + 1
    end = data.find(b"\n", byte)
    return data[line_start : len(data) if end < 0 else end].decode("utf-8", "replace")


class Lines:
    """A source's lines as UTF-8, to turn tree-sitter's byte positions into code-point (and
    UTF-16) columns. Split once, so the thousands of nodes of a file do not each search for
    their line; ASCII lines, the common case, need no decoding at all."""

    def __init__(self, data: bytes) -> None:
        self.lines = data.split(b"\n")
        self.starts = list(accumulate((len(line) + 1 for line in self.lines[:-1]), initial=0))

    def columns(self, row: int, byte_column: int) -> tuple[int, int]:
        """(code points, UTF-16 units) before a tree-sitter column on a row."""
        line = self.lines[row] if row < len(self.lines) else b""
        if line.isascii():
            return byte_column, byte_column
        before = line[:byte_column].decode("utf-8", "replace")
        return len(before), width(before, "utf-16")

    def column(self, row: int, byte_column: int) -> int:
        """The code-point column of a tree-sitter (row, byte column)."""
        return self.columns(row, byte_column)[0]

    def start(self, node: Node) -> tuple[int, int]:
        """0-based (line, code-point column) where a node starts."""
        row, byte_column = node.start_point
        return row, self.column(row, byte_column)

    def position(self, byte: int) -> tuple[int, int]:
        """0-based (line, code-point column) of a byte offset, e.g. where an edit goes."""
        row = bisect_right(self.starts, byte) - 1
        return row, self.column(row, byte - self.starts[row])


# --- walking ----------------------------------------------------------------------------------


def walk(node: Node, into: Callable[[Node], bool] | None = None) -> Iterator[Node]:
    """`node` and its named descendants, parents first, in source order; `into` says below which
    nodes to go on (all, without it). A stack, not recursion: deep expressions cannot overflow."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if into is None or into(current):
            stack.extend(reversed(current.named_children))


def nodes_of_type(
    node: Node, types: Collection[str], into: Callable[[Node], bool] | None = None
) -> Iterator[Node]:
    """The nodes of `walk(node, into)` whose type is one of `types`."""
    return (found for found in walk(node, into) if found.type in types)


def walk_fields(root: Node) -> Iterator[tuple[Node, str | None, list[Node]]]:
    """Every node under `root` (itself first, anonymous ones too) with its field name in its parent
    and its ancestors, outermost first: what a node *is* often depends on where it hangs.

    A cursor walk, so field names come for free. The ancestor list is live: copy it to keep it."""
    cursor = root.walk()
    ancestors: list[Node] = []
    while True:
        node = cursor.node
        assert node is not None
        yield node, cursor.field_name, ancestors
        if cursor.goto_first_child():
            ancestors.append(node)
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return
            ancestors.pop()


# --- errors -----------------------------------------------------------------------------------


def first_error(node: Node) -> Node | None:
    """The first ERROR or missing node, to say where a file stops parsing; None if it parses.
    A tree flagged with an error that has no such node reports the flagged node itself."""
    if not node.has_error:
        return None
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        found = first_error(child)
        if found is not None:
            return found
    return node


def count_errors(node: Node) -> int:
    """ERROR and missing nodes under `node`: a completion must not add any to the document."""
    if not node.has_error:
        return 0
    if node.type == "ERROR" or node.is_missing:
        return 1 + sum(count_errors(child) for child in node.children)
    return sum(count_errors(child) for child in node.children)


def error_count_of(text: str) -> int:
    """`count_errors` of a text parsed from scratch."""
    return count_errors(parse(text).root_node)


# --- statements and definitions ---------------------------------------------------------------


def unwrap_decorated(node: Node) -> tuple[list[Node], Node | None]:
    """(decorators, definition) of a statement: a `decorated_definition` hides the function or
    class it decorates one level down, and readers want the definition either way."""
    if node.type == "decorated_definition":
        decorators = [child for child in node.children if child.type == "decorator"]
        return decorators, node.child_by_field_name("definition")
    return [], node


def decorators_of(definition: Node) -> list[Node]:
    """The decorators of a function or class definition, found from the definition itself (as a
    walk meets it), not from the statement that wraps it."""
    parent = definition.parent
    if parent is None or parent.type != "decorated_definition":
        return []
    return unwrap_decorated(parent)[0]


def decorator_name(decorator: Node) -> str:
    """A decorator as written, without its `@`: `dataclass(frozen=True)`."""
    return node_text(decorator).lstrip("@").strip()


def is_docstring(statement: Node) -> bool:
    """Whether a statement is a lone string literal (a docstring where it comes first)."""
    return (
        statement.type == "expression_statement"
        and statement.named_child_count == 1
        and statement.named_children[0].type == "string"
    )


def split_arguments(arguments: Node | None) -> tuple[list[Node], list[tuple[Node, Node]]]:
    """The positional arguments and the `name=value` keywords of a call's argument list or a
    class's superclasses (they read alike), comments left out."""
    positional: list[Node] = []
    keywords: list[tuple[Node, Node]] = []
    for child in arguments.named_children if arguments is not None else ():
        if child.type == "keyword_argument":
            name, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            if name is not None and value is not None:
                keywords.append((name, value))
        elif child.type != "comment":
            positional.append(child)
    return positional, keywords


@dataclass(frozen=True)
class Assignment:
    """`name: annotation = value` as a statement makes it; annotation and value may be absent."""

    node: Node  # the `assignment` node
    name: Node  # an identifier: tuple and attribute targets are not fields
    annotation: Node | None
    value: Node | None


def assignment_of(statement: Node) -> Assignment | None:
    """The single-name assignment a statement makes, if that is what it is."""
    if statement.type != "expression_statement" or not statement.named_child_count:
        return None
    node = statement.named_children[0]
    if node.type != "assignment":
        return None
    left = node.child_by_field_name("left")
    if left is None or left.type != "identifier":
        return None
    return Assignment(node, left, node.child_by_field_name("type"), node.child_by_field_name("right"))


@dataclass(frozen=True)
class ClassSyntax:
    """A class definition's parts, as nodes: what both the glossary and the data-model reader
    read of a class before each turns them into its own values."""

    node: Node  # the class_definition
    name: Node
    bases: list[Node]
    keywords: list[tuple[Node, Node]]  # `metaclass=Meta`, `table=True`
    decorators: list[Node]
    body: list[Node]  # the statements of the class body

    @property
    def fields(self) -> list[Assignment]:
        """The single-name assignments of the body, in order: `total: int = 0`, `PAID = 1`."""
        return [found for found in map(assignment_of, self.body) if found is not None]


def read_class(node: Node) -> ClassSyntax | None:
    """The parts of a class, from its `class_definition` or the `decorated_definition` around it;
    None for anything else, or for a class error recovery left without a name."""
    definition = unwrap_decorated(node)[1]
    if definition is None or definition.type != "class_definition":
        return None
    name = definition.child_by_field_name("name")
    if name is None:
        return None
    bases, keywords = split_arguments(definition.child_by_field_name("superclasses"))
    body = definition.child_by_field_name("body")
    return ClassSyntax(
        definition,
        name,
        bases,
        keywords,
        decorators_of(definition),
        list(body.named_children) if body is not None else [],
    )
