"""Positions in code points and UTF-16 units, and out-of-range positions."""

from __future__ import annotations

import pytest

from lsp_server.context.positions import offset_at
from lsp_server.errors import InputError

TEXT = "# 会员积分 😀 ok\nx = 1\r\n\nlast"


def test_code_point_columns():
    assert TEXT[offset_at(TEXT, 0, 2) :].startswith("会员")
    assert offset_at(TEXT, 1, 4) == TEXT.index("1")
    assert offset_at(TEXT, 1, 5) == TEXT.index("\r")  # end of line, before CRLF
    assert TEXT[offset_at(TEXT, 3, 4) - 4 :] == "last"


def test_utf16_columns_count_surrogate_pairs():
    # "# 会员积分 " is 7 units, the emoji 2, then " ok"
    assert TEXT[offset_at(TEXT, 0, 9, encoding="utf-16") :].startswith(" ok")
    with pytest.raises(InputError, match="splits a character"):
        offset_at(TEXT, 0, 8, encoding="utf-16")


@pytest.mark.parametrize("line,col", [(-1, 0), (4, 0), (1, 6), (0, -1), (2, 1)])
def test_out_of_range(line, col):
    with pytest.raises(InputError):
        offset_at(TEXT, line, col)


def test_utf8_columns_count_bytes():
    # "# " is 2 bytes, each of 会员积分 3 bytes
    assert TEXT[offset_at(TEXT, 0, 2 + 3, encoding="utf-8") :].startswith("员")
    with pytest.raises(InputError, match="splits a character"):
        offset_at(TEXT, 0, 3, encoding="utf-8")
