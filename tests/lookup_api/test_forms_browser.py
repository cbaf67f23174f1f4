"""Forms that forgive, in headless Chromium with JavaScript off at 360×740: a failed lookup keeps what
was typed and answers before any notice; every form lists all its problems at once (GOV.UK pattern:
summary focused on load, links to the fields, a message beside each, aria-invalid, "错误：" in the title).
Screenshots land in /tmp/forms-shots/."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from huinong_core import site_files
from lookup_api.cases import auth
from tests.golden import fake_id
from tests.lookup_api.helpers import bare_site
from tests.lookup_api.server import settings_for

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path("/tmp/forms-shots")
PHONE = {"width": 360, "height": 740}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(sample_db, tmp_path_factory):
    from tests.lookup_api.server import LiveServer
    from lookup_api.main import create_app

    site = bare_site(tmp_path_factory.mktemp("forms") / "site")
    shutil.copyfile(REPO / "site_src" / "docs" / "assets" / "yikatong.css", site / site_files.asset("yikatong.css"))
    with LiveServer(create_app(settings_for(sample_db, site_dir=site, cases_pow_bits=10))) as s:
        auth.add_staff(s.server.config.app.state.cases.service.store, "bf.minzheng", "宝丰县民政局 2026",
                       "宝丰县民政局 王", ["民政局"], ["410421000000"])
        yield s


@pytest.fixture
def page(browser):
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    yield context.new_page()
    context.close()


def summary_state(page) -> dict:
    page.wait_for_load_state()
    # autofocus runs at the next rendering update after load; give it that moment, then look.
    try:
        page.wait_for_function("document.activeElement && document.activeElement.getAttribute('role') === 'alert'",
                               timeout=3000)
    except Exception:  # noqa: BLE001 - the assertion on "focused" below reports it
        pass
    return page.evaluate("""() => {
        const s = document.querySelector('[role=alert]');
        return {focused: document.activeElement === s, tabindex: s && s.getAttribute('tabindex'),
                heading: s && s.querySelector('h2').textContent,
                links: s ? [...s.querySelectorAll('a')].map(a => a.getAttribute('href')) : [],
                invalid: [...document.querySelectorAll('[aria-invalid=true]')].map(e => e.id),
                title: document.title};
    }""")


def test_a_failed_lookup_keeps_both_fields_and_answers_before_the_notices(server, page):
    unknown = fake_id("410421", "19600101", 777)
    page.goto(server.url + "/chaxun/")
    page.fill("#id_number", unknown[:6] + " " + unknown[6:])
    page.fill("#name", "王某某")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/lookup")) as response:
        page.click("button[type=submit]")
    assert response.value.status == 200
    assert response.value.headers["cache-control"] == "no-store"
    assert page.input_value("#id_number") == unknown[:6] + " " + unknown[6:]
    assert page.input_value("#name") == "王某某"
    assert page.inner_text("h1") == "没有查到发放记录"
    assert page.inner_text("#again") == "核对后再查"
    # The answer and the form come before every notice (请注意, and any 紧急/提示 notice).
    order = page.evaluate("""() => {
        const form = document.getElementById('lookup-form');
        return [...document.querySelectorAll('.alert, .notes')].map(
            n => !!(form.compareDocumentPosition(n) & Node.DOCUMENT_POSITION_FOLLOWING));
    }""")
    assert order and all(order)
    page.screenshot(path=str(SHOTS / "lookup-failed.png"))
    # Correct and look again, straight from the filled form: still nothing, still filled.
    page.fill("#name", "王某")
    page.click("#lookup-form button[type=submit]")
    page.wait_for_load_state()
    assert page.input_value("#name") == "王某" and page.input_value("#id_number").endswith(unknown[6:])


def test_a_malformed_lookup_lists_every_problem_with_links(server, page):
    page.goto(server.url + "/chaxun/")
    page.fill("#id_number", "41042119600101")
    page.fill("#name", "Zhang San")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/lookup")) as response:
        page.click("button[type=submit]")
    assert response.value.status == 422 and response.value.headers["cache-control"] == "no-store"
    state = summary_state(page)
    assert state["focused"] and state["tabindex"] == "-1" and state["heading"] == "有以下问题"
    assert state["links"] == ["#id_number", "#name"] and state["invalid"] == ["id_number", "name"]
    assert state["title"].startswith("错误：")
    assert "位数不对" in page.inner_text("#id_number_error") and "姓名" in page.inner_text("#name_error")
    assert page.input_value("#id_number") == "41042119600101" and page.input_value("#name") == "Zhang San"
    page.screenshot(path=str(SHOTS / "lookup-errors.png"))
    page.click("#error-summary a[href='#name']")
    assert page.evaluate("location.hash") == "#name"


def test_the_id_box_brings_digits_and_still_takes_an_x(server, page):
    """inputmode=numeric: a digit keyboard (which has no X on most Android phones), so the form has a
    "最后一位是 X" box that works without JavaScript; the pattern admits every way people type an ID."""
    page.goto(server.url + "/chaxun/")
    for url in (None, "again"):
        if url:  # the same box on the re-rendered form
            page.fill("#id_number", "1")
            page.fill("#name", "张三")
            page.click("button[type=submit]")
            page.wait_for_load_state()
        box = page.locator("#id_number")
        assert box.get_attribute("inputmode") == "numeric"
        assert box.get_attribute("autocomplete") == "off"
        assert page.locator("#id_x").get_attribute("type") == "checkbox"
        assert page.locator("label[for=id_x]").inner_text().startswith("最后一位是 X")
        verdicts = {}
        for typed in ("41042119600101123X", "410421 19600101 123x", "４１０４２１１９６００１０１１２３Ｘ", "abc", "4104-21"):
            box.fill(typed)
            verdicts[typed] = box.evaluate("e => e.validity.patternMismatch")
        assert verdicts == {"41042119600101123X": False, "410421 19600101 123x": False,
                            "４１０４２１１９６００１０１１２３Ｘ": False, "abc": True, "4104-21": True}


@pytest.fixture(scope="module")
def village(sample_db):
    con = sqlite3.connect(sample_db)
    return str(con.execute("SELECT village FROM places WHERE village LIKE '410421%' ORDER BY village").fetchone()[0])


def test_the_zixun_form_shows_every_error_at_once(server, page, village):
    page.goto(f"{server.url}/zixun/?quhua={village}")
    page.check("input[name=kind][value=上门服务]")
    page.fill("#content", "太短")
    page.fill("#phone", "123")
    page.fill("#answer", "999")
    with page.expect_response(lambda r: r.url.endswith("/zixun/") and r.request.method == "POST") as response:
        page.click("#case-form button[type=submit]")
    assert response.value.status == 422
    state = summary_state(page)
    assert state["focused"] and state["tabindex"] == "-1" and state["heading"] == "有以下问题"
    assert state["links"] == ["#content", "#phone", "#answer"]
    assert state["invalid"] == ["content", "phone", "answer"]
    assert state["title"].startswith("错误：")
    assert "太短" in page.inner_text("#content-error") and "电话" in page.inner_text("#phone-error")
    assert "答错" in page.inner_text("#answer-error")
    assert page.input_value("#content") == "太短" and page.input_value("#phone") == "123"
    assert page.is_checked("input[name=kind][value=上门服务]")
    page.screenshot(path=str(SHOTS / "zixun-errors.png"), full_page=True)
    page.click("#form-error a[href='#phone']")
    assert page.evaluate("location.hash") == "#phone"


def test_the_staff_login_lists_every_error(server, page):
    page.goto(server.url + "/staff/login/")
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    state = summary_state(page)
    assert state["focused"] and state["links"] == ["#username", "#password"]
    assert state["invalid"] == ["username", "password"] and state["title"].startswith("错误：")
    page.fill("#username", "bf.minzheng")
    page.fill("#password", "不对")
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    state = summary_state(page)
    assert state["focused"] and "用户名或密码不对" in page.inner_text("#form-error")
    assert page.input_value("#username") == "bf.minzheng" and page.input_value("#password") == ""
