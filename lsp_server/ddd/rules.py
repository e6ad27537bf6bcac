"""DDD rules as findings, decided from the domain model alone (no model): each names the two classes
or modules involved and the line it rests on.

- `reference-by-object`: a class of one aggregate holds the root of another by object, not by id;
- `entity-outside-aggregate`: a class holds an entity that lives inside another aggregate;
- `mutable-value-object`: a value object that is not frozen or that assigns its attributes later;
- `value-object-refers-entity`: a value object holds an entity;
- `entity-without-identity`: a class marked entity or aggregate root with no identity field;
- `repository-for-non-root`: a repository stores an entity that is not an aggregate root;
- `domain-imports-infrastructure`: a module of the domain layer imports an ORM session, an HTTP
  client, a web framework or the project's infrastructure layer;
- `two-aggregates-one-transaction`: one function saves two aggregates;
- `anemic-entity` (information): an entity with many fields and no behaviour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tree_sitter import Node

from lsp_server.context.treesitter import Lines, node_text, parse, walk
from lsp_server.ddd.blocks import (
    ENTITY,
    EVENT,
    MARKERS,
    REPOSITORY,
    ROOT,
    VALUE,
    Block,
    frozen_by,
    has_identity,
    in_domain_layer,
    repository_target,
)
from lsp_server.ddd.code import ClassFact, FieldFact, Where
from lsp_server.ddd.contexts import layer_of
from lsp_server.ddd.model import DomainModel

INFRASTRUCTURE_IMPORTS = (
    "sqlalchemy", "django", "flask", "fastapi", "starlette", "requests", "httpx", "aiohttp", "urllib.request",
    "http.client", "boto3", "botocore", "psycopg", "psycopg2", "pymysql", "pymongo", "redis", "celery",
    "kafka", "pika", "grpc", "peewee", "tortoise", "sqlite3",
)  # fmt: skip
ANEMIC_FIELDS = 4
SEVERITY = {"anemic-entity": "information"}
_SAVES = {"save", "add", "put", "persist", "store", "update", "insert", "upsert", "merge"}


@dataclass
class Finding:
    """One broken rule, where it is; printed and serialised as `ubiq sql check`'s findings are."""

    path: str
    line: int  # 1-based
    column: int
    code: str
    message: str
    replacement: str | None = None  # the quick fix: the finding's whole line, rewritten (None: no safe fix)

    @property
    def severity(self) -> str:
        return SEVERITY.get(self.code, "warning")

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "column": self.column, "code": self.code,
                "message": self.message}  # fmt: skip

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"


def check(model: DomainModel) -> list[Finding]:
    found: list[Finding] = []
    for name, cls in model.code.classes.items():
        block = model.blocks[name]
        found += _references(model, cls)
        if block.kind == VALUE:
            found += _value_object(model, cls)
        if block.kind in (ENTITY, ROOT) and not _identity(model, cls) and not _framework_marked(model, cls):
            found.append(
                _at(
                    cls.where,
                    "entity-without-identity",
                    f"{name} is {_a(block.kind)} but has no identity field (id, {_snake(name)}_id)",
                )
            )
        if block.kind == REPOSITORY:
            stored = repository_target(cls, model.code)
            target = model.blocks.get(stored)
            if (
                target is not None
                and target.kind == ENTITY
                and target.aggregate
                and target.aggregate != stored
            ):
                found.append(
                    _at(
                        cls.where,
                        "repository-for-non-root",
                        f"{name} stores {stored}, which lives inside the aggregate of {target.aggregate}: "
                        f"load and save it through {target.aggregate}",
                    )
                )
        if block.kind in (ENTITY, ROOT) and _anemic(cls) and (in_domain_layer(cls.module) or _marked(block)):
            found.append(
                _at(
                    cls.where,
                    "anemic-entity",
                    f"{name} has {len(cls.fields)} fields and no behaviour: rules that change it live "
                    "elsewhere",
                )
            )
    found += _layers(model)
    found += _transactions(model)
    return sorted(found, key=lambda f: (f.path, f.line, f.column, f.code))


def _references(model: DomainModel, cls: ClassFact) -> list[Finding]:
    """Fields that hold another aggregate's root, or an entity inside another aggregate, by object."""
    found = []
    own = model.blocks[cls.name].aggregate or cls.name
    for fact in cls.fields:
        if fact.foreign_key:  # an ORM foreign key is a reference by identity in the table
            continue
        for target in fact.refers:
            block = model.blocks.get(target)
            if block is None or target == cls.name or block.kind not in (ENTITY, ROOT) or not block.aggregate:
                continue
            if block.aggregate in (own, cls.name):
                continue
            if model.blocks[cls.name].kind not in (ENTITY, ROOT, EVENT):  # a value object: its own rule
                continue
            if block.kind == ROOT:
                finding = _at(
                    fact.where,
                    "reference-by-object",
                    f"{cls.name}.{fact.name} holds {target}, the root of another aggregate: "
                    f"refer to it by identity ({fact.name}_id)",
                )
                finding.replacement = by_identity(model, cls, fact, target)
                found.append(finding)
            else:
                found.append(
                    _at(
                        fact.where,
                        "entity-outside-aggregate",
                        f"{cls.name}.{fact.name} holds {target}, which lives inside the aggregate of "
                        f"{block.aggregate}: hold {block.aggregate}'s identity instead",
                    )
                )
    return found


