"""The checks a glossary draft passes before it is shown, with scripted answers (pure plumbing;
tests/model/test_glossary_draft.py and benchmarks/glossary.py run the same path on real models):
a draft that borrows a worked example's words or takes another entry's name is asked again
afresh, with the problem as a rule and without the example it borrowed from."""

from __future__ import annotations

import json

import pytest

from lsp_server.engine.backend import Completion
from lsp_server.errors import ModelError
from lsp_server.glossary.draft import EXAMPLES, borrowed_words, draft_entry
from lsp_server.glossary.model import Entry
from tests.unit.test_chat_json import Fake


class Scripted(Fake):
    """Answers each chat with the next draft of a script."""

    def __init__(self, *drafts: dict) -> None:
        super().__init__("")
        self.drafts = list(drafts)

    def chat(self, messages, **options) -> Completion:  # type: ignore[override]
        super().chat(messages, **options)
        return Completion(json.dumps(self.drafts.pop(0), ensure_ascii=False), "eos")


def draft(english: str, definition: str) -> dict:
    return {"english": english, "definition": definition, "examples": [], "aliases": [], "avoid": []}


def test_borrowed_words_are_the_examples_domains_unless_the_user_is_in_one():
    assert borrowed_words("A list of items a patient can buy at the clinic.", "购物车 shopping cart") == {
        "patient",
        "clinic",
    }
    assert borrowed_words("The fee a patient pays", "医院 挂号 hospital registration") == set()
    assert borrowed_words("The points a member earns with each order.", "会员积分 member points") == set()


def test_a_draft_that_borrows_is_asked_again_without_that_example():
    backend = Scripted(
        draft("shopping cart", "The list of courses a student has chosen for the semester."),
        draft("shopping cart", "The items a customer has chosen to buy, kept until checkout."),
    )
    entry = draft_entry(backend, "购物车", existing=[])
    assert entry.definition.startswith("The items a customer")
    first, second = backend.calls
    assert len(first["messages"]) == 2 * len(EXAMPLES) + 2
    school = json.dumps(EXAMPLES[0].answer, ensure_ascii=False)
    assert all(m.content != school for m in second["messages"])  # the example it copied is gone
    assert "Rule: define 购物车 by what it is itself" in second["messages"][-1].content
    assert "course" not in second["messages"][-1].content  # naming the borrowed words primes them


def test_a_name_taken_by_another_entry_is_asked_again_with_the_taken_names():
    existing = [Entry("订单编号", "order number", definition="The number that identifies one order.")]
    backend = Scripted(
        draft("order number", "The number that identifies one shipment of an order."),
        draft("tracking number", "The number a carrier gives a parcel to follow its delivery."),
    )
    entry = draft_entry(backend, "物流单号", existing=existing)
    assert entry.english == "tracking number"
    assert '"order number"' in backend.calls[1]["messages"][-1].content


def test_a_draft_that_keeps_borrowing_is_refused_with_a_message():
    copied = draft("refund", "The fee a patient pays back to the clinic.")
    with pytest.raises(ModelError, match=r"kept describing an unrelated domain \(clinic, patient\)"):
        draft_entry(Scripted(copied, copied, copied), "退款", existing=[])
