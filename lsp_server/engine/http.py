"""HTTP to an inference server with the standard library: JSON calls and server-sent-event streams.

Every failure becomes one `ServerError` naming the server and what to check. A stream is closed
the moment its request is cancelled or its deadline passes, even while the server is silent (a
long prompt sends nothing until the first token): one watchdog thread shuts the socket down, which
wakes the blocked read at once. Connections are kept alive and reused; a request is retried only
when nothing of it reached the server (connection refused, or a kept-alive connection the server
had already closed).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from lsp_server import __version__
from lsp_server.engine.backend import CancelToken
from lsp_server.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
# Until the first event: the server may evaluate a long prompt on a CPU, or queue us behind
# other developers' requests, before it sends anything.
FIRST_EVENT_TIMEOUT_S = 300.0
IDLE_TIMEOUT_S = 60.0  # between two events of a stream
JSON_TIMEOUT_S = 60.0
RETRY_DELAYS_S = (0.25, 0.75)  # backoff between connection attempts that reached nothing
WATCH_INTERVAL_S = 0.01
MAX_ERROR_BODY = 64 * 1024
MAX_LINE = 16 * 1024 * 1024
POOL_SIZE = 8

_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class ServerError(ModelError):
    """The remote server could not be reached or did not answer as expected."""

    def __init__(self, message: str, hint: str = "", status: int | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


class _Unreached(Exception):
    """A connection attempt that sent nothing: safe to retry."""

    def __init__(self, error: ServerError) -> None:
        self.error = error


def _server_message(body: bytes) -> str:
    """The error text a server put in its answer (llama-server, OpenAI, FastAPI and plain shapes),
    on one line."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data.get("message")))
        if isinstance(error, dict):
            error = error.get("message", error)
        if error is not None:
            text = str(error)
    return " ".join(text.split())[:300]


