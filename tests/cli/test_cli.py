"""The `ubiq` command as a user runs it: real subprocess, real model, one clean line per error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, TINY

UBIQ = str(Path(sys.executable).parent / "ubiq")
EXAMPLE = REPO / "examples" / "shapes.py"


def ubiq(*args: str, cwd: Path = REPO, **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "UBIQ_MODEL": TINY, "UBIQ_THREADS": "1", **env}
    return subprocess.run([UBIQ, *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=300)


def assert_one_line_error(result: subprocess.CompletedProcess, code: int, text: str) -> None:
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    assert text in result.stderr


def test_models_lists_the_packs():
    result = ubiq("models", "--json")
    assert result.returncode == 0
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["smollm2-135m"]["installed"] and not rows["smollm2-135m"]["fim"]
    assert rows["qwen2.5-coder-0.5b"]["installed"] and rows["qwen2.5-coder-0.5b"]["fim"]


def test_complete_prints_the_completion():
    result = ubiq("complete", f"{EXAMPLE}:24:9", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["text"].strip()
    assert data["stats"]["prompt_tokens"] > 50
    assert data["fim"] is False


@pytest.mark.default_model
def test_complete_with_the_default_fim_model():
    result = ubiq("complete", f"{EXAMPLE}:24:9", UBIQ_MODEL="qwen2.5-coder-0.5b")
    assert result.returncode == 0, result.stderr
    assert "self.width" in result.stdout and "self.height" in result.stdout


def test_doctor_reports_the_model():
    result = ubiq("doctor", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["model"]["fim"] is False
    assert report["generation_tokens_per_second"] > 0
    assert any("fill-in-the-middle" in line for line in report["advice"])


def test_doctor_says_whether_gpu_layers_can_be_offloaded():
    import llama_cpp

    result = ubiq("doctor", "--json", "--gpu-layers", "-1")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    offload = bool(llama_cpp.llama_supports_gpu_offload())
    assert report["model"]["gpu_layers"] == -1 and report["model"]["gpu_offload"] is offload
    # A CPU-only build ignores gpuLayers without a word: doctor says so, and how to build for a GPU.
    assert any("no GPU support" in line for line in report["advice"]) is not offload


def test_flags_override_the_environment():
    result = ubiq("doctor", "--json", "--model", "qwen2.5-coder-0.5b", "--threads", "1")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"]["fim"] is True


@pytest.mark.parametrize(
    "location,text",
    [
        ("missing.py:1:1", "file not found"),
        ("examples/shapes.py:99:1", "past the end of the document"),
        ("examples/shapes.py:1:500", "past the end of line"),
        ("examples/shapes.py", "is not FILE:LINE:COL"),
        ("examples/shapes.py:0:1", "start at 1"),
    ],
)
def test_bad_locations(location, text):
    assert_one_line_error(ubiq("complete", location), 2, text)


def test_binary_file(tmp_path):
    path = tmp_path / "blob.py"
    path.write_bytes(b"\x00\x01\x02" * 100)
    assert_one_line_error(ubiq("complete", f"{path}:1:1"), 2, "binary")


def test_huge_file(tmp_path):
    path = tmp_path / "huge.py"
    path.write_text("x = 1\n" * 1_000_000)
    assert_one_line_error(ubiq("complete", f"{path}:1:1"), 2, "bytes")


def test_corrupt_model(tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"PK\x03\x04 not a model")
    assert_one_line_error(
        ubiq("complete", f"{EXAMPLE}:24:9", "--model", str(bad)), 3, "not a GGUF model file"
    )


def test_verbose_shows_the_traceback(tmp_path):
    result = ubiq("-v", "complete", f"{tmp_path}/missing.py:1:1")
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_invalid_environment_value_warns_and_carries_on():
    result = ubiq("complete", f"{EXAMPLE}:24:9", UBIQ_THREADS="lots")
    assert result.returncode == 0, result.stderr
    assert "model.threads must be an integer" in result.stderr


def test_project_config_is_read_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.ubiq]\nmodel = "no-such-model.gguf"\n')
    source = tmp_path / "app.py"
    source.write_text("def f():\n    return 1\n")
    env = {k: v for k, v in os.environ.items() if k != "UBIQ_MODEL"}
    result = subprocess.run(
        [UBIQ, "complete", f"{source}:2:5"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 3
    assert str(tmp_path / "no-such-model.gguf") in result.stderr


def test_pull_reports_an_unreachable_hub(tmp_path):
    result = ubiq(
        "models",
        "pull",
        "hf:someone/repo/model.gguf",
        UBIQ_HF_ENDPOINT="http://127.0.0.1:9",
        UBIQ_CACHE_DIR=str(tmp_path),
    )
    assert_one_line_error(result, 3, "http://127.0.0.1:9/someone/repo/resolve/main/model.gguf")
    assert not any(tmp_path.rglob("*.gguf*"))


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "lsp_server", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("ubiq ")


def test_the_wheel_ships_the_package_and_prompts(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("ubiq-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "lsp_server/engine/local.py" in names
    prompts = {name for name in names if name.startswith("lsp_server/prompts/")}
    assert {f"lsp_server/prompts/{p.name}" for p in (REPO / "prompts").iterdir()} == prompts
    entry_points = (
        zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    )
    assert "ubiq = lsp_server.cli.main:main" in entry_points
