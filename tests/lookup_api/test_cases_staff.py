"""Staff pages over HTTP on SQLite and PostgreSQL: accounts from the CLI, argon2, sessions,
CSRF, each account limited to its departments and regions, append-only history."""

from __future__ import annotations

import io
import re
import sqlite3

import pytest
from sqlalchemy import text

from generator import cli
from lookup_api.cases.pow import solve
from tests.lookup_api.server import settings_for

PASSWORD = "correct horse battery"


@pytest.fixture
def server(live, sample_db, cases_url):
    with live(settings_for(sample_db, cases_database_url=cases_url, cases_pow_bits=6, rate_login="1000/minute",
                           rate_cases="1000/minute")) as s:
        s.cases_url = cases_url
        yield s


@pytest.fixture(scope="module")
def villages(sample_db):
    con = sqlite3.connect(sample_db)
    return {c: next(str(v) for (v,) in con.execute("SELECT village FROM places WHERE village/1000000 = ?", (int(c),)))
            for c in ("410421", "410425")}


def add_staff(monkeypatch, server, username, *options):
    monkeypatch.setenv("CASES_DATABASE_URL", server.cases_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["staff", "add", username, "--password-stdin", *options]) == 0


def submit(client, village, **fields):
    c = client.get("/api/v1/cases/challenge").json()
    body = {"kind": "投诉", "village": village, "content": "补贴没有到账，请帮忙查一查原因。",
            "challenge": c["challenge"], "pow": solve(c["challenge"], c["bits"]), **fields}
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def login(client, username, password=PASSWORD):
    page = client.get("/staff/login/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    return client.post("/staff/login/", data={"username": username, "password": password, "csrf": csrf})


def csrf_of(page) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text)[1]


