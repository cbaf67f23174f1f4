"""Step 发布通知 over plain HTTP: a notice is checked as `check` checks it (load, the notice rules,
the plaintext scan) and written only when it has no problem; typed dates in other forms are taken;
the notices there are are listed and can be changed."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from generator.check import check
from generator.console.notice_form import NoticeForm
from tests.console.helpers import P, csrf_of, post
from tests.console.test_ingest_pages import table_rows

CST = dt.timezone(dt.timedelta(hours=8))
GOOD = {"title": "宝丰县2026年耕地地力保护补贴推迟发放", "level": "紧急", "start_date": "2026/12/6", "start_time": "8:00",
        "end_date": "2026年12月31日", "region": "410421000000", "programme": "NY001",
        "body": "因面积复核，第二批推迟到12月20日前发放。\n\n有疑问请拨打 0375-2662345。"}


def notices(repo: Path) -> list[Path]:
    return sorted((repo / "data/notices").glob("*.md")) if (repo / "data/notices").is_dir() else []


def send(c, url: str, **fields) -> object:
    return post(c, url, data={"csrf": csrf_of(c.get("/tongzhi/xin/").text), **fields})


def test_the_form_works_without_a_date_picker(console):
    with console.client() as c:
        page = c.get("/tongzhi/xin/").text
        assert 'type="date" id="start_date" name="start_date"' in page and 'type="date" id="end_date"' in page
        assert "格式：2026-12-06" in page  # where the browser shows a plain text box instead
        assert '<select id="region" name="region" multiple' in page and 'value="NY001"' in page
        assert "<script" not in page


def test_a_notice_is_written_only_when_it_passes_the_checks(console, repo: Path):
    with console.client() as c:
        r = send(c, "/tongzhi/xin/", **{**GOOD, "title": "", "start_time": "25点"})
        assert r.status_code == 422 and "通知有 2 个问题，没有保存" in r.text
        assert [row[2:4] for row in table_rows(r.text, "problems")] == [
            ["标题", "必填项为空"], ["开始", "时间不存在（2026-12-06 25:00）"]]
        assert 'value="2026/12/6"' in r.text and 'value="25点"' in r.text  # what was typed stays in the form
        assert notices(repo) == []

        # the rules of check, over what loads: a programme must be in the policy list
        r = send(c, "/tongzhi/xin/", **{**GOOD, "programme": ["NY001", "ZZ999"]})
        assert r.status_code == 422
        assert [row[2:] for row in table_rows(r.text, "problems")] == [
            ["项目编码", "项目ZZ999不在政策清单中", "policies.csv 中的项目编码，不填表示全部项目"]]
        assert notices(repo) == []

        r = send(c, "/tongzhi/xin/", **{**GOOD, "end_date": "2026-12-01", "start_time": ""})
        assert r.status_code == 422
        assert [row[2:] for row in table_rows(r.text, "problems")] == [["结束", "结束时间不晚于开始时间", "晚于开始时间"]]
        assert notices(repo) == []

        r = send(c, "/tongzhi/xin/", **GOOD)
        assert r.status_code == 303, r.text
        slug = "2026-12-06-410421000000-ny001"
        assert r.headers["location"] == f"/tongzhi/wancheng/{slug}/"
        done = c.get(r.headers["location"])
        assert "已写入" in done.text and "2026-12-06 08:00 至 2026-12-31" in done.text

    assert notices(repo) == [repo / f"data/notices/{slug}.md"]
    assert notices(repo)[0].read_text(encoding="utf-8") == (
        "---\n标题: 宝丰县2026年耕地地力保护补贴推迟发放\n级别: 紧急\n开始: 2026-12-06 08:00\n结束: 2026-12-31\n"
        "区划代码: 410421000000\n项目编码: NY001\n---\n因面积复核，第二批推迟到12月20日前发放。\n\n有疑问请拨打 0375-2662345。\n")
    ds, problems = check(repo / "data")
    assert problems == []
    (n,) = ds.notices
    assert (n.start, n.end) == (dt.datetime(2026, 12, 6, 8, 0, tzinfo=CST), dt.datetime(2027, 1, 1, tzinfo=CST))


def test_the_notice_rules_of_check_apply(console, repo: Path):
    """A protected programme's notice may not point below a county (generator/rules.py)."""
    with console.client() as c:
        r = send(c, "/tongzhi/xin/", **{**GOOD, "region": "410421100000", "programme": "MZ005"})
        assert r.status_code == 422
        assert [row[2:4] for row in table_rows(r.text, "problems")] == [
            ["区划代码", "隐私保护项目的通知不能指向县级以下区划"]]
    assert notices(repo) == []


