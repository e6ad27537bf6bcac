"""`ubiq sql explain`: a query's plan on a real engine, what in it costs, and indexes that help,
each one tried: advice is given only when the engine's new plan uses the index, with the speed-up
measured on the same scratch database.

The engine is SQLite, always there: a scratch database with the project's schema and generated
rows (only the tables the query reads are filled, so a wide schema stays quick). Candidate
indexes come from SQLite's own `.expert` mode when the `sqlite3` shell is installed, and from the
query's filters, joins and ORDER BY otherwise (equality columns first, then one range column).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from lsp_server.errors import InputError
from lsp_server.sql.check import normalise_placeholders
from lsp_server.sql.plan_help import ModelHelp, Narration
from lsp_server.sql.resolve import Resolver
from lsp_server.sql.rewrite import Judge, Rewrite, propose
from lsp_server.sql.schema import SqlSchema, Table
from lsp_server.sql.scratch import Shape, database

_EQUALITY = (exp.EQ, exp.In, exp.Is)
WORTH = 2.0  # an index must at least halve the engine's work to be advised
STEP = 20  # SQLite VM instructions per progress-handler call: the unit engine work is counted in
_RANGE = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.Like)


@dataclass
class Advice:
    """An index tried on the scratch database: the plan used it, and the query ran this much faster."""

    statement: str
    before_ms: float
    after_ms: float
    plan: list[str]
    source: str  # "sqlite .expert", "filters", "ORDER BY" or "hypopg"
    # A hypothetical index (hypopg) cannot be timed: before_ms/after_ms then hold the planner's
    # estimated costs, and they are reported as such, never as times.
    estimated: bool = False
    # SQLite virtual-machine steps (in units of STEP) before and after: the work done, which does
    # not wobble with the machine's load as times do; advice is decided on these.
    steps_before: int = 0
    steps_after: int = 0

    @property
    def speedup(self) -> float:
        return self.before_ms / self.after_ms if self.after_ms > 0 else float("inf")

    def to_dict(self) -> dict[str, object]:
        if self.estimated:
            return {
                "index": self.statement,
                "before_cost": round(self.before_ms, 2),
                "after_cost": round(self.after_ms, 2),
                "estimated_speedup": round(self.speedup, 1),
                "plan": self.plan,
                "source": self.source,
            }
        return {
            "index": self.statement,
            "before_ms": round(self.before_ms, 3),
            "after_ms": round(self.after_ms, 3),
            "speedup": round(self.speedup, 1),
            "steps_before": self.steps_before * STEP,
            "steps_after": self.steps_after * STEP,
            "plan": self.plan,
            "source": self.source,
        }

    def line(self) -> str:
        if self.estimated:
            return (
                f"{self.statement};  -- estimated cost {self.before_ms:.1f} → {self.after_ms:.1f}, "
                f"{self.speedup:.1f}× cheaper"
            )
        timing = f"{self.before_ms:.1f} ms → {self.after_ms:.1f} ms"
        fewer = self.steps_before / max(self.steps_after, 1)
        return f"{self.statement};  -- {timing}, {self.speedup:.1f}× faster ({fewer:.0f}× fewer engine steps)"


@dataclass
class Explanation:
    """The plan as the engine printed it, findings read from it, and the advice that held."""

    query: str  # as run, in the engine's dialect
    engine: str
    plan: list[str]
    findings: list[str] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # candidate indexes the plan did not use
    elapsed_ms: float | None = 0.0  # None: the query was planned, not run
    notes: list[str] = field(default_factory=list)  # what this run could not look at, and why
    no_advice: str = ""  # why no index was tried at all (e.g. hypopg is not installed)
    rewrites: list[Rewrite] = field(default_factory=list)  # proposed by rules or the model, checked
    narration: Narration | None = None  # the model's explanation of the plan, checked against it

    def narrate(self, helper: ModelHelp, schema: SqlSchema) -> None:
        advice = [a.statement for a in self.advice]
        self.narration = helper.narration(self.query, self.plan, self.findings, advice, schema)

    def to_dict(self) -> dict[str, object]:
        result: dict[str, object] = {
            "query": self.query,
            "engine": self.engine,
            "plan": self.plan,
            "findings": self.findings,
            "advice": [a.to_dict() for a in self.advice],
            "rejected": self.rejected,
            "elapsed_ms": None if self.elapsed_ms is None else round(self.elapsed_ms, 3),
        }
        if self.notes:
            result["notes"] = self.notes
        if self.no_advice:
            result["no_advice"] = self.no_advice
        result["rewrites"] = [r.to_dict() for r in self.rewrites]
        if self.narration is not None:
            result["explanation"] = self.narration.to_dict()
        return result

    def text(self) -> str:
        timing = "" if self.elapsed_ms is None else f" ({self.elapsed_ms:.1f} ms)"
        lines = [f"Plan on {self.engine}{timing}:", *(f"  {p}" for p in self.plan)]
        if self.findings:
            lines += ["", "Findings:", *(f"  - {f}" for f in self.findings)]
        if self.notes:
            lines += ["", "Notes:", *(f"  - {n}" for n in self.notes)]
        if self.advice:
            if any(a.estimated for a in self.advice):
                lines += ["", "Index advice (hypothetical indexes; the new plan uses them; estimated costs):"]
            else:
                lines += ["", "Index advice (tried on the scratch database; the new plan uses it):"]
            lines += [f"  {advice.line()}" for advice in self.advice]
        elif self.no_advice:
            lines += ["", f"No index advice: {self.no_advice}"]
        elif self.findings:
            lines += ["", "No index tried made the plan better."]
        if self.rejected:
            lines += ["", "Tried and not advised:", *(f"  {r}" for r in self.rejected)]
        for rewrite in self.rewrites:
            verdict = "shown" if rewrite.accepted else "rejected"
            lines += ["", f"Rewrite ({rewrite.rule}), {verdict}: {rewrite.reason}", f"  {rewrite.sql}"]
            if rewrite.counterexample:
                lines.append(f"  counterexample: {rewrite.counterexample}")
        if self.narration is not None and self.narration.text:
            lines += ["", f"In short (the model's words; {self.narration.note}):", f"  {self.narration.text}"]
        elif self.narration is not None:
            lines += ["", self.narration.note[:1].upper() + self.narration.note[1:]]
        return "\n".join(lines) + "\n"


def explain(
    sql: str, schema: SqlSchema, dialect: str = "sqlite", rows: int = 20_000, helper: ModelHelp | None = None
) -> Explanation:
    """Explain one statement on a scratch SQLite database with `rows` rows in each table it reads;
    with `helper`, the model also proposes rewrites and explains the plan, each checked."""
    statement = parse_statement(sql, dialect)
    query = statement.sql(dialect="sqlite")
    resolver = Resolver(schema)
    resolver.resolve(statement)
    if resolver.problems:
        raise InputError(f"the query does not match the schema: {resolver.problems[0].message}")
    read = {t.name.lower() for t in statement.find_all(exp.Table) if schema.table(t.name) is not None}
    empty = frozenset(name for name in schema.tables if name not in read)
    connection = database(schema, Shape(rows=rows, null_rate=0.05, empty=empty, seed=7))
    try:
        parameters = _parameters(statement, resolver, connection)
        plan = _plan(connection, query, parameters)
        before = _time(connection, query, parameters)
        steps = _steps(connection, query, parameters)
        engine = f"SQLite {sqlite3.sqlite_version}, scratch database, {rows:,} rows per table"
        result = Explanation(query, engine, plan, elapsed_ms=before)
        scanned = _scanned(plan, statement)
        result.findings = _findings(plan, statement, resolver, scanned)
        for candidate, source in _candidates(connection, query, parameters, statement, resolver, scanned):
            _try(connection, query, parameters, candidate, source, (before, steps), result)
        result.advice.sort(key=lambda a: (a.steps_after, a.after_ms))
        result.advice = _distinct(result.advice)[:3]
        if isinstance(statement, exp.Query):
            judge = Judge(statement, schema, parameters, lambda c, q, p: _steps(c, q, p) * STEP)
            result.rewrites = propose(statement, schema, judge)
            if helper is not None:
                result.rewrites += helper.rewrites(statement, schema, plan, result.findings, judge)
        if helper is not None:
            result.narrate(helper, schema)
        return result
    finally:
        connection.close()


def _distinct(advice: list[Advice]) -> list[Advice]:
    """One piece of advice per index shape: `.expert` and the filters often propose the same
    columns of the same table under two names."""
    seen, kept = set(), []
    for item in advice:
        match = re.search(r"\bON\s+\"?(\w+)\"?\s*\((.*)\)\s*$", item.statement, re.I)
        shape = (
            (match.group(1).lower(), re.sub(r"[\s\"]", "", match.group(2)).lower())
            if match
            else item.statement
        )
        if shape not in seen:
            seen.add(shape)
            kept.append(item)
    return kept


def parse_statement(sql: str, dialect: str) -> exp.Expression:
    text = normalise_placeholders(sql, dialect).strip().rstrip(";")
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except (ParseError, TokenError) as error:
        raise InputError(f"the query does not parse: {str(error).splitlines()[0]}") from None
    if len(statements) != 1:
        raise InputError(f"give one statement to explain, not {len(statements)}")
    if not isinstance(statements[0], exp.Query | exp.Update | exp.Delete | exp.Insert):
        raise InputError("only SELECT, INSERT, UPDATE and DELETE statements have a plan to explain")
    return statements[0]


def _parameters(
    statement: exp.Expression, resolver: Resolver, connection: sqlite3.Connection
) -> list[object]:
    """A value for each placeholder: one the compared column really holds, so the plan is a real one."""
    values: list[object] = []
    for placeholder in statement.find_all(exp.Placeholder):
        values.append(_value_for(placeholder, resolver, connection))
    return values


def _value_for(placeholder: exp.Placeholder, resolver: Resolver, connection: sqlite3.Connection) -> object:
    parent = placeholder.parent
    while isinstance(parent, exp.Tuple | exp.Paren):
        parent = parent.parent
    columns = [
        c
        for c in (parent.find_all(exp.Column) if parent is not None else [])
        if id(c) in resolver.column_tables
    ]
    if columns:
        table = resolver.column_tables[id(columns[0])]
        row = connection.execute(
            f'SELECT "{columns[0].name}" FROM "{table.name}" WHERE "{columns[0].name}" IS NOT NULL LIMIT 1'
        ).fetchone()
        if row is not None:
            return row[0]
    return 1


def _plan(connection: sqlite3.Connection, query: str, parameters: list[object]) -> list[str]:
    rows = connection.execute("EXPLAIN QUERY PLAN " + query, parameters).fetchall()
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def _steps(connection: sqlite3.Connection, query: str, parameters: list[object]) -> int:
    """How much work the engine does for the query, in units of STEP VM instructions."""
    ticks = [0]

    def tick() -> int:
        ticks[0] += 1
        return 0

    connection.set_progress_handler(tick, STEP)
    try:
        _time(connection, query, parameters, runs=1)
    finally:
        connection.set_progress_handler(None, 0)
    return ticks[0]


def _time(connection: sqlite3.Connection, query: str, parameters: list[object], runs: int = 3) -> float:
    """The best of a few runs, in ms; writes are rolled back so each run sees the same data."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        connection.execute("SAVEPOINT timing")
        try:
            connection.execute(query, parameters).fetchall()
        finally:
            connection.execute("ROLLBACK TO timing")
            connection.execute("RELEASE timing")
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def _scanned(plan: list[str], statement: exp.Expression) -> list[str]:
    """Tables the plan reads whole (`SCAN t`, through an index's order or not), by table name:
    SQLite prints the query's alias."""
    tables = {t.alias_or_name.lower(): t.name.lower() for t in statement.find_all(exp.Table)}
    found = []
    for line in plan:
        words = line.split()
        if (
            words[:1] == ["SCAN"]
            and len(words) >= 2
            and words[1].lower() in tables
            and "COVERING" not in words
        ):
            found.append(tables[words[1].lower()])
    return found


