"""咨询与投诉 benchmark: submissions and follow-ups through the real API over HTTP, on SQLite
and, when PostgreSQL is installed, on PostgreSQL.

    HUINONG_DEMO=1 python -m benchmarks.cases [--seconds 15] [--clients 4] [--postgresql auto|off|URL]

The API runs as it is deployed (``uvicorn lookup_api.main:app``, one worker, rate limits on
with memory storage and limits set high, audit log to /dev/null) against a lookup.sqlite built
from the committed sample (629 villages, its programmes; cached in --workdir) and a fresh,
empty cases database:

1. **submit**: each client process, on a keep-alive connection, takes a challenge
   (``GET /api/v1/cases/challenge``), solves it and posts a case (``POST /api/v1/cases``):
   the four kinds in turn, villages spread over every county, three quarters with a phone and
   a name (three Fernet encryptions per case), the rest anonymous 举报 or without a programme.
   The proof-of-work is set to 8 bits so that the clients measure the server, not their own
   hashing: checking a solution is one SHA-256 whatever the difficulty (a browser at the
   default 17 bits spends a second or two on it before posting, which costs the server nothing);
2. **follow-up**: the clients look up the cases made in step 1 (``GET /api/v1/cases/{件号}``
   with ``X-Query-Code``): the keyed hash of the 查询码, the case, its events and rating.

PostgreSQL: ``auto`` starts a throwaway cluster from the Debian package (as the tests do, but
with the default durability: fsync and synchronous_commit on), a URL uses that database
(it must be empty or hold only cases of earlier runs), ``off`` skips it.  SQLite is the
default configuration (WAL, synchronous=NORMAL).  After each run the 件号 are checked: all
distinct, none lost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing as mp
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.lookup import Stats, _client, free_port, serve, stop
from lookup_api.cases.pow import solve

REPO = Path(__file__).resolve().parents[1]
KINDS = ("咨询", "投诉", "举报", "上门服务")
POW_BITS = 8
UNLIMITED = "1000000000/day"


def lookup_db(workdir: Path, rebuild: bool = False) -> Path:
    """lookup.sqlite of the committed sample (places, programmes), made by the index stage alone."""
    from generator import index
    from generator.context import LOOKUP_DB, BuildContext
    from generator.check import check
    from huinong_core.version import CST, DataVersion
    from generator.writer import Writer

    out = workdir / "sample-public"
    path = out / LOOKUP_DB
    if path.exists() and not rebuild:
        return path
    dataset, problems = check(REPO / "data")
    if problems:
        raise SystemExit(f"data/ has {len(problems)} problems; run python -m generator check")
    writer = Writer(out)
    now = dt.datetime.now(CST).replace(microsecond=0)
    index.write(BuildContext(REPO / "data", dataset, None, now.date(), DataVersion("benchmark", now), writer))
    writer.commit()
    return path


def _submitter(args) -> tuple[list[float], list[float], int, list[tuple[str, str]]]:
    port, villages, programmes, seconds, seed = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    challenge_lat, submit_lat, errors, made = [], [], 0, []
    i = seed
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        t = time.perf_counter()
        conn.request("GET", "/api/v1/cases/challenge")
        resp = conn.getresponse()
        challenge = json.loads(resp.read())
        challenge_lat.append(time.perf_counter() - t)
        kind = KINDS[i % len(KINDS)]
        body = {"kind": kind, "village": villages[(i * 7919) % len(villages)],
                "content": f"第{i}件：我家的补贴今年还没有到账，村里说已经报上去了，请帮忙查一查。",
                "challenge": challenge["challenge"], "pow": solve(challenge["challenge"], challenge["bits"])}
        if kind == "举报" and i % 2:
            body["anonymous"] = True
        else:
            body.update(phone=f"139{i % 100_000_000:08d}", name="王秀英")
        if i % 3:
            body["programme"] = programmes[i % len(programmes)]
        payload = json.dumps(body, ensure_ascii=False).encode()
        t = time.perf_counter()
        conn.request("POST", "/api/v1/cases", body=payload, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        answer = resp.read()
        submit_lat.append(time.perf_counter() - t)
        if resp.status == 201:
            made.append((json.loads(answer)["number"], json.loads(answer)["query_code"]))
        else:
            errors += 1
        i += 1_000  # each client its own residue class: different villages, kinds and phones
    return challenge_lat, submit_lat, errors, made


def places(db: Path) -> tuple[list[str], list[str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        villages = [str(v) for (v,) in c.execute("SELECT village FROM places ORDER BY village")]
        programmes = [p for (p,) in c.execute("SELECT code FROM programmes WHERE end_year IS NULL ORDER BY code")]
    return villages, programmes


def run(label: str, db: Path, cases_env: dict, clients: int, seconds: float) -> tuple[list[Stats], dict]:
    port = free_port()
    env = {**os.environ, "HUINONG_DEMO": "1", "LOOKUP_DB": str(db), "LOOKUP_SITE_DIR": "",
           "LOOKUP_AUDIT_LOG": os.devnull, "LOOKUP_CASES_POW_BITS": str(POW_BITS),
           **{f"LOOKUP_RATE_{k}": UNLIMITED for k in ("CLIENT", "ID", "SEARCH", "CASES", "CASES_NOJS", "CASE_VIEW",
                                                      "CASE_NUMBER", "LOGIN")},
           **cases_env}
    for k in ("CASES_DATABASE_URL", "LOOKUP_CASES_DB"):
        if k not in cases_env:
            env.pop(k, None)
    proc = serve([sys.executable, "-m", "uvicorn", "lookup_api.main:app", "--port", str(port), "--no-access-log",
                  "--log-level", "warning"], env, port, "/api/v1/health")
    villages, programmes = places(db)
    try:
        warm = _submitter((port, villages, programmes, 0.5, 999))  # opens (and migrates) the cases database
        ctx = mp.get_context("spawn")
        started = time.perf_counter()
        with ctx.Pool(clients) as pool:
            out = pool.map(_submitter, [(port, villages, programmes, seconds, k) for k in range(clients)])
        elapsed = time.perf_counter() - started
        made = [m for o in out for m in o[3]]
        errors = sum(o[2] for o in out)
        stats = [Stats.of(f"{label}: GET /api/v1/cases/challenge", [x for o in out for x in o[0]], elapsed),
                 Stats.of(f"{label}: POST /api/v1/cases", [x for o in out for x in o[1]], elapsed, errors)]
        flows = len(made) / elapsed
        chunks = [made[k::clients] for k in range(clients)]
        started = time.perf_counter()
        with ctx.Pool(clients) as pool:
            # Follow-ups are plain keep-alive GETs: the lookup benchmark's client does them.
            out = pool.map(_client, [(port, [("GET", f"/api/v1/cases/{n}", None, {"X-Query-Code": c}) for n, c in chunk],
                                      seconds) for chunk in chunks])
        stats.append(Stats.of(f"{label}: GET /api/v1/cases/{{件号}}", [x for o in out for x in o[0]],
                           time.perf_counter() - started, sum(o[1] for o in out)))
    finally:
        stop(proc)
    return stats, {"submissions": len(made), "submissions_per_s": flows, "warm_up": len(warm[3]),
                   "numbers": [n for n, _c in made + warm[3]]}


def check_numbers(label: str, numbers: list[str], added: int) -> str:
    """Every 201 answer's 件号 distinct, and as many new rows as 201 answers."""
    dup = len(numbers) - len(set(numbers))
    ok = not dup and added == len(numbers)
    return (f"{label}: {len(numbers):,} cases accepted (warm-up included), {len(set(numbers)):,} distinct 件号, "
            f"{added:,} new rows in the database" + ("" if ok else " — MISMATCH"))


