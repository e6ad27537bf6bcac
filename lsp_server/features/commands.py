"""workspace/executeCommand: `ubiq.stats` (completion statistics since start or last reset)."""

from __future__ import annotations

from typing import Any

from lsp_server.server import UbiqServer

STATS = "ubiq.stats"


def register(server: UbiqServer) -> None:
    @server.command(STATS)
    def stats(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        options = args[0] if args and isinstance(args[0], dict) else {}
        data = ls.completions.stats.snapshot(reset=bool(options.get("reset")))
        info = ls.model.info()
        data["model"] = info.to_dict() if info else {"state": ls.model.state, "message": ls.model.message}
        return data
