"""The LSP base protocol read defensively: whatever arrives, the server answers what it can, logs
what it cannot, and keeps serving.

pygls's reader trusts its input: a body that is not JSON gets no answer (the client waits on that
id forever), and a `Content-Length` of 99999999999 makes it try to read that much. Here:
- an unparsable body (bad JSON, invalid UTF-8) is answered with a JSON-RPC parse error (`id: null`);
  a batch or a non-object with "invalid request";
- a message over `MAX_MESSAGE_BYTES` is discarded in bounded chunks, and the stream is
  re-synchronised at the next real header (`Content-Length: N` followed by CR LF cannot occur inside
  a JSON body, where a CR must be escaped), so the messages after it are still served;
- header lines without a length, overlong lines and junk between messages are skipped and logged;
- a body that runs into the next message's header (it was shorter than its Content-Length) is
  answered as unparsable, and the next message is read from its header;
- a request whose handling fails before it is dispatched is answered with an internal error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
from collections.abc import Awaitable, Callable
from typing import Any, BinaryIO

from pygls.protocol import JsonRPCProtocol

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # a 50 MB document still syncs; more is not a source file
MAX_HEADER_LINE = 4096
CHUNK = 1 << 16
READ_AHEAD = 64  # chunks read from stdin before the server has taken them
# At the end of a header line; junk before it is the tail of a message cut short, glued to the next
# header (no newline in between), since JSON bodies carry no raw line breaks.
_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*(\d{1,20})[ \t]*$", re.IGNORECASE)
_HEADER_START = re.compile(rb"Content-Length[ \t]*:[ \t]*\d+\r\n", re.IGNORECASE)
PARSE_ERROR, INVALID_REQUEST, INTERNAL_ERROR = -32700, -32600, -32603


class MessageReader:
    """Bytes from a raw `read(n)` coroutine (at most n bytes, b"" at the end), buffered, with the
    few operations the base protocol needs and a way to put bytes back."""

    def __init__(self, raw_read: Callable[[int], Awaitable[bytes]]) -> None:
        self._raw_read = raw_read
        self._buffer = bytearray()
        self._eof = False

    async def _fill(self) -> bool:
        if self._eof:
            return False
        data = await self._raw_read(CHUNK)
        if not data:
            self._eof = True
            return False
        self._buffer += data
        return True

    async def readline(self, limit: int = MAX_HEADER_LINE) -> tuple[bytes, bool]:
        """A line with its newline, or what is left at the end; `(head, True)` for a line longer
        than `limit`, whose rest is consumed and dropped."""
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0 and end < limit:
                line = bytes(self._buffer[: end + 1])
                del self._buffer[: end + 1]
                return line, False
            if len(self._buffer) >= limit:
                head = bytes(self._buffer[:limit])
                await self._drop_through_newline()
                return head, True
            if not await self._fill():
                line = bytes(self._buffer)
                self._buffer.clear()
                return line, False

    async def _drop_through_newline(self) -> None:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                del self._buffer[: end + 1]
                return
            self._buffer.clear()
            if not await self._fill():
                return

    def unread(self, data: bytes) -> None:
        """Put bytes back in front of what is still to be read."""
        self._buffer[:0] = data

    async def read(self, size: int) -> bytes:
        """Exactly `size` bytes, or fewer when the stream ends first."""
        while len(self._buffer) < size and await self._fill():
            pass
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    async def discard(self, size: int) -> None:
        """Drop up to `size` bytes in bounded chunks, stopping early at the next real header (it
        is kept for the next read): an over-long message does not swallow the ones after it."""
        left = size
        while left > 0:
            if not self._buffer and not await self._fill():
                return
            match = _HEADER_START.search(self._buffer, 0, min(len(self._buffer), left + 64))
            if match is not None and match.start() < left:
                del self._buffer[: match.start()]
                return
            keep = 64 if len(self._buffer) > 64 else 0  # a header split across chunks
            drop = min(left, len(self._buffer) - keep) if keep else min(left, len(self._buffer))
            if drop <= 0:
                if not await self._fill():
                    return
                continue
            del self._buffer[:drop]
            left -= drop


async def _headers(reader: MessageReader) -> int | None:
    """The Content-Length of the next message (its header block read up to the blank line); -1
    for a block without one (skipped); None at the end of the stream."""
    length: int | None = None
    seen_any = False
    while True:
        line, overlong = await reader.readline()
        if not line:
            return None
        if overlong:
            log.warning("skipped a header line over %d bytes", MAX_HEADER_LINE)
            length, seen_any = None, True
            continue
        stripped = line.strip()
        if not stripped:
            if length is not None:
                return length
            if seen_any:
                log.warning("skipped a message header without Content-Length")
                return -1
            continue  # blank lines between messages
        match = _LENGTH.search(stripped)
        if match is not None:
            length = int(match.group(1))
        elif b":" not in stripped:
            log.warning("skipped %d bytes of junk between messages", len(line))
            length = None
        seen_any = True


def _error(protocol: JsonRPCProtocol, message_id: Any, code: int, text: str) -> None:
    protocol._send_data({"jsonrpc": "2.0", "id": message_id, "error": {"code": code, "message": text}})


def _dispatch(protocol: JsonRPCProtocol, body: bytes) -> None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        log.warning("answered a message that is not JSON with a parse error: %s", exc)
        _error(protocol, None, PARSE_ERROR, f"parse error: {exc}")
        return
    if not isinstance(data, dict):
        kind = "a batch" if isinstance(data, list) else f"a JSON {type(data).__name__}"
        log.warning("answered %s with 'invalid request'", kind)
        _error(protocol, None, INVALID_REQUEST, f"invalid request: {kind}, not a message object")
        return
    request_id = data.get("id") if "method" in data else None
    if request_id is not None and not isinstance(request_id, (int, str)):
        _error(protocol, None, INVALID_REQUEST, "invalid request: `id` must be a number or a string")
        return
    try:
        message = protocol.structure_message(data)  # parsed once: nested objects stay plain
        protocol.handle_message(message)
    except Exception as exc:  # pygls failed before a handler ran: the client still gets an answer
        log.exception("could not handle a message")
        if request_id is not None:
            _error(protocol, request_id, INTERNAL_ERROR, f"internal error: {exc}")


async def serve(stop_event: threading.Event, reader: MessageReader, protocol: JsonRPCProtocol) -> None:
    """The main loop: one message after another until the stream ends or the server stops."""
    while not stop_event.is_set():
        length = await _headers(reader)
        if length is None:
            return
        if length < 0:
            continue
        if length > MAX_MESSAGE_BYTES:
            log.warning("discarded a message of %d bytes (over the %d-byte cap)", length, MAX_MESSAGE_BYTES)
            await reader.discard(length)
            continue
        body = await reader.read(length)
        if len(body) < length:
            log.warning("the stream ended inside a message (%d of %d bytes)", len(body), length)
            return
        cut = _HEADER_START.search(body) if b"\r\n" in body else None
        if cut is not None:  # a message cut short: its "body" runs into the next message's header
            log.warning("a message was %d bytes shorter than its Content-Length", length - cut.start())
            reader.unread(body[cut.start() :])
            body = body[: cut.start()]
        _dispatch(protocol, body)
        # Let the tasks a message started run before the next one is handled, even when the next is
        # already buffered (as between reads of a line at a time): a burst must not starve them.
        await asyncio.sleep(0)


def stdin_reader(stdin: BinaryIO) -> MessageReader:
    """Reads stdin on a daemon thread (a blocked read never holds up the process's exit), a chunk
    at a time, at most `READ_AHEAD` chunks ahead of the server (bounded memory under a flood)."""
    try:  # the file descriptor itself: a daemon thread blocked in a buffered reader's lock aborts
        fd = stdin.fileno()  # the interpreter at exit ("could not acquire lock … at shutdown")

        def read1(size: int) -> bytes:
            return os.read(fd, size)

    except (AttributeError, OSError, ValueError):  # not a real file (tests hand a BytesIO)
        read1 = getattr(stdin, "read1", stdin.read)
    slots = threading.Semaphore(READ_AHEAD)
    state: dict[str, Any] = {}

    def pump(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[bytes]) -> None:
        while True:
            slots.acquire()
            try:
                data = read1(CHUNK)
            except (OSError, ValueError):
                data = b""
            loop.call_soon_threadsafe(queue.put_nowait, data)
            if not data:
                return

    async def raw_read(size: int) -> bytes:
        if "queue" not in state:
            state["queue"] = asyncio.Queue()
            thread = threading.Thread(
                target=pump, args=(asyncio.get_running_loop(), state["queue"]), daemon=True, name="stdin"
            )
            thread.start()
        data = await state["queue"].get()
        slots.release()
        return data

    return MessageReader(raw_read)


def stream_reader(stream: asyncio.StreamReader) -> MessageReader:
    """A TCP connection's bytes (asyncio applies its own flow control)."""
    return MessageReader(stream.read)
