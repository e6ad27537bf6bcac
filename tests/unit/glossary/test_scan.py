"""Scanning source with tree-sitter: identifiers with their kinds, comments and docstrings, classes;
positions in characters and in UTF-16 units."""

from __future__ import annotations

from lsp_server.context.syntax import SyntaxTree
from lsp_server.glossary.scan import scan_file, scan_source

SOURCE = '''\
"""模块说明：会员积分 🎁"""
import os.path as osp
from shop import order_sn


@dataclass(frozen=True)
class OrderSn(Base, metaclass=Meta):
    """订单编号的旧名字。"""

    total: int = 0
    PAID = "paid"


def get(oid, *rest, limit: int = 1, **extra):
    备注 = "😀"; trade_no = 备注  # 注释 🧾 oid
    obj.order_sn = f(key=oid)
    for a, b in pairs:
        first, *more = b
'''


def _find(scanned, name, line=None):
    return next(i for i in scanned.identifiers if i.name == name and (line is None or i.line == line))


def test_identifier_kinds():
    scanned = scan_source(SOURCE)
    kinds = {(i.name, i.line): i.kind for i in scanned.identifiers}
    assert kinds[("osp", 1)] == "import"
    assert kinds[("order_sn", 2)] == "import"
    assert kinds[("OrderSn", 6)] == "class"
    assert kinds[("Base", 6)] == "name"
    assert kinds[("total", 9)] == "variable"
    assert kinds[("get", 13)] == "function"
    assert [kinds[(n, 13)] for n in ("oid", "rest", "limit", "extra")] == ["parameter"] * 4
    assert kinds[("int", 13)] == "name"
    assert kinds[("trade_no", 14)] == "variable"
    assert kinds[("obj", 15)] == "name"
    assert kinds[("order_sn", 15)] == "attribute"
    assert kinds[("key", 15)] == "keyword"
    assert kinds[("oid", 15)] == "name"
    assert kinds[("a", 16)] == kinds[("b", 16)] == "variable"
    assert kinds[("first", 17)] == kinds[("more", 17)] == "variable"


def test_columns_in_characters_and_utf16():
    scanned = scan_source(SOURCE)
    # 备注 = "😀"; — the emoji is one character but two UTF-16 units
    trade_no = _find(scanned, "trade_no")
    assert (trade_no.line, trade_no.col, trade_no.end_col) == (14, 14, 22)
    assert (trade_no.col_utf16, trade_no.end_col_utf16) == (15, 23)
    chinese = _find(scanned, "备注", 14)
    assert (chinese.col, chinese.end_col, chinese.col_utf16, chinese.end_col_utf16) == (4, 6, 4, 6)
    second = [i for i in scanned.identifiers if i.name == "备注"][1]
    assert (second.col, second.col_utf16) == (25, 26)
    assert SOURCE.splitlines()[14][trade_no.col : trade_no.end_col] == "trade_no"


def test_comments_and_docstrings_with_positions():
    scanned = scan_source(SOURCE)
    assert [(b.kind, b.text, b.line, b.col, b.col_utf16) for b in scanned.texts] == [
        ("docstring", '"""模块说明：会员积分 🎁"""', 0, 0, 0),
        ("docstring", '"""订单编号的旧名字。"""', 7, 4, 4),
        ("comment", "# 注释 🧾 oid", 14, 29, 30),
    ]
    comment = scanned.texts[2]
    offset = comment.text.index("oid")
    assert comment.position(offset) == (14, 29 + 7)
    assert comment.position(offset, utf16=True) == (14, 30 + 8)
    assert comment.offset(14, 30 + 8, utf16=True) == offset
    assert comment.offset(14, 36, utf16=True) is None  # inside the emoji's surrogate pair
    assert comment.offset(13, 0) is None


def test_multi_line_docstring_positions():
    scanned = scan_source('def f():\n    """第一行\n    会员积分 here\n    """\n')
    [block] = scanned.texts
    offset = block.text.index("会员积分")
    assert (block.line, block.end_line) == (1, 3)
    assert block.position(offset) == (2, 4)
    assert block.offset(2, 4) == offset
    assert block.offset(2, 4, utf16=True) == offset


def test_classes_with_bases_decorators_and_fields():
    [info] = scan_source(SOURCE).classes
    assert info.name.name == "OrderSn"
    assert info.bases == ("Base",)
    assert info.decorators == ("dataclass(frozen=True)",)
    assert [(f.name.name, f.annotation, f.value, f.name.line) for f in info.fields] == [
        ("total", "int", "0", 9),
        ("PAID", "", '"paid"', 10),
    ]


def test_position_lookups_for_hover():
    scanned = scan_source(SOURCE)
    assert scanned.identifier_at(14, 15, utf16=True).name == "trade_no"
    assert scanned.identifier_at(14, 22).name == "trade_no"  # the end, where the cursor sits after typing
    assert scanned.identifier_at(14, 12) is None
    block, offset = scanned.text_at(14, 36)
    assert block.kind == "comment" and block.text[offset:] == "oid"
    assert scanned.text_at(14, 3) is None


def test_existing_tree_is_reused_and_broken_code_still_scanned():
    tree = SyntaxTree(SOURCE)
    assert scan_source(SOURCE, tree=tree.tree).identifiers == scan_source(SOURCE).identifiers
    broken = scan_source("def get_order_sn(oid:\n    order_sn = \n")
    assert {i.name for i in broken.identifiers} >= {"get_order_sn", "oid", "order_sn"}


def test_scan_file_skips_binary(tmp_path):
    text_file = tmp_path / "a.py"
    text_file.write_text("oid = 1\n", encoding="utf-8")
    assert [i.name for i in scan_file(text_file).identifiers] == ["oid"]
    binary = tmp_path / "b.py"
    binary.write_bytes(b"oid = 1\n\0\0")
    assert scan_file(binary) is None
    latin = tmp_path / "c.py"
    latin.write_bytes(b"# caf\xe9\n")
    assert scan_file(latin) is None


def test_imports_name_top_level_packages_not_relative_ones():
    source = "import os.path, numpy as np\nfrom django.db import models\nfrom . import x\nfrom .a import b\n"
    assert scan_source(source).imports == ["os", "numpy", "django"]
