"""Rewrites of a query that may make it cheaper, each shown only when a machine showed two things:
it returns the same rows as the original on several generated databases (with NULLs, duplicates
and empty tables), and the engine does less work for it. A rewrite that fails either is reported
as rejected, with the database that tells them apart.

The rules are the textbook ones, and two of them are famous traps: NOT IN → NOT EXISTS differs as
soon as the subquery yields a NULL, and UNION → UNION ALL as soon as a row repeats. The checker,
not the rule, decides.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from lsp_server.sql.resolve import Resolver
from lsp_server.sql.schema import SqlSchema
from lsp_server.sql.scratch import Shape, database, literals, shapes

Rule = Callable[[exp.Expression, Resolver], exp.Expression | None]


@dataclass
class Rewrite:
    """A proposed rewrite and the verdict on it."""

    rule: str
    sql: str
    accepted: bool
    reason: str  # why accepted (equal on N databases, work before → after) or why not
    counterexample: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "sql": self.sql, "accepted": self.accepted, "reason": self.reason,
                "counterexample": self.counterexample}  # fmt: skip


def not_in_to_not_exists(statement: exp.Expression, resolver: Resolver) -> exp.Expression | None:
    """`x NOT IN (SELECT c FROM t …)` → `NOT EXISTS (SELECT 1 FROM t … AND t.c = x)`."""
    return _in_to_exists(statement, resolver, negated=True)


def in_to_exists(statement: exp.Expression, resolver: Resolver) -> exp.Expression | None:
    """`x IN (SELECT c FROM t …)` → `EXISTS (SELECT 1 FROM t … AND t.c = x)`."""
    return _in_to_exists(statement, resolver, negated=False)


def _qualified(statement: exp.Expression, resolver: Resolver) -> exp.Expression:
    """A copy in which every column names its table or alias, so that moving a condition into a
    subquery cannot change what a name means."""
    copy = statement.copy()
    originals = list(statement.find_all(exp.Column))
    for original, column in zip(originals, copy.find_all(exp.Column), strict=True):
        source = resolver.column_sources.get(id(original))
        if source is not None and not column.table:
            column.set("table", exp.to_identifier(source[1]))
    return copy


def _in_to_exists(statement: exp.Expression, resolver: Resolver, negated: bool) -> exp.Expression | None:
    rewritten = _qualified(statement, resolver)
    for node in list(rewritten.find_all(exp.In)):
        query = node.args.get("query")
        inner = query.this if isinstance(query, exp.Subquery) else query
        is_negated = isinstance(node.parent, exp.Not)
        if is_negated != negated or not isinstance(inner, exp.Select) or len(inner.expressions) != 1:
            continue
        if inner.args.get("group") or inner.args.get("limit") or not isinstance(node.this, exp.Column):
            continue
        selected = inner.expressions[0]
        selected = selected.this if isinstance(selected, exp.Alias) else selected
        if not isinstance(selected, exp.Column) or not selected.table or not node.this.table:
            continue
        subquery = inner.copy()
        _rename_inner(subquery, selected, node.this.table)
        selected = subquery.expressions[0]
        selected = selected.this if isinstance(selected, exp.Alias) else selected
        subquery.set("expressions", [exp.Literal.number(1)])
        subquery = subquery.where(exp.EQ(this=selected.copy(), expression=node.this.copy()), copy=False)
        exists = exp.Exists(this=subquery)
        target = node.parent if negated else node
        target.replace(exp.Not(this=exists) if negated else exists)
        return rewritten
    return None


def _rename_inner(subquery: exp.Select, selected: exp.Column, outer: str) -> None:
    """The subquery's table called as the outer one is (`t` inside `t`): alias it apart."""
    if selected.table.lower() != outer.lower():
        return
    from_ = subquery.args.get("from_")
    table = from_.this if from_ is not None else None
    if not isinstance(table, exp.Table):
        return
    old = table.alias_or_name
    table.set("alias", exp.TableAlias(this=exp.to_identifier("inner_" + old)))
    for column in subquery.find_all(exp.Column):
        if column.table.lower() == old.lower() and column.find_ancestor(exp.Select) is subquery:
            column.set("table", exp.to_identifier("inner_" + old))


def union_to_union_all(statement: exp.Expression, resolver: Resolver) -> exp.Expression | None:
    """`UNION` → `UNION ALL`: no duplicate-removing sort, the same rows only when none repeat."""
    rewritten = statement.copy()
    for union in rewritten.find_all(exp.Union):
        if union.args.get("distinct"):
            union.set("distinct", False)
            return rewritten
    return None


