"""Which SQL dialect a file speaks, when no setting says: from the driver a Python file imports,
or from what only one dialect writes in a `.sql` file. PostgreSQL when nothing tells, since its
parser in sqlglot accepts the most common SQL."""

from __future__ import annotations

import re

DIALECTS = ("sqlite", "postgres", "mysql")
_DRIVERS = (
    (re.compile(r"^\s*(import|from)\s+(sqlite3|aiosqlite|apsw)\b", re.M), "sqlite"),
    (re.compile(r"^\s*(import|from)\s+(psycopg2?|asyncpg|pg8000)\b", re.M), "postgres"),
    (re.compile(r"^\s*(import|from)\s+(pymysql|MySQLdb|mysql\.connector|aiomysql)\b", re.M), "mysql"),
    (re.compile(r"create_engine\(\s*[\"']sqlite"), "sqlite"),
    (re.compile(r"create_engine\(\s*[\"']postgres"), "postgres"),
    (re.compile(r"create_engine\(\s*[\"']mysql"), "mysql"),
)
_SQL_CUES = (
    (re.compile(r"\bAUTO_INCREMENT\b|`\w+`|\bENGINE\s*=", re.I), "mysql"),
    (re.compile(r"\bAUTOINCREMENT\b|\bPRAGMA\b|\bWITHOUT\s+ROWID\b", re.I), "sqlite"),
    (re.compile(r"\bSERIAL\b|::\w+|\$\d+|\bILIKE\b|\bRETURNING\b|\bJSONB\b", re.I), "postgres"),
)


def dialect_of(path: str, text: str, default: str = "postgres") -> str:
    cues = _DRIVERS if path.lower().endswith((".py", ".pyi")) else _SQL_CUES
    for pattern, dialect in cues:
        if pattern.search(text):
            return dialect
    return default
