"""A concrete example call for a target, built from its signature, for the prompt's example.

Small models copy the example they are shown; an example like `wrap(...)` comes back with a
literal `...` as the argument. An example with plausible values of the right kinds (from type
hints, defaults and parameter names) is copied into something that runs.
"""

from __future__ import annotations

import ast
import textwrap

_BY_ANNOTATION = {
    "str": "'hello world'",
    "int": "3",
    "float": "1.5",
    "bool": "True",
    "bytes": "b'abc'",
    "list": "[1, 2, 3]",
    "dict": "{'a': 1}",
    "tuple": "(1, 2)",
    "set": "{1, 2}",
}
_BY_NAME = (
    (("text", "string", "name", "word", "s", "line", "title", "prefix", "pattern", "path"), "'hello world'"),
    (("n", "width", "count", "size", "length", "index", "i", "k", "level", "number", "limit"), "3"),
    (("items", "values", "lst", "seq", "numbers", "elements", "data"), "[1, 2, 3]"),
    (("x", "y", "z", "r", "g", "b", "h", "l", "v", "value", "amount", "price", "rate"), "0.5"),
    (("flag", "strict", "enabled"), "True"),
)


def _value(arg: ast.arg, default: ast.expr | None) -> str:
    if arg.annotation is not None:
        hint = ast.unparse(arg.annotation).split("[")[0].split("|")[0].strip().removeprefix("typing.")
        if hint.lower() in _BY_ANNOTATION:
            return _BY_ANNOTATION[hint.lower()]
    if default is not None and isinstance(default, ast.Constant) and default.value is not None:
        return repr(default.value)
    name = arg.arg.lower().strip("_")
    for names, value in _BY_NAME:
        if name in names or name.endswith(names):
            return value
    return "1"


def _function(source: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return None
    node = tree.body[0] if tree.body else None
    if isinstance(node, ast.ClassDef):
        node = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _fields(source: str) -> str:
    """A dataclass-like class without __init__: its annotated fields without defaults."""
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return ""
    cls = next((n for n in tree.body if isinstance(n, ast.ClassDef)), None)
    if cls is None:
        return ""
    fields = [n for n in cls.body if isinstance(n, ast.AnnAssign) and n.value is None]
    return ", ".join(
        _value(ast.arg(arg=ast.unparse(f.target), annotation=f.annotation), None) for f in fields
    )


def arguments(source: str) -> str:
    """`'hello world', 3` for `def f(text: str, width=70)`; "" when nothing is required."""
    node = _function(source)
    if node is None:
        return _fields(source)
    args = node.args
    positional = [a for a in [*args.posonlyargs, *args.args] if a.arg not in ("self", "cls")]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    shown = [_value(a, d) for a, d in zip(positional, defaults, strict=True) if d is None]
    shown += [
        f"{a.arg}={_value(a, None)}"
        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
        if d is None
    ]
    return ", ".join(shown)


def placeholders(source: str) -> str:
    """`<expression>, <width>` for `def f(expression, width, sep=",")`: the required parameters by
    name, for an example whose concrete values the code already refused (a model copies them)."""
    node = _function(source)
    if node is None:
        return ""
    args = node.args
    positional = [a for a in [*args.posonlyargs, *args.args] if a.arg not in ("self", "cls")]
    required = positional[: len(positional) - len(args.defaults)]
    return ", ".join(f"<{a.arg}>" for a in required)
