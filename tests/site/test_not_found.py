"""The site's 404: Chinese, plain help (search, 按地区找本村, 监督电话), no menu item pretending to be
the current page, and the same page from `python -m generator serve` at any depth (its stylesheet
loads from /diqu/41/xyz/ too).  nginx serves it by error_page (tests/deploy/test_nginx.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.lookup_api.server import LiveServer, settings_for

SHOTS = Path("/tmp/forms-shots")


def test_the_built_404_is_chinese_with_plain_help(site: Path, sample_dataset):
    html = (site / "404.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN"' in html or "lang=zh" in html.replace('"', "")
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title.startswith(sample_dataset.site.name) and "找不到这个页面" in title
    assert "Not found" not in html and "<h1>找不到这个页面</h1>" in html
    assert re.search(r'<a href="/diqu/">按地区找本村</a>', html)
    assert sample_dataset.site.phone in html and f'href="tel:{sample_dataset.site.phone.replace("-", "")}"' in html
    assert 'role="search"' in html and 'name="q"' in html
    assert "aria-current" not in html  # not 首页, nor any other menu item


@pytest.fixture(scope="module")
def served(built: Path):
    """What `python -m generator serve` runs: the API app with the built site mounted at /."""
    from lookup_api.main import create_app

    with LiveServer(create_app(settings_for(built / "lookup.sqlite", site_dir=built / "site"))) as server:
        yield server


def test_generator_serve_answers_a_missing_path_with_the_404_page(served, site: Path):
    page = (site / "404.html").read_bytes()
    with served.client() as c:
        for path in ("/no/such/page/", "/diqu/41/xyz/", "/zixun/no/such/", "/assets/nothing.css"):
            r = c.get(path)
            assert r.status_code == 404 and r.content == page, path
        sheet = re.search(r'href="(/assets/yikatong\.[0-9a-f]{8}\.css)"', page.decode()).group(1)
        assert c.get(sheet).status_code == 200
        api = c.get("/api/v1/no/such")  # the API keeps its own JSON 404
        assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


@pytest.mark.slow
def test_the_404_at_depth_is_styled_without_javascript(served):
    from tests.site.browser import browser

    SHOTS.mkdir(exist_ok=True)
    with browser() as b:
        context = b.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
        page = context.new_page()
        response = page.goto(served.url + "/diqu/41/xyz/")
        assert response.status == 404
        assert page.inner_text("h1") == "找不到这个页面"
        # The site's stylesheet loaded: the header has its colour, not the browser's default.
        background = page.eval_on_selector(".yk-header", "e => getComputedStyle(e).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")
        page.screenshot(path=str(SHOTS / "404.png"))
        page.fill("#yk-404-q", "低保")
        page.click("#yk-404 button[type=submit]")
        page.wait_for_load_state()
        assert page.url.startswith(served.url + "/api/sousuo/?q=")
        assert page.locator("#yk-search-results a").count() > 0
        context.close()
