"""Drafting glossary entries with real models: the schema holds even for a 135M model, and what
the model must not decide (the term, identifier forms, status, source) is decided by code."""

from __future__ import annotations

import re

import pytest

from lsp_server.glossary.draft import SCHEMA, draft_entry
from lsp_server.glossary.model import Entry

ENGLISH = re.compile(SCHEMA["properties"]["english"]["pattern"])


def _check(entry: Entry, term: str, backend) -> None:
    assert entry.term == term  # verbatim
    assert ENGLISH.match(entry.english)
    assert entry.status == "draft" and entry.source == backend.info().name
    assert entry.forms.snake == "_".join(entry.english.split())
    assert entry.forms.pascal == "".join(w.capitalize() for w in entry.english.split())
    assert entry.definition and len(entry.examples) <= 2
    assert all(re.fullmatch(r"[a-z][a-z0-9_]+", a) for a in entry.avoid)
    assert entry.english.replace(" ", "_") not in entry.avoid


@pytest.mark.parametrize("term", ["会员积分", "优惠券核销", "shipping address"])
def test_tiny_model_drafts_a_valid_entry(tiny_backend, term):
    _check(draft_entry(tiny_backend, term, existing=[]), term, tiny_backend)


@pytest.mark.default_model
def test_default_model_translates_a_chinese_term(default_backend):
    existing = [Entry("订单编号", "order number", status="approved")]
    entry = draft_entry(default_backend, "购物车", existing=existing, language="zh")
    _check(entry, "购物车", default_backend)
    assert entry.english in {"shopping cart", "cart", "shopping basket", "basket"}
