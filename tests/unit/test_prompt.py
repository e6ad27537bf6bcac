"""Prompt layouts: the quick prompt after a jump is short, local, and ends where the full one does."""

from __future__ import annotations

from lsp_server.context.prompt import Budget, make_layout, quick_layout
from lsp_server.context.syntax import SyntaxTree


def words(text: str) -> int:
    return len(text.split())


SOURCE = "import os\n\n\nclass Report:\n    def render(self, rows):\n" + "".join(
    f"        value_{i} = rows[{i}] * {i}\n" for i in range(200)
)


def test_the_quick_prompt_is_local_and_keeps_the_definitions_around_it() -> None:
    cursor = SOURCE.index("        value_150")
    budget = Budget(quick_prefix_tokens=40, quick_suffix_tokens=20)
    prefix, suffix = quick_layout(SOURCE, cursor, words, SyntaxTree(SOURCE), budget)
    assert prefix.startswith("class Report:\n    def render(self, rows):\n")  # the headers above
    assert prefix.endswith("        value_149 = rows[149] * 149\n")  # up to the cursor's line
    assert words(prefix) <= 40 + words("class Report:    def render(self, rows):")
    assert suffix.startswith("        value_150") and words(suffix) <= 20
    assert suffix.endswith("\n")  # whole lines


def test_the_quick_prompt_ends_where_the_full_one_does() -> None:
    cursor = SOURCE.index("        value_150") + 8
    full = make_layout(SOURCE, cursor, words, SyntaxTree(SOURCE))
    prefix, _ = quick_layout(SOURCE, cursor, words, SyntaxTree(SOURCE))
    assert full.prefix.endswith(prefix.split("\n", 2)[-1])  # the typed text goes after both


def test_a_short_file_is_taken_whole() -> None:
    text = "def f(x):\n    return x\n\n\ny = f(2)\n"
    prefix, suffix = quick_layout(text, text.index("y = "), words, SyntaxTree(text))
    assert prefix == "def f(x):\n    return x\n\n\n"
    assert suffix == "y = f(2)\n"
