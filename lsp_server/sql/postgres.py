"""`ubiq sql explain --db URL`: a query's plan on the user's own PostgreSQL, read-only, with findings
read from the JSON plan and index advice from hypothetical indexes (hypopg) the new plan uses.

Everything runs in one `BEGIN READ ONLY … ROLLBACK` with a statement timeout: plain EXPLAIN plans
without running; `analyze` runs the query, so only statements that cannot write are accepted for it.
hypopg's hypothetical indexes live in the session's memory, not in the catalogue, so trying them is
allowed in a read-only transaction and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlglot import exp

from lsp_server.errors import InputError
from lsp_server.sql.explain import WORTH, Advice, Explanation, index_terms, parse_statement
from lsp_server.sql.resolve import Resolver
from lsp_server.sql.schema import Column, SqlSchema, Table

SCHEMES = ("postgres", "postgresql")
_TIMEOUT = "30s"
_SELECTIVE = 0.10  # a filter keeping at most this share of a table's rows is selective
_SMALL_TABLE = 1_000  # reading a table this small whole is fine
_MISESTIMATE = 10.0  # actual rows against planned rows, either way
_TINY = 100  # row counts under this are not worth a misestimate finding
_WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Merge)
_DRIVER_STYLE = re.compile(r"%s\b|%\(\w+\)s")
Node = dict[str, Any]


def password_from(variable: str) -> str | None:
    """The password from the environment variable the settings name (`sql.passwordEnv`), so it
    stays out of settings files; None when no variable is named."""
    if not variable:
        return None
    password = os.environ.get(variable)
    if password is None:
        raise InputError(
            f"the password variable {variable} is not set in the environment",
            f"export {variable}=<the password>, or clear sql.passwordEnv / --password-env",
        )
    return password


def redact(url: str) -> str:
    """The URL with any password in it replaced by ***, fit for a message or a log."""
    parts = urlsplit(url)
    netloc = parts.netloc
    userinfo, at, host = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def explain_postgres(sql: str, url: str, password: str | None, analyze: bool = False) -> Explanation:
    """Explain one statement on the PostgreSQL at `url` without changing anything in it."""
    statement = parse_statement(_driver_placeholders(sql), "postgres")
    if analyze and (isinstance(statement, _WRITES) or any(statement.find_all(*_WRITES))):
        raise InputError(
            "--analyze runs the query, and only a query that cannot write is run",
            "explain INSERT, UPDATE and DELETE without --analyze",
        )
    psycopg = _psycopg()
    secrets = [s for s in (password, urlsplit(url).password) if s]
    try:
        connection = _connect(psycopg, url, password)
    except psycopg.Error as error:
        raise InputError(
            f"cannot connect to {redact(url)}: {_scrub(_first_line(error), secrets)}",
            "check sql.databaseUrl (or --db), and that the variable named by sql.passwordEnv "
            "(or --password-env) holds the password",
        ) from None
    try:
        connection.read_only = True
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = '{_TIMEOUT}'")
            return _explain(cursor, connection, statement, sql, analyze)
    except psycopg.Error as error:
        raise InputError(f"PostgreSQL refused the query: {_scrub(_first_line(error), secrets)}") from None
    finally:
        with contextlib.suppress(psycopg.Error):
            connection.rollback()
        connection.close()


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise InputError(
            "explaining on PostgreSQL needs psycopg, which is not installed", "pip install 'ubiq[postgres]'"
        ) from None
    return psycopg


def _connect(psycopg: Any, url: str, password: str | None) -> Any:
    """The password travels as its own connection parameter, never inside the URL or a message."""
    extra: dict[str, Any] = {"connect_timeout": 10, "application_name": "ubiq sql explain"}
    if password:
        extra["password"] = password
    return psycopg.connect(url, **extra)


def _first_line(error: Exception) -> str:
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None)
    text = primary or str(error) or type(error).__name__
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _driver_placeholders(sql: str) -> str:
    """psycopg-style placeholders (`%s`, `%(name)s`) read as ones sqlglot knows; where they are
    used, `%%` is the driver's escape for `%` and becomes one."""
    if not _DRIVER_STYLE.search(sql):
        return sql

    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        if text == "%%":
            return "%"
        return "?" if text == "%s" else ":" + text[2:-2]

    return re.sub(r"%%|%s\b|%\(\w+\)s", replace, sql)


