"""The one project walk: the team's own files, in a stable order; not what .gitignore lists, nor
virtual environments, vendored code, build output, version control, binary or oversized files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lsp_server.project_files import walk_project


def _python(path: Path) -> bool:
    return path.suffix == ".py"


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _walk(root: Path, **options: int | None) -> list[str]:
    return [p.relative_to(root).as_posix() for p in walk_project(root, keep=_python, **options)]


def test_skips_environments_vendored_build_output_and_version_control(tmp_path):
    skipped = [
        ".venv/lib/python3.11/site-packages/pkg/mod.py",
        "venv/lib/mod.py",
        "tools/lib/python3.11/site-packages/mod.py",
        "web/node_modules/pkg/mod.py",
        "vendor/lib.py",
        "src/third_party/lib.py",
        "build/lib/app/mod.py",
        "dist/app/mod.py",
        "src/app.egg-info/mod.py",
        "app/__pycache__/mod.py",
        ".tox/py311/mod.py",
        ".nox/mod.py",
        ".mypy_cache/mod.py",
        ".pytest_cache/mod.py",
        ".ruff_cache/mod.py",
        ".git/hooks/mod.py",
        ".hg/mod.py",
        ".svn/mod.py",
        "app/.hidden.py",
        "myenv/lib/mod.py",  # a virtual environment under any name: it holds pyvenv.cfg
    ]
    _write(tmp_path, {name: "x = 1\n" for name in [*skipped, "app/orders.py", "setup.py"]})
    _write(tmp_path, {"myenv/pyvenv.cfg": "home = /usr/bin\n", "app/notes.txt": "words\n"})
    assert _walk(tmp_path) == ["setup.py", "app/orders.py"]


def test_gitignore_of_the_root_and_of_subfolders(tmp_path):
    _write(
        tmp_path,
        {
            ".gitignore": "# generated\n*_pb2.py\nout/\n/top_only.py\n*.gen.py\n",
            "app/.gitignore": "local_*.py\n!keep.gen.py\n",
            "app/orders.py": "x = 1\n",
            "app/orders_pb2.py": "x = 1\n",
            "app/local_settings.py": "x = 1\n",
            "local_tool.py": "x = 1\n",  # the subfolder's pattern does not reach up here
            "app/keep.gen.py": "x = 1\n",  # re-included by the nearer .gitignore
            "app/drop.gen.py": "x = 1\n",
            "top_only.py": "x = 1\n",
            "app/top_only.py": "x = 1\n",  # anchored to the root: not this one
            "out/report.py": "x = 1\n",
            "app/out/report.py": "x = 1\n",
        },
    )
    assert _walk(tmp_path) == [
        "local_tool.py",
        "app/keep.gen.py",
        "app/orders.py",
        "app/top_only.py",
    ]


def test_the_repositorys_own_excludes(tmp_path):
    _write(tmp_path, {".git/info/exclude": "scratch.py\n", "scratch.py": "x = 1\n", "app.py": "x = 1\n"})
    assert _walk(tmp_path) == ["app.py"]


def test_binary_and_oversized_files(tmp_path):
    _write(
        tmp_path,
        {
            "small.py": "x = 1\n",
            "big.py": "x = 1\n" * 100,
            "blob.py": b"x = 1\n\x00\x01\x02",
        },
    )
    assert _walk(tmp_path, max_bytes=100) == ["small.py"]
    assert _walk(tmp_path, max_bytes=None) == ["big.py", "small.py"]  # any size; binary still not


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    _write(tmp_path, {"app.py": "x = 1\n"})
    assert _walk(tmp_path) == ["app.py"]


def test_order_is_stable_files_first_then_subfolders_by_name(tmp_path):
    names = ["z.py", "a.py", "m/b.py", "b/z.py", "b/a.py", "b/c/a.py", "B.py"]
    _write(tmp_path, {name: "x = 1\n" for name in names})
    expected = ["B.py", "a.py", "z.py", "b/a.py", "b/z.py", "b/c/a.py", "m/b.py"]
    assert _walk(tmp_path) == expected
    assert _walk(tmp_path) == expected


def test_keep_is_the_callers_own_filter(tmp_path):
    _write(tmp_path, {"schema.SQL": "create table t (id int);\n", "app.py": "x = 1\n"})
    sql = list(walk_project(tmp_path, keep=lambda path: path.suffix.lower() == ".sql"))
    assert sql == [tmp_path / "schema.SQL"]


def test_a_folder_asked_for_by_name_is_walked(tmp_path):
    _write(tmp_path, {"node_modules/pkg/mod.py": "x = 1\n", ".gitignore": "node_modules/\n"})
    assert _walk(tmp_path / "node_modules") == ["pkg/mod.py"]
    assert _walk(tmp_path / "missing") == []


def test_a_broken_gitignore_costs_its_patterns_not_the_walk(tmp_path):
    _write(tmp_path, {".gitignore": b"\x00\x01binary", "app.py": "x = 1\n"})
    assert _walk(tmp_path) == ["app.py"]
