"""One error shape, rate limits (memory and Redis), audit log, database swap, CORS, body limit."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import time

import httpx
import pytest

from huinong_core.lookup_db import SCHEMA, SCHEMA_VERSION
from huinong_core.version import CST, DataVersion
from lookup_api.cases.errors import CaseError, CasesUnavailable, InvalidCase
from lookup_api.errors import STATUS, http_error, status_of
from lookup_api.refusals import OverLimit, ProofRefused, Refusal
from tests.golden import fake_id
from tests.helpers import free_port, start_redis
from tests.lookup_api.server import settings_for

SHAPE = {"code", "message", "request_id"}
ID = fake_id("410421", "19600101", 123)


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_error_has_the_one_shape(api):
    with api.client() as c:
        responses = {
            404: c.get("/api/v1/nothing"),
            405: c.get("/api/v1/lookup"),
            415: c.post("/api/v1/lookup", content=b"id_number=1", headers={"Content-Type": "text/plain"}),
            413: c.post("/api/v1/lookup", content=b"x" * 10_000, headers={"Content-Type": "application/json"}),
            422: c.post("/api/v1/lookup", json={"id_number": ID}),
        }
        responses["422-json"] = c.post("/api/v1/lookup", content=b"{nope", headers={"Content-Type": "application/json"})
        responses["422-q"] = c.get("/api/v1/policies")
    for status, r in responses.items():
        assert r.status_code == int(str(status)[:3]), (status, r.text)
        body = r.json()
        assert set(body) == SHAPE, body
        assert is_chinese(body["message"]) and len(body["request_id"]) == 16
    assert "姓名" in responses[422].json()["message"]


def test_chunked_body_over_the_limit_is_413(api):
    def chunks():
        for _ in range(20):
            yield b"x" * 1000

    with api.client() as c:
        r = c.post("/api/v1/lookup", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and set(r.json()) == SHAPE


def _kinds(kind: type) -> set[type]:
    """Every class under ``kind``, at any depth."""
    return {k for sub in kind.__subclasses__() for k in {sub} | _kinds(sub)}


def test_every_kind_of_refusal_has_its_status():
    """errors.STATUS is the one place a refusal gets its status: a kind added anywhere must be there
    (itself or a kind it is under), or it would answer the fallback 422 whatever it means."""
    kinds = _kinds(Refusal)
    assert {InvalidCase, ProofRefused, CasesUnavailable, OverLimit} <= kinds  # the walk reaches every depth
    families = {CaseError}  # never raised themselves
    assert not [k.__name__ for k in kinds - families if not any(base in STATUS for base in k.__mro__)]
    assert status_of(InvalidCase) == 422 and status_of(CasesUnavailable) == 503 and status_of(ProofRefused) == 422


def test_a_refusal_of_no_known_kind_is_a_422_not_a_500():
    err = http_error(CaseError("odd", "出错了。", {"content": "出错了。"}))
    assert (err.status, err.code, err.message, err.fields) == (422, "odd", "出错了。", {"content": "出错了。"})
    over = http_error(OverLimit("rate_limited", "请在1分钟后再试。", 60))
    assert (over.status, over.headers) == (429, {"Retry-After": "60"})


def _bare_db(path, version: bool = True):
    """A database of the right schema version with a meta table (and a data version) but no payment tables."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    meta = {"schema": SCHEMA_VERSION, **(DataVersion("未提交", dt.datetime(2026, 11, 23, tzinfo=CST)).as_meta()
                                         if version else {})}
    con.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    con.execute(next(s for s in SCHEMA.split(";") if "CREATE TABLE notices" in s))
    con.commit()
    con.close()
    return path


def test_unexpected_failure_is_a_500_in_the_shape(live, tmp_path):
    with live(settings_for(_bare_db(tmp_path / "lookup.sqlite"))) as server, server.client() as c:
        r = c.post("/api/v1/lookup", json={"id_number": ID, "name": "张三"})
        missing = c.get("/api/v1/version")
    assert r.status_code == 500 and set(r.json()) == SHAPE and r.headers["x-content-type-options"] == "nosniff"
    assert missing.status_code == 200 and missing.headers["x-data-version"] == "uncommitted 2026-11-23T00:00:00+08:00"


