"""A process-count limit that binds root too: a `pids` cgroup for one sandboxed run.

RLIMIT_NPROC counts processes per user and root ignores it, and a generated test can fork through
`ctypes` past the guard that replaces `os.fork`. Where this process may create cgroups (root with
cgroup v1's `pids` hierarchy, or at the root of a cgroup v2 tree with the `pids` controller), each
run gets a group whose `pids.max` stops a fork bomb, and whatever is left in it is killed at the
end. Elsewhere `make` returns None and the other layers are what there is.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import signal
import time
from pathlib import Path

log = logging.getLogger(__name__)
V1 = Path("/sys/fs/cgroup/pids")
V2 = Path("/sys/fs/cgroup")
_serial = itertools.count()


class PidsLimit:
    """One run's cgroup: `join` in the child before exec, `close` once the run is over."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._procs = str(path / "cgroup.procs")

    @classmethod
    def make(cls, limit: int) -> PidsLimit | None:
        for base in _bases():
            _sweep(base)
            path = base / f"ubiq-sandbox-{os.getpid()}-{next(_serial)}"
            try:
                path.mkdir()
            except OSError:
                continue
            try:
                (path / "pids.max").write_text(str(limit))
                return cls(path)
            except OSError as exc:
                log.debug("no pids limit in %s: %s", base, exc)
                _remove(path)
        return None

    def join(self) -> None:
        """In the child, before exec: this process and all it starts count against the limit."""
        fd = os.open(self._procs, os.O_WRONLY)
        try:
            os.write(fd, b"0")  # "0": the writing process itself
        finally:
            os.close(fd)

    def close(self) -> None:
        """Kill what is left in the group (a test's stray children), then remove it."""
        for _ in range(100):
            try:
                pids = [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
            except OSError:
                return
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)  # the killed leave the group once the kernel has reaped them
        _remove(self.path)


def _bases() -> list[Path]:
    bases = []
    if (V1 / "cgroup.procs").exists() and not (V1 / "cgroup.controllers").exists():
        bases.append(V1)
    controllers = V2 / "cgroup.controllers"
    own = _own_v2_group()
    if own == "/" and controllers.exists() and "pids" in controllers.read_text().split():
        try:
            (V2 / "cgroup.subtree_control").write_text("+pids")
            bases.append(V2)
        except OSError:
            pass
    return bases


def _sweep(base: Path) -> None:
    """Groups left by a Ubiq process that was killed before it could remove them."""
    for path in base.glob("ubiq-sandbox-*-*"):
        pid = path.name.split("-")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            PidsLimit(path).close()


def _own_v2_group() -> str | None:
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return line[3:]
    except OSError:
        pass
    return None


def _remove(path: Path) -> None:
    try:
        path.rmdir()
    except OSError as exc:
        log.debug("could not remove %s: %s", path, exc)
