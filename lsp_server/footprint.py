"""The server's own footprint (memory, threads, asyncio tasks), reported by `ubiq.stats`: what a
storm of requests or an hour of use must leave as it found it.

Resident memory alone cannot say why it grew, so it comes with its parts: what the C allocator
has handed out and what it holds free (llama.cpp's buffers and Python's larger objects live
there, and a fragmented heap shows as free memory that is never returned), and the number of
blocks Python's own allocator has out.
"""

from __future__ import annotations

import asyncio
import collections
import ctypes
import ctypes.util
import gc
import os
import sys
import threading
from functools import cache
from pathlib import Path
from typing import Any


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


@cache
def _mallinfo2() -> Any:
    """The C library's `mallinfo2` (glibc 2.33 and later), or None elsewhere."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        function = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    function.restype = _MallInfo2
    function.argtypes = []
    return function


def _rss_bytes() -> int:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0  # not Linux


def report() -> dict[str, Any]:
    try:
        tasks = len(asyncio.all_tasks())
    except RuntimeError:
        tasks = 0
    data: dict[str, Any] = {
        "rss_bytes": _rss_bytes(),
        "threads": threading.active_count(),
        "tasks": tasks,
        "python_blocks": sys.getallocatedblocks(),
    }
    mallinfo2 = _mallinfo2()
    if mallinfo2 is not None:
        info = mallinfo2()
        data["malloc_in_use_bytes"] = info.uordblks + info.hblkhd
        data["malloc_free_bytes"] = info.fordblks
    return data


def objects_by_type(most: int = 20) -> dict[str, int]:
    """The most common live objects tracked by the garbage collector, by type name: two readings a
    while apart say what a growing count of Python's blocks is made of."""
    counts = collections.Counter(type(o).__name__ for o in gc.get_objects())
    return dict(counts.most_common(most))