def test_a_notice_with_personal_data_is_refused_masked(console, repo: Path):
    with console.client() as c:
        r = send(c, "/tongzhi/xin/", **{**GOOD, "body": f"{P[0].name}（{P[0].id18}）请到乡镇核对。"})
        assert r.status_code == 422
        rows = table_rows(r.text, "problems")
        assert [row[2] for row in rows] == ["身份证号"] and "疑似明文个人信息" in rows[0][3]
        assert P[0].id18 not in "".join(map("".join, rows))
    assert notices(repo) == []


def test_a_taken_file_name_is_refused(console, repo: Path):
    with console.client() as c:
        assert send(c, "/tongzhi/xin/", **GOOD, slug="tuichi").status_code == 303
        before = (repo / "data/notices/tuichi.md").read_bytes()
        r = send(c, "/tongzhi/xin/", **{**GOOD, "title": "另一条"}, slug="tuichi")
        assert r.status_code == 422 and "已有同名的通知 tuichi" in r.text
        r = send(c, "/tongzhi/xin/", **GOOD, slug="Bad name")
        assert r.status_code == 422 and "文件名不对" in r.text
        # an empty name is made from the date, region and programme, numbered when taken
        assert send(c, "/tongzhi/xin/", **GOOD).headers["location"].endswith("-ny001/")
        assert send(c, "/tongzhi/xin/", **GOOD).headers["location"].endswith("-ny001-2/")
    assert (repo / "data/notices/tuichi.md").read_bytes() == before


def test_existing_notices_are_listed_and_changed(console, repo: Path):
    with console.client() as c:
        assert send(c, "/tongzhi/xin/", **GOOD, slug="tuichi").status_code == 303
        listing = c.get("/tongzhi/")
        assert listing.status_code == 200
        assert [row[0] for row in table_rows(listing.text, "notices")][0].startswith(GOOD["title"])
        assert 'href="/tongzhi/tuichi/"' in listing.text
        form = c.get("/tongzhi/tuichi/").text
        assert 'value="2026-12-06"' in form and 'value="08:00"' in form and 'value="2026-12-31"' in form
        assert '<option value="410421000000" selected>' in form and 'value="NY001" checked' in form
        assert 'name="slug"' not in form  # the file keeps its name

        # taken down early: the end moved before the start is refused, a day after the start is fine
        fields = {**GOOD, "start_date": "2026-12-06", "start_time": "08:00", "end_date": "2026-12-07",
                  "end_time": "12:00", "level": "提示", "region": ""}
        r = post(c, "/tongzhi/tuichi/", data={"csrf": csrf_of(form), **fields})
        assert r.status_code == 303 and r.headers["location"] == "/tongzhi/wancheng/tuichi/"
    text = (repo / "data/notices/tuichi.md").read_text(encoding="utf-8")
    assert "结束: 2026-12-07 12:00" in text and "级别: 提示" in text and "区划代码" not in text
    assert notices(repo) == [repo / "data/notices/tuichi.md"]


def test_a_broken_notice_file_is_named_not_opened(console, repo: Path):
    (repo / "data/notices").mkdir()
    (repo / "data/notices/broken.md").write_text("---\n标题: 坏\n开始: 明天\n---\n正文\n", encoding="utf-8")
    with console.client() as c:
        listing = c.get("/tongzhi/")
        assert "data/notices/broken.md" in listing.text and "文件有错误" in listing.text
        r = c.get("/tongzhi/broken/")
        assert r.status_code == 409 and "不能打开它修改" in r.text and "开始" in r.text
        assert c.get("/tongzhi/no-such/").status_code == 404
        assert c.get("/tongzhi/..%2Fsite/").status_code == 404


def test_a_notice_round_trips_through_the_form():
    """An end at midnight is a bare end date (load adds the day): the form shows the day before."""
    from generator.load import Collector, load_notice

    form = NoticeForm("x", "标题", "提示", "2026-01-02", "", "2026-01-31", "", ("410421000000",), (), "正文")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.md"
        path.write_text(form.text(), encoding="utf-8")
        n = load_notice(path, Collector(Path(tmp)))
    assert NoticeForm.of_notice(n) == form
    assert re.search(r"^结束: 2026-01-31$", form.text(), re.M)
