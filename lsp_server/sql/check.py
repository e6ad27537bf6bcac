"""`ubiq sql check` and the editor's SQL diagnostics: find the SQL of a file, parse it in its
dialect, resolve it against the schema and run the rules; every finding points into the file.

No database and no model: the same input always gives the same findings. A statement that does
not resolve cleanly (an unknown table, an open scope) gets only the finding that says so, never
guesses about the rest.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from tree_sitter import Tree

from lsp_server.context.treesitter import parse
from lsp_server.files import UnreadableFile, read_text
from lsp_server.project_files import walk_project
from lsp_server.sql.dialects import dialect_of
from lsp_server.sql.locate import Snippet, python_file, sql_file
from lsp_server.sql.nplus1 import find as find_n_plus_one
from lsp_server.sql.resolve import Problem, Resolver, closest
from lsp_server.sql.rules import RULES
from lsp_server.sql.schema import SqlSchema

SEVERITY = {  # what each code is: an error the query will hit, or a warning about what it does
    "syntax-error": "error",
    "unknown-table": "error",
    "unknown-column": "error",
    "ambiguous-column": "error",
}
_CHECKED = re.compile(
    r"^\s*(\(\s*)*(select|with|insert|update|delete|replace"
    r"|create\s+(or\s+replace\s+)?(temp\w*\s+)?(materialized\s+)?view)\b",
    re.I,
)
_LEADING_COMMENTS = re.compile(r"^(\s*(--[^\n]*(\n|$)|/\*.*?\*/))*", re.S)
_CREATED = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:temp\w*\s+)?(?:materialized\s+)?(?:table|view)\s+"
    r"(?:if\s+not\s+exists\s+)?(?:[\w\"`]+\.)?[\"`]?(\w+)",
    re.IGNORECASE,
)


@dataclass
class Finding:
    """One problem; line and column are 0-based code points in the file (the CLI prints them 1-based)."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    message: str
    replacement: str = ""  # what the quick fix writes over the range, when there is one

    @property
    def severity(self) -> str:
        return SEVERITY.get(self.code, "warning")

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line + 1,
            "column": self.column + 1,
            "code": self.code,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.path}:{self.line + 1}:{self.column + 1}: {self.code} {self.message}"


def _n_plus_one(path: str, text: str, schema: SqlSchema, tree: Tree | None) -> list[Finding]:
    if not path.lower().endswith(".py") or not schema.relations:
        return []
    return [
        Finding(path, f.line, f.column, f.line, f.end_column, "n-plus-one", f.message)
        for f in find_n_plus_one(text, schema.relations, tree)
    ]


def snippets_of(path: str, text: str) -> list[Snippet]:
    if path.lower().endswith(".sql"):
        return sql_file(text)
    if path.lower().endswith((".py", ".pyi")):
        return python_file(text)
    return []


def check_text(path: str, text: str, schema: SqlSchema, dialect: str | None = None) -> list[Finding]:
    """The findings of one file's SQL, in file order."""
    tree = parse(text) if path.lower().endswith((".py", ".pyi")) else None  # one parse for both readers
    snippets = python_file(text, tree) if tree is not None else snippets_of(path, text)
    findings = _n_plus_one(path, text, schema, tree)
    if not snippets:
        return findings
    chosen = dialect or dialect_of(path, text)
    created = {name.lower() for name in _CREATED.findall(text)}  # tables and views the file makes itself
    for snippet in snippets:
        findings.extend(_finding(path, snippet, p) for p in check_snippet(snippet, schema, chosen, created))
    return sorted(findings, key=lambda f: (f.line, f.column, f.code))


@dataclass
class SnippetProblem:
    """A problem found in one snippet, before it is placed in the file."""

    code: str
    message: str
    start: int  # offsets into the snippet's text
    end: int
    replacement: str = ""


def check_snippet(
    snippet: Snippet, schema: SqlSchema, dialect: str, created: set[str] | None = None
) -> list[SnippetProblem]:
    if snippet.built:
        return [_built(snippet)]
    text = normalise_placeholders(snippet.text, dialect)
    if not _CHECKED.match(_LEADING_COMMENTS.sub("", text)):
        return _unknown_verb(text) if snippet.in_python else []
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except (ParseError, TokenError) as error:
        problem = _syntax_error(text, error, dialect)
        return [problem] if problem is not None else []
    problems: list[SnippetProblem] = []
    for statement in statements:
        if isinstance(statement, exp.Command):
            continue  # sqlglot did not understand it: no guesses
        problems.extend(
            _located(text, p) for p in _statement_problems(statement, schema, snippet.in_python, created)
        )
    return problems


def _statement_problems(
    statement: exp.Expression, schema: SqlSchema, in_python: bool, created: set[str] | None
) -> Iterator[Problem]:
    resolver = Resolver(schema, created)
    if schema:
        resolver.resolve(statement)
        yield from resolver.problems
        if resolver.problems:
            return  # the rest would be guesses about a statement that does not resolve
    for rule in RULES:
        yield from rule(statement, resolver, in_python)


