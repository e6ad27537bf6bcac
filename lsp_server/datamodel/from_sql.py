"""SQL DDL read with sqlglot (PostgreSQL, MySQL, SQLite): `CREATE TABLE` with column
constraints (NOT NULL, UNIQUE, PRIMARY KEY, DEFAULT, REFERENCES, MySQL's inline `COMMENT`),
table constraints (composite `PRIMARY KEY`, `FOREIGN KEY`, `UNIQUE`), `ALTER TABLE … ADD
[CONSTRAINT] FOREIGN KEY / PRIMARY KEY / COLUMN`, `CREATE UNIQUE INDEX` on one column, and
PostgreSQL's `COMMENT ON TABLE/COLUMN` as descriptions.

Statements are split on sqlglot's tokens and parsed one by one, so one statement sqlglot cannot
read costs a warning with its line, not the file. `ALTER`/`COMMENT` statements are applied after
every file is read: migrations often alter a table created in an earlier file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from lsp_server.datamodel.drafts import FK, Drafts, EntityDraft, RefDraft
from lsp_server.datamodel.model import Attribute, Entity, ERWarning, Location, Ref

DIALECTS = ("postgres", "mysql", "sqlite")
_INTERESTING = {TokenType.CREATE, TokenType.ALTER, TokenType.COMMENT}
_HINTS = {
    "mysql": ("`", "engine=", "auto_increment", "unsigned", "charset", "comment '", 'comment "', "tinyint"),
    "postgres": (
        "comment on",
        "serial",
        "::",
        "create extension",
        "$$",
        "timestamptz",
        "jsonb",
        "owner to",
        "create schema",
        "create type",
        "character varying",
        "nextval(",
    ),
    "sqlite": ("autoincrement", "without rowid", "pragma", "strict"),
}


def detect_dialect(text: str) -> str:
    """The dialect whose marks the text shows most (PostgreSQL when none shows)."""
    lowered = text.lower()
    scores = {d: sum(lowered.count(h) for h in hints) for d, hints in _HINTS.items()}
    best = max(DIALECTS, key=lambda d: scores[d])
    return best if scores[best] else "postgres"


@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """The sqlglot logger says 'falling back to Command' itself; we report those as warnings instead."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@dataclass
class _Statement:
    text: str
    line: int
    column: int
    tokens: list[Token]


def split_statements(text: str, dialect: str) -> list[_Statement]:
    """Statements with where they start, split on `;` tokens (never inside strings or comments)."""
    tokens = sqlglot.tokenize(text, read=dialect)
    statements: list[_Statement] = []
    current: list[Token] = []
    for token in [*tokens, None]:
        if token is None or token.token_type == TokenType.SEMICOLON:
            if current:
                start, end = current[0].start, current[-1].end + 1
                statements.append(
                    _Statement(
                        text[start:end],
                        current[0].line,
                        max(current[0].col - len(current[0].text), 0) + 1,
                        current,
                    )
                )
            current = []
        else:
            current.append(token)
    return statements


def _name(node: exp.Expression | None) -> str:
    if isinstance(node, exp.Identifier):
        return node.this
    if isinstance(node, exp.Column | exp.Ordered):
        return _name(node.this)
    return node.name if node is not None else ""


def _table_name(table: exp.Expression | None) -> tuple[str, str | None]:
    """(table, schema) of a table reference."""
    if isinstance(table, exp.Schema):
        table = table.this
    if not isinstance(table, exp.Table):
        return "", None
    return table.name, (table.db or None)


