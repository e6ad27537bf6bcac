"""N+1 queries, found statically: a loop over a Django QuerySet or a SQLAlchemy query whose body
follows a relation of each row that the query did not load with it (`select_related`,
`prefetch_related`, `joinedload`, `selectinload`, `subqueryload`). Each row then costs one more
query.

What a relation is comes from the ER model: a foreign key seen from the model that holds it
(`order.customer`) and the reverse accessor seen from the other side (`customer.order_set`, or the
`related_name`). Only names the model declares are reported, and a loop over something that is not
plainly such a query (a list, `.values()`, a function's result) is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node, Tree

from lsp_server.context.treesitter import Lines, node_text, parse, walk
from lsp_server.datamodel.model import MANY_TO_MANY, ONE_TO_ONE, ERModel
from lsp_server.sql.locate import definition_of

_DJANGO_LOADERS = {"select_related", "prefetch_related"}
_SQLALCHEMY_LOADERS = {"joinedload", "selectinload", "subqueryload", "immediateload", "contains_eager"}
_ROWS_NOT_MODELS = {"values", "values_list", "count", "exists", "aggregate", "only_ids"}


@dataclass(frozen=True)
class Relation:
    """A relation of a model class as code reaches it, and the loader that would fetch it at once."""

    name: str
    target: str
    loader: str  # what to add: select_related / prefetch_related / selectinload


@dataclass(frozen=True)
class LoaderFix:
    """What adding the loader means for one finding: the text to insert and where, and the query as
    the loop runs it, before and after, for `sql/loader_fix.py` to run both on a scratch database."""

    model: str
    relation: str
    django: bool
    insert_at: int  # byte offset in the file where `loader` goes
    loader: str  # `.select_related("customer")`, `.options(selectinload(Author.books))`
    needs_import: str | None  # `selectinload` when the file does not import it yet
    expression: tuple[int, int]  # byte range of the query the loop iterates
    session: tuple[int, int] | None  # byte range of the SQLAlchemy session in it
    calls: tuple[str, ...]  # argument-free calls the loop makes on the relation (`.all()`, `.count()`)


@dataclass
class NPlusOne:
    """A relation followed once per row, where the access is."""

    line: int  # 0-based, code points
    column: int
    end_column: int
    message: str
    fix: LoaderFix | None = None  # None where the loop uses the relation in a way a loader does not serve


def relations(model: ERModel) -> dict[str, dict[str, Relation]]:
    """Model class name → attribute name → the relation it follows."""
    kinds = {e.name: e.kind for e in model.entities}
    found: dict[str, dict[str, Relation]] = {}
    for rel in model.relationships:
        child, parent = rel.to_entity, rel.from_entity
        django = kinds.get(child) == "django" or kinds.get(parent) == "django"
        if rel.cardinality == MANY_TO_MANY:
            if rel.from_field:
                found.setdefault(parent, {})[rel.from_field] = Relation(rel.from_field, child, _many(django))
            if rel.to_field:
                found.setdefault(child, {})[rel.to_field] = Relation(rel.to_field, parent, _many(django))
            continue
        if rel.to_field:  # the side holding the key: one row each
            loader = "select_related" if django else "joinedload"
            found.setdefault(child, {})[rel.to_field] = Relation(rel.to_field, parent, loader)
        reverse = rel.from_field or (_django_reverse(child, rel.cardinality) if django else None)
        if reverse:
            loader = "select_related" if django and rel.cardinality == ONE_TO_ONE else _many(django)
            found.setdefault(parent, {})[reverse] = Relation(reverse, child, loader)
    return found


def _many(django: bool) -> str:
    return "prefetch_related" if django else "selectinload"


def _django_reverse(child: str, cardinality: str) -> str:
    """Django's default reverse accessor: `order_set`, or `profile` for a one-to-one."""
    return child.lower() if cardinality == ONE_TO_ONE else f"{child.lower()}_set"


@dataclass
class _Query:
    model: str
    loaded: set[str]
    django: bool
    node: Node  # where the query is written
    expression: Node | None = None  # the whole query the loop iterates
    session: Node | None = None  # the SQLAlchemy session it runs on


def find(text: str, known: dict[str, dict[str, Relation]], tree: Tree | None = None) -> list[NPlusOne]:
    if not known or ("objects" not in text and "query(" not in text and "select(" not in text):
        return []
    data = text.encode("utf-8")
    tree = tree if tree is not None else parse(data)
    lines = Lines(data)
    found = []
    for loop in walk(tree.root_node):
        if loop.type != "for_statement":
            continue
        target, source = loop.child_by_field_name("left"), loop.child_by_field_name("right")
        if target is None or source is None or target.type != "identifier":
            continue
        expression = definition_of(source) if source.type == "identifier" else source
        query = _query(expression, known)
        if query is None:
            continue
        query.expression = expression
        found.extend(_accesses(loop, node_text(target), query, known[query.model], lines, text))
    return found


