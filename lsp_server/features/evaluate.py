"""`ubiq.eval`: the model evaluation as an editor command, with progress, ending with the report
opened in the editor. Arguments: one optional object
`{"models": [...], "tasks": N, "reference": bool, "timeBudget": seconds, "seed": N}`;
the default model is the configured one."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from lsp_server.errors import InputError
from lsp_server.evaluation.run import HUMANEVAL, default_out, evaluate
from lsp_server.progress import JobProgress, run_job
from lsp_server.server import UbiqServer

EVAL = "ubiq.eval"
log = logging.getLogger(__name__)


def _options(args: tuple[Any, ...]) -> dict[str, Any]:
    options = args[0] if args and isinstance(args[0], dict) else {}
    models = options.get("models") or []
    if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
        raise InputError("ubiq.eval: `models` must be a list of model paths, pack names or 'remote'")
    tasks = options.get("tasks", 20)
    if not isinstance(tasks, int) or isinstance(tasks, bool) or not 1 <= tasks <= 1000:
        raise InputError("ubiq.eval: `tasks` must be a whole number from 1 to 1000")
    return {**options, "models": models, "tasks": tasks}


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
        try:
            options = _options(args)
        except InputError as exc:
            ls.warn(f"Ubiq: {exc.message}")
            return {"error": exc.message}
        root = ls.project_root or Path.cwd()
        configured = "remote" if ls.settings.model.backend == "remote" else ls.settings.model.path
        specs = options["models"] or [configured]
        source = HUMANEVAL if options.get("reference") else str(root)
        out = default_out(root)

        async def job(progress: JobProgress) -> tuple[dict[str, Any], str]:
            data, paths = await asyncio.to_thread(
                evaluate,
                source,
                specs,
                ls.settings,
                out,
                options["tasks"],
                int(options.get("seed", 1)),
                time_budget_s=options.get("timeBudget"),
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
