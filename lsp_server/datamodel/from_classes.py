"""Plain model classes read from source: dataclasses, pydantic `BaseModel`s, attrs classes
(`@attr.s` + `attr.ib`, `@define`/`@frozen` + annotations) and SQLModel tables.

Attributes come from the annotations; an annotation that names another model class is also a
reference (`customer: Customer` many-to-one, `items: list[Item]` one-to-many,
`Optional[X]`/`X | None` optional), resolved across files by the resolver. SQLModel's
`Field(primary_key=True, foreign_key="team.id")` and `Relationship(back_populates=…)` are read
as the keys and relationships they declare.
"""

from __future__ import annotations

from lsp_server.datamodel.drafts import FK, NAVIGATION, Drafts, EntityDraft, RefDraft, reported
from lsp_server.datamodel.hierarchy import ClassIndex
from lsp_server.datamodel.model import Attribute, Entity, Location, Ref
from lsp_server.datamodel.pysource import (
    Call,
    Expr,
    Mapping,
    PyClass,
    PyField,
    call_name,
    flag,
    last,
    string_of,
    text_of,
)
from lsp_server.datamodel.pytypes import TypeInfo, analyse

_ATTRS_DECORATORS = {
    "attr.s",
    "attr.attrs",
    "attr.attributes",
    "attr.define",
    "attr.mutable",
    "attr.frozen",
    "attr.dataclass",
    "attrs.define",
    "attrs.mutable",
    "attrs.frozen",
}
_ATTRS_FIELDS = {"ib", "attrib", "attr", "field"}  # attr.ib(), attr.attrib(), attrs.field()
_FIELD_CALLS = {"Field", "field", "ib", "attrib", "PrivateAttr"}
_SKIP_NAMES = {"model_config", "Config", "__slots__", "__tablename__"}
_NOT_MODELS = {
    "Enum",
    "IntEnum",
    "StrEnum",
    "Flag",
    "IntFlag",
    "Protocol",
    "TypedDict",
    "NamedTuple",
    "Exception",
}

DATACLASS, PYDANTIC, ATTRS, SQLMODEL = "dataclass", "pydantic", "attrs", "sqlmodel"


