"""A tiny stdlib HTTP server that misbehaves on purpose: it tests Ubiq's handling of broken servers
(refused keys, malformed or cut streams, silence), not the model path, which the real servers test."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODELS = {"object": "list", "data": [{"id": "fake-model", "object": "model", "owned_by": "tests"}]}
Behaviour = Callable[[BaseHTTPRequestHandler], None]


def send_json(handler: BaseHTTPRequestHandler, status: int, data: object) -> None:
    body = json.dumps(data).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def start_events(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.end_headers()


def event(handler: BaseHTTPRequestHandler, data: str) -> None:
    handler.wfile.write(f"data: {data}\n\n".encode())
    handler.wfile.flush()


def piece(text: str) -> str:
    return json.dumps({"choices": [{"text": text, "index": 0, "finish_reason": None}]})


class FakeServer:
    """Answers `/v1/models`; `routes` says what every other path does (404 when absent).
    `unauthorized` answers 401 to everything. Records the Authorization headers it saw."""

    def __init__(self, routes: dict[str, Behaviour], unauthorized: bool = False) -> None:
        self.routes = routes
        self.unauthorized = unauthorized
        self.authorizations: list[str | None] = []
        self.release = threading.Event()  # lets a silent handler go at the end of the test


@contextmanager
def fake_server(
    routes: dict[str, Behaviour] | None = None, unauthorized: bool = False, tls: ssl.SSLContext | None = None
) -> Iterator[tuple[str, FakeServer]]:
    state = FakeServer(routes or {}, unauthorized)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection; a stream ends when it closes

        def log_message(self, *args: object) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            state.authorizations.append(self.headers.get("Authorization"))
            if state.unauthorized:
                send_json(self, 401, {"detail": "Invalid API key"})
            elif self.path == "/v1/models":
                send_json(self, 200, MODELS)
            elif self.path in state.routes:
                state.routes[self.path](self)
            else:
                send_json(self, 404, {"detail": "Not Found"})

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}", state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
