"""The front: walking directories, skipping what is not the project's, never crashing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lsp_server.datamodel import ERModel, Source, extract, extract_sources
from tests.unit.datamodel.conftest import DATA, rels

MODEL = (
    "from django.db import models\nclass Thing(models.Model):\n    name = models.CharField(max_length=9)\n"
)


def _names(model: ERModel) -> list[str]:
    return sorted(e.name for e in model.entities)


def test_skips_virtualenvs_hidden_and_vendored_directories(tmp_path):
    for folder in (
        ".venv/lib",
        ".git",
        "node_modules/pkg",
        "build/lib/python3/site-packages/x",
        "env",
        "app",
    ):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "models.py").write_text(
            MODEL.replace("Thing", folder.split("/")[0].strip(".").title())
        )
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert _names(extract([tmp_path])) == ["App"]
    assert _names(extract([tmp_path / ".venv" / "lib"])) == ["Venv"]  # asked for by name: read


def test_huge_binary_and_undecodable_files(tmp_path):
    (tmp_path / "big.sql").write_text("CREATE TABLE big (id INT);\n" + "-- padding\n" * 200)
    (tmp_path / "blob.py").write_bytes(b"class A:\x00\x01\x02")
    (tmp_path / "gbk.sql").write_bytes("CREATE TABLE t (id INT COMMENT '编号');".encode("gbk"))
    (tmp_path / "latin1.sql").write_bytes("CREATE TABLE u (id INT COMMENT 'café');\n".encode("latin-1"))
    model = extract([tmp_path], max_bytes=1000)
    assert _names(model) == ["t"]  # GBK is read as every user file is (UTF-8, else GB18030)
    assert model.entity("t").attributes[0].description == "编号"
    warnings = {Path(w.location.path).name: (w.code, w.message) for w in model.warnings}
    assert warnings == {  # the binary file walked past is no warning
        "big.sql": ("skipped-file", "not read: 2,227 bytes, more than the 1,000 Ubiq reads"),
        "latin1.sql": ("skipped-file", "not read: neither UTF-8 nor GB18030 text (byte 35 is invalid)"),
    }
    named = extract([tmp_path / "blob.py"]).warnings
    assert [(w.code, w.message) for w in named] == [("skipped-file", "not read: binary, not text")]


def test_missing_path_and_unknown_kind_of_file(tmp_path):
    (tmp_path / "notes.txt").write_text("just words")
    model = extract([tmp_path / "nope", tmp_path / "notes.txt"])
    assert model.entities == []
    assert [w.code for w in model.warnings] == ["skipped-file", "skipped-file"]


def test_unparseable_python_keeps_what_it_can(models):
    model = models["broken"]
    warnings = [w for w in model.warnings if w.location.path.endswith(".py")]
    assert [w.code for w in warnings] == ["parse-error"]
    assert warnings[0].location.line in (6, 7, 8, 9)
    assert {"Person", "Ticket"} <= set(_names(model))


def test_overrides_read_an_unsaved_buffer(tmp_path):
    path = tmp_path / "models.py"
    path.write_text(MODEL)
    edited = MODEL.replace("Thing", "Renamed")
    assert _names(extract([path], overrides={str(path): edited})) == ["Renamed"]


def test_kinds_filter():
    model = extract([DATA / "plain"], kinds={"dataclass"})
    assert {e.kind for e in model.entities} == {"dataclass"}
    assert extract([DATA / "sql"], kinds={"django"}).entities == []


def test_files_across_kinds_resolve_by_table_name():
    model = extract_sources(
        [
            Source("schema.sql", "CREATE TABLE accounts (id INT PRIMARY KEY);"),
            Source(
                "models.py",
                "from sqlalchemy import Column, Integer, ForeignKey\nclass Login(Base):\n"
                "    __tablename__ = 'logins'\n    id = Column(Integer, primary_key=True)\n"
                "    account_id = Column(ForeignKey('accounts.id'))\n",
            ),
        ]
    )
    assert ("accounts", "1:N", "Login", None, None, None) in rels(model)
    assert model.entity("Login").attribute("account_id").type == "INT"


def test_locations_point_at_the_source(models):
    model = models["django_shop"]
    product = model.entity("Product")
    assert product.location.path.endswith(os.path.join("catalog", "models.py"))
    assert (product.location.line, product.location.column) == (18, 7)
    assert product.attribute("sku").location.line == 20


@pytest.mark.parametrize("seed", range(5))
def test_never_crashes_on_garbage(tmp_path, seed):
    import random

    rng = random.Random(seed)
    pieces = [
        "class ",
        "(",
        ")",
        ":",
        "models.Model",
        "Column(",
        "ForeignKey(",
        "'",
        '"',
        "\n    ",
        "=",
        "Mapped[",
        "]",
        "CREATE TABLE ",
        "REFERENCES ",
        ",",
        "x",
        "@dataclass\n",
        "list[",
        "None",
        "|",
    ]
    for name in ("a.py", "b.sql"):
        (tmp_path / name).write_text("".join(rng.choice(pieces) for _ in range(400)))
    model = extract([tmp_path])
    assert isinstance(model, ERModel)
    assert not [w for w in model.warnings if w.code == "internal-error"]
