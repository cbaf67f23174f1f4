"""The 查询 page in headless Chromium: with JavaScript off (plain form post → HTML page) and on."""

from __future__ import annotations

import pytest

from tests.lookup_api.helpers import bare_site
from tests.lookup_api.server import settings_for

pytestmark = pytest.mark.slow


def test_form_works_without_javascript(browser, live, sample_db, tmp_path, dibao_people):
    person, _ = dibao_people[0]
    site = bare_site(tmp_path / "site")
    with live(settings_for(sample_db, site_dir=site)) as server:
        context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
        page = context.new_page()
        page.goto(server.url + "/chaxun/")
        # Typed the way people type: full-width digits, spaces.
        page.fill("#id_number", person.id18[:6] + " " + person.id18[6:].translate(str.maketrans("0123456789", "０１２３４５６７８９")))
        page.fill("#name", person.name)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert page.url == server.url + "/api/v1/lookup"
        text = page.inner_text("main")
        assert "查到" in text and "已发放" in text and "需要保护个人隐私" in text
        assert person.name not in page.content() and person.id18 not in page.content()
        assert float(page.eval_on_selector("html", "e => parseFloat(getComputedStyle(e).fontSize)")) >= 18
        page.screenshot(path="/tmp/lookup-nojs-result.png", full_page=False)
        page.click("text=返回查询页面")
        assert page.url == server.url + "/chaxun/"
        # A malformed ID: an HTML error page with the same status code as the JSON API.
        page.fill("#id_number", "41042119600101")
        page.fill("#name", "张三")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/lookup")) as response:
            page.click("button[type=submit]")
        assert response.value.status == 422
        assert "位数不对" in page.inner_text("main")
        page.screenshot(path="/tmp/lookup-nojs-error.png")
        context.close()


def test_script_renders_results_in_place(browser, live, sample_db, tmp_path, dibao_people):
    person, _ = dibao_people[0]
    site = bare_site(tmp_path / "site")
    with live(settings_for(sample_db, site_dir=site)) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(server.url + "/chaxun/")
        page.fill("#id_number", person.id18.lower())
        page.fill("#name", person.name)
        page.click("button[type=submit]")
        page.wait_for_selector("#lookup-result h2")
        assert page.url == server.url + "/chaxun/"
        result = page.inner_text("#lookup-result")
        assert "查询结果" in result and "已到账合计" in result and "卡号尾号" in result
        page.screenshot(path="/tmp/lookup-js-result.png")
        page.fill("#id_number", "12345")
        page.click("button[type=submit]")
        page.wait_for_selector("#lookup-result .error")
        assert "位数不对" in page.inner_text("#lookup-result")
        context.close()
