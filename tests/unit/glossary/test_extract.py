"""Candidate terms from the code: class names, enum members, model fields, Chinese phrases; ranked,
without what the glossary already has, and without writing anything."""

from __future__ import annotations

from lsp_server.glossary.extract import extract_candidates, extract_workspace
from lsp_server.glossary.scan import scan_source

from .conftest import DATA

SHOP = DATA / "shop"


def test_sample_project_candidates_are_ranked(index):
    before = (DATA / "glossary.yml").read_bytes()
    candidates = extract_workspace(SHOP, index, limit=100)
    assert (DATA / "glossary.yml").read_bytes() == before
    terms = [c.term for c in candidates]
    # A class defined twice (Order, OrderRepository) and used in every file comes first; then the
    # Chinese phrases that recur across files, then classes used in fewer places.
    assert terms[:5] == ["order", "优惠券", "满减活动", "coupon", "order status"]
    order = candidates[0]
    assert (order.kinds, order.files, order.score) == (("class",), 3, 8.0)
    assert [o.text for o in order.occurrences] == ["class Order", "class OrderRepository"]
    assert {"paid", "shipped", "refunded", "total amount", "coupon code", "收银台", "订单"} <= set(terms)
    by_term = {c.term: c for c in candidates}
    assert by_term["paid"].kinds == ("enum member",)
    assert by_term["paid"].occurrences[0].text == "OrderStatus.PAID"
    assert by_term["coupon code"].kinds == ("field",)
    assert (by_term["收银台"].occurrences[0].line, by_term["收银台"].occurrences[0].col) == (19, 11)
    assert by_term["优惠券"].files == 2
    assert by_term["order status"].score > by_term["paid"].score


def test_known_terms_and_their_synonyms_are_left_out(index):
    terms = {c.term for c in extract_workspace(SHOP, index, limit=100)}
    known = {"order number", "membership points", "coupon redemption", "sku code", "order sn"}
    assert not terms & known
    assert not terms & {"订单编号", "会员积分", "优惠券核销"}
    without_glossary = {c.term for c in extract_workspace(SHOP, None, limit=100)}
    assert {"coupon redemption", "order sn", "会员积分"} <= without_glossary


def test_generic_names_and_role_words_are_not_terms():
    source = """
class ShipmentService: ...
class ShipmentRepository: ...
class _Hidden: ...
class TestShipment: ...

@dataclass
class Parcel:
    id: int
    name: str
    created_at: str
    tracking_code: str
    _cache: dict
"""
    terms = [c.term for c in extract_candidates([scan_source(source)])]
    assert terms[:2] == ["shipment", "parcel"]
    assert "tracking code" in terms
    assert not {"id", "name", "created at", "cache", "hidden", "test shipment"} & set(terms)


def test_chinese_phrases_split_at_function_words():
    source = "# 计算运费模板的首重价格\n# 运费模板：按地区收费\n# 返回运费模板\n"
    candidates = extract_candidates([scan_source(source)])
    top = candidates[0]
    assert top.term == "运费模板"
    assert (top.kinds, top.files) == (("chinese",), 1)
    assert [(o.line, o.col) for o in top.occurrences] == [(0, 4), (1, 2), (2, 4)]
    terms = {c.term for c in candidates}
    assert not terms & {"计算", "返回", "运费模", "费模板"}


def test_limit():
    assert len(extract_workspace(SHOP, None, limit=3)) == 3
