"""The glossary file: round-trip edits keep comments and layout, saves are atomic, and every
mistake in the file is reported with its line and column."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lsp_server.errors import InputError, UbiqError
from lsp_server.glossary.model import Entry
from lsp_server.glossary.store import DEFAULT_FILENAME, Glossary, GlossaryError, glossary_path

from .conftest import DATA

NEW = Entry(
    term="满减活动",
    english="spend-and-save promotion",
    definition="A discount when the order total reaches a threshold.",
    avoid=("full_reduction", "manjian"),
    source="test",
)
NEW_YAML = """\

  - term: 满减活动
    english: spend-and-save promotion
    definition: A discount when the order total reaches a threshold.
    avoid:
      - full_reduction
      - manjian
    status: draft
    source: test
"""


def test_load_reads_entries_with_their_lines():
    glossary = Glossary.load(DATA / "glossary.yml")
    assert [(e.term, e.line) for e in glossary.entries] == [
        ("订单编号", 7),
        ("会员积分", 19),
        ("优惠券核销", 28),
        ("SKU code", 36),
    ]
    first = glossary.entries[0]
    assert first.aliases == ("order ref",)
    assert first.avoid == ("order_sn", "order no", "oid", "trade_no")
    assert first.examples == ("SO-2024-000123",)
    assert glossary.find("sku CODE") is glossary.entries[3]
    assert glossary.find("会员积分", context="sales") is None
    assert glossary.find("会员积分", context="loyalty") is glossary.entries[1]


def test_unchanged_file_is_written_back_byte_for_byte(glossary_file):
    original = glossary_file.read_text(encoding="utf-8")
    assert Glossary.load(glossary_file).dumps() == original


def test_add_keeps_comments_order_and_formatting(glossary_file):
    original = glossary_file.read_text(encoding="utf-8")
    glossary = Glossary.load(glossary_file)
    added = glossary.add(NEW)
    assert added == NEW
    assert added.line == 42
    body, last_line = original.rsplit("\n", 2)[0] + "\n", original.rsplit("\n", 2)[1] + "\n"
    assert last_line == "# End of glossary: new entries go above this line.\n"
    # Everything stays as written; the entry goes after the last one, spaced like the others,
    # and the file's closing comment stays last.
    assert glossary.dumps() == body + NEW_YAML + last_line
    glossary.save()
    assert glossary_file.read_text(encoding="utf-8") == body + NEW_YAML + last_line
    again = Glossary.load(glossary_file)
    assert [e.term for e in again.entries][-1] == "满减活动"
    assert again.entries[-1] == NEW


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(
            "terms:\n- term: a\n  english: alpha\n- term: b\n  english: beta\n",
            "terms:\n- term: a\n  english: alpha\n- term: b\n  english: beta\n"
            "- term: c\n  english: gamma\n  status: draft\n",
            id="compact-no-blank-lines",
        ),
        pytest.param(
            "meta:\n    owner: sales\nterms:\n    -   term: a\n        english: alpha\n",
            "meta:\n    owner: sales\nterms:\n    -   term: a\n        english: alpha\n\n"
            "    -   term: c\n        english: gamma\n        status: draft\n",
            id="wide-indentation",
        ),
        pytest.param(
            "terms:\n  - term: a\n    english: alpha\n    avoid:\n      - x  # why\n# end\n",
            "terms:\n  - term: a\n    english: alpha\n    avoid:\n      - x  # why\n\n"
            "  - term: c\n    english: gamma\n    status: draft\n# end\n",
            id="nested-list-last-and-closing-comment",
        ),
        pytest.param(
            "terms:\n  - term: a\n    english: alpha\n    # about a\n",
            "terms:\n  - term: a\n    english: alpha\n    # about a\n\n"
            "  - term: c\n    english: gamma\n    status: draft\n",
            id="indented-comment-stays-with-its-entry",
        ),
        pytest.param(
            "terms: []\n", "terms:\n  - term: c\n    english: gamma\n    status: draft\n", id="flow-empty"
        ),
        pytest.param(
            "terms:  # none yet\nversion: 2\n",
            "terms:  # none yet\n  - term: c\n    english: gamma\n    status: draft\nversion: 2\n",
            id="null-terms",
        ),
        pytest.param(
            "version: 1\n",
            "version: 1\nterms:\n  - term: c\n    english: gamma\n    status: draft\n",
            id="no-terms",
        ),
        pytest.param("", "terms:\n  - term: c\n    english: gamma\n    status: draft\n", id="empty-file"),
        pytest.param(
            "# glossary\n\n# more\n",
            "# glossary\n\n# more\nterms:\n  - term: c\n    english: gamma\n    status: draft\n",
            id="comments-only",
        ),
        pytest.param(
            "terms:\r\n  - term: a\r\n    english: alpha\r\n",
            "terms:\r\n  - term: a\r\n    english: alpha\r\n\r\n"
            "  - term: c\r\n    english: gamma\r\n    status: draft\r\n",
            id="crlf",
        ),
    ],
)
def test_add_to_every_layout(before, after):
    glossary = Glossary.parse(before, Path("glossary.yml"))
    assert glossary.dumps() == before
    glossary.add(Entry("c", "gamma"))
    assert glossary.dumps() == after
    assert [e.term for e in glossary.entries][-1] == "c"


def test_multi_line_text_is_written_as_a_block():
    glossary = Glossary.parse("terms: []\n", Path("glossary.yml"))
    glossary.add(Entry("c", "gamma", definition="line one\nline two"))
    assert "definition: |\n      line one\n      line two\n" in glossary.dumps()
    assert glossary.entries[0].definition == "line one\nline two"


def test_add_refuses_a_term_already_defined_in_its_context(glossary_file):
    glossary = Glossary.load(glossary_file)
    with pytest.raises(GlossaryError, match=r"glossary.yml:7:1: term '订单编号' is already defined"):
        glossary.add(Entry("订单编号", "order id", context="sales"))
    glossary.add(Entry("订单编号", "order id", context="warehouse"))  # another bounded context
    assert len(glossary.entries) == 5


def test_save_is_atomic_and_keeps_the_file_mode(glossary_file):
    os.chmod(glossary_file, 0o640)
    glossary = Glossary.load(glossary_file)
    glossary.add(NEW)
    glossary.save()
    assert sorted(p.name for p in glossary_file.parent.iterdir()) == ["glossary.yml"]  # no temporary left
    assert glossary_file.stat().st_mode & 0o777 == 0o640
    glossary.add(Entry("c", "gamma"))
    glossary.save()  # a second save after our own write is fine
    assert Glossary.load(glossary_file).entries[-1].term == "c"


def test_save_refuses_to_overwrite_an_edit_made_on_disk(glossary_file):
    glossary = Glossary.load(glossary_file)
    glossary_file.write_text(glossary_file.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    glossary.add(NEW)
    with pytest.raises(GlossaryError, match="changed on disk"):
        glossary.save()
    assert glossary_file.read_text(encoding="utf-8").endswith("# edited\n")


def test_missing_file_is_an_empty_glossary_that_save_creates(tmp_path):
    path = tmp_path / "glossary.yml"
    glossary = Glossary.load(path)
    assert glossary.entries == ()
    glossary.add(Entry("c", "gamma"))
    glossary.save()
    assert path.read_text(encoding="utf-8") == "terms:\n  - term: c\n    english: gamma\n    status: draft\n"
    with pytest.raises(GlossaryError, match="no such file"):
        Glossary.load(tmp_path / "other.yml", missing_ok=False)


def test_byte_order_mark_is_kept(tmp_path):
    path = tmp_path / "glossary.yml"
    path.write_bytes(b"\xef\xbb\xbfterms: []\n")
    glossary = Glossary.load(path)
    glossary.add(Entry("c", "gamma"))
    glossary.save()
    assert path.read_bytes().startswith(b"\xef\xbb\xbfterms:\n")


def test_malformed_file_reports_every_problem_with_its_place():
    path = DATA / "malformed.yml"
    with pytest.raises(GlossaryError) as caught:
        Glossary.load(path)
    error = caught.value
    assert isinstance(error, InputError) and isinstance(error, UbiqError)
    assert [(p.line, p.column) for p in error.problems] == [(6, 5), (12, 9), (16, 5), (18, 11)]
    assert "no `english`" in error.problems[0].message
    assert "item 2 must be non-empty text" in error.problems[1].message
    assert "unknown key 'statuss'" in error.problems[2].message
    assert "already defined at line 3" in error.problems[3].message
    assert str(error).startswith(f"{path}:6:5: the entry has no `english` (and 3 more)")
    assert (error.line, error.column, error.path) == (6, 5, path)


@pytest.mark.parametrize(
    "text, line, column, fragment",
    [
        ("terms:\n  - term: a\n    english: [unclosed\n", 4, 1, "expected ',' or ']'"),
        ("terms:\n  - term: a\n    term: b\n", 3, 5, "duplicate key"),
        ("terms:\n  - term: a: b\n", 2, 12, "mapping values are not allowed"),
        ("terms:\n\t- term: a\n", 2, 1, "cannot start any token"),
        ("- term: a\n", 1, 1, "must be a mapping with a `terms` list"),
        ("terms:\n  term: a\n", 2, 3, "`terms` must be a list"),
        ("terms: yes\n", 1, 8, "`terms` must be a list"),
        ("terms:\n  - orders\n", 2, 5, "an entry must be a mapping"),
        ("terms:\n  - term: x\n    english: y\n    avoid: 3\n", 4, 12, "not the number 3"),
    ],
)
def test_malformed_text_points_at_the_line(text, line, column, fragment):
    with pytest.raises(GlossaryError, match=fragment) as caught:
        Glossary.parse(text, Path("glossary.yml"))
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value).startswith(f"glossary.yml:{line}:{column}: ")


def test_file_that_is_neither_utf8_nor_gb18030(tmp_path):
    path = tmp_path / "glossary.yml"
    path.write_bytes(b"terms:\n  - term: \xff\n")
    with pytest.raises(GlossaryError, match="2:1: neither UTF-8 nor GB18030 text"):
        Glossary.load(path)


def test_gbk_file_is_read_and_saved_back_as_gbk(tmp_path):
    """Chinese teams often save GBK: read as GB18030 (its superset), as every user file is, and an
    edit keeps the file's encoding rather than turn it into UTF-8 under the team's other tools."""
    path = tmp_path / "glossary.yml"
    path.write_bytes("terms:\n  - term: 会员积分\n    english: member points\n".encode("gbk"))
    glossary = Glossary.load(path)
    assert [e.term for e in glossary.entries] == ["会员积分"]
    glossary.add(NEW)
    glossary.save()
    text = path.read_bytes().decode("gb18030")
    assert "会员积分" in text and "满减活动" in text
    assert [e.term for e in Glossary.load(path).entries] == ["会员积分", "满减活动"]


def test_glossary_path(tmp_path):
    assert glossary_path(tmp_path) == tmp_path / DEFAULT_FILENAME
    assert glossary_path(tmp_path, "docs/terms.yml") == tmp_path / "docs" / "terms.yml"
    assert glossary_path(tmp_path, str(tmp_path / "x.yml")) == tmp_path / "x.yml"


def test_index_follows_additions(glossary_file):
    glossary = Glossary.load(glossary_file)
    assert glossary.index.lookup("full_reduction") is None
    glossary.add(NEW)
    match = glossary.index.lookup("full_reduction")
    assert match is not None and match.entry.term == "满减活动" and match.kind == "avoid"
