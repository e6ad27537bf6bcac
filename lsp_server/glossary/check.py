"""The consistency check: identifiers that use a forbidden synonym or an unknown form of a term.

Each finding says where the identifier is, which entry it breaks, the name the glossary wants in
that spot, and the identifier rewritten with it (`get_order_sn` → `get_order_number`), so the CLI
can list it and the editor can offer the rename. Every occurrence counts, definitions and uses
alike, so that a rename leaves none behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lsp_server.glossary.index import TermIndex, TermMatch
from lsp_server.glossary.model import Entry
from lsp_server.glossary.naming import Style, pluralize, render, singulars, split_words, style_of
from lsp_server.glossary.scan import Identifier, ScannedFile, scan_file, scan_source
from lsp_server.glossary.workspace import iter_python_files


@dataclass(frozen=True)
class Finding:
    """An identifier at [col, end_col) of `line` (0-based, characters; UTF-16 columns beside them)."""

    path: Path | None
    line: int
    col: int
    end_col: int
    col_utf16: int
    end_col_utf16: int
    identifier: str
    kind: Literal["avoid", "variant"]
    entry: Entry
    matched: str
    """The part of the identifier at fault, as written (`order_sn` in `get_order_sn`)."""
    ubiquitous_name: str
    """The entry's name in the form this spot wants: PascalCase for a class, snake_case for a function
    or variable, UPPER_SNAKE for a constant."""
    replacement: str
    """The whole identifier with the part at fault replaced, in the identifier's own style."""

    @property
    def term(self) -> str:
        return self.entry.term

    @property
    def message(self) -> str:
        if self.kind == "avoid":
            why = f"`{self.matched}` is a synonym to avoid for {self.term!r}"
        else:
            why = f"`{self.matched}` is an unknown form of {self.term!r}"
        return f"{why}: use `{self.ubiquitous_name}` (rename `{self.identifier}` to `{self.replacement}`)"


def _spot_style(identifier: Identifier) -> Style:
    """Python's conventions: a class definition wants PascalCase, a function or parameter
    snake_case; other uses follow how the name is written (a class, a constant, or a variable)."""
    if identifier.kind == "class":
        return "pascal"
    if identifier.kind in ("function", "parameter", "keyword"):
        return "snake"
    style = style_of(identifier.name)
    return style if style in ("pascal", "upper") else "snake"


def _replacement(name: str, match: TermMatch) -> str:
    """The identifier with the matched words replaced by the entry's words, written in the
    identifier's style; a camelCase name keeps a lower-case head only where the match starts it."""
    words = list(match.entry.words)
    if match.plural and singulars(words[-1]) == (words[-1],):  # "points" is plural already
        words[-1] = pluralize(words[-1])
    style = style_of(name)
    first = split_words(name)[0]
    if style == "camel" and match.start != first.start:
        style = "pascal"
    return name[: match.start] + render(words, style) + name[match.end :]


def check_identifier(identifier: Identifier, index: TermIndex, path: Path | None = None) -> list[Finding]:
    """Findings for one identifier: each forbidden synonym or unknown form in it."""
    findings = []
    for match in index.matches(identifier.name):
        if match.accepted:
            continue
        findings.append(
            Finding(
                path,
                identifier.line,
                identifier.col,
                identifier.end_col,
                identifier.col_utf16,
                identifier.end_col_utf16,
                identifier.name,
                "avoid" if match.kind == "avoid" else "variant",
                match.entry,
                identifier.name[match.start : match.end],
                match.entry.forms.style(_spot_style(identifier)),
                _replacement(identifier.name, match),
            )
        )
    return findings


def check_scan(scanned: ScannedFile, index: TermIndex) -> list[Finding]:
    """Findings in one scanned file, in source order."""
    return [
        finding
        for identifier in scanned.identifiers
        for finding in check_identifier(identifier, index, scanned.path)
    ]


def check_source(text: str, index: TermIndex, path: Path | None = None) -> list[Finding]:
    return check_scan(scan_source(text, path), index)


def check_files(paths: Iterable[Path], index: TermIndex) -> list[Finding]:
    findings: list[Finding] = []
    for path in paths:
        scanned = scan_file(path)
        if scanned is not None:
            findings.extend(check_scan(scanned, index))
    return findings


def check_workspace(root: Path, index: TermIndex) -> list[Finding]:
    """Findings in every Python file of a project (see `workspace.iter_python_files`)."""
    return check_files(iter_python_files(root), index)