class ClassesReader:
    """Reads dataclasses, pydantic, attrs and SQLModel classes into drafts."""

    def __init__(self, index: ClassIndex) -> None:
        self.index = index
        self.drafts = Drafts()
        self._kinds: dict[int, str | None] = {}

    def kind(self, cls: PyClass) -> str | None:
        key = id(cls)
        if key not in self._kinds:
            self._kinds[key] = None  # a guard against inheritance cycles
            self._kinds[key] = self._classify(cls)
        return self._kinds[key]

    def claims(self, cls: PyClass) -> bool:
        return self.kind(cls) is not None

    def _decorator_kind(self, cls: PyClass) -> str | None:
        for decorator in cls.decorators:
            qualified = cls.qualify(decorator)
            if last(qualified) == "dataclass" and not qualified.startswith("attr"):
                return DATACLASS
            if qualified in _ATTRS_DECORATORS or (
                last(qualified) in {"define", "frozen", "mutable", "s", "attrs"}
                and qualified.startswith("attr")
            ):
                return ATTRS
        return None

    def _auto_attribs(self, cls: PyClass) -> bool:
        """`@define` reads annotations; classic `@attr.s` only with `auto_attribs=True`."""
        for decorator in cls.decorators:
            if last(cls.qualify(decorator)) in {"s", "attrs", "attributes"}:
                return isinstance(decorator, Call) and flag(decorator, "auto_attribs", False)
        return True

    def _classify(self, cls: PyClass) -> str | None:
        names = self.index.base_names(cls)
        if any(last(n) in _NOT_MODELS for n in names):
            return None
        decorated = self._decorator_kind(cls)
        if decorated:
            return decorated
        for name in names:
            if last(name) == "SQLModel":
                return SQLMODEL if _is_true(cls.keywords.get("table")) else PYDANTIC
            if last(name) in ("BaseModel", "RootModel") and (name.startswith("pydantic") or "." not in name):
                return PYDANTIC
        for base in self.index.bases(cls):
            inherited = self.kind(base)
            if inherited in (PYDANTIC, SQLMODEL):
                return SQLMODEL if _is_true(cls.keywords.get("table")) else PYDANTIC
        return None

    def read(self, classes: list[PyClass]) -> Drafts:
        for cls in classes:
            with reported(self.drafts.warnings, f"class {cls.name}", cls.location()):
                self._model(cls, self.kind(cls) or DATACLASS)
        return self.drafts

    def _model(self, cls: PyClass, kind: str) -> None:
        table = cls.name.lower() if kind == SQLMODEL else None
        explicit = next((string_of(f.value) for f in cls.fields if f.name == "__tablename__"), None)
        table = explicit or table
        description = cls.doc
        entity = Entity(
            cls.name,
            table,
            kind=kind,
            namespace=cls.module.name,
            description=description,
            location=cls.location(),
        )
        draft = EntityDraft(entity, aliases=[cls.name] + ([table] if table else []))
        self.drafts.entities.append(draft)
        fields: dict[str, tuple[PyClass, PyField]] = {}
        for base in reversed(self.index.ancestors(cls)):
            if self.kind(base) is not None:
                for fld in base.fields:
                    fields[fld.name] = (base, fld)
        for fld in cls.fields:
            fields[fld.name] = (cls, fld)
        for owner, fld in fields.values():
            self._field(draft, owner, fld, self.kind(owner) or kind)

    def _field(self, draft: EntityDraft, cls: PyClass, fld: PyField, kind: str) -> None:
        if fld.name in _SKIP_NAMES or fld.name.startswith("__"):
            return
        if fld.name.startswith("_") and kind in (PYDANTIC, SQLMODEL):
            return  # pydantic's private attributes are not fields; a dataclass's are
        value = fld.value
        helper = call_name(value) if isinstance(value, Call) else ""
        if (
            kind == ATTRS
            and helper not in _ATTRS_FIELDS
            and (fld.annotation is None or not self._auto_attribs(cls))
        ):
            return  # classic `@attr.s`: only `attr.ib()` makes a field
        if fld.annotation is None and kind != ATTRS:
            return
        if helper == "PrivateAttr":
            return
        location = cls.location(fld.pos)
        annotation = fld.annotation
        call = value if isinstance(value, Call) and helper in _FIELD_CALLS | {"Relationship"} else None
        if annotation is None and call is not None and "type" in call.kwargs:
            annotation = call.kwargs["type"]
        info = analyse(annotation)
        if info.classvar:
            return
        if helper == "Relationship" and call is not None:
            self._reference(
                draft, cls, fld.name, info, location, back=string_of(call.kwargs.get("back_populates"))
            )
            return
        default: Expr | None = (
            value if call is None else (call.kwargs.get("default") or (call.args[0] if call.args else None))
        )
        description = ""
        if call is not None:
            description = (
                string_of(call.kwargs.get("description")) or string_of(call.kwargs.get("title")) or ""
            )
            metadata = call.kwargs.get("metadata")
            if isinstance(metadata, Mapping):
                description = description or next(
                    (
                        string_of(metadata.items[k]) or ""
                        for k in ("description", "doc", "help")
                        if k in metadata.items
                    ),
                    "",
                )
        pk = call is not None and flag(call, "primary_key", False)
        attribute = Attribute(
            name=fld.name,
            type=info.display,
            pk=pk,
            nullable=(info.nullable or (call is not None and flag(call, "nullable", False))) and not pk,
            unique=call is not None and flag(call, "unique", False),
            description=description,
            default=text_of(default, short=True)
            if default is not None and text_of(default) != "..."
            else None,
            location=location,
        )
        draft.entity.attributes.append(attribute)
        foreign = string_of(call.kwargs.get("foreign_key")) if call is not None else None
        if foreign:
            table, _, column = foreign.rpartition(".")
            attribute.fk = Ref(table or column, column if table else None)
            self.drafts.refs.append(
                RefDraft(
                    owner=draft,
                    target=table or column,
                    kind=FK,
                    columns=[fld.name],
                    target_columns=[column] if table else [],
                    nullable=attribute.nullable,
                    evidence=f"Field(foreign_key={foreign!r})",
                    location=location,
                )
            )
        elif info.target is not None:
            self._reference(draft, cls, fld.name, info, location)

    def _reference(
        self,
        draft: EntityDraft,
        cls: PyClass,
        name: str,
        info: TypeInfo,
        location: Location,
        back: str | None = None,
    ) -> None:
        if info.target is None:
            return
        module = cls.module
        known = (
            info.target in module.imports
            or info.target in module.assignments
            or any(c.name == info.target for c in module.classes)
        )
        self.drafts.refs.append(
            RefDraft(
                owner=draft,
                target=info.target,
                kind=NAVIGATION,
                field_name=name,
                back=back,
                collection=info.collection,
                nullable=info.nullable,
                typed=back is None,
                quiet=known,
                evidence=f"{name}: {info.display}",
                location=location,
            )
        )


def _is_true(expr: Expr | None) -> bool:
    return text_of(expr) == "True"
