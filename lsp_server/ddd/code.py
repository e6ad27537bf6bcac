"""The facts DDD help is built on, read from the code without importing it: each class's bases,
decorators, fields and the classes they name, its methods, the attributes its methods assign after
construction, and each module's imports.

Everything later (building blocks, aggregates, contexts, rules) is decided from these facts, so a
finding can always cite the line it rests on. The class reading is `datamodel/pysource.py`'s (the
ER model's); methods are read here, from the same tree-sitter parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tree_sitter import Node

from lsp_server.context.treesitter import Lines, node_text, parse, read_class, walk
from lsp_server.datamodel.extract import module_name
from lsp_server.datamodel.pysource import (
    Call,
    Expr,
    Name,
    PyClass,
    PyModule,
    Str,
    Subscript,
    Union,
    last,
    parse_module,
    text_of,
)
from lsp_server.files import MAX_BYTES, UnreadableFile, read_text
from lsp_server.project_files import walk_project

_COLLECTIONS = {"list", "set", "tuple", "frozenset", "List", "Set", "Tuple", "FrozenSet", "Sequence",
                "Iterable", "MutableSequence", "Collection", "ManyToManyField"}  # fmt: skip
_WRAPPERS = {"Optional", "Mapped", "ClassVar", "Final", "Annotated", "relationship", "ForeignKey",
             "OneToOneField"}  # fmt: skip


@dataclass(frozen=True)
class Where:
    """A place in the code: 1-based line and column, as findings print it."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass
class FieldFact:
    """A class attribute or dataclass field, and the project classes its type or value names."""

    name: str
    type_text: str
    refers: list[str]  # class names it holds (`Customer`, or `OrderLine` of `list[OrderLine]`)
    many: bool  # a collection of them
    where: Where
    on_delete: str = ""  # Django: CASCADE, PROTECT… of a ForeignKey/OneToOneField
    foreign_key: bool = False  # ORM keys (Django ForeignKey/ManyToManyField, SQLAlchemy ForeignKey)


@dataclass
class ClassFact:
    """What one class declares: bases, decorators, fields, methods, later assignments."""

    name: str
    module: str
    where: Where
    bases: list[str]  # qualified names
    decorators: list[str]  # qualified names, with `(frozen=True)` kept as `name(frozen=True)`
    fields: list[FieldFact] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)  # defined in the body, dunders included
    mutations: list[tuple[str, Where]] = field(default_factory=list)  # `self.x = …` outside __init__
    doc: str = ""

    @property
    def behaviour(self) -> list[str]:
        """The methods that are not dunders, properties' plumbing or ORM hooks."""
        return [m for m in self.methods if not m.startswith("__") and m not in ("save", "delete", "clean")]

    def field(self, name: str) -> FieldFact | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass
class ModuleFact:
    """One module: where it is, and what it imports from where."""

    name: str
    path: str
    imports: dict[str, tuple[str, Where]]  # local name → (qualified name, where imported)
    text: str = field(default="", repr=False)  # for the rules that read function bodies


@dataclass
class DomainCode:
    """The facts of a whole project."""

    classes: dict[str, ClassFact] = field(default_factory=dict)  # by class name (first one wins)
    modules: dict[str, ModuleFact] = field(default_factory=dict)


SKIPPED = ("tests", "test", "migrations", "docs", "examples")  # their imports are not the design's


def read(paths: Sequence[Path], overrides: dict[str, str] | None = None) -> DomainCode:
    """The facts of every Python file under `paths` (files or folders), tests and migrations left
    out; unsaved texts in `overrides`. A file that cannot be read is skipped."""
    code = DomainCode()
    overrides = overrides or {}
    for given in paths:
        given = Path(given)
        if given.is_dir():
            base = package_root(given)
            files = [
                (f, base) for f in walk_project(given, lambda f: f.suffix == ".py", skip_folders=SKIPPED)
            ]
        else:
            files = [(given, None)]
        for path, base in files:
            text = overrides.get(str(path))
            if text is None:
                try:
                    text = read_text(path, MAX_BYTES)
                except UnreadableFile:
                    continue
            add_module(code, str(path), text, module_name(path, base))
    return code


