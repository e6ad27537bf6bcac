"""Join paths from the schema's foreign keys: the hints `ubiq sql write` puts in the prompt, and the
mechanical repair of a candidate that names a column of a table it forgot to join.

A small model often writes `SELECT c_name, o_orderdate FROM customer`: right columns, missing
join. When the column belongs to exactly one table that a foreign key (directly, or through one
table in between) connects to a table already in FROM, the join is added with that key's
condition. The repaired query is a candidate like any other: it must still resolve, run and agree.
"""

from __future__ import annotations

from collections import deque

from sqlglot import exp

from lsp_server.sql.schema import SqlSchema, Table


def edges(schema: SqlSchema) -> dict[str, list[tuple[str, str, str]]]:
    """Each table's neighbours by foreign key, both ways: (other table, column here, column there)."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for table in schema.tables.values():
        for column, (parent, parent_column) in table.foreign_keys.items():
            target = schema.table(parent)
            if target is None:
                continue
            theirs = parent_column or next((c.name for c in target.columns.values() if c.pk), "")
            if not theirs:
                continue
            found.setdefault(table.name.lower(), []).append((target.name.lower(), column, theirs.lower()))
            found.setdefault(target.name.lower(), []).append((table.name.lower(), theirs.lower(), column))
    return found


def join_hints(schema: SqlSchema, tables: list[Table]) -> list[str]:
    """`orders.o_custkey = customer.c_custkey` for each foreign key between the given tables."""
    names = {t.name.lower() for t in tables}
    lines = []
    for table in tables:
        for column, (parent, parent_column) in table.foreign_keys.items():
            if parent.lower() in names and parent_column:
                lines.append(
                    f"{table.name}.{schema.table(table.name).column(column).name} = {parent}.{parent_column}"
                )
    return sorted(set(lines))


def add_missing_joins(statement: exp.Expression, schema: SqlSchema) -> exp.Expression | None:
    """The statement with the joins its unknown columns need, or None when that is not clear."""
    if not isinstance(statement, exp.Select) or statement.find(exp.With) or statement.find(exp.Subquery):
        return None
    repaired = statement.copy()
    sources = _sources(repaired, schema)
    if sources is None:
        return None
    present = {table.name.lower() for table in sources.values()}
    needed: list[str] = []
    for column in repaired.find_all(exp.Column):
        name = column.name.lower()
        if any(name in table.columns for table in sources.values()) and not column.table:
            continue
        if column.table and column.table.lower() in sources and name in sources[column.table.lower()].columns:
            continue
        owners = [t for t in schema.tables.values() if name in t.columns and t.name.lower() not in present]
        if len(owners) != 1:
            return None
        column.set("table", None)  # a column of the joined table: its own name is unambiguous here
        if owners[0].name.lower() not in needed:
            needed.append(owners[0].name.lower())
    if not needed:
        return None
    graph = edges(schema)
    for table in needed:
        path = _path(graph, present, table)
        if path is None:
            return None
        for here, there, here_column, there_column in path:
            if there in present:
                continue
            alias = _alias_of(repaired, here) or here
            condition = exp.EQ(
                this=exp.column(here_column, table=alias), expression=exp.column(there_column, table=there)
            )
            repaired = repaired.join(exp.to_table(there), on=condition, copy=False)
            present.add(there)
    return repaired


def _sources(select: exp.Select, schema: SqlSchema) -> dict[str, Table] | None:
    found: dict[str, Table] = {}
    from_ = select.args.get("from_")
    nodes = ([from_.this] if from_ is not None else []) + [j.this for j in select.args.get("joins") or []]
    for node in nodes:
        table = schema.table(node.name) if isinstance(node, exp.Table) else None
        if table is None:
            return None
        found[node.alias_or_name.lower()] = table
    return found or None


def _alias_of(select: exp.Select, table: str) -> str | None:
    for node in select.find_all(exp.Table):
        if node.name.lower() == table:
            return node.alias_or_name
    return None


def _path(
    graph: dict[str, list[tuple[str, str, str]]], present: set[str], target: str
) -> list[tuple[str, str, str, str]] | None:
    """The shortest chain of foreign keys (at most two) from a present table to `target`:
    [(from table, to table, from column, to column)]."""
    queue = deque([(start, []) for start in sorted(present)])
    seen = set(present)
    while queue:
        table, path = queue.popleft()
        if len(path) >= 2:
            continue
        for other, mine, theirs in graph.get(table, []):
            if other in seen:
                continue
            step = [*path, (table, other, mine, theirs)]
            if other == target:
                return step
            seen.add(other)
            queue.append((other, step))
    return None
