"""`ubiq sql explain --db mysql://…`: a query's plan on the user's own MySQL or MariaDB, read-only,
with findings read from the plan's rows.

Everything runs in one `START TRANSACTION READ ONLY … ROLLBACK` with a statement time limit (for
an INSERT, UPDATE or DELETE, which the server will not explain in a read-only transaction, a plain
one, still rolled back). Plain EXPLAIN plans without running; `analyze` runs the query (MariaDB's
`ANALYZE`, MySQL's `EXPLAIN ANALYZE`), so only statements that cannot write are accepted for it.
Index advice is not tried here: neither server has hypothetical indexes, and creating a real index
would change the user's database (and commit). The scratch SQLite database (`explain` without
`--db`) tries them.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlglot import exp

from lsp_server.errors import InputError
from lsp_server.sql.explain import Explanation, parse_statement
from lsp_server.sql.postgres import _scrub, redact

SCHEMES = ("mysql", "mariadb", "mysql+pymysql")
_TIMEOUT_S = 30
_SMALL_TABLE = 1_000  # reading a table this small whole is fine
_MISESTIMATE = 10.0
_TINY = 100
_WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Merge)
_PLACEHOLDER = re.compile(r"%s\b|%\((\w+)\)s")


def explain_mysql(sql: str, url: str, password: str | None, analyze: bool = False) -> Explanation:
    """Explain one statement on the MySQL or MariaDB at `url` without changing anything in it."""
    statement = parse_statement(_PLACEHOLDER.sub("?", sql), "mysql")
    if analyze and (isinstance(statement, _WRITES) or any(statement.find_all(*_WRITES))):
        raise InputError(
            "--analyze runs the query, and only a query that cannot write is run",
            "explain INSERT, UPDATE and DELETE without --analyze",
        )
    pymysql = _pymysql()
    secrets = [s for s in (password, urlsplit(url).password) if s]
    try:
        connection = pymysql.connect(**_parameters(url, password))
    except pymysql.Error as error:
        raise InputError(
            f"cannot connect to {redact(url)}: {_scrub(_message(error), secrets)}",
            "check sql.databaseUrl (or --db), and that the variable named by sql.passwordEnv "
            "(or --password-env) holds the password",
        ) from None
    try:
        with connection.cursor() as cursor:
            mariadb = "mariadb" in _one(cursor, "SELECT VERSION()").lower()
            _limit_time(cursor, mariadb)
            # EXPLAIN of an INSERT, UPDATE or DELETE is refused inside a read-only transaction; it
            # plans without running, and still runs in a transaction that is rolled back.
            writes = isinstance(statement, _WRITES) or any(statement.find_all(*_WRITES))
            cursor.execute("START TRANSACTION" if writes else "START TRANSACTION READ ONLY")
            return _explain(cursor, statement, mariadb, analyze)
    except pymysql.Error as error:
        raise InputError(f"the server refused the query: {_scrub(_message(error), secrets)}") from None
    finally:
        with contextlib.suppress(pymysql.Error):
            connection.rollback()
        connection.close()


def _pymysql() -> Any:
    try:
        import pymysql
    except ImportError:
        raise InputError(
            "explaining on MySQL or MariaDB needs PyMySQL, which is not installed",
            "pip install 'ubiq[mysql]'",
        ) from None
    return pymysql


def _parameters(url: str, password: str | None) -> dict[str, Any]:
    """Connection parameters from `mysql://user[:pw]@host[:port]/db[?unix_socket=…]`; the password
    from the environment variable wins over one in the URL, and is never printed."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise InputError(f"not a MySQL URL: {redact(url)}", "give mysql://user@host:port/dbname")
    query = parse_qs(parts.query)
    parameters: dict[str, Any] = {
        "host": parts.hostname or "localhost",
        "port": parts.port or 3306,
        "user": unquote(parts.username or ""),
        "password": password if password is not None else unquote(parts.password or ""),
        "database": unquote(parts.path.lstrip("/")) or None,
        "connect_timeout": 10,
        "read_timeout": _TIMEOUT_S + 10,
        "charset": "utf8mb4",
        "autocommit": False,
    }
    if "unix_socket" in query:
        parameters["unix_socket"] = query["unix_socket"][0]
    return parameters


def _limit_time(cursor: Any, mariadb: bool) -> None:
    if mariadb:
        cursor.execute(f"SET SESSION max_statement_time = {_TIMEOUT_S}")
    else:
        cursor.execute(f"SET SESSION max_execution_time = {_TIMEOUT_S * 1000}")


def _one(cursor: Any, sql: str, arguments: Any = None) -> Any:
    cursor.execute(sql, arguments)
    row = cursor.fetchone()
    return row[0] if row else None


def _message(error: Exception) -> str:
    args = getattr(error, "args", ())
    text = str(args[1]) if len(args) > 1 else str(error)
    return (text.strip().splitlines() or [type(error).__name__])[0]


