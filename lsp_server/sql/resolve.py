"""Name resolution of one SQL statement against the schema: which table each name in FROM means,
and which table each column comes from, scope by scope (subqueries see their outer query's
tables; CTEs and derived tables have the columns their SELECT lists).

Precision first: a column is reported unknown only when every table it could come from is fully
known. A table function, a schema the project does not describe or a `SELECT *` of something
unknown makes the scope "open", and nothing in an open scope is reported.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlglot import exp

from lsp_server.sql.schema import SqlSchema, Table

_SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "sys", "mysql", "performance_schema", "sqlite_schema"}
_SYSTEM_PREFIXES = ("pg_", "sqlite_")
SCOPES = (exp.Select, exp.Update, exp.Delete, exp.Insert)


@dataclass
class Problem:
    """What did not resolve or broke a rule, and the node to point at."""

    code: str
    message: str
    node: exp.Expression  # where it is: its identifier's position
    replacement: str = ""  # the name it most likely meant, for a quick fix


@dataclass
class Source:
    """A table or derived table a scope reads, by the name the query calls it."""

    name: str
    columns: set[str] | None  # lower-cased; None: not known
    table: Table | None = None


@dataclass
class Scope:
    """One query level: the tables it reads and the level it is nested in."""

    node: exp.Expression
    sources: dict[str, Source] = field(default_factory=dict)  # by lower-cased alias or name
    parent: Scope | None = None
    aliases: set[str] = field(default_factory=set)  # the SELECT list's aliases
    outputs: set[str] = field(default_factory=set)  # its output names, aliased or not (ORDER BY sees them)
    shared: set[str] = field(default_factory=set)  # USING/NATURAL join columns: never ambiguous
    open: bool = False

    def closed(self) -> bool:
        scope: Scope | None = self
        while scope is not None:
            if scope.open or any(s.columns is None for s in scope.sources.values()):
                return False
            scope = scope.parent
        return True


def closest(name: str, choices: set[str] | list[str]) -> str:
    matches = difflib.get_close_matches(name.lower(), sorted(choices), n=1, cutoff=0.75)
    return matches[0] if matches else ""


class Resolver:
    """Resolves a statement; `problems` lists what did not resolve, `column_tables` what did."""

    def __init__(self, schema: SqlSchema, extra_tables: set[str] | None = None) -> None:
        self.schema = schema
        self.extra_tables = {t.lower() for t in extra_tables or ()}  # created by this script
        self.problems: list[Problem] = []
        self.column_tables: dict[int, Table] = {}  # id(Column) → the schema table it resolved to
        # id(Column) → (the query it resolved in, the name the query calls its table or derived table)
        self.column_sources: dict[int, tuple[exp.Expression, str]] = {}
        self.unknown_tables = False
        self._ctes: dict[str, exp.Expression] = {}
        self._scopes: dict[int, Scope] = {}

    def resolve(self, statement: exp.Expression) -> None:
        for cte in statement.find_all(exp.CTE):
            self._ctes[cte.alias_or_name.lower()] = cte.this
        for node in statement.walk():
            if isinstance(node, SCOPES) and id(node) not in self._scopes:
                self._scope(node)
        for column in list(statement.find_all(exp.Column)):
            self._column(column)
        for insert in statement.find_all(exp.Insert):
            self._insert_columns(insert)

    # -- scopes ----------------------------------------------------------------------------------

    def _scope(self, node: exp.Expression) -> Scope:
        if id(node) in self._scopes:
            return self._scopes[id(node)]
        parent_node = _visible_parent(node)
        parent = self._scope(parent_node) if parent_node is not None else None
        scope = Scope(node, parent=parent)
        self._scopes[id(node)] = scope
        for source in self._source_nodes(node):
            self._add_source(scope, source)
        if isinstance(node, exp.Select):
            scope.aliases = {e.alias.lower() for e in node.expressions if isinstance(e, exp.Alias)}
            scope.outputs = {e.alias_or_name.lower() for e in node.expressions if e.alias_or_name}
            for join in node.args.get("joins") or []:
                if join.args.get("using"):
                    scope.shared |= {u.name.lower() for u in join.args["using"]}
                if str(join.args.get("method", "")).upper() == "NATURAL":
                    scope.open = True
        return scope

    def _source_nodes(self, node: exp.Expression) -> list[exp.Expression]:
        found: list[exp.Expression] = []
        if isinstance(node, exp.Select):
            from_ = node.args.get("from_") or node.args.get("from")
            if from_ is not None:
                found.append(from_.this)
            found.extend(j.this for j in node.args.get("joins") or [])
        elif isinstance(node, exp.Update):
            found.append(node.this)
            from_ = node.args.get("from_") or node.args.get("from")
            if from_ is not None:
                found.append(from_.this)
            found.extend(j.this for j in node.args.get("joins") or [])
        elif isinstance(node, exp.Delete):
            found.append(node.this)
            using = node.args.get("using")
            if isinstance(using, list):
                found.extend(using)
        elif isinstance(node, exp.Insert):
            target = node.this.this if isinstance(node.this, exp.Schema) else node.this
            found.append(target)
        return found

    def _add_source(self, scope: Scope, node: exp.Expression) -> None:
        alias = node.alias_or_name.lower() if hasattr(node, "alias_or_name") else ""
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
            source = self._table_source(node)
            scope.sources[alias or source.name] = source
            if node.alias and alias != source.name:
                # In most dialects the table's own name is hidden by the alias; not reported either way.
                pass
            return
        if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Query):
            scope.sources[alias] = Source(alias, self._output_columns(node.this, node))
            return
        scope.open = True  # VALUES, a table function, LATERAL…: columns not known

    def _table_source(self, node: exp.Table) -> Source:
        name = node.name.lower()
        schema_name = node.db.lower() if node.db else ""
        if not schema_name and name in self._ctes:
            return Source(name, self._output_columns(self._ctes[name], None))
        if (
            schema_name in _SYSTEM_SCHEMAS
            or name.startswith(_SYSTEM_PREFIXES)
            or name in self.extra_tables
            or name in self.schema.views
        ):
            return Source(name, None)
        table = self.schema.table(name)
        if table is None:
            self.unknown_tables = True
            if schema_name in ("", "public", "main", "dbo"):
                near = closest(name, list(self.schema.tables))
                hint = f"; did you mean {self.schema.tables[near].name}?" if near else ""
                self.problems.append(
                    Problem(
                        "unknown-table",
                        f"unknown table {node.name}{hint}",
                        node.this,
                        self.schema.tables[near].name if near else "",
                    )
                )
            return Source(name, None)
        return Source(name, set(table.columns), table)

    def _output_columns(self, query: exp.Expression, subquery: exp.Expression | None) -> set[str] | None:
        alias = subquery.args.get("alias") if subquery is not None else None
        if isinstance(alias, exp.TableAlias) and alias.columns:
            return {c.name.lower() for c in alias.columns}
        if isinstance(query, exp.SetOperation):
            return self._output_columns(query.this, None)
        if not isinstance(query, exp.Select):
            return None
        names: set[str] = set()
        for projection in query.expressions:
            if isinstance(projection, exp.Star) or (
                isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
            ):
                return None  # `SELECT *` of a derived table: expanding it is not worth a guess
            if projection.alias_or_name:
                names.add(projection.alias_or_name.lower())
        return names

    # -- columns ---------------------------------------------------------------------------------

    def _column(self, column: exp.Column) -> None:
        if isinstance(column.this, exp.Star):
            return
        scope_node = column.parent
        while scope_node is not None and not isinstance(scope_node, SCOPES):
            scope_node = scope_node.parent
        if scope_node is None:
            return
        if isinstance(scope_node, exp.Insert):
            return  # ON CONFLICT, RETURNING…: read by `_insert_columns` where it matters
        scope = self._scope(scope_node)
        if column.args.get("db") or column.args.get("catalog"):
            return  # schema.table.column: rare, and not worth a guess
        if column.table:
            self._qualified(column, scope)
        else:
            self._unqualified(column, scope)

    def _insert_columns(self, insert: exp.Insert) -> None:
        """`INSERT INTO t (a, b)`: the listed columns must be t's."""
        if not isinstance(insert.this, exp.Schema):
            return
        source = self._scope(insert).sources.get(insert.this.this.alias_or_name.lower())
        if source is None or source.columns is None:
            return
        for identifier in insert.this.expressions:
            if isinstance(identifier, exp.Identifier):
                self._check_in(exp.Column(this=identifier), source)

    def _qualified(self, column: exp.Column, scope: Scope) -> None:
        qualifier = column.table.lower()
        level: Scope | None = scope
        while level is not None:
            source = level.sources.get(qualifier)
            if source is not None:
                self.column_sources[id(column)] = (level.node, qualifier)
                self._check_in(column, source)
                return
            level = level.parent
        if qualifier == "excluded" and scope.closed():
            return  # INSERT … ON CONFLICT DO UPDATE SET x = excluded.x
        if scope.closed() and not self.unknown_tables:
            self.problems.append(
                Problem(
                    "unknown-column",
                    f"{column.table}.{column.name}: no table or alias {column.table} in this query",
                    column.args["table"],
                )
            )

    def _check_in(self, column: exp.Column, source: Source) -> None:
        if source.columns is None:
            return
        name = column.name.lower()
        if name in source.columns:
            if source.table is not None:
                self.column_tables[id(column)] = source.table
            return
        where = source.table.name if source.table is not None else source.name
        near = closest(name, source.columns)
        hint = f"; did you mean {near}?" if near else ""
        self.problems.append(
            Problem("unknown-column", f"{where} has no column {column.name}{hint}", column.this, near)
        )

    def _unqualified(self, column: exp.Column, scope: Scope) -> None:
        name = column.name.lower()
        if name in scope.outputs and _in_order_by(column, scope.node):
            return  # ORDER BY names the query's output columns first
        level: Scope | None = scope
        while level is not None:
            having = [(k, s) for k, s in level.sources.items() if s.columns is not None and name in s.columns]
            if len(having) == 1:
                alias, source = having[0]
                self.column_sources[id(column)] = (level.node, alias)
                if source.table is not None:
                    self.column_tables[id(column)] = source.table
                return
            if len(having) > 1:
                if name not in level.shared and not level.open:
                    tables = ", ".join(sorted(s.name for _, s in having))
                    self.problems.append(
                        Problem(
                            "ambiguous-column",
                            f"column {column.name} is ambiguous: it is in {tables}",
                            column.this,
                        )
                    )
                return
            if name in level.aliases:
                return
            if level.open or any(s.columns is None for s in level.sources.values()):
                return  # it may come from what is not known
            level = level.parent
        if column.this.args.get("quoted") and isinstance(scope.node, exp.Select) and not scope.sources:
            return
        choices = {c for s in scope.sources.values() for c in s.columns or ()}
        if not scope.sources:
            return  # SELECT without FROM: a name here is something else (a variable, a keyword)
        near = closest(name, choices)
        hint = f"; did you mean {near}?" if near else ""
        self.problems.append(
            Problem("unknown-column", f"unknown column {column.name}{hint}", column.this, near)
        )


def _in_order_by(column: exp.Column, select: exp.Expression) -> bool:
    node = column.parent
    while node is not None and node is not select:
        if isinstance(node, exp.Order) and node.parent is select:
            return True
        node = node.parent
    return False


def _visible_parent(node: exp.Expression) -> exp.Expression | None:
    """The enclosing query whose tables `node`'s columns may name. A derived table (a subquery in
    FROM) or a CTE does not see the query it is part of, only the levels above that one."""
    hidden = False
    current = node.parent
    while current is not None:
        if isinstance(current, exp.CTE) or (
            isinstance(current, exp.Subquery) and isinstance(current.parent, exp.From | exp.Join)
        ):
            hidden = True
        elif isinstance(current, SCOPES):
            if not hidden:
                return current
            hidden = False
        current = current.parent
    return None
