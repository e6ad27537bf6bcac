"""Where SQL is in a project: the statements of `.sql` files, and the strings Python code hands to
`cursor.execute`/`executemany`, `sqlalchemy.text()`, `Model.objects.raw()`, `connection.execute`
and `pandas.read_sql`.

Every character of the SQL keeps the file position it came from, so a finding points into the
string inside the Python file (past escapes and implicit concatenation), not at the call. SQL that
is built by formatting (f-strings, `%`, `+`, `.format`) is marked as built, with the Python
expressions spliced in, because that is a finding of its own and its other checks would be guesses.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from tree_sitter import Node, Tree

from lsp_server.context.treesitter import Lines, node_text, parse, walk

# Method names whose first argument is SQL, whatever the receiver (a DB-API cursor or connection,
# SQLAlchemy's connection or session, sqlite3's connection).
_EXECUTE = {"execute", "executemany", "executescript", "exec_driver_sql"}
_PANDAS = {"read_sql", "read_sql_query"}
SQL_START = re.compile(
    r"^\s*(\(\s*)*(select|with|insert|update|delete|replace|merge|create|alter|drop|explain|values)\b", re.I
)


@dataclass
class Piece:
    """One Python expression spliced into built SQL: where it sits in the SQL and in the file."""

    start: int  # offset in Snippet.text of the placeholder standing for it
    end: int
    source: str  # the Python expression, as written
    node: Node | None = None
    quoted: bool = False  # written inside SQL quotes: '{name}'


@dataclass
class Snippet:
    """One piece of SQL and where each of its characters came from in the file."""

    text: str
    origins: list[int]  # byte offset in the file of each character of `text`
    lines: Lines
    in_python: bool
    built: str = ""  # "f-string", "%", "+", ".format" when the SQL is formatted from values
    pieces: list[Piece] = field(default_factory=list)
    call: Node | None = None  # the call that runs it
    argument: Node | None = None  # the expression that is the SQL (the string, or the formatting)
    parameters: Node | None = None  # the call's parameters argument, when it has one

    def position(self, offset: int) -> tuple[int, int]:
        """0-based (line, code-point column) in the file of an offset into `text`."""
        if not self.origins:
            return 0, 0
        index = min(max(offset, 0), len(self.origins) - 1)
        byte = self.origins[index] + (1 if offset >= len(self.origins) else 0)
        return self.lines.position(byte)


# --- .sql files ----------------------------------------------------------------------------------


def snippets_at(snippets: list[Snippet], line: int) -> list[Snippet]:
    """The unformatted snippets that span the 0-based `line`."""
    return [s for s in snippets if not s.built and s.position(0)[0] <= line <= s.position(len(s.text) - 1)[0]]


def sql_file(text: str) -> list[Snippet]:
    """A `.sql` file's statements, split at semicolons outside quotes and comments."""
    data = text.encode("utf-8")
    lines = Lines(data)
    origins = _char_origins(text)
    snippets = []
    for start, end in split_statements(text):
        body = text[start:end]
        if body.strip():
            snippets.append(Snippet(body, origins[start:end], lines, in_python=False))
    return snippets


def _char_origins(text: str) -> list[int]:
    if text.isascii():
        return list(range(len(text)))
    origins, byte = [], 0
    for char in text:
        origins.append(byte)
        byte += len(char.encode("utf-8"))
    return origins


def split_statements(text: str) -> list[tuple[int, int]]:
    """(start, end) of each statement: `;` ends one unless it is inside quotes, a comment or a
    PostgreSQL dollar-quoted body."""
    spans, start, i, n = [], 0, 0, len(text)
    while i < n:
        char = text[i]
        if char in "'\"`":
            close = text.find(char, i + 1)
            while close != -1 and close + 1 < n and text[close + 1] == char:  # '' escapes a quote
                close = text.find(char, close + 2)
            i = n if close == -1 else close + 1
        elif text.startswith("--", i):
            newline = text.find("\n", i)
            i = n if newline == -1 else newline + 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close == -1 else close + 2
        elif char == "$" and (tag := re.match(r"\$[A-Za-z_]*\$", text[i:])):
            close = text.find(tag.group(), i + len(tag.group()))
            i = n if close == -1 else close + len(tag.group())
        elif char == ";":
            spans.append((start, i))
            start, i = i + 1, i + 1
        else:
            i += 1
    if text[start:].strip():
        spans.append((start, n))
    return spans


# --- Python --------------------------------------------------------------------------------------


def python_file(text: str, tree: Tree | None = None) -> list[Snippet]:
    """The SQL strings a Python file runs (`tree`: its parse, when the caller has one)."""
    data = text.encode("utf-8")
    tree = tree if tree is not None else parse(data)
    lines = Lines(data)
    imports_text = _sqlalchemy_text_names(text)
    snippets = []
    for node in walk(tree.root_node):
        if node.type != "call" or not _runs_sql(node, imports_text):
            continue
        arguments = node.child_by_field_name("arguments")
        positional = [c for c in arguments.named_children if c.type not in ("keyword_argument", "comment")]
        if not positional:
            continue
        snippet = _snippet(definition_of(positional[0]), lines)
        if snippet is None or not snippet.text.strip():
            continue
        snippet.call = node
        snippet.parameters = positional[1] if len(positional) > 1 else None
        snippets.append(snippet)
    return snippets


