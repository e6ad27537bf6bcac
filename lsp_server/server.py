"""The Ubiq language server: typed state shared by the feature handlers, and error reporting.

No feature logic lives here (see `features/`). One protocol gap of pygls is closed here: a
request whose parameters fail to deserialize is answered with a JSON-RPC error (pygls would
leave the client waiting forever). Model events arrive on a loader thread and are moved onto
the event loop before anything is sent, so messages never interleave on stdout.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from threading import Event
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import Workspace

from lsp_server import __version__, transport
from lsp_server.completion.service import CompletionService
from lsp_server.config import Settings
from lsp_server.context.chunks import ChunkRing
from lsp_server.context.definitions import DefinitionFinder
from lsp_server.context.syntax import SyntaxTree
from lsp_server.document_sync import ExactWorkspace
from lsp_server.engine.host import ModelHost
from lsp_server.glossary.live import LiveGlossary
from lsp_server.progress import JobProgress

log = logging.getLogger(__name__)


class _Rejected:
    """Stands in for a message that was already answered with an error."""

    jsonrpc = None


class UbiqProtocol(LanguageServerProtocol):
    """pygls's protocol, except that a request whose parameters fail to deserialize is answered
    with an error (the client would otherwise wait forever), and that a handler's future is
    forgotten once done: pygls 2.1 files a notification's (and each step of its built-in generator
    handlers') in `_request_futures` under a fresh id that nothing takes out, so every keystroke's
    didChange kept a Future with its lock and condition alive (found by a soak: ~1 kB per edit)."""

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        def done(future: Any) -> None:
            if self._request_futures.get(msg_id) is future:
                self._request_futures.pop(msg_id, None)
            callback(future)

        super()._execute_handler(msg_id, handler, done, args, kwargs)

    @property
    def handlers_held(self) -> int:
        """Handlers' futures pygls holds now: those still running (a request asking is one)."""
        return len(self._request_futures)

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data:  # a request: its client waits for an answer
                method = data.get("method")
                error = type(exc)(message=f"invalid parameters for {method}: {exc.__cause__ or exc}")
                self._send_response(data["id"], error=error.to_response_error())
            return _Rejected()

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Rejected):
            return
        super().handle_message(message)

    @property
    def workspace(self) -> Workspace:
        """The workspace pygls creates, made to keep ExactDocuments (LSP's line breaks, splicing edits): it is
        created inside pygls's initialize, so it is adopted here, before any document opens."""
        workspace = super().workspace
        if type(workspace) is Workspace:
            workspace.__class__ = ExactWorkspace  # a subclass that adds no state
        return workspace


class UbiqServer(LanguageServer):
    """The language server, holding the state every feature handler shares; no feature logic."""

    # Both transports read through lsp_server.transport instead of pygls's trusting reader.
    def _start_io_async(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        self._stop_event = Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(
                transport.serve(
                    self._stop_event, transport.stdin_reader(stdin or sys.stdin.buffer), self.protocol
                )
            )
        except BrokenPipeError:
            log.error("the connection to the client is lost: shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    def start_tcp(self, host: str, port: int) -> None:
        self._stop_event = stop_event = Event()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(writer)  # type: ignore[arg-type]
            await transport.serve(stop_event, transport.stream_reader(reader), self.protocol)
            self.shutdown()

        async def listen() -> None:
            self._server = await asyncio.start_server(connection, host, port)
            log.info("serving on %s", ", ".join(str(s.getsockname()) for s in self._server.sockets))
            async with self._server:
                await self._server.serve_forever()

        try:
            asyncio.run(listen())
        except asyncio.CancelledError:
            log.debug("the server was cancelled")

    def __init__(self) -> None:
        super().__init__(
            name="ubiq",
            version=__version__,
            protocol_cls=UbiqProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.settings = Settings()
        self.project_root: Path | None = None
        self.locale: str | None = None  # the editor's UI language (initialize's `locale`), e.g. zh-cn
        self.model = ModelHost(self._model_event)
        self.draft_model = ModelHost()  # glossary drafting's larger model, loaded when first asked
        self.completions = CompletionService(self.settings.completion)
        self.syntax: dict[str, SyntaxTree] = {}
        self.ring = ChunkRing()
        self.definitions: DefinitionFinder | None = None
        self.model_progress: JobProgress | None = None
        self.glossary: LiveGlossary | None = None
        # What each document shows, by who found it (features/diagnostics.py publishes the union).
        self.diagnostics: dict[str, dict[str, list[types.Diagnostic]]] = {}
        self.sql_schema: Any = None  # features/sql.py's SchemaHolder, made when first needed
        self.ddd_model: Any = None  # features/ddd.py's reading of the domain model, made when first needed
        self.ddd_wanted: bool | None = None  # whether the project has a domain package (looked at once)
        # Called with each opened or changed document's uri (diagnostics follow the text).
        self.document_listeners: list[Callable[[UbiqServer, str], None]] = []
        self.document_checks = 0  # listener passes run (edits are checked after a pause, not each)
        self.loop: asyncio.AbstractEventLoop | None = None

    def in_loop(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the server's event loop (from any thread)."""
        if self.loop is None or self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(fn)

    # -- settings --------------------------------------------------------------------------------

    def apply_settings(self, settings: Settings, errors: list[str]) -> None:
        """Adopt new settings; bad values were already replaced by defaults and are reported."""
        for problem in errors:
            self.warn(f"Ubiq settings: {problem}; using the default")
        self.settings = settings
        self.completions.settings = settings.completion

    # -- reporting -------------------------------------------------------------------------------

    def warn(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """Something the user must act on: shown in the editor and logged."""
        log.warning("%s", message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def _model_event(self, state: str, message: str) -> None:
        self.in_loop(lambda: self._on_model_event(state, message))

    def _on_model_event(self, state: str, message: str) -> None:
        log.info("model %s: %s", state, message)
        if state == "error":
            self.warn(f"Ubiq could not load its model: {message}", types.MessageType.Error)
        progress = self.model_progress
        if progress is None:
            return
        if state == "loading":
            progress.report(message)
        else:
            self.model_progress = None
            progress.end(message)

    def report_server_error(self, error: Exception, source: Any) -> None:
        log.error("%s: %s", getattr(source, "__name__", source), error)
