"""The shell every page shares (header, menu, notices, 关怀版): measured in real Chromium at
360×740 with JavaScript off, at 200 % zoom (a 180-px-wide viewport) and at 1280 px."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

#: Where screenshots go for a person to look at (see the issue: first screen of a village page).
SHOTS = Path(os.environ.get("HUINONG_SHOTS", "/tmp/shell-shots"))


@pytest.fixture(scope="module")
def shell_pages(pages):
    """The pages with the site's header: haibao/ is the posters' own plain index page."""
    return {k: v for k, v in pages.items() if k != "posters"}


def _ctx(chromium, width, height=740, js=False):
    return chromium.new_context(java_script_enabled=js, viewport={"width": width, "height": height})


def _small_targets(page, selector: str) -> list[str]:
    """Visible elements under 44×44 CSS px (WCAG 2.5.5) matching selector."""
    return page.evaluate("""sel => [...document.querySelectorAll(sel)].filter(e => {
        const r = e.getBoundingClientRect(), s = getComputedStyle(e);
        // visually hidden (a label for screen readers only: 1×1, or off screen) is not a target
        const hidden = (r.width <= 1 && r.height <= 1) || r.right <= 0;
        return r.width > 0 && r.height > 0 && !hidden && s.visibility !== 'hidden' && (r.width < 44 || r.height < 44);
      }).map(e => `${e.tagName} ${e.textContent.trim().slice(0, 12)} ${Math.round(e.getBoundingClientRect().width)}×${Math.round(e.getBoundingClientRect().height)}`)""",
                         selector)


TARGETS = (".yk-header a, .yk-header summary, .yk-header label, .yk-header button, .yk-menu a, .yk-nav a, "
           ".yk-crumbs a, .yk-cols a, nav[aria-label='翻页'] a, .yk-filters a, .yk-links a, .yk-notice summary")


def test_phone_header_is_one_line_and_leaves_the_first_screen_to_the_page(chromium, base_url, shell_pages):
    """At 360×740 without JavaScript: short name, 菜单, 搜索, 关怀版 on one line; header and
    notices together about 120 px, so the page's heading is well inside the first screen."""
    ctx = _ctx(chromium, 360)
    page = ctx.new_page()
    for kind, path in shell_pages.items():
        page.goto(base_url + path)
        header = page.locator(".yk-header").bounding_box()
        assert header["height"] <= 56, (kind, header)
        for sel in (".yk-brand__short", ".yk-menu > summary", ".yk-find", ".yk-care-toggle"):
            box = page.locator(sel).bounding_box()
            assert box and box["y"] < header["height"], (kind, sel)
        assert not page.locator(".yk-nav").is_visible() and not page.locator(".yk-brand__full").is_visible()
        bottom = page.evaluate("""() => { const n = document.querySelector('.yk-notices');
            return n ? n.getBoundingClientRect().bottom : document.querySelector('.yk-header').getBoundingClientRect().bottom; }""")
        assert bottom <= 125, (kind, bottom)
        h1 = page.locator("h1").first.bounding_box()
        assert h1["y"] + h1["height"] < 300, (kind, h1)
    ctx.close()


def test_urgent_notice_is_one_line_that_opens_to_its_full_text(chromium, base_url, pages):
    ctx = _ctx(chromium, 360)
    page = ctx.new_page()
    page.goto(base_url + pages["village"])
    notice = page.locator(".yk-notice--urgent").first
    if not notice.count():
        pytest.skip("the sample has no urgent notice in force on this village page")
    body = notice.locator(".yk-notice__body")
    assert not body.is_visible()
    assert "紧急" in notice.locator("summary").inner_text()
    notice.locator("summary").click()
    assert body.is_visible() and len(body.inner_text()) > 20
    # The feeds link to the home page's #tongzhi-<slug>: the browser opens the notice by itself.
    anchor = body.get_attribute("id")
    assert anchor.startswith("tongzhi-")
    page.goto(base_url + "#" + anchor)
    assert page.locator(f"[id='{anchor}']").is_visible()
    ctx.close()


