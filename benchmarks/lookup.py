"""Lookup benchmark (issue 20): one lookup.sqlite (2 million payments by default), every contender
in one run with the same query mix (half people in the database, half valid ID numbers that are not):

in process (one thread, no HTTP):
  1. HMAC of ID + name and the indexed SELECT: the limit;
  2. LookupService.lookup: all our lookup logic (parse, limits, HMAC, query, grouping, audit line);
over HTTP on loopback, 32 keep-alive connections from wrk (`--connections`), POST /api/v1/lookup:
  3. our API as deployed: `python -m lookup_api` (the Dockerfile's command), one worker per CPU,
     limits in Redis (a redis-server of its own), all middleware on;
  4. the same with one worker and the limits in memory (`make run`'s kind of set-up), and with as
     many workers as 3 each counting in memory (benchmarks/apart_api.py; not a deployment, each
     worker would count apart: beside 3 it shows what sharing the limits through Redis costs);
  5. the bare endpoint (benchmarks/bare_api.py: JSON in, HMAC, SELECT, JSON out) on the same
     server stack, with as many workers as 3, and with one worker as 4;
  6. Datasette `--immutable` serving the same table (GET …/payments.json?query_key=…; the client
     computes the key, Datasette cannot), facets off.

    HUINONG_DEMO=1 python -m benchmarks.lookup [--records 2000000] [--seconds 15] [--connections 32]

Needs wrk and redis-server (`scripts/system-deps.sh bench`); without wrk the HTTP contenders use
Python client processes instead (slower clients: lower figures).  Datasette comes from the
``bench`` extra (``pip install -e '.[bench]'``).  The limits are on but set high (the workload
comes from one address).  The database is built once into --workdir and reused while its record
count matches (``--rebuild`` to force).  People are made up (generator.synth's name pool and
province regions), ID numbers are valid.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.client
import json
import multiprocessing as mp
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from stdnum.cn import ric

from generator import index, synth
from generator.mask import mask_name
from huinong_core.keys import Keyer, load_key

PREFIXES = ("410421", "410422", "410423", "410425", "410481", "410482", "410402", "410403", "410411", "410404")
DAYS = 60 * 365  # birth dates spread over 60 years
PAYMENTS_PER_PERSON = 3
BATCHES = (("NY001", "耕地地力保护补贴", "耕地地力", "2025", "05-20", 30000),
           ("MZ010", "高龄津贴", "高龄津贴", "2025Q1", "03-18", 30000),
           ("MZ010", "高龄津贴", "高龄津贴", "2025Q2", "06-18", 30000),
           ("MZ002", "农村居民最低生活保障金", "农村低保", "2025Q1", "03-18", 108000),
           ("MZ002", "农村居民最低生活保障金", "农村低保", "2025Q2", "06-18", 108000),
           ("WJ001", "农村计划生育家庭奖励扶助金", "奖励扶助", "2025", "06-28", 96000))
GIVEN = synth.GIVEN_MALE + synth.GIVEN_FEMALE


def person(i: int) -> tuple[str, str]:
    """Person number i: a valid, unique ID number and a name (deterministic, made up)."""
    born = dt.date(1940, 1, 1) + dt.timedelta(days=(i // len(PREFIXES)) % DAYS)
    seq = i // (len(PREFIXES) * DAYS)
    body = f"{PREFIXES[i % len(PREFIXES)]}{born:%Y%m%d}{seq:03d}"
    name = synth.SURNAMES[i % len(synth.SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)] + GIVEN[(i // 131) % len(GIVEN)]
    return body + ric.calc_check_digit(body + "0"), name


def stranger(i: int) -> tuple[str, str]:
    """A valid ID number nobody in the database has (sequence numbers above the people's)."""
    id18, name = person(i)
    body = id18[:14] + "9" + id18[15:17]
    return body + ric.calc_check_digit(body + "0"), name


def build(path: Path, records: int, keyer: Keyer, log=print) -> float:
    started = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = index.create(tmp)
    r = random.Random(20240601)
    regions = list(synth.province_regions(46_000, r))
    villages = [c for c, _n, _p in regions if c[9:] != "000" and c[6:] != "000000"]
    names = {c: n for c, n, _p in regions}
    conn.executemany("INSERT INTO places VALUES (?,?,?,?,?)",
                     [(int(v), names[v], int(v[:9] + "000"), names[v[:9] + "000"], names[v[:6] + "000000"])
                      for v in villages])
    conn.executemany("INSERT INTO windows VALUES (?,?,?,?,?)",
                     [(int(c), f"{n}便民服务中心“一卡通”窗口", f"{n}人民政府", "0375-2661234", synth.HOURS_WINDOW)
                      for c, n, _p in regions if c[9:] == "000" and c[6:9] != "000"])
    conn.executemany("INSERT INTO batches VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     [(i, f"410000-{code}-{period}", code, name, name, short, period, 2025, "示例县财政局",
                       "0375-2661234", "0375-2662345") for i, (code, name, short, period, _d, _a) in enumerate(BATCHES, 1)])
    people = -(-records // PAYMENTS_PER_PERSON)

    def rows():
        for i in range(people):
            id18, name = person(i)
            key = keyer.query_key(id18, name)
            masked = mask_name(name)
            village = int(villages[i % len(villages)])
            tail = f"{(i * 7919) % 10000:04d}"
            for j in range(PAYMENTS_PER_PERSON):
                b = (i + j * 2) % len(BATCHES) + 1
                _code, _n, _s, period, day, amount = BATCHES[b - 1]
                yield (key, b, village, masked, tail, "中国农业银行", "3", amount // 3, amount,
                       f"2025-{day}", "已发放", "")
            if i and i % 1_000_000 == 0:
                log(f"  {i * PAYMENTS_PER_PERSON:,} rows ({time.perf_counter() - started:.0f} s)")

    index.insert_payments(conn, rows())
    index.set_meta(conn, {"schema": index.SCHEMA_VERSION, "commit": "benchmark", "built_at": dt.datetime.now().isoformat(
        timespec="seconds"), "dirty": "false", "label": "benchmark", "first_year": "2021", "last_year": "2025",
        "records": str(people * PAYMENTS_PER_PERSON), "site_name": "基准测试", "supervision_phone": "0375-2661234",
        "id_prefixes": " ".join(PREFIXES)})
    index.finish(conn)
    os.replace(tmp, path)
    return time.perf_counter() - started


def workload(people: int, n: int, seed: int = 7) -> list[tuple[str, str]]:
    r = random.Random(seed)
    work = [person(r.randrange(people)) for _ in range(n // 2)] + [stranger(r.randrange(people)) for _ in range(n // 2)]
    r.shuffle(work)
    return work


@dataclass
class Stats:
    name: str
    requests: int
    seconds: float
    p50: float  # ms
    p99: float  # ms
    errors: int = 0
    cpu_ms: float | None = None  # server CPU time per request (all its processes)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @classmethod
    def of(cls, name: str, latencies: list[float], seconds: float, errors: int = 0) -> "Stats":
        lat = sorted(latencies)
        pct = lambda p: lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000  # noqa: E731
        return cls(name, len(lat), seconds, pct(50), pct(99), errors)


def timed(name: str, call, work, seconds: float) -> Stats:
    """call(id18, name) over the workload for `seconds`, one thread, each call timed."""
    lat = []
    started = time.perf_counter()
    i = 0
    while time.perf_counter() - started < seconds:
        id18, person_name = work[i % len(work)]
        t = time.perf_counter()
        call(id18, person_name)
        lat.append(time.perf_counter() - t)
        i += 1
    return Stats.of(name, lat, time.perf_counter() - started)


def bench_sqlite(path: Path, keyer: Keyer, work, seconds: float) -> Stats:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    query = "SELECT * FROM payments WHERE query_key = ?"
    return timed("in process: HMAC + indexed SELECT (the limit)",
                 lambda i, n: conn.execute(query, (keyer.query_key(i, n),)).fetchall(), work, seconds)


def bench_service(path: Path, work, seconds: float) -> Stats:
    """All our lookup logic without HTTP: LookupService.lookup as the route calls it."""
    from lookup_api.config import Settings
    from lookup_api.main import create_app

    app = create_app(Settings(huinong_demo=True, db=path, site_dir=None, audit_log=os.devnull, **HIGH_LIMITS))
    service = app.state.lookup
    loop = asyncio.new_event_loop()
    try:
        return timed("in process: LookupService.lookup (all our logic)",
                     lambda i, n: loop.run_until_complete(service.lookup("127.0.0.1", i, n)), work, seconds)
    finally:
        loop.close()


#: Limits counted as usual but never reached: the workload comes from one address.
HIGH_LIMITS = {"rate_client": "1000000000/day", "rate_id": "1000000000/day"}
HIGH_LIMITS_ENV = {f"LOOKUP_{k.upper()}": v for k, v in HIGH_LIMITS.items()}


def _client(args) -> tuple[list[float], int]:
    port, requests, seconds = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lat, errors, i = [], 0, 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        method, url, body, headers = requests[i % len(requests)]
        t = time.perf_counter()
        conn.request(method, url, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        lat.append(time.perf_counter() - t)
        errors += resp.status != 200
        i += 1
    return lat, errors


def run_python_clients(name: str, port: int, requests: list, clients: int, seconds: float) -> Stats:
    """The fallback without wrk: client processes on keep-alive connections (http.client)."""
    chunks = [requests[k::clients] for k in range(clients)]
    _client((port, requests[:200], 2.0))  # warm-up
    started = time.perf_counter()
    with mp.get_context("spawn").Pool(clients) as pool:
        results = pool.map(_client, [(port, c, seconds) for c in chunks])
    elapsed = time.perf_counter() - started
    return Stats.of(name, [x for lat, _e in results for x in lat], elapsed, sum(e for _l, e in results))


WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def wrk_script(requests: list, path: Path) -> Path:
    """A wrk Lua script cycling through the requests (method, url, body, headers)."""
    def lua(text: str) -> str:
        return "[==[" + text + "]==]"

    lines = ["reqs = {"]
    for method, url, body, headers in requests:
        hdrs = ", ".join(f"[ {lua(k)} ] = {lua(v)}" for k, v in headers.items())  # "[[" would open a string
        lines.append(f"  {{{lua(method)}, {lua(url)}, {lua(body.decode()) if body else 'nil'}, {{{hdrs}}}}},")
    lines += ["}", "i = 0", "request = function()", "  i = i + 1", "  local r = reqs[(i % #reqs) + 1]",
              "  return wrk.format(r[1], r[2], r[4], r[3])", "end", WRK_DONE]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_wrk(name: str, port: int, script: Path, connections: int, seconds: float, procs: list[int]) -> Stats:
    wrk = shutil.which("wrk")
    base = f"http://127.0.0.1:{port}"
    subprocess.run([wrk, "-t2", f"-c{connections}", "-d2s", "-s", str(script), base], capture_output=True, check=True)
    cpu_before = _cpu_seconds(procs)
    out = subprocess.run([wrk, "-t2", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "10s", "-s", str(script),
                          base], capture_output=True, text=True, check=True).stdout
    cpu = _cpu_seconds(procs) - cpu_before
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{out[-2000:]}")
    requests, duration_us, p50, p99, errors, non200 = map(int, line.split()[1:])
    return Stats(name, requests, duration_us / 1e6, p50 / 1000, p99 / 1000, errors + non200,
                 cpu / max(1, requests) * 1000)


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the server's processes (a supervisor's workers included)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    seen = set()
    todo = list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            todo += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except (OSError, IndexError, ValueError):
            pass
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, path: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


def serve(cmd: list[str], env: dict, port: int, ready: str) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(port, ready, proc)
        time.sleep(2)  # every worker up, not only the first to answer
    except Exception:
        proc.kill()
        print(proc.stderr.read().decode(errors="replace")[-2000:], file=sys.stderr)
        raise
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


@dataclass
class Load:
    """How the HTTP contenders are driven: wrk when installed, else Python clients."""

    connections: int
    seconds: float
    workdir: Path

    def run(self, name: str, port: int, requests: list, server: subprocess.Popen) -> Stats:
        if shutil.which("wrk"):
            script = wrk_script(requests, self.workdir / f"wrk-{port}.lua")
            return run_wrk(name, port, script, self.connections, self.seconds, [server.pid])
        return run_python_clients(name, port, requests, min(self.connections, 4), self.seconds)


def lookup_requests(work) -> list:
    return [("POST", "/api/v1/lookup", json.dumps({"id_number": i, "name": n}, ensure_ascii=False).encode(),
             {"Content-Type": "application/json"}) for i, n in work]


def bench_lookup_api(path: Path, work, load: Load, name: str, app: str, workers: int, redis: str | None) -> Stats:
    port = free_port()
    env = {**os.environ, "HUINONG_DEMO": "1", "LOOKUP_DB": str(path), "LOOKUP_SITE_DIR": "",
           "LOOKUP_AUDIT_LOG": os.devnull, **HIGH_LIMITS_ENV}
    env.pop("WEB_CONCURRENCY", None)
    if redis:
        env["LOOKUP_RATE_STORAGE"] = redis
    proc = serve([sys.executable, "-m", "lookup_api", "--port", str(port), "--workers", str(workers), "--app", app],
                 env, port, "/api/v1/health")
    try:
        return load.run(name, port, lookup_requests(work), proc)
    finally:
        stop(proc)


def bench_datasette(path: Path, keyer: Keyer, work, load: Load) -> Stats | None:
    exe = shutil.which("datasette", path=str(Path(sys.executable).parent)) or shutil.which("datasette")
    if exe is None:
        print("Datasette 未安装，跳过（pip install -e '.[bench]'）", file=sys.stderr)
        return None
    port = free_port()
    proc = serve([exe, "serve", "--immutable", str(path), "--port", str(port), "--setting", "suggest_facets", "off",
                  "--setting", "default_facet_size", "0"], dict(os.environ), port, "/-/versions.json")
    try:
        db = path.stem
        requests = [("GET", f"/{db}/payments.json?query_key={keyer.query_key(i, n)}&_shape=array&_nocount=1", None, {})
                    for i, n in work]
        return load.run("Datasette --immutable (GET …/payments.json?query_key=…)", port, requests, proc)
    finally:
        stop(proc)


def start_redis(workdir: Path) -> tuple[subprocess.Popen, str] | None:
    binary = shutil.which("redis-server")
    if binary is None:
        print("redis-server 未安装：部署方式（多进程）跳过（scripts/system-deps.sh bench）", file=sys.stderr)
        return None
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def table(results: list[Stats]) -> list[str]:
    lines = ["| contender | requests | requests/s | p50 ms | p99 ms | server CPU ms/request | errors |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        cpu = f"{r.cpu_ms:.2f}" if r.cpu_ms is not None else "–"
        lines.append(f"| {r.name} | {r.requests:,} | {r.rate:,.0f} | {r.p50:.2f} | {r.p99:.2f} | {cpu} | {r.errors} |")
    return lines


def ratios(named: dict[str, Stats | None]) -> list[str]:
    """The goals of issue 20 as ratios of this run."""
    out = []

    def ratio(a: str, b: str, text: str) -> None:
        if named.get(a) and named.get(b):
            out.append(f"- {text}: {named[a].rate / named[b].rate:.0%} ({named[a].rate:,.0f} / {named[b].rate:,.0f} requests/s)")

    ratio("deployed", "bare", "our API as deployed / bare endpoint, same workers (goal ≥ 60 %)")
    ratio("apart", "bare", "our API, same workers, limits in memory (not a deployment) / bare endpoint")
    ratio("one", "bare1", "our API, one worker / bare endpoint, one worker")
    ratio("deployed", "datasette", "our API as deployed / Datasette (goal ≥ 10×)")
    if named.get("deployed"):
        out.append(f"- our API as deployed, p99: {named['deployed'].p99:.1f} ms (goal ≤ 25 ms)")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.lookup", description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=2_000_000)
    ap.add_argument("--seconds", type=float, default=15.0, help="measuring time per contender")
    ap.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections (wrk)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="workers of the deployed set-up")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "huinong-bench")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args(argv)
    keyer = load_key()
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"lookup-{args.records}.sqlite"
    people = -(-args.records // PAYMENTS_PER_PERSON)  # at least --records
    existing = None
    if path.exists() and not args.rebuild:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
            existing = dict(c.execute("SELECT key, value FROM meta")).get("records")
    if existing != str(people * PAYMENTS_PER_PERSON):
        print(f"building {people * PAYMENTS_PER_PERSON:,} payments into {path} ...")
        print(f"built in {build(path, args.records, keyer):.0f} s")
    size = path.stat().st_size / 2**30
    load = Load(args.connections, args.seconds, args.workdir)
    driver = "wrk -t2" if shutil.which("wrk") else "Python clients (wrk not installed)"
    print(f"database: {people * PAYMENTS_PER_PERSON:,} payments of {people:,} people, {size:.2f} GiB; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; {args.seconds:.0f} s per contender; "
          f"{args.connections} connections from {driver}; queries half hits, half misses", flush=True)
    work = workload(people, 20_000)
    n = args.workers
    named: dict[str, Stats | None] = {"sqlite": bench_sqlite(path, keyer, work, args.seconds),
                                      "service": bench_service(path, work, args.seconds)}
    redis = start_redis(args.workdir)
    try:
        if redis:
            named["deployed"] = bench_lookup_api(
                path, work, load, f"our API as deployed: python -m lookup_api, {n} workers, limits in Redis",
                "lookup_api.main:app", n, redis[1])
    finally:
        if redis:
            redis[0].kill()
    named["apart"] = bench_lookup_api(
        path, work, load, f"our API, {n} workers, each counting its limits in memory (not a deployment: what Redis "
        "costs)", "benchmarks.apart_api:app", n, None)
    named["one"] = bench_lookup_api(path, work, load, "our API, 1 worker, limits in memory", "lookup_api.main:app", 1,
                                    None)
    named["bare"] = bench_lookup_api(path, work, load, f"bare endpoint, same stack, {n} workers",
                                     "benchmarks.bare_api:app", n, None)
    named["bare1"] = bench_lookup_api(path, work, load, "bare endpoint, same stack, 1 worker",
                                      "benchmarks.bare_api:app", 1, None)
    named["datasette"] = bench_datasette(path, keyer, work, load)
    print()
    print("\n".join(table([s for s in named.values() if s is not None])))
    print()
    print("\n".join(ratios(named)))
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
