"""The soak (issue 19, part 5): a long replay of mixed editor traffic against one `ubiq serve` —
keystrokes with a completion after each, hovers, code actions, glossary edits in the editor and
`ubiq.stats` — on the glossary sample project (Chinese and English names, a glossary that
flags some of them). What was typed is deleted again after each statement, so the documents at
the end are the ones at the start and the latencies of the first and last windows compare.

A benchmark, not a CI test: `benchmarks/reliability.py --parts 7 --soak-minutes 60`.
"""

from __future__ import annotations

import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import REPO
from tests.reliability.storm import Collector
from tests.reliability.wire import WireServer, message

DATA = REPO / "tests" / "data" / "glossary"
TYPED = "points = order.membership_points + 1\n"
FEATURES = ("completion", "hover", "code_action", "stats")


@dataclass
class Window:
    """One slice of the soak: latencies by feature (ms) and the server's footprint at its end."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {f: [] for f in FEATURES})
    rss_bytes: int = 0
    threads: int = 0
    tasks: int = 0
    glossary_edits: int = 0
    memory: dict[str, float] = field(default_factory=dict)  # RSS in parts (MB), to say why it grew


@dataclass
class SoakReport:
    seconds: float = 0.0
    crashed: str = ""  # why the server stopped, "" if it did not
    errors: list[str] = field(default_factory=list)  # requests answered with an error
    windows: list[Window] = field(default_factory=list)


def project(root: Path) -> Path:
    shutil.copytree(DATA / "shop", root / "shop")
    shutil.copy(DATA / "glossary.yml", root / "glossary.yml")
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\nversion = '0'\n")
    return root


class Soak:
    def __init__(self, server: WireServer, seed: int = 0) -> None:
        self.server = server
        self.rng = random.Random(seed)
        self.collector = Collector(server)
        self._ids = 0
        self.docs: list[dict[str, Any]] = []
        for path in sorted((server.root / "shop").rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if text.count("\n") < 10:
                continue
            lines = text.split("\n")
            bodies = [n for n, line in enumerate(lines) if line.startswith("    ") and line.strip()]
            self._open(path.as_uri(), text, "python")
            self.docs.append({"uri": path.as_uri(), "text": text, "version": 1, "bodies": bodies})
        glossary = server.root / "glossary.yml"
        self.glossary = {"uri": glossary.as_uri(), "text": glossary.read_text(encoding="utf-8"), "version": 1}
        self._open(self.glossary["uri"], self.glossary["text"], "yaml")

    def _open(self, uri: str, text: str, language: str) -> None:
        item = {"uri": uri, "languageId": language, "version": 1, "text": text}
        self.server.send(
            message({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}})
        )

    def _change(self, doc: dict[str, Any], line: int, column: int, end: tuple[int, int], text: str) -> None:
        doc["version"] += 1
        change = {
            "range": {
                "start": {"line": line, "character": column},
                "end": {"line": end[0], "character": end[1]},
            },
            "text": text,
        }
        params = {"textDocument": {"uri": doc["uri"], "version": doc["version"]}, "contentChanges": [change]}
        self.server.send(message({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params}))

    def _request(self, method: str, params: Any) -> tuple[float, dict[str, Any]]:
        self._ids += 1
        started = time.monotonic()
        answer = self.collector.request(method, params, f"soak-{self._ids}", timeout=120)
        return 1000 * (time.monotonic() - started), answer

    def statement(self, window: Window, errors: list[str]) -> None:
        """Type one statement on a new line in a function body of a document, a completion after
        each keystroke (awaited, as ghost text is), then delete the line again."""
        doc = self.rng.choice(self.docs)
        line = self.rng.choice(doc["bodies"]) + 1
        self._change(doc, line, 0, (line, 0), "    \n")
        column = 4
        for char in TYPED[:-1]:
            self._change(doc, line, column, (line, column), char)
            column += 1
            at = {"textDocument": {"uri": doc["uri"]}, "position": {"line": line, "character": column}}
            ms, answer = self._request("textDocument/inlineCompletion", {**at, "context": {"triggerKind": 2}})
            self._record(window, errors, "completion", ms, answer)
        self._change(doc, line, 0, (line + 1, 0), "")  # the line typed is gone again

    def look_around(self, window: Window, errors: list[str]) -> None:
        """A hover and the code actions somewhere in a document, as a reader moving about makes."""
        doc = self.rng.choice(self.docs)
        lines = doc["text"].split("\n")
        line = self.rng.randrange(len(lines))
        column = self.rng.randrange(max(1, len(lines[line])))
        position = {"line": line, "character": column}
        ms, answer = self._request(
            "textDocument/hover", {"textDocument": {"uri": doc["uri"]}, "position": position}
        )
        self._record(window, errors, "hover", ms, answer)
        span = {"start": position, "end": position}
        params = {"textDocument": {"uri": doc["uri"]}, "range": span, "context": {"diagnostics": []}}
        ms, answer = self._request("textDocument/codeAction", params)
        self._record(window, errors, "code_action", ms, answer)

    def edit_glossary(self, window: Window) -> None:
        """Add a word to avoid to the glossary's first entry, or take it out again: every open file
        is checked again."""
        text = self.glossary["text"]
        marker = "avoid: [order_sn, order no, oid, trade_no"
        at = text.index(marker) + len(marker)
        line = text.count("\n", 0, at)
        column = at - (text.rfind("\n", 0, at) + 1)
        if window.glossary_edits % 2 == 0:
            self._change(self.glossary, line, column, (line, column), ", ordernumber")
        else:
            self._change(self.glossary, line, column, (line, column + len(", ordernumber")), "")
        window.glossary_edits += 1

    def footprint(self, window: Window, errors: list[str]) -> None:
        ms, answer = self._request("workspace/executeCommand", {"command": "ubiq.stats", "arguments": []})
        self._record(window, errors, "stats", ms, answer)
        process = answer.get("result", {}).get("process", {})
        window.rss_bytes = process.get("rss_bytes", 0)
        window.threads = process.get("threads", 0)
        window.tasks = process.get("tasks", 0)
        cache = answer.get("result", {}).get("kv_cache", {})
        window.memory = {
            "malloc_in_use": process.get("malloc_in_use_bytes", 0) / (1 << 20),
            "malloc_free": process.get("malloc_free_bytes", 0) / (1 << 20),
            "python_blocks_k": process.get("python_blocks", 0) / 1000,
            "handlers_held": process.get("handlers_in_flight", 0),  # 1: the stats request itself
            "kv_saved": cache.get("memory_used_mb", 0.0),
            "token_memo_chars_m": cache.get("token_memo", {}).get("chars", 0) / 1e6,
        }

    @staticmethod
    def _record(window: Window, errors: list[str], feature: str, ms: float, answer: dict[str, Any]) -> None:
        window.latencies[feature].append(ms)
        if "error" in answer and answer["error"].get("code") != -32800:
            errors.append(f"{feature}: {answer['error']}")


def soak(server: WireServer, seconds: float, windows: int = 6, seed: int = 0) -> SoakReport:
    """Mixed traffic for `seconds`, measured in `windows` equal slices (see the module docstring)."""
    report = SoakReport()
    run = Soak(server, seed)
    started = time.monotonic()
    slice_s = seconds / windows
    for n in range(windows):
        window = Window()
        report.windows.append(window)
        end = started + (n + 1) * slice_s
        step = 0
        try:
            while time.monotonic() < end:
                run.statement(window, report.errors)
                run.look_around(window, report.errors)
                if step % 5 == 4:
                    run.edit_glossary(window)
                step += 1
            run.footprint(window, report.errors)
        except AssertionError as exc:  # no answer: the server is gone or hangs
            code = server.process.poll()
            report.crashed = f"exit code {code}" if code is not None else f"no answer: {exc}"
            break
    report.seconds = time.monotonic() - started
    return report
