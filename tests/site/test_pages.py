"""The site in headless Chromium, with JavaScript off (and on where it matters)."""

from __future__ import annotations

import pytest

from generator.checkcode import batch_check_code
from huinong_core import urls
from huinong_core.normalize import format_decimal
from tests.site.sample import BUILD_DAY

pytestmark = pytest.mark.slow

PAID = ("已发放", "已补发")


def in_force(dataset, year=2026):
    return {p.code for p in dataset.policies if p.covers_year(year)}


@pytest.mark.parametrize("js", [False, True])
def test_policy_list_and_filters(chromium, base_url, sample_dataset, js):
    ctx = chromium.new_context(java_script_enabled=js)
    page = ctx.new_page()
    page.goto(base_url + "zhengce/")
    rows = page.locator("table.yk-table tbody tr")
    assert rows.count() == len(in_force(sample_dataset))
    assert page.locator("table.yk-table caption").inner_text().startswith("2026年惠民惠农财政补贴政策清单")
    # Every programme in force is listed, protected ones too (only their recipients are hidden).
    names = set(page.locator("table.yk-table tbody th a").all_inner_texts())
    assert {"孤儿基本生活费", "艾滋病患者生活救助"} <= names
    # Filter by level without JavaScript: plain links to pre-built pages.
    page.get_by_role("link", name="县（").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("zhengce/jici/xian/")
    levels = page.locator("table.yk-table tbody tr td:nth-child(3)").all_inner_texts()
    expected = {p.code for p in sample_dataset.policies if p.covers_year(2026) and p.level == "县"}
    assert levels and set(levels) == {"县"} and len(levels) == len(expected)
    # Filter by target group.
    page.goto(base_url + "zhengce/duixiang/laonian/")
    shown = set(page.locator("table.yk-table tbody th a").all_inner_texts())
    assert "高龄津贴" in shown and "耕地地力保护补贴" not in shown
    ctx.close()


def test_programme_page(page_nojs, base_url, sample_dataset):
    page_nojs.goto(base_url + "zhengce/mz002/")
    text = page_nojs.locator("article").inner_text()
    assert "农村低保" in text and "民政局" in text
    history = page_nojs.locator("table.yk-table tbody tr").all_inner_texts()
    assert len(history) == 2 and "345" in history[0] and "360" in history[1]
    assert page_nojs.locator("a[href*='wenjian/']").count() >= 1
    assert page_nojs.locator("a[href*='banshi/']").count() >= 1
    # A protected programme keeps its page but sends people to the window.
    page_nojs.goto(base_url + "zhengce/mz005/")
    text = page_nojs.locator("article").inner_text()
    assert "不在网上公示" in text and "gongshi/xiangmu/mz005" not in page_nojs.content()


def test_flow_chart_without_javascript(page_nojs, base_url, sample_dataset):
    proc = sorted(sample_dataset.procedures, key=lambda p: p.slug)[0]
    page_nojs.goto(base_url + f"banshi/{proc.slug}/")
    steps = page_nojs.locator("ol.yk-flow > li")
    assert steps.count() == len(proc.steps)
    for i, s in enumerate(proc.steps):
        t = steps.nth(i).inner_text()
        assert s.stage in t and s.unit in t and s.limit in t
    # Drawn with CSS: arrows between boxes are visible without script.
    arrow = page_nojs.evaluate("getComputedStyle(document.querySelectorAll('ol.yk-flow > li')[1], '::after').content")
    assert "↓" in arrow


def _village_with_running_batch(view, day):
    for pb in view.batches:
        if pb.batch.publicity_start <= day <= pb.batch.publicity_end and len(pb.rows) >= 3:
            return pb
    raise AssertionError("sample has no batch in publicity on the build day")


