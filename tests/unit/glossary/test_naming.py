"""Words of phrases and identifiers, and the identifier forms derived from English names."""

from __future__ import annotations

import pytest

from lsp_server.glossary.naming import (
    abbreviates,
    identifier_forms,
    pluralize,
    render,
    similar_words,
    split_words,
    style_of,
    words_of,
)


@pytest.mark.parametrize(
    "english, pascal, snake, camel, upper",
    [
        (
            "membership points",
            "MembershipPoints",
            "membership_points",
            "membershipPoints",
            "MEMBERSHIP_POINTS",
        ),
        ("order number", "OrderNumber", "order_number", "orderNumber", "ORDER_NUMBER"),
        (
            "coupon redemption",
            "CouponRedemption",
            "coupon_redemption",
            "couponRedemption",
            "COUPON_REDEMPTION",
        ),
        ("SKU code", "SkuCode", "sku_code", "skuCode", "SKU_CODE"),
        ("check-in time", "CheckInTime", "check_in_time", "checkInTime", "CHECK_IN_TIME"),
        ("customer's order", "CustomersOrder", "customers_order", "customersOrder", "CUSTOMERS_ORDER"),
        ("customer’s order", "CustomersOrder", "customers_order", "customersOrder", "CUSTOMERS_ORDER"),
        ("  Order   Number ", "OrderNumber", "order_number", "orderNumber", "ORDER_NUMBER"),
        ("SHA256 hash", "Sha256Hash", "sha256_hash", "sha256Hash", "SHA256_HASH"),
        ("list of IDs", "ListOfIds", "list_of_ids", "listOfIds", "LIST_OF_IDS"),
        ("ＳＫＵ code", "SkuCode", "sku_code", "skuCode", "SKU_CODE"),  # full-width letters
        ("OrderNumber", "OrderNumber", "order_number", "orderNumber", "ORDER_NUMBER"),
    ],
)
def test_identifier_forms(english, pascal, snake, camel, upper):
    forms = identifier_forms(words_of(english))
    assert (forms.pascal, forms.snake, forms.camel, forms.upper) == (pascal, snake, camel, upper)
    assert forms.all() == (pascal, snake, camel, upper)


@pytest.mark.parametrize(
    "name, words",
    [
        ("get_order_sn", ["get", "order", "sn"]),
        ("getOrderSN2", ["get", "Order", "SN", "2"]),
        ("HTTPServerError", ["HTTP", "Server", "Error"]),
        ("__init__", ["init"]),
        ("_private_name_", ["private", "name"]),
        ("SKUs", ["SKUs"]),
        ("getIDs", ["get", "IDs"]),
        ("isAUser", ["is", "A", "User"]),
        ("会员积分", ["会员积分"]),
        ("café_au_lait", ["café", "au", "lait"]),
        ("order2_items", ["order", "2", "items"]),
        ("", []),
    ],
)
def test_split_words(name, words):
    assert [w.text for w in split_words(name)] == words


def test_word_offsets_point_into_the_text():
    name = "get_orderSN"
    assert [(w.start, w.end) for w in split_words(name)] == [(0, 3), (4, 9), (9, 11)]
    assert words_of(name) == ("get", "order", "sn")


@pytest.mark.parametrize(
    "name, style",
    [
        ("order_number", "snake"),
        ("oid", "snake"),
        ("_private", "snake"),
        ("OrderNumber", "pascal"),
        ("orderNumber", "camel"),
        ("ORDER_NUMBER", "upper"),
        ("X", "upper"),
        ("会员积分", "snake"),
    ],
)
def test_style_of(name, style):
    assert style_of(name) == style


def test_render_glues_digits_and_handles_styles():
    assert render(("order", "2", "items"), "snake") == "order2_items"
    assert render(("order", "number"), "pascal") == "OrderNumber"
    assert render(("order", "number"), "camel") == "orderNumber"
    assert render(("order", "number"), "upper") == "ORDER_NUMBER"


@pytest.mark.parametrize(
    "short, full, expected",
    [
        ("num", "number", True),
        ("nbr", "number", True),
        ("pts", "points", True),
        ("qty", "quantity", True),
        ("no", "number", False),  # no "o" in number
        ("n", "number", False),  # too short to mean anything
        ("number", "number", False),
        ("mun", "number", False),
        ("name", "number", False),
    ],
)
def test_abbreviates(short, full, expected):
    assert abbreviates(short, full) is expected


def test_similar_words_and_plurals():
    assert similar_words("orders", "order")
    assert similar_words("companies", "company")
    assert similar_words("member", "membership")
    assert similar_words("redemption", "redemtion")  # a typo in a long word
    assert not similar_words("date", "data")  # short words: one letter makes another word
    assert not similar_words("number", "name")


@pytest.mark.parametrize(
    "word, plural",
    [
        ("person", "people"),  # irregular: not "persons"
        ("child", "children"),
        ("category", "categories"),
        ("status", "statuses"),
        ("address", "addresses"),
        ("box", "boxes"),
        ("company", "companies"),
        ("day", "days"),
        ("sku", "skus"),
        ("Person", "People"),  # the word's capitals are kept
        ("订单", "订单s"),  # no cased letters: not read as an acronym ("订单S")
    ],
)
def test_pluralize_knows_irregular_plurals(word, plural):
    assert pluralize(word) == plural
