"""The syntax judge: Python's own parser on the statement around the cursor, before and after."""

from lsp_server.completion.syntax_check import REGION_LIMIT, keep_parsing, statement_region


def at(text: str, marker: str = "|") -> tuple[str, int]:
    return text.replace(marker, ""), text.index(marker)


def test_region_is_the_top_level_statement_around_the_cursor():
    text, cursor = at("import os\n\ndef f():\n    x = 1|\n    return x\n\ndef g():\n    pass\n")
    start, end = statement_region(text, cursor)
    assert text[start:end].startswith("def f():") and "def g" not in text[start:end]


def test_mid_statement_completions_may_stay_incomplete_but_not_wrong():
    text, cursor = at("def f(a, b):\n    result = compute(|\n")
    assert keep_parsing(text, cursor, "a, b)") == "a, b)"
    assert keep_parsing(text, cursor, "a, b") == "a, b"  # still open: the user is mid-call
    assert keep_parsing(text, cursor, "a, b))") == ""
    text, cursor = at("class A:\n    def m(|\n\nx = 1\n")
    assert keep_parsing(text, cursor, "self):") == "self):"  # waiting for its body is fine


def test_code_that_parsed_must_still_parse():
    text, cursor = at("def f(items):\n    total = 0\n    |\n    return total\n")
    assert keep_parsing(text, cursor, "for x in items:") == ""  # a header with no body
    assert (
        keep_parsing(text, cursor, "for x in items:\n        total += x")
        == "for x in items:\n        total += x"
    )


def test_broken_code_must_be_fixed_or_left_alone_further_down():
    # The line that opened the loop is missing: the body below is an orphan.
    text, cursor = at("def f(items):\n    total = 0\n    |\n        total += 1\n    return total\n")
    assert keep_parsing(text, cursor, "for x in items:") == "for x in items:"
    assert keep_parsing(text, cursor, "total = 1") == ""  # does not fit what follows
    # An unrelated error far below the cursor does not block a good completion.
    text, cursor = at("def f():\n    x = |\n    y = 2\n    z = 3\n    w = (]\n")
    assert keep_parsing(text, cursor, "1") == "1"
    assert keep_parsing(text, cursor, "1 +") == ""


def test_a_huge_statement_falls_back_to_counting_tree_sitter_errors():
    body = "".join(f"    v{i} = {i}\n" for i in range(REGION_LIMIT // 10))
    text, cursor = at("def f():\n" + body + "    |\n")
    assert keep_parsing(text, cursor, "return v1") == "return v1"
    assert keep_parsing(text, cursor, "return (") == ""
