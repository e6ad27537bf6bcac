"""SIGKILL at random moments while Ubiq writes a user's files (issue 19, part 6).

Each target is a real command on a real project folder (the tiny model where it needs one). It is
run once to learn how long it takes and when its file changes, then killed again and again: half
the kills at a moment drawn from the whole run, half from the quarter second before the file was
seen changed. After every kill each file it writes must be as it was or whole (it parses, or is
otherwise whole by its format), and no temporary file may be left in the folder; afterwards a run
to the end must succeed. The editor's case kills `ubiq serve` while its command is answered with a
workspace edit, which this client applies as an editor does.
"""

from __future__ import annotations

import ast
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import DEFAULT, TINY
from tests.reliability.wire import WireServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TERMS = ["会员积分", "购物车", "优惠券", "订单", "库存", "发票", "退款", "会员等级", "配送", "积分兑换"]
PNG_END = b"IEND\xaeB`\x82"
ATTEMPTS = 4  # a run that ends before its kill is tried again with a moment half as late


@dataclass
class Outcome:
    """What the kills of one target found."""

    target: str
    kills: int = 0
    finished: int = 0  # the command ended before its kill moment
    broken: list[str] = field(default_factory=list)  # files not whole after a kill
    leftovers: list[str] = field(default_factory=list)  # temporary files left in the folder
    rerun: str = ""  # why the run after the kills failed; "" when it succeeded
    seconds: float = 0.0


@dataclass
class Target:
    """A command that writes `outputs` (relative to the project), with a check of each file."""

    name: str
    argv: Callable[[int], list[str]]  # the command line of the i-th run
    outputs: tuple[str, ...]
    whole: Callable[[Path, bytes], str]  # why these bytes are not a whole file of that name, or ""


def _env() -> dict[str, str]:
    return {**os.environ, "UBIQ_THREADS": "1", "UBIQ_ALLOW_UNSANDBOXED": "1"}


def _whole(path: Path, data: bytes) -> str:
    """Whole by the file's own format: what a reader of it would refuse."""
    try:
        if path.suffix == ".py":
            ast.parse(data)
        elif path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".png":
            return "" if data.startswith(b"\x89PNG") and data.endswith(PNG_END) else "a cut PNG"
        elif path.name.endswith((".yml", ".yaml")):
            from lsp_server.glossary.store import Glossary

            scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"kills-{os.getpid()}-{path.name}"
            scratch.write_bytes(data)
            try:
                Glossary.load(scratch, missing_ok=False)
            finally:
                scratch.unlink(missing_ok=True)
        else:
            data.decode("utf-8")
            return "" if data.endswith(b"\n") else "no final newline"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def targets(model: str = TINY) -> dict[str, Target]:
    ubiq = [sys.executable, "-m", "lsp_server"]
    return {
        "er": Target("er", lambda i: [*ubiq, "er", ".", "--out", "er.mmd", "--force"], ("er.mmd",), _whole),
        "glossary": Target(
            "glossary",
            lambda i: [
                *ubiq,
                "glossary",
                "add",
                TERMS[i % len(TERMS)] + ("" if i < len(TERMS) else str(i)),
                "--model",
                model,
                "--force",
            ],  # fmt: skip
            ("glossary.yml",),
            _whole,
        ),
        "eval": Target(
            "eval",
            lambda i: [*ubiq, "eval", ".", "--model", model, "--tasks", "2", "--out", "report"],
            ("report/report.json", "report/report.md", "report/chart.png"),
            _whole,
        ),
        # The tiny model writes no test that passes, so nothing would be written: the default pack.
        "gen-tests": Target(
            "gen-tests",
            lambda i: [
                *ubiq,
                "gen-tests",
                "basics.py",
                "--model",
                DEFAULT,
                "--rounds",
                "1",
                "--tests",
                "2",
                "--budget",
                "60",
                "--force",
            ],  # fmt: skip
            ("tests/test_basics.py",),
            _whole,
        ),
    }


def careless() -> Target:
    """The control: a writer that writes its file in place, in two halves. The campaign must find
    the half-written files it leaves when killed."""
    code = (
        "import time\n"
        "time.sleep(0.3)\n"
        "with open('report.json', 'w') as out:\n"
        "    out.write('{\"tasks\": ['); out.flush(); time.sleep(0.5); out.write(']}')\n"
    )
    return Target("control", lambda i: [sys.executable, "-c", code], ("report.json",), _whole)