def test_accounts_login_and_sessions(server, monkeypatch):
    add_staff(monkeypatch, server, "bf.nongye", "--name", "宝丰农业", "--department", "农业农村局",
              "--region", "410421000000")
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["staff", "add", "x.y", "--password-stdin", "--department", "民政局", "--region", "410421000000"]) == 1
    with server.server.config.app.state.cases.service.store.engine.connect() as c:
        stored = c.execute(text("SELECT password_hash FROM staff WHERE username = 'bf.nongye'")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with server.client(follow_redirects=False) as c:
        assert c.get("/staff/").headers["location"] == "login/"
        bad = login(c, "bf.nongye", "wrong password!")
        assert bad.status_code == 401 and "用户名或密码不对" in bad.text
        assert login(c, "nobody.here").status_code == 401
        no_csrf = c.post("/staff/login/", data={"username": "bf.nongye", "password": PASSWORD, "csrf": "x"})
        assert no_csrf.status_code == 403
        ok = login(c, "bf.nongye")
        assert ok.status_code == 303
        cookie = ok.headers["set-cookie"]
        assert "yk_staff=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/staff/" in cookie
        token = c.cookies["yk_staff"]
        with server.server.config.app.state.cases.service.store.engine.connect() as db:
            ids = [r[0] for r in db.execute(text("SELECT id FROM staff_sessions"))]
        assert token not in ids and len(ids) == 1  # only its hash is stored
        queue = c.get("/staff/")
        assert queue.status_code == 200 and "宝丰农业" in queue.text
        out = c.post("/staff/logout/", data={"csrf": csrf_of(queue)})
        assert out.status_code == 303
        c.cookies.set("yk_staff", token, path="/staff/")  # the old token is dead
        assert c.get("/staff/").status_code == 303


def test_staff_see_only_their_county_and_department(server, monkeypatch, villages):
    add_staff(monkeypatch, server, "bf.mz", "--department", "民政局", "--region", "410421000000")
    add_staff(monkeypatch, server, "jx.mz", "--department", "民政局", "--region", "410425000000")
    add_staff(monkeypatch, server, "bf.ny", "--department", "农业农村局", "--region", "410421000000")
    with server.client(follow_redirects=False) as public:
        baofeng = submit(public, villages["410421"], programme="MZ010", phone="13700001111")
        jiaxian = submit(public, villages["410425"], programme="MZ010")
    with server.client(follow_redirects=False) as c:
        login(c, "jx.mz")
        queue = c.get("/staff/").text
        assert jiaxian["number"] in queue and baofeng["number"] not in queue
        foreign = c.get(f"/staff/jian/{baofeng['number']}/")
        assert foreign.status_code == 404 and "13700001111" not in foreign.text
        csrf = csrf_of(c.get("/staff/"))
        attempt = c.post(f"/staff/jian/{baofeng['number']}/dafu/", data={"csrf": csrf, "text": "越权答复，不应成功。"})
        assert attempt.status_code == 404
        assert jiaxian["number"] in c.get("/staff/taizhang/").text or "郏县" in c.get("/staff/taizhang/").text
        assert "宝丰县" not in c.get("/staff/taizhang/").text
    with server.client(follow_redirects=False) as c:
        login(c, "bf.ny")  # right county, wrong department
        assert baofeng["number"] not in c.get("/staff/").text
        assert c.get(f"/staff/jian/{baofeng['number']}/").status_code == 404
    with server.client(follow_redirects=False) as c:
        login(c, "bf.mz")
        page = c.get(f"/staff/jian/{baofeng['number']}/")
        assert page.status_code == 200 and "13700001111" in page.text
    with server.client() as public:
        shown = public.get(f"/api/v1/cases/{baofeng['number']}", headers={"X-Query-Code": baofeng["query_code"]}).json()
        assert shown["reply"] is None  # the refused reply left nothing


def test_handling_reply_close_transfer_and_history(server, monkeypatch, villages):
    add_staff(monkeypatch, server, "bf.caizheng", "--department", "财政局", "--region", "410421000000")
    add_staff(monkeypatch, server, "bf.mz", "--department", "民政局", "--region", "410421000000")
    with server.client(follow_redirects=False) as public:
        first = submit(public, villages["410421"])  # no programme: the county's 财政局
        late = submit(public, villages["410421"], kind="咨询")
    store = server.server.config.app.state.cases.service.store
    with store.engine.begin() as db:  # make one overdue (cases are mutable; only case_events is not)
        db.execute(text("UPDATE cases SET due_at = created_at - interval '1 day' WHERE number = :n"
                        if store.dialect == "postgresql" else
                        "UPDATE cases SET due_at = datetime(created_at, '-1 day') WHERE number = :n"),
                   {"n": late["number"]})
    with server.client(follow_redirects=False) as c:
        login(c, "bf.caizheng")
        queue = c.get("/staff/").text
        assert queue.index(late["number"]) < queue.index(first["number"])  # overdue first
        assert "已超期" in queue
        ledger = c.get("/staff/taizhang/").text
        assert "宝丰县" in ledger and "财政局" in ledger
        page = c.get(f"/staff/jian/{first['number']}/")
        csrf = csrf_of(page)
        assert c.post(f"/staff/jian/{first['number']}/shouli/", data={"csrf": "forged"}).status_code == 403
        assert c.post(f"/staff/jian/{first['number']}/shouli/", data={"csrf": csrf}).status_code == 303
        early_close = c.post(f"/staff/jian/{first['number']}/banjie/", data={"csrf": csrf})
        assert early_close.status_code == 409 and "先答复" in early_close.text
        reply = "经核实，您的补贴因卡号登记有误发放失败，已更正并于11月20日补发。"
        assert c.post(f"/staff/jian/{first['number']}/dafu/", data={"csrf": csrf, "text": reply}).status_code == 303
        assert c.post(f"/staff/jian/{first['number']}/banjie/", data={"csrf": csrf}).status_code == 303
        # Transfer the other one to 民政局: it leaves this queue and lands in theirs.
        moved = c.post(f"/staff/jian/{late['number']}/zhuanban/",
                       data={"csrf": csrf, "department": "民政局", "text": "涉及高龄津贴，属民政局办理。"})
        assert moved.status_code == 303
        assert late["number"] not in c.get("/staff/").text
    with server.client(follow_redirects=False) as c:
        login(c, "bf.mz")
        assert late["number"] in c.get("/staff/").text
    with server.client() as public:
        shown = public.get(f"/api/v1/cases/{first['number']}", headers={"X-Query-Code": first["query_code"]}).json()
        assert shown["status"] == "已办结" and shown["reply"] == reply
        assert [h["action"] for h in shown["history"]] == ["已受理", "开始办理", "已答复", "已办结"]
        assert all("bf.caizheng" not in str(h) for h in shown["history"])  # staff names stay internal
    with store.engine.connect() as db:
        events = db.execute(text("SELECT actor, action, status, department FROM case_events ORDER BY id")).all()
    assert [tuple(e) for e in events] == [
        ("群众", "提交", "已受理", "财政局"), ("群众", "提交", "已受理", "财政局"),
        ("bf.caizheng", "受理", "办理中", "财政局"), ("bf.caizheng", "答复", "已答复", "财政局"),
        ("bf.caizheng", "办结", "已办结", "财政局"), ("bf.caizheng", "转办", "已受理", "民政局")]
