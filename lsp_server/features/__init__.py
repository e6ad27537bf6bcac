"""LSP features: one module per method family, thin handlers that call the protocol-free code."""

from __future__ import annotations

from lsp_server.server import UbiqServer


def create_server() -> UbiqServer:
    from lsp_server.features import (
        code_actions,
        commands,
        completion,
        documents,
        er_model,
        inline_completion,
        lifecycle,
    )

    server = UbiqServer()
    for module in (lifecycle, documents, inline_completion, completion, code_actions, commands, er_model):
        module.register(server)
    return server