def _explain(cursor: Any, connection: Any, statement: exp.Expression, sql: str, analyze: bool) -> Explanation:
    schema, relations = _catalogue(cursor, statement)
    resolver = Resolver(schema)
    resolver.resolve(statement)
    query = _with_values(cursor, statement, resolver, relations, sql)
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    document = _plan_json(cursor, query, options)
    root: Node = document["Plan"]
    version = (connection.info.parameter_status("server_version") or "").split(" ")[0]
    engine = f"PostgreSQL {version}, database {connection.info.dbname}, read-only" + (
        ", EXPLAIN ANALYZE" if analyze else ""
    )
    result = Explanation(
        query,
        engine,
        _render(root, analyze),
        elapsed_ms=document.get("Execution Time") if analyze else None,
    )
    sizes = _sizes(cursor, root)
    result.findings = _findings(root, sizes, analyze)
    if not analyze:
        result.notes.append(
            "sorts on disk and misestimated row counts show only with --analyze (it runs the query)"
        )
    _advise(cursor, query, statement, resolver, schema, relations, root, result)
    return result


def _catalogue(cursor: Any, statement: exp.Expression) -> tuple[SqlSchema, dict[str, str]]:
    """The tables the statement names, as PostgreSQL's catalogue describes them (for resolving
    columns and the leading columns of existing indexes), and each one's name as PostgreSQL prints it."""
    schema = SqlSchema()
    relations: dict[str, str] = {}
    ctes = {c.alias_or_name.lower() for c in statement.find_all(exp.CTE)}
    for node in statement.find_all(exp.Table):
        name = node.name.lower()
        if not node.name or (name in ctes and not node.db) or name in schema.tables:
            continue
        bare = node.copy()
        bare.set("alias", None)
        row = cursor.execute(
            "SELECT oid, oid::regclass::text FROM pg_class WHERE oid = to_regclass(%s)",
            [bare.sql(dialect="postgres")],
        ).fetchone()
        if row is None:
            continue
        oid, printed = row
        table = Table(node.name)
        for column, typ, nullable, pk in cursor.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,"
            " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary"
            "         AND a.attnum = ANY(i.indkey))"
            " FROM pg_attribute a WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped",
            [oid],
        ).fetchall():
            table.columns[column.lower()] = Column(column, typ, nullable, pk)
        table.indexed = {
            leading.lower()
            for (leading,) in cursor.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a"
                " ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] WHERE i.indrelid = %s",
                [oid],
            ).fetchall()
        }
        schema.tables[name] = table
        relations[name] = printed
    return schema, relations


def _with_values(
    cursor: Any, statement: exp.Expression, resolver: Resolver, relations: dict[str, str], sql: str
) -> str:
    """The statement as it will be explained: the user's text where it has no placeholders, else
    with each placeholder replaced by a value the compared column really holds (so the plan is the
    one a real call gets; PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN)), or 1."""
    placeholders = list(statement.find_all(exp.Placeholder, exp.Parameter))
    if not placeholders:
        return sql.strip().rstrip(";").strip()
    for placeholder in placeholders:
        placeholder.replace(_value_for(cursor, placeholder, resolver, relations))
    return statement.sql(dialect="postgres")


def _value_for(
    cursor: Any, placeholder: exp.Expression, resolver: Resolver, relations: dict[str, str]
) -> exp.Expression:
    parent = placeholder.parent
    while isinstance(parent, exp.Tuple | exp.Paren):
        parent = parent.parent
    for column in parent.find_all(exp.Column) if parent is not None else []:
        table = resolver.column_tables.get(id(column))
        if table is None:
            continue
        name = table.column(column.name).name if table.column(column.name) else column.name
        quoted = exp.to_identifier(name, quoted=True).sql(dialect="postgres")
        row = cursor.execute(
            f"SELECT {quoted}::text FROM {relations[table.name.lower()]} WHERE {quoted} IS NOT NULL LIMIT 1"
        ).fetchone()
        if row is not None:
            return exp.Literal.string(row[0])  # an untyped literal: PostgreSQL gives it the column's type
    return exp.Literal.number(1)


def _plan_json(cursor: Any, query: str, options: str) -> dict[str, Any]:
    (document,) = cursor.execute(f"EXPLAIN ({options}) {query}").fetchone()
    return document[0]


def _nodes(node: Node, depth: int = 0) -> Iterator[tuple[Node, int]]:
    yield node, depth
    for child in node.get("Plans", []):
        yield from _nodes(child, depth + 1)


