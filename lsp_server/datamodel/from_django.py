"""Django models read from source: fields, `ForeignKey`/`OneToOneField`/`ManyToManyField`
(with `through`), abstract bases whose fields are inherited, multi-table inheritance (the
implicit `<parent>_ptr` one-to-one), the implicit `id` primary key, `related_name`, string
references (`"app.Model"`, `"self"`), `settings.AUTH_USER_MODEL`, and app labels.

The app label is `Meta.app_label`, else the `label` of the AppConfig in the app's `apps.py`,
else the directory that holds `models.py` (or the `models/` package), which is what Django
derives from `INSTALLED_APPS` in the usual layout. Project settings read from the same files
(`AUTH_USER_MODEL` and other `*_MODEL` settings, `DEFAULT_AUTO_FIELD`, an AppConfig's
`default_auto_field`) are honoured.

Reusable apps (django-oscar and the like) define each concrete model under a guard in
`models.py` (`if not is_model_registered(...)`), as an empty subclass of an abstract model
from another module whose `Meta` it inherits; the module reader reads guarded classes, and
`Meta` is inherited the way Django does it (see `DjangoReader.meta`). A relation to a swappable
model (`settings.AUTH_USER_MODEL`) whose source was not read is kept: it points to a stand-in
entity marked swappable, rather than being dropped.
"""

from __future__ import annotations

from pathlib import PurePath

from lsp_server.datamodel.drafts import (
    FK,
    MANY_TO_MANY,
    ONE_TO_ONE_FK,
    Drafts,
    EntityDraft,
    RefDraft,
    reported,
)
from lsp_server.datamodel.hierarchy import ClassIndex
from lsp_server.datamodel.model import Attribute, Entity, ERWarning, Location, Ref
from lsp_server.datamodel.pysource import (
    Call,
    Expr,
    Name,
    PyClass,
    PyField,
    call_name,
    const_of,
    flag,
    last,
    string_of,
    text_of,
)

RELATION_FIELDS = {"ForeignKey": FK, "OneToOneField": ONE_TO_ONE_FK, "ManyToManyField": MANY_TO_MANY}
VIRTUAL_FIELDS = {"GenericForeignKey", "GenericRelation", "ForeignObject", "ForeignObjectRel"}
# Size arguments worth showing in the type: CharField(100), DecimalField(10,2).
_SIZE_ARGS = ("max_length", "max_digits", "decimal_places")
_INDEXED_FIELDS = ("ForeignKey", "OneToOneField", "SlugField")  # Django gives these an index by default
DEFAULT_USER_MODEL = "auth.User"


def app_dir_of(path: str) -> PurePath:
    """`shop/models.py`, `shop/models/order.py` and `shop/apps.py` all belong to the app in `shop`."""
    parent = PurePath(path).parent
    return parent.parent if parent.name == "models" and len(parent.parts) >= 2 else parent


def app_label_of(path: str) -> str:
    """`shop/models.py` and `shop/models/order.py` both belong to app `shop`."""
    parts = PurePath(path).parts
    if len(parts) >= 3 and parts[-2] == "models":
        return parts[-3]
    return parts[-2] if len(parts) >= 2 else PurePath(path).stem


