"""axe-core (bundled with axe-playwright-python) on every page type: no violations, at 1280 and
360 px, and at 360 px in 关怀版 with the menu and a notice open."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def _paths(pages, sample_dataset) -> list[str]:
    proc = sorted(sample_dataset.procedures, key=lambda p: p.slug)[0]
    extra = ["zhengce/jici/xian/", f"banshi/{proc.slug}/", "tongji/zixun/", "guanyu/"]
    return list(pages.values()) + extra


def _axe(chromium, base_url, paths, width, care=False):
    from axe_playwright_python.sync_playwright import Axe

    ctx = chromium.new_context(viewport={"width": width, "height": 900})
    page = ctx.new_page()
    axe = Axe()
    report = {}
    for path in paths:
        page.goto(base_url + path)
        if care and page.locator(".yk-care-toggle").count():
            if not page.locator("#yk-care").is_checked():  # yk-care.js keeps it from the last page
                page.locator(".yk-care-toggle").click()
            for summary in page.locator(".yk-notice summary").all():
                summary.click()
            page.locator(".yk-menu > summary").click()  # last: the open menu covers the notices
        results = axe.run(page)
        if results.violations_count:
            report[path] = results.generate_report()
    ctx.close()
    return report


@pytest.mark.parametrize("width", [1280, 360])
def test_axe_finds_no_violations(chromium, base_url, pages, sample_dataset, width):
    report = _axe(chromium, base_url, _paths(pages, sample_dataset), width)
    assert not report, "\n\n".join(f"{k}:\n{v}" for k, v in report.items())[:6000]


def test_axe_finds_no_violations_in_care_mode(chromium, base_url, pages, sample_dataset):
    report = _axe(chromium, base_url, _paths(pages, sample_dataset), 360, care=True)
    assert not report, "\n\n".join(f"{k}:\n{v}" for k, v in report.items())[:6000]
