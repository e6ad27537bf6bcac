"""The team-server settings come from every source settings come from: `UBIQ_*`, CLI flags, editors."""

from __future__ import annotations

import argparse

from lsp_server.cli.common import add_model_flags, settings_from_args
from lsp_server.config import load_settings
from lsp_server.engine.backend import Chunk, CompletionRequest
from lsp_server.engine.fim import TEXT_FORMATS, build_text_prompt

ENV = {
    "UBIQ_BACKEND": "remote",
    "UBIQ_URL": "https://llm.example:8443",
    "UBIQ_API_KEY_ENV": "TEAM_LLM_KEY",
    "UBIQ_CA_BUNDLE": "/etc/ssl/team-ca.pem",
    "UBIQ_REMOTE_MODEL": "qwen2.5-coder:1.5b",
}


def test_environment_variables():
    model = load_settings(env=ENV).settings.model
    assert (model.backend, model.url, model.api_key_env) == ("remote", ENV["UBIQ_URL"], "TEAM_LLM_KEY")
    assert (model.ca_bundle, model.remote_model) == (ENV["UBIQ_CA_BUNDLE"], ENV["UBIQ_REMOTE_MODEL"])


def test_editor_settings_are_camel_case():
    options = {"model": {"backend": "remote", "url": "http://h:1", "apiKeyEnv": "K", "caBundle": "c.pem"}}
    loaded = load_settings(options, env={})
    assert not loaded.errors
    assert loaded.settings.model.ca_bundle == "c.pem" and loaded.settings.model.api_key_env == "K"


def test_cli_flags(monkeypatch, tmp_path):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    parser = argparse.ArgumentParser()
    add_model_flags(parser)
    flags = ["--backend", "remote", "--url", "http://h:8080", "--api-key-env", "K", "--ca-bundle", "ca.pem"]
    args = parser.parse_args([*flags, "--remote-model", "m"])
    model = settings_from_args(args, tmp_path).model
    assert (model.backend, model.url, model.api_key_env, model.ca_bundle, model.remote_model) == (
        "remote",
        "http://h:8080",
        "K",
        "ca.pem",
        "m",
    )


def test_text_fim_prompt_keeps_the_layout_and_drops_markers_from_user_text():
    qwen = TEXT_FORMATS[0]
    request = CompletionRequest(
        prefix="x = '<|fim_middle|>'\n", suffix="\n", middle="y", extra=(Chunk("a.py", "A = 1"),), path="b.py"
    )
    prompt = build_text_prompt(request, qwen)
    assert prompt == (
        "<|repo_name|>workspace\n<|file_sep|>a.py\nA = 1\n<|file_sep|>b.py\n"
        "<|fim_prefix|>x = ''\n<|fim_suffix|>\n<|fim_middle|>y"
    )
    assert build_text_prompt(request, None) == "# a.py\nA = 1\nx = '<|fim_middle|>'\ny"
