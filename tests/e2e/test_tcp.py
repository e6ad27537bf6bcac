"""`ubiq serve --tcp HOST:PORT`: the same server over a loopback socket."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from tests.conftest import REPO, TINY


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    with open("/proc/net/tcp") as table:
        return any(f":{port:04X} " in line and line.split()[3] == "0A" for line in table)


async def test_serves_over_tcp():
    port = free_port()
    env = {**os.environ, "UBIQ_MODEL": TINY, "UBIQ_THREADS": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "lsp_server", "serve", "--tcp", f"127.0.0.1:{port}"],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    client = LanguageClient("tcp-test", "1")
    try:
        for _ in range(600):  # wait until it listens (without connecting: one connection is one session)
            if listening(port):
                break
            await asyncio.sleep(0.05)
        await client.start_tcp("127.0.0.1", port)
        result = await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=REPO.as_uri())
            ),
            60,
        )
        assert result.capabilities.inline_completion_provider is not None
        client.initialized(types.InitializedParams())
        stats = await asyncio.wait_for(
            client.workspace_execute_command_async(types.ExecuteCommandParams(command="ubiq.stats")), 60
        )
        assert stats["requests"] == 0
        await asyncio.wait_for(client.shutdown_async(None), 60)
        client.exit(None)
    finally:
        with contextlib.suppress(ConnectionError):  # the server closed its end after `exit`
            await client.stop()
        server.kill()
        server.wait(10)
