"""`ubiq er` as a user runs it: a real subprocess on the ER fixtures; what it prints is what the
library renders, `--out` is written whole or not at all, and bad input is one clean error line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lsp_server.datamodel import extract, render
from tests.cli.test_cli import assert_one_line_error, ubiq
from tests.conftest import REPO

ER = REPO / "tests" / "data" / "er"
MODERN = ER / "sqlalchemy_modern"
MYSQL = ER / "sql" / "mysql.sql"


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
    ],
)
def test_bad_input_is_one_error_line(args: list[str], text: str):
    assert_one_line_error(ubiq("er", *args), 2, text)
