"""The "Generate tests" code actions: what encloses the cursor, outer first, the module last, and
the file's targets read once per request (code actions are asked for on every cursor move)."""

from __future__ import annotations

import pytest

from lsp_server.context.syntax import SyntaxTree
from lsp_server.features import code_actions, commands
from lsp_server.testgen import targets

SOURCE = """\
def top():
    return 1


class Cart:
    def add(self, item):
        return item

    def _drop(self, item):
        return None
"""


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []

    def counted(syntax: SyntaxTree, include_private: bool = False) -> list[targets.Target]:
        seen.append(1)
        return targets.find_targets(syntax, include_private)

    monkeypatch.setattr(code_actions, "find_targets", counted)
    return seen


@pytest.mark.parametrize(
    "line, titles",
    [
        (1, ["top"]),
        (7, ["Cart", "Cart.add"]),
        (10, ["Cart", "Cart._drop"]),
        (4, []),
    ],
)
def test_actions_at_the_cursor(calls: list[int], line: int, titles: list[str]):
    actions = code_actions.generate_tests_actions(SyntaxTree(SOURCE), "file:///p/m.py", line)
    assert [a.title for a in actions] == [f"Generate tests for {t}" for t in titles] + [
        "Generate tests for this module"
    ]
    assert all(a.command and a.command.command == commands.GENERATE_TESTS for a in actions)
    assert actions[-1].command.arguments == ["file:///p/m.py", None]
    assert len(calls) == 1