def _label(node: Node) -> str:
    """A node as PostgreSQL's text format names it: `Index Scan using i on t`, `HashAggregate`."""
    kind = node["Node Type"]
    if kind == "Aggregate":
        kind = {"Hashed": "HashAggregate", "Sorted": "GroupAggregate", "Mixed": "MixedAggregate"}.get(
            node.get("Strategy", ""), "Aggregate"
        )
    if kind == "ModifyTable":
        kind = node.get("Operation", kind)
    if node.get("Partial Mode") in ("Partial", "Finalize"):
        kind = f"{node['Partial Mode']} {kind}"
    if node.get("Parallel Aware"):
        kind = f"Parallel {kind}"
    if "Join Type" in node and node["Join Type"] != "Inner":
        kind = f"{kind} ({node['Join Type']})"
    if "Index Name" in node:  # a bitmap index scan reads the index alone: `on` it, as PostgreSQL says
        kind += f" {'on' if kind.endswith('Bitmap Index Scan') else 'using'} {node['Index Name']}"
    if "Relation Name" in node:
        kind += f" on {_relation(node)}"
    if "Subplan Name" in node:
        kind = f"{node['Subplan Name']}: {kind}"
    return kind


def _relation(node: Node) -> str:
    """`orders`, or `orders o` where the query gives it an alias."""
    relation = node["Relation Name"]
    alias = node.get("Alias", relation)
    return relation + (f" {alias}" if alias != relation else "")


def _render(root: Node, analyze: bool) -> list[str]:
    lines = []
    for node, depth in _nodes(root):
        figures = f"rows={node['Plan Rows']}"
        if analyze:
            if node.get("Actual Loops", 0) == 0:
                figures += ", never executed"
            else:
                figures += (
                    f", actual rows={node['Actual Rows']} loops={node['Actual Loops']}"
                    f" time={node['Actual Total Time']:.3f} ms"
                )
        indent = "  " * depth
        lines.append(f"{indent}{_label(node)}  ({figures})")
        for key in ("Index Cond", "Recheck Cond", "Hash Cond", "Merge Cond", "Join Filter", "Filter"):
            if key in node:
                lines.append(f"{indent}    {key}: {node[key]}")
        if analyze and "Sort Method" in node:
            space = f", {node.get('Sort Space Used', '?')} kB {node.get('Sort Space Type', '').lower()}"
            lines.append(f"{indent}    Sort Method: {node['Sort Method']}{space}")
    return lines


def _sizes(cursor: Any, root: Node) -> dict[str, float]:
    """Estimated rows of each relation the plan reads (pg_class.reltuples; -1: never analysed)."""
    sizes: dict[str, float] = {}
    for node, _depth in _nodes(root):
        relation = node.get("Relation Name")
        if relation and relation not in sizes:
            row = cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = to_regclass(quote_ident(%s))", [relation]
            ).fetchone()
            sizes[relation] = float(row[0]) if row is not None else -1.0
    return sizes


def _findings(root: Node, sizes: dict[str, float], analyze: bool) -> list[str]:
    findings: list[str] = []
    for relation, size in sizes.items():
        if size < 0:
            findings.append(
                f"{relation} has never been analysed: the planner guesses its row counts (run ANALYZE)"
            )
    for node, workers, early in _walk(root):
        if node["Node Type"] == "Seq Scan" and "Filter" in node:
            finding = _selective_scan(node, sizes.get(node.get("Relation Name", ""), -1.0), workers, analyze)
            if finding:
                findings.append(finding)
        if not analyze or node.get("Actual Loops", 0) == 0:
            continue
        if node.get("Sort Space Type") == "Disk" or "external" in node.get("Sort Method", ""):
            findings.append(
                f"sort on disk ({node.get('Sort Method')}, {node.get('Sort Space Used', '?')} kB): "
                "work_mem is smaller than the sort"
            )
        planned, actual = float(node["Plan Rows"]), float(node["Actual Rows"])
        if early and planned > actual:
            continue  # a LIMIT or a semi-join stopped it before the rows it was planned for
        if max(planned, actual) >= _TINY and max(planned, actual) >= _MISESTIMATE * max(
            min(planned, actual), 1
        ):
            way = "over" if planned > actual else "under"
            findings.append(
                f"misestimate: {_label(node)} planned {planned:.0f} rows, got {actual:.0f} "
                f"({max(planned, actual) / max(min(planned, actual), 1):.0f}× {way}estimated; "
                "stale statistics or correlated columns)"
            )
    return findings


