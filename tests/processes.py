"""The product's processes started as an operator starts them, for tests that run them side by side.

Each process leads its own process group, so that stopping it stops what it started (Reflex's
granian workers) and nothing else.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """`command` in the project's folder, its output in `log`, in a process group of its own."""
    with log.open("a") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def start_cli(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """`cobro <args>`: the worker, the simulator."""
    return start([sys.executable, "-m", "saas_app.cli", *args], env, log)


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to the process group, as a supervisor stops it; SIGKILL if it does not end in time."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill(process)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL to the process group: no handler runs, nothing is flushed, as when a machine dies."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def wait_until(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.5) -> float:
    """Seconds until `condition()` held; AssertionError naming `what` if it did not within `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)
    return time.monotonic() - started
