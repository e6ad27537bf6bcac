"""The checks on a statement that resolved cleanly: each returns the problems it is sure of.

Every rule here is a fact about the statement and the schema, not a matter of style: a DELETE that
empties a table, a predicate no index can serve, a NOT IN that is never true when the subquery
yields a NULL. Rules that depend on the schema (indexes, nullability) speak only about columns
the resolver tied to a schema table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial

from sqlglot import exp

from lsp_server.sql.resolve import Problem, Resolver

Rule = Callable[[exp.Expression, Resolver, bool], Iterator[Problem]]

_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Like, exp.ILike, exp.Between)
_NOT_INDEX_BREAKING = (exp.AggFunc, exp.Cast)  # aggregates are not row predicates; CAST is often a no-op


def _keyword(node: exp.Expression) -> exp.Expression:
    """The node to point at for a whole statement: its first table."""
    return node.find(exp.Table) or node


def missing_where(statement: exp.Expression, resolver: Resolver, in_python: bool) -> Iterator[Problem]:
    for node in statement.find_all(exp.Update, exp.Delete):
        if node.args.get("where") is None and node.args.get("limit") is None:
            verb = "UPDATE" if isinstance(node, exp.Update) else "DELETE"
            code = "update-without-where" if verb == "UPDATE" else "delete-without-where"
            table = node.this.name if isinstance(node.this, exp.Table) else "the table"
            yield Problem(code, f"{verb} without WHERE changes every row of {table}", _keyword(node).this)


def _root(parent: dict[str, str], name: str) -> str:
    while parent[name] != name:
        name = parent[name]
    return name


def _conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    return list(condition.flatten()) if isinstance(condition, exp.And) else [condition]


def _one_row(source: exp.Expression, statement: exp.Expression) -> bool:
    """A derived table or CTE that aggregates without GROUP BY: joining it to anything repeats one row."""
    query = source.this if isinstance(source, exp.Subquery) else None
    if isinstance(source, exp.Table) and not source.db:
        cte = next(
            (c for c in statement.find_all(exp.CTE) if c.alias_or_name.lower() == source.name.lower()), None
        )
        query = cte.this if cte is not None else None
    return (
        isinstance(query, exp.Select)
        and not query.args.get("group")
        and bool(query.expressions)
        and all(p.find(exp.AggFunc) is not None for p in query.expressions)
    )


def implicit_cross_join(statement: exp.Expression, resolver: Resolver, in_python: bool) -> Iterator[Problem]:
    """`FROM a, b` where no condition connects b to a, directly or through other tables: every pair
    of rows is returned. The tables and the conditions that name two of them form a graph; a
    comma-joined table outside the FROM table's part of it is reported."""
    for select in statement.find_all(exp.Select):
        from_ = select.args.get("from_") or select.args.get("from")
        joins = select.args.get("joins") or []
        # sqlglot reads `FROM a, b` as a join it built itself: one without a `pivots` slot
        commas = [
            j for j in joins if "pivots" not in j.args and not j.args.get("on") and not j.args.get("using")
        ]
        if from_ is None or not commas:
            continue
        first = from_.this.alias_or_name.lower()
        parent = {first: first}
        for join in joins:
            parent.setdefault(join.this.alias_or_name.lower(), join.this.alias_or_name.lower())
        root = partial(_root, parent)
        conditions = [j.args.get("on") for j in joins] + [select.args.get("where")]
        for join in joins:
            if join not in commas:  # an explicit JOIN, CROSS JOIN included, is meant
                parent[root(join.this.alias_or_name.lower())] = root(first)
        for condition in filter(None, conditions):
            for predicate in _conjuncts(condition.this if isinstance(condition, exp.Where) else condition):
                named = set()
                for column in predicate.find_all(exp.Column):
                    source = resolver.column_sources.get(id(column))
                    if source is None and not column.table:
                        named = None  # a column not resolved: the graph is not known
                        break
                    if source is not None and source[0] is select:
                        named.add(source[1])
                if named is None:
                    break
                names = sorted(n for n in named if n in parent)
                for other in names[1:]:
                    parent[root(other)] = root(names[0])
            else:
                continue
            break
        else:
            if _one_row(from_.this, statement):
                continue
            apart = [
                j
                for j in commas
                if root(j.this.alias_or_name.lower()) != root(first) and not _one_row(j.this, statement)
            ]
            for join in apart[:1]:
                alias = join.this.args.get("alias")
                yield Problem(
                    "cross-join",
                    f"{join.this.alias_or_name} is joined with a comma and no condition connects it to "
                    f"{from_.this.alias_or_name}: every pair of rows is returned",
                    join.this.this
                    if isinstance(join.this, exp.Table)
                    else (alias.this if alias else join.this),
                )


def function_on_indexed_column(
    statement: exp.Expression, resolver: Resolver, in_python: bool
) -> Iterator[Problem]:
    """`WHERE lower(email) = ?`: the index on email cannot serve the predicate."""
    for where in statement.find_all(exp.Where):
        for comparison in where.find_all(*_COMPARISONS):
            function = comparison.this
            if not isinstance(function, exp.Func) or isinstance(function, _NOT_INDEX_BREAKING):
                continue
            columns = list(function.find_all(exp.Column))
            if len(columns) != 1:
                continue
            table = resolver.column_tables.get(id(columns[0]))
            if table is None or columns[0].name.lower() not in table.indexed:
                continue
            others = [
                c
                for e in comparison.args.values()
                if isinstance(e, exp.Expression) and e is not function
                for c in e.find_all(exp.Column)
            ]
            if others:
                continue
            name = function.sql_name() if hasattr(function, "sql_name") else type(function).__name__
            yield Problem(
                "function-on-indexed-column",
                f"{name}() around {table.name}.{columns[0].name} keeps its index from being used; "
                "compare the bare column (or index the expression)",
                columns[0].this,
            )


