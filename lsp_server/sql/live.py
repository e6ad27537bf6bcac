"""The schema an editor session checks SQL against, kept current without blocking typing: a
`LiveReading` of the project's models and DDL (see lsp_server/live_reading.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from lsp_server.live_reading import LiveReading
from lsp_server.sql.schema import SqlSchema, load

# What a file that declares tables says somewhere (the ER extractors' own test is stricter).
SCHEMA_MARKERS = re.compile(
    r"\bcreate\s+table\b|models\.Model\b|Column\(|mapped_column\(|__tablename__", re.I
)


class LiveSchema(LiveReading[SqlSchema]):
    """The schema of `paths`, read on a thread; an edit to a model or DDL file marks it stale."""

    def __init__(
        self,
        paths: Sequence[Path],
        overrides: Callable[[], Mapping[str, str]],
        on_ready: Callable[[], None],
    ) -> None:
        super().__init__("SQL schema", lambda p, o: load(p, o), SqlSchema, paths, overrides, on_ready)
