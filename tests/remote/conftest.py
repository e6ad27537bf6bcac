"""Real inference servers started by the tests: llama-cpp-python's OpenAI-compatible server with the
tiny pack (always), and llama.cpp's own `llama-server` when `UBIQ_TEST_LLAMA_SERVER` names one."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from lsp_server.engine.resolve import ResolvedModel

READY_TIMEOUT_S = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """One server process in its own process group, so that killing it kills all it started."""

    def __init__(self, argv: list[str], port: int, ready_path: str, log: Path) -> None:
        self.argv = argv
        self.port = port
        self.ready_path = ready_path
        self.log = log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        give_up = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < give_up:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.argv[:3]} exited: {self.log.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=5) as answer:
                    json.loads(answer.read())
                    return self
            except (OSError, ValueError, urllib.error.URLError):
                time.sleep(0.3)
        self.kill()
        raise RuntimeError(f"{self.argv[:3]} was not ready within {READY_TIMEOUT_S} s")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def llama_cpp_python_server(model: ResolvedModel, port: int, log: Path) -> ServerProcess:
    argv = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model.path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--n_threads",
        "1",
    ]
    return ServerProcess(argv, port, "/v1/models", log)


def remote_env(url: str, **extra: str) -> dict[str, str]:
    """The environment a user sets to use a team server (the server's context size, as it cannot say)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UBIQ_")}
    return {**env, "UBIQ_BACKEND": "remote", "UBIQ_URL": url, "UBIQ_CONTEXT_SIZE": "2048", **extra}


@pytest.fixture(scope="session")
def openai_server(
    tiny_model: ResolvedModel, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("servers") / "llama_cpp_server.log"
    server = llama_cpp_python_server(tiny_model, free_port(), log).start()
    yield server
    server.kill(signal.SIGTERM)


@pytest.fixture(scope="session")
def llama_server(
    default_model: ResolvedModel, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    binary = os.environ.get("UBIQ_TEST_LLAMA_SERVER", "")
    if not binary:
        pytest.skip("set UBIQ_TEST_LLAMA_SERVER to a llama-server binary to test the native API")
    port = free_port()
    argv = [binary, "-m", str(default_model.path), "--host", "127.0.0.1", "--port", str(port)]
    argv += ["-c", "4096", "-t", "1", "--parallel", "2", "--cache-reuse", "256"]
    log = tmp_path_factory.mktemp("servers") / "llama_server.log"
    server = ServerProcess(argv, port, "/health", log).start()
    yield server
    server.kill(signal.SIGTERM)
