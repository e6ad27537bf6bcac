"""Candidate terms from the code: class names, enum members, model fields, Chinese phrases; ranked,
without what the glossary already has, and without writing anything."""

from __future__ import annotations

from pathlib import Path

from lsp_server.glossary.extract import Vocabulary, extract_candidates, extract_workspace
from lsp_server.glossary.scan import scan_source
from lsp_server.glossary.workspace import library_location, library_paths

from .conftest import DATA

SHOP = DATA / "shop"
DJSHOP = DATA / "djshop"
LIBS = DATA / "libs"


def test_sample_project_candidates_are_ranked(index):
    before = (DATA / "glossary.yml").read_bytes()
    candidates = extract_workspace(SHOP, index, limit=100, search_paths=())
    assert (DATA / "glossary.yml").read_bytes() == before
    terms = [c.term for c in candidates]
    # A data model defined twice (Order, OrderRepository) and used in every file comes first; then
    # the other model (Coupon), the Chinese phrases that recur across files, then plain classes.
    assert terms[:5] == ["order", "coupon", "优惠券", "满减活动", "order status"]
    order = candidates[0]
    assert (order.kinds, order.files, order.score) == (("class",), 3, 16.0)
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
    terms = {c.term for c in extract_workspace(SHOP, index, limit=100, search_paths=())}
    known = {"order number", "membership points", "coupon redemption", "sku code", "order sn"}
    assert not terms & known
    assert not terms & {"订单编号", "会员积分", "优惠券核销"}
    without_glossary = {c.term for c in extract_workspace(SHOP, None, limit=100, search_paths=())}
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
    # two classes name shipment; parcel is one, but a data model with fields, which counts double
    assert terms[:2] == ["parcel", "shipment"]
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
    assert len(extract_workspace(SHOP, None, limit=3, search_paths=())) == 3


def test_tests_and_migrations_are_not_read():
    terms = {c.term for c in extract_workspace(DJSHOP, None, limit=100, search_paths=())}
    assert "product" in terms
    # `class Migration` (migrations/), `FixtureShelf` (tests/, conftest.py) are not the domain's
    assert not terms & {"migration", "fixture shelf"}


def test_models_with_fields_and_relationship_targets_weigh_more():
    source = """
class Product(models.Model):
    title = models.CharField(max_length=100)

class Basket(models.Model):
    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE)
    owner = models.ForeignKey("self", on_delete=models.CASCADE)

class ProductForm(forms.Form):
    title = forms.CharField()

class Widget: ...
class Gadget: ...
"""
    by_term = {c.term: c for c in extract_candidates([scan_source(source)])}
    # Product: class twice (3 + 3), a field of Basket (2); a model (+1) with a relationship to it (+0.25)
    assert by_term["product"].score == (3 + 3 + 2) * (1 + 1 + 0.25)
    assert by_term["basket"].score == 3 * 2  # a model, and nothing relates to it
    assert by_term["widget"].score == 3.0
    assert "self" not in by_term


def test_a_term_explained_in_docstrings_of_two_files_weighs_more():
    first = '''
class Parcel:
    """A parcel on its way."""

class Widget:
    """A widget."""
'''
    second = '''
def ship():
    """Ship the parcel."""
'''
    scans = [scan_source(first, Path("a.py")), scan_source(second, Path("b.py"))]
    by_term = {c.term: c for c in extract_candidates(scans)}
    assert by_term["parcel"].score == 3 * 1.5
    assert by_term["widget"].score == 3.0  # explained in one file only


def test_words_of_imported_frameworks_are_discounted():
    without = {c.term: c.score for c in extract_workspace(DJSHOP, None, limit=100, search_paths=())}
    discounted = {c.term: c.score for c in extract_workspace(DJSHOP, None, limit=100, search_paths=[LIBS])}
    # `widget` is in every file of the imported fakeframework; `product` in none of them
    assert discounted["product"] == without["product"]
    assert discounted["widget"] < without["widget"] / 5
    assert list(discounted)[:2] == ["product", "basket"]


def test_vocabulary_share_needs_two_files_and_is_smoothed():
    files = [scan_source("choices = widget()"), scan_source("choices = 1"), scan_source("rare = 1")]
    vocabulary = Vocabulary.of(files)
    assert vocabulary.files == 3
    assert vocabulary.share(("choices",)) == (2 + 2 / 8) / (3 + 50)
    assert vocabulary.share(("rare",)) == 0.0  # in one file only: no evidence
    assert vocabulary.share(("product",)) == 0.0


def test_libraries_are_found_without_importing_them():
    assert library_location("fakeframework", [LIBS]) == LIBS / "fakeframework"
    assert library_location("not_installed_anywhere", [LIBS]) is None
    assert LIBS.parent / "libs" not in library_paths(DJSHOP)  # only environments, not any folder


def test_the_project_name_is_not_a_candidate(tmp_path):
    project = tmp_path / "parcel"
    project.mkdir()
    (project / "models.py").write_text("class Parcel: ...\nclass Shipment: ...\n", encoding="utf-8")
    assert [c.term for c in extract_workspace(project, None, search_paths=())] == ["shipment"]
