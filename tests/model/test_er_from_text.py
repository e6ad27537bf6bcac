"""Requirement text → ER model on a real GGUF model (the tiny pack): whatever a small model
answers, the result is a valid ER model whose relationships only name its own entities, every
fact a suggestion with its evidence, identifiers made by rule; and cancellation stops it."""

from __future__ import annotations

import pytest

from lsp_server.datamodel import ERModel, read_text, render
from lsp_server.engine.backend import CancelToken
from lsp_server.errors import Cancelled, ModelError
from tests.oracle.roundtrip import roundtrip_problems

TEXTS = {
    "en": "A library lends books to members. Each member has a name. A member can borrow many books.",
    "zh": "图书馆向会员出借图书。每位会员有姓名。一位会员可以借多本图书。",
}


@pytest.mark.parametrize("language", ["zh"])  # English: tests/e2e/test_er_from_text.py, tests/cli
def test_the_result_is_a_valid_model_of_suggestions(tiny_backend, language: str):
    text = TEXTS[language]
    try:
        model = read_text(tiny_backend, text, f"needs.{language}.txt")
    except ModelError as error:  # a 135M model may find nothing the text names; that is said cleanly
        assert "no entities" in str(error)
        return
    names = [e.name for e in model.entities]
    assert names and len(names) == len(set(names))
    for entity in model.entities:
        assert entity.kind == "text" and entity.name.isidentifier() and entity.name.isascii()
        assert entity.name[0].isupper() and "_" not in entity.name  # PascalCase
        assert entity.evidence and entity.evidence in text and entity.location.path == f"needs.{language}.txt"
        for attribute in entity.attributes:
            assert attribute.name.isidentifier() and attribute.name.isascii() and attribute.name.islower()
            assert attribute.evidence in text
    for rel in model.relationships:
        assert rel.from_entity in names and rel.to_entity in names and not rel.declared
        assert rel.evidence in text
    assert ERModel.from_json(model.to_json()).to_dict() == model.to_dict()
    assert roundtrip_problems(model, "mermaid", render(model, "mermaid")) == []


def test_cancelled_before_it_starts(tiny_backend):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        read_text(tiny_backend, TEXTS["en"], cancel=token)