def _walk(root: Node) -> Iterator[tuple[Node, int, bool]]:
    """Each node with the processes sharing it (a parallel node's row counts are per process) and
    whether something above may stop it early (a LIMIT, a semi- or anti-join, a merge join, a subplan)."""

    def walk(node: Node, workers: int, early: bool) -> Iterator[tuple[Node, int, bool]]:
        if node["Node Type"] in ("Gather", "Gather Merge"):
            workers = int(node.get("Workers Planned", 0)) + 1
        early = early or node.get("Parent Relationship") in ("SubPlan", "InitPlan")
        yield node, workers if node.get("Parallel Aware") else 1, early
        stops = node["Node Type"] in ("Limit", "Merge Join") or node.get("Join Type") in ("Semi", "Anti")
        for child in node.get("Plans", []):
            yield from walk(child, workers, early or stops)

    yield from walk(root, 1, False)


def _selective_scan(node: Node, size: float, workers: int, analyze: bool) -> str:
    if analyze and node.get("Actual Loops", 0) > 0:
        kept = float(node["Actual Rows"])
        read = kept + float(node.get("Rows Removed by Filter", 0))
        measure = "rows kept"
    else:
        kept, read, measure = float(node["Plan Rows"]) * workers, size, "estimated rows kept"
    if read < _SMALL_TABLE or kept > _SELECTIVE * read:
        return ""
    return (
        f"full scan of {_relation(node)} under a selective filter {node['Filter']}: "
        f"{measure} {kept:.0f} of {read:.0f} ({100 * kept / read:.1f} %)"
    )


def _advise(
    cursor: Any,
    query: str,
    statement: exp.Expression,
    resolver: Resolver,
    schema: SqlSchema,
    relations: dict[str, str],
    root: Node,
    result: Explanation,
) -> None:
    """Try each candidate as a hypothetical index; advise it only if the new plan uses it and the
    planner's estimated cost drops."""
    scanned = {n["Relation Name"].lower() for n, _ in _nodes(root) if n["Node Type"] == "Seq Scan"}
    tables = [schema.tables[name] for name in scanned if name in schema.tables]
    if not tables:
        return
    if cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'hypopg'").fetchone() is None:
        available = cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'").fetchone()
        result.no_advice = (
            "hypopg is available on the server but not installed in this database "
            "(an owner can run CREATE EXTENSION hypopg)"
            if available
            else "the hypopg extension is not available on this server "
            "(Debian and Ubuntu: apt install postgresql-<major>-hypopg)"
        )
        return
    before = float(root["Total Cost"])
    candidates: dict[str, str] = {}
    for table in tables:
        for terms, source in index_terms(statement, resolver, table):
            columns = ", ".join(t if t.startswith('"') else f"({t})" for t in terms)
            candidates.setdefault(f"CREATE INDEX ON {relations[table.name.lower()]} ({columns})", source)
    tried: list[Advice] = []
    for create, source in candidates.items():
        advice = _try(cursor, query, create, source, before, result)
        if advice is not None:
            tried.append(advice)
    # Of indexes the planner costs the same (a wider one whose extra column does not help), the
    # narrowest is advised.
    for advice in sorted(tried, key=lambda a: (a.after_ms, len(a.statement))):
        same = next((k for k in result.advice if advice.after_ms <= k.after_ms * 1.01), None)
        if same is not None:
            result.rejected.append(f"{advice.statement}  -- no cheaper than {same.statement}")
        elif len(result.advice) < 3:
            result.advice.append(advice)


def _try(
    cursor: Any, query: str, create: str, source: str, before: float, result: Explanation
) -> Advice | None:
    psycopg = _psycopg()
    try:
        with cursor.connection.transaction():  # a savepoint: a candidate hypopg refuses ends only itself
            oid, name = cursor.execute(
                "SELECT indexrelid, indexname FROM hypopg_create_index(%s)", [create]
            ).fetchone()
            root = _plan_json(cursor, query, "FORMAT JSON")["Plan"]
            cursor.execute("SELECT hypopg_drop_index(%s)", [oid])
    except psycopg.Error as error:
        result.rejected.append(f"{create}  -- hypopg could not try it: {_first_line(error)}")
        return None
    if not any(node.get("Index Name") == name for node, _ in _nodes(root)):
        result.rejected.append(f"{create}  -- the plan does not use it")
        return None
    after = float(root["Total Cost"])
    if after * WORTH > before:
        result.rejected.append(
            f"{create}  -- used, but the estimated cost barely drops ({before:.1f} → {after:.1f})"
        )
        return None
    plan = [line.replace(name, "<hypothetical index>") for line in _render(root, analyze=False)]
    return Advice(create, before, after, plan, "hypopg", estimated=True)
