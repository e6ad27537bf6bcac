"""`ubiq sql write`: a question (Chinese or English) to one SQL query, where every candidate the
model draws is parsed, resolved against the schema and run before one is shown.

A small model writes plausible SQL that is often wrong. So several candidates are drawn (the
greedy answer and a few samples), each under a grammar that allows one SELECT; those that parse,
name only the schema's tables and columns, and run on a scratch database within a time limit are
kept, and the answer is the one whose result the most candidates agree on (self-consistency by
execution). When none survives, the answer is a refusal that says why, never a guess.

The scratch database is filled with generated rows, plus the literal values the candidates
compare columns with (so `WHERE status = 'shipped'` finds rows and the candidates' results can
disagree in a way that tells them apart).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from lsp_server.engine.backend import Backend, CancelToken, ChatMessage
from lsp_server.engine.chat_json import UnparsableAnswer, chat_json
from lsp_server.prompts import render
from lsp_server.sql.joins import add_missing_joins, join_hints
from lsp_server.sql.resolve import Resolver
from lsp_server.sql.schema import SqlSchema, Table
from lsp_server.sql.scratch import Shape, database, literals

log = logging.getLogger(__name__)

CANDIDATES = 5
REPAIRS = 2  # rejected candidates sent back with the checks' reason, when too few survive
PROMPT_TABLES = 12  # at most this many tables' DDL in the prompt, the most relevant first
RUN_LIMIT_MS = 2000
_SCHEMA = {
    "type": "object",
    "properties": {"sql": {"type": "string", "pattern": r"^(SELECT|WITH|select|with) [^;]*$"}},
    "required": ["sql"],
}


@dataclass
class Candidate:
    """One drawn query and what became of it."""

    sql: str
    status: str = "ok"  # ok | unparsable | not a query | unresolved | failed
    reason: str = ""
    rows: list[tuple[object, ...]] | None = None

    def to_dict(self) -> dict[str, object]:
        return {"sql": self.sql, "status": self.status, "reason": self.reason,
                "rows": len(self.rows) if self.rows is not None else None}  # fmt: skip


@dataclass
class Written:
    """The chosen query (None: refused), whether it was validated, and every candidate."""

    sql: str | None
    validated: bool
    rows: int | None
    candidates: list[Candidate] = field(default_factory=list)
    agreement: int = 0  # candidates whose result equals the chosen one's
    source: str = ""  # where its result came from, for the user
    why: str = ""  # why nothing is shown, when the candidates ran but disagree

    def to_dict(self) -> dict[str, object]:
        return {
            "sql": self.sql,
            "validated": self.validated,
            "rows": self.rows,
            "agreement": self.agreement,
            "source": self.source,
            "refused": self.refusal() if self.sql is None else None,
            "candidates": [c.to_dict() for c in self.candidates],
        }

    def refusal(self) -> str:
        if self.why:
            return f"no query is shown: {self.why}"
        reasons = Counter(f"{c.status}: {c.reason}" if c.reason else c.status for c in self.candidates)
        listed = "; ".join(f"{reason} (×{n})" if n > 1 else reason for reason, n in reasons.most_common(4))
        return f"no candidate query survived the checks ({listed})"


def write(
    question: str,
    schema: SqlSchema,
    backend: Backend,
    *,
    dialect: str = "sqlite",
    candidates: int = CANDIDATES,
    glossary_notes: str = "",
    prompts_dir: str = "",
    project_root: Path | None = None,
    cancel: CancelToken | None = None,
    on_progress: Callable[[str, float], None] | None = None,
    execute_on: sqlite3.Connection | None = None,
) -> Written:
    """Draw `candidates` queries for `question` and keep the one most of the valid ones agree on.
    `execute_on` runs them on a given SQLite database instead of a scratch one (benchmarks)."""
    if not schema:
        return Written(None, False, None, [Candidate("", "unresolved", "the schema has no tables")])
    messages = _messages(question, schema, dialect, glossary_notes, prompts_dir, project_root)
    drawn: list[Candidate] = []
    for number in range(candidates):
        if on_progress is not None:
            on_progress(f"drawing candidate {number + 1} of {candidates}", number / (candidates + 2))
        drawn.append(draw(backend, messages, number, cancel))
    parsed = [(c, _check(c, schema, dialect)) for c in drawn]
    for candidate in [c for c, tree in parsed if tree is None and c.status == "unresolved"]:
        joined = _joined(candidate, schema, dialect)
        if joined is not None:
            drawn.append(joined)
            parsed.append((joined, _check(joined, schema, dialect)))
    if sum(tree is not None for _, tree in parsed) < 2:
        # Too few to vote: show the model what the checks said about its first failures, once.
        for candidate in [c for c, tree in parsed if tree is None and c.sql][:REPAIRS]:
            if on_progress is not None:
                on_progress("repairing a candidate the checks rejected", candidates / (candidates + 2))
            fixed = _repair(backend, messages, candidate, cancel)
            drawn.append(fixed)
            parsed.append((fixed, _check(fixed, schema, dialect)))
    if on_progress is not None:
        on_progress("running the candidates", candidates / (candidates + 1))
    runnable = [(c, tree) for c, tree in parsed if tree is not None]
    if runnable:
        connection = execute_on or database(schema, _shape(schema, [tree for _, tree in runnable]))
        try:
            for candidate, tree in runnable:
                _run(candidate, tree, connection)
        finally:
            if execute_on is None:
                connection.close()
    return choose(drawn, source="scratch database" if execute_on is None else "the given database")


def raw(question: str, schema: SqlSchema, backend: Backend, *, dialect: str = "sqlite") -> str:
    """The model's first answer with no checks at all: the baseline the pipeline is measured against."""
    messages = _messages(question, schema, dialect, "", "", None)
    return draw(backend, messages, 0, None).sql


