"""The glossary as the server sees it: reloaded when the file (or the editor's unsaved copy of it)
changes, so hover and diagnostics always follow the file the team is editing."""

from __future__ import annotations

import logging
from pathlib import Path

from lsp_server.glossary.store import Glossary, GlossaryError

log = logging.getLogger(__name__)


class LiveGlossary:
    """The glossary file, reloaded when it changes; a broken edit keeps the last good one in use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.glossary: Glossary | None = None
        self.error: GlossaryError | None = None
        self._signature: object = None

    def _current_signature(self, text: str | None) -> object:
        if text is not None:
            return ("editor", text)
        try:
            stat = self.path.stat()
        except OSError:
            return ("missing",)
        return ("disk", stat.st_mtime_ns, stat.st_size)

    def refresh(self, text: str | None = None) -> bool:
        """Reload if the file (or `text`, the editor's copy) changed; True when it did. A broken
        file keeps the last good glossary in use and records the error for the user."""
        signature = self._current_signature(text)
        if signature == self._signature:
            return False
        self._signature = signature
        try:
            self.glossary = Glossary.parse(text, self.path) if text is not None else Glossary.load(self.path)
            self.error = None
        except GlossaryError as error:
            log.warning("%s", error.message)
            self.error = error
        return True
