"""A client that speaks raw bytes to `ubiq serve` over stdio, so tests can send what no LSP client
library would: broken JSON, lying headers, junk between messages."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.conftest import TINY

HEADER = re.compile(rb"Content-Length: (\d+)\r\n\r\n")


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def message(payload: dict[str, Any]) -> bytes:
    return frame(json.dumps(payload).encode("utf-8"))


class WireServer:
    """`python -m lsp_server serve` on pipes; what it sends is collected on a thread."""

    def __init__(self, root: Path, **env: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lsp_server", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=root,
            env={**os.environ, "UBIQ_MODEL": TINY, "UBIQ_THREADS": "1", **env},
        )
        self.root = root
        self.received: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.stderr: list[bytes] = []
        self._next_id = 1000
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _read(self) -> None:
        out = self.process.stdout
        assert out is not None
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = out.read(1)
                if not byte:
                    self.received.put(None)
                    return
                header += byte
            length = int(re.search(rb"Content-Length: (\d+)", header).group(1))
            self.received.put(json.loads(out.read(length)))

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def reply_to(self, request: dict[str, Any]) -> Any:
        """The result this client gives the server's own requests (registerCapability…): none, as a
        plain client gives. An editor applies edits here (kills.EditorClient)."""
        return None

    def answer(self, want: Any, timeout: float = 120) -> dict[str, Any]:
        """The next response whose `id` is `want`; notifications from the server are passed over and
        its requests answered with `reply_to`."""
        while True:
            received = self.received.get(timeout=timeout)
            if received is None:
                raise ConnectionError(
                    f"the server closed its output; stderr:\n{b''.join(self.stderr)[-3000:]!r}"
                )
            if "method" in received and "id" in received:
                result = self.reply_to(received)
                self.send(message({"jsonrpc": "2.0", "id": received["id"], "result": result}))
                continue
            if "method" not in received and received.get("id") == want:
                return received

    def request(self, method: str, params: Any = None, timeout: float = 120) -> dict[str, Any]:
        self._next_id += 1
        self.send(message({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params}))
        return self.answer(self._next_id, timeout)

    def initialize(self) -> None:
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": self.root.as_uri(),
                "capabilities": {},
                "initializationOptions": {},
            },
        )
        self.send(message({"jsonrpc": "2.0", "method": "initialized", "params": {}}))

    def wait_for_model(self) -> None:
        while True:  # the model loads in the background; every poll is answered meanwhile
            stats = self.request("workspace/executeCommand", {"command": "ubiq.stats", "arguments": []})
            model = stats["result"]["model"]
            if "name" in model:
                return
            assert model.get("state") != "error", model
            time.sleep(0.05)

    def alive(self) -> bool:
        """Answers a valid request (a hover on nothing: cheap, needs no model)."""
        reply = self.request(
            "textDocument/hover",
            {
                "textDocument": {"uri": (self.root / "none.py").as_uri()},
                "position": {"line": 0, "character": 0},
            },
        )
        return "result" in reply or "error" in reply

    def close(self) -> int:
        try:
            self.request("shutdown", timeout=60)
            self.send(message({"jsonrpc": "2.0", "method": "exit"}))
            return self.process.wait(timeout=60)
        except Exception:
            self.process.kill()
            self.process.wait()
            raise


def project_server(tmp_path_factory: Any, name: str = "project") -> WireServer:
    """A server on a fresh project folder, initialized."""
    root = tmp_path_factory.mktemp(name)
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
    wire = WireServer(root)
    wire.initialize()
    return wire