def _term(node: exp.Expression, resolver: Resolver) -> tuple[Table, str] | None:
    """A filtered column, or a function of one column (`lower(email)`, which only an expression
    index serves), as it would be written in CREATE INDEX; None for anything else."""
    if isinstance(node, exp.Column) and id(node) in resolver.column_tables:
        return resolver.column_tables[id(node)], f'"{node.name}"'
    if isinstance(node, exp.Func) and not isinstance(node, exp.AggFunc):
        columns = list(node.find_all(exp.Column))
        if len(columns) == 1 and id(columns[0]) in resolver.column_tables:
            bare = node.copy()
            for column in bare.find_all(exp.Column):
                column.set("table", None)
            return resolver.column_tables[id(columns[0])], bare.sql(dialect="sqlite", identify=True)
    return None


def _filters(statement: exp.Expression, resolver: Resolver) -> dict[str, tuple[list[str], list[str]]]:
    """Per table (by schema name): what WHERE compares for equality with a constant, and by range,
    as index terms (quoted columns, or expressions of one column)."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    for where in statement.find_all(exp.Where):
        for predicate in where.find_all(*_EQUALITY, *_RANGE):
            term = _term(predicate.this, resolver)
            if term is None:
                continue
            others = [e for k, e in predicate.args.items() if k != "this" and isinstance(e, exp.Expression)]
            if any(id(c) in resolver.column_tables for e in others for c in e.find_all(exp.Column)):
                continue  # a join condition, not a filter
            if isinstance(predicate, exp.Like) and not _prefix_pattern(predicate):
                continue
            table, text = term
            equal, ranged = found.setdefault(table.name.lower(), ([], []))
            target = equal if isinstance(predicate, _EQUALITY) else ranged
            if text not in target:
                target.append(text)
    return found


def _prefix_pattern(like: exp.Like) -> bool:
    pattern = like.expression
    return isinstance(pattern, exp.Literal) and pattern.is_string and not pattern.this.startswith(("%", "_"))


def _findings(
    plan: list[str], statement: exp.Expression, resolver: Resolver, scanned: list[str]
) -> list[str]:
    findings = []
    filters = _filters(statement, resolver)
    for table in scanned:
        if table in filters:
            columns = ", ".join(t.replace('"', "") for t in filters[table][0] + filters[table][1])
            findings.append(f"full scan of {table} although WHERE filters it on {columns}")
    if any("USE TEMP B-TREE FOR ORDER BY" in line for line in plan):
        findings.append("sorts the result in a temporary B-tree: no index gives the ORDER BY order")
    if any("USE TEMP B-TREE FOR GROUP BY" in line for line in plan):
        findings.append("groups through a temporary B-tree: no index gives the GROUP BY order")
    if any("CORRELATED" in line for line in plan):
        findings.append("a correlated subquery runs once per outer row")
    return findings


def _candidates(
    connection: sqlite3.Connection,
    query: str,
    parameters: list[object],
    statement: exp.Expression,
    resolver: Resolver,
    scanned: list[str],
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = [(c, "sqlite .expert") for c in _expert(connection, query, parameters)]
    tables = {t.name.lower(): t for t in resolver.column_tables.values()}
    for name in scanned:
        table = tables.get(name)
        if table is not None:
            found += [
                (_create(table, terms), source) for terms, source in index_terms(statement, resolver, table)
            ]
    unique: dict[str, str] = {}
    for statement_text, source in found:
        unique.setdefault(statement_text, source)
    return list(unique.items())


def index_terms(statement: exp.Expression, resolver: Resolver, table: Table) -> list[tuple[list[str], str]]:
    """Indexes worth trying on a table read whole, as index terms and where they came from: the
    filters' equality columns (then one range column), one of them alone, a join column, the ORDER BY."""
    equal, ranged = _filters(statement, resolver).get(table.name.lower(), ([], []))
    columns = [c for c in equal if c.strip('"').lower() not in table.indexed]
    found = [
        (combination, "filters")
        for combination in (
            [*columns, *ranged[:1]],
            columns[:1],
            ranged[:1],
            _join_columns(statement, resolver, table),
        )
        if combination
    ]
    order = _order_columns(statement, resolver, table)
    if order and order[0].strip('"').lower() not in table.indexed:
        found.append((order, "ORDER BY"))
    return found