def _explain(cursor: Any, statement: exp.Expression, mariadb: bool, analyze: bool) -> Explanation:
    query = _with_values(cursor, statement)
    version = _one(cursor, "SELECT VERSION()")
    database = _one(cursor, "SELECT DATABASE()")
    engine = f"{'MariaDB' if mariadb else 'MySQL'} {version.split('-')[0]}, database {database}, read-only"
    if analyze and not mariadb:  # MySQL 8.0.18+: a tree of iterators with estimates and actuals
        cursor.execute(f"EXPLAIN ANALYZE {query}")
        tree = "\n".join(str(row[0]) for row in cursor.fetchall())
        result = Explanation(query, engine + ", EXPLAIN ANALYZE", tree.splitlines())
        result.findings = _tree_misestimates(tree)
    else:
        cursor.execute(f"{'ANALYZE' if analyze else 'EXPLAIN'} {query}")
        names = [d[0].lower() for d in cursor.description]
        rows = [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]
        result = Explanation(
            query, engine + (", ANALYZE" if analyze else ""), [_line(row, analyze) for row in rows]
        )
        result.findings = _findings(rows, statement, analyze)
    result.elapsed_ms = None
    if not analyze:
        result.notes.append("misestimated row counts show only with --analyze (it runs the query)")
    result.no_advice = (
        "MySQL and MariaDB have no hypothetical indexes, and Ubiq creates nothing in your database; "
        "run without --db to have indexes tried on a scratch database built from the schema"
    )
    return result


def _with_values(cursor: Any, statement: exp.Expression) -> str:
    """The statement with each placeholder replaced by a value its compared column really holds
    (so the plan is the one a real call gets), or 1."""
    for placeholder in list(statement.find_all(exp.Placeholder, exp.Parameter)):
        value: exp.Expression = exp.Literal.number(1)
        parent = placeholder.parent
        column = next(parent.find_all(exp.Column), None) if parent is not None else None
        table = _table_of(statement, column) if column is not None else None
        if column is not None and table is not None:
            quoted = exp.to_identifier(column.name, quoted=True).sql(dialect="mysql")
            with contextlib.suppress(Exception):
                found = _one(
                    cursor, f"SELECT CAST({quoted} AS CHAR) FROM {table} WHERE {quoted} IS NOT NULL LIMIT 1"
                )
                if found is not None:
                    value = exp.Literal.string(str(found))
        placeholder.replace(value)
    return statement.sql(dialect="mysql")


def _table_of(statement: exp.Expression, column: exp.Column) -> str | None:
    tables = list(statement.find_all(exp.Table))
    for table in tables:
        if column.table and column.table.lower() in (table.alias_or_name.lower(), table.name.lower()):
            return exp.to_identifier(table.name, quoted=True).sql(dialect="mysql")
    if len(tables) == 1 and not column.table:
        return exp.to_identifier(tables[0].name, quoted=True).sql(dialect="mysql")
    return None


def _line(row: dict[str, Any], analyze: bool) -> str:
    """One plan row as a line: `1 SIMPLE orders: ALL, key -, rows 50000, Using where`."""
    parts = [f"{row.get('id')} {row.get('select_type')} {row.get('table')}: {row.get('type')}"]
    parts.append(f"key {row.get('key') or '-'}")
    parts.append(f"rows {row.get('rows')}")
    if analyze and "r_rows" in row:
        parts.append(f"actual rows {row.get('r_rows')}")
        if row.get("r_filtered") is not None:
            parts.append(f"filtered {row.get('filtered')}% planned, {float(row['r_filtered']):.1f}% actual")
    if row.get("extra"):
        parts.append(str(row["extra"]))
    return ", ".join(parts)


def _filtered_tables(statement: exp.Expression) -> set[str]:
    """The tables (by alias and by name) a WHERE condition names a column of."""
    names: set[str] = set()
    tables = list(statement.find_all(exp.Table))
    for where in statement.find_all(exp.Where):
        for column in where.find_all(exp.Column):
            if column.table:
                names.add(column.table.lower())
            elif len(tables) == 1:
                names.add(tables[0].alias_or_name.lower())
    return names


def _findings(rows: list[dict[str, Any]], statement: exp.Expression, analyze: bool) -> list[str]:
    found = []
    filtered = _filtered_tables(statement)
    for row in rows:
        table = str(row.get("table") or "")
        estimate = float(row.get("rows") or 0)
        extra = str(row.get("extra") or "")
        if row.get("type") == "ALL" and estimate >= _SMALL_TABLE and table.lower() in filtered:
            found.append(
                f"full scan of {table} (about {estimate:,.0f} rows) under a filter: no index serves it"
            )
        if "Using filesort" in extra:
            found.append(f"sort of {table} without an index (Using filesort)")
        if "Using temporary" in extra:
            found.append(f"temporary table for {table} (Using temporary)")
        if analyze and row.get("r_rows") is not None:  # rows kept after the table's own filter
            planned = estimate * float(row.get("filtered") or 100) / 100
            actual = float(row["r_rows"]) * float(row.get("r_filtered") or 100) / 100
            if _misestimated(planned, actual):
                found.append(f"misestimate on {table}: planned {planned:,.0f} rows, got {actual:,.0f}")
    return found


def _tree_misestimates(tree: str) -> list[str]:
    """MySQL's EXPLAIN ANALYZE: `-> Table scan on t  (cost=… rows=100) (actual time=… rows=5000 loops=1)`."""
    found = []
    for line in tree.splitlines():
        match = re.search(r"->\s*(.*?)\s+\(cost=[^)]*rows=([\d.e+]+)\)\s+\(actual [^)]*rows=([\d.e+]+)", line)
        if not match:
            continue
        step, planned, actual = match.group(1), float(match.group(2)), float(match.group(3))
        if _misestimated(planned, actual):
            found.append(f"misestimate at {step}: planned {planned:,.0f} rows, read {actual:,.0f}")
    return found


def _misestimated(planned: float, actual: float) -> bool:
    return (
        max(planned, actual) >= _TINY and max(planned, actual) / max(min(planned, actual), 1) >= _MISESTIMATE
    )