def test_menu_opens_without_javascript(chromium, base_url, pages):
    ctx = _ctx(chromium, 360)
    page = ctx.new_page()
    page.goto(base_url + pages["village"])
    menu = page.locator(".yk-menu a")
    assert not menu.first.is_visible()
    page.locator(".yk-menu > summary").click()
    assert menu.count() == 9 and all(menu.nth(i).is_visible() for i in range(9))
    assert page.locator(".yk-menu a[aria-current='page']").inner_text() == "村级公示"
    assert _small_targets(page, ".yk-menu a") == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "menu-open-360.png"))
    page.locator(".yk-menu a", has_text="政策清单").click()
    assert page.url.endswith("/zhengce/")
    ctx.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_tap_targets_are_at_least_44_px(chromium, base_url, pages, width):
    """Header, menu, nav bar, breadcrumbs, region lists, filters, pagination, notices."""
    ctx = _ctx(chromium, width)
    page = ctx.new_page()
    report = {}
    for kind, path in pages.items():
        page.goto(base_url + path)
        if width == 360 and kind != "posters":
            page.locator(".yk-menu > summary").click()
        small = _small_targets(page, TARGETS)
        if small:
            report[kind] = small[:6]
    ctx.close()
    assert not report, report


def test_region_pages_have_lists_to_tap(chromium, base_url, pages):
    """The tap-target test must have something to measure: township pages list villages."""
    ctx = _ctx(chromium, 360)
    page = ctx.new_page()
    page.goto(base_url + pages["township"])
    assert page.locator(".yk-crumbs a").count() >= 2
    assert page.locator(".yk-cols a, main li a").count() >= 1
    ctx.close()


@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_200_percent_zoom_does_not_scroll_sideways(chromium, base_url, pages, care):
    """A 360-px phone at 200 % zoom is a 180-px-wide CSS viewport."""
    ctx = _ctx(chromium, 180, 370)
    page = ctx.new_page()
    report = {}
    for kind, path in pages.items():
        page.goto(base_url + path)
        if care and kind != "posters":
            page.locator(".yk-care-toggle").click()
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 180:
            report[kind] = width
    ctx.close()
    assert not report, report


def test_care_mode_works_on_one_page_without_javascript(chromium, base_url, pages):
    ctx = _ctx(chromium, 360)
    page = ctx.new_page()
    page.goto(base_url + pages["policy"])
    size = "parseFloat(getComputedStyle(document.querySelector('.md-typeset p, main p')).fontSize)"
    assert page.evaluate(size) < 22
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(base_url + pages["village"])
    page.locator(".yk-care-toggle").click()
    assert page.locator("#yk-care").is_checked()
    assert page.evaluate(size) >= 22
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    assert _small_targets(page, TARGETS) == []
    page.screenshot(path=str(SHOTS / "care-village-360.png"))
    page.goto(base_url + pages["policy"])  # without JavaScript it does not persist
    assert page.evaluate(size) < 22
    page.locator(".yk-care-toggle").click()
    assert page.evaluate(size) >= 22
    ctx.close()


def test_care_mode_persists_and_is_restored_before_the_page_shows(chromium, base_url, pages):
    ctx = _ctx(chromium, 360, js=True)
    # Record whether the page was already in 关怀版 when <body> first appeared.
    ctx.add_init_script("""new MutationObserver((m, obs) => { if (document.body) {
        window.__careAtBody = document.documentElement.classList.contains('yk-care'); obs.disconnect(); } })
        .observe(document, {childList: true, subtree: true});""")
    page = ctx.new_page()
    page.goto(base_url + pages["home"])
    assert page.evaluate("window.__careAtBody") is False
    page.locator(".yk-care-toggle").click()
    size = "parseFloat(getComputedStyle(document.querySelector('.md-typeset p, main p')).fontSize)"
    assert page.evaluate(size) >= 22
    for kind in ("village", "policy", "batch"):  # both halves
        page.goto(base_url + pages[kind])
        assert page.evaluate("window.__careAtBody") is True, kind
        assert page.locator("#yk-care").is_checked() and page.evaluate(size) >= 22, kind
    page.locator(".yk-care-toggle").click()
    assert page.evaluate(size) < 22
    page.goto(base_url + pages["home"])
    assert page.evaluate("window.__careAtBody") is False and not page.locator("#yk-care").is_checked()
    ctx.close()


def test_screenshots_for_review(chromium, base_url, pages):
    """Not an assertion of looks: the first screens a person should look at (paths in SHOTS)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = _ctx(chromium, 360)
    page = ctx.new_page()
    for kind in ("village", "home", "policy", "batch"):
        page.goto(base_url + pages[kind])
        page.screenshot(path=str(SHOTS / f"{kind.replace(' ', '-')}-360.png"))
    ctx.close()
    ctx = _ctx(chromium, 1280, 900)
    page = ctx.new_page()
    for kind in ("village", "home"):
        page.goto(base_url + pages[kind])
        page.screenshot(path=str(SHOTS / f"{kind}-1280.png"))
    ctx.close()
    assert (SHOTS / "village-360.png").stat().st_size > 1000
