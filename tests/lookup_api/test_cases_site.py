"""The 咨询投诉统计 rebuilt with the site (`python -m generator build`), on SQLite and PostgreSQL:
known cases give the expected figures on tongji/zixun/ (read in headless Chromium) and in
tongji/zixun.json, the same as the live page and API; small groups are suppressed; a protected
programme appears only site-wide; without a cases database the page points to the live figures;
the build opens the database read-only and the page carries the build time, not the wall clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lookup_api.cases import secrets as case_secrets
from lookup_api.cases.schema import Case, Rating
from lookup_api.cases.service import DUE_DAYS
from lookup_api.cases.store import Store
from tests.golden import TINY
from tests.lookup_api.server import settings_for
from tests.site.browser import serve_dir

REPO = Path(__file__).resolve().parents[2]
#: The build time: now, to the minute, so the live page (which counts from the wall clock) agrees.
BUILT = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0, tzinfo=None)
EPOCH = str(int(BUILT.replace(tzinfo=dt.timezone.utc).timestamp()))
SHOWN = (BUILT + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
CONTENT = "我家的耕地地力保护补贴今年没有到账，村里说已经报上去了。"
PHONE = "13912345678"

#: kind, programme (code, name), village, days before the build, days it took to reply, rating
KNOWN = [
    ("咨询", ("NY001", "耕地地力保护补贴"), "410421100201", 20, 1, "满意"),
    ("咨询", ("NY001", "耕地地力保护补贴"), "410421100201", 20, 2, "满意"),
    ("咨询", ("NY001", "耕地地力保护补贴"), "410421100202", 20, 3, "基本满意"),
    ("咨询", ("NY001", "耕地地力保护补贴"), "410421100202", 20, 4, "满意"),
    ("咨询", ("NY001", "耕地地力保护补贴"), "410421100001", 20, 10, "不满意"),  # 10 days: late (5 promised)
    ("投诉", None, "410421100201", 30, None, None),  # never answered, 15 days long past: not on time
    ("投诉", ("MZ005", "孤儿基本生活费"), "410421100202", 2, None, None),  # protected, still open
    ("上门服务", None, "410421100201", 3, None, None),
    ("举报", None, "410425101201", 1, None, None),
    ("举报", None, "410425101201", 1, None, None),
]


def fill(url: str) -> None:
    """The known cases, written as the API would have (contact details and content encrypted)."""
    store = Store(url)
    cipher = case_secrets.load_fernet({"HUINONG_DEMO": "1"})
    try:
        with store.session() as s:
            for i, (kind, programme, village, age, reply_days, rating) in enumerate(KNOWN, 1):
                created = BUILT - dt.timedelta(days=age)
                replied = created + dt.timedelta(days=reply_days) if reply_days is not None else None
                case = Case(number=f"{created:%Y%m%d}-{village[:6]}-{i:04d}", code_hash="0" * 64, kind=kind,
                            programme=programme[0] if programme else None,
                            programme_name=programme[1] if programme else None,
                            village=village, township=village[:9] + "000", county=village[:6] + "000000",
                            place_name="某村", department="民政局", content_enc=cipher.encrypt(CONTENT),
                            phone_enc=cipher.encrypt(PHONE) if kind != "举报" else None, name_enc=None,
                            anonymous=kind == "举报", status="已答复" if replied else "已受理", reply=None,
                            created_at=created, due_at=created + dt.timedelta(days=DUE_DAYS[kind]),
                            replied_at=replied, updated_at=replied or created)
                s.add(case)
                s.flush()
                if rating:
                    s.add(Rating(case_id=case.id, rating=rating, comment="答复很及时", at=replied))
    finally:
        store.dispose()


def build(tmp_path: Path, name: str, prefix: tuple[str, ...] = (), **env_extra: str
          ) -> tuple[Path, subprocess.CompletedProcess]:
    """`python -m generator build` of the tiny data set, in a directory of its own (no var/ of ours)."""
    work = tmp_path / name
    work.mkdir()
    data = work / "data"
    shutil.copytree(TINY / "data", data)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUINONG_", "CASES_", "LOOKUP_"))}
    env.update(HUINONG_DEMO="1", SOURCE_DATE_EPOCH=EPOCH, PYTHONPATH=str(REPO), **env_extra)
    done = subprocess.run([*prefix, sys.executable, "-m", "generator", "build", "--data", str(data), "--out",
                           str(work / "public")], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return work / "public" / "site", done


def env_for(url: str) -> dict[str, str]:
    if url.startswith("sqlite:///"):
        return {"LOOKUP_CASES_DB": url.removeprefix("sqlite:///")}
    return {"CASES_DATABASE_URL": url}


def tables_of(page, url: str) -> dict[str, list[list[str]]]:
    """caption → rows of cells, as the browser shows them."""
    page.goto(url)
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('table.yk-table')].map(t =>
        [t.caption.innerText.trim(), [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText.trim()))]))""")


