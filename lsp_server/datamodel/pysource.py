"""Read a Python file's classes, imports and module-level assignments with tree-sitter, into a
small expression tree the model extractors can match on without ever importing the code.

tree-sitter rather than `ast`: it parses what it can of a broken file (a half-edited buffer
still yields its models), and it is the parser the rest of Ubiq already uses. Only the shapes a
model declaration uses are kept (names, calls, subscripts, literals, `X | Y`); anything else
becomes `Other` with its text, so an extractor can still report it.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass, field

from tree_sitter import Node

from lsp_server.context.treesitter import (
    ClassSyntax,
    Lines,
    assignment_of,
    decorator_name,
    first_error,
    node_text,
    parse,
    read_class,
    split_arguments,
    unwrap_decorated,
)
from lsp_server.datamodel.model import Location

Pos = tuple[int, int]  # 1-based line and column


@dataclass
class Name:
    """A name, or attributes taken off one (`sa.Integer`): what extractors match callees and bases
    on."""

    dotted: str  # "Column", "sa.Integer", "settings.AUTH_USER_MODEL"
    pos: Pos = (1, 1)


@dataclass
class Str:
    """A string literal's value, escapes decoded and adjacent literals joined; an f-string is
    `Other`."""

    value: str
    pos: Pos = (1, 1)


@dataclass
class Const:
    """A number, True, False or None; `text` keeps it as written, for defaults shown to people."""

    value: object  # int, float, bool or None
    text: str
    pos: Pos = (1, 1)


@dataclass
class Call:
    """A call: most declarations are one (`Column(...)`, `models.ForeignKey(...)`)."""

    func: Expr
    args: list[Expr] = field(default_factory=list)
    kwargs: dict[str, Expr] = field(default_factory=dict)
    pos: Pos = (1, 1)


@dataclass
class Subscript:
    """`X[...]`, mostly in annotations: `Mapped[int]`, `list["Order"]`."""

    value: Expr
    items: list[Expr] = field(default_factory=list)
    pos: Pos = (1, 1)


@dataclass
class Union:
    """`X | Y`, flattened: `A | B | C` is one union of three items."""

    items: list[Expr] = field(default_factory=list)  # `X | Y` in an annotation or expression
    pos: Pos = (1, 1)


@dataclass
class Seq:
    """A list, tuple or set literal; which of them makes no difference to a declaration."""

    items: list[Expr] = field(default_factory=list)  # a list, tuple or set literal
    pos: Pos = (1, 1)


@dataclass
class Mapping:
    """A dict literal; only items with string keys are kept, the ones an extractor looks up."""

    items: dict[str, Expr] = field(default_factory=dict)  # a dict literal's string keys
    pos: Pos = (1, 1)


@dataclass
class Lambda:
    """`lambda: X`: SQLAlchemy accepts targets this way to defer them, so extractors look through
    it."""

    body: Expr
    pos: Pos = (1, 1)


@dataclass
class Other:
    """Any other expression, kept as its text so that an extractor can still report it."""

    text: str
    pos: Pos = (1, 1)


Expr = Name | Str | Const | Call | Subscript | Union | Seq | Mapping | Lambda | Other


@dataclass
class PyField:
    """`name: annotation = value` in a class body (or a `declared_attr` method's return)."""

    name: str
    annotation: Expr | None
    value: Expr | None
    pos: Pos


@dataclass
class PyClass:
    """A class reduced to what model declarations are made of; it keeps its module to qualify names
    and to place locations."""

    name: str
    bases: list[Expr]
    keywords: dict[str, Expr]  # class keywords: `table=True`, `metaclass=…`
    decorators: list[Expr]
    fields: list[PyField]
    meta: dict[str, Expr]  # Django's inner `class Meta` assignments
    pos: Pos
    module: PyModule = field(repr=False)
    doc: str = ""  # the docstring's first line
    # the bases of the inner `class Meta(...)` (`AbstractOrder.Meta`); None: no `class Meta`
    meta_bases: list[Expr] | None = None

    def location(self, pos: Pos | None = None) -> Location:
        line, column = pos or self.pos
        return Location(self.module.path, line, column)

    def qualify(self, expr: Expr | None) -> str:
        return self.module.qualify(expr)


@dataclass
class PyModule:
    """One file's classes, imports and module-level assignments, read without importing it."""

    path: str
    name: str  # dotted module name, from the path
    imports: dict[str, str] = field(default_factory=dict)  # local name → qualified name
    classes: list[PyClass] = field(default_factory=list)
    assignments: dict[str, tuple[Expr | None, Expr | None, Pos]] = field(default_factory=dict)
    error: Pos | None = None  # the first syntax error, if the file did not parse cleanly
    star_imports: list[str] = field(default_factory=list)  # modules of `from X import *`

    def absolute(self, source: str) -> str:
        """`from .abstract_models import X` in `shop.models` imports from
        `shop.abstract_models`: a relative module made absolute, so that the right one of
        several same-named modules is found (`shop.abstract_models`, `cart.abstract_models`).
        Kept relative when the module's own name is too short to say."""
        stripped = source.lstrip(".")
        level = len(source) - len(stripped)
        if not level or not self.name:
            return source
        package = self.name.split(".")
        if not self.path.replace("\\", "/").endswith("/__init__.py"):
            package = package[:-1]
        if level - 1 > len(package) or (level - 1 == len(package) and not stripped):
            return source
        parts = package[: len(package) - (level - 1)]
        return ".".join([*parts, stripped] if stripped else parts) or source

    def qualify(self, expr: Expr | None) -> str:
        """The dotted name an expression stands for, with the first part resolved through the
        imports: `sa.Column` → `sqlalchemy.Column`. Calls qualify as their callee."""
        if isinstance(expr, Call):
            expr = expr.func
        if not isinstance(expr, Name):
            return ""
        head, _, rest = expr.dotted.partition(".")
        resolved = self.imports.get(head, head)
        return f"{resolved}.{rest}" if rest else resolved


def last(dotted: str) -> str:
    return dotted.rsplit(".", 1)[-1]


_GETTEXT = {"_", "gettext", "gettext_lazy", "ugettext_lazy", "pgettext_lazy", "N_"}


def string_of(expr: Expr | None) -> str | None:
    """A string literal's value, looking through translation calls: `_("name")`."""
    if isinstance(expr, Str):
        return expr.value
    if (
        isinstance(expr, Call)
        and isinstance(expr.func, Name)
        and expr.args
        and last(expr.func.dotted) in _GETTEXT
    ):
        return string_of(expr.args[-1])
    return None


def const_of(expr: Expr | None, default: object = None) -> object:
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Str):
        return expr.value
    return default


