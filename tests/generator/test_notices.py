"""Urgent notices (data/notices/*.md): checked like every data file, shown on the pages,
feeds and lookup results in their scope while in force, and gone when they expire."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import feedparser
import pytest

from generator.pipeline import build
from generator.check import check
from huinong_core.notices import ANY, applies
from huinong_core.version import CST
from tests.builds import notice

EPOCH_2025 = "1735689600"  # 2025-01-01 08:00 Beijing time: the tiny data's 2024 batch is public


def ids(html: str) -> list[str]:
    import re

    return re.findall(r'id="tongzhi-([a-z0-9-]+)"', html)


# ------------------------------------------------------------------ checking


def test_bad_notices_are_reported_with_file_line_and_column(tiny: Path):
    notice(tiny, "a", "标题: 时间写错\n开始: 2024-13-01\n结束: 明天")
    notice(tiny, "b", "标题: 结束早于开始\n开始: 2025-01-02 08:00\n结束: 2025-01-01")
    notice(tiny, "c", "标题: 范围不对\n开始: 2025-01-01\n结束: 2025-01-02\n区划代码: [410499000000]\n项目编码: [XX999]")
    notice(tiny, "d", "标题: 保护项目到村\n开始: 2025-01-01\n结束: 2025-01-02\n区划代码: 410421100201\n项目编码: MZ005")
    notice(tiny, "e", "标题: 多了字段\n级别: 特急\n开始: 2025-01-01\n结束: 2025-01-02\n地区: 宝丰")
    (tiny / "notices" / "f.md").write_text("没有文件头\n", encoding="utf-8")
    _, problems = check(tiny)
    got = {(p.path.rsplit("/", 1)[-1], p.line, p.column, p.field, p.message) for p in problems}
    assert got == {
        ("a.md", 3, 5, "开始", "时间不存在（2024-13-01）"),
        ("a.md", 4, 5, "结束", "时间格式不对（明天）"),
        ("b.md", 4, 5, "结束", "结束时间不晚于开始时间"),
        ("c.md", 5, 8, "区划代码", "区划代码410499000000不存在"),
        ("c.md", 6, 8, "项目编码", "项目XX999不在政策清单中"),
        ("d.md", 5, 7, "区划代码", "隐私保护项目的通知不能指向县级以下区划"),
        ("e.md", 3, 5, "级别", "不是有效取值（特急）"),
        ("e.md", 6, 5, "地区", "未知的字段"),
        ("f.md", 1, 1, "文件头", "缺少YAML文件头"),
    }


def test_a_bare_end_date_lasts_the_whole_day(tiny: Path):
    notice(tiny, "n", "标题: 一天\n开始: 2025-01-01 08:00\n结束: 2025-01-01")
    ds, problems = check(tiny)
    assert problems == []
    (n,) = ds.notices
    assert n.start == dt.datetime(2025, 1, 1, 8, tzinfo=CST)
    assert n.end == dt.datetime(2025, 1, 2, tzinfo=CST)
    assert n.in_force(dt.datetime(2025, 1, 1, 23, 59, tzinfo=CST))
    assert not n.in_force(dt.datetime(2025, 1, 2, tzinfo=CST))
    assert not n.in_force(dt.datetime(2025, 1, 1, 7, 59, tzinfo=CST))


@pytest.mark.parametrize("regions, programmes, page_region, page_programmes, expected", [
    ((), (), None, None, True),  # whole-site notice: every page
    (("410421000000",), (), None, None, False),  # scoped notice: not on pages about nothing in particular
    (("410421000000",), (), "410421100201", ANY, True),  # a village under the county
    (("410421000000",), (), "410425101201", ANY, False),  # a village of another county
    (("410421000000",), (), ANY, ("NY001",), True),  # a programme page covers every region
    ((), ("NY001",), "410421100201", ANY, True),
    ((), ("NY001",), ANY, ("NY004",), False),
    (("410421000000",), ("NY001",), "410421000000", ("NY001",), True),  # both must match
    (("410421000000",), ("NY001",), "410421000000", ("NY004",), False),
    (("410421100000",), (), "410421000000", ANY, False),  # a township notice is not on its county's page
])
def test_scope(regions, programmes, page_region, page_programmes, expected):
    assert applies(regions, programmes, page_region, page_programmes) is expected


# ------------------------------------------------------------------ the build


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The tiny data built on 2025-01-01 with a county+programme notice, a whole-site one,
    an expired and a future one."""
    import shutil

    from tests.golden import TINY

    root = tmp_path_factory.mktemp("notices")
    data = root / "data"
    shutil.copytree(TINY / "data", data)
    notice(data, "gengdi", "标题: 宝丰县耕地地力补贴推迟发放\n级别: 紧急\n开始: 2024-12-20 08:00\n结束: 2025-01-10\n"
                           "区划代码: 410421000000\n项目编码: [NY001]",
           "推迟到**1月8日**前发放。<script>alert(1)</script>")
    notice(data, "yuandan", "标题: 元旦期间查询照常\n开始: 2024-12-30\n结束: 2025-01-03")
    notice(data, "guoqi", "标题: 已经过期\n开始: 2024-11-01\n结束: 2024-12-01")
    notice(data, "weilai", "标题: 还没开始\n开始: 2025-01-05\n结束: 2025-02-01")
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH_2025
    try:
        summary = build(data, root / "public", posters=False)
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH")
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    (root / "report.txt").write_text(summary.report(), encoding="utf-8")
    return root


