"""`glossary.add`: the model sees where the term is used, duplicates are refused before and after
drafting, and `force` lets only near duplicates through. The model is a scripted fake (plumbing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp_server.errors import InputError
from lsp_server.glossary import add as use_case
from lsp_server.glossary.store import Glossary
from lsp_server.jobs import Quiet
from tests.unit.usecases.fakes import DRAFT, FakeBackend

GLOSSARY = """\
# The shop's words.
terms:
  - term: 会员积分
    english: membership points
    context: loyalty
    status: approved
"""
CODE = "def ship(order):\n    # 从仓库发货\n    return find_warehouse(order)\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "glossary.yml").write_text(GLOSSARY, encoding="utf-8")
    (tmp_path / "shop.py").write_text(CODE, encoding="utf-8")
    return tmp_path


def _glossary(project: Path) -> Glossary:
    return Glossary.load(project / "glossary.yml")


def test_usages_are_found_in_the_project(project: Path):
    usages = use_case.gather_usages(project, "仓库")
    assert [(u.kind, u.line) for u in usages] == [("comment", 1)] and "从仓库发货" in usages[0].text


def test_add_term_drafts_with_the_usages_and_adds_in_memory(project: Path):
    backend, handle, glossary = FakeBackend(), Quiet(), _glossary(project)
    entry = use_case.add_term(backend, glossary, " 仓库 ", root=project, handle=handle)
    assert entry.term == "仓库" and entry.english == "warehouse" and entry.status == "draft"
    assert entry.source == "fake-model" and entry.line > 0
    assert "从仓库发货" in backend.asked[0][-1].content  # the usage reached the prompt
    assert backend.cancels == [handle.cancel] and handle.messages == [("drafting 仓库", None)]
    assert glossary.find("仓库") is not None and "term: 仓库" in glossary.dumps()
    assert (project / "glossary.yml").read_text(encoding="utf-8") == GLOSSARY  # saving is the caller's


def test_draft_term_adds_nothing(project: Path):
    glossary = _glossary(project)
    entry = use_case.draft_term(FakeBackend(), glossary, "仓库", root=project, context="stock")
    assert entry.context == "stock" and glossary.find("仓库") is None


@pytest.mark.parametrize("force", [False, True])
def test_an_exact_duplicate_is_refused_before_the_model_runs(project: Path, force: bool):
    backend = FakeBackend()
    with pytest.raises(use_case.TermClash, match="clashes with glossary.yml") as raised:
        use_case.add_term(backend, _glossary(project), "会员积分", root=project, force=force)
    assert not raised.value.forcible and "force" not in raised.value.hint
    assert backend.asked == []


def test_a_near_duplicate_draft_needs_force(project: Path):
    near = {**DRAFT, "english": "member points", "avoid": []}
    with pytest.raises(use_case.TermClash, match="the draft for '积分' \\(member points\\)") as raised:
        use_case.add_term(FakeBackend(near), _glossary(project), "积分", root=project)
    assert raised.value.forcible and "force" in raised.value.hint
    glossary = _glossary(project)
    entry = use_case.add_term(FakeBackend(near), glossary, "积分", root=project, force=True)
    assert entry.english == "member points" and glossary.find("积分") is not None


def test_an_empty_term_is_an_input_error(project: Path):
    with pytest.raises(InputError, match="empty"):
        use_case.check_term(_glossary(project), "  ")