@pytest.mark.parametrize("js", [False, True])
def test_village_batch_page_matches_the_data(chromium, base_url, view, sample_dataset, js):
    """One village's list in one batch, on its own page (the 公示 poster's QR code opens it)."""
    pb = _village_with_running_batch(view, BUILD_DAY)
    ctx = chromium.new_context(java_script_enabled=js)
    page = ctx.new_page()
    page.goto(base_url + urls.village_batch(pb.village, pb.batch.batch_id))
    main = page.locator("main")
    assert "公示中" in main.inner_text()
    assert f"{pb.batch.publicity_start.isoformat()} 至 {pb.batch.publicity_end.isoformat()}" in main.inner_text()
    assert batch_check_code(pb) in main.inner_text()
    assert main.locator(f"a[href='tel:{pb.batch.phone.replace('-', '')}']").count() == 1
    table = main.locator("table.yk-pay")
    cells = [row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()]
    expected = [[str(r.seq), r.name, format_decimal(r.quantity), format_decimal(r.standard, 2),
                 format_decimal(r.amount, 2), r.date.isoformat(), r.status] for r in pb.rows]
    assert cells == expected
    unit = sample_dataset.policy_for(pb.batch.programme, pb.batch.year).quantity_unit
    assert unit and table.locator("thead th").all_text_contents()[2] == f"数量（{unit}）"
    total = sum(r.amount for r in pb.rows if r.status in PAID)
    assert f"{total:,.2f}" in table.locator("tfoot").inner_text()
    # Back to the village, and to the county summary of the batch.
    assert main.locator(f"a[href$='diqu/{pb.village}/']").count() >= 1
    assert main.locator(f"a[href$='gongshi/{pb.batch.batch_id}/']").count() == 1
    ctx.close()