def by_identity(model: DomainModel, cls: ClassFact, fact: FieldFact, target: str) -> str | None:
    """The field's line holding the root's identity instead (`order: Order | None = None` →
    `order_id: UUID | None = None`), or None when that is not safe: a collection, an identity of no
    stated type, a name in use, or any other use of the field in the project (it would break)."""
    module = model.code.modules.get(cls.module)
    identity = next(
        (f for f in model.code.classes[target].fields if f.name in ("id", f"{_snake(target)}_id")), None
    )
    if module is None or fact.many or identity is None or not re.fullmatch(r"[\w.]+", identity.type_text):
        return None
    new_name = f"{fact.name}_id"
    lines = module.text.split("\n")
    line = lines[fact.where.line - 1] if fact.where.line <= len(lines) else ""
    match = re.fullmatch(rf"(\s*){fact.name}(\s*:\s*)([^=]+?)(\s*=.*)?", line)
    if match is None or cls.field(new_name) is not None or not re.search(rf"\b{target}\b", match.group(3)):
        return None
    id_type = identity.type_text
    bound = id_type.split(".")[0] in module.imports or id_type in ("int", "str", "bytes")
    if not bound:
        return None
    uses = re.compile(rf"\.{fact.name}\b|\b{fact.name}=(?!=)")  # `x.order`, `Shipment(order=…)`
    for other in model.code.modules.values():
        for number, text in enumerate(other.text.split("\n"), 1):
            if uses.search(text) and not (other is module and number == fact.where.line):
                return None
    annotation = re.sub(rf"\b{target}\b", id_type, match.group(3))
    return f"{match.group(1)}{new_name}{match.group(2)}{annotation}{match.group(4) or ''}"


def _value_object(model: DomainModel, cls: ClassFact) -> list[Finding]:
    found = []
    is_dataclass = any(
        d.split("(")[0].split(".")[-1] in ("dataclass", "define", "attrs", "s") for d in cls.decorators
    )
    if is_dataclass and not frozen_by(cls):
        found.append(
            _at(
                cls.where,
                "mutable-value-object",
                f"{cls.name} is a value object but its instances can change: make it frozen=True",
            )
        )
    for attribute, where in cls.mutations:
        found.append(
            _at(
                where,
                "mutable-value-object",
                f"{cls.name} is a value object but assigns {attribute} after construction: "
                "return a new value instead",
            )
        )
    for fact in cls.fields:
        for target in fact.refers:
            block = model.blocks.get(target)
            if block is not None and block.kind in (ENTITY, ROOT) and target != cls.name:
                found.append(
                    _at(
                        fact.where,
                        "value-object-refers-entity",
                        f"the value object {cls.name} holds the entity {target} ({cls.name}.{fact.name}): "
                        f"hold a value, or {target}'s identity",
                    )
                )
    return found


def _identity(model: DomainModel, cls: ClassFact, seen: frozenset[str] = frozenset()) -> bool:
    """An identity field on the class or a project base class."""
    if has_identity(cls):
        return True
    for base in cls.bases:
        parent = model.code.classes.get(re.split(r"[\[(]", base)[0].split(".")[-1])
        if parent is not None and parent.name not in seen and _identity(model, parent, seen | {cls.name}):
            return True
    return False


def _marked(block: Block) -> bool:
    return any(e.startswith("marked ") for e in block.evidence)


def _framework_marked(model: DomainModel, cls: ClassFact) -> bool:
    """Marked by a framework's base class or decorator (protean, eventsourcing…), which gives
    its entities an identity of its own; a project's own marker class does not."""
    for marker in [*cls.bases, *cls.decorators]:
        bare = re.split(r"[\[(]", marker)[0].split(".")[-1]
        if bare.lower() in MARKERS and bare not in model.code.classes:
            return True
    return False


def _anemic(cls: ClassFact) -> bool:
    plain = [f for f in cls.fields if not f.name.startswith("_") and f.name not in ("Meta", "objects")]
    return len(plain) >= ANEMIC_FIELDS and not cls.behaviour


