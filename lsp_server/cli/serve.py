"""`ubiq serve`: run the language server over stdio (default) or TCP."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import BinaryIO

from lsp_server.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="run the language server (stdio by default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    parser.add_argument("--trace", action="store_true", help="log every LSP message (includes your code)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from lsp_server.features import create_server

    # stdout is the protocol: logs go to stderr or --log-file. pygls logs message bodies (your
    # code) at INFO, so its logger stays at WARNING unless tracing is asked for.
    logging.getLogger().setLevel(logging.DEBUG if args.verbose else logging.INFO)
    logging.getLogger("pygls").setLevel(logging.DEBUG if args.trace else logging.WARNING)
    server = create_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            raise InputError(f"--tcp {args.tcp!r} is not HOST:PORT")
        server.start_tcp(host, int(port))
    else:
        server.start_io(stdin=sys.stdin.buffer, stdout=_private_stdout())
    return 0


def _private_stdout() -> BinaryIO:
    """Give the protocol its own copy of stdout and send file descriptor 1 to stderr.

    C libraries print to fd 1, and llama-cpp-python even points fd 1 at /dev/null while a model
    loads: an LSP message written meanwhile would vanish and its client would wait forever."""
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    return protocol_out
