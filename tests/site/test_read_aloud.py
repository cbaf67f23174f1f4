"""读给我听 (site_src/docs/assets/yk-read.js) in real Chromium with a fake speechSynthesis: the
button appears only with a Chinese voice, and reading yields the contract's utterances.  The
fixture page is served here, so the script is tested apart from the pages that carry markup."""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import REPO
from tests.site.browser import serve_dir

pytestmark = pytest.mark.slow

FIXTURE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>朗读</title>
<script src="yk-read.js" defer></script></head><body>
<p data-yk-say="">页面上方，不在朗读范围</p>
<main><section data-yk-read>
<h1 data-yk-say="">新孙店村补贴发放公示</h1>
<p>这一段没有标记，不读。</p>
<div data-yk-read-slot></div>
<p data-yk-say="监督电话：0 3 7 5 2 6 6 1 2 3 4">监督电话 0375-2661234</p>
<table data-yk-rows>
<thead><tr><th>序号</th><th>姓名</th><th>金额</th><th>状态</th></tr></thead>
<tbody>
<tr><td>1</td><td data-yk-cell="name">刘*凯</td><td data-yk-cell="money">1,080.00</td><td data-yk-cell="text">已发放</td></tr>
<tr><td>2</td><td data-yk-cell="name">王**</td><td data-yk-cell="money">12.50</td><td data-yk-cell="text">已发放</td></tr>
<tr><td>3</td><td data-yk-cell="name">*芳</td><td data-yk-cell="money">0.05</td><td data-yk-cell="text"> 发放
  失败 </td></tr>
