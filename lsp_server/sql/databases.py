"""`explain --db URL`: the user's own database, chosen by the URL's scheme."""

from __future__ import annotations

from urllib.parse import urlsplit

from lsp_server.errors import InputError
from lsp_server.sql import mysql, postgres
from lsp_server.sql.explain import Explanation


def explain_database(sql: str, url: str, password: str | None, analyze: bool = False) -> Explanation:
    """Explain on PostgreSQL (postgresql://) or MySQL/MariaDB (mysql://), read-only."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in postgres.SCHEMES:
        return postgres.explain_postgres(sql, url, password, analyze)
    if scheme in mysql.SCHEMES:
        return mysql.explain_mysql(sql, url, password, analyze)
    raise InputError(
        f"no explain for {scheme or 'this'} URLs: {postgres.redact(url)}",
        "give postgresql://user@host:port/dbname or mysql://user@host:port/dbname, "
        "or no URL for a scratch SQLite database",
    )
