"""workspace/executeCommand: `ubiq.stats` (completion statistics) and `ubiq.generateTests`
(a test file for a module or one of its functions, delivered as an undoable WorkspaceEdit).

Test generation itself is `testgen.generate`, shared with the CLI: here only the command's
arguments go in and a WorkspaceEdit, a notification and the report come out."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import attrs
from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from lsp_server import footprint
from lsp_server.context.positions import width
from lsp_server.errors import UbiqError
from lsp_server.features.arguments import options
from lsp_server.features.documents import encoding_of
from lsp_server.features.edits import apply
from lsp_server.files import read_text
from lsp_server.progress import JobProgress, run_job
from lsp_server.server import UbiqServer
from lsp_server.testgen import writer
from lsp_server.testgen.generate import Request, generate, prepare

log = logging.getLogger(__name__)
STATS = "ubiq.stats"
GENERATE_TESTS = "ubiq.generateTests"


@attrs.define
class StatsArgs:
    """`{reset?, objects?}`: reset the counters after reading them (benchmarks measure one phase at a
    time); count live objects by type."""

    reset: bool = False
    objects: bool = False  # also count live Python objects by type (a full heap walk: for finding a leak)


@attrs.define
class GenerateTestsArgs:
    """`[uri, name or null]`, or `{uri, name?}`: the module, and one function or class in it."""

    uri: str | None = None
    name: str | None = None


def _edit(planned: writer.Planned, encoding: str) -> types.WorkspaceEdit:
    uri = from_fs_path(str(planned.path))
    if planned.mode == "appended":
        existing = read_text(planned.path)
        lines = existing.split("\n")
        end = types.Position(line=len(lines) - 1, character=width(lines[-1], encoding))
        change = types.TextEdit(
            range=types.Range(start=end, end=end), new_text=planned.content[len(existing) :]
        )
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                    edits=[change],
                )
            ]
        )
    start = types.Position(line=0, character=0)
    return types.WorkspaceEdit(
        document_changes=[
            types.CreateFile(
                uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False)
            ),
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                edits=[types.TextEdit(range=types.Range(start=start, end=start), new_text=planned.content)],
            ),
        ]
    )


async def generate_tests(ls: UbiqServer, *args: Any) -> dict[str, Any]:
    """`[uri, name]` in; the tests as a WorkspaceEdit (appended to an existing test file)."""
    given = options(GENERATE_TESTS, args, GenerateTestsArgs, positional=("uri", "name"))
    uri, name = given.uri, given.name
    backend = ls.model.backend()
    if uri is None or backend is None:
        message = "Ubiq: open a Python file first" if uri is None else "Ubiq: the model is not loaded yet"
        ls.warn(message)
        return {"error": message}
    request = Request(
        path=Path(to_fs_path(uri)), name=name, existing="append", prompts_dir=ls.settings.prompts_dir,
        allow_unsandboxed=ls.settings.testgen.allow_unsandboxed,
    )  # fmt: skip

    async def job(progress: JobProgress) -> tuple[dict[str, Any], str]:
        module = await asyncio.to_thread(prepare, request)
        generated = await asyncio.to_thread(generate, backend, request, progress, module)
        if generated.planned is None:
            raise UbiqError(f"no generated test for {module.module} passed; nothing to write")
        await apply(ls, _edit(generated.planned, encoding_of(ls)), "Ubiq: generated tests")
        return generated.to_dict(), f"Ubiq: {generated.summary()}"

    return await run_job(
        ls,
        "Ubiq: generating tests",
        f"{request.path.name}{f'::{name}' if name else ''}",
        "Ubiq could not generate tests",
        job,
    )


def register(server: UbiqServer) -> None:
    @server.command(STATS)
    def stats(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        wanted = options(STATS, args, StatsArgs)
        data = ls.completions.stats.snapshot(reset=wanted.reset)
        data["preparing"] = ls.completions.preparing
        data["reading"] = ls.completions.reading
        info = ls.model.info()
        data["model"] = info.to_dict() if info else {"state": ls.model.state, "message": ls.model.message}
        backend = ls.model.backend()
        data["kv_cache"] = backend.cache_report() if backend else {}
        data["process"] = footprint.report()
        data["process"]["handlers_in_flight"] = ls.protocol.handlers_held
        if wanted.objects:
            data["process"]["objects_by_type"] = footprint.objects_by_type()
        data["document_checks"] = ls.document_checks
        return data

    @server.command(GENERATE_TESTS)
    async def generate_tests_command(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        return await generate_tests(ls, *args)
