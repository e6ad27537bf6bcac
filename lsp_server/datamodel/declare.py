"""Write an accepted foreign key suggestion into the model class it is about, as text edits.

- SQLAlchemy: `customer_id = Column(Integer)` → `Column(Integer, ForeignKey("customers.id"))`, and
  `mapped_column(...)` alike (a bare `x: Mapped[int]` gets `= mapped_column(ForeignKey(...))`);
  `ForeignKey` is spelled the way the file spells `Column` (`sa.`, `db.`), or imported.
- Django: `customer_id = models.IntegerField()` → `customer = models.ForeignKey("Customer",
  on_delete=models.CASCADE)` (a `OneToOneField` for a unique column, `SET_NULL` for a nullable
  one). Django names the column `customer_id` and keeps `obj.customer_id`, so code using the old
  name still works.

Only these shapes are edited, found with tree-sitter in the file's current text; anything else
gives no edit rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tree_sitter import Node

from lsp_server.context.treesitter import (
    IMPORTS,
    Lines,
    node_text,
    nodes_of_type,
    parse,
    read_class,
    split_arguments,
)
from lsp_server.datamodel.model import ONE_TO_ONE, Entity, ERModel, Relationship
from lsp_server.datamodel.suggest import FOREIGN_KEY, Suggestion

SQLALCHEMY_CALLS = ("Column", "mapped_column")
# Django fields a key may have been stored in before it was declared.
DJANGO_KEY_FIELDS = (
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "UUIDField",
    "CharField",
)
DJANGO_KEPT_OPTIONS = ("null", "blank", "db_index", "verbose_name", "help_text", "db_column", "db_comment")


@dataclass(frozen=True)
class TextEdit:
    """Replace [start, end) with `text`; positions are 0-based (line, column in code points)."""

    start: tuple[int, int]
    end: tuple[int, int]
    text: str


@dataclass(frozen=True)
class Declaration:
    """One code action's edits; `scope` lets it be offered only while the cursor is in that class."""

    title: str
    edits: list[TextEdit]
    scope: tuple[int, int] = (0, 0)  # the 0-based first and last line of the class it declares in


