"""jedi: signatures and short docstrings of names used near the cursor but defined elsewhere.

A small model guesses argument names and return shapes badly unless it sees them. jedi can be
slow on a cold project, so lookups run under a time cap in a helper thread; answers that arrive
late are cached and used by the next prompt layout. Results are keyed by name and definition
site, so the same names produce the same chunk text (and the same tokens) every time.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import threading
from pathlib import Path

import jedi

from lsp_server.context.syntax import SyntaxTree
from lsp_server.engine.backend import Chunk
from lsp_server.lru import LRU

log = logging.getLogger(__name__)
MAX_NAMES = 12
CACHED_NAMES = 4096  # (file, name) descriptions; typing makes new partial names all day
NEAR_LINES = 12
DOC_LINES = 3


def _names_near(syntax: SyntaxTree, offset: int) -> list[tuple[str, int, int]]:
    """(name, line, column) of identifiers in the lines just before the cursor, nearest first."""
    cursor_byte = syntax.byte_offset(offset)
    text = syntax.text
    start = offset
    for _ in range(NEAR_LINES):
        start = text.rfind("\n", 0, max(start - 1, 0))
        if start < 0:
            start = 0
            break
    start_byte = syntax.byte_offset(start)
    found: dict[str, tuple[str, int, int]] = {}
    stack = [syntax.tree.root_node]
    while stack:
        node = stack.pop()
        if node.end_byte < start_byte or node.start_byte > cursor_byte:
            continue
        if node.type == "identifier":
            name = syntax.data[node.start_byte : node.end_byte].decode("utf-8", "replace")
            row, col = node.start_point
            line_text = syntax.data[node.start_byte - col : node.start_byte].decode("utf-8", "replace")
            found.setdefault(name, (name, row + 1, len(line_text)))
        stack.extend(node.children)
    return sorted(found.values(), key=lambda item: -item[1])[:MAX_NAMES]


def _describe(definition: jedi.api.classes.Name) -> str | None:
    try:
        signatures = [s.to_string() for s in definition.get_signatures()]
        doc = definition.docstring(raw=True).strip()
    except Exception:  # jedi raises many internal errors on odd code; context is optional
        return None
    head = signatures[0] if signatures else f"{definition.type} {definition.name}"
    if definition.type == "class":
        head = f"class {definition.name}: {head}" if signatures else f"class {definition.name}"
    doc_lines = [line for line in doc.splitlines() if line.strip()][:DOC_LINES]
    return "\n".join([head, *(f"    {line.strip()}" for line in doc_lines)])


def _yield_the_cpu() -> None:
    """Lookups that outlive their time cap go on in the background; on a 2-core machine they took
    a core from the model's threads, and a quick answer ran several times slower. Linux schedules
    threads one by one, so this thread alone gets the lowest priority."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


class DefinitionFinder:
    """Looks names up with jedi in the background; `chunks()` answers within the time cap."""

    def __init__(self, project_root: Path | None, time_cap_s: float = 0.15) -> None:
        self.project = jedi.Project(str(project_root)) if project_root else None
        self.time_cap_s = time_cap_s
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="ubiq-jedi", initializer=_yield_the_cpu
        )
        self._cache: LRU[tuple[str, str], str | None] = LRU(CACHED_NAMES)
        self._lock = threading.Lock()

    def _lookup(self, text: str, path: str, names: list[tuple[str, int, int]]) -> None:
        script = jedi.Script(code=text, path=path or None, project=self.project)
        for name, line, column in names:
            key = (path, name)
            if key in self._cache:
                continue
            description = None
            try:
                for definition in script.goto(line, column, follow_imports=True):
                    module = definition.module_path
                    if definition.in_builtin_module() or module is None or str(module) == path:
                        continue
                    description = _describe(definition)
                    if description:
                        description = f"{definition.module_name}: {description}"
                        break
            except Exception as exc:  # see _describe
                log.debug("jedi failed on %s: %s", name, exc)
            with self._lock:
                self._cache[key] = description

    def start(self, syntax: SyntaxTree, offset: int, path: str) -> concurrent.futures.Future | None:
        """Start looking up the names near `offset` that are not cached yet; the lookups' future,
        or None when there is nothing to look up. A caller that must not block (the event loop
        while an answer is on its way out) awaits it, and then `chunks()` finds them cached."""
        missing = [n for n in _names_near(syntax, offset) if (path, n[0]) not in self._cache]
        return self._pool.submit(self._lookup, syntax.text, path, missing) if missing else None

    def chunks(self, syntax: SyntaxTree, offset: int, path: str) -> list[Chunk]:
        names = _names_near(syntax, offset)
        future = self.start(syntax, offset, path)
        if future is not None:
            try:
                future.result(timeout=self.time_cap_s)
            except concurrent.futures.TimeoutError:
                log.debug("jedi lookups still running after %.2fs; using what is cached", self.time_cap_s)
        with self._lock:
            found = sorted({d for n in names if (d := self._cache.get((path, n[0])))})
        return [Chunk("definitions used here", "\n".join(found))] if found else []

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
