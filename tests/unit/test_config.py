"""Settings: one typed model; precedence; bad values reported and replaced by defaults."""

from __future__ import annotations

from lsp_server.config import Settings, load_settings


def test_defaults():
    loaded = load_settings({}, env={})
    assert loaded.settings == Settings()
    assert loaded.errors == []


def test_precedence_flag_over_env_over_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ubiq]\nmodel = "models/team.gguf"\n[tool.ubiq.completion]\nmaxTokens = 20\n'
    )
    env = {"UBIQ_MODEL": "tiny", "UBIQ_THREADS": "3"}
    loaded = load_settings({"model": {"threads": 1}}, project_root=tmp_path, env=env)
    assert loaded.settings.model.path == "tiny"
    assert loaded.settings.model.threads == 1
    assert loaded.settings.completion.max_tokens == 20
    only_pyproject = load_settings({}, project_root=tmp_path, env={})
    assert only_pyproject.settings.model.path == str(tmp_path / "models/team.gguf")


def test_invalid_values_are_reported_and_defaults_kept():
    loaded = load_settings(
        {
            "model": {"threads": "many", "contextSize": 10, "backend": "cloud"},
            "completion": {"enabled": "maybe"},
            "colour": "red",
        },
        env={"UBIQ_THREADS": "-4"},
    )
    assert loaded.settings == Settings()
    text = "\n".join(loaded.errors)
    for expected in ("model.threads", "model.contextSize", "model.backend", "completion.enabled", "colour"):
        assert expected in text


def test_env_names_short_and_long():
    loaded = load_settings(
        {}, env={"UBIQ_COMPLETION_MAX_TOKENS": "9", "UBIQ_GPU_LAYERS": "-1", "UBIQ_LOG_LEVEL": "debug"}
    )
    assert loaded.settings.completion.max_tokens == 9
    assert loaded.settings.model.gpu_layers == -1
    assert loaded.settings.log_level == "debug"


def test_broken_pyproject_is_reported(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ubiq\n")
    loaded = load_settings({}, project_root=tmp_path, env={})
    assert loaded.settings == Settings()
    assert "pyproject.toml" in loaded.errors[0]