def package_root(folder: Path) -> Path:
    """The folder modules are named from: above every enclosing package, as Python names them, so
    `trytond/modules/sale/sale.py` read from `trytond/modules` is `trytond.modules.sale.sale` and
    its absolute imports of the other modules resolve."""
    base = folder
    while (base / "__init__.py").exists() and base.parent != base:
        base = base.parent
    return base


def add_module(code: DomainCode, path: str, text: str, module_name: str) -> None:
    module_fact, classes = _module_facts(path, text, module_name)
    code.modules[module_name] = module_fact
    for fact in classes:
        code.classes.setdefault(fact.name, fact)


@lru_cache(maxsize=4096)
def _module_facts(path: str, text: str, module_name: str) -> tuple[ModuleFact, list[ClassFact]]:
    """One file's facts, cached by its text: the editor re-reads a project after each pause in
    typing, and only the files that changed are parsed again."""
    module = parse_module(text, path, module_name)
    data = text.encode("utf-8")
    tree = parse(data)
    lines = Lines(data)
    module_fact = ModuleFact(module_name, path, _imports(tree.root_node, module, lines, path), text)
    nodes = {node_text(c.name): c for c in map(read_class, _class_nodes(tree.root_node)) if c is not None}
    classes = []
    for cls in module.classes:
        fact = _class_fact(cls, module)
        syntax = nodes.get(cls.name)
        if syntax is not None:
            _read_methods(fact, syntax.body, lines, path)
        classes.append(fact)
    return module_fact, classes


def _class_nodes(root: Node) -> Iterable[Node]:
    for node in walk(root, into=lambda n: n.type not in ("function_definition", "class_definition")):
        if (
            node.type == "class_definition"
            and (node.parent is None or node.parent.type != "decorated_definition")
            or node.type == "decorated_definition"
        ):
            yield node


def _imports(root: Node, module: PyModule, lines: Lines, path: str) -> dict[str, tuple[str, Where]]:
    """The module's imports with where each is, at any depth (a function's late import counts)."""
    found: dict[str, tuple[str, Where]] = {}
    for node in walk(root):
        if node.type not in ("import_statement", "import_from_statement"):
            continue
        line, column = lines.start(node)
        where = Where(path, line + 1, column + 1)
        if node.type == "import_statement":
            for name in node.children_by_field_name("name"):
                dotted = node_text(
                    name.child_by_field_name("name") if name.type == "aliased_import" else name
                )
                found.setdefault(dotted, (dotted, where))
            continue
        source_node = node.child_by_field_name("module_name")
        source = module.absolute(node_text(source_node) if source_node is not None else "")
        for name in node.children_by_field_name("name"):
            target = node_text(name.child_by_field_name("name") if name.type == "aliased_import" else name)
            alias = node_text(name.child_by_field_name("alias")) if name.type == "aliased_import" else target
            found.setdefault(alias, (f"{source}.{target}", where))
        if any(c.type == "wildcard_import" for c in node.named_children):
            found.setdefault(f"{source}.*", (source, where))
    return found


def _class_fact(cls: PyClass, module: PyModule) -> ClassFact:
    line, column = cls.pos
    fact = ClassFact(
        cls.name,
        module.name,
        Where(module.path, line, column),
        [module.qualify(b) or _text(b) for b in cls.bases],
        [_decorator(module, d) for d in cls.decorators],
        doc=cls.doc,
    )
    for py in cls.fields:
        refers, many = _referred(py.annotation, module) if py.annotation is not None else ([], False)
        value_refers, value_many, on_delete, foreign = _value(py.value, module)
        line, column = py.pos
        fact.fields.append(
            FieldFact(
                py.name,
                _text(py.annotation) if py.annotation is not None else _text(py.value),
                refers or value_refers,
                many or value_many,
                Where(module.path, line, column),
                on_delete,
                foreign,
            )
        )
    return fact


def _decorator(module: PyModule, expr: Expr) -> str:
    if isinstance(expr, Call):
        options = ",".join(f"{k}={_text(v)}" for k, v in expr.kwargs.items())
        return f"{module.qualify(expr.func) or _text(expr.func)}({options})"
    return module.qualify(expr) or _text(expr)


