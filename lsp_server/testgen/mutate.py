"""Model-free exploration around the calls the model wrote: new values, same shapes.

A 0.5B model is good at the shape of a call (how to build the object, which kinds of argument a
function takes) and poor at choosing the values that reach the next branch; search-based tools
(Pynguin) get their coverage from many cheap value changes seeded with the module's own
constants. So every kept call seeds variants — a literal replaced, a list shortened, an optional
keyword argument added — that the code then answers for itself (observed values, like probes).
Nothing here runs code: variants are built from the syntax tree and handed back as probe cases.
"""

from __future__ import annotations

import ast
import dataclasses
import random
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from lsp_server.testgen.cases import UNKNOWN, Case, slug

MAX_STRING = 40  # longer module strings are messages, not values the code branches on
MAX_INT = 1000  # mutated numbers stay small: a test must run in milliseconds


@dataclass(frozen=True)
class Choice:
    """A value worth trying for one parameter, as source, and the import it needs."""

    expr: str
    setup: str = ""
    guards: tuple[int, ...] = ()  # the lines where the code compares the parameter with it


@dataclass(frozen=True)
class Parameter:
    """A parameter of a function under test; one with a default is an argument a variant may add."""

    name: str
    default: object  # the default's value (a literal), or `_REQUIRED`
    keyword_only: bool = False
    choices: tuple[Choice, ...] = ()
    annotation: str = ""  # as written (`str | None`), to fill a required argument of a sibling call
    """What the code dispatches on: `Literal` values, `Enum` members, both bools, None for an
    Optional, the constants the body compares the parameter with (`==`, `in`, `match`), and
    values of standard types it is annotated with (`datetime`, `timedelta`, `Decimal`, `Path`)."""


# Values of standard library types, built from their constructors: edge dates (a leap day, the
# epoch, a month's end), signed durations, money-like decimals.
_TYPED = {
    "datetime": (
        "import datetime",
        "datetime.datetime(2024, 2, 29, 23, 59, 59)",
        "datetime.datetime(1970, 1, 1)",
        "datetime.datetime(2023, 12, 31, 12, 0, tzinfo=datetime.timezone.utc)",
    ),
    "date": ("import datetime", "datetime.date(2024, 2, 29)", "datetime.date(2023, 1, 1)"),
    "time": ("import datetime", "datetime.time(0, 0)", "datetime.time(23, 59, 59)"),
    "timedelta": (
        "import datetime",
        "datetime.timedelta(0)",
        "datetime.timedelta(days=1)",
        "datetime.timedelta(hours=-3)",
        "datetime.timedelta(days=400, seconds=5)",
    ),
    "Decimal": (
        "import decimal",
        "decimal.Decimal('19.99')",
        "decimal.Decimal('0')",
        "decimal.Decimal('-1.005')",
    ),
    "Path": ("import pathlib", "pathlib.Path('data/report.txt')", "pathlib.Path('.')"),
    "PurePath": ("import pathlib", "pathlib.PurePath('a/b.tar.gz')"),
}


_REQUIRED = object()
_SEPARATORS = (" ", ",", ";", ":", "-", "/", ".", "|")  # how structured strings split into fields