def test_missing_database_is_503(live, tmp_path):
    """No file, and a file without the data version every build writes."""
    for db in (tmp_path / "none.sqlite", _bare_db(tmp_path / "unversioned.sqlite", version=False)):
        with live(settings_for(db)) as server, server.client() as c:
            for r in (c.get("/api/v1/health"), c.post("/api/v1/lookup", json={"id_number": ID, "name": "张三"})):
                assert r.status_code == 503 and set(r.json()) == SHAPE


def _trip_and_recover(server, *, headers=None, bodies):
    with server.client() as c:
        codes = [c.post("/api/v1/lookup", json=b, headers=headers).status_code for b in bodies[:3]]
        assert codes == [200, 200, 200]
        r = c.post("/api/v1/lookup", json=bodies[3], headers=headers)
        assert r.status_code == 429
        assert set(r.json()) == SHAPE and "请在" in r.json()["message"]
        wait = int(r.headers["retry-after"])
        assert 1 <= wait <= 2
        time.sleep(wait + 0.2)
        assert c.post("/api/v1/lookup", json=bodies[4], headers=headers).status_code == 200


def bodies(n: int, same_id: bool = False):
    return [{"id_number": ID if same_id else fake_id("410421", "19600101", 100 + i), "name": "张三"} for i in range(n)]


def test_client_rate_limit_trips_and_recovers(live, sample_db):
    with live(settings_for(sample_db, rate_client="3 per 2 seconds")) as server:
        _trip_and_recover(server, bodies=bodies(5))