def text_of(expr: Expr | None, short: bool = False) -> str:
    """Source-like text for an expression, compact (no spaces), for types and defaults;
    `short` drops module qualifiers (`sa.String(50)` → `String(50)`)."""
    if expr is None:
        return ""
    if isinstance(expr, Name):
        return last(expr.dotted) if short else expr.dotted
    if isinstance(expr, Str):
        return repr(expr.value)
    if isinstance(expr, Const):
        return expr.text
    if isinstance(expr, Call):
        parts = [text_of(a, short) for a in expr.args]
        parts += [f"{k}={text_of(v, short)}" for k, v in expr.kwargs.items()]
        return f"{text_of(expr.func, short)}({','.join(parts)})"
    if isinstance(expr, Subscript):
        return f"{text_of(expr.value, short)}[{','.join(text_of(i, short) for i in expr.items)}]"
    if isinstance(expr, Union):
        return "|".join(text_of(i, short) for i in expr.items)
    if isinstance(expr, Seq):
        return f"[{','.join(text_of(i, short) for i in expr.items)}]"
    if isinstance(expr, Mapping):
        return "{" + ",".join(f"{k!r}:{text_of(v, short)}" for k, v in expr.items.items()) + "}"
    if isinstance(expr, Lambda):
        return f"lambda:{text_of(expr.body, short)}"
    return expr.text


