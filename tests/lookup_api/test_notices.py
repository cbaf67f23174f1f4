"""Urgent notices on lookup results: judged at request time, scoped to the person's villages and
programmes, all of them when nothing is found (the same for every not-found case)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from generator.pipeline import build
from huinong_core.version import CST
from lookup_api.main import create_app
from tests.builds import notice
from tests.golden import TINY, TINY_PEOPLE
from tests.lookup_api.server import LiveServer, settings_for
from tests.lookup_api.helpers import post


def stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("alerts")
    data = root / "data"
    shutil.copytree(TINY / "data", data)
    now = dt.datetime.now(CST)
    day, hour = dt.timedelta(days=1), dt.timedelta(hours=1)
    notice(data, "scoped", f"标题: 宝丰县耕地补贴推迟\n级别: 紧急\n开始: {stamp(now - day)}\n结束: {stamp(now + day)}\n"
                           "区划代码: 410421000000\n项目编码: NY001", "推迟到**下周**。<b>粗</b>")
    notice(data, "other", f"标题: 郏县系统维护\n开始: {stamp(now - day)}\n结束: {stamp(now + day)}\n区划代码: 410425000000")
    notice(data, "expired", f"标题: 已过期\n开始: {stamp(now - 2 * day)}\n结束: {stamp(now - hour)}")
    notice(data, "future", f"标题: 还没开始\n开始: {stamp(now + hour)}\n结束: {stamp(now + 2 * day)}")
    build(data, root / "public", posters=False)
    with LiveServer(create_app(settings_for(root / "public/lookup.sqlite"))) as s:
        yield s


def titles(result: dict) -> list[str]:
    return [a["title"] for a in result["alerts"]]


def test_found_person_sees_the_notices_of_their_village_and_programme(server):
    p = TINY_PEOPLE[0]  # 宝丰县 前营村, paid NY001
    with server.client() as c:
        r = post(c, p.id18, p.name)
    assert r.status_code == 200 and r.json()["found"]
    (alert,) = r.json()["alerts"]
    assert alert["title"] == "宝丰县耕地补贴推迟" and alert["level"] == "紧急"
    assert alert["scope"] == "宝丰县 · 耕地地力保护补贴"
    assert alert["text"] == "推迟到下周。<b>粗</b>"  # text for scripts that insert text only
    assert alert["html"] == "<p>推迟到<strong>下周</strong>。&lt;b&gt;粗&lt;/b&gt;</p>"


def test_not_found_shows_every_notice_in_force_and_is_the_same_for_wrong_name_and_unknown_id(server):
    p = TINY_PEOPLE[0]
    with server.client() as c:
        wrong_name = post(c, p.id18, "王建军").json()
        unknown = post(c, "110101199003074514", "王建国").json()
    assert titles(wrong_name) == ["宝丰县耕地补贴推迟", "郏县系统维护"]  # urgent first; expired and future absent
    assert wrong_name == unknown


def test_the_no_script_result_page_shows_the_notice(server):
    p = TINY_PEOPLE[0]
    with server.client() as c:
        html = post(c, p.id18, p.name, form=True).text
    assert "【紧急】宝丰县耕地补贴推迟" in html
    assert "<p>推迟到<strong>下周</strong>。&lt;b&gt;粗&lt;/b&gt;</p>" in html
    assert "郏县系统维护" not in html and "已过期" not in html
