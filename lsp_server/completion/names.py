"""Names a completion reads that nothing in the file binds.

A small model fills a gap with a plausible line that reads a variable no statement defines (`s`
where the code below the cursor iterates over `s` that the missing line was to assign). Python
would raise NameError there, so such a candidate is demoted in favour of one that does not. The
check is syntactic and file-wide (tree-sitter, tolerant of broken code): every name bound anywhere
in the file counts, as do builtins; only a name bound nowhere is reported, and a star import,
which may bind anything, turns the check off.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator

from tree_sitter import Node, Tree

from lsp_server.context.treesitter import parse, walk

_KNOWN = frozenset(dir(builtins)) | {"__file__", "__path__", "__annotations__", "__class__", "__dict__"}
# Containers whose identifiers a binding target binds: `a, (b, *c) = ...`, `with x as (d, e)`.
_TARGETS = (
    "pattern_list",
    "tuple_pattern",
    "list_pattern",
    "tuple",
    "list",
    "parenthesized_expression",
    "as_pattern_target",
    "list_splat_pattern",
    "dictionary_splat_pattern",
)
_PARAMETER_NAMED = ("default_parameter", "typed_default_parameter")


def _targets(node: Node | None) -> Iterator[Node]:
    if node is None:
        return
    if node.type == "identifier":
        yield node
    elif node.type in _TARGETS:
        for child in node.named_children:
            yield from _targets(child)


def _parameters(node: Node) -> Iterator[Node]:
    for child in node.named_children:
        if child.type == "identifier":
            yield child
        elif child.type in _PARAMETER_NAMED:
            yield from _targets(child.child_by_field_name("name"))
        elif child.type in ("typed_parameter", "list_splat_pattern", "dictionary_splat_pattern"):
            first = child.named_children[0] if child.named_children else None
            yield from _targets(first)


def _imported(node: Node) -> Iterator[Node]:
    for child in node.children_by_field_name("name"):
        if child.type == "aliased_import":
            yield from _targets(child.child_by_field_name("alias"))
        elif child.type == "dotted_name" and child.named_children:
            yield child.named_children[0]  # `import os.path` binds `os`


def _binding(node: Node) -> Iterator[Node]:
    """The identifiers `node` itself binds (not those of nested nodes)."""
    kind = node.type
    if kind in ("assignment", "augmented_assignment", "for_statement", "for_in_clause"):
        yield from _targets(node.child_by_field_name("left"))
    elif kind in ("named_expression", "function_definition", "class_definition"):
        yield from _targets(node.child_by_field_name("name"))
    elif kind in ("parameters", "lambda_parameters"):
        yield from _parameters(node)
    elif kind == "as_pattern":
        yield from _targets(node.child_by_field_name("alias"))
    elif kind in ("import_statement", "import_from_statement"):
        yield from _imported(node)
    elif kind in ("global_statement", "nonlocal_statement", "case_pattern"):
        yield from (child for child in walk(node) if child.type == "identifier")


def _bindings(root: Node) -> tuple[set[str], set[int], bool]:
    """(names bound, ids of the binding identifier nodes, whether a star import is there)."""
    names: set[str] = set()
    nodes: set[int] = set()
    star = False
    for node in walk(root):
        if node.type == "wildcard_import":
            star = True
        for bound in _binding(node):
            names.add(bound.text.decode("utf-8", "replace"))
            nodes.add(bound.id)
    return names, nodes, star


def _read(node: Node, bound: set[int]) -> bool:
    """Whether an identifier node is a name read (not an attribute, keyword or binding)."""
    parent = node.parent
    if node.id in bound or parent is None:
        return False
    if parent.type == "attribute" and parent.child_by_field_name("attribute") == node:
        return False
    return not (parent.type == "keyword_argument" and parent.child_by_field_name("name") == node)


# The file's own bindings, remembered for the last tree they were read from: the walk in Python
# costs more than the parse, and a second candidate at the same place asks again.
_remembered: tuple[Tree, tuple[set[str], set[int], bool]] | None = None


def _file_bindings(document: str, tree: Tree | None) -> tuple[set[str], set[int], bool]:
    global _remembered
    if tree is None:
        return _bindings(parse(document).root_node)
    last = _remembered
    if last is not None and last[0] is tree:
        return last[1]
    found = _bindings(tree.root_node)
    _remembered = (tree, found)
    return found


def unbound_names(
    completion: str, document: str, line_before: str = "", tree: Tree | None = None
) -> set[str]:
    """Names `completion` reads that neither it, the rest of `document` nor builtins bind.

    The completion is read after `line_before`, the line's text before the cursor: typed in the
    middle of a name (`chu|` completed with `nks, width)`), the name is `chunks`, not `nks`, and
    typed after a dot it is an attribute. Only names that reach into the completion count; what
    the user typed is theirs. `tree` is `document`'s parse tree where one is kept (the editor's
    documents), so the file is not parsed again for every answer checked."""
    if not completion.strip():
        return set()
    in_file, _, star = _file_bindings(document, tree)
    if star:
        return set()
    head = line_before.lstrip()
    text = (head + completion).strip()  # head has no leading space, so offsets past it hold
    typed = len(head.encode("utf-8"))
    root = parse(text).root_node
    own, binding_nodes, _ = _bindings(root)
    known = in_file | own | _KNOWN
    return {
        name
        for node in walk(root)
        if node.type == "identifier"
        and node.end_byte > typed
        and _read(node, binding_nodes)
        and (name := node.text.decode("utf-8", "replace")) not in known
    }