BASICS = '''"""Small helpers."""


def double(number):
    """Twice the number."""
    return number * 2


def greet(name):
    """A greeting for a person."""
    if not name:
        return "hello, stranger"
    return "hello, " + name
'''


def project(root: Path) -> Path:
    """A copy of the examples project (two modules, a pyproject) and a module small enough for
    gen-tests to finish quickly: the folder every target runs in."""
    shutil.copytree(EXAMPLES, root, dirs_exist_ok=True)
    (root / "basics.py").write_text(BASICS, encoding="utf-8")
    return root


def _snapshot(root: Path, outputs: tuple[str, ...]) -> dict[str, bytes | None]:
    return {name: (root / name).read_bytes() if (root / name).is_file() else None for name in outputs}


def _temporaries(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob(".*.tmp"))


@dataclass
class _Run:
    seconds: float
    changed_at: float | None  # when the first output changed, seconds after the start
    returncode: int | None  # None: killed
    stderr: str


def run(root: Path, argv: list[str], outputs: tuple[str, ...], kill_at: float | None = None) -> _Run:
    """Run `argv` in `root` in its own process group; SIGKILL the group at `kill_at` seconds."""
    before = _snapshot(root, outputs)
    started = time.monotonic()
    process = subprocess.Popen(
        argv, cwd=root, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    err: list[bytes] = []
    reader = threading.Thread(target=lambda: err.append(process.stderr.read()), daemon=True)
    reader.start()
    changed_at = None
    while process.poll() is None:
        now = time.monotonic() - started
        if kill_at is not None and now >= kill_at:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            break
        if changed_at is None and _snapshot(root, outputs) != before:
            changed_at = now
        time.sleep(0.002)
    seconds = time.monotonic() - started
    reader.join(5)
    killed = kill_at is not None and process.returncode == -signal.SIGKILL
    if changed_at is None and _snapshot(root, outputs) != before:
        changed_at = seconds
    stderr = b"".join(err).decode("utf-8", "replace")
    return _Run(seconds, changed_at, None if killed else process.returncode, stderr)


def _check(root: Path, target: Target, before: dict[str, bytes | None], outcome: Outcome, label: str) -> None:
    for name, old in before.items():
        path = root / name
        data = path.read_bytes() if path.is_file() else None
        if data is None:
            if old is not None:
                outcome.broken.append(f"{label}: {name} was removed")
            continue
        if data != old and (why := target.whole(path, data)):
            outcome.broken.append(f"{label}: {name}: {why}")
    outcome.leftovers += [f"{label}: {name}" for name in _temporaries(root)]


def _moment(rng: random.Random, i: int, whole: float, write: float) -> float:
    """When the i-th kill comes: odd ones in the quarter second up to the moment the file was seen
    changed (so during the write, or just before it), even ones anywhere in the first 90 % of a
    run (any moment, and one that falls before the end even if this run is quicker)."""
    return rng.uniform(max(0.0, write - 0.25), write) if i % 2 else rng.uniform(0, 0.9 * whole)


def campaign(root: Path, target: Target, kills: int, seed: int = 0) -> Outcome:
    """Kill `target` `kills` times in `root` (see the module docstring)."""
    rng = random.Random(seed)
    outcome = Outcome(target.name)
    started = time.monotonic()
    first = run(root, target.argv(0), target.outputs)
    if first.returncode != 0 or first.changed_at is None:
        outcome.rerun = f"the first run failed (rc {first.returncode}): {first.stderr[-2000:]}"
        return outcome
    for i in range(1, kills + 1):
        at = _moment(rng, i, first.seconds, first.changed_at)
        for attempt in range(ATTEMPTS):
            before = _snapshot(root, target.outputs)
            result = run(root, target.argv(i + 100 * attempt), target.outputs, kill_at=at)
            _check(root, target, before, outcome, f"kill {i} at {at:.3f} s")
            if result.returncode is None:
                outcome.kills += 1
                break
            outcome.finished += 1
            at /= 2  # this run was quicker than the first (a warm page cache): earlier
    after = run(root, target.argv(kills + 1), target.outputs)
    if after.returncode != 0:
        outcome.rerun = f"rc {after.returncode}: {after.stderr[-2000:]}"
    else:
        _check(root, target, {name: None for name in target.outputs}, outcome, "rerun")
    outcome.seconds = time.monotonic() - started
    return outcome


class EditorClient(WireServer):
    """A client that applies the server's workspace edits to the files, as an editor does."""

    edited_at: float | None = None  # when the last edit arrived (time.monotonic)

    def reply_to(self, request: dict[str, Any]) -> Any:
        if request["method"] == "workspace/applyEdit":
            self.edited_at = time.monotonic()
            apply_edit(request["params"]["edit"])
            return {"applied": True}
        if request["method"] == "window/showMessageRequest":  # "Add anyway?": yes
            return (request["params"].get("actions") or [None])[0]
        return None


def _offset(text: str, line: int, character: int) -> int:
    """A UTF-16 position (the default encoding) as an index into `text`."""
    lines = text.split("\n")
    start = sum(len(lines[n]) + 1 for n in range(min(line, len(lines))))
    if line >= len(lines):
        return len(text)
    units, index = 0, 0
    for ch in lines[line]:
        if units >= character:
            break
        units += 2 if ord(ch) > 0xFFFF else 1
        index += 1
    return start + index


def apply_edit(edit: dict[str, Any]) -> None:
    """Apply a WorkspaceEdit's file creations and text edits to disk, each file written whole."""
    from pygls.uris import to_fs_path

    from lsp_server.files import write_atomic

    for change in edit.get("documentChanges", []):
        if change.get("kind") == "create":
            path = Path(to_fs_path(change["uri"]))
            if not path.exists():
                write_atomic(path, b"", make_parents=True)
            continue
        path = Path(to_fs_path(change["textDocument"]["uri"]))
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        for text_edit in sorted(
            change["edits"],
            key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
            reverse=True,
        ):
            start = _offset(text, **text_edit["range"]["start"])
            end = _offset(text, **text_edit["range"]["end"])
            text = text[:start] + text_edit["newText"] + text[end:]
        write_atomic(path, text.encode("utf-8"), make_parents=True)


def editor_campaign(root: Path, kills: int, seed: int = 0, model: str = TINY) -> Outcome:
    """Kill `ubiq serve` at random moments while "Add to glossary" is answered (the model drafts,
    the edit comes back, the client applies it); then a new server adds a term to the end."""
    rng = random.Random(seed)
    outcome = Outcome("editor")
    started = time.monotonic()
    outputs = ("glossary.yml",)
    glossary = Target("editor", lambda i: [], outputs, _whole)

    edits: list[float] = []  # when the edit came, seconds after the server started

    def add(term: str, kill_at: float | None, context: str) -> tuple[bool, str]:
        server = EditorClient(root, UBIQ_MODEL=model)
        t0 = time.monotonic()
        timer = None
        if kill_at is not None:
            timer = threading.Timer(kill_at, lambda: server.process.send_signal(signal.SIGKILL))
            timer.start()
        try:
            server.initialize()
            server.wait_for_model()
            reply = server.request(
                "workspace/executeCommand",
                {
                    "command": "ubiq.addGlossaryTerm",
                    "arguments": [{"term": term, "context": context, "force": True}],
                },
            )
            ok = isinstance(reply.get("result"), dict) and "error" not in reply["result"]
            if server.edited_at is not None:
                edits.append(server.edited_at - t0)
            server.close()
            return ok, json.dumps(reply)[:500]
        except (ConnectionError, OSError, queue.Empty):
            server.process.wait()
            return False, "killed"
        finally:
            if timer is not None:
                timer.cancel()
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait()

    t0 = time.monotonic()
    ok, why = add(TERMS[0], None, "Sales")
    if not ok or not edits:
        outcome.rerun = f"the first run failed: {why}"
        return outcome
    whole_run, near = time.monotonic() - t0, edits[0]
    for i in range(1, kills + 1):
        at = _moment(rng, i, whole_run, near)
        for attempt in range(ATTEMPTS):
            before = _snapshot(root, outputs)
            ok, _ = add(TERMS[i % len(TERMS)], at, f"Context{i}-{attempt}")
            _check(root, glossary, before, outcome, f"kill {i} at {at:.3f} s")
            if not ok:
                outcome.kills += 1
                break
            outcome.finished += 1
            at /= 2  # this run was quicker than the first: earlier
    ok, why = add("积分规则", None, "Loyalty")  # each context may name a thing once
    if not ok:
        outcome.rerun = why
    else:
        _check(root, glossary, {"glossary.yml": None}, outcome, "rerun")
    outcome.seconds = time.monotonic() - started
    return outcome