def test_id_rate_limit_counts_the_id_across_clients(live, sample_db):
    # Behind a trusted proxy, each request comes from another client; the ID is the same.
    settings = settings_for(sample_db, rate_client="3 per 2 seconds", rate_id="3 per 2 seconds",
                            trusted_proxies="127.0.0.1")
    with live(settings) as server, server.client() as c:
        codes = [c.post("/api/v1/lookup", json=bodies(1, True)[0],
                        headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(4)]
        assert codes == [200, 200, 200, 429]
        # Other IDs from those clients are fine: it was the ID's limit.
        assert c.post("/api/v1/lookup", json=bodies(1)[0], headers={"X-Forwarded-For": "203.0.113.0"}).status_code == 200


def test_forwarded_for_is_ignored_from_untrusted_peers(live, sample_db):
    with live(settings_for(sample_db, rate_client="3 per 2 seconds")) as server:
        # Spoofed X-Forwarded-For does not give a fresh bucket: the peer (127.0.0.1) is not a trusted proxy.
        _trip_and_recover(server, bodies=bodies(5), headers={"X-Forwarded-For": "198.51.100.7"})


def test_rate_limit_with_redis(live, sample_db, tmp_path):
    proc, port = start_redis(tmp_path)
    try:
        settings = settings_for(sample_db, rate_client="3 per 2 seconds", rate_storage=f"redis://127.0.0.1:{port}/0")
        with live(settings) as server:
            with server.client() as c:
                assert c.get("/api/v1/health").json()["rate_limit_storage"] is True
            _trip_and_recover(server, bodies=bodies(5))
        # The buckets are keyed hashes: no ID number or address in Redis.
        keys = subprocess.run(["redis-cli", "-p", str(port), "--scan"], capture_output=True, text=True).stdout
        assert keys and "127.0.0.1" not in keys and ID not in keys
        # Redis gone: fail closed, in the error shape.
        proc.terminate()
        proc.wait(10)
        with live(settings) as server, server.client() as c:
            r = c.post("/api/v1/lookup", json=bodies(1)[0])
        assert r.status_code == 503 and set(r.json()) == SHAPE
    finally:
        if proc.poll() is None:
            proc.kill()


def test_audit_log_has_outcomes_but_no_id_name_or_address(sample_db, tmp_path, dibao_people):
    """A real server process writing its real audit file (no shared in-process logging state)."""
    import os
    import subprocess
    import sys

    log = tmp_path / "audit.log"
    port = free_port()
    env = {**os.environ, "HUINONG_DEMO": "1", "LOOKUP_DB": str(sample_db), "LOOKUP_SITE_DIR": str(tmp_path / "nosite"),
           "LOOKUP_AUDIT_LOG": str(log), "LOOKUP_RATE_CLIENT": "10000/minute", "LOOKUP_RATE_ID": "10000/minute"}
    env.pop("HUINONG_KEY", None)
    env.pop("HUINONG_KEY_FILE", None)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "lookup_api.main:app", "--host", "127.0.0.1",
                             "--port", str(port), "--no-access-log", "--log-level", "warning"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    person, _ = dibao_people[0]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            deadline = time.time() + 60
            while True:
                try:
                    if c.get("/api/v1/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.time() < deadline and proc.poll() is None, proc.stderr.read().decode()[-2000:]
                time.sleep(0.2)
            c.post("/api/v1/lookup", json={"id_number": person.id18, "name": person.name})
            c.post("/api/v1/lookup", json={"id_number": person.id18, "name": "某某"})
            c.post("/api/v1/lookup", data={"id_number": "123", "name": person.name})
    finally:
        proc.terminate()
        proc.wait(20)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [line.split("outcome=")[1] for line in lines] == ["found", "none", "invalid_id_number"]
    text = log.read_text(encoding="utf-8")
    for secret in (person.id18, person.id18[:14], person.name, "127.0.0.1", "某某"):
        assert secret not in text
    assert all(" client=" in line for line in lines)


def test_a_new_build_is_picked_up_without_restart(live, sample_db, tmp_path):
    db = tmp_path / "lookup.sqlite"
    shutil.copyfile(sample_db, db)
    with live(settings_for(db)) as server, server.client() as c:
        before = c.get("/api/v1/version").json()["data_version"]["commit"]
        new = tmp_path / "new.sqlite"
        shutil.copyfile(sample_db, new)
        con = sqlite3.connect(new)
        con.execute("UPDATE meta SET value = 'fedcba9876543210fedcba9876543210fedcba98' WHERE key = 'commit'")
        con.commit()
        con.close()
        os.replace(new, db)  # what Writer.commit does to the directory
        r = c.get("/api/v1/version")
    assert before != r.json()["data_version"]["commit"] == "fedcba9876543210fedcba9876543210fedcba98"
    assert r.headers["x-data-version"].startswith("fedcba9")


def test_cors_only_for_the_site_origin(live, sample_db):
    origin = "https://yikatong.example.gov.cn"
    with live(settings_for(sample_db, site_origin=origin)) as server, server.client() as c:
        ok = c.options("/api/v1/lookup", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "content-type"})
        bad = c.options("/api/v1/lookup", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        get = c.get("/api/v1/version", headers={"Origin": "https://evil.example"})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == origin
    assert bad.status_code == 400 and "access-control-allow-origin" not in bad.headers
    assert "access-control-allow-origin" not in get.headers


def test_openapi_docs(api):
    with api.client() as c:
        schema = c.get("/api/openapi.json").json()
        docs = c.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert {"/api/v1/lookup", "/api/v1/policies", "/api/v1/health", "/api/v1/version"} <= set(schema["paths"])
    body = schema["paths"]["/api/v1/lookup"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(body)
    json.dumps(schema)


def test_site_is_served_at_root_once_a_build_made_it(live, sample_db, tmp_path):
    site = tmp_path / "site"
    with live(settings_for(sample_db, site_dir=site)) as server, server.client() as c:
        assert c.get("/chaxun/").status_code == 404  # nothing built yet: a 404, not a crash
        (site / "chaxun").mkdir(parents=True)
        (site / "chaxun" / "index.html").write_text("<p>查询</p>", encoding="utf-8")
        page = c.get("/chaxun/")
        api_404 = c.get("/api/v1/chaxun/")
    assert page.status_code == 200 and "查询" in page.text
    assert page.headers["x-content-type-options"] == "nosniff" and "content-security-policy" not in page.headers
    assert api_404.status_code == 404 and set(api_404.json()) == SHAPE