def _box_bottom(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["y"] + box["height"]


def test_village_page_answers_in_the_first_screen(phone, base_url, view, sample_dataset):
    """A villager scanning the notice board's QR code sees which village, the newest 公示 and whether
    it runs, and whom to call, without scrolling (360×740, no JavaScript)."""
    village = _village_with_running_batch(view, BUILD_DAY).village
    newest = max((pb for pb in view.batches if pb.village == village),
                 key=lambda pb: (pb.batch.publicity_start, pb.batch.batch_id))
    phone.goto(base_url + urls.region_page(village))
    head = phone.locator(".yk-vhead")
    names = [a.name for a in _chain(sample_dataset, village)]
    assert head.locator("h1").inner_text() == " · ".join(names)
    text = head.inner_text()
    period = f"{newest.batch.publicity_start.isoformat()} 至 {newest.batch.publicity_end.isoformat()}"
    assert period in text and ("公示中" if BUILD_DAY <= newest.batch.publicity_end else "已结束") in text
    assert head.locator(f"a[href='tel:{newest.batch.phone.replace('-', '')}']").count() == 1
    # The block itself is compact; the whole answer is inside the first screen.
    assert head.bounding_box()["height"] <= 180
    for selector in (".yk-vhead h1", ".yk-vhead p:has-text('公示期')", ".yk-vhead a[href^='tel:']"):
        assert _box_bottom(phone, selector) <= 740, (selector, _box_bottom(phone, selector))


def test_village_batch_page_list_starts_in_two_screens(phone, base_url, view, sample_dataset):
    pb = _village_with_running_batch(view, BUILD_DAY)
    phone.goto(base_url + urls.village_batch(pb.village, pb.batch.batch_id))
    assert _box_bottom(phone, "table.yk-pay tbody tr") <= 1480
    # On the phone's cards (no header row), the unit follows the number.
    after = phone.evaluate("getComputedStyle(document.querySelector('table.yk-pay tbody td:nth-child(3)'), '::after').content")
    unit = sample_dataset.policy_for(pb.batch.programme, pb.batch.year).quantity_unit
    assert after == f'" {unit}"', after


def test_village_index_links_to_every_batch(page_nojs, base_url, view):
    village = _village_with_running_batch(view, BUILD_DAY).village
    ids = {pb.batch.batch_id for pb in view.batches if pb.village == village}
    page_nojs.goto(base_url + urls.region_page(village))
    links = page_nojs.locator("ul.yk-vidx a")
    anchors = {a.split(urls.batch_anchor(""), 1)[1] for a in (links.nth(i).get_attribute("id") for i in range(links.count()))}
    assert anchors == ids and links.count() == len(ids)
    first = links.first.get_attribute("id").split(urls.batch_anchor(""), 1)[1]
    links.first.click()
    page_nojs.wait_for_load_state()
    assert page_nojs.url == base_url + urls.village_batch(village, first)
    assert page_nojs.locator("table.yk-pay").count() == 1


def _chain(dataset, village):
    """县, 乡镇, 村 of a village."""
    out, code = [], village
    while code and code in dataset.regions:
        r = dataset.regions[code]
        if r.level in ("县", "乡", "村"):
            out.append(r)
        code = r.parent
    return out[::-1]


def test_phone_layout_is_one_column(phone, base_url, view):
    pb = view.batches[0]
    for path in ("", "zhengce/", f"diqu/{pb.village}/", urls.village_batch(pb.village, pb.batch.batch_id),
                 f"gongshi/{pb.batch.batch_id}/", "banshi/"):
        phone.goto(base_url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
        size = phone.evaluate("parseFloat(getComputedStyle(document.querySelector('main p, article p')).fontSize)")
        assert size >= 18, (path, size)


def test_search_box_works_with_the_site_search(page_js, base_url):
    """Without the API, the search page searches the site's own index (mkdocs-material's, words split
    by jieba), which it fetches for the search and only then; results are links into the site."""
    asked = []
    page_js.on("request", lambda r: asked.append(r.url))
    page_js.goto(base_url + "sousuo/")
    page_js.wait_for_load_state("networkidle")
    assert not [u for u in asked if "search_index" in u]  # not on open
    page_js.fill("#yk-search-q", "低保")
    page_js.click("#yk-search-form button[type=submit]")
    page_js.wait_for_selector("#yk-search-results li a", timeout=15000)
    assert page_js.url.endswith("sousuo/?q=%E4%BD%8E%E4%BF%9D")  # kept in the address, shown in place
    results = page_js.locator("#yk-search-results li").all_inner_texts()
    assert any("低保" in r or "最低生活保障" in r for r in results), results
    assert any(u.endswith("search/search_index.json") for u in asked)
    assert "找到" in page_js.inner_text("#yk-search-results h2")
    page_js.locator("#yk-search-results li a").first.click()
    page_js.wait_for_load_state()
    assert "404" not in page_js.title()
    # A word the site does not have: said so, in Chinese.
    page_js.goto(base_url + "sousuo/?q=不存在的补贴名称")
    page_js.wait_for_selector("#yk-search-results h2", timeout=15000)
    assert "没有找到" in page_js.inner_text("#yk-search-results h2")


def test_search_box_queries_the_api_when_it_is_there(chromium, built):
    """Site and API from one server (as `make run` serves them): results come from /api/v1/policies."""
    from lookup_api.main import create_app
    from tests.lookup_api.server import LiveServer, settings_for

    app = create_app(settings_for(built / "lookup.sqlite", site_dir=built / "site"))
    with LiveServer(app) as server:
        ctx = chromium.new_context()
        page = ctx.new_page()
        seen = []
        page.on("request", lambda r: seen.append(r.url))
        page.goto(server.url + "/sousuo/?q=耕地补贴")
        page.wait_for_selector("#yk-search-results li a", timeout=15000)
        titles = page.locator("#yk-search-results li a").all_inner_texts()
        assert any("耕地地力保护补贴" in t for t in titles), titles
        assert any("/api/v1/policies?q=" in u for u in seen)
        page.locator("#yk-search-results li a").first.click()
        page.wait_for_load_state()
        assert page.title() and "404" not in page.title()
        ctx.close()
