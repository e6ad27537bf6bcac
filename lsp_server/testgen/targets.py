"""What to test in a module: its public functions, classes and methods (from tree-sitter), and
how the module is imported from the project root (packages, src layout, plain scripts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lsp_server.context.syntax import SyntaxTree
from lsp_server.context.treesitter import DEFINITIONS, node_text, unwrap_decorated
from lsp_server.errors import InputError


@dataclass
class Target:
    """A public function, class or method to write tests for; its source goes into the prompt."""

    name: str  # "func" or "Class" or "Class.method"
    kind: str  # "function" | "class" | "method"
    source: str  # the definition's code
    start_line: int  # 1-based, inclusive
    end_line: int
    methods: list[str] = field(default_factory=list)  # for classes: public method names

    @property
    def class_name(self) -> str | None:
        return self.name.split(".")[0] if self.kind in ("class", "method") else None


@dataclass
class ModuleInfo:
    """The module under test, and how tests import it from the project root."""

    path: Path
    root: Path  # the folder to put on sys.path
    module: str  # dotted import name
    source: str
    targets: list[Target]


def import_location(path: Path) -> tuple[Path, str]:
    """(sys.path root, dotted module name): climb while the folder is a package."""
    path = path.resolve()
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    if parts[-1] == "__init__":
        parts.pop()
    return folder, ".".join(parts)


def _is_public(name: str, include_private: bool) -> bool:
    return include_private or not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def find_targets(syntax: SyntaxTree, include_private: bool = False) -> list[Target]:
    """The module's top-level functions and classes, and the public methods of each class;
    spans and sources include decorators, which a test of the definition needs to see."""
    targets: list[Target] = []
    for child in syntax.tree.root_node.children:
        node = unwrap_decorated(child)[1]
        if node is None or node.type not in DEFINITIONS:
            continue
        name = node_text(node.child_by_field_name("name"))
        if not _is_public(name, include_private) or name.startswith("__"):
            continue
        span = (child.start_point[0] + 1, child.end_point[0] + 1)
        if node.type == "function_definition":
            targets.append(Target(name, "function", node_text(child), *span))
            continue
        methods = []
        body = node.child_by_field_name("body")
        for member in body.children if body else []:
            method = unwrap_decorated(member)[1]
            if method is None or method.type != "function_definition":
                continue
            method_name = node_text(method.child_by_field_name("name"))
            if method_name == "__init__" or not _is_public(method_name, include_private):
                continue
            if method_name.startswith("__"):
                continue
            methods.append(method_name)
            targets.append(
                Target(
                    f"{name}.{method_name}",
                    "method",
                    node_text(member),
                    member.start_point[0] + 1,
                    member.end_point[0] + 1,
                )
            )
        targets.append(Target(name, "class", node_text(child), *span, methods=methods))
    return targets


def load_module(path: Path, only: str | None = None, include_private: bool = False) -> ModuleInfo:
    from lsp_server.files import read_text

    source = read_text(path)
    syntax = SyntaxTree(source)
    if syntax.tree.root_node.has_error:
        raise InputError(f"{path} does not parse as Python", "fix the syntax errors first")
    targets = find_targets(syntax, include_private or bool(only))
    if only:
        targets = [t for t in targets if t.name == only or t.name.startswith(f"{only}.")]
        if not targets:
            raise InputError(f"{path} has no function, class or method named {only!r}")
    # Classes are tested through their methods; keep a class target only when it has none.
    targets = [t for t in targets if t.kind != "class" or not t.methods]
    if not targets:
        raise InputError(
            f"{path} has no public functions or classes to test", "use --private to include _names"
        )
    root, module = import_location(path)
    return ModuleInfo(path=path.resolve(), root=root, module=module, source=source, targets=targets)


def project_root_for(module: ModuleInfo) -> Path:
    """Where `tests/` goes: the project (pyproject.toml or .git above the file), else the import root."""
    from lsp_server.config import find_project_root

    root = find_project_root(module.path)
    return root if (root / "pyproject.toml").is_file() or (root / ".git").exists() else module.root
