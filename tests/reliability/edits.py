"""Random edit scripts over text with CRLF and lone CR, astral-plane characters (UTF-16 surrogate
pairs), Chinese, emoji and the characters `str.splitlines` wrongly takes for line breaks; and a
reference model of LSP document sync, written independently of the server's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

PIECES = ["a", "b", "x = 1", " ", "\t", "\n", "\r\n", "\r", "中", "文", "😀", "𝔘", "\u2028", "\x0c", "\x85",
          "def f():\n    return 1\n", "# 注释\n", "'''", "("]  # fmt: skip
TEXTS = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def _breaks(text: str) -> list[int]:
    """Offsets where lines start, by LSP's rule (LF, CR LF, CR), walked one character at a time."""
    starts, i = [0], 0
    while i < len(text):
        if text[i] == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
            i += 2
            starts.append(i)
            continue
        if text[i] in "\r\n":
            starts.append(i + 1)
        i += 1
    return starts


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def position(text: str, offset: int, encoding: str) -> dict[str, int]:
    starts = _breaks(text)
    line = max(i for i, start in enumerate(starts) if start <= offset)
    return {"line": line, "character": units(text[starts[line] : offset], encoding)}


def valid_offsets(text: str) -> list[int]:
    """Offsets a position can name: not between the CR and LF of one line break."""
    return [
        i for i in range(len(text) + 1) if not (0 < i < len(text) and text[i - 1] == "\r" and text[i] == "\n")
    ]


@dataclass
class Script:
    """A document's first text and the didChange notifications after it (each a list of changes,
    applied in order), with the text each leaves."""

    first: str
    notifications: list[list[dict[str, Any]]]
    expected: list[str]


@st.composite
def scripts(draw: Any, encoding: str) -> Script:
    text = draw(TEXTS)
    first, notifications, expected = text, [], []
    for _ in range(draw(st.integers(1, 6))):
        changes = []
        for _ in range(draw(st.integers(1, 3))):
            if draw(st.integers(0, 9)) == 0:  # a full replacement
                text = draw(TEXTS)
                changes.append({"text": text})
                continue
            offsets = valid_offsets(text)
            a = draw(st.sampled_from(offsets + [len(text)] * 3))  # the end of the text, often
            b = draw(st.sampled_from(offsets)) if draw(st.booleans()) else a  # often an insertion
            start, end = min(a, b), max(a, b)
            new = draw(TEXTS) if draw(st.integers(0, 4)) else ""  # some edits delete or do nothing
            span = {"start": position(text, start, encoding), "end": position(text, end, encoding)}
            changes.append({"range": span, "text": new})
            text = text[:start] + new + text[end:]
        notifications.append(changes)
        expected.append(text)
    return Script(first, notifications, expected)
