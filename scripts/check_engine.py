"""Does the installed llama.cpp evaluate a prompt on this CPU? Exit 0 if it does.

Run in a child process by scripts/test.sh: a llama.cpp built for the wrong instruction set dies
with SIGILL, and one built with -march=native on a CPU with AMX (Sapphire Rapids) died with
SIGSEGV in its AMX matrix multiply; either way the wheel must be rebuilt, not used.
"""

from __future__ import annotations

import sys

from lsp_server.config import ModelSettings
from lsp_server.engine.backend import CompletionRequest
from lsp_server.engine.local import LocalBackend
from lsp_server.engine.resolve import resolve_model


def main() -> int:
    with LocalBackend(
        resolve_model(sys.argv[1] if len(sys.argv) > 1 else "smollm2-135m"), ModelSettings(threads=1)
    ) as backend:
        backend.complete(CompletionRequest(prompt="def add(a, b):\n    return", max_tokens=4))
    return 0


if __name__ == "__main__":
    sys.exit(main())
