"""An entry reads well in a hover; a finding is one line for the CLI."""

from __future__ import annotations

from pathlib import Path

from lsp_server.glossary.check import check_source
from lsp_server.glossary.format import entry_markdown, finding_line
from lsp_server.glossary.model import Entry


def test_entry_markdown_has_every_filled_field(index):
    text = entry_markdown(index.by_term("订单编号"))
    assert text == (
        "**订单编号** — order number  *(approved)*\n"
        "\n"
        "Types `OrderNumber` · names `order_number` · constants `ORDER_NUMBER`\n"
        "\n"
        "The number printed on the receipt that identifies one order.\n"
        "\n"
        "Examples:\n"
        "- SO-2024-000123\n"
        "\n"
        "Also: `order ref`  \n"
        "Avoid: `order_sn`, `order no`, `oid`, `trade_no`  \n"
        "Context: sales  \n"
        "Source: team workshop 2024-03"
    )


def test_minimal_draft_entry():
    text = entry_markdown(Entry("SKU code", "SKU code", avoid=("a`b",)))
    assert text == (
        "**SKU code**  *(draft, not yet reviewed)*\n"
        "\n"
        "Types `SkuCode` · names `sku_code` · constants `SKU_CODE`\n"
        "\n"
        "Avoid: `` a`b ``"
    )


def test_finding_line_is_one_based(index):
    [finding] = check_source("x = 1\n  oid = 2\n", index, Path("/p/src/a.py"))
    assert finding_line(finding, Path("/p")) == (
        "src/a.py:2:3: `oid` is a synonym to avoid for '订单编号': "
        "use `order_number` (rename `oid` to `order_number`)"
    )
    assert finding_line(finding).startswith("/p/src/a.py:2:3: ")
    [unnamed] = check_source("oid = 1\n", index)
    assert finding_line(unnamed).startswith("<source>:1:1: ")
