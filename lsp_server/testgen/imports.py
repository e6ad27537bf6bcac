"""Names a generated test uses without importing them, found where a person writing the test
would look: the module's own imports — also those under `if TYPE_CHECKING:` or inside functions,
which a test cannot see (humanize writes `dt.timedelta` after a function-local
`import datetime as dt`, and so does a model copying it) — then the standard library's modules
and their best-known classes. Resolved before a test runs, so that a NameError does not cost a
run and a repair request.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import importlib
import sys
from functools import lru_cache

from lsp_server.testgen.cases import Case

# Where the standard library keeps the values tests build most (datetime, Decimal, Path…); looked
# up in this process, which imports only the standard library, never the user's code.
_STDLIB_HOMES = (
    "datetime", "decimal", "fractions", "pathlib", "collections", "enum", "uuid", "ipaddress",
    "zoneinfo", "io", "functools", "itertools", "string", "typing",
)  # fmt: skip


def free_names(case: Case) -> set[str]:
    """Names the case reads, the exception it expects included, but neither binds nor gets from
    builtins."""
    loaded: set[str] = set()
    bound: set[str] = set()
    for code, mode in [*((s, "exec") for s in case.setup), (case.call, "eval")]:
        try:
            tree = ast.parse(code, mode=mode)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
            elif isinstance(node, ast.arg):
                bound.add(node.arg)
            elif isinstance(node, ast.alias):
                bound.add((node.asname or node.name).split(".")[0])
    if case.raises:  # `pytest.raises(FormatError)`
        loaded.add(case.raises.split(".")[0])
    return loaded - bound - set(dir(builtins))


@lru_cache(maxsize=8)  # one module per run, asked for each candidate that lacks a name
def module_imports(source: str, dotted: str) -> dict[str, str]:
    """Each name the module's import statements bind, anywhere in it → an absolute import
    statement binding it. The first statement wins: top-level imports come first."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    package = dotted.rsplit(".", 1)[0] if "." in dotted else ""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                as_part = f" as {alias.asname}" if alias.asname else ""
                found.setdefault(name, f"import {alias.name}{as_part}")
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            home = _absolute(node.module or "", node.level, package)
            for alias in node.names if home else ():
                if alias.name == "*":
                    continue
                as_part = f" as {alias.asname}" if alias.asname else ""
                found.setdefault(alias.asname or alias.name, f"from {home} import {alias.name}{as_part}")
    return found


def _absolute(module: str, level: int, package: str) -> str:
    if not level:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return ""
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, module] if module else base)


@lru_cache(maxsize=512)
def stdlib_import(name: str) -> str | None:
    """An import of `name` from the standard library: a module (`math`), or a class of a module
    tests use most (`Decimal`, `timedelta`). None when it is neither."""
    if name in sys.stdlib_module_names and not name.startswith("_"):
        return f"import {name}"
    for home in _STDLIB_HOMES:
        try:
            module = importlib.import_module(home)
        except ImportError:
            continue
        if not name.startswith("_") and hasattr(module, name):
            return f"from {home} import {name}"
    return None


def with_imports(case: Case, source: str, dotted: str, available: set[str]) -> Case:
    """`case` with the imports its free names need, beyond `available` (what the test file
    already imports). Names nothing resolves are left for the run to report."""
    missing = free_names(case) - available - {statement_name(s) for s in case.imports}
    if not missing:
        return case
    known = module_imports(source, dotted)
    imports = list(case.imports)
    for name in sorted(missing):
        statement = known.get(name) or stdlib_import(name)
        if statement and statement not in imports:
            imports.append(statement)
    return dataclasses.replace(case, imports=imports) if imports != case.imports else case


def statement_name(statement: str) -> str:
    """The name an import statement made by this module binds."""
    last = statement.rsplit(" ", 1)[-1]
    return last.split(".")[0] if statement.startswith("import ") and " as " not in statement else last


def raised_names(source: str) -> set[str]:
    """The exception classes the module imports or names in a `raise`: cron_descriptor raises
    `FormatError` from its own `Exception` module, and a test may expect exactly that."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    named = {
        node.exc.func.id
        if isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name)
        else node.exc.id
        if isinstance(node.exc, ast.Name)
        else ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise) and node.exc is not None
    }
    imported = {name for name in module_imports(source, "") if name.endswith(("Error", "Exception"))}
    return (named - {""}) | imported
