"""LSP features: one module per method family, thin handlers that call the protocol-free code."""

from __future__ import annotations

from lsp_server.server import UbiqServer


def create_server() -> UbiqServer:
    from lsp_server.features import (
        code_actions,
        commands,
        completion,
        documents,
        inline_completion,
        lifecycle,
    )

    server = UbiqServer()
    for module in (lifecycle, documents, inline_completion, completion, code_actions, commands):
        module.register(server)
    return server
