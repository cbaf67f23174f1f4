"""axe-core (bundled with axe-playwright-python) on the main page types: no violations."""

from __future__ import annotations

import pytest

from generator import urls

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("width", [1280, 360])
def test_axe_finds_no_violations(chromium, base_url, view, dataset, width):
    from axe_playwright_python.sync_playwright import Axe

    pb = view.batches[0]
    proc = sorted(dataset.procedures, key=lambda p: p.slug)[0]
    pages = ["", "zhengce/", "zhengce/jici/xian/", "zhengce/ny001/", f"banshi/{proc.slug}/", "wangdian/",
             "tongji/", "tongji/zixun/", "wenjian/", "gongshi/", f"gongshi/{pb.batch.batch_id}/", "diqu/", f"diqu/{pb.village}/",
             urls.village_batch(pb.village, pb.batch.batch_id),
             "guanyu/", "haibao/"]
    ctx = chromium.new_context(viewport={"width": width, "height": 900})
    page = ctx.new_page()
    axe = Axe()
    report = {}
    for path in pages:
        page.goto(base_url + path)
        results = axe.run(page)
        if results.violations_count:
            report[path] = results.generate_report()
    ctx.close()
    assert not report, "\n\n".join(f"{k}:\n{v}" for k, v in report.items())[:6000]
