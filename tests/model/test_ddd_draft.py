"""`ubiq ddd draft` as a user runs it, on a real GGUF model (the tiny pack): whatever the model
answers, every element kept cites a sentence of the text that holds its words, the files are
written for review (never over existing ones without --force), and the glossary draft loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lsp_server.glossary.store import Glossary
from tests.cli.test_cli import assert_one_line_error, ubiq

TEXTS = {
    "en": "A customer places an order. When the customer pays the order, the warehouse reserves stock.\n",
    "zh": "会员在商城下单。会员支付订单后，仓库锁定库存。\n",
}


@pytest.mark.parametrize("language,samples", [("en", 1), ("zh", 2)])  # votes are counted in one
def test_every_element_kept_cites_a_sentence_that_names_it(tmp_path: Path, language: str, samples: int):
    needs = tmp_path / f"needs.{language}.md"
    needs.write_text(TEXTS[language], encoding="utf-8")
    out = tmp_path / "draft"
    result = ubiq("ddd", "draft", str(needs), "--out", str(out), "--no-er", "--samples", str(samples))
    if result.returncode != 0:  # a 135M model may propose nothing the text bears out: said cleanly
        assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr
        assert "error: no element the model proposed" in result.stderr
        return
    data = json.loads((out / "draft.json").read_text(encoding="utf-8"))
    assert data["samples"] == samples and data["elements"]
    for element in data["elements"]:
        assert element["source"]["sentence"] in TEXTS[language]
        assert element["votes"] == samples  # a majority of two is both
        assert element["name"].isidentifier() and element["name"][0].isupper()
    assert (out / "eventstorming.md").read_text(encoding="utf-8").startswith("# EventStorming draft of")
    assert Glossary.load(out / "glossary.draft.yml").entries
    again = ubiq("ddd", "draft", str(needs), "--out", str(out), "--no-er")
    assert_one_line_error(again, 2, "pass --force to replace them")


def test_a_draft_needs_text(tmp_path: Path):
    needs = tmp_path / "empty.md"
    needs.write_text("\n", encoding="utf-8")
    assert_one_line_error(ubiq("ddd", "draft", str(needs), "--out", str(tmp_path)), 2, "is empty")


def test_the_default_model_drafts_grounded_elements(default_backend):
    from lsp_server.ddd.draft import draft

    result = draft(default_backend, TEXTS["zh"], "needs.zh.md", samples=1, with_er=False)
    assert result.elements
    for element in result.elements:
        assert element.written in element.sentence.text  # Chinese: copied as written
        assert element.name.isascii() and element.name.isidentifier()