class _Reader:
    """Turns one file's tree-sitter nodes into the expression tree above; `line_offset` places
    a chunk of a file at its lines in the file."""

    def __init__(self, data: bytes, line_offset: int = 0) -> None:
        self.data = data
        self.lines = Lines(data)
        self.line_offset = line_offset

    def pos(self, node: Node) -> Pos:
        line, column = self.lines.start(node)
        return line + 1 + self.line_offset, column + 1

    def expr(self, node: Node) -> Expr:
        kind, pos = node.type, self.pos(node)
        if (
            kind in ("type", "parenthesized_expression", "expression_statement")
            and node.named_child_count == 1
        ):
            return self.expr(node.named_children[0])
        if kind == "identifier":
            return Name(node_text(node), pos)
        if kind == "attribute":
            inner = self.expr(node.child_by_field_name("object"))
            attribute = node_text(node.child_by_field_name("attribute"))
            if isinstance(inner, Name):
                return Name(f"{inner.dotted}.{attribute}", pos)
            return Other(node_text(node), pos)
        if kind == "string":
            return self._string(node, pos)
        if kind == "concatenated_string":
            parts = [self.expr(child) for child in node.named_children]
            if all(isinstance(p, Str) for p in parts):
                return Str("".join(p.value for p in parts if isinstance(p, Str)), pos)
            return Other(node_text(node), pos)
        if kind in ("integer", "float"):
            text = node_text(node)
            try:
                return Const(int(text, 0) if kind == "integer" else float(text), text, pos)
            except ValueError:
                return Const(None, text, pos)
        if kind in ("true", "false", "none"):
            return Const({"true": True, "false": False, "none": None}[kind], node_text(node), pos)
        if kind == "call":
            return self._call(node, pos)
        if kind == "subscript":
            value = self.expr(node.child_by_field_name("value"))
            items = [self.expr(c) for c in node.children_by_field_name("subscript")]
            return Subscript(value, items, pos)
        if kind == "generic_type":
            head, params = node.named_children[0], node.named_children[-1]
            return Subscript(self.expr(head), [self.expr(c) for c in params.named_children], pos)
        if kind == "union_type" or (kind == "binary_operator" and self._operator(node) == "|"):
            items: list[Expr] = []
            for child in node.named_children:
                inner = self.expr(child)
                items.extend(inner.items if isinstance(inner, Union) else [inner])
            return Union(items, pos)
        if kind in ("list", "tuple", "set", "expression_list"):
            return Seq([self.expr(c) for c in node.named_children if c.type != "comment"], pos)
        if kind == "dictionary":
            return self._dict(node, pos)
        if kind == "lambda":
            return Lambda(self.expr(node.child_by_field_name("body")), pos)
        if kind == "unary_operator" and node.named_child_count == 1:
            inner = self.expr(node.named_children[0])
            if isinstance(inner, Const) and isinstance(inner.value, int | float):
                text = node_text(node)
                return Const(-inner.value if text.startswith("-") else inner.value, text, pos)
        return Other(node_text(node), pos)

    def _operator(self, node: Node) -> str:
        operator = node.child_by_field_name("operator")
        return node_text(operator) if operator is not None else ""

    def _string(self, node: Node, pos: Pos) -> Expr:
        if any(c.type == "interpolation" for c in node.children):
            return Other(node_text(node), pos)
        content = "".join(
            node_text(c) for c in node.children if c.type in ("string_content", "escape_sequence")
        )
        prefix = node_text(node.children[0]).lower() if node.children else ""
        if "r" not in prefix and "\\" in content:
            with suppress(UnicodeDecodeError):
                content = content.encode("latin-1", "backslashreplace").decode("unicode_escape")
        return Str(content, pos)

    def _call(self, node: Node, pos: Pos) -> Expr:
        args, kwargs = self._arguments(*split_arguments(node.child_by_field_name("arguments")))
        return Call(self.expr(node.child_by_field_name("function")), args, kwargs, pos)

    def _arguments(
        self, positional: list[Node], keywords: list[tuple[Node, Node]]
    ) -> tuple[list[Expr], dict[str, Expr]]:
        """A call's arguments or a class's bases (see `split_arguments`), keywords by name."""
        return [self.expr(node) for node in positional], {
            node_text(name): self.expr(value) for name, value in keywords
        }

    def _dict(self, node: Node, pos: Pos) -> Expr:
        items: dict[str, Expr] = {}
        for pair in node.named_children:
            if pair.type == "pair":
                key = self.expr(pair.child_by_field_name("key"))
                if isinstance(key, Str):
                    items[key.value] = self.expr(pair.child_by_field_name("value"))
        return Mapping(items, pos)


