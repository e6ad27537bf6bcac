"""Post-processing rules that turn raw model output into ghost text."""

from __future__ import annotations

from lsp_server.completion.postprocess import heal_blanks, held_back, shape


def test_mid_line_completions_stay_on_the_line():
    assert shape("value)\n    more()", "print(", ")", ")\n") == "value"


def test_multi_line_stops_when_the_block_ends():
    raw = "total = 0\n    for x in xs:\n        total += x\n    return total\n\ndef other():\n    pass"
    assert shape(raw, "    ", "", "\n") == "total = 0\n    for x in xs:\n        total += x\n    return total"


def test_repeated_lines_are_dropped():
    raw = "a = compute()\n    b = compute()\n    a = compute()\n    c = 1"
    assert shape(raw, "    ", "", "") == "a = compute()\n    b = compute()"


def test_lines_already_after_the_cursor_are_trimmed():
    raw = "x = 1\n    return x"
    assert shape(raw, "    ", "", "\n    return x\n") == "x = 1"


def test_one_trailing_space_is_held_back_and_healed():
    assert held_back("        ") == " " and held_back("x = ") == " " and held_back("\t") == ""
    assert heal_blanks(" return x", " ") == "return x"
    assert heal_blanks("return x", " ") == "return x"
    assert heal_blanks(" x", "") == " x"


def test_completions_that_break_parsing_are_trimmed_or_dropped():
    from lsp_server.completion.syntax_check import keep_parsing

    text = "def f(x):\n    y = 1\n    \n    return y\n"
    cursor = text.index("    \n") + 4
    assert keep_parsing(text, cursor, "y += x") == "y += x"
    assert keep_parsing(text, cursor, "y += x\n        z = (") == "y += x"  # the broken line goes
    assert keep_parsing(text, cursor, "y += x\n  bad_indent = 2") == "y += x"  # Python's parser catches it
    assert keep_parsing(text, cursor, "y = [") == ""


def test_a_quick_first_line_waits_for_its_brackets_to_close() -> None:
    from lsp_server.completion.postprocess import BlockEnd

    watcher = BlockEnd("    ", "", first_line=True)
    assert not watcher("\n")  # nothing said yet
    assert not watcher("    raise Error(\n")  # the call goes on
    assert not watcher('        "a (message)",\n')
    assert watcher("    )\n")
    assert BlockEnd("    ", "", first_line=True)("    return x\n")


def test_a_gap_filled_does_not_write_the_lines_below_again():
    # Filling a blank line between statements, the model writes the missing header, then the body
    # that the document already has below the cursor.
    below = "\n        results.append(results[-1])\n        results.pop(0)\n\n    return results[-1]"
    raw, suffix = "for i in range(4, n + 1):" + below, below + "\n"
    assert shape(raw, "    ", "", suffix) == "for i in range(4, n + 1):"


def test_a_line_like_one_below_but_at_another_depth_is_kept():
    raw = "if missing:\n        return result"
    assert shape(raw, "    ", "", "\n    return result\n") == "if missing:\n        return result"


def test_a_header_written_above_its_body_stays_one_line():
    raw = "for e, o in zip(evens, odds):\n        ans.append(e)\n        ans.append(o)"
    suffix = "\n        ans.extend([e, o])\n    return ans\n"
    assert shape(raw, "    ", "", suffix) == "for e, o in zip(evens, odds):"
    # With nothing deeper below, the header keeps the body it wrote.
    assert shape(raw, "    ", "", "\n    return ans\n") == raw
