"""`python -m lookup_api`: the API as deployed (the Dockerfile's CMD).

One uvicorn worker per CPU by default (``--workers``, else ``WEB_CONCURRENCY``, else the CPU
count), with uvicorn's fast parts (httptools, uvloop: ``uvicorn[standard]``).  Each worker binds
its own listening socket to the same port with ``SO_REUSEPORT``, so the kernel spreads incoming
connections over the workers by a hash of the connection.  uvicorn's own ``--workers`` shares one
socket instead, and whichever worker wakes first takes the connection: with keep-alive
connections from nginx one worker was measured holding 27 of 32 connections, or all of them
(issue 20), so the second CPU sat idle.  Where ``SO_REUSEPORT`` is missing, uvicorn's workers are
used as they are.

The supervisor restarts a worker that dies, stops them all on SIGTERM/SIGINT, and builds the app
once before starting any, so that a missing key or a bad setting is reported once, at once.
Several workers count rate limits apart unless ``LOOKUP_RATE_STORAGE`` names Redis (docs/deploy.md).
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import os
import signal
import socket
import sys
import time
from multiprocessing.connection import wait

import uvicorn
from uvicorn.importer import import_from_string

from huinong_core.errors import HuinongError
from huinong_core.lifeline import bind_to_parent
from lookup_api.config import get_settings
from lookup_api.ratelimit import is_shared

APP = "lookup_api.main:app"
#: A worker that fails sooner than this after its start is not restarted again and again.
MIN_LIFETIME = 5.0


#: No access log: it would hold client addresses; the API writes its own audit line.  No proxy
#: headers: only LOOKUP_TRUSTED_PROXIES decides whom X-Forwarded-For is believed from.
OPTIONS = dict(http="auto", loop="auto", access_log=False, proxy_headers=False, server_header=False,
               log_level="warning", lifespan="off")


def uvicorn_config(app, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, **OPTIONS)


def listening_socket(host: str, port: int) -> socket.socket:
    """This worker's own socket on the shared port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def serve(config: uvicorn.Config, sockets: list[socket.socket] | None = None) -> None:
    config.load()  # builds the app
    # What lives as long as the process (modules, the app, pydantic's compiled validators) leaves
    # the collector's reach: a full collection walked it for 130 ms, stalling every request under way.
    gc.freeze()
    uvicorn.Server(config).run(sockets=sockets)


def run_worker(app: str, host: str, port: int, supervisor: int) -> None:
    # SIGTERM when the supervisor dies (killed, not stopped): uvicorn finishes what it serves, and no
    # orphan keeps the port after the supervisor is replaced.  Gone already: nobody would stop us.
    if not bind_to_parent(supervisor, signal.SIGTERM, 1.0):
        return
    serve(uvicorn_config(app, host, port), [listening_socket(host, port)])


def supervise(app: str, host: str, port: int, workers: int) -> int:
    ctx = mp.get_context("spawn")  # a fresh interpreter each: no threads or connections carried over
    stopping = False

    def start() -> tuple:
        p = ctx.Process(target=run_worker, args=(app, host, port, os.getpid()), daemon=False)
        p.start()
        return p, time.monotonic()

    def stop(_signum, _frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    procs = [start() for _ in range(workers)]
    status = 0
    while not stopping:
        wait([p.sentinel for p, _ in procs], timeout=0.5)
        for i, (p, started) in enumerate(procs):
            if p.is_alive() or stopping:
                continue
            # Failed on its own right after starting (a port taken, a setting refused): starting it
            # again would fail the same way.  Killed by a signal: replace it.
            if p.exitcode > 0 and time.monotonic() - started < MIN_LIFETIME:
                print(f"查询服务进程启动后立即退出（退出码 {p.exitcode}），停止全部进程。", file=sys.stderr)
                stopping, status = True, 1
                break
            procs[i] = start()
    for p, _ in procs:
        if p.is_alive():
            p.terminate()  # SIGTERM: uvicorn finishes the requests under way
    deadline = time.monotonic() + 30
    for p, _ in procs:
        p.join(max(0.1, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
    return status


def worker_count(asked: int | None, shared_limits: bool) -> int:
    """--workers, else WEB_CONCURRENCY, else one per CPU; but one process while the rate limits are
    counted in memory: each worker would count apart, and a guesser would get each budget N times."""
    if asked is None:
        asked = int(os.environ.get("WEB_CONCURRENCY") or 0) or None
    if not shared_limits:
        if asked and asked > 1:
            raise SystemExit("错误：多个工作进程必须共用限流计数：请设置 LOOKUP_RATE_STORAGE=redis://…（docs/deploy.md）。")
        return 1
    return max(1, asked or os.cpu_count() or 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lookup_api", description="个人补贴发放结果查询 API（部署用）")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--workers", type=int, default=None, help="工作进程数（默认 WEB_CONCURRENCY，否则 CPU 核数）")
    ap.add_argument("--app", default=APP, help=argparse.SUPPRESS)  # benchmarks serve their bare endpoint with it
    args = ap.parse_args(argv)
    try:
        # Built here once: a missing key or a bad setting stops us before any worker starts.
        app = import_from_string(args.app)
    except HuinongError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    # (The benchmarks' bare endpoint has no limits to share.)
    workers = worker_count(args.workers, args.app != APP or is_shared(get_settings().rate_storage))
    if workers == 1:
        serve(uvicorn_config(app, args.host, args.port))
        return 0
    if not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(args.app, host=args.host, port=args.port, workers=workers, **OPTIONS)  # one shared socket
        return 0
    return supervise(args.app, args.host, args.port, workers)
