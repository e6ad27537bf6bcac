"""The model is asked only about classes no rule classifies, its answer is kept only when it cites
a line of the class and agrees with the code, and recording it in the glossary keeps the team's
decisions: a draft unless the user confirmed it, an approved entry never overwritten unasked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from lsp_server.ddd.blocks import KINDS
from lsp_server.ddd.model import load
from lsp_server.ddd.suggest import AlreadyDecided, ambiguous, class_source, facts_of, record, suggest_kind
from lsp_server.engine.backend import Backend, ChatMessage, Completion, ModelInfo
from lsp_server.glossary.store import Glossary

DOMAIN = '''from dataclasses import dataclass


@dataclass(frozen=True)
class Money:
    amount: int


class Ledger:
    """Bookings of one account."""

    entries: list[Money]
    total: int = 0

    def book(self, money: Money) -> None:
        self.entries.append(money)


class LedgerFull(Exception):
    pass
'''


@pytest.fixture
def model(tmp_path: Path):
    domain = tmp_path / "bank" / "domain"
    domain.mkdir(parents=True)
    (domain / "model.py").write_text(DOMAIN)
    return load([tmp_path])


def test_only_unclassified_domain_classes_are_asked_about(model):
    assert ambiguous(model) == ["Ledger"]
    source = dict(class_source(model, model.code.classes["Ledger"]))
    assert source[9] == "class Ledger:" and source[16] == "        self.entries.append(money)"
    assert 19 not in source  # the next class
    facts = facts_of(model, "Ledger")
    assert facts[0].startswith("no identity field") and "methods: book" in facts


def test_recording_keeps_the_teams_decisions(tmp_path: Path):
    text = "# our terms\nterms:\n  - term: 账本\n    english: ledger\n    status: approved\n"
    glossary = Glossary.parse(text, tmp_path / "glossary.yml")
    with pytest.raises(AlreadyDecided, match="approved"):
        record(glossary, "Ledger", "entity", confirmed=False)
    entry = record(glossary, "Ledger", "entity", confirmed=True)
    assert (entry.term, entry.kind, entry.status) == ("账本", "entity", "approved")
    assert (
        glossary.dumps().startswith("# our terms\n")
        and "    kind: entity\n    status: approved" in glossary.dumps()
    )
    draft = record(glossary, "CreditNote", "value_object", confirmed=False, source="ubiq ddd suggest")
    assert (draft.term, draft.english, draft.kind, draft.status) == (
        "credit note",
        "credit note",
        "value_object",
        "draft",
    )
    assert Glossary.parse(glossary.dumps(), tmp_path / "glossary.yml").entries == glossary.entries


def test_a_real_models_answer_is_checked_against_the_code(model, tiny_backend):
    suggestion = suggest_kind(tiny_backend, model, "Ledger")
    if suggestion is None:  # "none", a line the class lacks, or a kind the code contradicts
        return
    source = dict(class_source(model, model.code.classes["Ledger"]))
    assert source[suggestion.line].strip() == suggestion.quote and suggestion.kind in KINDS


class Answering(Backend):
    """Answers every question with one JSON object (pure plumbing: the checks after the model;
    test_a_real_models_answer_is_checked_against_the_code runs the same path on a real model)."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer

    def info(self) -> ModelInfo:
        return ModelInfo("scripted", "", "test", "none", 4096, None, False, 1, 1)

    def complete(self, request: Any, cancel: Any = None, on_text: Any = None) -> Completion:
        raise NotImplementedError

    def chat(self, messages: Sequence[ChatMessage], **_: Any) -> Completion:
        return Completion(json.dumps(self.answer), "eos")

    def count_tokens(self, text: str) -> int:
        return len(text) // 3 + 1

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        ({"kind": "entity", "line": 9, "reason": "has a lifecycle"}, True),
        ({"kind": "none", "line": 9, "reason": "not domain"}, False),
        ({"kind": "entity", "line": 3, "reason": "a line of another class"}, False),
        ({"kind": "entity", "line": 11, "reason": "a blank line"}, False),
    ],
)
def test_an_answer_must_cite_a_line_of_the_class(model, answer: dict, kept: bool):
    suggestion = suggest_kind(Answering(answer), model, "Ledger")
    assert (suggestion is not None) == kept
    if suggestion is not None:
        assert (suggestion.line, suggestion.quote, suggestion.kind) == (9, "class Ledger:", "entity")


def test_a_value_object_with_an_identity_is_refused(tmp_path: Path):
    domain = tmp_path / "bank" / "domain"
    domain.mkdir(parents=True)
    (domain / "model.py").write_text("class Account(Base):\n    account_id: int\n    owner: str\n")
    model = load([tmp_path])
    answer = {"kind": "value_object", "line": 1, "reason": "equal by value"}
    assert suggest_kind(Answering(answer), model, "Account") is None
    assert suggest_kind(Answering({**answer, "kind": "entity"}), model, "Account") is not None


def test_cli_suggest_lists_what_it_asked_and_records_drafts(tmp_path: Path):
    from tests.cli.test_cli import ubiq

    domain = tmp_path / "bank" / "domain"
    domain.mkdir(parents=True)
    (domain / "model.py").write_text(DOMAIN)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'bank'\nversion = '0'\n")
    result = ubiq("ddd", "suggest", str(tmp_path), "--record", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert [s["name"] for s in found] in ([], ["Ledger"])
    glossary = tmp_path / "glossary.yml"
    if found:  # recorded as a draft for the team to approve
        (entry,) = Glossary.load(glossary).entries
        assert (entry.english, entry.kind, entry.status) == ("ledger", found[0]["kind"], "draft")
        assert "set status: approved to confirm" in result.stderr
    else:
        assert "left open (no checkable answer): Ledger" in result.stderr and not glossary.exists()
