"""Lookup benchmark: a province-sized lookup.sqlite (10 million payments by default),
measured three ways in one run, with the same mix of queries (half hits, half misses):

1. bare in-process SQLite: HMAC the ID + name, indexed SELECT (the floor);
2. our API over HTTP (uvicorn, one worker): the whole POST /api/v1/lookup path;
3. Datasette serving the same table: GET /<db>/payments.json?query_key=… (the
   client computes the key: Datasette cannot).

    HUINONG_DEMO=1 python -m benchmarks.lookup [--records 10000000] [--seconds 20] [--clients 4]

Datasette comes from the ``bench`` extra (``pip install -e '.[bench]'``); it is
not a project dependency.  The database is built once into --workdir and
reused while its record count matches (``--rebuild`` to force).  People are
made-up (generator.synth's name pool and province regions), IDs are valid.
"""

from __future__ import annotations

import argparse
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


class Stats:
    def __init__(self, name: str, latencies: list[float], seconds: float, errors: int = 0):
        self.name, self.latencies, self.seconds, self.errors = name, sorted(latencies), seconds, errors

    def pct(self, p: float) -> float:
        return self.latencies[min(len(self.latencies) - 1, int(p / 100 * len(self.latencies)))] * 1000

    def line(self) -> str:
        return (f"| {self.name} | {len(self.latencies):,} | {len(self.latencies) / self.seconds:,.0f} | "
                f"{self.pct(50):.2f} | {self.pct(99):.2f} | {self.errors} |")


def bench_sqlite(path: Path, keyer: Keyer, work, seconds: float) -> Stats:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    query = "SELECT * FROM payments WHERE query_key = ?"
    lat = []
    started = time.perf_counter()
    i = 0
    while time.perf_counter() - started < seconds:
        id18, name = work[i % len(work)]
        t = time.perf_counter()
        conn.execute(query, (keyer.query_key(id18, name),)).fetchall()
        lat.append(time.perf_counter() - t)
        i += 1
    return Stats("SQLite in-process (HMAC + indexed SELECT)", lat, time.perf_counter() - started)


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


def run_clients(name: str, port: int, requests: list, clients: int, seconds: float) -> Stats:
    chunks = [requests[k::clients] for k in range(clients)]
    _client((port, requests[:200], 2.0))  # warm-up
    started = time.perf_counter()
    with mp.get_context("spawn").Pool(clients) as pool:
        results = pool.map(_client, [(port, c, seconds) for c in chunks])
    elapsed = time.perf_counter() - started
    return Stats(name, [x for lat, _e in results for x in lat], elapsed, sum(e for _l, e in results))


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
    except Exception:
        proc.kill()
        print(proc.stderr.read().decode(errors="replace")[-2000:], file=sys.stderr)
        raise
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def bench_api(path: Path, work, clients: int, seconds: float) -> Stats:
    port = free_port()
    env = {**os.environ, "HUINONG_DEMO": "1", "LOOKUP_DB": str(path), "LOOKUP_SITE_DIR": "/nonexistent",
           "LOOKUP_RATE_CLIENT": "1000000000/day", "LOOKUP_RATE_ID": "1000000000/day", "LOOKUP_AUDIT_LOG": os.devnull}
    proc = serve([sys.executable, "-m", "uvicorn", "lookup_api.main:app", "--port", str(port), "--no-access-log",
                  "--log-level", "warning"], env, port, "/api/v1/health")
    try:
        requests = [("POST", "/api/v1/lookup", json.dumps({"id_number": i, "name": n}).encode(),
                     {"Content-Type": "application/json"}) for i, n in work]
        return run_clients(f"our API over HTTP (POST /api/v1/lookup, {clients} clients)", port, requests, clients, seconds)
    finally:
        stop(proc)


def bench_datasette(path: Path, keyer: Keyer, work, clients: int, seconds: float) -> Stats | None:
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
        return run_clients(f"Datasette (GET /{db}/payments.json?query_key=…, {clients} clients)", port, requests,
                           clients, seconds)
    finally:
        stop(proc)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.lookup", description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--seconds", type=float, default=20.0, help="measuring time per contender")
    ap.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients (processes, keep-alive)")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "huinong-bench")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args(argv)
    keyer = load_key()
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / "lookup.sqlite"
    people = -(-args.records // PAYMENTS_PER_PERSON)  # at least --records
    existing = None
    if path.exists() and not args.rebuild:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
            existing = dict(c.execute("SELECT key, value FROM meta")).get("records")
    if existing != str(people * PAYMENTS_PER_PERSON):
        print(f"building {people * PAYMENTS_PER_PERSON:,} payments into {path} ...")
        print(f"built in {build(path, args.records, keyer):.0f} s")
    size = path.stat().st_size / 2**30
    print(f"database: {people * PAYMENTS_PER_PERSON:,} payments of {people:,} people, {size:.2f} GiB; "
          f"{os.cpu_count()} CPUs; {args.seconds:.0f} s per contender; queries half hits, half misses")
    work = workload(people, 20_000)
    results = [bench_sqlite(path, keyer, work, args.seconds), bench_api(path, work, args.clients, args.seconds),
               bench_datasette(path, keyer, work, args.clients, args.seconds)]
    print()
    print("| contender | requests | requests/s | p50 ms | p99 ms | non-200 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for s in results:
        if s is not None:
            print(s.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
