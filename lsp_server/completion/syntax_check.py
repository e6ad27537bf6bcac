"""Check that a completion keeps the code around the cursor valid Python.

A ghost text that breaks the file costs the user more than no suggestion, so every completion is
judged before it is shown. The judge is Python's own parser (tree-sitter tolerates too much, e.g.
bad indentation), run on the top-level statement that holds the cursor, before and after the
insertion, so the check costs the same in a 50-line file and a 50,000-line one:

- the statement parsed before: it must still parse after (or the completion is trimmed);
- it was incomplete (the user is mid-statement): after, it may be complete or still incomplete;
- it was already broken: the completion must fix it, or leave only the error that was already
  there, further down, untouched; an error on the line right after the inserted text means the
  completion did not fit what follows (e.g. a `for` header replaced by a plain statement).
"""

from __future__ import annotations

import codeop
import re
from dataclasses import dataclass

from ..context.syntax import SyntaxTree, error_count_of

REGION_LIMIT = 40_000  # characters; larger statements fall back to a tree-sitter error count
# Compiled to bytecode, not to an AST: on CPython 3.11 building AST objects is not safe while
# another thread does too (jedi's `inspect` signatures do): "AST constructor recursion depth
# mismatch", then a crash (python/cpython#106905). The bytecode compiler parses the same way; the
# few errors only it raises (a `return` or `break` out of place in the region) are not the
# completion's doing and count as parsing.
_FLAGS = codeop.PyCF_ALLOW_INCOMPLETE_INPUT
_COMPILER_ONLY = re.compile(
    r"outside (async )?function|outside loop|not properly in loop|nonlocal|global|__future__|"
    r"is parameter and|statically nested blocks|too many"
)
_AWAITS_BODY = re.compile(r"expected an indented block after .* on line (\d+)$")


@dataclass(frozen=True)
class Verdict:
    """What Python's compiler says of a region: it parses, it is an incomplete statement, or it has
    an error at `line`."""

    state: str  # "ok" | "incomplete" | "error"
    line: int = 0  # 1-based, within the checked region
    message: str = ""


def verdict(source: str) -> Verdict:
    try:
        compile(source, "<completion>", "exec", _FLAGS, dont_inherit=True)
    except SyntaxError as error:
        if error.msg == "incomplete input":
            return Verdict("incomplete")
        if _COMPILER_ONLY.search(error.msg or ""):
            return Verdict("ok")
        return Verdict("error", error.lineno or 0, error.msg)
    except (ValueError, MemoryError, RecursionError) as error:
        return Verdict("error", 0, str(error))
    return Verdict("ok")


def _line_starts(text: str) -> list[int]:
    starts = [0]
    index = text.find("\n")
    while index >= 0:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def statement_region(text: str, offset: int, syntax: SyntaxTree | None = None) -> tuple[int, int]:
    """Character range of the top-level statement(s) holding the cursor: from the last top-level
    node starting at column 0 on or before the cursor's line to the next one after it."""
    tree = syntax if syntax is not None and syntax.text == text else SyntaxTree(text)
    starts = _line_starts(text)
    row = text.count("\n", 0, offset)
    first, last = 0, len(starts)
    for child in tree.tree.root_node.children:
        if child.type == "comment" or child.start_point.column != 0:
            continue
        child_row = child.start_point.row
        if child_row <= row:
            first = child_row
        elif child_row < last:
            last = child_row
            break
    return starts[first], (starts[last] if last < len(starts) else len(text))


def _next_code_line(source: str, after_line: int) -> int:
    """1-based number of the first non-blank, non-comment line after `after_line`."""
    lines = source.split("\n")
    for number in range(after_line + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return len(lines) + 1


class SyntaxJudge:
    """Judges candidate completions at one cursor; the region and its 'before' verdict are
    computed once for all the trims of a completion."""

    def __init__(self, text: str, offset: int, syntax: SyntaxTree | None = None) -> None:
        start, end = statement_region(text, offset, syntax)
        self.before_text, self.after_text = text[start:offset], text[offset:end]
        self.fallback = end - start > REGION_LIMIT
        if self.fallback:
            self.baseline = error_count_of(self.before_text + self.after_text)
            return
        self.before = verdict(self.before_text + self.after_text)
        self.cursor_line = self.before_text.count("\n") + 1

    def accepts(self, completion: str, lenient: bool = False) -> bool:
        """`lenient` also lets through a block header whose body the user has yet to write."""
        source = self.before_text + completion + self.after_text
        if self.fallback:
            return error_count_of(source) <= self.baseline
        after = verdict(source)
        if after.state == "ok":
            return True
        if self.before.state == "ok":
            return False
        if after.state == "incomplete":
            return True
        inserted_last = self.cursor_line + completion.count("\n")
        if lenient and self._awaits_body(after, inserted_last):
            return True
        if self.before.state != "error" or after.message != self.before.message:
            return False
        # The error that was already there: it must not have moved, must lie past the line right
        # after the insertion, and the code up to the end of the inserted text must be sound
        # (the tokenizer reports bracket errors first, which can hide a new error above them).
        moved = self.before.line + (
            inserted_last - self.cursor_line if self.before.line > self.cursor_line else 0
        )
        line_end = self.after_text.find("\n")
        upto = (
            self.before_text + completion + (self.after_text if line_end < 0 else self.after_text[:line_end])
        )
        return (
            after.line == moved
            and after.line > _next_code_line(source, inserted_last)
            and verdict(upto).state != "error"
        )

    def _awaits_body(self, after: Verdict, inserted_last: int) -> bool:
        """A block header the completion wrote, waiting for a body the user has yet to indent."""
        match = _AWAITS_BODY.match(after.message)
        return (
            match is not None
            and not _AWAITS_BODY.match(self.before.message)
            and self.cursor_line <= int(match.group(1)) <= inserted_last
        )


def keep_parsing(text: str, offset: int, completion: str, syntax: SyntaxTree | None = None) -> str:
    """The longest head of `completion` (whole lines) that the judge accepts; "" if none is.
    Strict first: a header waiting for a body is only shown when nothing shorter fits cleanly."""
    if not completion:
        return completion
    judge = SyntaxJudge(text, offset, syntax)
    lines = completion.split("\n")
    heads = ["\n".join(lines[:n]) for n in range(len(lines), 0, -1)]
    for lenient in (False, True):
        for candidate in heads:
            if judge.accepts(candidate, lenient):
                return candidate
    return ""