def test_build_with_a_cases_database_shows_the_known_figures(cases_url, tmp_path, browser, live, sample_db):
    fill(cases_url)
    before = sqlite_bytes(cases_url)
    site, done = build(tmp_path, "with", **env_for(cases_url))
    assert "咨询投诉统计" not in done.stdout  # no problem reported
    assert sqlite_bytes(cases_url) == before  # read, never written

    figures = json.loads((site / "tongji/zixun.json").read_text(encoding="utf-8"))
    assert figures["source"] == "build" and figures["generated_at"] == figures["built_at"] == SHOWN
    total = figures["total"]
    assert (total["cases"], total["answered"], total["open"]) == (10, 5, 5)
    assert total["median_days_to_reply"] == 3.0
    assert total["answered_on_time_share"] == round(4 / 6, 3)  # 5 answered (4 in time) + 1 overdue
    assert total["satisfaction"] == {"满意": 3, "基本满意": 1, "不满意": 1} and total["satisfied_share"] == 0.8

    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = ctx.new_page()
    with serve_dir(site) as base:
        static = tables_of(page, base + "tongji/zixun/")
        assert static["合计"] == [["全部", "10", "5", "3.0", "67%", "80%"]]
        assert static["按类型"] == [["咨询", "5", "5", "3.0", "80%", "80%"], ["投诉", "少于5件", "—", "—", "—", "—"],
                                  ["举报", "少于5件", "—", "—", "—", "—"], ["上门服务", "少于5件", "—", "—", "—", "—"]]
        assert static["按补贴项目"] == [["耕地地力保护补贴", "5", "5", "3.0", "80%", "80%"],
                                    ["不涉及具体项目", "少于5件", "—", "—", "—", "—"],
                                    ["孤儿基本生活费", "少于5件", "—", "—", "—", "—"]]
        # 宝丰县 (8) beside the total (10) would give 郏县 away by subtraction: hidden too.
        assert static["按县（市、区）"] == [["宝丰县", "不公开", "—", "—", "—", "—"],
                                     ["郏县", "少于5件", "—", "—", "—", "—"]]
        body = page.inner_text("main")
        assert f"统计时间：{SHOWN}" in body
        from axe_playwright_python.sync_playwright import Axe

        with_js = browser.new_context(viewport={"width": 360, "height": 740})  # axe needs scripts
        checked_page = with_js.new_page()
        for width in (360, 1280):
            checked_page.set_viewport_size({"width": width, "height": 900})
            checked_page.goto(base + "tongji/zixun/")
            checked = Axe().run(checked_page)
            assert checked.violations_count == 0, checked.generate_report()[:3000]
        with_js.close()
        # The 统计 page links here, relatively; the page links to the live figures, relatively.
        page.goto(base + "tongji/")
        page.locator("article a", has_text="咨询投诉统计").click()
        assert page.url == base + "tongji/zixun/"
        hrefs = page.eval_on_selector_all("article a", "els => els.map(e => e.getAttribute('href'))")
        assert "../../zixun/tongji/" in hrefs and "../zixun.json" in hrefs
        assert [h for h in hrefs if h.startswith(("/", "http"))] == []

    # The live page and API, on the same database, show the same figures.
    with live(settings_for(sample_db, cases_database_url=cases_url)) as server, server.client() as c:
        api = c.get("/api/v1/cases/stats").json()
        assert {k: v for k, v in api.items() if k != "generated_at"} == {
            k: v for k, v in figures.items() if k not in ("generated_at", "built_at", "source", "live")}
        assert tables_of(page, server.url + "/zixun/tongji/") == static
    ctx.close()

    html = (site / "tongji/zixun/index.html").read_text(encoding="utf-8")
    raw = json.dumps(figures, ensure_ascii=False)
    for secret in (CONTENT[:8], PHONE, "答复很及时"):  # no content, contact detail or rating comment
        assert secret not in html and secret not in raw
    # The protected programme only site-wide: the county rows name no programme.
    assert [r["label"] for r in figures["by_programme"]].count("孤儿基本生活费") == 1
    assert [r for r in figures["by_county"] + figures["by_kind"] if "孤儿" in json.dumps(r, ensure_ascii=False)] == []


