"""The pids cgroup that stops a fork bomb where RLIMIT_NPROC cannot (root; `ctypes` forks that the
guard's `os.fork` replacement does not see): real cgroups, real forks, where this machine lets
Ubiq make them (the test says why it is skipped elsewhere)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lsp_server.testgen.pids import PidsLimit

BOMB = """
import ctypes, os, time
libc, started = ctypes.CDLL(None), 0
for _ in range(40):
    pid = libc.fork()
    if pid == 0:
        os.close(1), os.close(2)  # the pipes the test reads: theirs alone otherwise
        time.sleep(30)
        os._exit(0)
    if pid < 0:
        break
    started += 1
print(started)
"""


@pytest.fixture
def group():
    made = PidsLimit.make(8)
    if made is None:
        pytest.skip("this machine lets Ubiq make no pids cgroup (not root, or no pids controller)")
    yield made
    made.close()


def test_forks_stop_at_the_limit_and_what_is_left_is_killed(group: PidsLimit):
    run = subprocess.run([sys.executable, "-c", BOMB], preexec_fn=group.join, capture_output=True, text=True)
    assert int(run.stdout) == 7  # eight processes in all: the bomb and seven children
    assert (group.path / "cgroup.procs").read_text().split()  # its children outlived it
    group.close()
    assert not group.path.exists()


def test_a_group_left_by_a_killed_ubiq_is_removed(group: PidsLimit):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = group.path.parent / f"ubiq-sandbox-{gone.pid}-0"
    stale.mkdir()
    another = PidsLimit.make(8)
    assert another is not None and not stale.exists()
    another.close()