class _Source:
    """The holder's file as parsed now; edits are found at byte offsets and given in code points."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")
        self.tree = parse(self.data)
        self.lines = Lines(self.data)

    def edit(self, start: int, end: int, text: str) -> TextEdit:
        return TextEdit(self.lines.position(start), self.lines.position(end), text)


def declare_foreign_key(source: str, suggestion: Suggestion, model: ERModel) -> Declaration | None:
    """The edits that declare a suggested foreign key in `source` (the holder's file), or None
    when the suggestion is not a foreign key, or the code is not a shape this module edits."""
    rel = suggestion.relationship
    if suggestion.kind != FOREIGN_KEY or rel is None or len(rel.to_columns) != 1:
        return None
    holder, target = model.entity(rel.to_entity), model.entity(rel.from_entity)
    if holder is None or target is None:
        return None
    attribute = holder.attribute(rel.to_columns[0])
    if attribute is None:
        return None
    code = _Source(source)
    found = _find_assignment(code, holder.name.rsplit(".", 1)[-1], attribute.name)
    if found is None:
        return None
    cls, assignment = found
    declaration = None
    if holder.kind == "sqlalchemy":
        declaration = _sqlalchemy(code, assignment, attribute.name, target, rel)
    elif holder.kind == "django":
        declaration = _django(code, assignment, attribute.name, holder, target, rel)
    if declaration is None:
        return None
    return replace(declaration, scope=(cls.start_point[0], cls.end_point[0]))


def _find_assignment(code: _Source, class_name: str, name: str) -> tuple[Node, Node] | None:
    """(class, assignment) where a class of that name assigns the attribute, nested classes too."""
    for node in nodes_of_type(code.tree.root_node, ("class_definition",)):
        cls = read_class(node)
        if cls is None or node_text(cls.name) != class_name:
            continue
        for assigned in cls.fields:
            if node_text(assigned.name) == name:
                return cls.node, assigned.node
    return None


def _call_parts(call: Node | None) -> tuple[str, str, Node] | None:
    """(prefix, function name, argument list) of `prefix.name(...)` or `name(...)`."""
    if call is None or call.type != "call":
        return None
    function, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if function is None or arguments is None or arguments.type != "argument_list":
        return None
    dotted = node_text(function)
    prefix, _, name = dotted.rpartition(".")
    return (prefix + "." if prefix else ""), name, arguments


def _sqlalchemy(
    code: _Source, assignment: Node, name: str, target: Entity, rel: Relationship
) -> Declaration | None:
    key = target.attribute(rel.from_columns[0]) if rel.from_columns else None
    reference = f"{target.table or target.name}.{key.column_name if key else 'id'}"
    value = assignment.child_by_field_name("right")
    title = f'Declare {name} as ForeignKey("{reference}")'
    if value is None:  # `x: Mapped[int]` alone: give it a mapped_column
        annotation = assignment.child_by_field_name("type")
        if annotation is None or "Mapped[" not in node_text(annotation):
            return None
        edits = [
            code.edit(
                assignment.end_byte, assignment.end_byte, f' = mapped_column(ForeignKey("{reference}"))'
            )
        ]
        edits += _imports(code, ("ForeignKey", "mapped_column"))
        return Declaration(title, edits)
    parts = _call_parts(value)
    if parts is None or parts[1] not in SQLALCHEMY_CALLS:
        return None
    prefix, _, arguments = parts
    foreign_key = f'{prefix}ForeignKey("{reference}")'
    positional = split_arguments(arguments)[0]
    if positional:
        edit = code.edit(positional[-1].end_byte, positional[-1].end_byte, f", {foreign_key}")
    else:
        after = ", " if arguments.named_children else ""
        edit = code.edit(arguments.start_byte + 1, arguments.start_byte + 1, foreign_key + after)
    return Declaration(title, [edit, *(_imports(code, ("ForeignKey",)) if not prefix else [])])


def _django(
    code: _Source,
    assignment: Node,
    name: str,
    holder: Entity,
    target: Entity,
    rel: Relationship,
) -> Declaration | None:
    parts = _call_parts(assignment.child_by_field_name("right"))
    if parts is None or parts[1] not in DJANGO_KEY_FIELDS or not name.endswith("_id") or len(name) <= 3:
        return None
    prefix, _, arguments = parts
    if not prefix:
        return None  # a bare `IntegerField` was imported by name; `ForeignKey` may not be
    options = {node_text(key): node_text(value) for key, value in split_arguments(arguments)[1]}
    null = options.get("null") == "True"
    field = "OneToOneField" if rel.cardinality == ONE_TO_ONE else "ForeignKey"
    model_name = target.name.rsplit(".", 1)[-1]
    reference = (
        f"{target.namespace}.{model_name}"
        if target.namespace and target.namespace != holder.namespace
        else model_name
    )
    kept = [f"{k}={options[k]}" for k in DJANGO_KEPT_OPTIONS if k in options]
    on_delete = f"{prefix}SET_NULL" if null else f"{prefix}CASCADE"
    new_name = name[:-3]
    text = (
        f'{new_name} = {prefix}{field}("{reference}", on_delete={on_delete}'
        + "".join(f", {k}" for k in kept)
        + ")"
    )
    title = f"Declare {name} as {field} to {reference} (field {new_name}, column {name})"
    return Declaration(title, [code.edit(assignment.start_byte, assignment.end_byte, text)])


def _imports(code: _Source, names: tuple[str, ...]) -> list[TextEdit]:
    """Edits that import `names` from sqlalchemy where the file does not have them yet: added to
    its `from sqlalchemy import …` if it has one, else as a new line after the last import."""
    root = code.tree.root_node
    imported: set[str] = set()
    sqlalchemy_import: Node | None = None
    last_import: Node | None = None
    for statement in root.named_children:
        if statement.type in IMPORTS:
            last_import = statement
        if statement.type != "import_from_statement":
            continue
        module = statement.child_by_field_name("module_name")
        for child in statement.named_children:
            if child.type == "wildcard_import" and module is not None and node_text(module) == "sqlalchemy":
                return []
            if child is module:
                continue
            if child.type == "aliased_import":
                alias = child.child_by_field_name("alias")
                imported.add(node_text(alias) if alias is not None else "")
            elif child.type == "dotted_name":
                imported.add(node_text(child))
        if module is not None and node_text(module) == "sqlalchemy" and sqlalchemy_import is None:
            sqlalchemy_import = statement
    missing = [n for n in names if n not in imported]
    if not missing:
        return []
    if sqlalchemy_import is not None:
        names_nodes = [
            c
            for c in sqlalchemy_import.named_children
            if c is not sqlalchemy_import.child_by_field_name("module_name") and c.type != "comment"
        ]
        end = names_nodes[-1].end_byte
        return [code.edit(end, end, "".join(f", {n}" for n in missing))]
    line = f"from sqlalchemy import {', '.join(missing)}\n"
    if last_import is None:
        return [code.edit(0, 0, line)]
    end = code.data.find(b"\n", last_import.end_byte)
    at = len(code.data) if end < 0 else end + 1
    return [code.edit(at, at, line if end >= 0 else "\n" + line)]
