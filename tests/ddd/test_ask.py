"""`ddd ask` on the sample shop: answers read off the code and the glossary, each citing file and
line, in the question's language; no evidence, no answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lsp_server.ddd.ask import ask
from lsp_server.ddd.model import load
from lsp_server.glossary.store import Glossary
from tests.conftest import REPO

SHOP = REPO / "tests" / "data" / "ddd_shop"
GLOSSARY = (
    "terms:\n"
    "  - term: 订单行\n    english: order line\n"
    "  - term: 收货地址\n    english: address\n"
    "  - term: 邮箱\n    english: email\n"
    "  - term: 会员积分\n    english: loyalty points\n"
)


@pytest.fixture(scope="module")
def model():
    return load([SHOP])


@pytest.fixture(scope="module")
def glossary(tmp_path_factory) -> Glossary:
    return Glossary.parse(GLOSSARY, tmp_path_factory.mktemp("g") / "glossary.yml")


def cited(answer) -> set[tuple[str, int]]:
    return {(Path(c.path).name, c.line) for c in answer.citations}


def test_aggregates_refer_to_each_other_by_identity(model):
    answer = ask("may Order hold a Customer?", model)
    assert answer.answer.startswith("No:") and "`customer_id`" in answer.answer
    assert {c.text.split(":")[0] for c in answer.citations} >= {"Order", "Customer"}
    assert all(c.line > 0 and Path(c.path).exists() for c in answer.citations)


def test_a_value_object_and_a_member_may_be_held(model):
    assert ask("can an Order hold Money?", model).answer.startswith("Yes: Money is a value object")
    member = ask("may Order contain an OrderLine?", model)
    assert member.answer.startswith("Yes:") and "root is Order" in member.answer


def test_ownership_cites_the_field_that_owns(model):
    answer = ask("which aggregate owns order lines?", model)
    assert answer.answer == "OrderLine belongs to the aggregate whose root is Order (context ordering)."
    assert any(c.text == "Order.lines: list[OrderLine]" for c in answer.citations)


def test_chinese_terms_through_the_glossary(model, glossary):
    line = ask("订单行属于哪个聚合？", model, glossary.entries, "glossary.yml")
    assert line.answer == "OrderLine 属于以 Order 为根的聚合（限界上下文 ordering）。"
    assert ("glossary.yml", 2) in cited(line)
    address = ask("收货地址属于哪个聚合？", model, glossary.entries)
    assert "Customer.address" in address.answer and "Customer" in address.answer
    email = ask("邮箱归属哪个聚合", model, glossary.entries)
    assert email.answer.startswith("Customer.email 属于以 Customer 为根的聚合")


def test_no_evidence_no_answer(model, glossary):
    unknown = ask("会员积分属于哪个聚合？", model, glossary.entries)
    assert "不做猜测" in unknown.answer and unknown.subjects == []
    # the glossary knows the term, the code does not
    assert [c.line for c in unknown.citations] == [8] and not unknown.found
    nothing = ask("who approves refunds?", model)
    assert not nothing.found and "does not guess" in nothing.answer


def test_cli_answers_with_citations_and_exits_1_without_evidence():
    from tests.cli.test_cli import ubiq

    result = ubiq("ddd", "ask", "may Order hold a Customer?", "--path", str(SHOP), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["evidence"] and data["answer"].startswith("No:") and data["citations"]
    missing = ubiq("ddd", "ask", "who approves refunds?", "--path", str(SHOP))
    assert missing.returncode == 1 and "does not guess" in missing.stdout