def _query(node: Node, known: dict[str, dict[str, Relation]]) -> _Query | None:
    """The model and loaded relations of `Model.objects…` or `session.query(Model)…`/`select(Model)…`."""
    methods: list[tuple[str, Node | None]] = []
    current: Node | None = node
    session: Node | None = None
    while current is not None:
        if current.type == "call":
            function = current.child_by_field_name("function")
            arguments = current.child_by_field_name("arguments")
            if function is not None and function.type == "attribute":
                method = node_text(function.child_by_field_name("attribute"))
                given = arguments.named_children if arguments is not None else []
                if method == "query" and given:  # session.query(Model)…
                    found = _sqlalchemy(node_text(given[0]).split(".")[-1], methods, current, known)
                    if found is not None:
                        found.session = function.child_by_field_name("object")
                    return found
                if method in ("scalars", "execute") and given:  # session.scalars(select(Model)…)
                    session = function.child_by_field_name("object")
                    current = given[0]
                    methods.clear()  # the statement's own methods are what loads
                    continue
                methods.append((method, arguments))
                current = function.child_by_field_name("object")
                continue
            name = node_text(function)
            if (
                name.split(".")[-1] in ("select", "query")
                and arguments is not None
                and arguments.named_children
            ):
                model = node_text(arguments.named_children[0]).split(".")[-1]
                found = _sqlalchemy(model, methods, current, known)
                if found is not None:
                    found.session = session
                return found
            return None
        if current.type == "attribute":
            attribute = node_text(current.child_by_field_name("attribute"))
            if attribute == "objects":
                model = node_text(current.child_by_field_name("object")).split(".")[-1]
                return _django(model, methods, current, known)
            methods.append((attribute, None))
            current = current.child_by_field_name("object")
            continue
        return None
    return None


def _django(model: str, methods: list[tuple[str, Node | None]], node: Node, known: dict) -> _Query | None:
    if model not in known or any(name in _ROWS_NOT_MODELS for name, _ in methods):
        return None
    loaded = set()
    for name, arguments in methods:
        if name in _DJANGO_LOADERS and arguments is not None:
            for argument in arguments.named_children:
                loaded |= {m.split("__")[0] for m in re.findall(r"[\"'](\w+)", node_text(argument))}
            if not arguments.named_children and name == "select_related":
                loaded.add("*")  # select_related() with no names follows every foreign key
    return _Query(model, loaded, True, node)


def _sqlalchemy(model: str, methods: list[tuple[str, Node | None]], node: Node, known: dict) -> _Query | None:
    if model not in known:
        return None
    loaded = set()
    for name, arguments in methods:
        if name == "options" and arguments is not None:
            for loader in re.findall(r"(\w+)\(\s*\w+\.(\w+)", node_text(arguments)):
                if loader[0] in _SQLALCHEMY_LOADERS:
                    loaded.add(loader[1])
    return _Query(model, loaded, False, node)


def _accesses(
    loop: Node, variable: str, query: _Query, fields: dict[str, Relation], lines: Lines, text: str
) -> list[NPlusOne]:
    body = loop.child_by_field_name("body")
    reported: set[str] = set()
    found = []
    for node in walk(
        body, into=lambda n: n.type not in ("function_definition", "class_definition", "lambda")
    ):
        if node.type != "attribute" or node_text(node.child_by_field_name("object")) != variable:
            continue
        name = node_text(node.child_by_field_name("attribute"))
        relation = fields.get(name)
        if relation is None or name in reported or name in query.loaded or "*" in query.loaded:
            continue
        reported.add(name)
        line, column = lines.start(node)
        query_line = query.node.start_point[0] + 1
        add = (
            f'.{relation.loader}("{name}")'
            if query.django
            else f".options({relation.loader}({query.model}.{name}))"
        )
        found.append(
            NPlusOne(
                line,
                column,
                column + len(node_text(node)),
                f"N+1 queries: each {query.model} of this loop loads its {name} with a query of its own; "
                f"add {add} to the query on line {query_line}",
                _fix(node, query, relation, add, text),
            )
        )
    return found


def _fix(access: Node, query: _Query, relation: Relation, loader: str, text: str) -> LoaderFix | None:
    calls = _calls_on(access)
    if calls is None or query.expression is None:
        return None
    needs_import = None
    if not query.django and not re.search(rf"^\s*(from|import)\b.*\b{relation.loader}\b", text, re.M):
        needs_import = relation.loader
    expression = query.expression
    session = (query.session.start_byte, query.session.end_byte) if query.session is not None else None
    return LoaderFix(
        query.model,
        relation.name,
        query.django,
        query.node.end_byte,
        loader,
        needs_import,
        (expression.start_byte, expression.end_byte),
        session,
        tuple(calls),
    )


def _calls_on(access: Node) -> list[str] | None:
    """The argument-free methods called on `row.relation` (`.all()`, `.count()`); None when one takes
    arguments (`.filter(…)`), which runs a query of its own whatever was loaded."""
    calls = []
    node = access
    while (
        node.parent is not None
        and node.parent.type == "attribute"
        and node.parent.child_by_field_name("object") == node
    ):
        call = node.parent.parent
        if call is None or call.type != "call" or call.child_by_field_name("function") != node.parent:
            break
        arguments = call.child_by_field_name("arguments")
        if arguments is not None and arguments.named_children:
            return None
        calls.append(node_text(node.parent.child_by_field_name("attribute")))
        node = call
    return calls
