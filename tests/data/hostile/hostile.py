"""A module whose functions do what generated tests must never be allowed to do for real."""

import os
import socket
import time


def phone_home(host: str = "127.0.0.1", port: int = 22) -> str:
    """Opens a network connection."""
    with socket.create_connection((host, port), timeout=2) as conn:
        return conn.recv(10).decode()


def write_outside(path: str = "/work/ubiq-hostile-was-here") -> str:
    """Writes a file outside the test's folder."""
    with open(path, "w") as handle:
        handle.write("escaped")
    return path


def fork_bomb(n: int = 10_000) -> int:
    """Forks without limit."""
    children = 0
    for _ in range(n):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        children += 1
    return children


def sleep_forever(seconds: float = 1e9) -> None:
    """Never returns."""
    time.sleep(seconds)
