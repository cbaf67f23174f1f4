"""`python -m lookup_api`, the deployed command (lookup_api/server.py): real processes on loopback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import httpx
import pytest

from lookup_api.server import worker_count
from tests.helpers import REPO, free_port, start_redis, wait_listening


def test_worker_count(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert worker_count(None, shared_limits=True) == (os.cpu_count() or 1)
    assert worker_count(3, shared_limits=True) == 3
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    assert worker_count(None, shared_limits=True) == 2
    # Limits counted in memory: one process, and more asked for is an error, not a quiet weakening.
    with pytest.raises(SystemExit, match="LOOKUP_RATE_STORAGE"):
        worker_count(None, shared_limits=False)
    monkeypatch.delenv("WEB_CONCURRENCY")
    assert worker_count(None, shared_limits=False) == 1
    with pytest.raises(SystemExit, match="LOOKUP_RATE_STORAGE"):
        worker_count(2, shared_limits=False)


def _env(db, **more) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOOKUP_", "HUINONG_", "WEB_CONCURRENCY"))}
    return {**env, "HUINONG_DEMO": "1", "LOOKUP_DB": str(db), "LOOKUP_SITE_DIR": "", "LOOKUP_AUDIT_LOG": "-", **more}


def _listeners(port: int) -> dict[int, int]:
    """pid -> sockets on `port` in state `state`, as ss(8) shows them."""
    out = subprocess.run(["ss", "-Htnp", "state", "listening", f"( sport = :{port} )"], capture_output=True,
                         text=True, check=True).stdout
    return _pids(out)


def _pids(ss_output: str) -> dict[int, int]:
    counts: dict[int, int] = {}
    for part in ss_output.split("pid=")[1:]:
        pid = int(part.split(",")[0])
        counts[pid] = counts.get(pid, 0) + 1
    return counts


def _gone(pids, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not any(os.path.exists(f"/proc/{p}") and "zombie" not in open(f"/proc/{p}/status").read().lower()
                   for p in pids):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def redis_url(tmp_path):
    proc, port = start_redis(tmp_path)
    yield f"redis://127.0.0.1:{port}/0"
    proc.kill()
    proc.wait(10)


def _start(env: dict, port: int, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lookup_api", "--port", str(port), *args], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.skipif(shutil.which("ss") is None, reason="ss (iproute2) is not installed")
def test_workers_each_listen_and_share_the_connections(sample_db, redis_url):
    port = free_port()
    proc = _start(_env(sample_db, LOOKUP_RATE_STORAGE=redis_url), port, "--workers", "2")
    try:
        wait_listening(port, 60, proc)
        deadline = time.time() + 30
        while len(_listeners(port)) < 2:  # the second worker may still be starting
            assert time.time() < deadline, _listeners(port)
            time.sleep(0.2)
        workers = _listeners(port)
        assert len(workers) == 2 and proc.pid not in workers  # one socket each; the supervisor holds none
        # Sixteen keep-alive connections: the kernel spreads them over both sockets (all on one: 2 in 65,536).
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) for _ in range(16)]
        try:
            assert all(c.get("/api/v1/health").status_code == 200 for c in clients)
            out = subprocess.run(["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
                                 capture_output=True, text=True, check=True).stdout
            serving = _pids(out)
            assert set(serving) == set(workers) and sum(serving.values()) == 16
        finally:
            for c in clients:
                c.close()
        # A worker that dies is replaced; SIGTERM stops them all.
        victim = next(iter(workers))
        os.kill(victim, signal.SIGKILL)
        deadline = time.time() + 60
        while victim in (now := _listeners(port)) or len(now) < 2:
            assert time.time() < deadline and proc.poll() is None, now
            time.sleep(0.2)
        workers = _listeners(port)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(40) == 0
        assert _gone(workers, 10)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_workers_stop_when_their_supervisor_is_killed(sample_db, redis_url):
    if shutil.which("ss") is None:
        pytest.skip("ss (iproute2) is not installed")
    port = free_port()
    proc = _start(_env(sample_db, LOOKUP_RATE_STORAGE=redis_url), port, "--workers", "2")
    try:
        wait_listening(port, 60, proc)
        deadline = time.time() + 30
        while len(_listeners(port)) < 2:
            assert time.time() < deadline
            time.sleep(0.2)
        workers = _listeners(port)
        proc.kill()
        proc.wait(10)
        assert _gone(workers, 15), "orphaned workers still hold the port"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_refuses_several_workers_counting_limits_in_memory(sample_db):
    proc = _start(_env(sample_db), free_port(), "--workers", "2")
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "LOOKUP_RATE_STORAGE" in err.decode()


def test_missing_key_stops_before_any_worker_starts(sample_db, tmp_path):
    env = _env(sample_db, HUINONG_KEY_FILE=str(tmp_path / "none.key"))
    env.pop("HUINONG_DEMO")
    proc = _start(env, free_port())
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "密钥" in err.decode()