class SqlReader:
    """Reads DDL files into drafts; call `add` per file, then `read` once."""

    def __init__(self, dialect: str | None = None) -> None:
        self.dialect = dialect
        self.drafts = Drafts()
        self._tables: dict[str, EntityDraft] = {}  # "schema.table" and "table" → draft
        self._pending: list[tuple[exp.Expression, Location, str]] = []

    def add(self, text: str, path: str) -> None:
        dialect = self.dialect or detect_dialect(text)
        try:
            statements = split_statements(text, dialect)
        except TokenError as error:
            self.drafts.warnings.append(
                ERWarning(f"SQL not readable: {error}", Location(path), "parse-error")
            )
            return
        for statement in statements:
            if statement.tokens[0].token_type not in _INTERESTING:
                continue  # INSERT, SET, DROP…: nothing for the ER model
            location = Location(path, statement.line, statement.column)
            parsed = self._parse(statement, dialect, location)
            if parsed is None:
                continue
            if isinstance(parsed, exp.Create) and str(parsed.args.get("kind", "")).upper() == "TABLE":
                self._create(parsed, location, dialect)
            elif isinstance(parsed, exp.Alter | exp.Comment) or (
                isinstance(parsed, exp.Create) and isinstance(parsed.this, exp.Index)
            ):
                self._pending.append((parsed, location, dialect))

    def _parse(self, statement: _Statement, dialect: str, location: Location) -> exp.Expression | None:
        with _quiet_sqlglot():
            try:
                parsed = sqlglot.parse_one(statement.text, read=dialect)
            except ParseError as error:
                detail = error.errors[0] if error.errors else {}
                line = statement.line + max(int(detail.get("line") or 1) - 1, 0)
                description = detail.get("description") or str(error).splitlines()[0]
                self.drafts.warnings.append(
                    ERWarning(
                        f"SQL statement not understood: {description}",
                        Location(location.path, line),
                        "parse-error",
                    )
                )
                return None
            if isinstance(parsed, exp.Command) and statement.tokens[1].token_type == TokenType.TABLE:
                retried = self._without_table_options(statement, dialect)
                if retried is not None:
                    return retried
                if statement.tokens[0].token_type == TokenType.CREATE:
                    self.drafts.warnings.append(
                        ERWarning(
                            "CREATE TABLE statement not understood by sqlglot; table skipped",
                            location,
                            "parse-error",
                        )
                    )
                return None
        return parsed

    def _without_table_options(self, statement: _Statement, dialect: str) -> exp.Expression | None:
        """`CREATE TABLE t (...) WITHOUT ROWID`: read it up to the column list's closing parenthesis."""
        if statement.tokens[0].token_type != TokenType.CREATE:
            return None
        depth = 0
        for token in statement.tokens:
            if token.token_type == TokenType.L_PAREN:
                depth += 1
            elif token.token_type == TokenType.R_PAREN:
                depth -= 1
                if depth == 0:
                    end = token.end + 1 - statement.tokens[0].start
                    try:
                        parsed = sqlglot.parse_one(statement.text[:end], read=dialect)
                    except ParseError:
                        return None
                    return None if isinstance(parsed, exp.Command) else parsed
        return None

    # ---- CREATE TABLE ------------------------------------------------------------------------------

    def _create(self, create: exp.Create, location: Location, dialect: str) -> None:
        schema = create.this
        name, namespace = _table_name(schema)
        if not isinstance(schema, exp.Schema):
            self.drafts.warnings.append(
                ERWarning(
                    f"{name}: CREATE TABLE … AS / LIKE; its columns are not in the DDL",
                    location,
                    "unsupported",
                )
            )
            return
        key = f"{namespace}.{name}" if namespace else name
        if key in self._tables:
            self.drafts.warnings.append(
                ERWarning(
                    f"table {key} is created again (first at {self._tables[key].entity.location}); "
                    "the later definition is kept",
                    location,
                    "unsupported",
                )
            )
            self.drafts.entities.remove(self._tables[key])
            self.drafts.refs = [r for r in self.drafts.refs if r.owner is not self._tables[key]]
        entity = Entity(name, name, kind="table", namespace=namespace, location=location)
        draft = EntityDraft(entity, aliases=[name] + ([key] if namespace else []))
        self.drafts.entities.append(draft)
        self._tables[key] = draft
        self._tables.setdefault(name, draft)
        properties = create.args.get("properties")
        for prop in properties.expressions if properties else []:
            if isinstance(prop, exp.SchemaCommentProperty):
                entity.description = prop.this.name
        for item in schema.expressions:
            if isinstance(item, exp.ColumnDef):
                self._column(draft, item, location, dialect)
        for item in schema.expressions:
            if not isinstance(item, exp.ColumnDef):
                self._table_constraint(draft, item, location)

    def _column(self, draft: EntityDraft, column: exp.ColumnDef, location: Location, dialect: str) -> None:
        kind = column.args.get("kind")
        attribute = Attribute(
            name=_name(column.this),
            type=kind.sql(dialect=dialect).replace(", ", ",") if kind is not None else "",
            location=location,
        )
        existing = draft.entity.attribute(attribute.name)
        if existing is not None:
            draft.entity.attributes.remove(existing)
        draft.entity.attributes.append(attribute)
        for constraint in column.constraints:
            self._column_constraint(draft, attribute, constraint.args.get("kind"), location, dialect)
        if attribute.pk:
            attribute.nullable = False

    def _column_constraint(
        self,
        draft: EntityDraft,
        attribute: Attribute,
        kind: exp.Expression | None,
        location: Location,
        dialect: str,
    ) -> None:
        if isinstance(kind, exp.NotNullColumnConstraint):
            attribute.nullable = bool(kind.args.get("allow_null"))
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            attribute.pk, attribute.nullable = True, False
        elif isinstance(kind, exp.UniqueColumnConstraint):
            attribute.unique = True
        elif isinstance(kind, exp.DefaultColumnConstraint) and not isinstance(kind.this, exp.Null):
            attribute.default = kind.this.sql(dialect=dialect) if kind.this is not None else None
        elif isinstance(kind, exp.CommentColumnConstraint):
            attribute.description = kind.this.name
        elif isinstance(kind, exp.Reference):
            self._foreign_key(draft, [attribute.name], kind, location)

    def _table_constraint(self, draft: EntityDraft, item: exp.Expression, location: Location) -> None:
        if isinstance(item, exp.Constraint):
            for inner in item.expressions:
                self._table_constraint(draft, inner, location)
        elif isinstance(item, exp.PrimaryKey):
            for name in (_name(e) for e in item.expressions):
                attribute = draft.entity.attribute(name)
                if attribute is None:
                    self.drafts.warnings.append(
                        ERWarning(
                            f"{draft.entity.name}: primary key column {name} is not a column",
                            location,
                            "unresolved-reference",
                        )
                    )
                else:
                    attribute.pk, attribute.nullable = True, False
        elif isinstance(item, exp.ForeignKey):
            reference = item.args.get("reference")
            if isinstance(reference, exp.Reference):
                self._foreign_key(draft, [_name(e) for e in item.expressions], reference, location)
        elif isinstance(item, exp.UniqueColumnConstraint):
            columns = item.this.expressions if isinstance(item.this, exp.Schema) else []
            if len(columns) == 1:
                attribute = draft.entity.attribute(_name(columns[0]))
                if attribute is not None:
                    attribute.unique = True

    def _foreign_key(
        self, draft: EntityDraft, columns: list[str], reference: exp.Reference, location: Location
    ) -> None:
        target = reference.this
        target_columns = [_name(e) for e in target.expressions] if isinstance(target, exp.Schema) else []
        table, schema = _table_name(target)
        written = f"{schema}.{table}" if schema else table
        for position, name in enumerate(columns):
            attribute = draft.entity.attribute(name)
            if attribute is not None:
                attribute.fk = Ref(
                    written, target_columns[position] if position < len(target_columns) else None
                )
        nullable = any(getattr(draft.entity.attribute(c), "nullable", True) for c in columns)
        self.drafts.refs.append(
            RefDraft(
                owner=draft,
                target=written,
                kind=FK,
                columns=columns,
                target_columns=target_columns,
                nullable=nullable,
                evidence=f"FOREIGN KEY ({', '.join(columns)}) REFERENCES {written}",
                location=location,
            )
        )

    # ---- statements applied after every file -------------------------------------------------------

    def read(self) -> Drafts:
        for statement, location, dialect in self._pending:
            if isinstance(statement, exp.Alter):
                self._alter(statement, location, dialect)
            elif isinstance(statement, exp.Comment):
                self._comment(statement, location)
            elif isinstance(statement, exp.Create):
                self._index(statement, location)
        self._pending.clear()
        return self.drafts

    def _draft(self, table: exp.Expression | None, location: Location, what: str) -> EntityDraft | None:
        name, schema = _table_name(table)
        draft = self._tables.get(f"{schema}.{name}" if schema else name) or self._tables.get(name)
        if draft is None and name:
            self.drafts.warnings.append(
                ERWarning(
                    f"{what} for table {name}, which no CREATE TABLE defines",
                    location,
                    "unresolved-reference",
                )
            )
        return draft

    def _alter(self, alter: exp.Alter, location: Location, dialect: str) -> None:
        if str(alter.args.get("kind", "TABLE")).upper() != "TABLE":
            return
        draft = self._draft(alter.this, location, "ALTER TABLE")
        if draft is None:
            return
        for action in alter.args.get("actions") or []:
            if isinstance(action, exp.AddConstraint):
                for constraint in action.expressions:
                    self._table_constraint(draft, constraint, location)
            elif isinstance(action, exp.ColumnDef):
                self._column(draft, action, location, dialect)

    def _comment(self, comment: exp.Comment, location: Location) -> None:
        kind = str(comment.args.get("kind", "")).upper()
        text = comment.expression.name if comment.expression is not None else ""
        target = comment.this
        if kind == "TABLE":
            draft = self._draft(target, location, "COMMENT ON TABLE")
            if draft is not None:
                draft.entity.description = text
        elif kind == "COLUMN" and isinstance(target, exp.Column):
            table = exp.Table(this=target.args.get("table"), db=target.args.get("db"))
            draft = self._draft(table, location, "COMMENT ON COLUMN")
            attribute = draft.entity.attribute(target.name) if draft is not None else None
            if attribute is not None:
                attribute.description = text
            elif draft is not None:
                self.drafts.warnings.append(
                    ERWarning(
                        f"COMMENT ON COLUMN {draft.entity.name}.{target.name}: no such column",
                        location,
                        "unresolved-reference",
                    )
                )

    def _index(self, create: exp.Create, location: Location) -> None:
        """`CREATE [UNIQUE] INDEX`: its leading column is indexed (what SQL checks ask); a unique
        index on one column makes that column unique."""
        index = create.this
        params = index.args.get("params")
        columns = params.args.get("columns") if params is not None else None
        if not columns:
            return
        what = "CREATE UNIQUE INDEX" if create.args.get("unique") else "CREATE INDEX"
        draft = self._draft(index.args.get("table"), location, what)
        attribute = draft.entity.attribute(_name(columns[0])) if draft is not None else None
        if attribute is None:
            return
        attribute.indexed = True
        if create.args.get("unique") and len(columns) == 1:
            attribute.unique = True
