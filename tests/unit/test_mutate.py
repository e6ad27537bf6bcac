"""The model-free variant builder behind gen-tests' exploration: pure syntax, no code is run."""

import ast
import textwrap

from lsp_server.testgen.cases import UNKNOWN, Case
from lsp_server.testgen.mutate import Mutator, constant_pool, qualify_members, signatures

SOURCE = textwrap.dedent(
    '''
    """A module docstring that is not a value."""
    LIMIT = 10

    def parse(text, strict=False, sep=","):
        """Split text."""
        if text.startswith("["):
            return text[1:]
        return text.split(sep)

    def wrap(text, width=70, **kwargs):
        return Wrapper(width=width, **kwargs).wrap(text)

    class Wrapper:
        def __init__(self, width=70, indent="", max_lines=None):
            self.width = width

        def wrap(self, text, *, keep=True):
            return [text]
    '''
)


def case(call: str, setup: list[str] | None = None) -> Case:
    return Case(target="parse", name="seed", setup=setup or [], call=call, expected="1")


def test_constant_pool_has_the_modules_values_but_not_its_docstrings():
    pool = constant_pool(SOURCE)
    assert "[" in pool and "," in pool and 10 in pool and 1 in pool
    assert not any(isinstance(v, str) and "docstring" in v for v in pool)
    assert "Split text." not in pool


def test_signatures_list_optional_parameters_and_forward_kwargs():
    found = signatures(SOURCE)
    assert [p.name for p in found["parse"]] == ["text", "strict", "sep"]
    assert [p.name for p in found["Wrapper"]] == ["width", "indent", "max_lines"]
    assert [(p.name, p.keyword_only) for p in found[".wrap"]] == [("text", False), ("keep", True)]
    assert found["wrap"][0].name == "text"
    # wrap takes **kwargs, so the module's other optional parameters are offered to it too
    assert {"indent", "max_lines", "strict"} <= {p.name for p in found["wrap"]}


def test_variants_are_distinct_parse_and_stay_probes():
    seed = case("parse('a,b', sep=',')")
    variants = Mutator(SOURCE, seed=1).variants(seed, 30)
    assert 10 <= len(variants) <= 30
    calls = [v.call for v in variants]
    assert len(set(calls)) == len(calls) and seed.call not in calls
    for variant in variants:
        ast.parse(variant.call, mode="eval")
        assert variant.probe and variant.expected == UNKNOWN and variant.target == "parse"
        assert variant.problems() is None


def test_variants_add_optional_keywords_and_use_module_constants():
    seed = case("parse('abc')")
    calls = {v.call for v in Mutator(SOURCE, seed=2).variants(seed, 200)}
    assert any("strict=True" in c for c in calls)
    assert any("sep=" in c for c in calls)
    assert "parse('')" in calls
    assert any(c.startswith("parse('[") or "[" in c for c in calls)


def test_variants_change_setup_statements_too():
    seed = case("obj.wrap('x')", setup=["obj = Wrapper(width=5)"])
    variants = Mutator(SOURCE, seed=3).variants(seed, 200)
    assert any(v.setup != seed.setup for v in variants)
    assert any("indent=" in v.setup[0] or "max_lines=" in v.setup[0] for v in variants)
    assert any("keep=False" in v.call for v in variants)


def test_same_seed_same_variants():
    seed = case("parse('a,b', sep=',')")
    first = [v.call for v in Mutator(SOURCE, seed=7).variants(seed, 20)]
    again = [v.call for v in Mutator(SOURCE, seed=7).variants(seed, 20)]
    assert first == again


def test_a_call_that_does_not_parse_has_no_variants():
    assert Mutator(SOURCE).variants(case("parse('a'"), 10) == []


DISPATCH = textwrap.dedent(
    """
    import datetime
    from enum import Enum
    from typing import Literal, Optional

    class Mode(Enum):
        FAST = 1
        SLOW = 2

    def slugify(text: str, algorithm: Literal["legacy", "modern"] = "legacy", *, lower: bool = True):
        if algorithm == "modern":
            return text
        return text.lower() if lower else text

    def schedule(
        start: datetime.datetime, every: "Optional[datetime.timedelta]" = None, mode: Mode = Mode.FAST
    ):
        match mode:
            case Mode.SLOW:
                return start
        if every in (None, 0):
            return None
        return start + every
    """
)


def test_signatures_know_the_values_the_code_dispatches_on():
    found = {p.name: [c.expr for c in p.choices] for p in signatures(DISPATCH)["slugify"]}
    assert found["algorithm"] == ["'legacy'", "'modern'"]  # Literal, and compared in the body
    assert found["lower"] == ["True", "False"]
    schedule = {p.name: p.choices for p in signatures(DISPATCH)["schedule"]}
    assert [c.expr for c in schedule["mode"]] == ["Mode.FAST", "Mode.SLOW"]
    assert (
        schedule["start"][0].setup == "import datetime" and "datetime.datetime(" in schedule["start"][0].expr
    )
    assert "None" in [c.expr for c in schedule["every"]] and "0" in [c.expr for c in schedule["every"]]
    assert any("timedelta(hours=-3)" in c.expr for c in schedule["every"])


