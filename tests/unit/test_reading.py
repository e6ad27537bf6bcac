"""Which pieces of a document read ahead are still usable, and which parts are left to read."""

from __future__ import annotations

from itertools import accumulate

from lsp_server.engine.reading import PIECE_TOKENS, Piece, Reading, context_of


def _piece(text: str, size: int = 100, at: int = 0, context: str = "") -> Piece:
    """A piece whose "tokens" are its lines (the bookkeeping does not care what a token is)."""
    lines = text.splitlines(keepends=True)
    ends = list(accumulate(len(line.encode()) for line in lines))
    return Piece(text, list(range(len(lines))), None, size, 1, ends, at, context)


def _doc(lines: int) -> str:
    return "".join(f"    value_{i} = compute(value_{i - 1}, {i})\n" for i in range(lines))


def test_a_new_document_is_all_unread_in_line_aligned_spans_nearest_first():
    text = _doc(400)
    around = len(text) // 2
    spans = Reading(1 << 20).unread("a.py", text, around)
    assert sorted(spans)[0][0] == 0 and sorted(spans)[-1][1] == len(text)
    assert all(text[start - 1] == "\n" for start, _ in spans if start)
    assert all(end - start <= PIECE_TOKENS * 5 for start, end in spans)
    # The span at the cursor comes last (the prompt there holds it); then the nearest ones.
    assert spans[-1][0] <= around < spans[-1][1]
    distances = [min(abs(s - around), abs(e - around)) for s, e in spans[:-1]]
    assert distances == sorted(distances)


def test_pieces_read_are_not_read_again_and_edited_ones_are():
    text = _doc(400)
    reading = Reading(1 << 20)
    for start, end in reading.unread("a.py", text, 0):
        reading.add("a.py", _piece(text[start:end], at=start))
    assert reading.unread("a.py", text, 0) == []
    edited = text.replace("value_200 = compute(value_199, 200)", "value_200 = other()")
    spans = reading.unread("a.py", edited, 0)
    assert len(spans) == 1
    start, end = spans[0]
    assert start <= edited.index("value_200 = other()") < end


def test_lines_added_above_move_the_pieces_without_losing_them():
    text = "".join(f"x{i} = {i}\n" for i in range(1000))  # short lines: many "tokens" a piece
    reading = Reading(1 << 20)
    for start, end in reading.unread("a.py", text, 0):
        reading.add("a.py", _piece(text[start:end], at=start))
    moved = "import os\n\n" + text
    assert reading.unread("a.py", moved, 0) == []
    assert reading.found("a.py", moved).tokens == reading.found("a.py", text).tokens
    assert len(reading.found("a.py", moved).pieces) == len(reading.documents["a.py"])


def test_an_edited_piece_keeps_the_tokens_before_the_edit():
    text = _doc(60)
    piece = _piece(text)
    assert piece.valid(text) == 60
    assert piece.valid("# a new first line\n" + text) == 60  # moved, not changed
    edited = text.replace("value_40 = compute(value_39, 40)", "value_40 = ")
    assert piece.valid(edited) == 40  # lines 0..39 saw only text that is still there
    assert piece.valid(_doc(60).replace("value_0 ", "x ")) == 0


def test_a_piece_is_usable_only_while_the_text_its_tokens_saw_before_it_is_there():
    text = _doc(120)
    at = text.index("    value_60 ")
    context = context_of(text, at)
    assert context and text[:at].endswith(context) and context.startswith("    value_")
    piece = _piece(text[at:], at=at, context=context)
    assert piece.valid(text) == 60 and piece.whole_at(text, 0) == at
    assert piece.whole_at("# new\n" + text, 6) == at + 6  # moved, not changed
    # The cleared line is in the piece's context: its tokens saw it, so none is shown to the model.
    gone = text.replace("value_59 = compute(value_58, 59)", "")
    assert piece.whole_at(gone, 0) == -1 and piece.valid(gone) == 0
    # Edited inside the piece: the tokens before the edit saw only text still there.
    edited = text.replace("value_70 = compute(value_69, 70)", "value_70 = ")
    assert piece.valid(edited) == 10
    assert context_of(text, 0) == ""


def test_found_joins_the_usable_pieces_with_a_gap_between_them():
    text = _doc(120)
    reading = Reading(1 << 20)
    half = text.index("    value_60 ")
    reading.add("a.py", _piece(text[:half]))
    reading.add("a.py", _piece(text[half:], at=half))
    found = reading.found("a.py", text)
    assert found.tokens.count(None) == 1 and len(found.tokens) == 121
    piece, position = found.locate(found.starts[1] + 3)
    assert piece is found.pieces[1] and position == 1 + 3
    assert reading.found("b.py", text).tokens == []
    assert reading.found("a.py", "something else entirely").tokens == []


def test_memory_stays_within_the_bound_and_one_document_gets_half():
    reading = Reading(1000)
    assert reading.room("a.py", 400)
    reading.add("a.py", _piece("a" * 100, size=400))
    assert not reading.room("a.py", 200)  # a.py would hold more than half
    assert reading.room("b.py", 450)
    reading.add("b.py", _piece("b" * 100, size=450))
    assert reading.room("c.py", 300)  # drops a.py, the least recently used
    assert "a.py" not in reading.documents and "b.py" in reading.documents
    reading.forget("b.py")
    assert reading.used_bytes() == 0