class _ModuleReader(_Reader):
    def __init__(self, data: bytes, module: PyModule, line_offset: int = 0) -> None:
        super().__init__(data, line_offset)
        self.module = module

    def read(self, root: Node) -> None:
        self._statements(root, conditional=False)
        error = first_error(root)
        if error is not None:
            self.module.error = self.pos(error)

    def _statements(self, block: Node, conditional: bool) -> None:
        """Module-level statements, and those of module-level `if`/`try` blocks: they run at
        import too, and reusable apps define their models under a guard
        (`if not is_model_registered("shop", "Order"): class Order(AbstractOrder): ...`)."""
        for child in block.named_children:
            if child.type in ("import_statement", "import_from_statement"):
                self._import(child)
            elif child.type in _BLOCKS:
                self._statements(child, conditional=conditional or child.type != "block")
            elif child.type in ("class_definition", "decorated_definition"):
                self._add_class(child, conditional)
            elif child.type == "expression_statement":
                self._add_assignment(child, conditional)

    def _add_class(self, node: Node, conditional: bool) -> None:
        """A class; under a condition only if no class of its name came first (of `if`/`else`
        or `try`/`except` branches defining it, one runs: take the first)."""
        cls = read_class(node)
        if cls is None:
            return
        name = node_text(cls.name)
        if conditional and any(c.name == name for c in self.module.classes):
            return
        self.module.classes.append(self._class(cls))

    def _add_assignment(self, node: Node, conditional: bool) -> None:
        """A module-level assignment: the last one wins, except that one under a condition
        never replaces an earlier one (it may not run)."""
        assigned = self._assignment(node)
        if assigned is None or (conditional and assigned.name in self.module.assignments):
            return
        self.module.assignments[assigned.name] = (assigned.annotation, assigned.value, assigned.pos)

    def _import(self, node: Node) -> None:
        if node.type == "import_statement":
            for name in node.children_by_field_name("name"):
                if name.type == "aliased_import":
                    target = node_text(name.child_by_field_name("name"))
                    self.module.imports[node_text(name.child_by_field_name("alias"))] = target
                else:
                    dotted = node_text(name)
                    self.module.imports.setdefault(dotted.split(".")[0], dotted.split(".")[0])
            return
        source_node = node.child_by_field_name("module_name")
        source = self.module.absolute(node_text(source_node) if source_node is not None else "")
        if any(c.type == "wildcard_import" for c in node.named_children):
            self.module.star_imports.append(source)
        for name in node.children_by_field_name("name"):
            if name.type == "aliased_import":
                target = node_text(name.child_by_field_name("name"))
                alias = node_text(name.child_by_field_name("alias"))
            else:
                target = alias = node_text(name)
            joiner = "" if source.endswith(".") else "."
            self.module.imports[alias] = f"{source}{joiner}{target}"

    def _assignment(self, statement: Node) -> PyField | None:
        assigned = assignment_of(statement)
        if assigned is None:
            return None
        right = assigned.value
        return PyField(
            node_text(assigned.name),
            self.expr(assigned.annotation) if assigned.annotation is not None else None,
            # `a = b = 1`: the value of `a` is the assignment's, which reads as none
            self.expr(right) if right is not None and right.type != "assignment" else None,
            self.pos(assigned.name),
        )

    def _declared_attr(self, decorators: list[Node], function: Node) -> PyField | None:
        """`@declared_attr def user_id(cls) -> Mapped[int]: return mapped_column(...)`."""
        names = [decorator_name(d) for d in decorators]
        if not any(n.split(".")[-1] in ("declared_attr", "directive", "cascading") for n in names):
            return None
        returned: Expr | None = None
        body = function.child_by_field_name("body")
        for statement in body.named_children if body is not None else []:
            if statement.type == "return_statement" and statement.named_child_count:
                returned = self.expr(statement.named_children[0])
                break
        annotation = function.child_by_field_name("return_type")
        name = function.child_by_field_name("name")
        return PyField(
            node_text(name),
            self.expr(annotation) if annotation is not None else None,
            returned,
            self.pos(name),
        )

    def _class(self, cls: ClassSyntax) -> PyClass:
        bases, keywords = self._arguments(cls.bases, cls.keywords)
        bases = [b for base in bases for b in _metaclass_bases(base)]
        decorators = [self.expr(d.named_children[0]) for d in cls.decorators if d.named_child_count]
        fields: list[PyField] = []
        meta: dict[str, Expr] = {}
        meta_bases: list[Expr] | None = None
        doc = ""
        for index, child in enumerate(cls.body):
            if index == 0 and child.type == "expression_statement":
                docstring = self.expr(child)
                if isinstance(docstring, Str):
                    doc = docstring.value.strip().split("\n")[0].strip()
                    continue
            inner_decorators, definition = unwrap_decorated(child)
            if child.type == "expression_statement":
                assigned = self._assignment(child)
                if assigned is not None:
                    fields.append(assigned)
            elif definition is not None and definition.type == "class_definition":
                if node_text(definition.child_by_field_name("name")) == "Meta":
                    meta = self._meta(definition)
                    meta_bases = self._class_bases(definition)
            elif definition is not None and definition.type == "function_definition" and inner_decorators:
                declared = self._declared_attr(inner_decorators, definition)
                if declared is not None:
                    fields.append(declared)
        return PyClass(
            name=node_text(cls.name),
            bases=bases,
            keywords=keywords,
            decorators=decorators,
            fields=fields,
            meta=meta,
            pos=self.pos(cls.name),
            module=self.module,
            doc=doc,
            meta_bases=meta_bases,
        )

    def _class_bases(self, node: Node) -> list[Expr]:
        return self._arguments(*split_arguments(node.child_by_field_name("superclasses")))[0]

    def _meta(self, node: Node) -> dict[str, Expr]:
        meta: dict[str, Expr] = {}
        body = node.child_by_field_name("body")
        for child in body.named_children if body is not None else []:
            if child.type == "expression_statement":
                assigned = self._assignment(child)
                if assigned is not None and assigned.value is not None:
                    meta[assigned.name] = assigned.value
        return meta