def count_cases(url: str) -> int:
    """Cases in the database (0 before the API has created the schema)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from lookup_api.cases.store import Store, database_url

    store = Store(database_url(url, Path("-")), upgrade=False)
    try:
        with store.engine.connect() as c:
            return c.execute(text("SELECT count(*) FROM cases")).scalar()
    except SQLAlchemyError:
        return 0
    finally:
        store.dispose()


def durable_cluster():
    """tests/pg.py's throwaway cluster, but with PostgreSQL's default durability."""
    from tests.pg import Cluster

    class Durable(Cluster):
        def start(self):
            self._run(self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C")
            options = f"-p {self.port} -k {self.root} -h 127.0.0.1 -c max_connections=100"
            self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "-t", "60",
                      "start")
            return self

    return Durable()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.cases", description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=15.0, help="measuring time per phase and database")
    ap.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients (processes, keep-alive)")
    ap.add_argument("--postgresql", default="auto", help="auto (throwaway cluster), off, or a database URL")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "huinong-bench")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the sample's lookup.sqlite")
    args = ap.parse_args(argv)
    os.environ.setdefault("HUINONG_DEMO", "1")
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = lookup_db(args.workdir, args.rebuild)
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}; {args.clients} clients; "
          f"{args.seconds:.0f} s per phase; proof-of-work {POW_BITS} bits")
    results: list[Stats] = []
    notes: list[str] = []

    with tempfile.TemporaryDirectory(prefix="huinong-bench-cases-") as tmp:
        sqlite_path = Path(tmp) / "cases.sqlite"
        stats, info = run("SQLite", db, {"LOOKUP_CASES_DB": str(sqlite_path)}, args.clients, args.seconds)
        results += stats
        notes.append(f"SQLite: {info['submissions_per_s']:.1f} complete submissions/s (challenge + post)")
        notes.append(check_numbers("SQLite", info["numbers"], count_cases(f"sqlite:///{sqlite_path}")))

    cluster = None
    url = None
    if args.postgresql == "auto":
        try:
            cluster = durable_cluster().start()
            url = cluster.new_database()
        except (FileNotFoundError, OSError) as e:
            print(f"PostgreSQL 未安装或无法启动，跳过（{e}）", file=sys.stderr)
    elif args.postgresql != "off":
        url = args.postgresql
    if url:
        before = count_cases(url)
        try:
            stats, info = run("PostgreSQL", db, {"CASES_DATABASE_URL": url}, args.clients, args.seconds)
            results += stats
            notes.append(f"PostgreSQL: {info['submissions_per_s']:.1f} complete submissions/s (challenge + post)")
            notes.append(check_numbers("PostgreSQL", info["numbers"], count_cases(url) - before))
        finally:
            if cluster is not None:
                cluster.stop()

    print()
    print("| database: request | requests | requests/s | p50 ms | p99 ms | failed |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for s in results:
        print(f"| {s.name} | {s.requests:,} | {s.rate:,.0f} | {s.p50:.2f} | {s.p99:.2f} | {s.errors} |")
    print()
    for n in notes:
        print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
