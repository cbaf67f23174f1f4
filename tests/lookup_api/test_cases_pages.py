"""The 咨询与投诉 pages without JavaScript, over HTTP: choose the place, post, redirect, get."""

from __future__ import annotations

import re

import pytest

from huinong_core import site_files
from tests.lookup_api.server import settings_for


@pytest.fixture
def server(live, sample_db, cases_url):
    with live(settings_for(sample_db, cases_database_url=cases_url, cases_pow_bits=8,
                           rate_cases_nojs="100/minute")) as s:
        yield s


def links(html: str) -> list[str]:
    """The choices (not the breadcrumbs)."""
    choices = html.split('<ul class="yk-cols">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<li><a href="\?quhua=(\d{12})', choices)


def sum_answer(html: str) -> str:
    a, b = re.search(r'<label for="answer">(\d+) 加 (\d+) 等于几？', html).groups()
    return str(int(a) + int(b))


def test_post_redirect_get(server):
    with server.client(follow_redirects=False) as c:
        start = c.get("/zixun/").text
        assert '<link rel="icon" href="../assets/images/favicon.png">' in start
        counties = links(start)
        townships = links(c.get(f"/zixun/?quhua={counties[0]}").text)
        villages = links(c.get(f"/zixun/?quhua={townships[0]}").text)
        assert counties and townships and villages
        form = c.get(f"/zixun/?quhua={villages[0]}&xiangmu=ny001")
        assert form.status_code == 200 and 'value="NY001" selected' in form.text
        assert form.headers["content-security-policy"].startswith("default-src 'none'")
        assert f'href="../{site_files.asset("yikatong.css")}"' in form.text and "yk-footer" in form.text
        challenge = re.search(r'name="challenge" value="([^"]+)"', form.text)[1]
        data = {"village": villages[0], "kind": "投诉", "programme": "NY001", "content": "今年的补贴一直没到账。",
                "phone": "13912345678", "name": "", "challenge": challenge, "answer": "0"}
        wrong = c.post("/zixun/", data=data)
        assert wrong.status_code == 422 and "答错" in wrong.text and "今年的补贴一直没到账。" in wrong.text
        data.update(challenge=re.search(r'name="challenge" value="([^"]+)"', wrong.text)[1], answer=sum_answer(wrong.text))
        done = c.post("/zixun/", data=data)
        assert done.status_code == 303 and done.headers["location"] == "tijiao/"
        cookie = done.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/zixun/" in cookie
        assert "13912345678" not in cookie
        receipt = c.get("/zixun/tijiao/")
        number = re.search(r'id="case-number">([^<]+)<', receipt.text)[1]
        code = re.search(r'id="case-code">([^<]+)<', receipt.text)[1]
        assert "宝丰县农业农村局" in receipt.text or "郏县农业农村局" in receipt.text

        c.cookies.clear()
        assert c.get("/zixun/tijiao/").status_code == 303  # nothing to show without the cookie
        wrong = c.post("/zixun/chaxun/", data={"number": number, "query_code": "AAAA-BBBB"})
        unknown = c.post("/zixun/chaxun/", data={"number": number[:-4] + "0999", "query_code": code})
        assert wrong.status_code == unknown.status_code == 404
        strip = lambda t: re.sub(r'value="[^"]*"', "", t)  # noqa: E731  (the typed 件号 is echoed back)
        assert strip(wrong.text) == strip(unknown.text)
        ok = c.post("/zixun/chaxun/", data={"number": number, "query_code": code.lower()})
        assert ok.status_code == 303 and code not in ok.headers["location"]
        page = c.get("/zixun/chaxun/")
        assert re.search(r'id="case-status">已受理<', page.text) and "13912345678" not in page.text
        out = c.post("/zixun/chaxun/tuichu/")
        assert out.status_code == 303
        c.cookies.clear()
        assert "请输入提交时得到的件号和查询码" in c.get("/zixun/chaxun/").text


def test_statistics_page(server):
    with server.client() as c:
        page = c.get("/zixun/tongji/")
        assert page.status_code == 200 and "咨询投诉统计" in page.text and "少于5件" in page.text
        assert c.get("/zixun", follow_redirects=True).url.path == "/zixun/"