def function_to_range(statement: exp.Expression, resolver: Resolver) -> exp.Expression | None:
    """`date(col) = '2024-05-01'` → `col >= '2024-05-01' AND col < '2024-05-02'`: an index on col
    serves the range, not the function."""
    from datetime import date, timedelta

    rewritten = statement.copy()
    for equality in rewritten.find_all(exp.EQ):
        function, literal = equality.this, equality.expression
        if not isinstance(literal, exp.Literal) or not literal.is_string:
            continue
        named_date = isinstance(function, exp.Anonymous) and function.name.lower() == "date"
        if not (isinstance(function, exp.Date | exp.TsOrDsToDate) or named_date):
            continue
        column = (
            function.this if not isinstance(function, exp.Anonymous) else (function.expressions or [None])[0]
        )
        if not isinstance(column, exp.Column):
            continue
        try:
            day = date.fromisoformat(literal.this)
        except ValueError:
            continue
        after = (day + timedelta(days=1)).isoformat()
        condition = exp.and_(
            exp.GTE(this=column.copy(), expression=exp.Literal.string(day.isoformat())),
            exp.LT(this=column.copy(), expression=exp.Literal.string(after)),
        )
        equality.replace(exp.Paren(this=condition))
        return rewritten
    return None


RULES: tuple[tuple[str, Rule], ...] = (
    ("NOT IN → NOT EXISTS", not_in_to_not_exists),
    ("IN (subquery) → EXISTS", in_to_exists),
    ("UNION → UNION ALL", union_to_union_all),
    ("function of a column → range", function_to_range),
)


def propose(statement: exp.Expression, schema: SqlSchema, judge: Judge) -> list[Rewrite]:
    """Every rule that applies, checked by `judge`."""
    resolver = Resolver(schema)
    resolver.resolve(statement)
    found = []
    for name, rule in RULES:
        rewritten = rule(statement, resolver)
        if rewritten is not None:
            found.append(judge(name, rewritten.sql(dialect="sqlite")))
    return found


class Judge:
    """Decides on a rewrite of one statement, whoever proposed it (a rule or the model): equal
    results on `shapes(schema)`, then less work on a database of `rows` rows per table (by `cost`,
    the engine's own count of its steps)."""

    def __init__(
        self,
        statement: exp.Expression,
        schema: SqlSchema,
        parameters: list[object],
        cost: Callable[[sqlite3.Connection, str, list[object]], int],
        rows: int = 2_000,
    ) -> None:
        self.schema, self.parameters, self.cost, self.rows = schema, parameters, cost, rows
        self.original = statement.sql(dialect="sqlite")
        self.ordered = bool(statement.args.get("order"))
        self.variety = shapes(schema, values=literals(schema, [statement]))

    def __call__(self, name: str, candidate: str) -> Rewrite:
        difference = _difference(
            self.schema, self.variety, self.original, candidate, self.parameters, self.ordered
        )
        if difference:
            return Rewrite(name, candidate, False, "returns other rows than the original", difference)
        connection = database(self.schema, Shape(rows=self.rows, null_rate=0.05, seed=7))
        try:
            before = self.cost(connection, self.original, self.parameters)
            after = self.cost(connection, candidate, self.parameters)
        finally:
            connection.close()
        if after >= before:
            return Rewrite(name, candidate, False, f"no cheaper: {before:,} → {after:,} engine steps")
        checked = f"same rows on {len(self.variety)} generated databases; {before:,} → {after:,} engine steps"
        return Rewrite(name, candidate, True, checked)


def _difference(
    schema: SqlSchema,
    variety: list[Shape],
    original: str,
    candidate: str,
    parameters: list[object],
    ordered: bool,
) -> str:
    """A description of the first generated database on which the two queries differ, or ""."""
    for shape in variety:
        connection = database(schema, shape)
        try:
            try:
                old = connection.execute(original, parameters).fetchall()
            except sqlite3.Error:
                return ""  # the original itself fails here: nothing to compare
            try:
                new = connection.execute(candidate, parameters).fetchall()
            except sqlite3.Error as error:
                return f"the rewrite fails: {error}"
        finally:
            connection.close()
        if (old if ordered else sorted(map(repr, old))) != (new if ordered else sorted(map(repr, new))):
            return (
                f"on a generated database (seed {shape.seed}, about {shape.rows} rows a table"
                f"{', empty: ' + ', '.join(sorted(shape.empty)) if shape.empty else ''}) "
                f"the original returns {len(old)} rows and the rewrite {len(new)}"
                + (f"; e.g. {_example(old, new)}" if set(old) != set(new) else "")
            )
    return ""


def _example(old: list[tuple[object, ...]], new: list[tuple[object, ...]]) -> str:
    only_old, only_new = set(old) - set(new), set(new) - set(old)
    if only_old:
        return f"{sorted(map(repr, only_old))[0]} only from the original"
    return f"{sorted(map(repr, only_new))[0]} only from the rewrite"
