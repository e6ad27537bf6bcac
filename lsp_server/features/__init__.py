"""LSP features: one module per method family, thin handlers that call the protocol-free code."""

from __future__ import annotations

from lsp_server.server import UbiqServer


def create_server() -> UbiqServer:
    from lsp_server.features import (
        code_actions,
        commands,
        completion,
        ddd,
        documents,
        er_model,
        evaluate,
        glossary,
        hover,
        inline_completion,
        lifecycle,
        rename,
        sql,
        sql_commands,
    )

    server = UbiqServer()
    features = (
        lifecycle, documents, inline_completion, completion, code_actions, commands,
        er_model, evaluate, glossary, hover, rename, sql, sql_commands, ddd,
    )  # fmt: skip
    for module in features:
        module.register(server)
    return server
