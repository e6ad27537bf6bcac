"""The N+1 quick fix: add the loader to the query, offered only when a generated test shows it pays.

Adding `select_related`/`selectinload` is usually right, but not always: a loop that calls
`.filter(…)` on the relation queries anyway, a one-to-one may already be cached, and a wrong
relation name fails only at run time. So the fix is checked the way the issue asks: the query as the
loop runs it, and the same query with the loader, both run against a scratch SQLite database built
from the project's own models and seeded with generated rows (a parent with two children, one with
none, a NULL key). The fix is offered only when the second run sends fewer SQL statements and sees
the same rows and related rows. The run imports the project's code, so it goes through the test
sandbox (`testgen/sandbox.py`), with the project's interpreter where it has its own virtualenv.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lsp_server.config import find_project_root
from lsp_server.sql.nplus1 import LoaderFix
from lsp_server.sql.schema import SqlSchema
from lsp_server.testgen.imports import module_imports
from lsp_server.testgen.sandbox import make_workdir, run
from lsp_server.testgen.targets import import_location

log = logging.getLogger(__name__)
PROBE = Path(__file__).with_name("loader_probe.py")
TIMEOUT_S = 60.0
_IMPORT_LINE = re.compile(rb"^(?:import|from)\s+\S", re.M)


@dataclass(frozen=True)
class Verdict:
    """Whether the fix is offered, and the measurement (or the reason) the editor shows."""

    offered: bool
    reason: str
    before: int = 0
    after: int = 0


def edits(text: str, fix: LoaderFix) -> list[tuple[int, int, str]]:
    """Byte-range edits of the file: the loader after the query, and its import when missing."""
    changes = [(fix.insert_at, fix.insert_at, fix.loader)]
    if fix.needs_import:
        data = text.encode("utf-8")
        after = _after_imports(data)
        changes.insert(0, (after, after, f"from sqlalchemy.orm import {fix.needs_import}\n"))
    return changes


def _after_imports(data: bytes) -> int:
    """The start of the line after the last top-level import (the file's start when it has none)."""
    last = None
    for match in _IMPORT_LINE.finditer(data):
        last = match
    if last is None:
        return 0
    end = data.find(b"\n", last.start())
    while end != -1 and data[:end].rstrip().endswith((b"(", b",", b"\\")):  # a wrapped import
        end = data.find(b"\n", end + 1)
    return len(data) if end == -1 else end + 1


def expressions(text: str, fix: LoaderFix) -> tuple[str, str]:
    """The query the loop iterates, as written and with the loader, on the probe's session."""
    data = text.encode("utf-8")
    start, end = fix.expression
    changes = [(fix.insert_at, fix.insert_at, fix.loader.encode())]
    if fix.session is not None:
        changes.append((fix.session[0], fix.session[1], b"__ubiq_session"))

    def apply(selected: list[tuple[int, int, bytes]]) -> str:
        piece = data[start:end]
        for a, b, new in sorted(selected, reverse=True):
            piece = piece[: a - start] + new + piece[b - start :]
        return " ".join(piece.decode("utf-8").split())  # one line: a wrapped query evaluates the same

    session = changes[1:]
    return apply(session), apply(changes)


def verify(path: Path, text: str, fix: LoaderFix, schema: SqlSchema) -> Verdict:
    """Run the probe; never raises (a project that does not import is a reason, not an error)."""
    if fix.model not in schema.model_files:
        return Verdict(False, f"{fix.model} is not a model class Ubiq read")
    try:
        arguments = _arguments(path, text, fix, schema)
    except (OSError, ValueError) as exc:
        return Verdict(False, str(exc))
    return _probe(json.dumps(arguments, sort_keys=True), _python(path))


def _arguments(path: Path, text: str, fix: LoaderFix, schema: SqlSchema) -> dict:
    before, after = expressions(text, fix)
    root, dotted = import_location(path)
    imports = list(module_imports(text, dotted).values())
    if fix.needs_import:
        imports.append(f"from sqlalchemy.orm import {fix.needs_import}")
    roots = {str(root)}
    modules: set[str] = set()
    orm = "django" if fix.django else "sqlalchemy"
    for model_file, kind in set(schema.model_files.values()):
        if (kind == "django") != fix.django:
            continue
        model_root, model_module = import_location(Path(model_file))
        roots.add(str(model_root))
        modules.add(model_module)
    arguments = {
        "orm": orm,
        "model": fix.model,
        "relation": fix.relation,
        "calls": list(fix.calls),
        "before": before,
        "after": after,
        "imports": imports,
        "roots": sorted(roots),
        "modules": sorted(modules),
    }
    if fix.django:
        apps = sorted({_django_app(m) for m in modules} - {""})
        if not apps:
            raise ValueError("the models are not inside a Django app package")
        arguments["apps"] = apps
        arguments["labels"] = [app.rsplit(".", 1)[-1] for app in apps]
    return arguments


def _django_app(module: str) -> str:
    """`shop.models` or `shop.models.order` → `shop`: the package Django installs as the app."""
    parts = module.split(".")
    if "models" in parts:
        return ".".join(parts[: parts.index("models")])
    return ".".join(parts[:-1])


@lru_cache(maxsize=64)
def _probe(arguments: str, python: str) -> Verdict:
    """Cached by the whole question: the same file text and fix are not run twice."""
    parsed = json.loads(arguments)
    workdir = make_workdir()
    (workdir / "probe.json").write_text(arguments, encoding="utf-8")
    result = run(
        [python, str(PROBE), str(workdir / "probe.json")],
        workdir,
        [Path(r) for r in parsed["roots"]],
        TIMEOUT_S,
    )
    if result.timed_out:
        return Verdict(False, f"the generated test ran past {TIMEOUT_S:.0f} s")
    try:
        outcome = json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        log.info("loader probe: rc=%s %s", result.returncode, result.stderr[-2000:])
        return Verdict(
            False, "the generated test did not run: " + (result.stderr.strip()[-300:] or "no output")
        )
    if "error" in outcome:
        return Verdict(False, f"the generated test failed: {outcome['error']}")
    before, after = outcome["before"], outcome["after"]
    if outcome["rows"] < 2:
        return Verdict(False, "the query returned fewer than two rows on the scratch database", before, after)
    if not outcome["same"]:
        return Verdict(False, "with the loader the loop saw different rows", before, after)
    if after >= before:
        return Verdict(False, f"the loader did not save queries ({before} → {after})", before, after)
    return Verdict(True, f"{before} → {after} queries on a scratch database, same rows", before, after)


def _python(path: Path) -> str:
    """The project's own interpreter (its `.venv` or `venv`) has its ORM; else the one Ubiq runs on."""
    root = find_project_root(path)
    for folder in (".venv", "venv"):
        candidate = root / folder / "bin" / "python"
        if candidate.is_file():
            return str(candidate)
    return sys.executable
