"""The process-wide `UBIQ_*` switches read through `config` (cache folder, prompt log, HF mirror)."""

from __future__ import annotations

from pathlib import Path

from lsp_server.config import HF_ENDPOINT, cache_dir_override, hf_endpoint, prompt_log_path


def test_unset_or_empty_means_the_default():
    for env in ({}, {"UBIQ_CACHE_DIR": "", "UBIQ_PROMPT_LOG": ""}):
        assert cache_dir_override(env) is None
        assert prompt_log_path(env) is None
    assert hf_endpoint({}) == HF_ENDPOINT


def test_set_values(tmp_path: Path):
    env = {
        "UBIQ_CACHE_DIR": str(tmp_path / "cache"),
        "UBIQ_PROMPT_LOG": str(tmp_path / "prompts.jsonl"),
        "UBIQ_HF_ENDPOINT": "http://127.0.0.1:9/",
    }
    assert cache_dir_override(env) == tmp_path / "cache"
    assert prompt_log_path(env) == str(tmp_path / "prompts.jsonl")
    assert hf_endpoint(env) == "http://127.0.0.1:9"


def test_read_at_call_time(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("UBIQ_CACHE_DIR", str(tmp_path))
    assert cache_dir_override() == tmp_path
    monkeypatch.delenv("UBIQ_CACHE_DIR")
    assert cache_dir_override() is None