class DjangoReader:
    """Reads every Django model of a set of modules into drafts."""

    def __init__(self, index: ClassIndex) -> None:
        self.index = index
        self.drafts = Drafts()
        self._is_model: dict[int, bool] = {}
        self.user_model = DEFAULT_USER_MODEL
        self.auto_field = "AutoField"
        self._app_auto_field: dict[str, str] = {}
        self._app_labels: dict[PurePath, str] = {}  # an app's directory → its AppConfig.label
        self._swappable: dict[str, str] = {"AUTH_USER_MODEL": DEFAULT_USER_MODEL}  # setting → model
        self._stand_ins: dict[str, str] = {}  # a swappable model relations point to → its setting
        self._settings()

    def _settings(self) -> None:
        # An app's own name for a swappable setting, resolved once all settings are read:
        # `APPLICATION_MODEL = getattr(settings, "OAUTH2_PROVIDER_APPLICATION_MODEL", "app.Model")`.
        aliases: list[tuple[str, str, str]] = []  # (name, setting, default)
        for module in self.index.modules:
            for var, (_, value, _) in module.assignments.items():
                if var.endswith("_MODEL") and var.isupper() and _model_label(string_of(value)):
                    self._swappable[var] = string_of(value) or ""
                elif var.endswith("_MODEL") and var.isupper() and call_name(value) == "getattr":
                    args = value.args if isinstance(value, Call) else []
                    setting = string_of(args[1]) if len(args) > 1 else None
                    default = string_of(args[2]) if len(args) > 2 else None
                    if setting and _model_label(default):
                        aliases.append((var, setting, default or ""))
                elif var == "DEFAULT_AUTO_FIELD" and string_of(value):
                    self.auto_field = last(string_of(value) or "AutoField")
            for cls in module.classes:
                if any(last(n) == "AppConfig" for n in self.index.base_names(cls)):
                    self._app_config(cls)
        for var, setting, default in aliases:
            self._swappable.setdefault(setting, default)
            self._swappable.setdefault(var, self._swappable[setting])
        self.user_model = self._swappable["AUTH_USER_MODEL"]

    def _app_config(self, cls: PyClass) -> None:
        """An AppConfig's `label` names the app in `"label.Model"` references and tables (the
        first config of a directory wins, as the default one comes first); its
        `default_auto_field` types the implicit keys."""
        label = next((string_of(f.value) for f in cls.fields if f.name == "label"), None)
        if label:
            self._app_labels.setdefault(app_dir_of(cls.module.path), label)
        field = next((f for f in cls.fields if f.name == "default_auto_field"), None)
        if field is not None and string_of(field.value):
            app = label or app_label_of(cls.module.path)
            self._app_auto_field[app] = last(string_of(field.value) or "")

    # ---- which classes are models ------------------------------------------------------------------

    def claims(self, cls: PyClass) -> bool:
        key = id(cls)
        if key not in self._is_model:
            self._is_model[key] = False  # a guard against inheritance cycles
            self._is_model[key] = self._classify(cls)
        return self._is_model[key]

    def _classify(self, cls: PyClass) -> bool:
        names = self.index.base_names(cls)
        for name in names:
            if _django_model_base(name) or name == "models.Model":  # no import read: still Django
                return True
            base = self.index.find(name, near=cls)
            if base is not None and base is not cls and self.claims(base):
                return True
        # A base from a package that was not read (`model_utils.models.TimeStampedModel`): the
        # class is a model if it declares Django fields itself.
        external = [n for n in names if self.index.find(n, near=cls) is None]
        if not external or any(last(n).endswith(_NOT_MODEL_BASES) for n in external):
            return False
        return any(_is_django_field(cls.qualify(f.value)) and f.name != "output_field" for f in cls.fields)

    def _meta(self, cls: PyClass, key: str) -> object:
        return const_of(self.meta(cls).get(key))

    def meta(self, cls: PyClass, seen: frozenset[int] = frozenset()) -> dict[str, Expr]:
        """The `Meta` options a model has, inherited as Django does: a model without a
        `class Meta` takes its first abstract parent's; `class Meta(Parent.Meta)` extends the
        parent's; a concrete parent's is never inherited (but for ordering, which is no
        concern here). `abstract` itself is never inherited: see `abstract`."""
        if id(cls) in seen:
            return {}
        seen = seen | {id(cls)}
        if cls.meta_bases is None:
            parent = next((b for b in self.index.bases(cls) if self.claims(b) and self.abstract(b)), None)
            inherited = self.meta(parent, seen) if parent is not None else {}
            return {k: v for k, v in inherited.items() if k != "abstract"}
        options: dict[str, Expr] = {}
        for base in reversed(cls.meta_bases):
            owner = self._meta_owner(base, cls)
            if owner is not None:
                options.update({k: v for k, v in self.meta(owner, seen).items() if k != "abstract"})
        options.update(cls.meta)
        return options

    def _meta_owner(self, base: Expr, cls: PyClass) -> PyClass | None:
        """The model whose `Meta` a `class Meta(AbstractOrder.Meta)` extends."""
        if not isinstance(base, Name) or not base.dotted.endswith(".Meta"):
            return None
        name = cls.qualify(Name(base.dotted.rsplit(".", 1)[0]))
        owner = self.index.find(name, near=cls)
        return owner if owner is not None and owner is not cls else None

    def abstract(self, cls: PyClass) -> bool:
        """Only a model's own `Meta` makes it abstract: Django sets `abstract = False` on the
        `Meta` it hands down."""
        return const_of(cls.meta.get("abstract")) is True

    def app_label(self, cls: PyClass) -> str:
        label = string_of(self.meta(cls).get("app_label"))
        if label:
            return label
        for base in self.index.ancestors(cls):  # an abstract base's app_label is inherited
            if self.abstract(base) and string_of(base.meta.get("app_label")):
                return string_of(base.meta.get("app_label")) or ""
        return self._app_labels.get(app_dir_of(cls.module.path)) or app_label_of(cls.module.path)

    # ---- reading -----------------------------------------------------------------------------------

    def read(self) -> Drafts:
        models = [c for c in self.index if self.claims(c) and not self.abstract(c)]
        for cls in models:
            if self._meta(cls, "proxy") is True:
                continue  # a proxy shares its parent's table and fields: not an entity of its own
            if self._swapped(cls):
                continue  # replaced by the model its setting names: Django has no table for it
            with reported(self.drafts.warnings, f"Django model {cls.name}", cls.location()):
                self._model(cls)
        self._add_stand_ins()
        return self.drafts

    def _swapped(self, cls: PyClass) -> bool:
        """`Meta.swappable = "AUTH_USER_MODEL"` while the settings name another model."""
        setting = string_of(self.meta(cls).get("swappable"))
        chosen = self._swappable.get(setting or "")
        return bool(chosen) and chosen.lower() != f"{self.app_label(cls)}.{cls.name}".lower()

    def _add_stand_ins(self) -> None:
        """A swappable model that relations point to but whose source was not read (the user
        model of `django.contrib.auth`): a stand-in entity, marked swappable, keeps those
        relations instead of dropping them as unresolved."""
        known = {alias.lower() for d in self.drafts.entities for alias in d.aliases}
        for target, setting in self._stand_ins.items():
            if target.lower() in known:
                continue
            app, _, name = target.rpartition(".")
            entity = Entity(
                name,
                f"{app}_{name.lower()}",
                kind="django",
                namespace=app,
                description=f"swappable model (settings.{setting}); its source was not read",
                evidence=f"swappable: settings.{setting}",
            )
            entity.attributes.append(Attribute("id", self.auto_field, pk=True, nullable=False, unique=True))
            self.drafts.entities.append(EntityDraft(entity, aliases=[target]))
            known.add(target.lower())

    def _model(self, cls: PyClass) -> None:
        app = self.app_label(cls)
        meta = self.meta(cls)
        table = string_of(meta.get("db_table")) or f"{app}_{cls.name.lower()}"
        description = string_of(meta.get("db_table_comment")) or string_of(meta.get("verbose_name")) or ""
        entity = Entity(
            cls.name, table, kind="django", namespace=app, description=description, location=cls.location()
        )
        draft = EntityDraft(entity, aliases=[cls.name, f"{app}.{cls.name}", table])
        self.drafts.entities.append(draft)
        external = [
            n for n in self.index.external_bases(cls) if n.startswith("django.") and last(n) != "Model"
        ]
        for name in external:
            self.drafts.warnings.append(
                ERWarning(
                    f"{cls.name}: fields inherited from {name} are not shown (its source was not read; "
                    "add it to the paths to include them)",
                    cls.location(),
                    "unresolved-reference",
                )
            )
        concrete_parents = [
            b
            for b in self.index.bases(cls)
            if self.claims(b) and not self.abstract(b) and self._meta(b, "proxy") is not True
        ]
        fields: dict[str, tuple[PyClass, PyField]] = {}
        for base in reversed(self._abstract_chain(cls)):
            for fld in base.fields:
                fields[fld.name] = (base, fld)
        for fld in cls.fields:
            fields[fld.name] = (cls, fld)
        for parent in concrete_parents:
            if not any(
                flag(f.value, "parent_link", False) for _, f in fields.values() if isinstance(f.value, Call)
            ):
                self._parent_link(draft, cls, parent)
        for owner, fld in fields.values():
            self._field(draft, owner, fld)
        if not any(a.pk for a in entity.attributes):
            auto = self._app_auto_field.get(app, self.auto_field)
            entity.attributes.insert(
                0, Attribute("id", auto, pk=True, nullable=False, unique=True, location=cls.location())
            )

    def _abstract_chain(self, cls: PyClass) -> list[PyClass]:
        """Abstract bases whose fields this model inherits: stop at concrete models."""
        found: list[PyClass] = []
        stack = list(reversed(self.index.bases(cls)))
        while stack:
            base = stack.pop()
            if base in found or not self.claims(base) or not self.abstract(base):
                continue
            found.append(base)
            stack.extend(reversed(self.index.bases(base)))
        return found

    def _parent_link(self, draft: EntityDraft, cls: PyClass, parent: PyClass) -> None:
        name = f"{parent.name.lower()}_ptr"
        target = f"{self.app_label(parent)}.{parent.name}"
        location = cls.location()
        draft.entity.attributes.insert(
            0,
            Attribute(
                name,
                "OneToOneField",
                pk=True,
                nullable=False,
                unique=True,
                fk=Ref(target),
                column=f"{name}_id",
                location=location,
            ),
        )
        self.drafts.refs.append(
            RefDraft(
                owner=draft,
                target=target,
                kind=ONE_TO_ONE_FK,
                field_name=name,
                back=cls.name.lower(),
                columns=[name],
                nullable=False,
                evidence=f"multi-table inheritance from {parent.name}",
                location=location,
            )
        )

    def _field(self, draft: EntityDraft, cls: PyClass, fld: PyField) -> None:
        call = fld.value
        kind = call_name(call)
        if not isinstance(call, Call) or fld.name.isupper() or fld.name.startswith("_"):
            return  # constants and class attributes, not fields
        location = cls.location(fld.pos)
        if kind in RELATION_FIELDS:
            self._relation(draft, cls, fld.name, call, RELATION_FIELDS[kind], location)
        elif kind in VIRTUAL_FIELDS:
            self.drafts.warnings.append(
                ERWarning(
                    f"{cls.name}.{fld.name}: {kind} is a generic relation; it is not shown",
                    location,
                    "unsupported",
                )
            )
        elif kind.endswith("Field"):
            draft.entity.attributes.append(self._attribute(fld.name, call, location, positional_verbose=True))
        elif not kind.lower().endswith(("manager", "validator", "queryset")) and kind not in (
            "property",
            "cached_property",
        ):
            self.drafts.warnings.append(
                ERWarning(
                    f"{cls.name}.{fld.name}: `{text_of(call.func)}(...)` is not a field type this reader "
                    "knows; not shown",
                    location,
                    "unknown-type",
                )
            )

    def _attribute(
        self, name: str, call: Call, location: Location, positional_verbose: bool = False
    ) -> Attribute:
        """A field's column; `positional_verbose`: the first positional argument is the
        verbose name (it is the related model for relation fields)."""
        kind = call_name(call)
        sizes = [text_of(call.kwargs[k]) for k in _SIZE_ARGS if k in call.kwargs]
        type_text = f"{kind}({','.join(sizes)})" if sizes else kind
        verbose = string_of(call.kwargs.get("verbose_name"))
        if verbose is None and positional_verbose and call.args:
            verbose = string_of(call.args[0])
        description = string_of(call.kwargs.get("db_comment")) or "; ".join(
            t for t in (verbose, string_of(call.kwargs.get("help_text"))) if t
        )
        default = call.kwargs.get("default") or call.kwargs.get("db_default")
        pk = flag(call, "primary_key", False)
        return Attribute(
            name=name,
            type=type_text,
            pk=pk,
            nullable=flag(call, "null", False) and not pk,
            unique=flag(call, "unique", False) or pk,
            # Django indexes every foreign key unless told not to
            indexed=flag(call, "db_index", kind in _INDEXED_FIELDS),
            description=description,
            column=string_of(call.kwargs.get("db_column")),
            default=text_of(default, short=True) if default is not None else None,
            location=location,
        )

    def _target(self, expr: Expr | None, cls: PyClass) -> str | None:
        setting = self._setting_of(expr)
        if setting is not None and setting in self._swappable:
            return self._swappable[setting]
        text = string_of(expr)
        if text is not None:
            return text if text == "self" or "." in text else f"{self.app_label(cls)}.{text}"
        if isinstance(expr, Name):
            return last(expr.dotted)
        return None

    def _setting_of(self, expr: Expr | None) -> str | None:
        """The setting a swappable reference names: `settings.AUTH_USER_MODEL`, the same
        imported bare, `get_user_model()`, `getattr(settings, "SHOP_MODEL", "shop.Order")` (whose
        default counts unless the settings read set it)."""
        if isinstance(expr, Name):
            name = last(expr.dotted)
            if name.isupper() and (name.endswith("_MODEL") or expr.dotted.startswith("settings.")):
                return name
            return None
        if call_name(expr) == "get_user_model":
            return "AUTH_USER_MODEL"
        if isinstance(expr, Call) and call_name(expr) == "getattr" and len(expr.args) >= 2:
            name = string_of(expr.args[1])
            default = string_of(expr.args[2]) if len(expr.args) > 2 else None
            if name and _model_label(default):
                self._swappable.setdefault(name, default or "")
            return name
        return None

    def _relation(
        self, draft: EntityDraft, cls: PyClass, name: str, call: Call, kind: str, location: Location
    ) -> None:
        target_expr = call.kwargs.get("to") or (call.args[0] if call.args else None)
        target = self._target(target_expr, cls)
        setting = self._setting_of(target_expr)
        swappable = f", swappable: settings.{setting}" if target and setting in self._swappable else ""
        if swappable and setting:
            self._stand_ins.setdefault(target or "", setting)
        if target is None:
            self.drafts.warnings.append(
                ERWarning(
                    f"{cls.name}.{name}: related model `{text_of(target_expr)}` not understood",
                    location,
                    "unresolved-reference",
                )
            )
            return
        related = string_of(call.kwargs.get("related_name"))
        back = (
            None
            if related is None or related.endswith("+")
            else related.replace("%(class)s", cls.name.lower())
        )
        if kind == MANY_TO_MANY:
            through = self._target(call.kwargs.get("through"), cls) if "through" in call.kwargs else None
            self.drafts.refs.append(
                RefDraft(
                    owner=draft,
                    target=target,
                    kind=MANY_TO_MANY,
                    field_name=name,
                    back=back,
                    through=through,
                    evidence=f"ManyToManyField({target!r}{swappable})",
                    location=location,
                )
            )
            return
        attribute = self._attribute(name, call, location)
        attribute.type = call_name(call)
        to_field = string_of(call.kwargs.get("to_field"))
        attribute.fk = Ref(target, to_field)
        attribute.column = attribute.column or f"{name}_id"
        if kind == ONE_TO_ONE_FK:
            attribute.unique = True
        draft.entity.attributes.append(attribute)
        self.drafts.refs.append(
            RefDraft(
                owner=draft,
                target=target,
                kind=kind,
                field_name=name,
                back=back,
                columns=[name],
                target_columns=[to_field] if to_field else [],
                nullable=attribute.nullable,
                evidence=f"{call_name(call)}({target!r}{swappable})",
                location=location,
            )
        )