def _messages(
    question: str, schema: SqlSchema, dialect: str, notes: str, prompts_dir: str, project_root: Path | None
) -> list[ChatMessage]:
    """The system message and the question with the schema: the same for the pipeline and the baseline."""
    system = render("sql_write.system.txt", {"dialect": dialect}, prompts_dir, project_root)
    variables = {"schema": schema_prompt(schema, question), "question": question.strip(), "notes": notes}
    return [
        ChatMessage("system", system),
        ChatMessage("user", render("sql_write.txt", variables, prompts_dir, project_root)),
    ]


def prompt_tables(schema: SqlSchema, question: str) -> list[Table]:
    """The tables most likely to matter (at most PROMPT_TABLES), by name."""
    tables = sorted(schema.tables.values(), key=lambda t: -_relevance(t, question))[:PROMPT_TABLES]
    return sorted(tables, key=lambda t: t.name)


def schema_prompt(schema: SqlSchema, question: str) -> str:
    """The CREATE TABLE statements of the tables most likely to matter, in a compact form."""
    ordered = prompt_tables(schema, question)
    hints = join_hints(schema, ordered)
    joins = ["-- join tables on: " + "; ".join(hints)] if hints else []
    return "\n".join([*(_ddl(t) for t in ordered), *joins])


def _relevance(table: Table, question: str) -> int:
    words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", question)}
    names = {table.name.lower(), *table.columns}
    return sum(any(w in n or n in w for n in names) for w in words)


def _ddl(table: Table) -> str:
    columns = []
    for column in table.columns.values():
        parts = [column.name, column.type or "TEXT"]
        if column.pk:
            parts.append("PRIMARY KEY")
        reference = table.foreign_keys.get(column.name.lower())
        if reference is not None:
            parts.append(f"REFERENCES {reference[0]}({reference[1]})")
        columns.append(" ".join(parts))
    return f"CREATE TABLE {table.name} ({', '.join(columns)});"


def draw(backend: Backend, messages: list[ChatMessage], number: int, cancel: CancelToken | None) -> Candidate:
    """The greedy answer first, then samples with distinct seeds."""
    try:
        answer = chat_json(
            backend,
            messages,
            _SCHEMA,
            max_tokens=400,
            temperature=0.0 if number == 0 else 0.6,
            seed=None if number == 0 else 1000 + number,
            cancel=cancel,
            what="query",
        )
    except UnparsableAnswer as error:
        partial = (error.partial or {}).get("sql", "")
        return Candidate(str(partial), "unparsable", "the answer was cut off")
    return Candidate(str(answer.get("sql", "")).strip())