def page(built: Path, rel: str) -> str:
    return (built / "public/site" / rel).read_text(encoding="utf-8")


@pytest.mark.parametrize("rel, expected", [
    ("index.html", ["gengdi", "yuandan"]),  # the home page lists every notice in force, urgent first
    ("gongshi/index.html", ["gengdi", "yuandan"]),
    ("zhengce/ny001/index.html", ["gengdi", "yuandan"]),
    ("zhengce/ny004/index.html", ["yuandan"]),
    ("wenjian/ny001-notice/index.html", ["gengdi", "yuandan"]),  # a document about NY001
    ("banshi/ny001/index.html", ["gengdi", "yuandan"]),
    ("wenjian/index.html", ["yuandan"]),
    ("gongshi/410421-NY001-2024/index.html", ["gengdi", "yuandan"]),
    ("gongshi/xian/410421/index.html", ["gengdi", "yuandan"]),
    ("gongshi/xiangmu/ny001/index.html", ["gengdi", "yuandan"]),
    ("diqu/410421000000/index.html", ["gengdi", "yuandan"]),
    ("diqu/410421100201/index.html", ["gengdi", "yuandan"]),
    ("diqu/410425000000/index.html", ["yuandan"]),  # the other county
    ("diqu/index.html", ["yuandan"]),  # the city page is above the county
    ("404.html", ["yuandan"]),
])
def test_pages_show_the_notices_in_their_scope(built: Path, rel: str, expected: list[str]):
    assert ids(page(built, rel)) == expected


def test_banner_content_is_escaped_markdown(built: Path):
    html = page(built, "diqu/410421100201/index.html")
    assert "推迟到<strong>1月8日</strong>前发放。&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "有效期：2024-12-20 08:00 至 2025-01-10 · 适用：宝丰县 · 耕地地力保护补贴" in html
    assert 'data-yk-end="2025-01-11T00:00:00+08:00"' in html


def test_feeds_carry_the_notices_first(built: Path):
    site = built / "public/site"
    expected = {"feeds/all.atom.xml": ["gengdi", "yuandan"], "feeds/xian-410421.atom.xml": ["gengdi", "yuandan"],
                "feeds/xiangmu-ny001.atom.xml": ["gengdi", "yuandan"]}
    for rel, slugs in expected.items():
        feed = feedparser.parse((site / rel).read_bytes())
        assert not feed.bozo, (rel, feed.bozo_exception)
        heads = [e.link.rsplit("#tongzhi-", 1)[-1] for e in feed.entries[:len(slugs)]]
        assert heads == slugs, rel
        assert feed.entries[0].title == "【紧急】宝丰县耕地地力补贴推迟发放"
        assert "tongzhi" not in feed.entries[len(slugs)].link  # then the batches


def test_lookup_db_holds_every_notice_and_report_says_when_to_rebuild(built: Path):
    conn = sqlite3.connect(built / "public/lookup.sqlite")
    rows = dict(conn.execute('SELECT slug, "end" FROM notices'))
    assert rows == {"gengdi": "2025-01-11T00:00:00+08:00", "yuandan": "2025-01-04T00:00:00+08:00",
                    "guoqi": "2024-12-02T00:00:00+08:00", "weilai": "2025-02-02T00:00:00+08:00"}
    report = (built / "report.txt").read_text(encoding="utf-8")
    assert "紧急通知：2 条正在显示；2025-01-04 00:00 有通知开始或到期，届时需要重新构建网站。" in report


def test_expired_banner_hides_itself_with_javascript_only(built: Path):
    """The page was built on 2025-01-01; the browser's clock is today, after every 结束."""
    from tests.site.browser import browser, serve_dir

    with serve_dir(built / "public/site") as base, browser() as b:
        for js in (False, True):
            ctx = b.new_context(java_script_enabled=js)
            p = ctx.new_page()
            p.goto(f"{base}/diqu/410421100201/")
            visible = p.locator(".yk-notice").evaluate_all("els => els.filter(e => e.offsetParent !== null).length")
            assert visible == (0 if js else 2), js
            ctx.close()
