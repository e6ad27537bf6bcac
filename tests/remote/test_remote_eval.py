"""`ubiq eval --model remote`: the configured team server is measured the same way as an in-process
model, beside it in one report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import TINY
from tests.evaluation.test_tasks import make_repo
from tests.remote.conftest import ServerProcess, remote_env


def test_remote_and_local_in_one_report(openai_server: ServerProcess, tmp_path: Path):
    repo, out = tmp_path / "repo", tmp_path / "out"
    make_repo(repo, git=False)
    env = {**remote_env(openai_server.url), "UBIQ_THREADS": "1"}
    argv = [sys.executable, "-m", "lsp_server", "eval", str(repo), "--model", "remote", "--model", TINY]
    done = subprocess.run(
        [*argv, "--tasks", "2", "--out", str(out)], capture_output=True, text=True, timeout=600, env=env
    )
    assert done.returncode == 0, done.stderr
    data = json.loads((out / "report.json").read_text())
    remote, local = data["models"]
    assert remote["backend"] == "remote" and remote["summary"]["tasks"] == 2 and not remote["error"]
    assert local["backend"] == "local" and local["summary"]["tasks"] == 2
    assert remote["summary"]["peak_rss_mb"] is None  # the server's memory is not ours to measure
