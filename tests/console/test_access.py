"""The console lets in the clerk's browser alone: loopback only, the first URL's token exchanged for
a strict cookie, Host, Origin and CSRF checked; every refusal a page in Chinese (plain HTTP on
loopback against the console the CLI runs)."""

from __future__ import annotations

import http.cookies
import socket
import subprocess
import sys

import pytest

from generator.console.server import ConsoleServer, NotLoopback
from tests.console.helpers import DEMO, csrf_of, gbk, fixed_rows, post, upload
from tests.helpers import REPO

PAGES = ("/", "/daoru/", "/daoru/wancheng/410421-NY001-2024/", "/daoru/x/jiancha", "/tongzhi/", "/tongzhi/xin/",
         "/shenyue/", "/tijiao/", "/tijiao/wancheng/?fenzhi=main", "/zhuangtai/", "/no-such-page", "/static")


def test_without_the_token_nothing_is_shown(console):
    with console.client(login=False) as c:
        for path in PAGES:
            r = c.get(path)
            assert r.status_code == 403, path
            assert "没有打开工作台的权限" in r.text and "一卡通" not in r.text.split("<main", 1)[1][:40], path
            assert "导入发放名单" not in r.text
        assert c.get("/?token=wrong").status_code == 403
        # the stylesheet alone is served without the cookie (the refusal page uses it), to this Host only
        assert c.get("/static/console.css").status_code == 200
        assert c.get("/static/console.css", headers={"host": "evil.example"}).status_code == 400
        assert post(c, "/static/console.css").status_code == 403
        c.cookies.set(console.server.console.cookie, "a guess", domain="127.0.0.1")
        assert c.get("/").status_code == 403


def test_the_token_becomes_a_strict_httponly_cookie_and_leaves_the_url(console):
    with console.client(login=False) as c:
        r = c.get("/daoru/?token=" + console.server.console.token + "&period=2025")
        assert r.status_code == 303
        assert r.headers["location"] == "/daoru/?period=2025"  # the token is gone from the address bar
        cookie = http.cookies.SimpleCookie(r.headers["set-cookie"])[console.server.console.cookie]
        assert cookie.value != console.server.console.token
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
        page = c.get("/daoru/")
        assert page.status_code == 200 and "导入发放名单" in page.text


def test_a_host_other_than_this_server_is_refused(console):
    """DNS rebinding: a hostile name resolved to 127.0.0.1 still says its own name in Host."""
    port = console.server.port
    with console.client() as c:
        assert c.get("/").status_code == 200
        assert c.get("/", headers={"host": f"localhost:{port}"}).status_code == 200
        for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1:{port + 1}", "127.0.0.1", f"0.0.0.0:{port}"):
            r = c.get("/", headers={"host": host})
            assert r.status_code == 400, host
            assert "地址不对" in r.text
        # the token does not pass a wrong Host either
        assert c.get(console.server.url, headers={"host": f"evil.example:{port}"}).status_code == 400


def test_a_post_from_another_origin_is_refused(console):
    with console.client() as c:
        token = csrf_of(c.get("/daoru/").text)
        files = {"file": ("a.csv", gbk(fixed_rows()), "text/csv")}
        for origin in ("http://evil.example", "null", f"http://127.0.0.1:{console.server.port + 1}", None):
            r = post(c, "/daoru/", origin=origin, data={"csrf": token}, files=files)
            assert r.status_code == 403, origin
            assert "不是从工作台的页面发出的" in r.text
        assert console.server.console.uploads.get("x") is None
        assert not console.server.console.uploads._items  # nothing was taken in
        assert post(c, "/daoru/", data={"csrf": token}, files=files).status_code == 303


@pytest.mark.parametrize("csrf", [None, "", "wrong"])
def test_a_post_without_the_csrf_token_is_refused(console, repo, csrf):
    with console.client() as c:
        data = {} if csrf is None else {"csrf": csrf}
        r = post(c, "/daoru/", data=data, files={"file": ("a.csv", gbk(fixed_rows()), "text/csv")})
        assert r.status_code == 403 and "表单校验码不对" in r.text
        assert not console.server.console.uploads._items
        uid = upload(c, "a.csv", gbk(fixed_rows())).headers["location"].split("/")[2]
        r = post(c, f"/daoru/{uid}/queren", data={**data, "programme": "NY001", "period": "2025"})
        assert r.status_code == 403 and "表单校验码不对" in r.text
        assert not (repo / "data/payments/2025").exists()


def test_every_answer_carries_the_security_headers(console):
    with console.client() as c:
        for r in (c.get("/"), c.get("/static/console.css"), c.get("/no-such-page"), c.get("/", headers={"host": "x"})):
            assert "default-src 'none'" in r.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
            assert r.headers["x-frame-options"] == "DENY"
            assert r.headers["cache-control"] == "no-store"
            assert r.headers["referrer-policy"] == "same-origin"
        r = c.get("/no-such-page")
        assert r.status_code == 404 and "没有这一页" in r.text


def test_it_listens_on_loopback_only(repo):
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.com"):
        with pytest.raises(NotLoopback):
            ConsoleServer(repo, host=host, env=DEMO)
    server = ConsoleServer(repo, env=DEMO)
    try:
        assert server.socket.getsockname()[0] == "127.0.0.1"
        assert server.socket.family == socket.AF_INET
        assert server.url.startswith(f"http://127.0.0.1:{server.port}/?token=")
    finally:
        server.socket.close()
    done = subprocess.run([sys.executable, "-m", "generator", "console", "--repo", str(repo), "--host", "0.0.0.0",
                           "--no-browser"], capture_output=True, text=True, cwd=REPO, timeout=120, env=_env())
    assert done.returncode == 2 and "只能在本机地址 127.0.0.1 上运行" in done.stderr


def _env() -> dict[str, str]:
    import os

    return {**{k: v for k, v in os.environ.items() if not k.startswith("HUINONG")}, **DEMO, "PYTHONPATH": str(REPO)}


def test_an_unexpected_error_is_a_page_and_a_log_line_without_its_message(console, monkeypatch, caplog):
    from tests.console.helpers import P

    def broken(*_args):
        raise ValueError(f"cell {P[0].id18} {P[0].name}")  # as a library error could quote a raw cell

    monkeypatch.setattr("generator.console.ingest_pages.propose", broken)
    with console.client() as c, caplog.at_level("ERROR", logger="generator.console"):
        uid = upload(c, "a.csv", gbk(fixed_rows())).headers["location"].split("/")[2]
        r = c.get(f"/daoru/{uid}/")
        assert r.status_code == 500 and "工作台出错了" in r.text
        assert P[0].id18 not in r.text
    import re

    assert [re.sub(r"\d+$", "N", rec.getMessage()) for rec in caplog.records] == [
        "console error ValueError at test_access.py:N"]  # the innermost frame: here, `broken`
    assert P[0].id18 not in caplog.text and P[0].name not in caplog.text
