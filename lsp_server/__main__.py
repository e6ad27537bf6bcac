"""`python -m lsp_server` runs the `ubiq` CLI (so `python -m lsp_server serve` starts the server)."""

from lsp_server.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