def constant_pool(source: str) -> list[object]:
    """The module's own literals (strings it compares with, numbers it checks against), which is
    where the interesting values for its branches usually are."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    seen: dict[tuple[type, object], object] = {}
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or isinstance(node.value, bool) or id(node) in docstrings:
            continue
        value = node.value
        short = isinstance(value, (str, bytes)) and len(value) <= MAX_STRING
        small = isinstance(value, (int, float)) and abs(value) <= MAX_INT
        if short or small:
            seen.setdefault((type(value), value), value)
    return list(seen.values())


def signatures(source: str) -> dict[str, list[Parameter]]:
    """Parameters, per callable name as a test spells it: `func`, `Class` (its __init__) and
    `.method` (called on an object). Only those with defaults can be added to a call."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    result: dict[str, list[Parameter]] = {}
    enums = _enums(tree)
    aliases = {  # `Algorithm = Literal["legacy", "modern"]`, and the like
        node.targets[0].id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        if isinstance(node.value, ast.Subscript)
    }

    def params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Parameter]:
        args = fn.args
        positional = [*args.posonlyargs, *args.args]
        defaults = [_REQUIRED] * (len(positional) - len(args.defaults)) + [_literal(d) for d in args.defaults]
        compared = _compared(fn)

        def choices(arg: ast.arg) -> tuple[Choice, ...]:
            annotation = arg.annotation
            if isinstance(annotation, ast.Name) and annotation.id in aliases:
                annotation = aliases[annotation.id]
            found = _annotated(annotation, enums) if annotation is not None else []
            guarded = {e: Choice(e, "", tuple(lines)) for e, lines in compared.get(arg.arg, {}).items()}
            merged = [guarded.pop(c.expr, c) if not c.setup else c for c in found]
            return tuple(dict.fromkeys([*merged, *guarded.values()]))

        def written(arg: ast.arg) -> str:
            return ast.unparse(arg.annotation) if arg.annotation is not None else ""

        pairs = zip(positional, defaults, strict=True)
        found = [
            Parameter(a.arg, d, choices=choices(a), annotation=written(a))
            for a, d in pairs
            if a.arg not in ("self", "cls")
        ]
        found += [
            Parameter(
                a.arg,
                _REQUIRED if d is None else _literal(d),
                keyword_only=True,
                choices=choices(a),
                annotation=written(a),
            )
            for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
        ]
        return found

    forwarding: list[str] = []  # callables taking **kwargs, which usually pass them on
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            result[node.name] = params(node)
            if node.args.kwarg is not None:
                forwarding.append(node.name)
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    name = node.name if member.name == "__init__" else f".{member.name}"
                    result.setdefault(name, params(member))
    # `wrap(text, width=70, **kwargs)` hands kwargs to `TextWrapper(...)`: offer the module's other
    # optional parameters to such functions too (a wrong guess is a TypeError, discarded).
    for name in forwarding:
        own = {p.name for p in result[name]}
        others = {p.name: p for ps in result.values() for p in ps if p.default is not _REQUIRED}
        result[name] = result[name] + [p for n, p in others.items() if n not in own]
    return result


def qualify_members(case: Case, name: str, source: str) -> Case | None:
    """`case` with the bare name `name` written as the one Enum member of the module it names
    (`SECONDS` → `Unit.SECONDS`): a small model often forgets the class, and the NameError says
    which name. None when no single member has that name."""
    try:
        enums = _enums(ast.parse(source))
    except SyntaxError:
        return None
    owners = [member for members in enums.values() for member in members if member.endswith(f".{name}")]
    if len(owners) != 1:
        return None
    owner = owners[0].rsplit(".", 1)[0]

    class Qualify(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            if node.id != name or not isinstance(node.ctx, ast.Load):
                return node
            return ast.copy_location(ast.Attribute(ast.Name(owner, ast.Load()), name, ast.Load()), node)

    def rewrite(statement: str, mode: str) -> str:
        tree = Qualify().visit(ast.parse(statement, mode=mode))
        return ast.unparse(ast.fix_missing_locations(tree))

    try:
        setup = [rewrite(line, "exec") for line in case.setup]
        call = rewrite(case.call, "eval")
    except SyntaxError:
        return None
    return dataclasses.replace(case, setup=setup, call=call, repaired=True)


def _enums(tree: ast.Module) -> dict[str, list[str]]:
    """The module's Enum classes and their members, as `Color.RED`."""
    found: dict[str, list[str]] = {}
    for node in tree.body:
        bases = (
            {ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases}
            if isinstance(node, ast.ClassDef)
            else set()
        )
        if isinstance(node, ast.ClassDef) and bases & {"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"}:
            members = [
                t.id
                for item in node.body
                if isinstance(item, ast.Assign)
                for t in item.targets
                if isinstance(t, ast.Name) and not t.id.startswith("_")
            ]
            found[node.name] = [f"{node.name}.{m}" for m in members]
    return found


def _annotated(annotation: ast.expr, enums: dict[str, list[str]]) -> list[Choice]:
    """Values a parameter's annotation names: Literal values, Enum members, True and False, None
    for an Optional, and values of standard types."""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):  # X | None
        return _annotated(annotation.left, enums) + _annotated(annotation.right, enums)
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):  # "Color"
        try:
            return _annotated(ast.parse(annotation.value, mode="eval").body, enums)
        except SyntaxError:
            return []
    if isinstance(annotation, ast.Constant) and annotation.value is None:
        return [Choice("None")]
    name = ast.unparse(annotation.value if isinstance(annotation, ast.Subscript) else annotation)
    name = name.rsplit(".", 1)[-1]
    if isinstance(annotation, ast.Subscript):
        inner = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        if name == "Literal":
            return [Choice(ast.unparse(e)) for e in inner if isinstance(e, ast.Constant)]
        if name in ("Optional", "Union"):
            return [c for e in inner for c in _annotated(e, enums)] + [Choice("None")]
        return []
    if name == "bool":
        return [Choice("True"), Choice("False")]
    if name in enums:
        return [Choice(member) for member in enums[name]]
    if name in _TYPED:
        imports, *values = _TYPED[name]
        return [Choice(value, imports) for value in values]
    return []


