"""Ubiq's clients on a team server, as users run them: `ubiq complete`, `ubiq doctor` and `gen-tests`
with `UBIQ_BACKEND=remote UBIQ_URL=…` or the flags, two developers at once, and errors as one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.remote.conftest import ServerProcess, free_port, remote_env

BIN = Path(sys.executable).parent
EXAMPLE = f"{REPO / 'examples' / 'shapes.py'}:24:9"


def run(*argv: str, env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def test_complete_through_the_server(openai_server: ServerProcess):
    result = run(str(BIN / "ubiq"), "complete", EXAMPLE, "--json", env=remote_env(openai_server.url))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["text"].strip()
    assert data["model"].startswith("smollm2-135m") and data["fim"] is False


def test_flags_select_the_server(openai_server: ServerProcess):
    env = {k: v for k, v in os.environ.items() if not k.startswith("UBIQ_")}
    flags = ["--backend", "remote", "--url", openai_server.url, "--context-size", "2048"]
    result = run(str(BIN / "ubiq"), "complete", EXAMPLE, *flags, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_doctor_reports_what_the_server_offers(openai_server: ServerProcess):
    result = run(str(BIN / "ubiq"), "doctor", "--json", env=remote_env(openai_server.url))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    model = report["model"]
    assert model["backend"] == "remote" and model["path"] == openai_server.url
    assert model["server"]["api"] == "openai" and "/v1/completions" in model["server"]["endpoints"]
    assert report["probe"]["generated_tokens"] > 0
    table = run(str(BIN / "ubiq"), "doctor", env=remote_env(openai_server.url))
    assert table.returncode == 0, table.stderr
    for row in ("server", "API", "endpoints", "FIM format", "token counts"):
        assert row in table.stdout


def test_two_developers_at_once(openai_server: ServerProcess):
    argv = [str(BIN / "ubiq"), "complete", EXAMPLE, "--json"]
    env = remote_env(openai_server.url)
    both = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in "ab"
    ]
    for proc in both:
        out, errors = proc.communicate(timeout=600)
        assert proc.returncode == 0, errors
        assert json.loads(out)["text"].strip()


@pytest.mark.parametrize(
    ("settings", "code", "text"),
    [
        ({"UBIQ_URL": f"http://127.0.0.1:{free_port()}"}, 3, "connection refused"),
        ({"UBIQ_URL": ""}, 2, "model.url is empty"),
        ({"UBIQ_URL": "ftp://example.org"}, 2, "not an http:// or https:// URL"),
    ],
)
def test_errors_are_one_line(settings: dict[str, str], code: int, text: str):
    env = {**remote_env("unused"), **settings}
    result = run(str(BIN / "ubiq"), "complete", EXAMPLE, env=env)
    assert result.returncode == code, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and text in result.stderr


def test_gen_tests_through_the_server(openai_server: ServerProcess, tmp_path: Path):
    package = tmp_path / "sample_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copy(REPO / "examples" / "pricing.py", package / "pricing.py")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'sample'\nversion = '0'\n")
    argv = [str(BIN / "gen-tests"), "sample_pkg/pricing.py::discount_rate", "--budget", "60", "--rounds", "1"]
    result = run(*argv, "--tests", "2", "--json", env=remote_env(openai_server.url), cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    stats = report["targets"]["discount_rate"]
    assert stats["generated"] >= 1
    assert stats["generated"] == stats["kept"] + sum(stats["discarded"].values())
