"""Model files that must be refused before llama.cpp sees them, each with one clear error."""

from __future__ import annotations

import os
import struct

import pytest

from lsp_server.config import ModelSettings
from lsp_server.engine.gguf import inspect_gguf
from lsp_server.engine.local import LocalBackend
from lsp_server.engine.resolve import resolve_model
from lsp_server.errors import ModelError


def test_a_real_model_passes_and_reports_its_metadata(tiny_model):
    info = inspect_gguf(tiny_model.path)
    assert info.architecture == "llama"
    assert info.context_length == 8192
    assert info.tensor_count > 10
    assert info.chat_template and "im_start" in info.chat_template


def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match="model file not found"):
        resolve_model(str(tmp_path / "nope.gguf"))


def test_not_a_gguf_file(tmp_path):
    path = tmp_path / "model.gguf"
    path.write_text("this is not a model")
    with pytest.raises(ModelError, match="not a GGUF model file"):
        resolve_model(str(path))


def test_truncated_gguf_is_caught_before_loading(tmp_path, tiny_model):
    path = tmp_path / "truncated.gguf"
    with tiny_model.path.open("rb") as src:
        path.write_bytes(src.read(20 << 20))
    with pytest.raises(ModelError, match="truncated"):
        resolve_model(str(path))


def test_truncated_inside_the_header(tmp_path, tiny_model):
    path = tmp_path / "header.gguf"
    with tiny_model.path.open("rb") as src:
        path.write_bytes(src.read(4000))
    with pytest.raises(ModelError, match="truncated"):
        inspect_gguf(path)


def test_absurd_header_values_are_refused(tmp_path):
    path = tmp_path / "evil.gguf"
    # version 3, 1 tensor, 1 metadata entry whose key claims to be 2^62 bytes long
    path.write_bytes(b"GGUF" + struct.pack("<IQQQ", 3, 1, 1, 1 << 62))
    with pytest.raises(ModelError, match="corrupt"):
        inspect_gguf(path)


def test_unsupported_version(tmp_path):
    path = tmp_path / "v9.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 9, 0, 0))
    with pytest.raises(ModelError, match="version 9"):
        inspect_gguf(path)


def test_directory_and_unreadable_paths(tmp_path):
    with pytest.raises(ModelError, match="directory"):
        inspect_gguf(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ModelError, match="cannot open"):
        inspect_gguf(blocker / "model.gguf")  # a path through a file: unreadable


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_permission_denied(tmp_path, tiny_model):
    path = tmp_path / "locked.gguf"
    path.write_bytes(b"GGUF")
    path.chmod(0)
    with pytest.raises(ModelError, match="not readable"):
        inspect_gguf(path)


def test_a_name_that_is_neither_file_nor_pack():
    with pytest.raises(ModelError, match="neither a model file nor a model pack"):
        resolve_model("gpt-17")


def test_hf_model_must_be_pulled_first():
    with pytest.raises(ModelError, match="ubiq models pull"):
        resolve_model("hf:someone/some-repo/model-q4.gguf")


def test_the_engine_refuses_a_corrupt_file_with_a_clear_error(tmp_path, tiny_model):
    path = tmp_path / "cut.gguf"
    with tiny_model.path.open("rb") as src:
        path.write_bytes(src.read(50 << 20))
    with pytest.raises(ModelError, match="truncated"):
        LocalBackend(resolve_model(str(path)), ModelSettings(threads=1))
