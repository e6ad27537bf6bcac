"""The checks `ddd draft` puts between the model and the files, on answers written here (pure
plumbing; tests/model/test_ddd_draft.py runs the same path on a real model): an element must copy
its words from the sentence it cites, events are past tense and commands not, only what a majority
of samples proposes is kept, and the flow is read from shared sentences."""

from __future__ import annotations

from lsp_server.datamodel.from_text import split_sentences
from lsp_server.ddd.draft import Draft, _agreed, _grounded, _link, glossary_entries, markdown, mermaid

TEXT = "顾客在商城下单。\n顾客支付订单后，仓库锁定库存。\nA clerk ships the order.\n"
SENTENCES = split_sentences(TEXT)


def item(kind: str, text: str, english: str, sentence: int) -> dict:
    return {"kind": kind, "text": text, "english": english, "sentence": sentence}


def test_an_element_must_copy_its_words_from_the_text():
    assert _grounded(item("actor", "顾客", "customer", 1), SENTENCES, SENTENCES, None).name == "Customer"
    assert _grounded(item("actor", "读者", "reader", 1), SENTENCES, SENTENCES, None) is None  # the example's
    cited_wrongly = _grounded(item("aggregate", "库存", "stock", 1), SENTENCES, SENTENCES, None)
    assert cited_wrongly.sentence.number == 2  # the sentence that does name it
    clerk = _grounded(item("actor", "a clerk", "clerk", 3), SENTENCES, SENTENCES, None)
    assert clerk.sentence.line == 3 and clerk.sentence.column == 1


def test_events_are_past_tense_and_commands_are_not():
    def named(*args):
        element = _grounded(item(*args), SENTENCES, SENTENCES, None)
        return element.name if element is not None else None

    assert named("event", "支付订单", "order paid", 2) == "OrderPaid"
    assert named("event", "支付订单", "pay order", 2) is None
    assert named("command", "下单", "place order", 1) == "PlaceOrder"
    assert named("command", "下单", "order placed", 1) is None
    assert named("policy", "锁定库存", "reserve stock", 2) == "ReserveStockPolicy"


def test_only_what_a_majority_of_samples_proposes_is_kept():
    def grounded(*args):
        return _grounded(item(*args), SENTENCES, SENTENCES, None)

    samples = [
        [grounded("actor", "顾客", "customer", 1), grounded("aggregate", "库存", "stock", 2)],
        [grounded("actor", "顾客", "customers", 1), grounded("command", "下单", "place order", 1)],
        [grounded("aggregate", "库存", "inventory", 2)],  # same words as written: the same element
    ]
    result = Draft("needs.md", 3)
    kept = _agreed(samples, result)
    assert [(e.name, e.votes) for e in kept] == [("Customer", 2), ("Stock", 2)]
    assert result.dropped == 1


def test_the_flow_and_the_files_come_from_shared_sentences():
    def grounded(*args):
        return _grounded(item(*args), SENTENCES, SENTENCES, None)

    result = Draft("needs.md", 1)
    result.elements = [
        grounded("actor", "顾客", "customer", 2),
        grounded("event", "支付订单", "order paid", 2),
        grounded("aggregate", "库存", "stock", 2),
        grounded("policy", "锁定库存", "reserve stock", 2),
        grounded("actor", "a clerk", "clerk", 3),
    ]
    _link(result)
    assert result.flows == [
        ("Customer", "Stock"), ("Stock", "OrderPaid"), ("OrderPaid", "ReserveStockPolicy"),
    ]  # fmt: skip
    assert result.elements[1].aggregate == "Stock"
    diagram = mermaid(result)
    assert diagram.startswith("flowchart LR\n") and "actor_Customer --> aggregate_Stock" in diagram
    board = markdown(result)
    assert "needs.md:2:1 “顾客支付订单后，仓库锁定库存。”" in board and "aggregate (suggested)" in board
    entries = glossary_entries(result)
    assert [(e.term, e.english, e.kind) for e in entries][:2] == [
        ("顾客", "customer", "actor"), ("支付订单", "order paid", "domain_event"),
    ]  # fmt: skip
    assert all(e.status == "draft" and e.examples for e in entries)
