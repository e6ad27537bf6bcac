"""`ubiq er` as a user runs it: a real subprocess on the ER fixtures; what it prints is what the
library renders (with `--suggest`, its suggestions too), `--out` is written whole or not at all,
`--from-text` reads requirement text with the (tiny) model, and bad input is one clean error line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lsp_server.datamodel import ERModel, extract, render, suggest
from lsp_server.glossary.store import Glossary
from tests.cli.test_cli import assert_one_line_error, ubiq
from tests.conftest import REPO

ER = REPO / "tests" / "data" / "er"
MODERN = ER / "sqlalchemy_modern"
MYSQL = ER / "sql" / "mysql.sql"
NO_FK = ER / "sql" / "no_fk.sql"
GLOSSARY = "terms:\n  - term: 客户\n    english: client\n    avoid: [customer]\n"


@pytest.mark.parametrize("fmt", ["mermaid", "dbml", "plantuml", "ddl", "json", "dot"])
def test_each_format_prints_what_the_library_renders(fmt: str):
    result = ubiq("er", str(MODERN), "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert result.stdout == render(extract([MODERN]), fmt)
    assert result.stderr == ""


def test_mermaid_is_the_default():
    result = ubiq("er", str(MODERN))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("erDiagram\n")


def test_json_is_the_model():
    result = ubiq("er", str(MODERN), "--format", "json")
    assert json.loads(result.stdout) == extract([MODERN]).to_dict()


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_ddl_in_each_dialect(dialect: str):
    result = ubiq("er", str(MYSQL), "--format", "ddl", "--dialect", dialect)
    assert result.returncode == 0, result.stderr
    assert result.stdout == render(extract([MYSQL]), "ddl", dialect=dialect)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_svg_is_drawn_by_graphviz():
    result = ubiq("er", str(MODERN), "--format", "svg")
    assert result.returncode == 0, result.stderr
    assert result.stdout.lstrip().startswith("<?xml") and "</svg>" in result.stdout


def test_svg_without_graphviz_says_how_to_install_it():
    result = ubiq("er", str(MODERN), "--format", "svg", PATH=str(ER))  # no `dot` there
    assert_one_line_error(result, 2, "Graphviz's `dot` was not found")
    assert "apt-get install graphviz" in result.stderr


def test_several_paths_make_one_model():
    result = ubiq("er", str(MYSQL), str(MODERN), "--format", "json")
    names = {e["name"] for e in json.loads(result.stdout)["entities"]}
    assert {e.name for e in extract([MYSQL]).entities} | {"User", "Address"} <= names


def test_warnings_go_to_stderr_as_compilers_print_them():
    result = ubiq("er", "broken", "--format", "dbml", cwd=ER)
    assert result.returncode == 0, result.stderr
    assert result.stdout == render(extract([ER / "broken"]), "dbml")
    lines = result.stderr.splitlines()
    assert lines == [
        f"{w.location}: warning: {w.message}".replace(f"{ER}/", "") for w in extract([ER / "broken"]).warnings
    ]
    assert "broken/half_written.py:6:5: warning: Python syntax error" in result.stderr


def test_out_writes_the_file_and_nothing_to_stdout(tmp_path: Path):
    out = tmp_path / "model.dbml"
    result = ubiq("er", str(MODERN), "--format", "dbml", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == render(extract([MODERN]), "dbml")
    assert f"wrote {out}: " in result.stderr and "0 warnings" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["model.dbml"]  # no temporary file left
    assert out.stat().st_mode & 0o777 != 0o600  # the usual permissions, not the temporary file's


def test_out_refuses_to_overwrite_without_force(tmp_path: Path):
    out = tmp_path / "model.mmd"
    out.write_text("keep me\n")
    result = ubiq("er", str(MODERN), "--out", str(out))
    assert_one_line_error(result, 2, f"{out} exists")
    assert "--force" in result.stderr
    assert out.read_text() == "keep me\n"
    out.chmod(0o640)
    result = ubiq("er", str(MODERN), "--out", str(out), "--force")
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == render(extract([MODERN]), "mermaid")
    assert out.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its permissions


@pytest.mark.parametrize(
    "out,text",
    [(".", "is a folder"), ("missing/model.mmd", "cannot write")],
)
def test_out_that_cannot_be_written(tmp_path: Path, out: str, text: str):
    result = ubiq("er", str(MODERN), "--out", str(tmp_path / out))
    assert_one_line_error(result, 2, text)


@pytest.mark.parametrize(
    "args,text",
    [
        ([], "no paths given"),
        ([str(MODERN), "--format", "png"], "unknown format 'png'"),
        ([str(MYSQL), "--format", "ddl", "--dialect", "oracle"], "unknown SQL dialect 'oracle'"),
        ([str(MODERN), str(ER / "nowhere.py")], f"no such file or folder: {ER / 'nowhere.py'}"),
        (["--from-text", str(ER / "nowhere.txt")], "cannot read"),
        (
            ["--from-text", str(ER / "ruff.toml"), "--glossary", str(ER / "none.yml"), "--suggest"],
            "no such file",
        ),
    ],
)
def test_bad_input_is_one_error_line(args: list[str], text: str):
    assert_one_line_error(ubiq("er", *args), 2, text)


@pytest.mark.parametrize("fmt", ["mermaid", "dbml", "plantuml", "ddl", "json"])
def test_suggest_prints_the_suggestions_apart_from_the_facts(fmt: str):
    result = ubiq("er", str(NO_FK), "--suggest", "--format", fmt)
    assert result.returncode == 0, result.stderr
    model = extract([NO_FK])
    assert result.stdout == render(model, fmt, suggestions=suggest(model))
    if fmt != "json":
        assert "customer_id" in result.stdout.split("Suggested by Ubiq")[1]  # after the facts


def test_suggest_json_keeps_the_model_as_extracted():
    data = json.loads(ubiq("er", str(NO_FK), "--suggest", "--format", "json").stdout)
    assert {k: v for k, v in data.items() if k != "suggestions"} == extract([NO_FK]).to_dict()
    (found,) = data["suggestions"]
    assert found["kind"] == "foreign-key" and found["relationship"]["declared"] is False
    assert found["evidence"].startswith("column customer_id (integer) and entity customer (pk id integer)")


def test_suggest_renames_what_the_glossary_forbids(tmp_path: Path):
    glossary = tmp_path / "glossary.yml"
    glossary.write_text(GLOSSARY, encoding="utf-8")
    result = ubiq("er", str(NO_FK), "--suggest", "--format", "json", "--glossary", str(glossary))
    assert result.returncode == 0, result.stderr
    renames = [s["rename"] for s in json.loads(result.stdout)["suggestions"] if s["kind"] == "rename"]
    assert [(r["entity"], r["attribute"], r["new"]) for r in renames] == [
        ("customer", None, "client"),
        ("invoice", "customer_id", "client_id"),
    ]
    index = Glossary.load(glossary).index
    assert len(json.loads(result.stdout)["suggestions"]) == len(suggest(extract([NO_FK]), glossary=index))


def test_a_gbk_requirement_file_reads_as_in_the_editor(tmp_path: Path):
    needs = tmp_path / "needs.md"
    needs.write_bytes("会员可以下多个订单。每个订单有下单日期和金额。\n".encode("gbk"))
    out = tmp_path / "model.json"
    result = ubiq("er", "--from-text", str(needs), "--format", "json", "--out", str(out))
    # read and given to the model (a 135M model may find nothing it names: said as an error)
    assert "cannot read" not in result.stderr
    assert result.returncode == 0 or "found no entities" in result.stderr, result.stderr


def test_from_text_reads_requirements_with_the_model(tmp_path: Path):
    needs = tmp_path / "needs.md"
    needs.write_text("Customers place orders. Each order has a date.\n", encoding="utf-8")
    out = tmp_path / "model.json"
    result = ubiq("er", "--from-text", str(needs), "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    model = ERModel.from_json(out.read_text(encoding="utf-8"))
    names = {e.name for e in model.entities}
    assert names and all(e.kind == "text" and e.location.path == str(needs) for e in model.entities)
    assert all({r.from_entity, r.to_entity} <= names and not r.declared for r in model.relationships)
    assert all(e.name[0].isupper() and e.name.isidentifier() for e in model.entities)
    assert f"wrote {out}: {len(model.entities)} entit" in result.stderr
