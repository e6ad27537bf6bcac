"""The grammar `sql write` draws under: one SELECT whose names are the schema's.

A small model's commonest mistake in text-to-SQL is a name that is not there (`customer_id` for
`o_custkey`). The answer is drawn under a JSON schema whose `sql` string must match a pattern of
SQL tokens in which a table or column can only be one the prompt showed (bare, or after a short
alias or the table's name), so those names cannot be written at all; llama.cpp compiles the pattern
into the sampling grammar. Output aliases (`AS revenue`) are free; a bare name that is not the
schema's is not, so the model orders by the expression or its position instead. Everything else
(the meaning) is still checked by resolving and running the candidates.
"""

from __future__ import annotations

import re

from lsp_server.sql.schema import Table

KEYWORDS = [
    "SELECT",
    "FROM",
    "WHERE",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "OUTER",
    "CROSS",
    "ON",
    "USING",
    "AND",
    "OR",
    "NOT",
    "IN",
    "EXISTS",
    "GROUP",
    "BY",
    "ORDER",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "AS",
    "DESC",
    "ASC",
    "DISTINCT",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "BETWEEN",
    "LIKE",
    "IS",
    "NULL",
    "UNION",
    "ALL",
    "INTERVAL",
    "TRUE",
    "FALSE",
    "OVER",
    "PARTITION",
    "ROWS",
    "RANGE",
    "UNBOUNDED",
    "PRECEDING",
    "FOLLOWING",
    "CURRENT",
    "ROW",
]
FUNCTIONS = [
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "ROUND",
    "ABS",
    "COALESCE",
    "IFNULL",
    "NULLIF",
    "LENGTH",
    "UPPER",
    "LOWER",
    "SUBSTR",
    "SUBSTRING",
    "TRIM",
    "REPLACE",
    "CAST",
    "STRFTIME",
    "DATE",
    "DATETIME",
    "JULIANDAY",
    "EXTRACT",
    "YEAR",
    "MONTH",
    "DAY",
    "DATE_TRUNC",
    "CURRENT_DATE",
    "NOW",
    "INTEGER",
    "REAL",
    "TEXT",
    "NUMERIC",
    "DECIMAL",
    "VARCHAR",
    "RANK",
    "DENSE_RANK",
    "ROW_NUMBER",
    "LAG",
    "LEAD",
    "INSTR",
]
_ALIAS = "[a-z][0-9]?"  # the short aliases models give tables: c, o, l1, n2
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def query_pattern(tables: list[Table]) -> str | None:
    """The pattern for the `sql` string, or None when a name cannot be spelled in it."""
    table_names = sorted({t.name for t in tables}, key=len, reverse=True)
    columns = sorted({c.name for t in tables for c in t.columns.values()}, key=len, reverse=True)
    if not table_names or not all(_NAME.match(n) for n in [*table_names, *columns]):
        return None
    words = _either([*KEYWORDS, *(k.lower() for k in KEYWORDS)])
    functions = _either([*FUNCTIONS, *(f.lower() for f in FUNCTIONS)])
    tables_ = _either(table_names)
    columns_ = _either(columns)
    word = "|".join(
        [
            f"({_ALIAS}|{tables_})[.]({columns_}|[*])",  # qualified column (no `\\.`: llama.cpp refuses it)
            "(AS|as) [A-Za-z_][A-Za-z0-9_]*",  # an output or table alias: free
            words,
            functions,
            tables_,
            columns_,
            _ALIAS,
            "[0-9]+([.][0-9]+)?",
            "'[^'\"\\\\]*'",  # a string literal: no quote of the JSON around it, no escape
        ]
    )
    symbol = "(<=|>=|<>|!=|=|<|>|\\+|-|\\*|/|%|\\|\\||\\(|\\)|,)"
    # Two words need a space between them (`c` `ustomers` is not `customers`); a symbol needs none.
    return f"^(SELECT|select)(( ?{symbol})+( ?({word}))?| ({word}))*$"


def _either(names: list[str]) -> str:
    return "(" + "|".join(names) + ")"


def answer_schema(tables: list[Table]) -> dict[str, object] | None:
    """The JSON schema of `{"sql": …}` with the SQL held to `query_pattern`."""
    pattern = query_pattern(tables)
    if pattern is None:
        return None
    return {
        "type": "object",
        "properties": {"sql": {"type": "string", "pattern": pattern}},
        "required": ["sql"],
    }