def _text(expr: Expr | None) -> str:
    return text_of(expr, short=True)


def _referred(expr: Expr, module: PyModule) -> tuple[list[str], bool]:
    """The class names an annotation holds, and whether it holds a collection of them."""
    if isinstance(expr, Name):
        return [last(expr.dotted)], False
    if isinstance(expr, Union):
        found: list[str] = []
        many = False
        for item in expr.items:
            names, item_many = _referred(item, module)
            found += names
            many = many or item_many
        return [n for n in found if n != "None"], many
    if isinstance(expr, Subscript):
        head = last(_text(expr.value))
        inner: list[str] = []
        many = head in _COLLECTIONS
        for item in expr.items:
            names, item_many = _referred(item, module)
            inner += names
            many = many or item_many
        if head in _COLLECTIONS or head in _WRAPPERS or head in ("Union", "dict", "Dict"):
            return inner, many
        return [head], False
    if isinstance(expr, Str):  # a forward reference: "OrderLine"
        return [expr.value.split("[")[-1].rstrip("]").strip("'\"")], expr.value.startswith(("list[", "List["))
    return [], False


_PROTEAN = ("HasMany", "HasOne")  # protean's association fields: the aggregate composes its entities


def _value(expr: Expr | None, module: PyModule) -> tuple[list[str], bool, str, bool]:
    """What an assigned value names: Django's `models.ForeignKey(Customer, on_delete=CASCADE)`,
    `ManyToManyField("Tag")`, SQLAlchemy's `relationship("OrderLine")` and `Column(ForeignKey(…))`."""
    if not isinstance(expr, Call):
        return [], False, "", False
    callee = last(module.qualify(expr.func) or _text(expr.func))
    target = expr.args[0] if expr.args else expr.kwargs.get("to") or expr.kwargs.get("argument")
    names: list[str] = []
    if callee in ("ForeignKey", "OneToOneField", "ManyToManyField", "relationship", "ParentalKey", *_PROTEAN):
        if isinstance(target, Str):
            names = [target.value.split(".")[-1]]
        elif isinstance(target, Name):
            names = [last(target.dotted)]
    on_delete = expr.kwargs.get("on_delete")
    cascade = last(_text(on_delete)) if on_delete is not None else ""
    if callee == "relationship" and "delete" in _text(expr.kwargs.get("cascade")):
        cascade = "CASCADE"
    # Keys in the table (a many-to-many's in its join table): a reference by identity, not by object.
    foreign = callee in ("ForeignKey", "OneToOneField", "ManyToManyField", "ParentalKey") or any(
        isinstance(a, Call) and last(_text(a.func)) == "ForeignKey" for a in expr.args
    )
    if callee in _PROTEAN:
        cascade = "CASCADE"  # protean's HasMany/HasOne: the aggregate holds its entities
    return names, callee in ("ManyToManyField", "HasMany"), cascade, foreign


# Methods that run while an instance is being built: what they assign is not a later change.
CONSTRUCTION = {
    "__init__",
    "__post_init__",
    "__new__",
    "__setattr__",
    "model_post_init",
    "defaults",
    "__attrs_post_init__",
}
_SELF_ASSIGN = re.compile(r"^self\.(\w+)$")


def _read_methods(fact: ClassFact, body: list[Node], lines: Lines, path: str) -> None:
    for statement in body:
        definition = statement
        if statement.type == "decorated_definition":
            definition = statement.child_by_field_name("definition") or statement
        if definition.type != "function_definition":
            continue
        name = node_text(definition.child_by_field_name("name"))
        fact.methods.append(name)
        if name in CONSTRUCTION:
            continue
        method = definition
        for node in walk(method, into=lambda n, top=method: n is top or n.type != "function_definition"):
            if node.type not in ("assignment", "augmented_assignment"):
                continue
            left = node.child_by_field_name("left")
            match = _SELF_ASSIGN.match(node_text(left)) if left is not None else None
            if match:
                line, column = lines.start(left)
                fact.mutations.append((match.group(1), Where(path, line + 1, column + 1)))
