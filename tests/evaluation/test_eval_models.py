"""`ubiq eval` end to end with real models: the tiny pack on a sampled repository, the default
pack against it, the HumanEval reference set, Ctrl-C, and bad input. The report files are checked
as a reader would use them: JSON against its schema, Markdown through a Markdown parser, the chart
as an image."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt

from lsp_server.evaluation.report import SCHEMA
from tests.conftest import DEFAULT, TINY
from tests.evaluation.test_tasks import make_repo

PNG = b"\x89PNG\r\n\x1a\n"


def ubiq_eval(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "UBIQ_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "lsp_server", "eval", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def check_report(out: Path) -> dict:
    data = json.loads((out / "report.json").read_text())
    jsonschema.validate(data, SCHEMA)
    tokens = MarkdownIt().enable("table").parse((out / "report.md").read_text())
    assert any(t.type == "table_open" for t in tokens)
    assert any(
        t.type == "image" or (t.children and any(c.type == "image" for c in t.children)) for t in tokens
    )
    image = (out / "chart.png").read_bytes()
    assert image.startswith(PNG)
    from matplotlib import image as mpimg

    assert mpimg.imread(str(out / "chart.png")).shape[0] > 100
    return data


def test_tiny_model_on_a_repository(tmp_path: Path):
    repo, out = tmp_path / "repo", tmp_path / "out"
    make_repo(repo, git=True)
    result = ubiq_eval(str(repo), "--model", TINY, "--tasks", "4", "--seed", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = check_report(out)
    assert data["seed"] == 3 and len(data["tasks"]) == 4 and data["metric"] == "first_line_exact"
    (model,) = data["models"]
    summary = model["summary"]
    assert summary["tasks"] == 4 and model["error"] == ""
    assert summary["latency_ms"]["p50"] > 0 and summary["load_s"] > 0
    assert summary["peak_rss_mb"] and summary["peak_rss_mb"] > 50
    assert summary["replay"]["requests"] > 0
    assert {r["task"] for r in model["rows"]} == {t["id"] for t in data["tasks"]}
    assert "Recommendation" in result.stdout and model["name"] in data["recommendation"]


@pytest.mark.default_model
def test_two_models_compared_with_a_reasoned_recommendation(tmp_path: Path):
    repo, out = tmp_path / "repo", tmp_path / "out"
    make_repo(repo, git=False)
    result = ubiq_eval(
        str(repo), "--model", TINY, "--model", DEFAULT, "--tasks", "3", "--out", str(out), "--json"
    )
    assert result.returncode == 0, result.stderr
    data = check_report(out)
    assert len(data["models"]) == 2 and all(m["summary"]["tasks"] == 3 for m in data["models"])
    assert any(m["name"] in data["recommendation"] for m in data["models"])
    printed = json.loads(result.stdout)
    assert printed["recommendation"] == data["recommendation"]


@pytest.mark.default_model
def test_humaneval_reference_set_reports_pass_at_1(tmp_path: Path):
    out = tmp_path / "out"
    result = ubiq_eval("--reference", "--model", DEFAULT, "--tasks", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = check_report(out)
    assert data["source"] == "humaneval" and data["metric"] == "pass_at_1"
    summary = data["models"][0]["summary"]
    assert summary["pass_at_1"] is not None and all("passed" in r for r in data["models"][0]["rows"])


def test_ctrl_c_keeps_what_was_measured(tmp_path: Path):
    repo, out = tmp_path / "repo", tmp_path / "out"
    make_repo(repo, git=False)
    prompts = tmp_path / "prompts.jsonl"  # the engine logs each finished model call here
    env = {**os.environ, "UBIQ_THREADS": "1", "UBIQ_PROMPT_LOG": str(prompts)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lsp_server",
            "eval",
            str(repo),
            "--model",
            TINY,
            "--tasks",
            "200",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    # Interrupt once the first completion is done (an event, not a time: a fast machine once
    # finished the whole run within a fixed 20 s sleep).
    while process.poll() is None and not (prompts.exists() and prompts.read_text().strip()):
        time.sleep(0.05)
    assert process.poll() is None, "the evaluation ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr
    data = check_report(out)
    assert data["interrupted"] is True
    assert data["models"][0]["stopped"] == "interrupt"
    assert "interrupted" in stdout


def test_bad_input_gives_one_clear_line(tmp_path: Path):
    missing = ubiq_eval(str(tmp_path / "nowhere"), "--model", TINY)
    assert missing.returncode != 0 and "is not a folder" in missing.stderr
    empty = ubiq_eval(str(tmp_path), "--model", TINY)
    assert empty.returncode != 0 and "no Python function bodies" in empty.stderr
    make_repo(tmp_path / "repo", git=False)
    out = tmp_path / "out"
    bad_model = ubiq_eval(
        str(tmp_path / "repo"), "--model", str(tmp_path / "none.gguf"), "--tasks", "2", "--out", str(out)
    )
    assert bad_model.returncode == 1 and "Traceback" not in bad_model.stderr
    data = check_report(out)  # the failure is in the report too, beside any model that worked
    assert data["models"][0]["error"]
