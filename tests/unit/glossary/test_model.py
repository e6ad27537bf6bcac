"""Entries: validation of every field, derived identifier forms, and the mapping they are written as."""

from __future__ import annotations

import pytest

from lsp_server.glossary.model import Entry, InvalidEntry


def test_from_mapping_takes_documented_fields():
    entry = Entry.from_mapping(
        {
            "term": " 订单编号 ",
            "english": "order number",
            "avoid": "order_sn",  # one string is a one-item list
            "aliases": None,
            "examples": ["SO-1"],
            "status": "approved",
        },
        line=7,
    )
    assert entry.term == "订单编号"
    assert entry.avoid == ("order_sn",)
    assert entry.aliases == ()
    assert entry.approved
    assert entry.line == 7
    assert entry.forms.pascal == "OrderNumber"
    assert entry.words == ("order", "number")


def test_defaults_to_draft():
    assert Entry.from_mapping({"term": "x", "english": "order number"}).status == "draft"


@pytest.mark.parametrize(
    "data, key, index, message",
    [
        ("just text", None, None, "must be a mapping"),
        ({"english": "order number"}, None, None, "no `term`"),
        ({"term": "订单编号"}, None, None, "no `english`"),
        ({"term": "", "english": "order number"}, "term", None, "must not be empty"),
        ({"term": 12, "english": "order number"}, "term", None, "not the number 12"),
        ({"term": "x", "english": "---"}, "english", None, "no words"),
        ({"term": "x", "english": "3D model"}, "english", None, "start with a word"),
        ({"term": "x", "english": "y", "status": "done"}, "status", None, "draft, approved"),
        ({"term": "x", "english": "y", "status": True}, "status", None, "boolean true"),
        ({"term": "x", "english": "y", "avoid": {"a": 1}}, "avoid", None, "not a mapping"),
        ({"term": "x", "english": "y", "avoid": ["ok", 3]}, "avoid", 1, "item 2"),
        ({"term": "x", "english": "y", "avoid": ["ok", " "]}, "avoid", 1, "non-empty"),
        ({"term": "x", "english": "y", "definition": ["a"]}, "definition", None, "must be text"),
        ({"term": "x", "english": "y", "avoids": ["a"]}, "avoids", None, "unknown key"),
    ],
)
def test_invalid_entries_name_the_field(data, key, index, message):
    with pytest.raises(InvalidEntry, match=message) as caught:
        Entry.from_mapping(data)
    assert caught.value.key == key
    assert caught.value.index == index
    assert caught.value.on_key == (message == "unknown key")


def test_to_mapping_is_in_file_order_and_leaves_empty_fields_out():
    entry = Entry(
        term="会员积分", english="membership points", avoid=("jifen",), status="approved", source="me"
    )
    assert list(entry.to_mapping().items()) == [
        ("term", "会员积分"),
        ("english", "membership points"),
        ("avoid", ["jifen"]),
        ("status", "approved"),
        ("source", "me"),
    ]
    assert Entry.from_mapping(entry.to_mapping()) == entry


def test_line_does_not_take_part_in_equality():
    assert Entry("x", "order number", line=3) == Entry("x", "order number", line=9)
