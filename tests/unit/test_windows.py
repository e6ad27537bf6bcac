"""Which windows of a document to read ahead, which are still exact after an edit, and where a short
prompt's prefix starts so that a window holds it."""

from __future__ import annotations

from itertools import accumulate

from lsp_server.engine.windows import OVERLAP_CHARS, WINDOW_TOKENS, Window, Windows, window_tokens

LEAD = [-1, -2]


def _window(text: str, at: int, size: int = 100) -> Window:
    """A window whose "tokens" are its lines (the bookkeeping does not care what a token is)."""
    lines = text.splitlines(keepends=True)
    ends = list(accumulate(len(line.encode()) for line in lines))
    return Window(at, text, list(LEAD), [hash(line) for line in lines], ends, None, size)


def _doc(lines: int) -> str:
    return "".join(f"    value_{i} = compute(value_{i - 1}, {i})\n" for i in range(lines))


def _read_all(windows: Windows, text: str, around: int = 0) -> None:
    for start, end, old in windows.todo("a.py", text, around):
        windows.put("a.py", old, _window(text[start:end], start))


def test_a_document_is_read_in_overlapping_windows_from_line_starts_nearest_first():
    text = _doc(1000)
    around = len(text) // 2
    todo = Windows(1 << 30).todo("a.py", text, around)
    spans = sorted((start, end) for start, end, _ in todo)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(text[start - 1] == "\n" for start, _ in spans if start)
    # Each place past the first window has a window starting at least OVERLAP_CHARS above it.
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start <= end - OVERLAP_CHARS
    assert todo[0][0] <= around < todo[0][1]
    assert all(old is None for *_, old in todo)


def test_every_place_gets_a_prefix_start_that_a_window_holds_and_nothing_is_read_twice():
    text = _doc(1000)
    windows = Windows(1 << 30)
    _read_all(windows, text)
    assert windows.todo("a.py", text, 0) == []
    for line in range(0, 1000, 37):
        offset = len(_doc(line))
        start = windows.start_for("a.py", text, offset)
        assert start is not None and (start == 0 or offset - start >= OVERLAP_CHARS // 2)


def test_an_edited_window_keeps_its_tokens_before_the_edit_and_is_read_on_from_there():
    text = _doc(1000)
    windows = Windows(1 << 30)
    _read_all(windows, text)
    edited = text.replace("value_500 = compute(value_499, 500)", "value_500 = other()")
    edit_at = edited.index("value_500 = other()")
    served = windows.served("a.py", edited)
    holding = [s for s in served if s.start <= edit_at < s.start + len(s.window.text)]
    assert holding and all(s.end <= edit_at for s in holding)
    todo = windows.todo("a.py", edited, edit_at)
    assert todo and all(old is not None and old.at == start for start, _, old in todo)
    assert windows.start_for("a.py", edited, edited.index("value_700")) is not None


def test_a_window_moved_by_an_edit_above_is_still_found_where_it_now_starts():
    text = _doc(1000)
    windows = Windows(1 << 30)
    _read_all(windows, text)
    edited = "import os\n" + text
    offset = edited.index("value_800 =")
    offset = edited.rfind("\n", 0, offset) + 1
    start = windows.start_for("a.py", edited, offset)
    assert start is not None and edited[start - 1] == "\n"
    assert windows.todo("a.py", edited, 0)[0][0] == 0  # only the first window lost its start


def test_the_best_window_is_the_one_holding_most_of_the_prompt_after_the_same_lead():
    text = _doc(1000)
    windows = Windows(1 << 30)
    _read_all(windows, text)
    served = windows.served("a.py", text)[1]
    lines = text[served.start : served.end].splitlines(keepends=True)
    prompt = [*LEAD, *(hash(line) for line in lines[:30]), 7, 8]
    window, same = windows.best("a.py", text, prompt)
    assert window is served.window and same == len(LEAD) + 30
    assert windows.best("a.py", text, [-9, *prompt[1:]]) is None  # another lead: another file


def test_a_document_gets_at_most_half_the_memory_and_the_least_recent_one_goes_first():
    windows = Windows(1000)
    windows.put("a.py", None, _window("x = 1\n" * 40, 0, size=400))
    windows.put("b.py", None, _window("y = 2\n" * 40, 0, size=400))
    assert not windows.room("a.py", 200)  # a.py would hold more than half
    assert windows.room("c.py", 400)  # a.py, the least recently used, makes way
    assert "a.py" not in windows.documents and "b.py" in windows.documents


def test_a_window_of_too_many_tokens_is_cut_after_a_line_end():
    text = "".join(f"x{i} = {i}\n" for i in range(2000))
    tokens = list(range(len(text)))  # a token per character
    kept, ends = window_tokens(text, tokens, lambda token: 1)
    assert WINDOW_TOKENS // 2 < len(kept) <= WINDOW_TOKENS and text[len(kept) - 1] == "\n"
    assert ends[-1] == len(kept)