# Blocks whose statements run when the module is imported: a class or assignment in them is
# module-level; `block` is the body of each.
_BLOCKS = (
    "if_statement",
    "elif_clause",
    "else_clause",
    "try_statement",
    "except_clause",
    "finally_clause",
    "block",
)

_TOP_LEVEL = re.compile(r"^(?:class |@|def |async def )", re.MULTILINE)


def parse_module(text: str, path: str, module_name: str = "") -> PyModule:
    """Read one Python file. Never raises on bad syntax: `PyModule.error` says where it broke.

    tree-sitter's error recovery can swallow the classes after a half-written line (an unclosed
    call eats them as arguments), so a file with errors is also read chunk by chunk, each
    top-level statement on its own, and the classes that only the chunks show are kept too.
    """
    data = text.encode("utf-8")
    module = PyModule(path=path, name=module_name)
    _ModuleReader(data, module).read(parse(data).root_node)
    if module.error is not None:
        _recover_classes(text, module)
    return module


def _recover_classes(text: str, module: PyModule) -> None:
    known = {(c.name, c.pos) for c in module.classes}
    starts = [
        m.start()
        for m in _TOP_LEVEL.finditer(text)
        if not text[text.rfind("\n", 0, max(m.start() - 1, 0)) + 1 : m.start()].startswith("@")  # decorated
    ]
    if not starts:
        return
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        chunk = text[start:end]
        line_offset = text.count("\n", 0, start)
        piece = PyModule(path=module.path, name=module.name)
        reader = _ModuleReader(chunk.encode("utf-8"), piece, line_offset)
        root = parse(reader.data).root_node
        if root.has_error:
            continue
        reader.read(root)
        for cls in piece.classes:
            if (cls.name, cls.pos) not in known:
                cls.module = module
                module.classes.append(cls)
    module.classes.sort(key=lambda c: c.pos)


def parse_expression(text: str) -> Expr | None:
    """An expression from a string, for forward references such as `Mapped["list[Order]"]`."""
    data = text.strip().encode("utf-8")
    root = parse(data).root_node
    if root.has_error or root.named_child_count != 1:
        return None
    statement = root.named_children[0]
    if statement.type != "expression_statement" or statement.named_child_count != 1:
        return None
    return _Reader(data).expr(statement.named_children[0])


def call_name(expr: Expr | None) -> str:
    """The last part of a call's callee (`sa.Column(...)` → `Column`), or "" if not a call."""
    if isinstance(expr, Call) and isinstance(expr.func, Name):
        return last(expr.func.dotted)
    return ""


def flag(call: Call, name: str, default: bool) -> bool:
    """A boolean keyword argument; anything but a literal keeps the default."""
    value = call.kwargs.get(name)
    return value.value if isinstance(value, Const) and isinstance(value.value, bool) else default


def _metaclass_bases(base: Expr) -> list[Expr]:
    """The bases behind a six-style `with_metaclass(Meta, Base, ...)` base (django-organizations
    builds every model so): Python 2 compatible code names its bases there, the metaclass first."""
    if isinstance(base, Call) and isinstance(base.func, Name) and base.func.dotted.endswith("with_metaclass"):
        return list(base.args[1:])
    return [base]
