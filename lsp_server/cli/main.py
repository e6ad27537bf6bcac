"""`ubiq` entry point: parse the subcommand, run it, and turn errors into one clean line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lsp_server import __version__
from lsp_server.cli import complete, ddd, doctor, er, evaluate, gen_tests, glossary, models, serve, sql
from lsp_server.cli.common import err, setup_logging
from lsp_server.errors import UbiqError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ubiq", description="A local code model for your editor and CLI.")
    parser.add_argument("--version", action="version", version=f"ubiq {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging and full tracebacks")
    parser.add_argument("--log-file", metavar="PATH", help="write the log here instead of stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (serve, models, doctor, complete, gen_tests, glossary, er, evaluate, sql, ddd):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.log_file)
    try:
        return int(args.run(args) or 0)
    except UbiqError as exc:
        if args.verbose:
            raise
        err.print(f"error: {exc.message}", style="red", markup=False, soft_wrap=True)
        if exc.hint:
            err.print(f"  hint: {exc.hint}", style="dim", markup=False, soft_wrap=True)
        return exc.exit_code
    except Exception as exc:  # a bug: still one line, with the way to see more
        if args.verbose:
            raise
        err.print(
            f"error: internal error: {exc!r} (run with -v for the traceback)", style="red", markup=False
        )
        return 1
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130


def gen_tests_main(argv: Sequence[str] | None = None) -> int:
    """The `gen-tests` console script: `ubiq gen-tests` without the `ubiq`."""
    return main(["gen-tests", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