def test_choice_variants_try_each_dispatch_value_once():
    mutator = Mutator(DISPATCH)
    seed = Case(
        target="slugify", name="seed", setup=[], call="slugify('Hello World')", expected="'hello world'"
    )
    variants = mutator.choice_variants(seed)
    calls = {v.call for v in variants}
    assert "slugify('Hello World', algorithm='modern')" in calls
    assert "slugify('Hello World', lower=False)" in calls
    assert all(v.probe and v.expected == UNKNOWN for v in variants)
    assert mutator.choice_variants(seed) == []  # offered once per run
    dated = Case(target="schedule", name="s", setup=[], call="schedule(start)", expected="1")
    variants = Mutator(DISPATCH).choice_variants(dated)
    leap = next(v for v in variants if "2024, 2, 29" in v.call)
    assert leap.setup == ["import datetime"]
    assert any("mode=Mode.SLOW" in v.call for v in variants)
    for variant in variants:
        assert variant.problems() is None


def test_values_guarding_a_branch_not_taken_yet_come_first():
    algorithm = next(p for p in signatures(DISPATCH)["slugify"] if p.name == "algorithm")
    modern = next(c for c in algorithm.choices if c.expr == "'modern'")
    assert modern.guards and not next(c for c in algorithm.choices if c.expr == "'legacy'").guards
    seed = Case(target="slugify", name="seed", setup=[], call="slugify('Hello World')", expected="'x'")
    unranked = [v.call for v in Mutator(DISPATCH).choice_variants(seed)]
    ranked = [v.call for v in Mutator(DISPATCH).choice_variants(seed, open_branches={modern.guards[0]})]
    assert ranked[0] == "slugify('Hello World', algorithm='modern')" and sorted(ranked) == sorted(unranked)


def test_an_enum_member_named_without_its_class_is_qualified():
    seed = Case(
        target="schedule", name="s", setup=["m = SLOW"], call="schedule(start, mode=SLOW)", expected="1"
    )
    fixed = qualify_members(seed, "SLOW", DISPATCH)
    assert fixed is not None and fixed.repaired
    assert fixed.setup == ["m = Mode.SLOW"] and fixed.call == "schedule(start, mode=Mode.SLOW)"
    assert qualify_members(seed, "MEDIUM", DISPATCH) is None  # no member of that name


CLASSY = textwrap.dedent(
    """
    class Descriptor:
        def __init__(self, expression: str):
            if len(expression.split()) < 5:
                raise ValueError("at least 5 parts")
            self.parts = expression.split()

        def describe(self, verbose: bool = False):
            return " ".join(self.parts)

        def minutes(self, part: str, width: int):
            return part.rjust(width, "*")

        @property
        def first(self):
            return self.parts[0]

        def _hidden(self):
            return None
    """
)


def test_sibling_calls_try_the_objects_other_public_methods_once():
    mutator = Mutator(CLASSY)
    seed = Case(
        target="Descriptor.describe",
        name="s",
        setup=[],
        call="Descriptor('* * * * *').describe()",
        expected="1",
    )
    siblings = mutator.sibling_calls(seed)
    assert [s.target for s in siblings] == ["Descriptor.minutes"]
    minutes = ast.parse(siblings[0].call, mode="eval").body
    assert ast.unparse(minutes.func) == "Descriptor('* * * * *').minutes"
    part, width = (ast.literal_eval(a) for a in minutes.args)
    assert isinstance(part, str) and isinstance(width, int)  # filled from the annotations
    assert siblings[0].probe and mutator.sibling_calls(seed) == []
    built = Case(
        target="Descriptor",
        name="o",
        setup=["obj = Descriptor('1 2 3 4 5')"],
        call="obj.describe()",
        expected="1",
    )
    assert [s.call.split("(")[0] for s in mutator.sibling_calls(built)] == ["obj.minutes"]


def test_structured_strings_get_field_edits():
    mutator = Mutator("SPECIAL = ('/', '-', ',', '*')\n")
    edits = mutator._token_edits("0 0 * * *")
    assert "0 0 * * * *" in edits or "0 0 0 * * *" in edits  # a field repeated: 6 fields
    assert any(len(e.split(" ")) == 4 for e in edits)  # a field dropped
    assert any(len(e.split(" ")) == 5 and e != "0 0 * * *" for e in edits)  # a field edited
    assert mutator._token_edits("plain") == []
