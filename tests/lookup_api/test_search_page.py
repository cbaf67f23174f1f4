"""The server-rendered search results page (api/sousuo/): where the header's search box goes when the
lookup service is served with the site; over real HTTP, and in Chromium with JavaScript off."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from huinong_core import site_files
from tests.lookup_api.server import settings_for

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path("/tmp/forms-shots")


def test_results_keep_the_query_and_link_relative_to_the_page(api):
    with api.client() as c:
        r = c.get("/api/sousuo/", params={"q": "低保"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<title>搜索：低保" in r.text and 'value="低保"' in r.text
    hrefs = re.findall(r'<li><a href="([^"]+)">', r.text.split('id="yk-search-results"', 1)[1])
    assert "../../zhengce/mz001/" in hrefs  # from /api/sousuo/ to the site root: a sub-path works
    assert all(h.startswith("../../") for h in hrefs)
    # The site's look: its stylesheet by a relative path, which the page CSP allows.
    assert f'href="../../{site_files.asset("yikatong.css")}"' in r.text
    assert "style-src 'self'" in r.headers["content-security-policy"]


def test_no_input_makes_a_5xx_and_a_long_query_is_explained(api):
    with api.client() as c:
        slash = c.get("/api/sousuo", params={"q": "低保"})
        empty = c.get("/api/sousuo/")
        long = c.get("/api/sousuo/", params={"q": "低" * 101})
        odd = [c.get("/api/sousuo/", params={"q": q}) for q in ('" OR 1=1 --', "\u0000", "NEAR(a b)", "<b>x</b>")]
        many = c.get("/api/sousuo/?q=1&q=2")
    assert slash.status_code == 303 and slash.headers["location"] == "sousuo/?q=%E4%BD%8E%E4%BF%9D"
    assert empty.status_code == 200 and "搜索政策和文件" in empty.text and 'id="yk-search-count"' not in empty.text
    assert long.status_code == 422 and "<title>错误：" in long.text and "有以下问题" in long.text
    assert 'aria-invalid="true"' in long.text and 'href="#yk-search-q"' in long.text
    assert all(r.status_code == 200 for r in odd + [many])
    assert "<b>x</b>" not in odd[3].text


@pytest.mark.slow
def test_the_header_search_works_without_javascript(browser, live, sample_db, tmp_path):
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    shutil.copyfile(REPO / "site_src" / "docs" / "assets" / "yikatong.css", site / site_files.asset("yikatong.css"))
    SHOTS.mkdir(exist_ok=True)
    with live(settings_for(sample_db, site_dir=site)) as server:
        # A phone gets the compact header: a 搜索 link to the search page, which has the same form.
        context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
        page = context.new_page()
        page.goto(server.url + "/zixun/")  # a page with the site's own header
        assert page.is_visible("header a.yk-find") and not page.is_visible("header input[name=q]")
        assert page.get_attribute("header a.yk-find", "href") == "../sousuo/"
        context.close()
        context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(server.url + "/zixun/")
        page.fill("header input[name=q]", "耕地补贴")
        page.click("header .yk-search button[type=submit]")
        page.wait_for_load_state()
        assert page.url.startswith(server.url + "/api/sousuo/?q=")
        assert page.input_value("header input[name=q]") == "耕地补贴"
        assert page.input_value("#yk-search-q") == "耕地补贴"
        first = page.locator("#yk-search-results a").first
        assert first.inner_text() and first.get_attribute("href").startswith("../../")
        assert "找到" in page.inner_text("#yk-search-count")
        page.screenshot(path=str(SHOTS / "search-results.png"))
        page.click("#yk-search-results a >> nth=0")
        assert page.url.startswith(server.url + "/zhengce/")
        context.close()
