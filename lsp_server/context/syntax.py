"""tree-sitter for Python: one incrementally updated parse tree per document, and the questions
the completion pipeline asks of it (imports, enclosing definitions, does this still parse).

Updates diff the old and new text (common prefix and suffix) instead of replaying LSP edits, so
they work the same for incremental and full-sync clients and can never drift from the text.
"""

from __future__ import annotations

from dataclasses import dataclass

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Point, Tree

PY_LANGUAGE = Language(tree_sitter_python.language())
_DEFINITIONS = ("function_definition", "class_definition")
_IMPORTS = ("import_statement", "import_from_statement", "future_import_statement")


def _parser() -> Parser:
    return Parser(PY_LANGUAGE)


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by halving: string slices compare in C."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    low, high = 0, min(len(a), len(b), limit)
    while low < high:
        mid = (low + high + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            low = mid
        else:
            high = mid - 1
    return low


def _point(text: str, offset: int) -> Point:
    row = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    return Point(row, len(text[line_start:offset].encode("utf-8")))


@dataclass
class Definition:
    kind: str  # "function_definition" | "class_definition"
    header: str  # the first line, e.g. "    def area(self) -> float:"
    start: int  # byte offset


class SyntaxTree:
    """A document's text and its parse tree, kept in step."""

    def __init__(self, text: str) -> None:
        self.parser = _parser()
        self.text = text
        self.data = text.encode("utf-8")
        self.tree: Tree = self.parser.parse(self.data)

    def update(self, text: str) -> None:
        old = self.text
        if text == old:
            return
        start = _common_prefix(old, text)
        tail = _common_suffix(old, text, min(len(old), len(text)) - start)
        old_end, new_end = len(old) - tail, len(text) - tail
        start_byte = len(old[:start].encode("utf-8"))
        self.tree.edit(
            start_byte=start_byte,
            old_end_byte=start_byte + len(old[start:old_end].encode("utf-8")),
            new_end_byte=start_byte + len(text[start:new_end].encode("utf-8")),
            start_point=_point(old, start),
            old_end_point=_point(old, old_end),
            new_end_point=_point(text, new_end),
        )
        self.text, self.data = text, text.encode("utf-8")
        self.tree = self.parser.parse(self.data, self.tree)

    def byte_offset(self, offset: int) -> int:
        return len(self.text[:offset].encode("utf-8"))

    def _line_of(self, node: Node) -> str:
        end = self.data.find(b"\n", node.start_byte)
        line_start = self.data.rfind(b"\n", 0, node.start_byte) + 1
        return self.data[line_start : len(self.data) if end < 0 else end].decode("utf-8", "replace")

    def imports(self) -> list[str]:
        """Top-level import statements, as written."""
        return [
            self.data[child.start_byte : child.end_byte].decode("utf-8", "replace")
            for child in self.tree.root_node.children
            if child.type in _IMPORTS
        ]

    def enclosing_definitions(self, offset: int) -> list[Definition]:
        """Functions and classes around the cursor, outermost first."""
        byte = self.byte_offset(offset)
        node = self.tree.root_node.descendant_for_byte_range(max(byte - 1, 0), max(byte - 1, 0))
        found = []
        while node is not None:
            if node.type in _DEFINITIONS:
                found.append(Definition(node.type, self._line_of(node), node.start_byte))
            node = node.parent
        return found[::-1]


def count_errors(node: Node) -> int:
    if not node.has_error:
        return 0
    if node.type == "ERROR" or node.is_missing:
        return 1 + sum(count_errors(child) for child in node.children)
    return sum(count_errors(child) for child in node.children)


def error_count_of(text: str) -> int:
    return count_errors(_parser().parse(text.encode("utf-8")).root_node)