class HttpClient:
    """One server: its address, TLS settings, API key and a small pool of kept-alive connections."""

    def __init__(self, url: str, api_key: str = "", ca_bundle: str = "", key_source: str = "") -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"model.url {url!r} is not an http:// or https:// URL", "e.g. http://127.0.0.1:8080"
            )
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        try:
            self.port = parts.port or (443 if self.https else 80)
        except ValueError:
            raise ConfigError(f"model.url {url!r} has an invalid port") from None
        self.prefix = parts.path.rstrip("/")
        netloc = f"[{self.host}]" if ":" in self.host else self.host
        # Shown in messages and ModelInfo: never the user:password part of a URL.
        self.url = f"{parts.scheme}://{netloc}:{self.port}{self.prefix}"
        self._context: ssl.SSLContext | None = None
        if self.https:
            try:
                self._context = ssl.create_default_context(cafile=ca_bundle or None)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(f"model.caBundle {ca_bundle!r} cannot be used: {exc}") from None
        elif ca_bundle:
            log.info("model.caBundle is ignored: %s is not https", self.url)
        self._headers = {"User-Agent": f"ubiq/{__version__}", "Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._key_source = key_source
        self._pool: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._watchdog = _Watchdog()

    def __repr__(self) -> str:  # the API key must never reach a log through a repr
        return f"HttpClient({self.url!r})"

    # -- public calls ----------------------------------------------------------------------------

    def get_json(self, path: str) -> Any:
        return self._json("GET", path, None)

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        return self._json("POST", path, body)

    def stream(
        self,
        path: str,
        body: dict[str, Any],
        cancel: CancelToken | None = None,
        deadline: float | None = None,
    ) -> EventStream:
        """POST `body` and return its server-sent events; the stream owns the connection."""
        stream = EventStream(self, path, cancel, deadline)
        self._watchdog.watch(stream)
        try:
            stream.conn, stream.response = self._send("POST", path, body, FIRST_EVENT_TIMEOUT_S, stream)
        except BaseException:
            self._watchdog.unwatch(stream)
            raise
        return stream

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, []
        for conn in pool:
            conn.close()

    # -- connections -----------------------------------------------------------------------------

    def _json(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        conn, response = self._send(method, path, body, JSON_TIMEOUT_S, None)
        try:
            data = response.read()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            response.close()
            conn.close()
            raise self._broken(path, exc) from None
        self._release(conn, response)
        try:
            return json.loads(data)
        except ValueError:
            raise ServerError(
                f"{self.url} answered {path} with something that is not JSON: {data[:120]!r}",
                "is model.url a llama-server or an OpenAI-compatible server?",
            ) from None

    def _new_connection(self) -> http.client.HTTPConnection:
        if self.https:
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=CONNECT_TIMEOUT_S, context=self._context
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=CONNECT_TIMEOUT_S)

    def _connect(self) -> tuple[http.client.HTTPConnection, bool]:
        """A kept-alive connection (reused=True) or a new, connected one."""
        with self._lock:
            if self._pool:
                return self._pool.pop(), True
        conn = self._new_connection()
        try:
            conn.connect()
        except ssl.SSLCertVerificationError as exc:
            conn.close()
            raise ServerError(
                f"the TLS certificate of {self.url} is not trusted: {exc.verify_message}",
                "set model.caBundle to the CA file your organisation uses for this server",
            ) from None
        except ssl.SSLError as exc:
            conn.close()
            raise ServerError(
                f"TLS with {self.url} failed: {exc}", "check that the server speaks https"
            ) from None
        except socket.gaierror:
            conn.close()
            raise _Unreached(
                ServerError(f"cannot resolve the host of {self.url}", "check model.url")
            ) from None
        except ConnectionRefusedError:
            conn.close()
            raise _Unreached(
                ServerError(
                    f"cannot connect to {self.url}: connection refused",
                    "is the server running there? check model.url",
                )
            ) from None
        except TimeoutError:
            conn.close()
            raise _Unreached(
                ServerError(
                    f"{self.url} did not accept a connection within {CONNECT_TIMEOUT_S:.0f} s",
                    "check model.url, the network and any firewall",
                )
            ) from None
        except OSError as exc:
            conn.close()
            raise _Unreached(ServerError(f"cannot connect to {self.url}: {exc}", "check model.url")) from None
        return conn, False

    def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        timeout: float,
        stream: EventStream | None,
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """Send the request and read the status line and headers; raise ServerError for an error
        status. Retried (with backoff) only while nothing reached the server."""
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = dict(self._headers)
        if stream is not None:
            headers["Accept"] = "text/event-stream"
        delays = list(RETRY_DELAYS_S)
        while True:
            if stream is not None:
                stream.check_start()
            try:
                conn, reused = self._connect()
            except _Unreached as unreached:
                if not delays or (stream is not None and not stream.may_wait(delays[0])):
                    raise unreached.error from None
                log.info("%s; retrying in %.2f s", unreached.error.message, delays[0])
                time.sleep(delays.pop(0))
                continue
            if stream is not None:
                # From now on the watchdog can wake us by shutting the socket down. Kept apart from
                # the connection, which forgets its socket once an HTTP/1.0 answer owns it.
                stream.conn, stream.sock = conn, conn.sock
                if stream.stopped:
                    conn.close()
                    raise stream.stopped_error()
            try:
                if conn.sock is not None:
                    conn.sock.settimeout(timeout)
                conn.request(method, self.prefix + path, body=data, headers=headers)
                response = conn.getresponse()
            except _STALE as exc:
                conn.close()
                if stream is not None and stream.stopped:
                    raise stream.stopped_error() from None
                if reused:  # the server had closed this kept-alive connection: nothing was sent
                    continue
                raise self._broken(path, exc) from None
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if stream is not None and stream.stopped:
                    raise stream.stopped_error() from None
                raise self._broken(path, exc) from None
            if response.status >= 400:
                self._fail(conn, response, path)
            return conn, response

    def _release(self, conn: http.client.HTTPConnection, response: http.client.HTTPResponse) -> None:
        """Keep a connection whose answer was read to the end, unless the server will close it."""
        if response.will_close or not response.isclosed():
            conn.close()
            return
        with self._lock:
            if len(self._pool) < POOL_SIZE:
                self._pool.append(conn)
                return
        conn.close()

    def _fail(self, conn: http.client.HTTPConnection, response: http.client.HTTPResponse, path: str) -> None:
        status = response.status
        try:
            message = _server_message(response.read(MAX_ERROR_BODY))
        except (OSError, http.client.HTTPException, ValueError):
            message = ""
        response.close()
        conn.close()
        said = f": {message}" if message else ""
        if status in (401, 403):
            hint = (
                f"check the API key in the environment variable {self._key_source}"
                if self._key_source
                else "the server wants an API key: put it in an environment variable and name that "
                "variable in model.apiKeyEnv"
            )
            raise ServerError(f"{self.url} refused {path} ({status} {response.reason}){said}", hint, status)
        if status == 404:
            raise ServerError(
                f"{self.url} has no {path} endpoint (404)",
                "model.url must be the server's base URL, e.g. http://host:8080 (a llama-server or an "
                "OpenAI-compatible server)",
                status,
            )
        if status >= 500:
            raise ServerError(
                f"{self.url} failed on {path} ({status} {response.reason}){said}",
                "see the server's log",
                status,
            )
        raise ServerError(f"{self.url} rejected {path} ({status} {response.reason}){said}", "", status)

    def _broken(self, path: str, exc: BaseException) -> ServerError:
        if isinstance(exc, (TimeoutError, socket.timeout)):
            return ServerError(
                f"{self.url} sent no answer to {path} in time", "the server may be overloaded; see its log"
            )
        return ServerError(
            f"the connection to {self.url} broke during {path} ({type(exc).__name__})",
            "the server may have stopped or restarted; the next request reconnects",
        )


class EventStream:
    """The events of one streamed answer, as parsed JSON objects. Ends quietly (with `stopped`
    set) when cancelled or past the deadline; `done` is set when the server said `[DONE]`."""

    def __init__(
        self, client: HttpClient, path: str, cancel: CancelToken | None, deadline: float | None
    ) -> None:
        self.client = client
        self.path = path
        self.cancel = cancel
        self.deadline = deadline
        self.conn: http.client.HTTPConnection | None = None
        self.sock: socket.socket | None = None
        self.response: http.client.HTTPResponse | None = None
        self.stopped: str | None = None  # "cancelled" | "deadline"
        self.done = False
        self.first_event_at: float | None = None
        self._closed = False
        self._abort_lock = threading.Lock()

    # -- stopping ---------------------------------------------------------------------------------

    def due(self) -> str | None:
        if self.cancel is not None and self.cancel.cancelled:
            return "cancelled"
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return "deadline"
        return None

    def abort(self, reason: str) -> None:
        """Called by the watchdog thread: wake the reader by shutting the socket down."""
        with self._abort_lock:
            if self.stopped or self._closed:
                return
            self.stopped = reason
            sock = self.sock
        if sock is not None:
            # The plain socket's shutdown, also under TLS: SSLSocket.shutdown would drop its state
            # under the reading thread's feet.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def check_start(self) -> None:
        reason = self.due()
        if reason:
            self.stopped = reason
            raise self.stopped_error()

    def may_wait(self, seconds: float) -> bool:
        return not self.due() and (self.deadline is None or time.monotonic() + seconds < self.deadline)

    def stopped_error(self) -> StoppedBeforeStart:
        return StoppedBeforeStart(self.stopped or "cancelled")

    # -- reading -----------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[dict[str, Any]]:
        assert self.response is not None
        data: list[bytes] = []
        while True:
            reason = self.due()
            if reason:
                self.abort(reason)
            if self.stopped:
                return
            try:
                line = self.response.readline(MAX_LINE)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                if self.stopped:
                    return
                if isinstance(exc, (TimeoutError, socket.timeout)):
                    raise ServerError(
                        f"{self.client.url} sent nothing on {self.path} for "
                        f"{FIRST_EVENT_TIMEOUT_S if self.first_event_at is None else IDLE_TIMEOUT_S:.0f} s",
                        "the server may be overloaded or stuck; see its log",
                    ) from None
                raise self.client._broken(self.path, exc) from None
            if not line:  # the end of the body
                if self.stopped:
                    return
                if data:
                    yield from self._dispatch(data)
                return
            line = line.rstrip(b"\r\n")
            if line:
                if line.startswith(b":"):
                    continue  # a comment: servers send them as keep-alive pings
                name, _, value = line.partition(b":")
                if name == b"data":
                    data.append(value[1:] if value.startswith(b" ") else value)
                continue
            if data:
                yield from self._dispatch(data)
                data = []
                if self.done:
                    return

    def _dispatch(self, data: list[bytes]) -> Iterator[dict[str, Any]]:
        payload = b"\n".join(data)
        if payload.strip() == b"[DONE]":
            self.done = True
            return
        try:
            event = json.loads(payload)
        except ValueError:
            raise ServerError(
                f"{self.client.url} sent a malformed event on {self.path}: {payload[:80]!r}",
                "is model.url a llama-server or an OpenAI-compatible server?",
            ) from None
        if not isinstance(event, dict):
            raise ServerError(f"{self.client.url} sent an unexpected event on {self.path}: {payload[:80]!r}")
        if "error" in event and not event.get("choices"):
            raise ServerError(
                f"{self.client.url} failed during {self.path}: {_server_message(payload)}",
                "see the server's log",
            )
        if self.first_event_at is None:
            self.first_event_at = time.monotonic()
            if self.sock is not None:
                with contextlib.suppress(OSError):
                    self.sock.settimeout(IDLE_TIMEOUT_S)
        yield event

    def close(self, finished: bool = False) -> None:
        """Give the connection back for reuse when the answer was read to its end, else close it
        (which tells the server to stop generating)."""
        with self._abort_lock:
            if self._closed:
                return
            self._closed = True
        self.client._watchdog.unwatch(self)
        if self.conn is None or self.response is None:
            return
        if finished and not self.stopped:
            try:
                self.response.read()  # the rest: the terminating chunk
            except (OSError, http.client.HTTPException, ValueError):
                pass
            else:
                self.client._release(self.conn, self.response)
                return
        self.response.close()
        self.conn.close()

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class StoppedBeforeStart(Exception):
    """The request was cancelled or passed its deadline before the server answered."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Watchdog:
    """One thread for all open streams of a client: aborts each the moment it is cancelled or late.

    Polling every 10 ms keeps the cancel token a plain flag (the engine's interface) and costs
    nothing measurable; the thread exits when no stream is open."""

    def __init__(self) -> None:
        self._streams: set[EventStream] = set()
        self._lock = threading.Lock()
        self._running = False

    def watch(self, stream: EventStream) -> None:
        with self._lock:
            self._streams.add(stream)
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._loop, name="ubiq-remote-watchdog", daemon=True).start()

    def unwatch(self, stream: EventStream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._streams:
                    self._running = False
                    return
                streams = list(self._streams)
            for stream in streams:
                reason = stream.due()
                if reason:
                    stream.abort(reason)
            time.sleep(WATCH_INTERVAL_S)
