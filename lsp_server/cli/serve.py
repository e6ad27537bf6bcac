"""`ubiq serve`: run the language server over stdio (default) or TCP."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

from lsp_server.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="run the language server (stdio by default)")
    parser.add_argument(
        "--tcp", metavar="[HOST:]PORT", help="listen on TCP instead of stdio (HOST defaults to 127.0.0.1)"
    )
    parser.add_argument("--trace", action="store_true", help="log every LSP message (includes your code)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from lsp_server.features import create_server

    # stdout is the protocol: logs go to stderr or --log-file. pygls logs message bodies (your
    # code) at INFO, so its logger stays at WARNING unless tracing is asked for.
    logging.getLogger().setLevel(logging.DEBUG if args.verbose else logging.INFO)
    logging.getLogger("pygls").setLevel(logging.DEBUG if args.trace else logging.WARNING)
    audit = os.environ.get("UBIQ_SOCKET_AUDIT")
    if audit:
        sys.addaudithook(socket_audit(audit))
    server = create_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not port.isdigit():
            raise InputError(f"--tcp {args.tcp!r} is not [HOST:]PORT")
        host = host or "127.0.0.1"
        local = host in ("127.0.0.1", "localhost", "::1")
        logging.getLogger("lsp_server").warning(
            "listening on %s:%s (%s)", host, port,
            "this machine only" if local else "reachable from other machines: the protocol carries your code",
        )  # fmt: skip
        server.start_tcp(host, int(port))
    else:
        server.start_io(stdin=sys.stdin.buffer, stdout=_private_stdout())
    return 0


def socket_audit(path: str) -> Callable[[str, tuple[Any, ...]], None]:
    """An audit hook (`sys.addaudithook`) appending every socket connect, bind and name lookup the
    process makes to `path`: how the tests show that local mode opens no connection."""

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in ("socket.connect", "socket.bind", "socket.getaddrinfo", "socket.sendto"):
            with open(path, "a", encoding="utf-8") as out:
                out.write(f"{event} {args[1:]!r}\n")

    return hook


def _private_stdout() -> BinaryIO:
    """Give the protocol its own copy of stdout and send file descriptor 1 to stderr.

    C libraries print to fd 1, and llama-cpp-python even points fd 1 at /dev/null while a model
    loads: an LSP message written meanwhile would vanish and its client would wait forever."""
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    return protocol_out
