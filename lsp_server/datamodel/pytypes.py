"""Read a Python type annotation as the ER model needs it: the type to show, whether it may be
None, whether it is a collection, and which class it may refer to.

`Optional[X]`, `X | None`, `Mapped[...]`, `Annotated[X, ...]`, string forward references and the
usual collections (`list[X]`, `List[X]`, `set[X]`, `dict[str, X]`, `tuple[X, ...]`) are looked
through, so `Mapped[list["Order"]]` reads as "a collection of Order".
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from lsp_server.datamodel.pysource import (
    Const,
    Expr,
    Name,
    Str,
    Subscript,
    Union,
    last,
    parse_expression,
    text_of,
)

_WRAPPERS = {"Mapped", "Final", "InitVar", "Required", "NotRequired", "ReadOnly", "Annotated"}
_DYNAMIC = {"WriteOnlyMapped", "DynamicMapped"}  # SQLAlchemy collections that load lazily
_SEQUENCES = {
    "list",
    "List",
    "set",
    "Set",
    "frozenset",
    "FrozenSet",
    "tuple",
    "Tuple",
    "Sequence",
    "MutableSequence",
    "Iterable",
    "Collection",
    "AbstractSet",
    "MutableSet",
    "Deque",
    "deque",
    "Iterator",
    "conlist",
    "conset",
}
_MAPPINGS = {"dict", "Dict", "Mapping", "MutableMapping", "DefaultDict", "defaultdict", "OrderedDict"}
_OPTIONAL = {"Optional"}
_UNION = {"Union"}
# Names that are types of values, never references to another model.
KNOWN_SCALARS = frozenset(dir(builtins)) | {
    "Any",
    "Literal",
    "Decimal",
    "datetime",
    "date",
    "time",
    "timedelta",
    "UUID",
    "Path",
    "Enum",
    "IntEnum",
    "StrEnum",
    "Callable",
    "Type",
    "TypeVar",
    "Self",
    "NoneType",
    "Pattern",
    "Json",
    "EmailStr",
    "HttpUrl",
    "AnyUrl",
    "AnyHttpUrl",
    "SecretStr",
    "SecretBytes",
    "PositiveInt",
    "NegativeInt",
    "NonNegativeInt",
    "PositiveFloat",
    "StrictStr",
    "StrictInt",
    "StrictBool",
    "IPv4Address",
    "IPv6Address",
    "IPvAnyAddress",
    "ClassVar",
    "LiteralString",
    "Never",
}


@dataclass
class TypeInfo:
    """What an annotation tells the ER model, with wrappers such as `Mapped[...]` and `Optional[...]`
    already looked through."""

    display: str  # "str", "list[Order]", "Decimal"
    nullable: bool = False
    collection: bool = False
    target: str | None = None  # the one class name it may refer to, for resolution
    classvar: bool = False  # `ClassVar[...]`: a class constant, not a field


def _strip_forward(expr: Expr) -> Expr:
    if isinstance(expr, Str):
        parsed = parse_expression(expr.value)
        return parsed if parsed is not None else Name(expr.value, expr.pos)
    return expr


def _head(expr: Subscript) -> str:
    return last(expr.value.dotted) if isinstance(expr.value, Name) else ""


def _is_none(expr: Expr) -> bool:
    return isinstance(expr, Const) and expr.value is None and expr.text == "None"


def analyse(expr: Expr | None) -> TypeInfo:
    """Read an annotation; `None` (no annotation) reads as an unknown, untyped value."""
    if expr is None:
        return TypeInfo("")
    expr = _strip_forward(expr)
    if isinstance(expr, Subscript):
        head = _head(expr)
        if head == "ClassVar":
            return TypeInfo(text_of(expr), classvar=True)
        if head in _WRAPPERS and expr.items:
            return analyse(expr.items[0])
        if head in _DYNAMIC and expr.items:
            inner = analyse(expr.items[0])
            inner.collection = True
            return inner
        if head in _OPTIONAL and expr.items:
            inner = analyse(expr.items[0])
            inner.nullable = True
            return inner
        if head in _UNION:
            return _union(expr.items)
        if head in _SEQUENCES or head in _MAPPINGS:
            element = expr.items[-1] if head in _MAPPINGS else (expr.items[0] if expr.items else None)
            info = TypeInfo(
                f"{text_of(expr.value)}[{','.join(_display(i) for i in expr.items)}]", collection=True
            )
            if element is not None:
                inner = analyse(element)
                if not inner.collection:
                    info.target = inner.target
            return info
        return TypeInfo(_display(expr))
    if isinstance(expr, Union):
        return _union(expr.items)
    if isinstance(expr, Name):
        name = last(expr.dotted)
        return TypeInfo(expr.dotted, target=None if name in KNOWN_SCALARS else name)
    if _is_none(expr):
        return TypeInfo("None", nullable=True)
    return TypeInfo(text_of(expr))


def _display(expr: Expr) -> str:
    expr = _strip_forward(expr)
    if isinstance(expr, Subscript) and _head(expr) in _WRAPPERS | _OPTIONAL and expr.items:
        return _display(expr.items[0])
    if isinstance(expr, Subscript):
        return f"{text_of(expr.value)}[{','.join(_display(i) for i in expr.items)}]"
    if isinstance(expr, Union):
        return "|".join(_display(i) for i in expr.items)
    return text_of(expr)


def _union(items: list[Expr]) -> TypeInfo:
    members = [_strip_forward(i) for i in items]
    rest = [m for m in members if not _is_none(m)]
    nullable = len(rest) < len(members)
    if len(rest) == 1:
        info = analyse(rest[0])
        info.nullable = info.nullable or nullable
        return info
    return TypeInfo("|".join(_display(m) for m in rest), nullable=nullable)