def _compared(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, dict[str, list[int]]]:
    """Per parameter, the constants the body compares it with (`algorithm == 'modern'`,
    `mode in ('r', 'w')`, `case 'x':`: the values that take each branch), and on which lines."""
    names = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]}
    found: dict[str, dict[str, list[int]]] = {}

    def add(name: str, node: ast.expr) -> None:
        values = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
        for value in values:
            if isinstance(value, ast.Constant) or (
                isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name)
            ):
                found.setdefault(name, {}).setdefault(ast.unparse(value), []).append(node.lineno)

    for node in ast.walk(fn):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            for left, right in zip(sides, sides[1:], strict=False):
                if isinstance(left, ast.Name) and left.id in names:
                    add(left.id, right)
                elif isinstance(right, ast.Name) and right.id in names:
                    add(right.id, left)
        elif isinstance(node, ast.Match) and isinstance(node.subject, ast.Name) and node.subject.id in names:
            for case in node.cases:
                patterns = case.pattern.patterns if isinstance(case.pattern, ast.MatchOr) else [case.pattern]
                for pattern in patterns:
                    if isinstance(pattern, ast.MatchValue):
                        add(node.subject.id, pattern.value)
    return found


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return _REQUIRED  # a default that is not a literal: leave the parameter alone


class Mutator:
    """Builds variants of cases; seeded, so the same run gives the same tests."""

    def __init__(self, source: str, seed: int = 0) -> None:
        self.pool = constant_pool(source)
        self.signatures = signatures(source)
        self.methods = _public_methods(source)
        self.rng = random.Random(seed)
        self._offered: set[tuple[str, ...]] = set()

    def choice_variants(self, case: Case, open_branches: Collection[int] = ()) -> list[Case]:
        """Each call of `case` with each dispatch value (`Parameter.choices`) in each argument,
        each offered once per run: the values that take the code's other branches, tried before
        random edits (slugify's `algorithm='modern'` is one change away, not one in thousands).
        Values compared on a line in `open_branches` (a branch not taken yet) come first."""
        statements = [*case.setup, case.call]
        result: list[tuple[bool, Case]] = []
        for index, statement in enumerate(statements):
            mode = "eval" if index == len(statements) - 1 else "exec"
            try:
                tree = ast.parse(statement, mode=mode)
            except SyntaxError:
                continue
            for position, node in enumerate(ast.walk(tree)):
                if not isinstance(node, ast.Call):
                    continue
                for slot, param in enumerate(self.signatures.get(_callee(node), [])):
                    for choice in param.choices:
                        fresh = ast.parse(statement, mode=mode)
                        if not _set_argument(fresh, position, slot, param, choice.expr):
                            continue
                        text = ast.unparse(ast.fix_missing_locations(fresh))
                        variant = [*statements[:index], text, *statements[index + 1 :]]
                        setup, call = variant[:-1], variant[-1]
                        if choice.setup and choice.setup not in setup:
                            setup = [choice.setup, *setup]
                        key = (*setup, call)
                        if text == statement or key in self._offered or len(text) > 300:
                            continue
                        self._offered.add(key)
                        guarding = any(line in open_branches for line in choice.guards)
                        result.append((not guarding, _probe(case, setup, call)))
        return [variant for _, variant in sorted(result, key=lambda pair: pair[0])]

    def sibling_calls(self, case: Case) -> list[Case]:
        """The object the case builds, with each of its class's other public methods called on it,
        required arguments filled from their annotations and the module's constants: once one call
        gets past a strict constructor (a valid cron expression), every method behind it is one
        step away, without a model request per method. Each offered once per run."""
        try:
            call = ast.parse(case.call, mode="eval").body
        except SyntaxError:
            return []
        receiver = (
            call.func.value if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) else call
        )
        cls = self._class_of(receiver, case.setup)
        result = []
        for method in self.methods.get(cls or "", []):
            args, setup = [], list(case.setup)
            for param in self.signatures.get(f".{method}", []):
                if param.default is not _REQUIRED or param.keyword_only:
                    continue
                expr, needs = self._fill(param)
                args.append(expr)
                if needs and needs not in setup:
                    setup.insert(0, needs)
            text = f"{ast.unparse(receiver)}.{method}({', '.join(args)})"
            key = (*case.setup, ast.unparse(receiver), method)  # once, whatever values filled it
            if text == case.call or key in self._offered or len(text) > 300:
                continue
            self._offered.add(key)
            sibling = _probe(case, setup, text)
            sibling.target = f"{cls}.{method}"
            result.append(sibling)
        return result

    def _class_of(self, receiver: ast.expr, setup: list[str]) -> str | None:
        """The module's class `receiver` is an object of: `Cls(...)`, or a name set up as one."""
        if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name):
            return receiver.func.id if receiver.func.id in self.methods else None
        if isinstance(receiver, ast.Name):
            for statement in setup:
                try:
                    tree = ast.parse(statement)
                except SyntaxError:
                    continue
                node = tree.body[0] if tree.body else None
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == receiver.id for t in node.targets
                ):
                    return self._class_of(node.value, [])
        return None

    def _fill(self, param: Parameter) -> tuple[str, str]:
        """A value for a required parameter, and the import it needs: a dispatch value if it has
        one, else a value of its annotated type, else one of the module's constants."""
        if param.choices:
            return param.choices[0].expr, param.choices[0].setup
        kinds = {"str": str, "int": int, "float": float, "bytes": bytes}
        for word, kind in kinds.items():
            if re.search(rf"\b{word}\b", param.annotation):
                pool = [v for v in self.pool if type(v) is kind]
                return repr(self.rng.choice(pool) if pool else kind()), ""
        for word, empty in (
            ("bool", "True"),
            ("list", "[]"),
            ("dict", "{}"),
            ("tuple", "()"),
            ("set", "set()"),
        ):
            if re.search(rf"\b{word}\b", param.annotation.lower()):
                return empty, ""
        return (repr(self.rng.choice(self.pool)) if self.pool else "None"), ""

    def variants(self, case: Case, limit: int) -> list[Case]:
        """Up to `limit` distinct new cases, each one change away from `case`."""
        statements = [*case.setup, case.call]
        try:
            trees = [ast.parse(s, mode="exec") for s in case.setup] + [ast.parse(case.call, mode="eval")]
        except SyntaxError:
            return []
        changes = [(i, change) for i, tree in enumerate(trees) for change in self._changes(tree)]
        self.rng.shuffle(changes)
        seen = {tuple(statements)}
        result: list[Case] = []
        for index, change in changes:
            if len(result) >= limit:
                break
            tree = ast.parse(statements[index], mode="eval" if index == len(trees) - 1 else "exec")
            if not change(tree):
                continue
            try:
                text = ast.unparse(ast.fix_missing_locations(tree))
            except (ValueError, TypeError, RecursionError):
                continue
            variant = [*statements[:index], text, *statements[index + 1 :]]
            if tuple(variant) in seen or len(text) > 200:
                continue
            seen.add(tuple(variant))
            result.append(_probe(case, variant[:-1], variant[-1]))
        return result

    # -- changes: each finds its node in a fresh copy of the tree by position, then edits it --------

    def _changes(self, tree: ast.AST) -> Iterator:
        for position, node in enumerate(ast.walk(tree)):
            if isinstance(node, ast.Constant):
                for value in self._values(node.value):
                    yield _replace_constant(position, value)
            elif isinstance(node, (ast.List, ast.Tuple, ast.Set)) and node.elts:
                yield _drop_element(position, 0)
                yield _drop_element(position, len(node.elts) - 1)
                yield _clear(position)
            elif isinstance(node, ast.Call):
                yield from self._keyword_changes(position, node)

    def _values(self, value: object) -> list[object]:
        """Replacements for one literal: edge values of its kind and the module's own constants."""
        pool = [v for v in self.pool if type(v) is type(value) and v != value]
        picks = self.rng.sample(pool, min(4, len(pool)))
        if isinstance(value, bool):
            return [not value]
        if isinstance(value, (int, float)):
            # Numbers cross between int and float: `int(h * 6)` branches on fractions of an int.
            random_ = [round(self.rng.uniform(-2, 2), 2), round(self.rng.random(), 2)]
            near = [0, 1, -1, value + 1, value - 1, value * 2, -value, value / 2, value + 0.5, 0.5]
            numbers = [v for v in self.pool if isinstance(v, (int, float)) and not isinstance(v, bool)]
            picks = self.rng.sample(numbers, min(4, len(numbers)))
            return [v for v in dict.fromkeys(near + random_ + picks) if abs(v) <= MAX_INT and v != value]
        if isinstance(value, str):
            edits = ["", value[: len(value) // 2], value + value, value.upper(), f" {value} ", f"{value}\n"]
            mixed = [value + p for p in picks[:2]] + [p + value for p in picks[2:3]]
            encoded = [value.encode("latin-1")] if value.isascii() else []
            tokens = self._token_edits(value)
            fresh = dict.fromkeys(edits + picks + mixed + self._character_edits(value) + tokens + encoded)
            return [v for v in fresh if v != value and len(v) <= 2 * MAX_STRING]
        if isinstance(value, bytes):
            return [v for v in dict.fromkeys([b"", value + value, *picks]) if v != value]
        if value is None:  # an optional setting: its kind is unknown, so try the common ones
            return self.rng.sample([0, 1, 2, 3, "", " ", "x", True, False, 0.5], 6)
        return []

    def _token_edits(self, value: str) -> list[str]:
        """Edits of a structured string's fields, split at its separator: one field repeated or
        dropped (`0 0 * * *` has 5 fields; the code wants 5, 6 or 7), one replaced by a short
        constant of the module or joined to another by one (`1-5`, `*/5`, `1,2`)."""
        separator = max(_SEPARATORS, key=value.count)
        fields = value.split(separator)
        if len(fields) < 2:
            return []
        shorts = [v for v in self.pool if isinstance(v, str) and 0 < len(v) <= 3 and separator not in v]
        result = []
        for _ in range(2):
            at = self.rng.randrange(len(fields))
            result.append(separator.join([*fields[: at + 1], fields[at], *fields[at + 1 :]]))
            result.append(separator.join(fields[:at] + fields[at + 1 :]))
            if shorts:
                pick, other = self.rng.choice(shorts), self.rng.choice(fields)
                joined = fields[at] + pick + other if len(pick) == 1 else pick
                result.append(separator.join([*fields[:at], joined, *fields[at + 1 :]]))
        return result

    def _character_edits(self, value: str) -> list[str]:
        """A character inserted, deleted or replaced at a random place: the module's own
        one-character constants first (a parser's `[`, `!`, `-`), then any printable one."""
        singles = [v for v in self.pool if isinstance(v, str) and len(v) == 1]
        chars = singles + [chr(self.rng.randrange(32, 127))]
        result = []
        for _ in range(3):
            at = self.rng.randrange(len(value) + 1)
            char = self.rng.choice(chars)
            result.append(value[:at] + char + value[at:])
            if value:
                at = min(at, len(value) - 1)
                result.append(value[:at] + value[at + 1 :])
                result.append(value[:at] + char + value[at + 1 :])
        return result

    def _keyword_changes(self, position: int, call: ast.Call) -> Iterator:
        params = self.signatures.get(_callee(call), [])
        given = {k.arg for k in call.keywords} | {p.name for p in params[: len(call.args)]}
        for param in params:
            if param.name in given or param.default is _REQUIRED:
                continue
            for value in self._values(param.default)[:4]:
                yield _add_keyword(position, param.name, value)
        for index, keyword in enumerate(call.keywords):
            if keyword.arg is not None:
                yield _drop_keyword(position, index)


def _public_methods(source: str) -> dict[str, list[str]]:
    """Each top-level class's public methods, in source order (properties and dunders left out)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    return {
        node.name: [
            item.name
            for item in node.body
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not item.name.startswith("_")
            and not any(ast.unparse(d).endswith(("property", "setter")) for d in item.decorator_list)
        ]
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


def _probe(case: Case, setup: list[str], call: str) -> Case:
    """A variant of `case`: its expected value is whatever the code answers (see probes)."""
    args = call[call.rfind("(") + 1 :] if "(" in call else call
    name = slug(args)[:30].strip("_") or "no_args"
    return Case(target=case.target, name=name, setup=setup, call=call, expected=UNKNOWN, probe=True)


def _callee(call: ast.Call) -> str:
    """The name `signatures` files a call under: `func`, `Class` or `.method`."""
    func = call.func
    return f".{func.attr}" if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _set_argument(tree: ast.AST, position: int, slot: int, param: Parameter, expr: str) -> bool:
    """Give the call at `position` the value `expr` for `param` (its `slot`-th parameter):
    in place where it is passed, else as a keyword."""
    node = _node_at(tree, position)
    if not isinstance(node, ast.Call):
        return False
    value = ast.parse(expr, mode="eval").body
    starred = any(isinstance(a, ast.Starred) for a in node.args[: slot + 1])
    if not param.keyword_only and slot < len(node.args) and not starred:
        node.args[slot] = value
        return True
    for keyword in node.keywords:
        if keyword.arg == param.name:
            keyword.value = value
            return True
    if starred or any(k.arg is None for k in node.keywords):
        return False  # *args or **kwargs may pass it already
    node.keywords.append(ast.keyword(arg=param.name, value=value))
    return True


def _node_at(tree: ast.AST, position: int) -> ast.AST | None:
    for i, node in enumerate(ast.walk(tree)):
        if i == position:
            return node
    return None


def _replace_constant(position: int, value: object):  # noqa: ANN202 - a change function
    def change(tree: ast.AST) -> bool:
        node = _node_at(tree, position)
        if not isinstance(node, ast.Constant):
            return False
        node.value = value
        return True

    return change


def _drop_element(position: int, index: int):  # noqa: ANN202
    def change(tree: ast.AST) -> bool:
        node = _node_at(tree, position)
        if not isinstance(node, (ast.List, ast.Tuple, ast.Set)) or len(node.elts) <= index:
            return False
        if isinstance(node, ast.Set) and len(node.elts) == 1:
            return False  # `{}` would be a dict
        del node.elts[index]
        return True

    return change


def _clear(position: int):  # noqa: ANN202
    def change(tree: ast.AST) -> bool:
        node = _node_at(tree, position)
        if not isinstance(node, (ast.List, ast.Tuple)):
            return False
        node.elts = []
        return True

    return change


def _add_keyword(position: int, name: str, value: object):  # noqa: ANN202
    def change(tree: ast.AST) -> bool:
        node = _node_at(tree, position)
        if not isinstance(node, ast.Call):
            return False
        node.keywords.append(ast.keyword(arg=name, value=ast.Constant(value)))
        return True

    return change


def _drop_keyword(position: int, index: int):  # noqa: ANN202
    def change(tree: ast.AST) -> bool:
        node = _node_at(tree, position)
        if not isinstance(node, ast.Call) or len(node.keywords) <= index:
            return False
        del node.keywords[index]
        return True

    return change
