"""Run generated (untrusted) tests: a subprocess in a temporary folder, with a timeout, resource
limits, a scrubbed environment, no network, and a read-only view of the rest of the machine.

Layers, each used where the machine allows it:
- always: a new session killed as a group on timeout; limits on CPU time, memory, file size, open
  files and processes (a fork bomb stops at the process limit); an environment with nothing but
  PATH, PYTHONPATH and a temporary HOME;
- where cgroups may be made (root): a `pids` cgroup per run, the process limit that binds root
  and `ctypes` forks too (see `pids`); what is left in it is killed when the run ends;
- when running as root: the test runs as `nobody` if this Python is reachable by nobody (the
  process limit then applies, and it cannot write where root could);
- always: a conftest guard makes process creation (fork, exec, subprocess) fail inside tests;
- when bubblewrap works: no network, everything read-only but the work folder, own PID space.
What was available is reported (`isolation()`), so users see how contained their run was.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsp_server.errors import InputError
from lsp_server.testgen.pids import PidsLimit

NOBODY = 65534
MEMORY_BYTES = 2 << 30
MAX_PROCESSES = 64
MAX_FILE_BYTES = 64 << 20
MAX_OUTPUT_BYTES = 4 << 20  # of a run's output kept for the report (pytest's summary is at its end)


@dataclass
class RunResult:
    """How a sandboxed process ended; one that timed out was killed with its group and keeps the
    output it wrote before."""

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool


def _limits(cpu_seconds: int, drop_root: bool = False) -> None:
    """In the child, before exec: new session, resource limits, drop root."""
    os.setsid()
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if drop_root:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))


# Where credentials live under a home folder: hidden from generated code (the rest of the file
# system stays readable, read-only: the code under test and its Python live there).
SECRETS = (".ssh", ".aws", ".gnupg", ".config/gcloud", ".azure", ".kube", ".docker", ".netrc",
           ".git-credentials", ".pypirc", ".config/gh", ".password-store")  # fmt: skip


def _hidden_secrets() -> list[str]:
    args: list[str] = []
    for home in {Path.home(), Path("/root")}:
        for name in SECRETS:
            path = home / name
            try:
                if path.is_dir() and not path.is_symlink():
                    args += ["--tmpfs", str(path)]
                elif path.is_file() and not path.is_symlink():
                    args += ["--ro-bind", "/dev/null", str(path)]
            except OSError:  # not ours to look into
                continue
    return args


def _bwrap_args(workdir: Path) -> list[str]:
    """Everything read-only but the work folder (also TMPDIR), credentials hidden, no network, own
    PID space. /tmp is not replaced by a tmpfs: the Python in use or the code under test may live
    there."""
    return [
        "bwrap",
        "--ro-bind",
        "/",
        "/",
        *_hidden_secrets(),
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--bind",
        str(workdir),
        str(workdir),
        "--unshare-net",
        "--unshare-pid",
        "--die-with-parent",
        "--chdir",
        str(workdir),
        "--",
    ]


@functools.lru_cache(maxsize=1)
def _can_drop_root() -> bool:
    """Root can run tests as nobody only if nobody can reach this Python (not under /root)."""
    if os.geteuid() != 0:
        return False
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "import pytest, coverage"],
            capture_output=True,
            timeout=30,
            cwd="/",
            preexec_fn=lambda: _limits(20, drop_root=True),
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


@functools.lru_cache(maxsize=1)
def _bwrap_works() -> bool:
    if shutil.which("bwrap") is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)
        try:
            probe = subprocess.run(
                [*_bwrap_args(Path(tmp)), sys.executable, "-c", "pass"],
                preexec_fn=lambda: _limits(10),
                capture_output=True,
                timeout=20,
            )
        except (OSError, subprocess.SubprocessError):
            return False
    return probe.returncode == 0


@functools.lru_cache(maxsize=1)
def _pids_cgroup() -> bool:
    group = PidsLimit.make(MAX_PROCESSES)
    if group is None:
        return False
    group.close()
    return True


def process_limited() -> bool:
    """Whether a fork bomb meets a limit here: a pids cgroup, or RLIMIT_NPROC (which binds every
    user but root, and root once it runs the tests as nobody)."""
    return _pids_cgroup() or os.geteuid() != 0 or _can_drop_root()


class NotIsolated(InputError):
    """Generated code would run without bubblewrap's isolation and the user has not allowed it."""


