"""`ubiq.eval`: the model evaluation as an editor command, with progress, ending with the report
opened in the editor. Arguments: one optional object
`{"models": [...], "tasks": N, "reference": bool, "timeBudget": seconds, "seed": N}`;
the default model is the configured one."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import attrs
from lsprotocol import types
from pygls.uris import from_fs_path

from lsp_server.evaluation.run import HUMANEVAL, default_out, evaluate
from lsp_server.features.arguments import options, within
from lsp_server.progress import JobProgress, run_job
from lsp_server.server import UbiqServer

EVAL = "ubiq.eval"
log = logging.getLogger(__name__)


@attrs.define
class EvalArgs:
    """The options of `ubiq eval`: models (default: the configured one), tasks, seed, the reference
    set instead of the project, and a time budget in seconds."""

    models: list[str] = attrs.Factory(list)
    tasks: int = attrs.field(default=20, validator=within(1, 1000))
    seed: int = 1
    reference: bool = False
    time_budget: float | None = None


async def _show(ls: UbiqServer, path: Path) -> None:
    """Open the report in the editor, where it can (window/showDocument, LSP 3.16)."""
    window = ls.client_capabilities.window
    if window is None or not window.show_document or not window.show_document.support:
        return
    try:
        await ls.window_show_document_async(
            types.ShowDocumentParams(uri=from_fs_path(str(path)), take_focus=True)
        )
    except Exception as exc:  # the report exists either way; its path is in the result
        log.info("could not open %s in the editor: %s", path, exc)


def register(server: UbiqServer) -> None:
    @server.command(EVAL)
    async def eval_models(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        given = options(EVAL, args, EvalArgs)
        root = ls.project_root or Path.cwd()
        configured = "remote" if ls.settings.model.backend == "remote" else ls.settings.model.path
        specs = given.models or [configured]
        source = HUMANEVAL if given.reference else str(root)
        out = default_out(root)

        async def job(progress: JobProgress) -> tuple[dict[str, Any], str]:
            data, paths = await asyncio.to_thread(
                evaluate,
                source,
                specs,
                ls.settings,
                out,
                given.tasks,
                given.seed,
                time_budget_s=given.time_budget,
                on_progress=progress.report,
                cancel=progress.cancel,
            )
            await _show(ls, paths["markdown"])
            result = {
                "report": str(paths["markdown"]),
                "json": str(paths["json"]),
                "chart": str(paths["chart"]) if "chart" in paths else None,
                "recommendation": data["recommendation"],
                "models": {m["name"]: m["summary"] for m in data["models"]},
            }
            return result, f"Ubiq eval: {data['recommendation']}"

        return await run_job(ls, "Ubiq: evaluating models", f"{len(specs)} model(s)", "Ubiq eval failed", job)
