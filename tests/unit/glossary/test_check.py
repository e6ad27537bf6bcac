"""The consistency check finds exactly the injected forbidden synonyms and unknown forms, with their
positions, the name the glossary wants there, and the identifier rewritten."""

from __future__ import annotations

import pytest

from lsp_server.glossary.check import check_files, check_source, check_workspace
from lsp_server.glossary.format import finding_line
from lsp_server.glossary.index import TermIndex
from lsp_server.glossary.model import Entry

from .conftest import DATA

SHOP = DATA / "shop"

EXPECTED = [
    # path, line, col, end_col, identifier, term, ubiquitous name, replacement
    ("legacy.py", 5, 6, 13, "OrderSn", "订单编号", "OrderNumber", "OrderNumber"),
    ("legacy.py", 9, 4, 16, "get_order_sn", "订单编号", "order_number", "get_order_number"),
    ("legacy.py", 9, 17, 20, "oid", "订单编号", "order_number", "order_number"),
    ("legacy.py", 10, 4, 12, "order_sn", "订单编号", "order_number", "order_number"),
    ("legacy.py", 10, 21, 24, "oid", "订单编号", "order_number", "order_number"),
    ("legacy.py", 11, 11, 19, "order_sn", "订单编号", "order_number", "order_number"),
    ("legacy.py", 14, 15, 23, "trade_no", "订单编号", "order_number", "order_number"),
    ("legacy.py", 15, 15, 23, "trade_no", "订单编号", "order_number", "order_number"),
    ("legacy.py", 22, 4, 17, "get_order_num", "订单编号", "order_number", "get_order_number"),
    ("legacy.py", 23, 4, 15, "ordernumber", "订单编号", "order_number", "order_number"),
    ("legacy.py", 24, 11, 22, "ordernumber", "订单编号", "order_number", "order_number"),
    (
        "payments/refund.py",
        3,
        0,
        17,
        "MAX_MEMBER_SCORES",
        "会员积分",
        "MEMBERSHIP_POINTS",
        "MAX_MEMBERSHIP_POINTS",
    ),
    ("payments/refund.py", 8, 8, 18, "coupon_use", "优惠券核销", "coupon_redemption", "coupon_redemption"),
    ("payments/refund.py", 9, 29, 38, "item_code", "SKU code", "sku_code", "sku_code"),
    ("payments/refund.py", 9, 41, 51, "coupon_use", "优惠券核销", "coupon_redemption", "coupon_redemption"),
]


def test_sample_project_findings_exactly(index):
    findings = check_workspace(SHOP, index)
    got = [
        (
            f.path.relative_to(SHOP).as_posix(),
            f.line,
            f.col,
            f.end_col,
            f.identifier,
            f.term,
            f.ubiquitous_name,
            f.replacement,
        )
        for f in findings
    ]
    assert got == EXPECTED
    for finding in findings:  # the positions really point at the identifier
        line = finding.path.read_text(encoding="utf-8").splitlines()[finding.line]
        assert line[finding.col : finding.end_col] == finding.identifier


def test_finding_kinds_utf16_columns_and_messages(index):
    findings = {(f.line, f.identifier): f for f in check_workspace(SHOP / "legacy.py", index)}
    trade_no = findings[(14, "trade_no")]
    assert (trade_no.col, trade_no.col_utf16, trade_no.end_col_utf16) == (15, 16, 24)  # 😀 before it
    assert trade_no.kind == "avoid"
    variant = findings[(22, "get_order_num")]
    assert (variant.kind, variant.matched) == ("variant", "order_num")
    assert findings[(9, "get_order_sn")].matched == "order_sn"
    assert finding_line(findings[(9, "get_order_sn")], DATA) == (
        "shop/legacy.py:10:5: `order_sn` is a synonym to avoid for '订单编号': "
        "use `order_number` (rename `get_order_sn` to `get_order_number`)"
    )


def test_clean_files_have_no_findings(index):
    assert check_files([SHOP / "models.py", SHOP / "__init__.py"], index) == []


@pytest.mark.parametrize(
    "source, identifier, ubiquitous, replacement",
    [
        ("class OrderSN: pass", "OrderSN", "OrderNumber", "OrderNumber"),
        ("def getOrderSn(): pass", "getOrderSn", "order_number", "getOrderNumber"),
        ("orderSn = 1", "orderSn", "order_number", "orderNumber"),
        ("ORDER_SN = 1", "ORDER_SN", "ORDER_NUMBER", "ORDER_NUMBER"),
        ("_order_sn2 = 1", "_order_sn2", "order_number", "_order_number2"),
        ("order_sns = []", "order_sns", "order_number", "order_numbers"),
        ("x = OrderSn()", "OrderSn", "OrderNumber", "OrderNumber"),
        ("def f(oidList): pass", "oidList", "order_number", "orderNumberList"),
        ("f(oid=1)", "oid", "order_number", "order_number"),
        ("jifen = 0", "jifen", "membership_points", "membership_points"),
    ],
)
def test_replacement_keeps_the_identifier_style(index, source, identifier, ubiquitous, replacement):
    [finding] = [f for f in check_source(source, index) if f.identifier == identifier]
    assert (finding.ubiquitous_name, finding.replacement) == (ubiquitous, replacement)


@pytest.mark.parametrize(
    "name",
    [
        "void",
        "oidc_token",
        "avoid_list",
        "order_snapshot",
        "reason",
        "sn",
        "order",
        "item",
        "code",
        "android",
    ],
)
def test_no_false_positives_on_unrelated_names(index, name):
    assert check_source(f"{name} = 1\n", index) == []


def test_comments_strings_and_docstrings_are_not_checked(index):
    assert check_source('"""order_sn"""\n# oid\nx = "order_sn"\n', index) == []


def test_a_draft_can_be_left_out_by_the_caller():
    draft = Entry("优惠券核销", "coupon redemption", avoid=("coupon_use",))
    assert check_source("coupon_use = 1\n", TermIndex([draft]))
    assert check_source("coupon_use = 1\n", TermIndex(e for e in [draft] if e.approved)) == []
