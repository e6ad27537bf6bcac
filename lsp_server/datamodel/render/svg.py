"""An SVG picture from DOT text, drawn by Graphviz's `dot` (a system package, run as a
subprocess with a time limit); a clear error naming the install command when it is missing."""

from __future__ import annotations

import shutil
import subprocess

from lsp_server.errors import UbiqError

INSTALL_HINT = (
    "install Graphviz: `sudo apt-get install graphviz`, `brew install graphviz` or `choco install graphviz`"
)


class GraphvizError(UbiqError):
    """Graphviz's `dot` is missing, failed, or took too long."""


def dot_svg(dot_text: str, timeout: float = 60.0, executable: str | None = None) -> str:
    """Lay out DOT text with `dot -Tsvg` and return the SVG."""
    dot = executable or shutil.which("dot")
    if dot is None:
        raise GraphvizError("Graphviz's `dot` was not found on PATH; SVG output needs it", INSTALL_HINT)
    try:
        done = subprocess.run(
            [dot, "-Tsvg"], input=dot_text.encode("utf-8"), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise GraphvizError(
            f"`dot` took longer than {timeout:g}s to lay out the diagram",
            "render a smaller part of the model, or use --format mermaid",
        ) from error
    except OSError as error:
        raise GraphvizError(f"`dot` could not be run: {error}", INSTALL_HINT) from error
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GraphvizError(f"`dot` failed: {message[-1] if message else f'exit status {done.returncode}'}")
    return done.stdout.decode("utf-8")
