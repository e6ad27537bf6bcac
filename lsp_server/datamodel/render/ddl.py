"""SQL DDL for a chosen dialect, built as sqlglot expressions (so quoting, type spelling and
comment syntax are the dialect's own): one `CREATE TABLE` per entity, composite primary keys,
foreign keys, a join table for each many-to-many that has no association entity, and the
descriptions as MySQL `COMMENT`s, PostgreSQL `COMMENT ON` statements or `--` comments.

Foreign keys are added with `ALTER TABLE` after every table exists (tables may reference each
other in a cycle), except in SQLite, which cannot add constraints later and does not need to.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import ParseError

from lsp_server.datamodel.model import MANY_TO_MANY, Entity, ERModel, Relationship
from lsp_server.datamodel.render.view import column_name, table_name
from lsp_server.datamodel.sqltypes import sql_type

DIALECTS = ("postgres", "mysql", "sqlite")


def collection_attributes(model: ERModel) -> set[tuple[str, str]]:
    """(entity, attribute) pairs that hold a collection of another entity: not columns."""
    found = set()
    for rel in model.relationships:
        if rel.to_columns:
            continue
        if rel.from_field:
            found.add((rel.from_entity, rel.from_field))
        if rel.cardinality == MANY_TO_MANY and rel.to_field:
            found.add((rel.to_entity, rel.to_field))
    return found


def foreign_keys(entity: Entity, model: ERModel) -> list[tuple[list[str], Entity, list[str]]]:
    """(attributes here, referenced entity, its attributes) for each foreign key the entity
    holds, a typed reference (`customer: Customer`) included when the target has a key."""
    keys = []
    for rel in model.relationships:
        parent = model.entity(rel.from_entity)
        if rel.to_entity != entity.name or rel.cardinality == MANY_TO_MANY or parent is None:
            continue
        columns = rel.to_columns or (
            [rel.to_field] if rel.to_field and entity.attribute(rel.to_field) else []
        )
        referenced = rel.from_columns or [a.name for a in parent.primary_key]
        if columns and len(columns) == len(referenced):
            keys.append((columns, parent, referenced))
    return keys


def join_table(rel: Relationship, model: ERModel) -> tuple[str, str, str] | None:
    """(table, left column, right column) of the join table a many-to-many without an
    association entity needs, or None when it has one or an end has no single-column key."""
    if rel.cardinality != MANY_TO_MANY or (rel.through is not None and model.entity(rel.through) is not None):
        return None
    left, right = model.entity(rel.from_entity), model.entity(rel.to_entity)
    if left is None or right is None or len(left.primary_key) != 1 or len(right.primary_key) != 1:
        return None
    left_table, right_table = table_name(left, model), table_name(right, model)
    right_column = f"{right_table}_id" if right_table != left_table else f"to_{right_table}_id"
    return f"{left_table}_{rel.from_field or right_table}", f"{left_table}_id", right_column


def _identifier(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _foreign_key(columns: list[str], table: str, referenced: list[str], name: str | None) -> exp.Expression:
    key = exp.ForeignKey(
        expressions=[_identifier(c) for c in columns],
        reference=exp.Reference(
            this=exp.Schema(
                this=exp.Table(this=_identifier(table)), expressions=[_identifier(c) for c in referenced]
            )
        ),
    )
    return exp.Constraint(this=_identifier(name), expressions=[key]) if name else key


class _Writer:
    def __init__(self, model: ERModel, dialect: str) -> None:
        self.model = model
        self.dialect = dialect
        self.tables: list[exp.Expression] = []
        self.after: list[exp.Expression] = []  # ALTER TABLE … ADD FOREIGN KEY, COMMENT ON …
        self.notes: dict[int, list[str]] = {}  # table position → `--` comments before it
        self._constraint_names: set[str] = set()

    def _key_name(self, table: str, columns: list[str]) -> str:
        base = f"fk_{table}_{'_'.join(columns)}"[:60]
        name, number = base, 2
        while name in self._constraint_names:
            name, number = f"{base}_{number}", number + 1
        self._constraint_names.add(name)
        return name

    def table(self, entity: Entity) -> None:
        table = table_name(entity, self.model)
        collections = collection_attributes(self.model)
        keys = foreign_keys(entity, self.model)
        key_columns = {c for columns, _, _ in keys for c in columns}
        primary = [a for a in entity.primary_key]
        columns: list[exp.Expression] = []
        for attribute in entity.attributes:
            if (entity.name, attribute.name) in collections and attribute.name not in key_columns:
                continue
            constraints = []
            if attribute.pk and len(primary) == 1:
                constraints.append(exp.ColumnConstraint(kind=exp.PrimaryKeyColumnConstraint()))
            elif not attribute.nullable:
                constraints.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
            if attribute.unique and not attribute.pk:
                constraints.append(exp.ColumnConstraint(kind=exp.UniqueColumnConstraint()))
            default = self._default(entity, attribute.default)
            if default is not None:
                constraints.append(exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(this=default)))
            if attribute.description and self.dialect == "mysql":
                constraints.append(
                    exp.ColumnConstraint(
                        kind=exp.CommentColumnConstraint(this=exp.Literal.string(attribute.description))
                    )
                )
            reference = self._reference_of(entity, attribute.name, keys)
            columns.append(
                exp.ColumnDef(
                    this=_identifier(attribute.column_name),
                    kind=sql_type(attribute, self.model, self.dialect) if reference is None else reference,
                    constraints=constraints or None,
                )
            )
            if attribute.description and self.dialect == "postgres":
                self.after.append(
                    exp.Comment(
                        this=exp.column(attribute.column_name, table=table, quoted=True),
                        kind="COLUMN",
                        expression=exp.Literal.string(attribute.description),
                    )
                )
            elif attribute.description and self.dialect != "mysql":
                self.notes.setdefault(len(self.tables), []).append(
                    f"{table}.{attribute.column_name}: {attribute.description}"
                )
        self._indexes(table, entity)
        if len(primary) > 1:
            columns.append(exp.PrimaryKey(expressions=[_identifier(a.column_name) for a in primary]))
        for here, parent, referenced in keys:
            self._add_key(
                table,
                [column_name(entity, c) for c in here],
                table_name(parent, self.model),
                [column_name(parent, c) for c in referenced],
                columns,
            )
        self._create(table, columns, entity.description)

    def _indexes(self, table: str, entity: Entity) -> None:
        """`CREATE INDEX` for each indexed column a key or unique constraint does not already index."""
        single_key = len(entity.primary_key) == 1
        for attribute in entity.attributes:
            if attribute.indexed and not attribute.unique and not (attribute.pk and single_key):
                column = attribute.column_name
                self.after.append(
                    exp.Create(
                        kind="INDEX",
                        this=exp.Index(
                            this=_identifier(f"ix_{table}_{column}"[:63]),
                            table=exp.Table(this=_identifier(table)),
                            params=exp.IndexParameters(columns=[_identifier(column)]),
                        ),
                    )
                )

    def _reference_of(
        self, entity: Entity, name: str, keys: list[tuple[list[str], Entity, list[str]]]
    ) -> exp.DataType | None:
        """A typed reference column (`customer: Customer`) takes the referenced key's type."""
        for columns, parent, referenced in keys:
            if name in columns and entity.attribute(name) is not None and entity.attribute(name).fk is None:
                target = parent.attribute(referenced[columns.index(name)])
                if target is not None:
                    return sql_type(target, self.model, self.dialect)
        return None

    def _default(self, entity: Entity, default: str | None) -> exp.Expression | None:
        """Only a SQL source's defaults are SQL; a Python default is not written."""
        if default is None or entity.kind != "table":
            return None
        try:
            return exp.maybe_parse(default, dialect=self.dialect)
        except ParseError:
            return None

    def _add_key(
        self, table: str, columns: list[str], parent: str, referenced: list[str], inline: list[exp.Expression]
    ) -> None:
        if self.dialect == "sqlite":
            inline.append(_foreign_key(columns, parent, referenced, None))
            return
        constraint = _foreign_key(columns, parent, referenced, self._key_name(table, columns))
        self.after.append(
            exp.Alter(
                this=exp.Table(this=_identifier(table)),
                kind="TABLE",
                actions=[exp.AddConstraint(expressions=[constraint])],
            )
        )

    def _create(self, table: str, columns: list[exp.Expression], description: str) -> None:
        properties = None
        if description and self.dialect == "mysql":
            properties = exp.Properties(
                expressions=[exp.SchemaCommentProperty(this=exp.Literal.string(description))]
            )
        elif description and self.dialect == "postgres":
            self.after.append(
                exp.Comment(
                    this=exp.Table(this=_identifier(table)),
                    kind="TABLE",
                    expression=exp.Literal.string(description),
                )
            )
        elif description:
            self.notes.setdefault(len(self.tables), []).insert(0, f"{table}: {description}")
        self.tables.append(
            exp.Create(
                kind="TABLE",
                this=exp.Schema(this=exp.Table(this=_identifier(table)), expressions=columns),
                properties=properties,
            )
        )

    def join_table(self, rel: Relationship) -> None:
        """Many-to-many with no association entity: the join table an ORM would create."""
        spec = join_table(rel, self.model)
        left, right = self.model.entity(rel.from_entity), self.model.entity(rel.to_entity)
        if spec is None or left is None or right is None:
            self.notes.setdefault(len(self.tables), []).append(
                f"{rel.from_entity} N:M {rel.to_entity}: no single-column keys, so no join table"
            )
            return
        table, left_column, right_column = spec
        left_key, right_key = left.primary_key[0], right.primary_key[0]
        columns: list[exp.Expression] = [
            exp.ColumnDef(
                this=_identifier(left_column),
                kind=sql_type(left_key, self.model, self.dialect),
                constraints=[exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())],
            ),
            exp.ColumnDef(
                this=_identifier(right_column),
                kind=sql_type(right_key, self.model, self.dialect),
                constraints=[exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())],
            ),
            exp.PrimaryKey(expressions=[_identifier(left_column), _identifier(right_column)]),
        ]
        self._add_key(table, [left_column], table_name(left, self.model), [left_key.column_name], columns)
        self._add_key(table, [right_column], table_name(right, self.model), [right_key.column_name], columns)
        self._create(table, columns, f"join table of {rel.from_entity} and {rel.to_entity}")

    def text(self) -> str:
        parts = []
        for position, create in enumerate(self.tables):
            parts.extend(f"-- {line}" for line in self.notes.get(position, []))
            parts.append(create.sql(dialect=self.dialect, identify=True, pretty=True) + ";\n")
        parts.extend(statement.sql(dialect=self.dialect, identify=True) + ";" for statement in self.after)
        parts.extend(f"-- {line}" for line in self.notes.get(len(self.tables), []))
        return "\n".join(parts).rstrip() + "\n"


def render_ddl(model: ERModel, dialect: str = "postgres") -> str:
    """`CREATE TABLE` statements for every entity, in `dialect` (any sqlglot dialect name)."""
    writer = _Writer(model, dialect)
    for entity in model.entities:
        writer.table(entity)
    for rel in model.relationships:
        if rel.cardinality == MANY_TO_MANY and (rel.through is None or model.entity(rel.through) is None):
            writer.join_table(rel)
    return writer.text()
