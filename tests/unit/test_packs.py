"""Model packs: assembled atomically into the cache, refused on a hash mismatch."""

from __future__ import annotations

import dataclasses

import pytest

from lsp_server.engine import packs
from lsp_server.errors import ModelError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("UBIQ_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_assembles_and_verifies_once(cache):
    pack = packs.find_pack("tiny")
    path = packs.assemble(pack)
    assert path.parent == cache and path.stat().st_size == pack.size
    assert packs.is_verified(pack)
    hashed = []
    assert packs.assemble(pack, progress=hashed.append) == path
    assert hashed == []  # verified stamp reused: no second hashing


def test_wrong_hash_is_refused_and_nothing_half_written_is_left(cache):
    real = packs.find_pack("tiny")
    wrong = dataclasses.replace(real, name="tampered", sha256="0" * 64)
    with pytest.raises(ModelError) as info:
        packs.assemble(wrong)
    message = str(info.value)
    assert "0" * 64 in message and real.sha256 in message and "refusing" in message
    assert list(cache.iterdir()) == []


def test_a_changed_file_is_verified_again(cache):
    pack = packs.find_pack("tiny")
    path = packs.assemble(pack)
    with path.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\xff\xff")
    assert not packs.is_verified(pack)
    with pytest.raises(ModelError, match="refusing"):
        packs.verify_file(path, pack.sha256)


def test_missing_pack_says_how_to_install(cache):
    fake = dataclasses.replace(
        packs.find_pack("tiny"),
        name="ghost",
        extra="ghost",
        parts=(packs.Part("no-such-distribution", "1.0", "x.gguf"),),
    )
    assert not packs.is_installed(fake)
    with pytest.raises(ModelError, match=r"pip install 'ubiq\[ghost\]'"):
        packs.assemble(fake)


def test_unwritable_cache_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("UBIQ_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(ModelError, match="cannot write to the model cache"):
        packs.assemble(packs.find_pack("tiny"))


def test_best_installed_prefers_the_default_pack():
    assert packs.best_installed().name == "qwen2.5-coder-0.5b"