def test_the_figures_are_as_of_the_build_time_whatever_the_wall_clock(tmp_path):
    """Two builds from one database, the second with the clock 20 days later: the same bytes (two
    open cases pass their due dates in between, which would change the share answered on time if
    the wall clock were used, and so would the time shown)."""
    url = f"sqlite:///{tmp_path / 'cases.sqlite'}"
    fill(url)
    first, _ = build(tmp_path, "first", **env_for(url))
    later, _ = build(tmp_path, "later", **env_for(url), prefix=("faketime", "-f", "+20d"))
    for name in ("tongji/zixun/index.html", "tongji/zixun.json"):
        assert (first / name).read_bytes() == (later / name).read_bytes()
    assert json.loads((later / "tongji/zixun.json").read_text(encoding="utf-8"))["total"]["cases"] == 10


def test_build_without_a_cases_database_points_to_the_live_figures(tmp_path, browser):
    site, done = build(tmp_path, "without")  # LOOKUP_CASES_DB unset: var/cases.sqlite of its directory
    assert not (tmp_path / "without/var").exists()  # not created by the build
    assert "咨询投诉统计" not in done.stdout
    figures = json.loads((site / "tongji/zixun.json").read_text(encoding="utf-8"))
    assert figures["source"] == "live" and "total" not in figures
    assert figures["live"] == {"page": "../zixun/tongji/", "data": "../api/v1/cases/stats"}
    page = browser.new_page()
    with serve_dir(site) as base:
        page.goto(base + "tongji/zixun/")
        body = page.inner_text("main")
        assert "由咨询投诉服务实时统计" in body and "本页面不含数字" in body
        assert page.locator("table.yk-table").count() == 0
        assert page.get_attribute("text=咨询投诉统计（实时）", "href") == "../../zixun/tongji/"
    page.close()


def test_a_database_of_another_schema_gives_the_live_page_and_a_report_line(tmp_path):
    db = tmp_path / "old.sqlite"
    store = Store(f"sqlite:///{db}")
    with store.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    store.dispose()
    site, done = build(tmp_path, "old", LOOKUP_CASES_DB=str(db))
    assert "咨询投诉统计：咨询投诉数据库的结构（0000）" in done.stdout and "cases migrate" in done.stdout
    assert json.loads((site / "tongji/zixun.json").read_text(encoding="utf-8"))["source"] == "live"


def test_the_build_opens_the_cases_database_read_only(cases_url, tmp_path):
    fill(cases_url)
    store = Store(cases_url, readonly=True)
    try:
        with pytest.raises(SQLAlchemyError, match="read-only|readonly"):
            with store.engine.begin() as c:
                c.execute(text("DELETE FROM ratings"))
        with store.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM ratings")).scalar() == 5
    finally:
        store.dispose()
    missing = tmp_path / "nothing" / "cases.sqlite"
    with pytest.raises(FileNotFoundError):
        Store(f"sqlite:///{missing}", readonly=True)
    assert not missing.parent.exists()


def sqlite_bytes(url: str) -> str | None:
    if not url.startswith("sqlite:///"):
        return None
    # The main file: a WAL reader may add -shm/-wal beside it, never change it.
    return hashlib.sha256(Path(url.removeprefix("sqlite:///")).read_bytes()).hexdigest()
