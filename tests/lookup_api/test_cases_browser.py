"""The whole round in headless Chromium, on SQLite and on PostgreSQL: a villager submits
through the form, staff log in and answer, the villager reads the answer with 件号 + 查询码
and rates it; a wrong 查询码 shows nothing; staff of another county cannot see the case."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from huinong_core import site_files
from lookup_api.cases import auth
from tests.lookup_api.server import settings_for

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "宝丰县民政局 2026"
REPLY = "经核实，您父亲的高龄津贴第三季度因银行账户被冻结发放失败，解冻后已于11月20日补发到社保卡。"

pytestmark = pytest.mark.slow


@pytest.fixture
def server(live, sample_db, cases_url, tmp_path):
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    shutil.copyfile(REPO / "site_src" / "docs" / "assets" / "yikatong.css", site / site_files.asset("yikatong.css"))
    with live(settings_for(sample_db, cases_database_url=cases_url, site_dir=site, cases_pow_bits=10)) as s:
        store = s.server.config.app.state.cases.service.store
        auth.add_staff(store, "bf.minzheng", PASSWORD, "宝丰县民政局 王", ["民政局"], ["410421000000"])
        auth.add_staff(store, "jx.minzheng", PASSWORD, "郏县民政局 李", ["民政局"], ["410425000000"])
        yield s


@pytest.fixture(scope="module")
def village(sample_db):
    con = sqlite3.connect(sample_db)
    return str(con.execute("SELECT village FROM places WHERE village LIKE '410421%' ORDER BY village").fetchone()[0])


def staff_login(browser, server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/staff/")
    assert page.url.endswith("/staff/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(server.url + "/staff/")
    return context, page


def follow_up(browser, server, number, code):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(server.url + "/zixun/chaxun/")
    page.fill("#number", number)
    page.fill("#query_code", code)
    page.click("#follow-form button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_submit_answer_and_read_the_answer(browser, server, village):
    # A villager, on a phone, with JavaScript: the proof-of-work is done by the page.
    public = browser.new_context(viewport={"width": 360, "height": 800})
    page = public.new_page()
    page.goto(f"{server.url}/zixun/?quhua={village}&xiangmu=MZ010")
    assert page.locator("#verify").is_hidden()  # the script took over the sum
    page.check("input[name=kind][value=投诉]")
    page.fill("#content", "我父亲今年第三季度的高龄津贴没有到账，村里说已经报上去了，请帮忙查一下。")
    page.fill("#phone", "13700001111")
    page.fill("#name", "张大爷家属")
    page.click("#case-form button[type=submit]")
    page.wait_for_url("**/zixun/tijiao/")
    number, code = page.inner_text("#case-number"), page.inner_text("#case-code")
    assert "宝丰县民政局" in page.inner_text("#receipt")
    assert float(page.eval_on_selector("html", "e => parseFloat(getComputedStyle(document.body).fontSize)")) >= 18
    page.screenshot(path="/tmp/cases-receipt.png", full_page=True)
    public.close()

    # Staff of another county: nothing.
    context, page = staff_login(browser, server, "jx.minzheng")
    assert number not in page.inner_text("main")
    page.goto(f"{server.url}/staff/jian/{number}/")
    assert "没有这一件" in page.inner_text("main") and "13700001111" not in page.content()
    context.close()

    # Staff of the county and department: accept, reply.
    context, page = staff_login(browser, server, "bf.minzheng")
    page.click(f"#queue a:text('{number}')")
    page.wait_for_url(f"**/staff/jian/{number}/")
    assert "13700001111" in page.inner_text("main") and "张大爷家属" in page.inner_text("main")
    page.click("button:text('受理，开始办理')")
    page.wait_for_load_state()
    assert page.inner_text("#case-status") == "办理中"
    page.fill("#reply", REPLY)
    page.click("#reply-form button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#case-status") == "已答复"
    assert "bf.minzheng" in page.inner_text("#events")
    page.screenshot(path="/tmp/cases-staff.png", full_page=True)
    context.close()

    # The villager, without JavaScript, reads the answer with 件号 + 查询码 and rates it.
    context, page = follow_up(browser, server, number, code.lower().replace("-", " "))
    assert page.url == server.url + "/zixun/chaxun/"
    assert page.inner_text("#case-status") == "已答复"
    assert REPLY in page.inner_text("#case-reply")
    assert "13700001111" not in page.content() and "张大爷家属" not in page.content()
    page.check("input[name=rating][value=满意]")
    page.fill("#comment", "很快就查清楚了")
    page.click("form[action='pingjia/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#case-rating") == "满意"
    page.screenshot(path="/tmp/cases-answer.png", full_page=True)
    context.close()

    # A wrong 查询码 shows nothing of the case, exactly like a number that does not exist.
    context, page = follow_up(browser, server, number, "ABCD-EFGH")
    wrong = page.inner_text("main")
    assert "件号或查询码不对" in wrong and REPLY not in wrong and "已答复" not in wrong
    context.close()
    context, page = follow_up(browser, server, number[:-4] + "0999", code)
    assert page.inner_text("#form-error") in wrong
    context.close()


def test_the_form_without_javascript(browser, server, village):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(f"{server.url}/zixun/")
    page.click(".yk-cols a >> nth=0")  # county
    page.click(".yk-cols a >> nth=0")  # township
    page.click(".yk-cols a >> nth=0")  # village
    page.check("input[name=kind][value=举报]")
    page.fill("#content", "村里有人冒领已经去世老人的高龄津贴。")
    page.check("input[name=anonymous]")
    question = page.inner_text("label[for=answer]")
    a, b = (int(x) for x in question.replace("等于几？", "").split(" 加 "))
    page.fill("#answer", str(a + b))
    page.click("#case-form button[type=submit]")
    page.wait_for_url("**/zixun/tijiao/")
    assert page.inner_text("#case-number").endswith("-0001")
    assert "财政局" in page.inner_text("#receipt")
    context.close()


@pytest.mark.parametrize("cases_url", ["sqlite"], indirect=True)  # pages, not storage: one database is enough
def test_axe_finds_no_violations(browser, server, village):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    axe = Axe()
    report = {}
    for path in ("/zixun/", f"/zixun/?quhua={village}", "/zixun/chaxun/", "/zixun/tongji/", "/staff/login/"):
        page.goto(server.url + path)
        results = axe.run(page)
        if results.violations_count:
            report[path] = results.generate_report()
    context.close()
    assert not report, "\n\n".join(f"{k}:\n{v}" for k, v in report.items())[:6000]
