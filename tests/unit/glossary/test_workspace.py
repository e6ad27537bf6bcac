"""The workspace walk reads the project's own Python files and nothing else."""

from __future__ import annotations

from lsp_server.glossary.check import check_workspace
from lsp_server.glossary.workspace import MAX_FILE_BYTES, iter_python_files, read_source


def test_walk_skips_environments_hidden_generated_and_binary(tmp_path, index):
    files = {
        "app/orders.py": "order_sn = 1\n",
        "app/sub/deep.py": "oid = 2\n",
        "app/notes.txt": "order_sn\n",
        ".venv/lib/python3.11/site-packages/lib.py": "order_sn = 1\n",
        "env/pyvenv.cfg": "home = /usr\n",
        "env/lib/x.py": "order_sn = 1\n",
        "vendor/site-packages/y.py": "order_sn = 1\n",
        "web/node_modules/pkg/z.py": "order_sn = 1\n",
        ".git/hooks/h.py": "order_sn = 1\n",
        "app/__pycache__/c.py": "order_sn = 1\n",
        "app/.hidden.py": "order_sn = 1\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "app/big.py").write_text("order_sn = 1\n" + "#" * MAX_FILE_BYTES, encoding="utf-8")
    (tmp_path / "app/blob.py").write_bytes(b"order_sn = 1\n\0\1\2")
    (tmp_path / "app/latin1.py").write_bytes(b"order_sn = 1  # caf\xe9\n")
    walked = [p.relative_to(tmp_path).as_posix() for p in iter_python_files(tmp_path)]
    assert walked == ["app/latin1.py", "app/orders.py", "app/sub/deep.py"]  # binary: not walked
    assert read_source(tmp_path / "app/blob.py") is None
    findings = check_workspace(tmp_path, index)
    assert [(f.path.relative_to(tmp_path).as_posix(), f.identifier) for f in findings] == [
        ("app/orders.py", "order_sn"),
        ("app/sub/deep.py", "oid"),
    ]


def test_walk_of_a_single_file(tmp_path):
    path = tmp_path / "one.py"
    path.write_text("x = 1\n", encoding="utf-8")
    assert list(iter_python_files(path)) == [path]
    assert list(iter_python_files(tmp_path / "missing")) == []


def test_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbfoid = 1\n")
    assert read_source(path) == "oid = 1\n"


def test_handwritten_only_leaves_out_tests_and_generated_code(tmp_path):
    for name in (
        "shop/models.py",
        "shop/migrations/0001_initial.py",
        "shop/tests/test_models.py",
        "shop/test_views.py",
        "shop/views_test.py",
        "shop/conftest.py",
        "shop/orders_pb2.py",
        "alembic/versions/abc.py",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    own = [p.relative_to(tmp_path).as_posix() for p in iter_python_files(tmp_path, handwritten_only=True)]
    assert own == ["shop/models.py"]
    assert len(list(iter_python_files(tmp_path))) == 8  # the glossary check still reads them all