def _join_columns(statement: exp.Expression, resolver: Resolver, table: Table) -> list[str]:
    for join in statement.find_all(exp.Join):
        condition = join.args.get("on")
        for equality in condition.find_all(exp.EQ) if condition is not None else []:
            for side in (equality.this, equality.expression):
                mine = isinstance(side, exp.Column) and resolver.column_tables.get(id(side)) is table
                if mine and side.name.lower() not in table.indexed:
                    return [f'"{side.name}"']
    return []


def _order_columns(statement: exp.Expression, resolver: Resolver, table: Table) -> list[str]:
    order = statement.args.get("order")
    if order is None:
        return []
    columns = []
    for ordered in order.expressions:
        column = ordered.this
        if not isinstance(column, exp.Column) or resolver.column_tables.get(id(column)) is not table:
            return []
        columns.append(f'"{column.name}"')
    return columns


def _create(table: Table, terms: list[str]) -> str:
    """CREATE INDEX over index terms (quoted columns or expressions)."""
    words = "_".join(re.sub(r"\W+", "_", t).strip("_") for t in terms)
    name = f"ubiq_{table.name}_{words}".lower()[:60]
    return f'CREATE INDEX "{name}" ON "{table.name}" ({", ".join(terms)})'


def _expert(connection: sqlite3.Connection, query: str, parameters: list[object]) -> list[str]:
    """SQLite's `.expert` recommendations, where the `sqlite3` shell is installed."""
    shell = shutil.which("sqlite3")
    if shell is None or parameters:
        return []  # .expert cannot bind parameters
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scratch.db"
        target = sqlite3.connect(path)
        try:
            connection.backup(target)
        finally:
            target.close()
        try:
            result = subprocess.run(
                [shell, str(path)], input=f".expert\n{query};\n", capture_output=True, text=True, timeout=60
            )
        except (OSError, subprocess.TimeoutExpired):
            return []
    return [
        line.rstrip(";") for line in result.stdout.splitlines() if line.upper().startswith("CREATE INDEX")
    ]


def _try(
    connection: sqlite3.Connection,
    query: str,
    parameters: list[object],
    candidate: str,
    source: str,
    before: tuple[float, int],
    result: Explanation,
) -> None:
    """Advise `candidate` when the new plan uses it and the engine does WORTH× less work."""
    try:
        connection.execute(candidate)
    except sqlite3.Error:
        return
    name = candidate.split('"')[1] if '"' in candidate else candidate.split()[2]
    try:
        plan = _plan(connection, query, parameters)
        if not any(name.lower() in line.lower() for line in plan):
            result.rejected.append(f"{candidate}  -- the plan does not use it")
            return
        after, steps = _time(connection, query, parameters), _steps(connection, query, parameters)
        if steps * WORTH > before[1]:
            result.rejected.append(
                f"{candidate}  -- used, but no cheaper ({before[1] * STEP:,} → {steps * STEP:,} engine steps)"
            )
            return
        result.advice.append(
            Advice(candidate, before[0], after, plan, source, steps_before=before[1], steps_after=steps)
        )
    finally:
        connection.execute(f'DROP INDEX IF EXISTS "{name}"')