def require_isolation(allowed: bool) -> None:
    """Refuse, before anything runs, where generated code could reach the network or the rest of
    the file system, unless the user said that is acceptable (`--allow-unsandboxed`, the setting
    `testgen.allowUnsandboxed` or UBIQ_ALLOW_UNSANDBOXED=1)."""
    if allowed or _bwrap_works():
        return
    raise NotIsolated(
        "generated tests would run without network or file-system isolation: bubblewrap is missing "
        "or cannot run here",
        "install it (apt install bubblewrap), or accept the risk with --allow-unsandboxed "
        "(editor setting ubiq.testgen.allowUnsandboxed)",
    )


def isolation() -> str:
    """A one-line description of how generated code is contained on this machine."""
    parts = ["timeout", "resource limits", "scrubbed environment", "no new processes"]
    if _can_drop_root():
        parts.append("runs as nobody")
    if _pids_cgroup():
        parts.append(f"at most {MAX_PROCESSES} processes (a pids cgroup)")
    elif os.geteuid() == 0 and not _can_drop_root():
        parts.append("no process-count limit (root, and nobody cannot reach this Python)")
    if _bwrap_works():
        parts.append("no network, read-only file system but its folder (bubblewrap)")
    else:
        parts.append("NOT network-isolated: install bubblewrap (apt install bubblewrap)")
    return ", ".join(parts)


# Loaded by pytest from the work folder before any test: generated tests may not start processes
# (a fork bomb on a machine where neither the process limit nor a cgroup can stop it).
GUARD_CONFTEST = '''"""Ubiq sandbox guard: no new processes from generated tests."""
import os
import subprocess


def _blocked(*args, **kwargs):
    raise PermissionError("starting processes is not allowed in Ubiq's test sandbox")


for _name in ("fork", "forkpty", "system", "popen", "posix_spawn", "posix_spawnp", "spawnv", "spawnve",
              "spawnvp", "spawnvpe", "execv", "execve", "execvp", "execvpe", "execl", "execle", "execlp"):
    if hasattr(os, _name):
        setattr(os, _name, _blocked)


class _NoPopen(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        _blocked()


subprocess.Popen = _NoPopen
'''


def make_workdir() -> Path:
    """A fresh folder for one run, writable by the (possibly unprivileged) test process, with the
    process guard in place."""
    path = Path(tempfile.mkdtemp(prefix="ubiq-tests-"))
    os.chmod(path, 0o777)
    (path / "conftest.py").write_text(GUARD_CONFTEST, encoding="utf-8")
    return path


def run(argv: list[str], workdir: Path, pythonpath: list[Path], timeout: float) -> RunResult:
    """Run `argv` (a Python command) in `workdir` under every containment layer available."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "PYTHONPATH": os.pathsep.join(str(p) for p in pythonpath),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
        # Generated tests need no pytest plugin; the ones installed beside Ubiq (pytest-lsp,
        # hypothesis, anyio…) cost 2 s of start-up per run and could change what a test does.
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    command = [*_bwrap_args(workdir), *argv] if _bwrap_works() else argv
    # Output goes to files the child cannot grow past MAX_FILE_BYTES (RLIMIT_FSIZE stops it), not to
    # pipes this process would have to hold in memory however much a test prints.
    group = PidsLimit.make(MAX_PROCESSES)

    def contain() -> None:
        if group is not None:
            group.join()  # first: joining needs the root that _limits may drop
        _limits(int(timeout) + 1)

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            process = subprocess.Popen(
                command,
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                preexec_fn=contain,
            )
            try:
                process.wait(timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                _kill(process)
                process.wait()
                timed_out = True
        finally:
            if group is not None:
                group.close()
        stdout, stderr = _tail(out), _tail(err)
    return RunResult(-9 if timed_out else process.returncode, stdout, stderr, timed_out)


def _tail(handle: Any) -> str:
    """What the child wrote, at most MAX_OUTPUT_CHARS of it (the end, where pytest's summary is)."""
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - MAX_OUTPUT_BYTES))
    text = handle.read().decode("utf-8", "replace")
    return text if size <= MAX_OUTPUT_BYTES else f"[{size - MAX_OUTPUT_BYTES} bytes of output cut]\n" + text


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