_VERBS = set(
    [
        "select",
        "with",
        "insert",
        "update",
        "delete",
        "replace",
        "merge",
        "create",
        "alter",
        "drop",
        "truncate",
        "explain",
        "pragma",
        "begin",
        "commit",
        "rollback",
        "savepoint",
        "release",
        "set",
        "show",
        "use",
        "values",
        "vacuum",
        "analyze",
        "analyse",
        "grant",
        "revoke",
        "copy",
        "call",
        "do",
        "lock",
        "listen",
        "notify",
        "unlisten",
        "reindex",
        "cluster",
        "comment",
        "declare",
        "fetch",
        "move",
        "prepare",
        "execute",
        "deallocate",
        "reset",
        "discard",
        "load",
        "start",
        "end",
        "abort",
        "checkpoint",
        "refresh",
        "attach",
        "detach",
        "describe",
        "desc",
        "rename",
        "optimize",
        "flush",
        "kill",
        "handler",
    ]
)


def _unknown_verb(text: str) -> list[SnippetProblem]:
    """A string run as SQL whose first word is no SQL statement (`SELEC name …`)."""
    match = re.match(r"\s*([A-Za-z_]+)", text)
    if match is None or match.group(1).lower() in _VERBS:
        return []
    word = match.group(1)
    near = closest(word, _VERBS).upper()
    hint = f"; did you mean {near}?" if near else ""
    return [
        SnippetProblem(
            "syntax-error",
            f"syntax error: {word} starts no SQL statement{hint}",
            match.start(1),
            match.end(1),
            near,
        )
    ]


def normalise_placeholders(text: str, dialect: str) -> str:
    """Driver placeholders sqlglot's dialect may not read, rewritten to ones it does, keeping every
    offset: `%s` → `? `, `%(name)s` → `:name  `, `$1` → `? ` outside PostgreSQL, `%%` → `% `."""
    text = re.sub(r"%\((\w+)\)s", lambda m: ":" + m.group(1) + "  ", text)
    text = text.replace("%%", "% ")
    text = re.sub(r"%s\b", "? ", text)
    if dialect != "postgres":
        text = re.sub(r"\$(\d+)", lambda m: "?" + " " * len(m.group(1)), text)
    return text


def _syntax_error(text: str, error: Exception, dialect: str) -> SnippetProblem | None:
    """A parse error, reported only when it is one: for SQLite, the real engine must agree."""
    if dialect == "sqlite" and not _sqlite_rejects(text):
        return None
    details = getattr(error, "errors", None) or [{}]
    first = details[0]
    line, column = first.get("line") or 1, first.get("col") or 1
    offset = _offset_of(text, line, column - 1)
    description = first.get("description") or (
        "a quote or comment is never closed" if isinstance(error, TokenError) else str(error).split("\n")[0]
    )
    highlight = first.get("highlight") or ""
    message = f"syntax error: {description}" + (f" near {highlight!r}" if highlight else "")
    start = max(offset - max(len(highlight), 1), 0)
    return SnippetProblem("syntax-error", message, start, max(offset, start + 1))


def _sqlite_rejects(text: str) -> bool:
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("EXPLAIN " + text.strip().rstrip(";"))
    except sqlite3.Error as error:
        return "syntax error" in str(error) or "incomplete input" in str(error)
    finally:
        connection.close()
    return False


def _offset_of(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    line = min(max(line, 1), len(lines))
    return sum(len(lines[i]) + 1 for i in range(line - 1)) + min(max(column, 0), len(lines[line - 1]))


def _located(text: str, problem: Problem) -> SnippetProblem:
    meta = problem.node.meta if problem.node is not None else {}
    if "start" in meta and "end" in meta:
        start, end = meta["start"], meta["end"] + 1
        if problem.node.args.get("quoted"):
            start, end = max(start - 1, 0), end + 1
    else:
        start, end = 0, len(text.split("\n")[0])
    return SnippetProblem(problem.code, problem.message, start, max(end, start + 1), problem.replacement)


def _built(snippet: Snippet) -> SnippetProblem:
    how = {
        "f-string": "an f-string",
        "%": "% formatting",
        "+": "string concatenation",
        ".format": ".format()",
    }
    return SnippetProblem(
        "string-built-sql",
        f"SQL built with {how.get(snippet.built, snippet.built)} reaches execute: values spliced into SQL "
        "are an injection risk; pass them as bound parameters",
        0,
        len(snippet.text.split("\n")[0].rstrip()),
    )


def _finding(path: str, snippet: Snippet, problem: SnippetProblem) -> Finding:
    line, column = snippet.position(problem.start)
    end_line, end_column = snippet.position(problem.end - 1)
    return Finding(
        path, line, column, end_line, end_column + 1, problem.code, problem.message, problem.replacement
    )


SUFFIXES = (".sql", ".py")


def check_paths(
    paths: list[Path], schema: SqlSchema, dialect: str | None = None
) -> tuple[list[Finding], list[str]]:
    """Findings in every `.sql` and `.py` file under `paths` (files or folders), and the files that
    could not be read, with why."""
    findings: list[Finding] = []
    unread: list[str] = []
    for path in _files(paths):
        try:
            text = read_text(path)
        except UnreadableFile as error:
            unread.append(f"{path}: {error.reason}")
            continue
        findings.extend(check_text(str(path), text, schema, dialect))
    return findings, unread


def _files(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found.extend(walk_project(path, keep=lambda p: p.suffix.lower() in SUFFIXES))
        else:
            found.append(path)
    return found
