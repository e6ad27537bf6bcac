"""A project-wide reading an editor session keeps current without blocking typing (the SQL schema,
the domain model).

Reading every file of a large project takes seconds, so it happens on a thread of its own: the
first request gets None until it is read, then `on_ready` lets the feature re-check the open
documents. An edit that may change it marks it stale; the re-read sees the editor's unsaved texts,
and edits made while one runs start one more after it, never two at once. `delay` waits for a
pause in typing before a re-read (the first reading starts at once).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class LiveReading(Generic[T]):
    """`read(paths, overrides)` of `paths`, on a thread; see the module docstring."""

    def __init__(
        self,
        what: str,
        read: Callable[[Sequence[Path], Mapping[str, str]], T],
        empty: Callable[[], T],
        paths: Sequence[Path],
        overrides: Callable[[], Mapping[str, str]],
        on_ready: Callable[[], None],
        delay: float = 0.0,
    ) -> None:
        self.what, self._read, self._empty = what, read, empty
        self.paths = list(paths)
        self._overrides = overrides
        self._on_ready = on_ready
        self._delay = delay
        self._value: T | None = None
        self._lock = threading.Lock()
        self._loading = False
        self._again = False
        self._timer: threading.Timer | None = None

    def get(self) -> T | None:
        """The reading, or None while the first one runs (which this starts)."""
        with self._lock:
            value = self._value
        if value is None:
            self._start()
        return value

    def stale(self) -> None:
        """Something it reads changed: read again (after `delay` of quiet), keeping the old one until then."""
        if self._delay <= 0 or self._value is None:
            self._start()
            return
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self._delay, self._start)
            self._timer.daemon = True
            self._timer.start()

    def _start(self) -> None:
        with self._lock:
            if self._loading:
                self._again = True
                return
            self._loading = True
        threading.Thread(target=self._load, name=f"ubiq-{self.what}", daemon=True).start()

    def _load(self) -> None:
        while True:
            try:
                value = self._read(self.paths, self._overrides())
            except Exception:  # a bug in one reader must not stop the feature for good
                log.exception("reading the %s failed", self.what)
                value = self._empty()
            with self._lock:
                self._value = value
                again, self._again = self._again, False
                if not again:
                    self._loading = False
            log.info("%s read from %s", self.what, ", ".join(map(str, self.paths)))
            if not again:
                break
        self._on_ready()
