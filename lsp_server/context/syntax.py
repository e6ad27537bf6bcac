"""tree-sitter for Python: one incrementally updated parse tree per document, and the questions
the completion pipeline asks of it (imports, enclosing definitions, does this still parse).

Updates diff the old and new text (common prefix and suffix) instead of replaying LSP edits, so
they work the same for incremental and full-sync clients and can never drift from the text.
Node text, positions and errors come from the one adapter, `lsp_server.context.treesitter`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Tree

from lsp_server.context.treesitter import (
    DEFINITIONS,
    IMPORTS,
    PY_LANGUAGE,
    byte_offset,
    count_errors,
    error_count_of,
    line_of,
    new_parser,
    node_text,
    point_at,
)
from lsp_server.text_diff import common_prefix, common_suffix

__all__ = ["PY_LANGUAGE", "Definition", "SyntaxTree", "count_errors", "error_count_of"]


@dataclass
class Definition:
    """A function or class around the cursor: its header goes into the prompt when the window cuts
    it off."""

    kind: str  # "function_definition" | "class_definition"
    header: str  # the first line, e.g. "    def area(self) -> float:"
    start: int  # byte offset


class SyntaxTree:
    """A document's text and its parse tree, kept in step."""

    def __init__(self, text: str) -> None:
        self.parser = new_parser()
        self.text = text
        self.data = text.encode("utf-8")
        self.tree: Tree = self.parser.parse(self.data)

    def update(self, text: str) -> None:
        old = self.text
        if text == old:
            return
        start = common_prefix(old, text)
        tail = common_suffix(old, text, min(len(old), len(text)) - start)
        old_end, new_end = len(old) - tail, len(text) - tail
        start_byte = byte_offset(old, start)
        self.tree.edit(
            start_byte=start_byte,
            old_end_byte=start_byte + len(old[start:old_end].encode("utf-8")),
            new_end_byte=start_byte + len(text[start:new_end].encode("utf-8")),
            start_point=point_at(old, start),
            old_end_point=point_at(old, old_end),
            new_end_point=point_at(text, new_end),
        )
        self.text, self.data = text, text.encode("utf-8")
        self.tree = self.parser.parse(self.data, self.tree)

    def byte_offset(self, offset: int) -> int:
        return byte_offset(self.text, offset)

    def imports(self) -> list[str]:
        """Top-level import statements, as written."""
        return [node_text(child) for child in self.tree.root_node.children if child.type in IMPORTS]

    def enclosing_definitions(self, offset: int) -> list[Definition]:
        """Functions and classes around the cursor, outermost first."""
        byte = self.byte_offset(offset)
        node = self.tree.root_node.descendant_for_byte_range(max(byte - 1, 0), max(byte - 1, 0))
        found = []
        while node is not None:
            if node.type in DEFINITIONS:
                found.append(Definition(node.type, line_of(self.data, node.start_byte), node.start_byte))
            node = node.parent
        return found[::-1]