def _repair(
    backend: Backend,
    messages: list[ChatMessage],
    failed: Candidate,
    cancel: CancelToken | None,
) -> Candidate:
    follow_up = [
        *messages,
        ChatMessage("assistant", json.dumps({"sql": failed.sql}, ensure_ascii=False)),
        ChatMessage("user", f"That query is wrong: {failed.reason}. Write the corrected query, as JSON."),
    ]
    repaired = draw(backend, follow_up, 0, cancel)
    repaired.reason = repaired.reason or f"repaired from: {failed.reason}"
    return repaired


def _joined(candidate: Candidate, schema: SqlSchema, dialect: str) -> Candidate | None:
    """The candidate with the joins its stray columns need, from the schema's foreign keys."""
    try:
        tree = sqlglot.parse_one(candidate.sql.strip().rstrip(";"), read=dialect)
    except (ParseError, TokenError):
        return None
    repaired = add_missing_joins(tree, schema) if tree is not None else None
    if repaired is None:
        return None
    sql = repaired.sql(dialect=dialect)
    if sql == candidate.sql:
        return None
    return Candidate(sql, reason=f"joins added by the schema's foreign keys to: {candidate.sql[:80]}")


def _check(candidate: Candidate, schema: SqlSchema, dialect: str) -> exp.Expression | None:
    """The candidate's parse when it is one read-only query that resolves against the schema."""
    if candidate.status != "ok":
        return None
    try:
        statements = [
            s for s in sqlglot.parse(candidate.sql.strip().rstrip(";"), read=dialect) if s is not None
        ]
    except (ParseError, TokenError) as error:
        candidate.status, candidate.reason = "unparsable", str(error).splitlines()[0][:120]
        return None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        candidate.status, candidate.reason = "not a query", "not one SELECT statement"
        return None
    resolver = Resolver(schema)
    resolver.resolve(statements[0])
    if resolver.problems:
        candidate.status, candidate.reason = "unresolved", resolver.problems[0].message
        return None
    return statements[0]


def _shape(schema: SqlSchema, trees: list[exp.Expression]) -> Shape:
    """Rows for every table, with the literals the candidates compare columns with mixed in."""
    return Shape(rows=80, null_rate=0.1, seed=11, values=literals(schema, trees))


def _run(candidate: Candidate, tree: exp.Expression, connection: sqlite3.Connection) -> None:
    query = tree.sql(dialect="sqlite")
    started = time.monotonic()
    connection.set_progress_handler(lambda: int((time.monotonic() - started) * 1000 > RUN_LIMIT_MS), 10_000)
    try:
        candidate.rows = connection.execute(query).fetchmany(10_001)
    except sqlite3.Error as error:
        candidate.status, candidate.reason = "failed", str(error)[:120]
        if "interrupted" in str(error):
            candidate.reason = f"ran longer than {RUN_LIMIT_MS} ms"
    finally:
        connection.set_progress_handler(None, 0)


def _signature(rows: list[tuple[object, ...]]) -> tuple[object, ...]:
    """A result as a multiset of rows, numbers rounded: two queries agree when these are equal."""

    def norm(value: object) -> object:
        return round(value, 4) if isinstance(value, float) else value

    return tuple(sorted((tuple(norm(v) for v in row) for row in rows), key=repr))


def choose(candidates: list[Candidate], source: str) -> Written:
    """The query whose result most candidates share; ties go to the earliest (the greedy one first)."""
    ran = [c for c in candidates if c.status == "ok" and c.rows is not None]
    if not ran:
        return Written(None, False, None, candidates)
    groups: dict[tuple[object, ...], list[Candidate]] = {}
    for candidate in ran:
        groups.setdefault(_signature(candidate.rows or []), []).append(candidate)
    best = max(groups.values(), key=lambda group: (len(group), -candidates.index(group[0])))
    drawn = sum(1 for c in candidates if c.sql)
    if drawn >= 3 and len(best) < 2:
        # Each candidate that ran returned something else: any one of them would be a guess.
        return Written(None, False, None, candidates, why=f"the {len(ran)} candidates that ran all disagree")
    chosen = best[0]
    rows = len(chosen.rows or [])
    return Written(chosen.sql, True, rows, candidates, len(best), f"ran on a {source}: {rows} rows")
