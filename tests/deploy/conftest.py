"""The deployment of deploy/ on loopback: nginx on deploy/nginx.conf, two API processes and one
redis-server (tests/deploy/stack.py), shared by the tests of this package."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

import pytest

from tests.deploy.stack import CLIENT_LIMIT, Stack, build_site, nginx_binary, start_nginx, stop, wait_port
from tests.helpers import free_port

_sources = iter(f"127.0.{b}.{c}" for b in range(10, 250) for c in range(2, 250))
_lock = threading.Lock()


@pytest.fixture
def source() -> str:
    """A loopback address no other test has used: its own rate-limit bucket."""
    with _lock:
        return next(_sources)


@pytest.fixture(scope="package")
def stack(tmp_path_factory):
    """nginx on deploy/nginx.conf -> two API processes -> one redis-server, serving the tiny build."""
    nginx, redis = nginx_binary(), shutil.which("redis-server")
    if nginx is None or redis is None:
        pytest.skip("nginx or redis-server is not installed (scripts/system-deps.sh test installs them)")
    tmp = tmp_path_factory.mktemp("deploy")
    public = tmp / "public"
    redis_port = free_port()
    api_ports = [free_port(), free_port()]
    audit_logs = [tmp / f"audit-{i}.log" for i in range(2)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUINONG_", "LOOKUP_"))}
    env.update({
        # The variables deploy/compose.yaml sets, with this machine's values.
        "HUINONG_DEMO": "1",
        "LOOKUP_DB": str(public / "lookup.sqlite"),
        "LOOKUP_SITE_DIR": "",
        "LOOKUP_RATE_STORAGE": f"redis://127.0.0.1:{redis_port}/0",
        "LOOKUP_TRUSTED_PROXIES": "127.0.0.1",  # nginx connects to the API from 127.0.0.1
        "LOOKUP_RATE_CLIENT": f"{CLIENT_LIMIT}/minute",
        "LOOKUP_RATE_ID": "1000/minute",
    })
    stack = Stack(public, redis_port, api_ports, [], audit_logs, 0, tmp,
                  [{**env, "LOOKUP_AUDIT_LOG": str(log)} for log in audit_logs])
    redis_proc = None
    try:
        redis_proc = subprocess.Popen([redis, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no", "--dir", str(tmp)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for i in range(2):
            stack.start_api(i)
        build_site(tmp)  # while the API processes start
        for i in range(2):
            stack.wait_api(i)
        wait_port(redis_port, redis_proc, "redis-server", 10)
        stack.nginx_proc, stack.nginx_port = start_nginx(tmp / "nginx", api_ports=api_ports, root=public / "site")
        yield stack
    finally:
        for proc in [stack.nginx_proc, *stack.api_procs, redis_proc]:
            if proc is not None:
                stop(proc)
