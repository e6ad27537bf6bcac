"""What a hover finds at a position: entries in identifiers, terms under the cursor in comments."""

from __future__ import annotations

from lsp_server.glossary.format import entry_markdown
from lsp_server.glossary.locate import find_usages, matches_at
from lsp_server.glossary.scan import scan_file, scan_source
from lsp_server.glossary.workspace import iter_python_files

from .conftest import DATA

SOURCE = "x = '🧾'; order_sn = get_order_number()  # 🧾 计算会员积分，写入 OrderNumber\n"


def _terms(matches):
    return [(m.entry.term, m.kind) for m in matches]


def test_on_identifiers(index):
    scanned = scan_source(SOURCE)
    assert _terms(matches_at(scanned, index, 0, SOURCE.index("order_sn") + 2)) == [("订单编号", "avoid")]
    at_call = SOURCE.index("get_order_number")
    assert _terms(matches_at(scanned, index, 0, at_call)) == [("订单编号", "english")]
    assert matches_at(scanned, index, 0, 0) == []  # `x` names nothing


def test_on_comments_only_under_the_cursor(index):
    scanned = scan_source(SOURCE)
    term = SOURCE.index("会员积分")
    assert _terms(matches_at(scanned, index, 0, term + 1)) == [("会员积分", "term")]
    # the two emoji before it count twice in UTF-16
    assert _terms(matches_at(scanned, index, 0, term + 3, utf16=True)) == [("会员积分", "term")]
    assert matches_at(scanned, index, 0, SOURCE.index("计算")) == []
    [match] = matches_at(scanned, index, 0, SOURCE.index("OrderNumber") + 5)
    assert entry_markdown(match.entry).startswith("**订单编号** — order number")


def test_outside_anything(index):
    scanned = scan_source(SOURCE)
    assert matches_at(scanned, index, 0, SOURCE.index(" = get") + 1) == []
    assert matches_at(scanned, index, 5, 0) == []


def test_usages_of_a_term_for_drafting():
    scans = [scan_file(path) for path in iter_python_files(DATA / "shop")]
    chinese = find_usages(scans, "满减活动")
    assert [(u.path.name, u.line, u.col, u.kind, u.text) for u in chinese] == [
        ("models.py", 27, 11, "docstring", '"""优惠券：满减活动发放的券。"""'),
        ("refund.py", 0, 5, "comment", "# 退款：满减活动的优惠券不退，会员积分按比例扣回。"),
    ]
    english = find_usages(scans, "order number")
    assert [(u.path.name, u.line, u.col, u.kind, u.text) for u in english] == [
        ("models.py", 20, 4, "identifier", "order_number"),  # once per file
    ]
    assert len(find_usages(scans, "order", limit=2)) == 2
    assert find_usages(scans, "3") == []  # not a phrase to look for
