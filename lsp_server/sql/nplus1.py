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


@dataclass
class NPlusOne:
    """A relation followed once per row, where the access is."""

    line: int  # 0-based, code points
    column: int
    end_column: int
    message: str


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
        query = _query(definition_of(source) if source.type == "identifier" else source, known)
        if query is None:
            continue
        found.extend(_accesses(loop, node_text(target), query, known[query.model], lines))
    return found


def _query(node: Node, known: dict[str, dict[str, Relation]]) -> _Query | None:
    """The model and loaded relations of `Model.objects…` or `session.query(Model)…`/`select(Model)…`."""
    methods: list[tuple[str, Node | None]] = []
    current: Node | None = node
    while current is not None:
        if current.type == "call":
            function = current.child_by_field_name("function")
            arguments = current.child_by_field_name("arguments")
            if function is not None and function.type == "attribute":
                method = node_text(function.child_by_field_name("attribute"))
                given = arguments.named_children if arguments is not None else []
                if method == "query" and given:  # session.query(Model)…
                    return _sqlalchemy(node_text(given[0]).split(".")[-1], methods, current, known)
                if method in ("scalars", "execute") and given:  # session.scalars(select(Model)…)
                    current = given[0]
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
                return _sqlalchemy(model, methods, current, known)
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
    loop: Node, variable: str, query: _Query, fields: dict[str, Relation], lines: Lines
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
            )
        )
    return found
