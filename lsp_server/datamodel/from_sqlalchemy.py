"""SQLAlchemy models read from source: declarative classes in the classic style (`Column`,
`ForeignKey`, `relationship`, `backref`) and the 2.0 style (`Mapped[...]`, `mapped_column`,
`Annotated` type aliases), mixins and `__abstract__` bases, single-table inheritance, and
module-level `Table(...)` objects (association tables for many-to-many).

Classes are recognised by what SQLAlchemy itself needs (a declarative base, `__tablename__`,
mapped columns) rather than by the import alone, so models whose `Base` lives in a file that
was not read are still found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lsp_server.datamodel.drafts import FK, MANY_TO_MANY, NAVIGATION, Drafts, EntityDraft, RefDraft, reported
from lsp_server.datamodel.hierarchy import ClassIndex
from lsp_server.datamodel.model import Attribute, Entity, ERWarning, Location, Ref
from lsp_server.datamodel.pysource import (
    Call,
    Expr,
    Lambda,
    Mapping,
    Name,
    PyClass,
    PyField,
    PyModule,
    Seq,
    Str,
    Subscript,
    call_name,
    const_of,
    flag,
    last,
    parse_expression,
    string_of,
    text_of,
)
from lsp_server.datamodel.pytypes import analyse

COLUMN_CALLS = {"Column", "mapped_column"}
RELATIONSHIP_CALLS = {"relationship", "relation", "Relationship"}
# Mapped attributes computed from other columns: not storage, so not attributes of the entity.
DERIVED_CALLS = {
    "column_property",
    "synonym",
    "composite",
    "association_proxy",
    "deferred",
    "query_expression",
    "hybrid_property",
    "declared_attr",
    "object_session",
    "backref",
    "dynamic_loader",
}
ROOT_BASES = {"DeclarativeBase", "DeclarativeBaseNoMeta"}
BASE_FACTORIES = {"declarative_base", "generate_base", "automap_base"}
NOT_TYPES = {
    "ForeignKey",
    "Sequence",
    "Identity",
    "Computed",
    "CheckConstraint",
    "Index",
    "FetchedValue",
    "DefaultClause",
}
MAPPED_ANNOTATIONS = {"Mapped", "WriteOnlyMapped", "DynamicMapped"}
_TABLE_MARKERS = {"__tablename__", "__table__", "__table_args__"}

ROOT, ENTITY, MIXIN, SINGLE_TABLE = "root", "entity", "mixin", "single-table"


def snake_case(name: str) -> str:
    """Flask-SQLAlchemy's automatic table name: `OrderItem` → `order_item`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


@dataclass
class _Column:
    attribute: Attribute
    fk_target: str | None = None
    fk_column: str | None = None
    evidence: str = ""


def _is_mapped_annotation(expr: Expr | None) -> bool:
    if isinstance(expr, Str):
        expr = parse_expression(expr.value)
    return (
        isinstance(expr, Subscript)
        and isinstance(expr.value, Name)
        and last(expr.value.dotted) in MAPPED_ANNOTATIONS
    )


def _has_marker(cls: PyClass) -> bool:
    for fld in cls.fields:
        if fld.name in _TABLE_MARKERS or fld.name == "__abstract__":
            return True
        if call_name(fld.value) in COLUMN_CALLS | RELATIONSHIP_CALLS or _is_mapped_annotation(fld.annotation):
            return True
    return False


def _field(cls: PyClass, name: str) -> PyField | None:
    return next((f for f in cls.fields if f.name == name), None)