def _layers(model: DomainModel) -> list[Finding]:
    found = []
    for module, fact in model.code.modules.items():
        if layer_of(module) != "domain":
            continue
        for qualified, where in fact.imports.values():
            head = qualified.split(".")[0]
            external = any(qualified == i or qualified.startswith(i + ".") for i in INFRASTRUCTURE_IMPORTS)
            internal = _project_module(model, qualified)
            if external or (internal and layer_of(internal) == "infrastructure"):
                what = head if external else internal
                found.append(
                    _at(
                        where,
                        "domain-imports-infrastructure",
                        f"the domain module {module} imports {qualified} ({what} is infrastructure): "
                        "depend on an interface the domain owns",
                    )
                )
    return found


def _project_module(model: DomainModel, qualified: str) -> str:
    parts = qualified.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in model.code.modules:
            return candidate
    return ""


def _transactions(model: DomainModel) -> list[Finding]:
    """A function that saves two different aggregates: through their repositories, an ORM session or
    `.save()`, with the saved objects' classes known from annotations or constructors."""
    roots = {name for name, block in model.blocks.items() if block.kind == ROOT}
    repositories = {
        name: repository_target(model.code.classes[name], model.code)
        for name, block in model.blocks.items()
        if block.kind == REPOSITORY
    }
    if len(roots) < 2:
        return []
    found = []
    roots_key, repositories_key = frozenset(roots), tuple(sorted(repositories.items()))
    for module in model.code.modules.values():
        if _is_test(module.path):  # tests and fixtures set up several aggregates on purpose
            continue
        for line, column, name, pair in _double_saves(module.text, roots_key, repositories_key):
            found.append(
                Finding(
                    module.path,
                    line,
                    column,
                    "two-aggregates-one-transaction",
                    f"{name} saves {pair[0]} and {pair[1]} together: one transaction "
                    "should change one aggregate; let an event carry the other change",
                )
            )
    return found


@lru_cache(maxsize=4096)
def _double_saves(
    text: str, roots: frozenset[str], repositories: tuple[tuple[str, str], ...]
) -> list[tuple[int, int, str, tuple[str, str]]]:
    """(line, column, function, the two roots) of each function saving two roots; cached by the
    file's text, as the editor checks the whole project again after each pause in typing."""
    data = text.encode("utf-8")
    lines = Lines(data)
    found = []
    for function in walk(parse(data).root_node):
        name = function.child_by_field_name("name") if function.type == "function_definition" else None
        if name is None or node_text(name).startswith("test"):
            continue
        saved = _saved_roots(function, set(roots), dict(repositories))
        if len(saved) >= 2:
            line, column = lines.start(name)
            pair = sorted(saved)
            found.append((line + 1, column + 1, node_text(name), (pair[0], pair[1])))
    return found


def _is_test(path: str) -> bool:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


def _saved_roots(function: Node, roots: set[str], repositories: dict[str, str]) -> set[str]:
    types: dict[str, str] = {}
    parameters = function.child_by_field_name("parameters")
    for parameter in parameters.named_children if parameters is not None else []:
        if parameter.type in ("typed_parameter", "typed_default_parameter"):
            annotation = node_text(parameter.child_by_field_name("type")).split("[")[0].split(".")[-1]
            name = node_text(parameter.named_children[0])
            types[name] = annotation
    saved: set[str] = set()
    for node in walk(
        function, into=lambda n: n is function or n.type not in ("function_definition", "class_definition")
    ):
        if node.type == "assignment":
            right = node.child_by_field_name("right")
            if right is not None and right.type == "call":
                callee = node_text(right.child_by_field_name("function")).split(".")[-1]
                if callee in roots:
                    types[node_text(node.child_by_field_name("left"))] = callee
        if node.type != "call":
            continue
        callee = node.child_by_field_name("function")
        if callee is None or callee.type != "attribute":
            continue
        method = node_text(callee.child_by_field_name("attribute"))
        if method not in _SAVES:
            continue
        receiver = node_text(callee.child_by_field_name("object"))
        receiver_type = types.get(receiver, "")
        if method == "save" and receiver_type in roots:  # Django: order.save()
            saved.add(receiver_type)
            continue
        if receiver_type in repositories and repositories[receiver_type] in roots:
            saved.add(repositories[receiver_type])
            continue
        arguments = callee.parent.child_by_field_name("arguments") if callee.parent is not None else None
        for argument in arguments.named_children if arguments is not None else []:
            kind = types.get(node_text(argument), "")
            if kind in roots:
                saved.add(kind)
    return saved


def _at(where: Where, code: str, message: str) -> Finding:
    return Finding(where.path, where.line, where.column, code, message)


def _a(kind: str) -> str:
    return {ROOT: "an aggregate root", ENTITY: "an entity"}.get(kind, kind)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
