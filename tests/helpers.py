"""Paths and small helpers the tests share. Test modules import them from here; fixtures live in
the conftest.py files (pytest finds those itself, they are not imported)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: The committed sample (237k records).
SAMPLE = REPO / "data"
SHARED = REPO.parent / "shared"
PII_SCAN = SHARED / "tools" / "pii_scan.py"


def require_pii_scan() -> None:
    """The independent scanner is not part of this repository: on a clone without ../shared
    beside it the test skips (CI has it)."""
    if not PII_SCAN.exists():
        pytest.skip(f"{PII_SCAN} not beside the repository (CI has it)")


def independent_pii_scan(*args: str | Path, timeout: int = 600) -> None:
    """Run the independent scanner (../shared/tools/pii_scan.py) and assert it finds nothing.
    Skips where the scanner is absent, so call it last, after the test's own checks."""
    require_pii_scan()
    proc = subprocess.run([sys.executable, str(PII_SCAN), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, timeout: float = 10, proc: subprocess.Popen | None = None) -> None:
    """Until something accepts connections on 127.0.0.1:port (a process of ours that exited: fail at once)."""
    import time

    deadline = time.time() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def start_redis(tmp: Path) -> tuple[subprocess.Popen, int]:
    """A throwaway redis-server on loopback (skips where it is not installed)."""
    import shutil

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (scripts/system-deps.sh test installs it)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port, 10, proc)
    return proc, port


class LoopThread:
    """An event loop of its own in a thread, for coroutines called from sync tests: a sync
    Playwright session keeps a loop running in the main thread, where asyncio.run refuses to."""

    def __init__(self) -> None:
        import asyncio
        import threading

        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro, timeout: float = 60):
        import asyncio

        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    def __enter__(self) -> "LoopThread":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