def _sqlalchemy_text_names(text: str) -> set[str]:
    """How this file spells SQLAlchemy's `text()`: `text`, `sa.text`, `sqlalchemy.text`."""
    names = set()
    if re.search(r"from\s+sqlalchemy(\.sql)?(\.expression)?\s+import\s+[^\n]*\btext\b", text):
        names.add("text")
    for alias in re.findall(r"import\s+sqlalchemy(?:\s+as\s+(\w+))?", text):
        names.add(f"{alias or 'sqlalchemy'}.text")
    return names


def _runs_sql(call: Node, text_names: set[str]) -> bool:
    function = call.child_by_field_name("function")
    if function is None:
        return False
    name = node_text(function)
    if name in text_names:
        return True
    if function.type != "attribute":
        return False
    method = node_text(function.child_by_field_name("attribute"))
    receiver = node_text(function.child_by_field_name("object"))
    if method in _EXECUTE or method in _PANDAS and receiver in ("pd", "pandas"):
        return True
    return method == "raw" and receiver.endswith("objects")


def definition_of(argument: Node) -> Node:
    """A name passed as the SQL: the string it was last assigned before the call, in the same
    function (or module); otherwise the name itself, which is not SQL."""
    if argument.type != "identifier":
        return argument
    name = node_text(argument)
    scope = argument.parent
    while scope is not None and scope.type not in ("function_definition", "module"):
        scope = scope.parent
    if scope is None:
        return argument
    found = None
    for node in walk(
        scope, into=lambda n: n is scope or n.type not in ("function_definition", "class_definition")
    ):
        if node.start_byte >= argument.start_byte:
            break
        if node.type == "assignment" and node_text(node.child_by_field_name("left")) == name:
            found = node.child_by_field_name("right")
        elif node.type == "augmented_assignment" and node_text(node.child_by_field_name("left")) == name:
            found = None  # `sql += …`: pieced together at run time; not followed
    return found if found is not None else argument


def _snippet(node: Node, lines: Lines) -> Snippet | None:
    builder = _Builder()
    if not builder.expression(node):
        return None
    return Snippet(
        builder.text(),
        builder.origins,
        lines,
        in_python=True,
        built=builder.built,
        pieces=builder.pieces,
        argument=node,
    )


class _Builder:
    """Reads a string expression into SQL text, character origins and spliced-in pieces."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.origins: list[int] = []
        self.pieces: list[Piece] = []
        self.built = ""

    def text(self) -> str:
        return "".join(self.chars)

    def expression(self, node: Node) -> bool:
        kind = node.type
        if kind == "parenthesized_expression" and node.named_child_count == 1:
            return self.expression(node.named_children[0])
        if kind == "string":
            return self.string(node)
        if kind == "concatenated_string":
            return all(self.string(part) for part in node.named_children if part.type == "string")
        if kind == "binary_operator":
            return self.binary(node)
        if kind == "call":
            return self.format_call(node)
        return False

    def binary(self, node: Node) -> bool:
        operator = node_text(node.child_by_field_name("operator"))
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if operator == "%" and left is not None and left.type in ("string", "concatenated_string"):
            self.built = self.built or "%"
            self.expression(left)
            return True
        if operator == "+" and left is not None and right is not None:
            for side in (left, right):
                if not self.expression(side):
                    self.splice(side)
                    self.built = self.built or "+"
            return True
        return False

    def format_call(self, node: Node) -> bool:
        function = node.child_by_field_name("function")
        if function is None or function.type != "attribute":
            return False
        receiver = function.child_by_field_name("object")
        if node_text(function.child_by_field_name("attribute")) != "format" or receiver is None:
            return False
        if receiver.type not in ("string", "concatenated_string"):
            return False
        self.built = self.built or ".format"
        return self.expression(receiver)

    def splice(self, node: Node) -> None:
        """A Python expression inside the SQL: a one-character stand-in that parses as a value."""
        start = len(self.chars)
        quoted = self.text().count("'") % 2 == 1
        self.chars.append("x" if quoted else "0")
        self.origins.append(node.start_byte)
        self.pieces.append(Piece(start, start + 1, node_text(node), node, quoted))

    def string(self, node: Node) -> bool:
        if node.type != "string":
            return False
        prefix = node_text(node.child(0)).lower() if node.child_count else ""
        raw, formatted = "r" in prefix, "f" in prefix
        if "b" in prefix:
            return False
        if formatted:
            self.built = self.built or "f-string"
        for child in node.children:
            if child.type == "string_content":
                self.content(child, raw)
            elif child.type == "interpolation":
                expression = next(
                    (
                        c
                        for c in child.named_children
                        if c.type not in ("type_conversion", "format_specifier")
                    ),
                    None,
                )
                self.splice(expression or child)
        return True

    def content(self, node: Node, raw: bool) -> None:
        data = node.text or b""
        base = node.start_byte
        position = 0
        escapes = [] if raw else [c for c in node.children if c.type == "escape_sequence"]
        for escape in escapes:
            self.literal(data[position : escape.start_byte - base], base + position)
            try:
                decoded = codecs.decode(escape.text or b"", "unicode_escape")
            except UnicodeDecodeError:
                decoded = node_text(escape)
            for char in decoded:
                self.chars.append(char)
                self.origins.append(escape.start_byte)
            position = escape.end_byte - base
        self.literal(data[position:], base + position)

    def literal(self, data: bytes, start: int) -> None:
        text = data.decode("utf-8", "replace")
        if text.isascii():
            self.chars.extend(text)
            self.origins.extend(range(start, start + len(text)))
            return
        byte = start
        for char in text:
            self.chars.append(char)
            self.origins.append(byte)
            byte += len(char.encode("utf-8"))
