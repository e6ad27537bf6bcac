"""The schema an editor session checks SQL against, kept current without blocking typing.

Reading every model of a large project takes seconds, so it happens on a thread of its own: the
first check asks for the schema and gets none until it is read, then `on_ready` re-checks the
open documents. An edit to a model or DDL file marks it stale; the reload reads the editor's
unsaved text, and edits made while a reload runs start one more after it, never two at once.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from lsp_server.sql.schema import SqlSchema, load

log = logging.getLogger(__name__)
# What a file that declares tables says somewhere (the ER extractors' own test is stricter).
SCHEMA_MARKERS = re.compile(
    r"\bcreate\s+table\b|models\.Model\b|Column\(|mapped_column\(|__tablename__", re.I
)


class LiveSchema:
    """The schema of `paths`, read on a thread; see the module docstring."""

    def __init__(
        self,
        paths: Sequence[Path],
        overrides: Callable[[], Mapping[str, str]],
        on_ready: Callable[[], None],
    ) -> None:
        self.paths = list(paths)
        self._overrides = overrides
        self._on_ready = on_ready
        self._schema: SqlSchema | None = None
        self._lock = threading.Lock()
        self._loading = False
        self._again = False

    def get(self) -> SqlSchema | None:
        """The schema, or None while the first reading runs (which this starts)."""
        with self._lock:
            schema = self._schema
        if schema is None:
            self._start()
        return schema

    def stale(self) -> None:
        """A model or DDL file changed: read again, keeping the old schema until then."""
        self._start()

    def _start(self) -> None:
        with self._lock:
            if self._loading:
                self._again = True
                return
            self._loading = True
        threading.Thread(target=self._load, name="ubiq-sql-schema", daemon=True).start()

    def _load(self) -> None:
        while True:
            try:
                schema = load(self.paths, self._overrides())
            except Exception:  # a bug in one extractor must not stop SQL checks for good
                log.exception("reading the SQL schema failed")
                schema = SqlSchema()
            with self._lock:
                self._schema = schema
                again, self._again = self._again, False
                if not again:
                    self._loading = False
            log.info("SQL schema: %d tables from %s", len(schema.tables), ", ".join(map(str, self.paths)))
            if not again:
                break
        self._on_ready()
