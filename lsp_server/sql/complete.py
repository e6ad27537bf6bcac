"""Table and column names to complete inside SQL, from the schema alone.

It runs on every keystroke, so it reads only the text around the cursor and the statement it is
in: one tree-sitter parse to tell whether a Python cursor is inside a SQL string, one sqlglot parse
of the statement to learn its aliases, and regexes where half-typed SQL does not parse. No model
and no database.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from contextlib import suppress
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Tokenizer
from tree_sitter import Node, Tree

from lsp_server.context.treesitter import byte_offset, parse
from lsp_server.sql.dialects import dialect_of
from lsp_server.sql.locate import SQL_START, python_file, split_statements
from lsp_server.sql.schema import SqlSchema, Table

TABLE, COLUMN = "table", "column"
_WORD = re.compile(r"[\w$]*\Z")
_QUALIFIER = re.compile(r'(?:"([^"]+)"|([\w$]+))\.\Z')
_COMMENT = re.compile(r"--[^\n]*|/\*.*?(?:\*/|\Z)", re.S)
_PREVIOUS = re.compile(r"([\w$]+|\S)\s*\Z")
_CLAUSE = re.compile(r"\b(select|from|where|join|on|set|group|order|having|limit|values|into|update)\b", re.I)
# Keywords after which a table name comes; after `,` only within a FROM list.
_TABLE_KEYWORDS = {"FROM", "JOIN", "INTO", "UPDATE", "TABLE"}
_KEYWORDS = set(Tokenizer.KEYWORDS) | {"BY", "GROUP", "ORDER", "NULLS", "TOP", "ONLY", "CAST"}
# The tables a half-typed statement names, when sqlglot cannot parse it.
_SOURCE_KEYWORD = re.compile(r"\b(from|join|update|into|table|references)\s", re.I)
_SOURCE_ITEM = re.compile(r'\s*(?:"?[\w$]+"?\.)?"?([\w$]+)"?(?:\s+(?:as\s+)?"?([\w$]+)"?)?', re.I)
_PLACEHOLDER = "ubiq_cursor"
# A string being typed, not yet closed, as the SQL argument of the calls `locate` knows.
_OPEN_STRING = re.compile(
    r"\b(?:execute|executemany|executescript|exec_driver_sql|text|raw|read_sql|read_sql_query)"
    r"""\s*\(\s*([rRuUfF]{0,2}("{3}|'{3}|"|'))"""
)
_LOOK_BACK = 20_000  # characters before the cursor searched for an unterminated SQL string


@dataclass(frozen=True)
class Candidate:
    """One name to offer: `sort` orders columns before tables, each in schema order."""

    label: str
    kind: str  # TABLE or COLUMN
    detail: str
    sort: str


@dataclass
class SqlCompletion:
    """The word being typed (from `start`, a str offset in the file) and the names that fit it."""

    start: int
    word: str
    candidates: list[Candidate] = field(default_factory=list)


def complete_sql(path: str, text: str, offset: int, schema: SqlSchema) -> SqlCompletion | None:
    """Names for the cursor at str offset `offset` of a file; None when the cursor is not in SQL
    (Python code, a string that is not SQL, a comment or a quoted literal inside the SQL)."""
    lower = path.lower()
    if lower.endswith(".sql"):
        found: tuple[str, int] | None = (text, offset)
    elif lower.endswith((".py", ".pyi")):
        found = _python_sql(text, offset)
    else:
        return None
    if found is None:
        return None
    statement = _statement(*found)
    if statement is None:
        return None
    if not statement[0]:
        return SqlCompletion(offset, "")
    body, cursor = statement
    match = _WORD.search(body, 0, cursor)
    word = match.group() if match else ""
    start = offset - len(word)
    if text[start:offset] != word:  # a Python expression spliced into built SQL: not a name
        return SqlCompletion(offset, "")
    dialect = dialect_of(path, text)
    return SqlCompletion(start, word, _candidates(body, cursor - len(word), cursor, word, schema, dialect))


def _statement(sql: str, cursor: int) -> tuple[str, int] | None:
    """The statement around the cursor and the cursor's offset in it; ("", 0) between statements;
    None in a comment or a quoted string or identifier, where names are not completed."""
    for start, end in split_statements(sql):
        if start <= cursor <= end:
            # A `;` typed at the cursor ends a statement only outside quotes and comments.
            if not any(e == cursor - start for _, e in split_statements(sql[start:cursor] + ";")):
                return None
            return sql[start:end], cursor - start
    return "", 0


def _candidates(
    body: str, start: int, cursor: int, word: str, schema: SqlSchema, dialect: str
) -> list[Candidate]:
    if word[:1].isdigit():
        return []
    before = _COMMENT.sub(" ", body[:start])
    qualifier = _QUALIFIER.search(before)
    if qualifier:
        name = qualifier.group(1) or qualifier.group(2)
        table = _sources(body, cursor, word, schema, dialect).get(name.lower()) or schema.table(name)
        return _columns([table], word, qualified=True) if table is not None else []
    previous = _PREVIOUS.search(before)
    if previous is None:
        return []  # a statement's first word is a keyword: not ours to offer
    token = previous.group(1).upper()
    clause = [m.group(1).upper() for m in _CLAUSE.finditer(before)][-1:]
    if token in _TABLE_KEYWORDS or (token == "," and clause == ["FROM"]):
        return _tables(schema, word)
    if token == "AS" or (re.fullmatch(r"[\w$]+", token) and token not in _KEYWORDS):
        return []  # after a name comes an alias or an operator, not another name
    named = {t.name: t for t in _sources(body, cursor, word, schema, dialect).values()}
    tables = sorted(named.values(), key=lambda t: _first_mention(body, t.name))
    return _columns(tables, word, qualified=False) + _tables(schema, word)


def _sources(body: str, cursor: int, word: str, schema: SqlSchema, dialect: str) -> dict[str, Table]:
    """The schema tables the statement reads, by lower-cased alias and name."""
    probe = body if word else body[:cursor] + _PLACEHOLDER + body[cursor:]
    found: dict[str, Table] = {}
    tree = None
    if SQL_START.match(probe):  # sqlglot reads anything else as an opaque command, and logs it
        with suppress(SqlglotError):
            tree = sqlglot.parse_one(probe, read=dialect)
    if tree is not None and not isinstance(tree, exp.Command):
        pairs = [(node.name, node.alias_or_name) for node in tree.find_all(exp.Table)]
    else:
        pairs = _sources_by_regex(body)
    for name, alias in pairs:
        table = schema.table(name)
        if table is not None:
            found.setdefault(alias.lower(), table)
            found.setdefault(table.name.lower(), table)
    return found


def _sources_by_regex(body: str) -> list[tuple[str, str]]:
    """(table, alias) after FROM, JOIN, UPDATE, INTO, TABLE and REFERENCES, and through a FROM's
    comma list."""
    pairs = []
    for keyword in _SOURCE_KEYWORD.finditer(body):
        position = keyword.end()
        while item := _SOURCE_ITEM.match(body, position):
            name, alias = item.group(1), item.group(2)
            if alias is None or alias.upper() in _KEYWORDS:
                alias = name
            pairs.append((name, alias))
            position = item.end()
            rest = body[position:].lstrip()
            if keyword.group(1).lower() != "from" or not rest.startswith(","):
                break
            position = len(body) - len(rest) + 1
    return pairs


def _first_mention(body: str, name: str) -> int:
    match = re.search(rf"\b{re.escape(name)}\b", body, re.I)
    return match.start() if match else len(body)


def _columns(tables: list[Table], word: str, *, qualified: bool) -> list[Candidate]:
    prefix = word.lower()
    found = []
    for t, table in enumerate(tables):
        for c, column in enumerate(table.columns.values()):
            if not column.name.lower().startswith(prefix):
                continue
            detail = f"{column.type or 'ANY'}{' PK' if column.pk else ''}"
            target = table.foreign_keys.get(column.name.lower())
            if target is not None:
                detail += f" → {target[0]}.{target[1]}"
            if not qualified:
                detail = f"{table.name}: {detail}"
            found.append(Candidate(column.name, COLUMN, detail, f"0{t:03d}{c:04d}"))
    return found


def _tables(schema: SqlSchema, word: str) -> list[Candidate]:
    prefix = word.lower()
    found = []
    for t, table in enumerate(sorted(schema.tables.values(), key=lambda x: x.name.lower())):
        if table.name.lower().startswith(prefix):
            columns = ", ".join(c.name for c in table.columns.values())
            detail = f"table ({columns[:70]}{'…' if len(columns) > 70 else ''})"
            found.append(Candidate(table.name, TABLE, detail, f"1{t:07d}"))
    return found


# --- Python ----------------------------------------------------------------------------------


def _python_sql(text: str, offset: int) -> tuple[str, int] | None:
    """The SQL of the string the cursor is in, and the cursor's offset in it."""
    cursor = byte_offset(text, offset)
    tree = parse(text)
    string = _string_at(tree.root_node, cursor)
    if string is None:
        return _unterminated(tree, text, offset)
    for snippet in python_file(text):
        origins = snippet.origins
        i = bisect_left(origins, cursor)
        # Before character i of the SQL, or just after the last one this string gave it.
        if (i < len(origins) and origins[i] == cursor) or (i > 0 and origins[i - 1] >= string.start_byte):
            return snippet.text, i
    return None


def _string_at(root: Node, byte: int) -> Node | None:
    """The string literal whose contents hold the cursor (between its quotes, not in an
    f-string's `{…}`)."""
    for probe in dict.fromkeys((byte, max(byte - 1, 0))):
        node: Node | None = root.descendant_for_byte_range(probe, probe)
        while node is not None and node.type not in ("string", "interpolation"):
            node = node.parent
        if node is None or node.type == "interpolation" or node.child_count < 2:
            continue
        if node.children[0].end_byte <= byte <= node.children[-1].start_byte:
            return node
    return None


def _unterminated(tree: Tree, text: str, offset: int) -> tuple[str, int] | None:
    """The string being typed in `cursor.execute("SELECT … FROM cu` before its closing quote,
    which tree-sitter leaves as a lone opening quote in an error."""
    matches = list(_OPEN_STRING.finditer(text, max(0, offset - _LOOK_BACK), offset))
    if not matches:
        return None
    match = matches[-1]
    opening, quote = match.group(1), match.group(2)
    start_byte = byte_offset(text, match.start(1))
    node = tree.root_node.descendant_for_byte_range(start_byte, start_byte)
    if node is None or node.type != "string_start" or getattr(node.parent, "type", "") == "string":
        return None  # closed after all, or not a string
    content = match.end()
    typed = text[content:offset]
    if quote in typed.replace("\\" + quote[0], "") or (len(quote) == 1 and "\n" in typed):
        return None
    if "f" in opening.lower() and typed.rfind("{") > typed.rfind("}"):
        return None  # in a Python expression of an f-string
    line_end = text.find("\n", offset)
    return text[content : len(text) if line_end < 0 else line_end], offset - content
