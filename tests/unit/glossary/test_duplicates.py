"""A new term is checked against the glossary: exact duplicates and near ones, with the reason."""

from __future__ import annotations

import pytest

from lsp_server.glossary.duplicates import find_duplicates
from lsp_server.glossary.model import Entry

ENTRIES = [
    Entry("订单编号", "order number", aliases=("order ref",), avoid=("order_sn", "oid"), context="sales"),
    Entry("会员积分", "membership points", context="loyalty"),
    Entry("优惠券核销", "coupon redemption"),
    Entry("email address", "email address"),
]


@pytest.mark.parametrize(
    "term, english, context, expected, exact, reason",
    [
        ("订单编号", "", "", "订单编号", True, "the same term"),
        (" ORDER  number ", "", "", "订单编号", True, "the same English name"),
        ("订单号码", "order numbers", "", "订单编号", True, "the same English name"),
        ("单号", "OrderNumber", "", "订单编号", True, "the same English name"),
        ("单号", "ordernumber", "", "订单编号", True, "the same identifiers"),
        ("邮箱", "e-mail address", "", "email address", True, "the same identifiers"),
        ("邮件地址", "email adress", "", "email address", False, "'adress' / 'address'"),
        ("订单参考", "order ref", "", "订单编号", True, "an alias"),
        ("订单序列", "order sn", "", "订单编号", True, "a synonym to avoid"),
        ("订单号", "", "", "订单编号", False, "apart from the identifier suffix"),
        ("订单ID", "", "", "订单编号", False, "apart from the identifier suffix"),
        ("积分", "member points", "", "会员积分", False, "'member' / 'membership'"),
        ("积分会员", "points membership", "", "会员积分", False, "another order"),
        ("核销", "coupon redemtion", "", "优惠券核销", False, "'redemtion' / 'redemption'"),
        ("订单编号", "", "sales", "订单编号", True, "the same term"),
        ("核销", "coupon redemption", "sales", "优惠券核销", True, "English"),  # no context: shared
    ],
)
def test_duplicates_found(term, english, context, expected, exact, reason):
    [duplicate] = find_duplicates(ENTRIES, term, english, context)
    assert duplicate.entry.term == expected
    assert duplicate.exact is exact
    assert reason in duplicate.reason


@pytest.mark.parametrize(
    "term, english, context",
    [
        ("订单", "order", ""),  # the order itself is another concept than its number
        ("订单状态", "order status", ""),
        ("订单名称", "order name", ""),
        ("订单日期", "order date", ""),
        ("会员等级", "membership level", ""),
        ("订单编号", "order number", "warehouse"),  # another bounded context may say it again
        ("账号", "account", ""),
    ],
)
def test_no_false_duplicates(term, english, context):
    assert find_duplicates(ENTRIES, term, english, context) == []


def test_exact_duplicates_come_first():
    found = find_duplicates(ENTRIES, "订单号", "coupon redemption")
    assert [(d.entry.term, d.exact) for d in found] == [("优惠券核销", True), ("订单编号", False)]
