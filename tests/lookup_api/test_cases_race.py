"""Concurrent submissions racing for the next 件号 of one county and day, on SQLite and PostgreSQL:
every one succeeds, and no 件号 is given twice or skipped.

Two ways in: many threads, each with its own Store (its own engine and connections, as separate
API processes have), released together by a barrier; and several clients posting at once over
real HTTP to two API servers sharing one database (two replicas).
"""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from lookup_api.cases import secrets as case_secrets
from lookup_api.cases.directory import Directory
from lookup_api.cases.pow import Solved, solve
from lookup_api.cases.service import CaseService, Submission
from lookup_api.cases.store import Store
from tests.golden import DEMO_KEYER
from tests.lookup_api.server import settings_for

THREADS = 24
PER_THREAD = 3


@pytest.fixture
def directory(sample_db):
    return Directory(sqlite3.connect(sample_db, check_same_thread=False))


def numbers_in(url: str) -> list[str]:
    store = Store(url, upgrade=False)
    try:
        with store.engine.connect() as c:
            return [n for (n,) in c.execute(text("SELECT number FROM cases ORDER BY number"))]
    finally:
        store.dispose()


def assert_dense(numbers: list[str], expected: int) -> None:
    """One county, one day: 0001 … expected, each exactly once."""
    assert len(numbers) == len(set(numbers)) == expected
    prefixes = {n[:-4] for n in numbers}
    assert len(prefixes) == 1, prefixes  # (a test crossing midnight UTC+8 would show two days here)
    assert sorted(int(n[-4:]) for n in numbers) == list(range(1, expected + 1))


def test_racing_submissions_through_separate_stores(cases_url, directory):
    Store(cases_url).dispose()  # migrate once, before the race (as `cases migrate` does before replicas start)
    village = next(v for v in directory.places if v.startswith("410421"))
    cipher = case_secrets.load_fernet({"HUINONG_DEMO": "1"})
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(i: int) -> list[str]:
        store = Store(cases_url, upgrade=False)
        service = CaseService(store, cipher, DEMO_KEYER.key, lambda: directory)
        made = []
        try:
            barrier.wait(30)
            for j in range(PER_THREAD):
                sub = Submission("咨询", village, f"第{i}个线程第{j}次提交：补贴什么时候发放？")
                made.append(service.submit(sub, Solved(f"race{i:04d}{j:04d}".ljust(32, "0"), 4102444800, "pow"))["number"])
        except BaseException as e:  # noqa: BLE001 (collected and asserted below)
            errors.append(e)
        finally:
            store.dispose()
        return made

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))
    assert errors == []
    returned = [n for r in results for n in r]
    assert_dense(returned, THREADS * PER_THREAD)
    assert numbers_in(cases_url) == sorted(returned)


def test_racing_submissions_over_http_to_two_replicas(live, sample_db, cases_url):
    Store(cases_url).dispose()
    settings = settings_for(sample_db, cases_database_url=cases_url, cases_pow_bits=0,
                            rate_cases="100000/minute", rate_cases_nojs="100000/minute")
    village = next(str(v) for (v,) in sqlite3.connect(sample_db).execute(
        "SELECT village FROM places WHERE village LIKE '410421%' ORDER BY village LIMIT 1"))
    clients = 16
    per_client = 3
    with live(settings) as one, live(settings) as two:
        # Challenges first (each works once), so that the posts themselves go out together.
        prepared = []
        with one.client() as c:
            for i in range(clients * per_client):
                ch = c.get("/api/v1/cases/challenge").json()
                prepared.append({"kind": "投诉", "village": village, "content": f"第{i}件：我家的补贴没有到账。",
                                 "phone": "13912345678", "challenge": ch["challenge"],
                                 "pow": solve(ch["challenge"], ch["bits"])})
        barrier = threading.Barrier(clients)

        def poster(i: int) -> list:
            server = (one, two)[i % 2]
            out = []
            with server.client() as c:
                barrier.wait(30)
                for j in range(per_client):
                    r = c.post("/api/v1/cases", json=prepared[i * per_client + j])
                    out.append((r.status_code, r.json()))
            return out

        with ThreadPoolExecutor(clients) as pool:
            answers = [a for r in pool.map(poster, range(clients)) for a in r]
    failed = [a for a in answers if a[0] != 201]
    assert failed == []
    returned = [body["number"] for _, body in answers]
    assert_dense(returned, clients * per_client)
    assert numbers_in(cases_url) == sorted(returned)
