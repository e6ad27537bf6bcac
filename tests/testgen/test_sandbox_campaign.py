"""Hostile generated test bodies, 17 kinds, each run 3 times in the sandbox (issue 19): none may
reach the network, write outside its folder, change or delete the project's files, read the
credentials under a home folder or the environment's secrets, signal or read its parent, escape
through a symlink or /proc, fork past the process limit through ctypes, or hold this process's
memory with its output; each fails alone and the run goes on."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from lsp_server.testgen import runner, sandbox
from lsp_server.testgen.cases import Case
from lsp_server.testgen.targets import load_module
from tests.conftest import REPO

SECRET = "UBIQ_SECRET_CANARY_4e1d"
OUTSIDE = Path("/work/ubiq-campaign-escaped")
ROUNDS = 3


def attacks(project: Path, home: Path) -> dict[str, list[str]]:
    """name → setup statements; the test passes (the attack worked) only if none of them raises."""
    victim, key = project / "victim.py", home / ".ssh" / "id_rsa"
    return {
        "connect": ["import socket", "socket.create_connection(('127.0.0.1', 22), timeout=2).close()"],
        "resolve": ["import socket", "socket.getaddrinfo('pypi.org', 443)"],
        "write_outside": [f"open({str(OUTSIDE)!r}, 'w').write('escaped')"],
        "change_project": [f"open({str(victim)!r}, 'a').write('# changed')"],
        "delete_project": ["import os", f"os.remove({str(victim)!r})"],
        "read_ssh_key": [f"assert open({str(key)!r}).read().startswith('UBIQ')"],
        "read_env_secret": ["import os", "assert os.environ.get('UBIQ_CAMPAIGN_SECRET')"],
        "proc_environ": [
            "import glob",
            "assert any('UBIQ_CAMPAIGN_SECRET' in open(p, errors='replace').read() "
            "for p in glob.glob('/proc/[0-9]*/environ') if __import__('os').access(p, 4))",
        ],
        "signal_parent": ["import os, signal", "os.kill(os.getppid(), signal.SIGKILL)", "assert False"],
        "symlink_escape": ["import os", f"os.symlink({str(OUTSIDE)!r}, 'ln')", "open('ln', 'w').write('x')"],
        "ctypes_system": [
            "import ctypes",
            f"assert ctypes.CDLL(None).system(b'touch {OUTSIDE}') == 0",
            f"assert __import__('os').path.exists({str(OUTSIDE)!r})",
        ],
        "subprocess": ["import subprocess", f"subprocess.run(['touch', {str(OUTSIDE)!r}], check=True)"],
        "memory": ["block = bytearray(8 << 30)"],
        "output_flood": ["import sys", "sys.stdout.write('x' * (200 << 20))", "assert False"],
        "sleep_forever": ["import time", "time.sleep(10**9)"],
        "chmod_project": ["import os", f"os.chmod({str(project)!r}, 0o777)"],
        # Bounded (200 forks, each child gone in 5 s) so that a machine with no limit survives it.
        "ctypes_fork_bomb": [
            "namespace = {}",
            "exec("
            + repr(
                "import ctypes, os, time\n"
                "libc, started = ctypes.CDLL(None), 0\n"
                "for _ in range(200):\n"
                "    pid = libc.fork()\n"
                "    if pid == 0:\n"
                "        time.sleep(5)\n"
                "        os._exit(0)\n"
                "    if pid < 0:\n"
                "        break\n"
                "    started += 1\n"
            )
            + ", namespace)",
            f"assert namespace['started'] > {sandbox.MAX_PROCESSES}",
        ],
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(REPO / "tests" / "data" / "hostile" / "hostile.py", root / "hostile.py")
    (root / "victim.py").write_text("VALUE = 1\n")
    return root


def test_no_hostile_body_escapes(project: Path, tmp_path: Path, monkeypatch):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text(SECRET)
    monkeypatch.setenv("HOME", str(home))  # the sandbox hides the credentials under this home
    monkeypatch.setenv("UBIQ_CAMPAIGN_SECRET", SECRET)
    OUTSIDE.unlink(missing_ok=True)
    module = load_module(project / "hostile.py")
    before = (project / "victim.py").read_text(), oct(os.stat(project).st_mode)
    bodies = attacks(project, home)
    cases = [
        Case(target=name, name=name, setup=setup, call="1", expected="1", function=f"test_{name}_{n}")
        for n in range(ROUNDS)
        for name, setup in bodies.items()
    ]
    report = runner.run_cases(module, cases, timeout=60, coverage=False)
    escaped = [name for name, outcome in report.outcomes.items() if outcome.status == "passed"]
    if not sandbox.process_limited():  # root without cgroups, and nobody cannot run this Python
        assert "no process-count limit" in sandbox.isolation()  # said to the user, at least
        escaped = [name for name in escaped if not name.startswith("test_ctypes_fork_bomb")]
    assert escaped == [], {name: report.outcomes[name].message for name in escaped}
    missing = [name for name, outcome in report.outcomes.items() if outcome.status == "missing"]
    assert missing == []  # each body ran, and failed: a run that never started proves nothing
    assert len(report.outcomes) == len(cases) == 17 * ROUNDS
    assert not OUTSIDE.exists()
    assert ((project / "victim.py").read_text(), oct(os.stat(project).st_mode)) == before
    assert SECRET not in "".join(o.message for o in report.outcomes.values())
    assert sandbox._bwrap_works() or "NOT network-isolated" in sandbox.isolation()