def leading_wildcard(statement: exp.Expression, resolver: Resolver, in_python: bool) -> Iterator[Problem]:
    for like in statement.find_all(exp.Like, exp.ILike):
        pattern = like.expression
        if isinstance(pattern, exp.Literal) and pattern.is_string and pattern.this.startswith("%"):
            column = like.this
            if isinstance(column, exp.Column) and id(column) in resolver.column_tables:
                yield Problem(
                    "leading-wildcard",
                    f"LIKE '{pattern.this}' starts with a wildcard: every row of "
                    f"{resolver.column_tables[id(column)].name} is scanned",
                    column.this,
                )


def not_in_nullable(statement: exp.Expression, resolver: Resolver, in_python: bool) -> Iterator[Problem]:
    """`x NOT IN (SELECT c …)` is never true once c yields a NULL."""
    for negation in statement.find_all(exp.Not):
        inner = negation.this
        if not isinstance(inner, exp.In) or not isinstance(inner.args.get("query"), exp.Expression):
            continue
        query = (
            inner.args["query"].this if isinstance(inner.args["query"], exp.Subquery) else inner.args["query"]
        )
        if not isinstance(query, exp.Select) or len(query.expressions) != 1:
            continue
        selected = query.expressions[0]
        selected = selected.this if isinstance(selected, exp.Alias) else selected
        if not isinstance(selected, exp.Column):
            continue
        table = resolver.column_tables.get(id(selected))
        column = table.column(selected.name) if table is not None else None
        if column is None or not column.nullable:
            continue
        where = query.args.get("where")
        guarded = where is not None and any(
            isinstance(n, exp.Not)
            and isinstance(n.this, exp.Is)
            and isinstance(n.this.this, exp.Column)
            and n.this.this.name.lower() == column.name.lower()
            for n in where.find_all(exp.Not)
        )
        if not guarded:
            yield Problem(
                "not-in-nullable",
                f"NOT IN over {table.name}.{column.name}, which may be NULL: one NULL makes the condition "
                "never true; use NOT EXISTS or filter the NULLs",
                selected.this,
            )


def select_star(statement: exp.Expression, resolver: Resolver, in_python: bool) -> Iterator[Problem]:
    """`SELECT *` in application code: the result's shape changes when the table does."""
    if not in_python:
        return
    outer = statement if isinstance(statement, exp.Select) else None
    if isinstance(statement, exp.SetOperation | exp.Insert):
        return
    if outer is None:
        return
    for projection in outer.expressions:
        star = (
            projection
            if isinstance(projection, exp.Star)
            else (
                projection.this
                if isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
                else None
            )
        )
        if star is not None:
            yield Problem(
                "select-star",
                "SELECT * in application code: name the columns it needs",
                outer.find(exp.Table).this if outer.find(exp.Table) else outer,
            )
            return


def unindexed_foreign_key_join(
    statement: exp.Expression, resolver: Resolver, in_python: bool
) -> Iterator[Problem]:
    """`JOIN orders o ON o.customer_id = c.id` where orders.customer_id has no index."""
    for join in statement.find_all(exp.Join):
        condition = join.args.get("on")
        if condition is None:
            continue
        for equality in condition.find_all(exp.EQ):
            sides = [equality.this, equality.expression]
            if not all(isinstance(s, exp.Column) for s in sides):
                continue
            for here, there in (sides, sides[::-1]):
                table = resolver.column_tables.get(id(here))
                other = resolver.column_tables.get(id(there))
                if table is None or other is None:
                    continue
                key = table.foreign_keys.get(here.name.lower())
                if key is None or key[0].lower() != other.name.lower() or here.name.lower() in table.indexed:
                    continue
                yield Problem(
                    "unindexed-fk-join",
                    f"join on foreign key {table.name}.{here.name}, which has no index: each row of "
                    f"{other.name} scans {table.name}",
                    here.this,
                )


_NUMERIC = ("INT", "REAL", "FLOA", "DOUB", "NUM", "DEC")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?([+-]\d{2}(:?\d{2})?|Z)?$")


def type_mismatch(statement: exp.Expression, resolver: Resolver, in_python: bool) -> Iterator[Problem]:
    """A numeric or date column compared with a string no engine can read as one: an error in
    PostgreSQL, and a comparison that is never true in SQLite."""
    for comparison in statement.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE):
        column, literal = comparison.this, comparison.expression
        if isinstance(literal, exp.Column) and isinstance(column, exp.Literal):
            column, literal = literal, column
        if (
            not isinstance(column, exp.Column)
            or not isinstance(literal, exp.Literal)
            or not literal.is_string
        ):
            continue
        table = resolver.column_tables.get(id(column))
        described = table.column(column.name) if table is not None else None
        if described is None:
            continue
        kind = described.type.upper()
        value = literal.this.strip()
        what = f"{table.name}.{described.name} is {described.type}, compared with '{literal.this}'"
        if any(t in kind for t in _NUMERIC) and "DATE" not in kind and "TIME" not in kind:
            try:
                float(value)
            except ValueError:
                yield Problem("type-mismatch", f"{what}, which is not a number", literal)
        elif ("DATE" in kind or "TIME" in kind) and value and not _DATE.match(value):
            yield Problem("type-mismatch", f"{what}, which is not a date", literal)


RULES: tuple[Rule, ...] = (
    missing_where,
    implicit_cross_join,
    function_on_indexed_column,
    leading_wildcard,
    not_in_nullable,
    select_star,
    unindexed_foreign_key_join,
    type_mismatch,
)
