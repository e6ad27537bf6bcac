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
        evaluate,
        glossary,
        inline_completion,
        lifecycle,
        rename,
        sql,
        sql_commands,
    )

    server = UbiqServer()
    features = (
        lifecycle, documents, inline_completion, completion, code_actions, commands,
        er_model, evaluate, glossary, rename, sql, sql_commands,
    )  # fmt: skip
    for module in features:
        module.register(server)
    return server
