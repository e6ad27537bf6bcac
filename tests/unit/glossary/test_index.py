"""Finding glossary spellings: whole words only, any identifier style, plurals, Chinese in comments."""

from __future__ import annotations

import pytest

from lsp_server.glossary.index import TermIndex
from lsp_server.glossary.model import Entry


@pytest.mark.parametrize(
    "name, term, kind",
    [
        ("order_number", "订单编号", "english"),
        ("OrderNumber", "订单编号", "english"),
        ("orderNumber", "订单编号", "english"),
        ("ORDER_NUMBERS", "订单编号", "english"),
        ("order_ref", "订单编号", "alias"),
        ("order_sn", "订单编号", "avoid"),
        ("OrderSN", "订单编号", "avoid"),
        ("oid", "订单编号", "avoid"),
        ("OIDs", "订单编号", "avoid"),
        ("SKUCode", "SKU code", "english"),
        ("sku_code", "SKU code", "english"),
        ("membership points", "会员积分", "english"),
        ("会员积分", "会员积分", "term"),
    ],
)
def test_lookup_by_any_form(index, name, term, kind):
    match = index.lookup(name)
    assert match is not None
    assert (match.entry.term, match.kind) == (term, kind)


@pytest.mark.parametrize(
    "name", ["void", "oidc_token", "order_snapshot", "reason", "get_order_number", "order", ""]
)
def test_lookup_needs_the_whole_name(index, name):
    assert index.lookup(name) is None


def test_matches_inside_identifiers(index):
    [match] = index.matches("get_order_sn_text")
    assert (match.kind, match.start, match.end, match.words) == ("avoid", 4, 12, ("order", "sn"))
    [match] = index.matches("getOrderNumbers")
    assert (match.kind, match.start, match.end, match.plural) == ("english", 3, 15, True)
    assert index.matches("avoid_void_oidc") == ()


def test_variants_of_multi_word_names(index):
    [run_together] = index.matches("ordernumbers")
    assert (run_together.kind, run_together.plural, run_together.entry.term) == ("variant", True, "订单编号")
    [abbreviated] = index.matches("get_order_nbr")
    assert (abbreviated.kind, abbreviated.start, abbreviated.words) == ("variant", 4, ("order", "nbr"))
    assert index.matches("order_num_items") == ()  # the abbreviation must end the name
    assert index.matches("order_num", variants=False) == ()


def test_accepted_spelling_wins_over_a_forbidden_one():
    # One context forbids what another accepts: the code may be in either, so nothing is flagged.
    sales = Entry("订单编号", "order number", avoid=("order id",), context="sales")
    warehouse = Entry("出库单号", "order id", context="warehouse")
    index = TermIndex([sales, warehouse])
    [match] = index.matches("order_id")
    assert (match.entry, match.kind) == (warehouse, "english")


def test_longest_spelling_wins():
    index = TermIndex([Entry("订单", "order"), Entry("订单编号", "order number", avoid=("order sn",))])
    assert [(m.entry.term, m.kind) for m in index.matches("order_sn_order")] == [
        ("订单编号", "avoid"),
        ("订单", "english"),
    ]


def test_find_in_text_sees_chinese_without_spaces(index):
    text = "# 计算会员积分，并写入 order number / 订单编号🧾"
    found = [(text[m.start : m.end], m.entry.term, m.kind) for m in index.find_in_text(text)]
    assert found == [
        ("会员积分", "会员积分", "term"),
        ("order number", "订单编号", "english"),
        ("订单编号", "订单编号", "term"),
    ]


def test_find_in_text_prefers_the_longest_chinese_spelling():
    index = TermIndex([Entry("订单", "order"), Entry("订单编号", "order number")])
    text = "订单编号和订单"
    assert [(m.start, m.end, m.entry.term) for m in index.find_in_text(text)] == [
        (0, 4, "订单编号"),
        (5, 7, "订单"),
    ]


def test_by_term(index):
    assert index.by_term("ＳＫＵ  Code").term == "SKU code"
    assert index.by_term("unknown") is None
