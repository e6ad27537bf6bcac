"""A generated test case as data (what the model fills in) and as pytest code (what we build).

A small model is reliable at "call this, expect that" and unreliable at writing whole test
files, so it only supplies setup statements, one call and the expected value — through a JSON
schema that llama.cpp turns into a grammar — and the code around them is built here.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

MAX_TESTS_PER_REQUEST = 6

SCHEMA = {
    "type": "object",
    "properties": {
        "tests": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_TESTS_PER_REQUEST,
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{2,40}$"},
                    "setup": {"type": "array", "items": {"type": "string", "maxLength": 300}, "maxItems": 4},
                    "call": {"type": "string", "maxLength": 200},
                    # Any JSON value: the grammar guarantees a literal, never prose like "should be 0".
                    "expected": {},
                    "raises": {"type": "string", "maxLength": 40},
                },
                "required": ["name", "setup", "call", "expected", "raises"],
            },
        }
    },
    "required": ["tests"],
}

ONE_TEST_SCHEMA = {
    "type": "object",
    "properties": SCHEMA["properties"]["tests"]["items"]["properties"],
    "required": SCHEMA["properties"]["tests"]["items"]["required"],
}


# Coverage rounds ask only for calls: a small model's expected values are mostly wrong and are
# replaced by observed ones anyway, and leaving them out makes each proposal about 3x shorter.
def calls_schema(count: int) -> dict:
    """At most `count` calls: the grammar stops a model that would go on listing."""
    return {
        "type": "object",
        "properties": {
            "calls": {
                "type": "array",
                "minItems": 1,
                "maxItems": max(1, count),
                # Short: a 0.5B model sometimes writes 1000000… until the limit, one token a digit.
                "items": {"type": "string", "maxLength": 120},
            }
        },
        "required": ["calls"],
    }


UNKNOWN = "..."  # the expected value of a probe, until the code shows what it returns

# Exceptions a probe may pin down as expected behaviour. Others (NameError, TypeError,
# AttributeError, ...) almost always mean the call itself is wrong, not the code under test.
EXPECTABLE_ERRORS = frozenset(
    {"ValueError", "KeyError", "IndexError", "LookupError", "ZeroDivisionError", "ArithmeticError",
     "OverflowError", "UnicodeError", "UnicodeDecodeError", "UnicodeEncodeError", "StopIteration",
     "FileNotFoundError", "NotImplementedError", "RuntimeError"}
)  # fmt: skip

_RAISES = re.compile(r"^\s*(?:raises\s+|pytest\.raises\()\s*([A-Za-z_][\w.]*)\)?\s*$")


@dataclass
class Case:
    """One test as the model supplies it (setup, one call, the expected value); the pytest code
    around it is built here."""

    target: str
    name: str
    setup: list[str]
    call: str
    expected: str
    observed: bool = False  # expected value replaced by the value the code returned
    repaired: bool = False
    probe: bool = False  # a call without an expectation: the code's own behaviour becomes the oracle
    function: str = ""  # the pytest function name, unique in the file
    history: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)  # statements the test file needs for it (imports.py)

    @property
    def raises(self) -> str | None:
        match = _RAISES.match(self.expected)
        return match.group(1) if match else None

    def problems(self) -> str | None:
        r"""Why this case cannot become a test (None if it can). Fixes the one slip small models
        make most: a Python escape like \n written in JSON, which arrives as a real line break
        inside a string literal."""
        self.setup = [_unbroken(statement, "exec") for statement in self.setup]
        self.call = _unbroken(self.call, "eval")
        for statement in self.setup:
            try:
                ast.parse(statement)
            except SyntaxError:
                return f"setup does not parse: {statement!r}"
        try:
            tree = ast.parse(self.call, mode="eval")
        except SyntaxError:
            return f"call is not an expression: {self.call!r}"
        if any(isinstance(node, ast.Constant) and node.value is Ellipsis for node in ast.walk(tree)):
            return f"call has a placeholder `...` instead of an argument: {self.call!r}"
        if self.raises is None:
            try:
                ast.parse(self.expected, mode="eval")
            except SyntaxError:
                return f"expected value is not an expression: {self.expected!r}"
        return None

    def code(self, observe: bool = False) -> str:
        """The pytest function. With `observe`, the call's value is also recorded for repair."""
        lines = [f"def {self.function}():"]
        lines += [f"    {statement}" for statement in self.setup]
        if self.raises:
            lines += [f"    with pytest.raises({self.raises}):", f"        {self.call}"]
            return "\n".join(lines) + "\n"
        lines.append(f"    result = {self.call}")
        if observe:
            lines.append(f"    _ubiq_observe({self.function!r}, result)")
        if self.observed:
            lines.append("    # expected value observed from the code as it is (regression oracle)")
        compare = "is" if self.expected in ("None", "True", "False") else "=="
        lines.append(f"    assert result {compare} {self.expected}")
        return "\n".join(lines) + "\n"


def _unbroken(code: str, mode: str) -> str:
    """`code` with control characters escaped when that is what makes it parse."""
    try:
        ast.parse(code, mode=mode)
        return code
    except SyntaxError:
        pass
    escaped = code.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    for candidate in (code.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r"), escaped):
        try:
            ast.parse(candidate, mode=mode)
            return candidate
        except SyntaxError:
            continue
    return code


def slug(text: str) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")
    return re.sub(r"^(test_)+", "", name) or "case"


def from_json(target: str, data: dict) -> list[Case]:
    cases = []
    for item in data.get("tests", []) if "tests" in data else [data]:
        if not isinstance(item, dict):
            continue
        setup = item.get("setup") or []
        cases.append(
            Case(
                target=target,
                name=slug(str(item.get("name", "case"))),
                setup=[str(s) for s in setup if str(s).strip()] if isinstance(setup, list) else [],
                call=str(item.get("call", "")).strip(),
                expected=str(item.get("expected", "")).strip(),
            )
        )
    return cases


def from_calls(target: str, data: dict) -> list[Case]:
    """Probe cases from a list of call expressions; each test is named after its arguments."""
    calls = data.get("calls", []) if isinstance(data, dict) else []
    cases = []
    for call in calls:
        call = str(call).strip()
        args = call[call.rfind("(") + 1 :] if "(" in call else call
        name = slug(args)[:30].strip("_") or "no_args"
        cases.append(Case(target=target, name=name, setup=[], call=call, expected=UNKNOWN, probe=True))
    return cases


def raised(message: str) -> str | None:
    """The exception class named at the start of a failure message ("ValueError: ..."), if any."""
    match = re.match(r"\s*(?:[\w.]+\.)?([A-Z]\w*(?:Error|Exception|Iteration))\b", message)
    return match.group(1) if match else None