class SqlAlchemyReader:
    """Reads every SQLAlchemy model of a set of modules into drafts."""

    def __init__(self, index: ClassIndex) -> None:
        self.index = index
        self.drafts = Drafts()
        self._roles: dict[int, str | None] = {}
        self._entities: dict[int, EntityDraft] = {}
        self._tables: dict[str, str] = {}  # module-level variable → table name
        self._base_vars: set[str] = set()
        self._flask_vars: set[str] = set()
        for module in index.modules:
            self._scan_module(module)

    # ---- which classes are models ----------------------------------------------------------------

    def _scan_module(self, module: PyModule) -> None:
        for var, (_, value, _) in module.assignments.items():
            name = call_name(value)
            if name in BASE_FACTORIES:
                self._base_vars.add(var)
            elif name == "SQLAlchemy":
                self._flask_vars.add(var)
            elif (
                name == "Table" and isinstance(value, Call) and value.args and isinstance(value.args[0], Str)
            ):
                self._tables[var] = value.args[0].value

    def _reaches(self, cls: PyClass) -> tuple[bool, bool]:
        """(reaches a declarative base, reaches Flask-SQLAlchemy's `db.Model`)."""
        root = flask = False
        for klass in [cls, *self.index.ancestors(cls)]:
            for name in self.index.base_names(klass):
                head, _, tail = name.rpartition(".")
                if last(name) in ROOT_BASES or last(name) in self._base_vars:
                    root = True
                if tail == "Model" and (
                    last(head) in {*self._flask_vars, "db"} or head.startswith("flask_sqlalchemy")
                ):
                    flask = True
            if any(last(text_of(d)).startswith("as_declarative") for d in klass.decorators):
                root = True
        return root or flask, flask

    def role(self, cls: PyClass) -> str | None:
        key = id(cls)
        if key not in self._roles:
            self._roles[key] = None  # a guard against inheritance cycles
            self._roles[key] = self._classify(cls)
        return self._roles[key]

    def _classify(self, cls: PyClass) -> str | None:
        names = self.index.base_names(cls)
        if any(last(n) in ROOT_BASES for n in names):
            return ROOT
        if any(last(n) == "SQLModel" for n in self.index.base_names(cls)):
            return None
        ancestors = self.index.ancestors(cls)
        if not (_has_marker(cls) or any(_has_marker(a) for a in ancestors)):
            return None
        if const_of(_field(cls, "__abstract__").value if _field(cls, "__abstract__") else None) is True:
            return MIXIN
        if _field(cls, "__tablename__") or _field(cls, "__table__"):
            return ENTITY
        if any(self.role(a) == ENTITY for a in ancestors):
            return SINGLE_TABLE
        root, _ = self._reaches(cls)
        return ENTITY if root else MIXIN

    def claims(self, cls: PyClass) -> bool:
        return self.role(cls) is not None

    # ---- reading -----------------------------------------------------------------------------------

    def read(self) -> Drafts:
        for module in self.index.modules:
            for var, (_, value, pos) in module.assignments.items():
                if call_name(value) == "Table" and isinstance(value, Call):
                    with reported(self.drafts.warnings, f"Table {var}", Location(module.path, *pos)):
                        self._table(module, var, value, pos)
        classes = [c for c in self.index if self.role(c) in (ENTITY, SINGLE_TABLE)]
        for cls in classes:
            if self.role(cls) == ENTITY:
                with reported(self.drafts.warnings, f"SQLAlchemy model {cls.name}", cls.location()):
                    self._entities[id(cls)] = self._entity(cls)
        for cls in classes:
            if self.role(cls) == SINGLE_TABLE:
                parent = next((a for a in self.index.ancestors(cls) if self.role(a) == ENTITY), None)
                if parent is not None and id(parent) in self._entities:
                    draft = self._entities[id(parent)]
                    draft.aliases.append(cls.name)
                    with reported(self.drafts.warnings, f"SQLAlchemy model {cls.name}", cls.location()):
                        self._fill(draft, cls, [(cls, f) for f in cls.fields], single_table=True)
        return self.drafts

    def _entity(self, cls: PyClass) -> EntityDraft:
        location = cls.location()
        tablename = string_of(_field(cls, "__tablename__").value) if _field(cls, "__tablename__") else None
        table_value = _field(cls, "__table__")
        if table_value is not None and isinstance(table_value.value, Call) and table_value.value.args:
            tablename = string_of(table_value.value.args[0])
        _, flask = self._reaches(cls)
        if tablename is None:
            tablename = snake_case(cls.name) if flask else cls.name.lower()
            if not flask:
                self.drafts.warnings.append(
                    ERWarning(
                        f"{cls.name}: table name is not a literal `__tablename__`; assumed {tablename!r}",
                        location,
                        "unsupported",
                    )
                )
        entity = Entity(cls.name, tablename, kind="sqlalchemy", namespace=cls.module.name, location=location)
        draft = EntityDraft(entity, aliases=[cls.name, tablename])
        self.drafts.entities.append(draft)
        fields = [(base, f) for base in reversed(self._mixins(cls)) for f in base.fields]
        fields += [(cls, f) for f in cls.fields]
        self._fill(draft, cls, fields)
        if table_value is not None and isinstance(table_value.value, Call):
            for item in table_value.value.args[1:]:
                self._table_item(draft, cls.module, item, location)
        return draft

    def _mixins(self, cls: PyClass) -> list[PyClass]:
        """Bases whose columns are copied into this class's table: stop at mapped classes."""
        found: list[PyClass] = []
        stack = list(reversed(self.index.bases(cls)))
        while stack:
            base = stack.pop()
            if base in found or self.role(base) in (ENTITY, SINGLE_TABLE, ROOT):
                continue
            found.append(base)
            stack.extend(reversed(self.index.bases(base)))
        return found

    def _fill(
        self,
        draft: EntityDraft,
        cls: PyClass,
        fields: list[tuple[PyClass, PyField]],
        single_table: bool = False,
    ) -> None:
        chosen: dict[str, tuple[PyClass, PyField]] = {}
        for owner, fld in fields:
            chosen[fld.name] = (owner, fld)  # a subclass overrides its mixins
        table_args: list[tuple[PyClass, PyField]] = []
        for owner, fld in chosen.values():
            if fld.name == "__table_args__":
                table_args.append((owner, fld))
            elif not fld.name.startswith("__"):
                self._member(draft, owner, fld, single_table)
        for owner, fld in table_args:
            self._table_args(draft, owner, fld)

    def _member(self, draft: EntityDraft, cls: PyClass, fld: PyField, single_table: bool) -> None:
        name = call_name(fld.value)
        if name in COLUMN_CALLS and isinstance(fld.value, Call):
            self._add_column(draft, cls, fld.name, fld.value, fld.annotation, fld.pos, single_table)
        elif name in RELATIONSHIP_CALLS and isinstance(fld.value, Call):
            self._relationship(draft, cls, fld.name, fld.value, fld.annotation, fld.pos)
        elif fld.value is None and _is_mapped_annotation(fld.annotation):
            self._add_column(
                draft, cls, fld.name, Call(Name("mapped_column")), fld.annotation, fld.pos, single_table
            )
        elif (
            isinstance(fld.value, Call)
            and name not in DERIVED_CALLS
            and (_is_mapped_annotation(fld.annotation) or name.endswith(("Column", "column")))
        ):
            self.drafts.warnings.append(
                ERWarning(
                    f"{cls.name}.{fld.name}: `{text_of(fld.value.func)}(...)` is not a column or "
                    "relationship this reader understands",
                    cls.location(fld.pos),
                    "unsupported",
                )
            )

    # ---- columns -----------------------------------------------------------------------------------

    def _annotated_alias(self, cls: PyClass, annotation: Expr | None) -> tuple[Expr | None, Call | None]:
        """`intpk = Annotated[int, mapped_column(primary_key=True)]` used as `Mapped[intpk]`."""
        if isinstance(annotation, Str):
            annotation = parse_expression(annotation.value)
        inner = annotation.items[0] if isinstance(annotation, Subscript) and annotation.items else None
        if (
            isinstance(inner, Subscript)
            and isinstance(inner.value, Name)
            and last(inner.value.dotted) == "Optional"
        ):
            inner = inner.items[0] if inner.items else None
        if not isinstance(inner, Name):
            return None, None
        for module in [cls.module, *self.index.modules]:
            assigned = module.assignments.get(last(inner.dotted))
            value = assigned[1] if assigned else None
            if (
                isinstance(value, Subscript)
                and isinstance(value.value, Name)
                and last(value.value.dotted) == "Annotated"
            ):
                call = next((i for i in value.items[1:] if call_name(i) in COLUMN_CALLS), None)
                return (value.items[0] if value.items else None), call if isinstance(call, Call) else None
        return None, None

    def _column(
        self,
        cls_name: str,
        module: PyModule,
        name: str | None,
        call: Call,
        annotation: Expr | None,
        location: Location,
        alias: tuple[Expr | None, Call | None] = (None, None),
    ) -> _Column | None:
        alias_type, alias_call = alias
        args = (alias_call.args if alias_call else []) + call.args
        kwargs = {**(alias_call.kwargs if alias_call else {}), **call.kwargs}
        merged = Call(call.func, args, kwargs, call.pos)
        column_name: str | None = None
        type_text = ""
        fk: Call | None = None
        for position, arg in enumerate(args):
            if isinstance(arg, Str) and position == 0:
                column_name = arg.value
            elif call_name(arg) == "ForeignKey" and isinstance(arg, Call):
                fk = arg
            elif call_name(arg) in NOT_TYPES:
                continue
            elif isinstance(arg, Name | Call) and not type_text:
                type_text = text_of(arg, short=True)
        if "type_" in kwargs:
            type_text = text_of(kwargs["type_"], short=True)
        column_name = string_of(kwargs.get("name")) or column_name
        name = name or column_name
        if name is None:
            self.drafts.warnings.append(
                ERWarning(f"{cls_name}: a column without a name", location, "unsupported")
            )
            return None
        info = analyse(alias_type or annotation) if (alias_type or annotation) is not None else None
        if not type_text and info is not None:
            type_text = info.display
        pk = flag(merged, "primary_key", False)
        if "nullable" in kwargs:
            nullable = flag(merged, "nullable", True)
        elif info is not None and call_name(call) == "mapped_column":
            nullable = info.nullable  # 2.0: `Mapped[Optional[str]]` is the only way to say NULL
        else:
            nullable = True
        description = string_of(kwargs.get("comment")) or string_of(kwargs.get("doc")) or ""
        default = kwargs.get("server_default") or kwargs.get("default")
        attribute = Attribute(
            name=name,
            type=type_text,
            pk=pk,
            nullable=nullable and not pk,
            unique=flag(merged, "unique", False),
            indexed=flag(merged, "index", False),
            description=description,
            column=column_name if column_name and column_name != name else None,
            default=text_of(default, short=True) if default is not None else None,
            location=location,
        )
        if not type_text and fk is None:
            self.drafts.warnings.append(
                ERWarning(f"{cls_name}.{name}: column type not given", location, "unknown-type")
            )
        column = _Column(attribute)
        if fk is not None:
            target = self._fk_target(fk, module)
            if target is None:
                self.drafts.warnings.append(
                    ERWarning(
                        f"{cls_name}.{name}: foreign key target `{text_of(fk)}` not understood",
                        location,
                        "unresolved-reference",
                    )
                )
            else:
                column.fk_target, column.fk_column = target
                attribute.fk = Ref(*target)
                column.evidence = text_of(fk, short=True)
        return column

    def _fk_target(self, fk: Call, module: PyModule) -> tuple[str, str | None] | None:
        if not fk.args:
            return None
        target = fk.args[0]
        if isinstance(target, Lambda):
            target = target.body
        if isinstance(target, Str):
            table, _, column = target.value.rpartition(".")
            return (table, column) if table else (column, None)
        if isinstance(target, Name):
            parts = target.dotted.split(".")
            if len(parts) >= 3 and parts[-2] == "c":  # users.c.id, User.__table__.c.id
                owner = parts[0]
                return self._tables.get(owner, owner), parts[-1]
            if len(parts) >= 2:
                return parts[-2], parts[-1]
        return None

    def _add_column(
        self,
        draft: EntityDraft,
        cls: PyClass,
        name: str,
        call: Call,
        annotation: Expr | None,
        pos: tuple[int, int],
        single_table: bool,
    ) -> None:
        location = cls.location(pos)
        alias = self._annotated_alias(cls, annotation)
        column = self._column(cls.name, cls.module, name, call, annotation, location, alias)
        if column is None:
            return
        if single_table:
            if draft.entity.attribute(column.attribute.name) is not None:
                return
            column.attribute.nullable = True  # other classes' rows share the table
        self._append(draft, column, location)

    def _append(self, draft: EntityDraft, column: _Column, location: Location) -> None:
        existing = draft.entity.attribute(column.attribute.name)
        if existing is not None:
            draft.entity.attributes.remove(existing)
        draft.entity.attributes.append(column.attribute)
        if column.fk_target is not None:
            self.drafts.refs.append(
                RefDraft(
                    owner=draft,
                    target=column.fk_target,
                    kind=FK,
                    columns=[column.attribute.name],
                    target_columns=[column.fk_column] if column.fk_column else [],
                    nullable=column.attribute.nullable,
                    evidence=column.evidence,
                    location=location,
                )
            )

    # ---- relationships -----------------------------------------------------------------------------

    def _table_name_of(self, expr: Expr | None) -> str | None:
        if isinstance(expr, Lambda):
            expr = expr.body
        if isinstance(expr, Str):
            return expr.value
        if isinstance(expr, Name):
            return self._tables.get(last(expr.dotted), last(expr.dotted))
        return None

    def _relationship(
        self,
        draft: EntityDraft,
        cls: PyClass,
        name: str,
        call: Call,
        annotation: Expr | None,
        pos: tuple[int, int],
    ) -> None:
        location = cls.location(pos)
        info = analyse(annotation) if annotation is not None else None
        target: str | None = None
        if call.args:
            first = call.args[0].body if isinstance(call.args[0], Lambda) else call.args[0]
            if isinstance(first, Str):
                target = last(first.value.strip())
            elif isinstance(first, Name):
                target = last(first.dotted)
        if target is None and info is not None:
            target = info.target
        if target is None:
            self.drafts.warnings.append(
                ERWarning(
                    f"{cls.name}.{name}: relationship target not understood", location, "unresolved-reference"
                )
            )
            return
        if "uselist" in call.kwargs:
            collection: bool | None = flag(call, "uselist", True)
        elif info is not None and info.display:
            collection = info.collection
        elif const_of(call.kwargs.get("lazy")) == "dynamic":
            collection = True
        else:
            collection = None
        back = string_of(call.kwargs.get("back_populates"))
        back_scalar = False
        backref = call.kwargs.get("backref")
        if isinstance(backref, Str):
            back = backref.value
        elif isinstance(backref, Call) and backref.args:
            back = string_of(backref.args[0])
            back_scalar = not flag(backref, "uselist", True)
        through = self._table_name_of(call.kwargs.get("secondary"))
        self.drafts.refs.append(
            RefDraft(
                owner=draft,
                target=target,
                kind=MANY_TO_MANY if through else NAVIGATION,
                field_name=name,
                back=back,
                through=through,
                collection=collection,
                back_scalar=back_scalar,
                remote_side="remote_side" in call.kwargs,
                foreign_keys=_names_in(call.kwargs.get("foreign_keys")),
                nullable=info.nullable if info is not None else True,
                evidence=f"relationship({target!r})",
                location=location,
            )
        )

    # ---- tables and table arguments --------------------------------------------------------------

    def _table(self, module: PyModule, var: str, call: Call, pos: tuple[int, int]) -> None:
        location = Location(module.path, *pos)
        name = string_of(call.args[0]) if call.args else None
        if name is None:
            self.drafts.warnings.append(
                ERWarning(f"{var}: Table() without a literal name", location, "unsupported")
            )
            return
        schema = string_of(call.kwargs.get("schema"))
        entity = Entity(
            name,
            name,
            kind="sqlalchemy",
            namespace=schema or module.name,
            description=string_of(call.kwargs.get("comment")) or "",
            location=location,
        )
        draft = EntityDraft(entity, aliases=[name, var] + ([f"{schema}.{name}"] if schema else []))
        self.drafts.entities.append(draft)
        for item in call.args[1:]:
            self._table_item(draft, module, item, location)
        if not entity.attributes and "autoload_with" in call.kwargs:
            self.drafts.warnings.append(
                ERWarning(
                    f"{name}: columns are reflected from the database, not in the source",
                    location,
                    "unsupported",
                )
            )

    def _table_item(self, draft: EntityDraft, module: PyModule, item: Expr, location: Location) -> None:
        if call_name(item) == "Column" and isinstance(item, Call):
            item_location = Location(location.path, *item.pos)
            column = self._column(draft.entity.name, module, None, item, None, item_location)
            if column is not None:
                self._append(draft, column, item_location)
        elif isinstance(item, Call):
            self._constraint(draft, item, Location(location.path, *item.pos))

    def _table_args(self, draft: EntityDraft, cls: PyClass, fld: PyField) -> None:
        items: list[Expr] = []
        value = fld.value
        if isinstance(value, Seq):
            items = value.items
        elif isinstance(value, Mapping | Call):
            items = [value]
        for item in items:
            if isinstance(item, Mapping):
                comment = string_of(item.items.get("comment"))
                if comment:
                    draft.entity.description = comment
            elif isinstance(item, Call):
                self._constraint(draft, item, cls.location(item.pos))

    def _constraint(self, draft: EntityDraft, call: Call, location: Location) -> None:
        kind = call_name(call)
        entity = draft.entity
        if kind == "PrimaryKeyConstraint":
            for column in _names_in(Seq(call.args)):
                attribute = entity.attribute(column)
                if attribute is not None:
                    attribute.pk, attribute.nullable = True, False
        elif kind == "UniqueConstraint" and len(call.args) == 1:
            attribute = entity.attribute(_names_in(call.args[0])[0]) if _names_in(call.args[0]) else None
            if attribute is not None:
                attribute.unique = True
        elif kind == "ForeignKeyConstraint" and len(call.args) >= 2:
            columns = _names_in(call.args[0])
            targets = [t for t in (_dotted_string(e) for e in _items(call.args[1])) if t]
            if not columns or len(targets) != len(columns):
                self.drafts.warnings.append(
                    ERWarning(
                        f"{entity.name}: {text_of(call, short=True)} not understood", location, "unsupported"
                    )
                )
                return
            table = targets[0].rpartition(".")[0]
            target_columns = [t.rpartition(".")[2] for t in targets]
            for column, target_column in zip(columns, target_columns, strict=True):
                attribute = entity.attribute(column)
                if attribute is not None:
                    attribute.fk = Ref(table, target_column)
            nullable = all(getattr(entity.attribute(c), "nullable", True) for c in columns)
            self.drafts.refs.append(
                RefDraft(
                    owner=draft,
                    target=table,
                    kind=FK,
                    columns=[entity.attribute(c).name if entity.attribute(c) else c for c in columns],
                    target_columns=target_columns,
                    nullable=nullable,
                    evidence=text_of(call, short=True),
                    location=location,
                )
            )


def _items(expr: Expr) -> list[Expr]:
    return expr.items if isinstance(expr, Seq) else [expr]


def _dotted_string(expr: Expr) -> str | None:
    if isinstance(expr, Str):
        return expr.value
    if isinstance(expr, Name):
        return expr.dotted
    return None


def _names_in(expr: Expr | None) -> list[str]:
    """Column names in `["a", "b"]`, `[Order.a, b]`, `"[Order.a]"` or one name: last parts only."""
    if expr is None:
        return []
    if isinstance(expr, Str):
        parsed = parse_expression(expr.value)
        if parsed is not None and not isinstance(parsed, Str):
            return _names_in(parsed)
        return [last(expr.value)]
    if isinstance(expr, Name):
        return [last(expr.dotted)]
    if isinstance(expr, Seq):
        return [name for item in expr.items for name in _names_in(item)]
    return []