# Bases of classes that declare fields without being models: expressions, forms, serializers…
_NOT_MODEL_BASES = (
    "Func",
    "Transform",
    "Lookup",
    "Aggregate",
    "Expression",
    "Index",
    "Constraint",
    "Field",
    "Form",
    "Serializer",
    "Admin",
    "Operation",
    "Manager",
    "QuerySet",
    "Migration",
    "Command",
    "TestCase",
    "Widget",
)

# Django's own model bases, by qualified name: the ones a project inherits from.
DJANGO_MODEL_BASES = {
    "django.db.models.Model",
    "django.db.models.base.Model",
    "django.contrib.gis.db.models.Model",
    "django.contrib.auth.models.AbstractUser",
    "django.contrib.auth.models.AbstractBaseUser",
    "django.contrib.auth.models.PermissionsMixin",
    "django.contrib.auth.base_user.AbstractBaseUser",
    "django.contrib.sessions.base_session.AbstractBaseSession",
    "django.contrib.sessions.models.AbstractBaseSession",
}


def _model_label(text: str | None) -> bool:
    """`"auth.User"`: what a swappable setting holds."""
    return bool(text) and text.count(".") == 1 and all(p.isidentifier() for p in text.split("."))


def _django_model_base(name: str) -> bool:
    return name in DJANGO_MODEL_BASES


def _is_django_field(qualified: str) -> bool:
    return qualified.startswith(("django.db.models.", "models.")) and (
        qualified.endswith("Field") or last(qualified) in RELATION_FIELDS
    )
