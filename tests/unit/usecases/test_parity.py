"""Each use case through both front ends gives the same result: `gen-tests` and `glossary add` on
the command line (in-process, flags parsed as `ubiq` parses them) against `ubiq.generateTests` and
`ubiq.addGlossaryTerm` (the command handlers with a fake server). Same fake model, same project."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path

from lsp_server.cli import gen_tests as cli_gen_tests
from lsp_server.cli import glossary as cli_glossary
from lsp_server.cli.main import build_parser
from lsp_server.features import commands
from lsp_server.features import glossary as lsp_glossary
from lsp_server.glossary.add import TermClash
from lsp_server.testgen import generate as testgen_use_case
from lsp_server.testgen import writer
from tests.unit.usecases.fakes import DRAFT, FakeBackend, FakeGenerator, fake_server, inserted_text
from tests.unit.usecases.test_glossary_add import CODE, GLOSSARY


def _cli(*argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return args.run(args)


def _apply(old: str, edit: types.WorkspaceEdit) -> str:
    """A WorkspaceEdit's text edits applied to `old` (positions in UTF-16 units; BMP text)."""
    [change] = [c for c in edit.document_changes or [] if isinstance(c, types.TextDocumentEdit)]
    lines = old.split("\n")
    starts = [sum(len(line) + 1 for line in lines[:n]) for n in range(len(lines))]
    text = old
    for e in sorted(change.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start = starts[e.range.start.line] + e.range.start.character
        end = starts[e.range.end.line] + e.range.end.character
        text = text[:start] + e.new_text + text[end:]
    return text


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> FakeBackend:
    fake = FakeBackend()
    monkeypatch.setattr(cli_gen_tests, "load_model", lambda settings: fake)
    monkeypatch.setattr(cli_glossary, "load_model", lambda settings: fake)
    FakeGenerator.keep, FakeGenerator.seen = True, []
    monkeypatch.setattr(testgen_use_case, "Generator", FakeGenerator)
    monkeypatch.setattr(testgen_use_case, "check_importable", lambda module: None)
    monkeypatch.setattr(writer, "verify", lambda planned, report, root: None)
    return fake


def _project(root: Path) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "glossary.yml").write_text(GLOSSARY, encoding="utf-8")
    (root / "shop.py").write_text(CODE, encoding="utf-8")
    return root


async def test_gen_tests_cli_and_editor_write_the_same_file(tmp_path, backend, capsys, monkeypatch):
    cli_root, lsp_root = _project(tmp_path / "cli"), _project(tmp_path / "lsp")
    monkeypatch.chdir(cli_root)
    assert _cli("gen-tests", "calc.py::add", "--json") == 0
    cli_data = json.loads(capsys.readouterr().out)
    written = (cli_root / "tests" / "test_calc.py").read_text()

    ls = fake_server(lsp_root, backend)
    result = await commands.generate_tests(ls, from_fs_path(str(lsp_root / "calc.py")), "add")
    [edit] = ls.applied
    assert inserted_text(edit) == written
    assert not (lsp_root / "tests").exists()  # the editor writes it, undoably
    same = {k: v for k, v in result.items() if k not in ("path", "written")}
    assert same == {k: v for k, v in cli_data.items() if k not in ("path", "written")}
    assert ls.messages == ["Ubiq: 1 tests for calc created in test_calc.py (lines 0% → 100%, 0 discarded)"]


async def test_gen_tests_nothing_kept_fails_on_both_sides(tmp_path, backend, monkeypatch):
    FakeGenerator.keep = False
    root = _project(tmp_path / "p")
    monkeypatch.chdir(root)
    assert _cli("gen-tests", "calc.py") == 1
    ls = fake_server(root, backend)
    result = await commands.generate_tests(ls, from_fs_path(str(root / "calc.py")), None)
    assert "nothing to write" in result["error"] and ls.applied == []


async def test_glossary_add_cli_and_editor_make_the_same_file(tmp_path, backend, capsys):
    cli_root, lsp_root = _project(tmp_path / "cli"), _project(tmp_path / "lsp")
    assert _cli("glossary", "add", "仓库", "--root", str(cli_root), "--json") == 0
    cli_entry = json.loads(capsys.readouterr().out)
    assert "从仓库发货" in backend.asked[-1][-1].content

    ls = fake_server(lsp_root, backend)
    result = await lsp_glossary.add_term(ls, {"term": "仓库"})
    assert "从仓库发货" in backend.asked[-1][-1].content  # the usages, on this side too
    assert result["entry"] == {k: v for k, v in cli_entry.items() if k != "written"}
    [edit] = ls.applied
    assert _apply(GLOSSARY, edit) == (cli_root / "glossary.yml").read_text(encoding="utf-8")
    assert (lsp_root / "glossary.yml").read_text(encoding="utf-8") == GLOSSARY


async def test_glossary_add_force_on_both_sides(tmp_path, monkeypatch):
    near = FakeBackend({**DRAFT, "english": "member points", "avoid": []})
    monkeypatch.setattr(cli_glossary, "load_model", lambda settings: near)
    root = _project(tmp_path / "p")
    copy = tmp_path / "lsp"
    shutil.copytree(root, copy)

    with pytest.raises(TermClash, match="clashes") as raised:
        _cli("glossary", "add", "积分", "--root", str(root))
    assert "--force" in raised.value.hint
    ls = fake_server(copy, near)
    refused = await lsp_glossary.add_term(ls, {"term": "积分"})  # the user dismissed the question
    assert "clashes" in refused["error"] and ls.applied == [] and len(ls.asked) == 1

    assert _cli("glossary", "add", "积分", "--root", str(root), "--force") == 0
    added = await lsp_glossary.add_term(ls, {"term": "积分", "force": True})
    assert added["entry"]["english"] == "member points" and len(ls.asked) == 1  # forced: not asked
    [edit] = ls.applied
    assert _apply(GLOSSARY, edit) == (root / "glossary.yml").read_text(encoding="utf-8")


async def test_the_editor_asks_before_adding_a_near_duplicate(tmp_path):
    near = FakeBackend({**DRAFT, "english": "member points", "avoid": []})
    ls = fake_server(_project(tmp_path / "p"), near)
    ls.answers.append(lsp_glossary.ADD_ANYWAY)
    added = await lsp_glossary.add_term(ls, {"term": "积分"})
    assert "member points" in ls.asked[0] or "clashes" in ls.asked[0]
    assert added["entry"]["english"] == "member points" and len(ls.applied) == 1