<tr><td>4</td><td data-yk-cell="name">李*</td><td data-yk-cell="money">1080.00</td><td data-yk-cell="text">已发放</td></tr>
<tr><td>5</td><td data-yk-cell="name">赵*</td><td data-yk-cell="money">100.05</td><td data-yk-cell="text">已发放</td></tr>
<tr><td>6</td><td data-yk-cell="name">孙*</td><td data-yk-cell="money">20,500.00</td><td data-yk-cell="text">已发放</td></tr>
<tr><td>7</td><td data-yk-cell="name">周*</td><td data-yk-cell="money">10,000.10</td><td data-yk-cell="text">已发放</td></tr>
<tr><td>8</td><td data-yk-cell="name">吴*</td><td data-yk-cell="money">0.00</td><td data-yk-cell="text">已发放</td></tr>
<tr><td>9</td><td data-yk-cell="name">郑*</td><td data-yk-cell="money">1,234,567.89</td><td data-yk-cell="text">已发放</td></tr>
<tr><td>10</td><td data-yk-cell="name">冯*</td><td data-yk-cell="money">310.00</td><td data-yk-cell="text">已发放</td></tr>
<tr><td>11</td><td data-yk-cell="name">陈*</td><td data-yk-cell="money">15.00</td><td data-yk-cell="text">已发放</td></tr>
</tbody></table>
<p data-yk-say="">合计 <span>11 人</span></p>
</section></main></body></html>"""

EXPECTED = [
    "新孙店村补贴发放公示",
    "监督电话：0 3 7 5 2 6 6 1 2 3 4",
    "第一行，刘某凯，一千零八十元，已发放",
    "第二行，王某某，十二元五角，已发放",
    "第三行，某芳，五分，发放 失败",
    "第四行，李某，一千零八十元，已发放",
    "第五行，赵某，一百元零五分，已发放",
    "第六行，孙某，二万零五百元，已发放",
    "第七行，周某，一万元一角，已发放",
    "第八行，吴某，零元，已发放",
    "第九行，郑某，一百二十三万四千五百六十七元八角九分，已发放",
    "第十行，冯某，三百一十元，已发放",
    "第十一行，陈某，十五元，已发放",
    "合计 11 人",
]

#: A stand-in for window.speechSynthesis: records what would be spoken.  VOICES is replaced per
#: test; LATE voices arrive with a voiceschanged event, as Chromium's do.
FAKE = """(() => {
  const voices = VOICES, late = LATE;
  let now = late ? [] : voices;
  const listeners = [];
  window.__spoken = [];
  const fake = {
    getVoices: () => now,
    speak: u => { window.__spoken.push({text: u.text, lang: u.lang}); },
    cancel: () => { window.__cancelled = (window.__cancelled || 0) + 1; },
    addEventListener: (type, fn) => { if (type === 'voiceschanged') listeners.push(fn); },
  };
  Object.defineProperty(window, 'speechSynthesis', {value: fake, configurable: true});
  window.__voicesArrive = () => { now = voices; listeners.forEach(fn => fn()); };
})();"""


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("read")
    (root / "index.html").write_text(FIXTURE, encoding="utf-8")
    shutil.copy(REPO / "site_src/docs/assets/yk-read.js", root / "yk-read.js")
    with serve_dir(root) as url:
        yield url


def _page(chromium, voices: str, late: bool = False, absent: bool = False):
    ctx = chromium.new_context()
    if absent:
        ctx.add_init_script("Object.defineProperty(window, 'speechSynthesis', {value: undefined, configurable: true});")
    else:
        ctx.add_init_script(FAKE.replace("VOICES", voices).replace("LATE", "true" if late else "false"))
    return ctx, ctx.new_page()


ZH = "[{name: '普通话', lang: 'zh-CN'}, {name: 'English', lang: 'en-US'}]"


def test_button_reads_the_region_in_order_with_money_in_words(chromium, fixture_url):
    ctx, page = _page(chromium, ZH)
    page.goto(fixture_url)
    button = page.locator("[data-yk-read-slot] button")
    assert button.inner_text() == "读给我听"
    button.click()
    assert button.inner_text() == "停止朗读"
    spoken = page.evaluate("window.__spoken")
    assert [s["text"] for s in spoken] == EXPECTED
    assert {s["lang"] for s in spoken} == {"zh-CN"}
    button.click()
    assert button.inner_text() == "读给我听" and page.evaluate("window.__cancelled") >= 2
    ctx.close()


def test_button_waits_for_voices_that_load_late(chromium, fixture_url):
    ctx, page = _page(chromium, "[{name: 'Tingting', lang: 'zh_CN'}]", late=True)
    page.goto(fixture_url)
    page.wait_for_load_state()
    assert page.locator("button").count() == 0
    page.evaluate("window.__voicesArrive()")
    assert page.locator("[data-yk-read-slot] button").inner_text() == "读给我听"
    ctx.close()


@pytest.mark.parametrize("voices, absent", [
    ("[{name: 'English', lang: 'en-US'}, {name: 'Cantonese', lang: 'zh-HK'}]", False),  # no Mandarin voice
    ("[]", False),
    ("[]", True),  # no speechSynthesis at all
], ids=["no-mandarin-voice", "no-voices", "no-speech-synthesis"])
def test_no_button_without_a_chinese_voice(chromium, fixture_url, voices, absent):
    ctx, page = _page(chromium, voices, absent=absent)
    errors = []
    page.on("pageerror", lambda e: errors.append(e))
    page.goto(fixture_url)
    page.wait_for_load_state()
    page.evaluate("window.__voicesArrive && window.__voicesArrive()")
    assert page.locator("button").count() == 0 and not errors
    ctx.close()


def test_policy_page_reads_its_key_facts(chromium, base_url):
    """The markup on a real policy page (generator/site/templates/policy_page.md)."""
    ctx, page = _page(chromium, ZH)
    page.goto(base_url + "zhengce/ny001/")
    page.locator("[data-yk-read] button").click()
    spoken = [s["text"] for s in page.evaluate("window.__spoken")]
    assert spoken[0] == "耕地地力保护补贴", spoken
    labels = [t.split("：", 1)[0] for t in spoken[1:]]
    assert labels == ["补贴对象", "补贴标准", "发放时间", "政策咨询电话"], spoken
    assert spoken[-1].replace(" ", "").isdigit() is False and " " in spoken[-1]  # digits one by one
    ctx.close()


def test_village_batch_page_reads_heading_period_phone_and_rows(chromium, base_url, view):
    """The markup on a real 公示 list (the page a 公示 poster's QR code opens): masked names as 某."""
    from huinong_core import urls

    pb = next(pb for pb in view.batches if len(pb.rows) >= 2)
    ctx, page = _page(chromium, ZH)
    page.goto(base_url + urls.village_batch(pb.village, pb.batch.batch_id))
    page.locator("[data-yk-read-slot] button").click()
    spoken = [s["text"] for s in page.evaluate("window.__spoken")]
    assert spoken[1].startswith("公示期从") and spoken[2].startswith("监督电话：")
    rows = [t for t in spoken if t.startswith("第")]
    assert len(rows) == len(pb.rows) and rows[0].startswith("第一行，") and rows[1].startswith("第二行，")
    assert all("*" not in t and "元，" in t for t in rows), rows
    ctx.close()
