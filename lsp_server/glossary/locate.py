"""Where glossary terms are in the code: the entries at a position (for hover), and the places a
term is used (the context a model gets when it drafts an entry).

On an identifier, every glossary spelling in it counts (`get_order_sn` is about the order number);
in a comment or docstring, only the term under the cursor (`# 计算会员积分` is about 会员积分 there).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lsp_server.glossary.index import TermIndex, TermMatch
from lsp_server.glossary.model import Entry, InvalidEntry
from lsp_server.glossary.scan import ScannedFile


def matches_at(
    scanned: ScannedFile, index: TermIndex, line: int, col: int, *, utf16: bool = False
) -> list[TermMatch]:
    """Glossary matches at a 0-based position (columns in characters, or UTF-16 units)."""
    identifier = scanned.identifier_at(line, col, utf16=utf16)
    if identifier is not None:
        return list(index.matches(identifier.name))
    found = scanned.text_at(line, col, utf16=utf16)
    if found is None:
        return []
    block, offset = found
    return [match for match in index.find_in_text(block.text) if match.start <= offset <= match.end]


@dataclass(frozen=True)
class Usage:
    """One place a term is used in the code: context for the model when it drafts the entry."""

    path: Path | None
    line: int
    col: int
    kind: Literal["identifier", "comment", "docstring"]
    text: str
    """The identifier, or the line of the comment or docstring, where the phrase is used."""


def find_usages(scans: Iterable[ScannedFile], phrase: str, limit: int = 20) -> list[Usage]:
    """Where a term or English phrase is used: identifiers containing its words (each name once
    per file), and comment or docstring lines containing it (Chinese: anywhere in the text)."""
    try:
        index = TermIndex([Entry(phrase, phrase)])  # found the way glossary entries are found
    except InvalidEntry:
        return []
    usages: list[Usage] = []
    for scanned in scans:
        seen: set[str] = set()
        for identifier in scanned.identifiers:
            if identifier.name not in seen and index.matches(identifier.name, variants=False):
                seen.add(identifier.name)
                usages.append(
                    Usage(scanned.path, identifier.line, identifier.col, "identifier", identifier.name)
                )
        for block in scanned.texts:
            for match in index.find_in_text(block.text):
                line, col = block.position(match.start)
                start = block.text.rfind("\n", 0, match.start) + 1
                end = block.text.find("\n", match.end)
                text = block.text[start : len(block.text) if end < 0 else end].strip()
                usages.append(Usage(scanned.path, line, col, block.kind, text))
        if len(usages) >= limit:
            break
    return usages[:limit]
