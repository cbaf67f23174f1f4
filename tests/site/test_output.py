"""The built site as files: links, feeds, downloads, sitemap, privacy, weight."""

from __future__ import annotations

import csv
import gzip
import html.parser
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from generator.privacy import scan_paths
from huinong_core import site_files
from tests.helpers import independent_pii_scan

pytestmark = pytest.mark.slow


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.icons: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "link" and a.get("rel") == "icon":
            self.icons.append(a.get("href", ""))
        for key in ("href", "src"):
            if a.get(key) and not (tag == "link" and a.get("rel") in ("canonical", "alternate") and key == "href"
                                   and a[key].startswith("http")):
                self.links.append(a[key])


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_no_broken_links(site: Path):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 500
    parsed = {p: _parse(p) for p in pages}
    broken = []
    for page, links in parsed.items():
        if page.name == "404.html":
            continue  # served at any depth; its links are site-absolute by design
        base = "http://x/" + page.relative_to(site).as_posix()
        for href in links.links:
            u = urlparse(urljoin(base, href))
            if u.scheme in ("tel", "mailto", "data") or (u.scheme.startswith("http") and u.netloc != "x"):
                continue
            path = unquote(u.path)
            if path.startswith(("/api/", "/zixun/")):
                continue  # served by the lookup API next to the site (zixun/: the 咨询与投诉 pages)
            target = site / path.lstrip("/")
            if path.endswith("/"):
                target = target / "index.html"
            if not target.exists():
                broken.append((page.relative_to(site).as_posix(), href))
                continue
            if u.fragment and target.suffix == ".html" and target in parsed:
                if u.fragment not in parsed[target].ids and not u.fragment.startswith("__"):
                    broken.append((page.relative_to(site).as_posix(), href))
    assert not broken, broken[:20]


def test_links_are_relative_so_a_sub_path_works(site: Path):
    """Nothing but the 404 page links from the server root."""
    offenders = []
    for page in site.rglob("*.html"):
        if page.name == "404.html":
            continue
        for href in _parse(page).links:
            if href.startswith("/") and not href.startswith("//"):
                offenders.append((page.relative_to(site).as_posix(), href))
    assert not offenders, offenders[:10]


def test_every_page_names_its_icon(site: Path):
    """Without one a browser asks for /favicon.ico, and gets the 404 page: a wasted request on 2G
    (the icon itself is checked by test_no_broken_links)."""
    missing = [p.relative_to(site).as_posix() for p in site.rglob("*.html") if not _parse(p).icons]
    assert not missing, missing[:10]


def test_feeds_parse(site: Path, view):
    import feedparser

    feed = feedparser.parse((site / "feeds/all.atom.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    # (plain lists in the asserts: pytest's introspection of feedparser objects is costly)
    links = [str(e.link) for e in feed.entries]
    # The sample's urgent notice (宝丰县, NY001, in force on the build date) comes first, then batches.
    notice = "https://yikatong.example.gov.cn/#tongzhi-2026-baofeng-gengdi"
    assert links[0] == notice
    links = links[1:]
    assert links and [u for u in links if not u.startswith("https://yikatong.example.gov.cn/gongshi/")] == []
    county = feedparser.parse((site / "feeds/xian-410421.atom.xml").read_bytes())
    titles = [str(e.title) for e in county.entries]
    assert titles[0].startswith("【紧急】宝丰县2026年耕地地力保护补贴")
    assert titles and [t for t in titles[1:] if "宝丰县" not in t] == []
    other = feedparser.parse((site / "feeds/xian-410425.atom.xml").read_bytes())
    assert [str(e.link) for e in other.entries if "tongzhi" in str(e.link)] == []  # not in 郏县's feed
    tag = feedparser.parse((site / "feeds/xiangmu-ny001.atom.xml").read_bytes())
    titles = [str(e.title) for e in tag.entries]
    assert titles and [t for t in titles[1:] if "耕地地力保护补贴" not in t] == []
    assert len((site / "feeds/all.atom.xml").read_bytes()) < 1_000_000  # summaries, not village tables
    for link in links[:5]:
        path = urlparse(link).path.lstrip("/")
        assert (site / path / "index.html").exists()


def test_policy_downloads_hold_the_same_rows(site: Path, sample_dataset):
    from openpyxl import load_workbook

    raw = (site / "zhengce/zhengce.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["项目编码", "补贴政策名称", "一卡通发放项目名称", "四字简称"]
    assert {r[0] for r in body} == {p.code for p in sample_dataset.policies if p.covers_year(2026)}
    wb = load_workbook(site / "zhengce/zhengce.xlsx")
    xrows = [[("" if c is None else str(c)) for c in row] for row in wb.active.iter_rows(values_only=True)]
    assert xrows == rows
    data = json.loads((site / "zhengce/zhengce.json").read_text(encoding="utf-8"))
    assert [list(map(str, d.values())) for d in data["政策清单"]] == body


def test_formula_injection_is_escaped():
    from generator.site.downloads import csv_bytes, safe_cell

    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_cell("+1") == "'+1" and safe_cell("@SUM(A1)") == "'@SUM(A1)" and safe_cell("-2") == "'-2"
    assert safe_cell("0375-2661234") == "0375-2661234"
    assert b"'=1+1" in csv_bytes(["a"], [["=1+1"]])


def test_village_downloads_match_the_page(site: Path, view):
    pb = view.batches[0]
    v = pb.village
    rows = list(csv.reader(io.StringIO((site / f"diqu/{v}/{v}.csv").read_bytes().decode("utf-8-sig"))))
    data = json.loads((site / f"diqu/{v}/{v}.json").read_text(encoding="utf-8"))
    assert [list(map(str, r.values())) for r in data["记录"]] == rows[1:]
    ours = [r for r in rows[1:] if r[0] == pb.batch.batch_id]
    assert [(r[8], r[11], r[13]) for r in ours] == [(x.name, f"{x.amount:.2f}", x.status) for x in pb.rows]


def test_village_downloads_print_each_lists_check_code(site: Path, view):
    """The 核对码 of each batch in a village's CSV is its list's (the build takes it from rendering the
    list's page, not making it again)."""
    from generator.checkcode import batch_check_code

    village = view.batches[0].village
    pbs = [pb for pb in view.batches if pb.village == village]
    rows = list(csv.reader(io.StringIO((site / f"diqu/{village}/{village}.csv").read_bytes().decode("utf-8-sig"))))
    codes = {r[0]: r[6] for r in rows[1:]}
    assert len(pbs) > 1 and codes == {pb.batch.batch_id: batch_check_code(pb) for pb in pbs}


def test_sitemap_covers_both_halves(site: Path):
    text = (site / "sitemap.xml").read_text(encoding="utf-8")
    locs = re.findall(r"<loc>([^<]+)</loc>", text)
    assert "https://yikatong.example.gov.cn/zhengce/" in locs
    assert any("/diqu/" in u for u in locs) and any("/gongshi/" in u for u in locs)
    assert len(locs) == len(set(locs))
    assert (site / "404.html").exists()


def test_protected_programmes_appear_nowhere_in_the_disclosure(site: Path, sample_dataset):
    protected = [p for p in sample_dataset.policies if p.protected]
    # Codes and full names (a 四字简称 like 生活补贴 is also part of other programmes' names).
    needles = {p.code for p in protected} | {p.name for p in protected}
    hits = []
    for sub in ("diqu", "gongshi", "feeds", "tongji"):
        for f in (site / sub).rglob("*"):
            if f.is_file():
                text = f.read_text(encoding="utf-8", errors="replace")
                hits += [(f.relative_to(site).as_posix(), n) for n in needles if n in text or n.lower() in text]
    assert not hits, hits[:10]


def test_privacy_gate_and_independent_scanner_find_nothing(built: Path):
    assert scan_paths([built / "site"], relative_to=built) == []
    independent_pii_scan(built / "site")


def test_no_full_name_from_a_raw_export_is_published(site: Path, tmp_path: Path, view):
    """Regenerate the plaintext raw export behind a published batch; none of its names may appear."""
    batch = next(pb.batch for pb in view.batches if len(pb.rows) > 5)
    raw = tmp_path / "raw.csv"
    subprocess.run([sys.executable, "-m", "generator.synth", "raw", batch.batch_id, str(raw)], check=True,
                   capture_output=True, env={**__import__("os").environ, "HUINONG_DEMO": "1"})
    text = raw.read_bytes()
    for enc in ("utf-8-sig", "gb18030", "utf-16"):
        try:
            decoded = text.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    rows = list(csv.DictReader(io.StringIO(decoded), delimiter="\t" if "\t" in decoded.splitlines()[0] else ","))
    name_col = next(c for c in rows[0] if "姓名" in c)
    names = {r[name_col].strip() for r in rows if len(r[name_col].strip()) >= 2}
    assert names
    published = "".join(p.read_text(encoding="utf-8") for sub in ("diqu", "gongshi") for p in (site / sub).rglob("*")
                        if p.suffix in (".html", ".csv", ".json"))
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    leaked = sorted(set(pattern.findall(published)))  # one pass over the site, not one per name
    assert not leaked, leaked[:10]


def test_village_page_weight(site: Path, view):
    """≤ 30 KB gzip over the wire for a village page: HTML plus the one stylesheet."""
    css = len(gzip.compress((site / site_files.asset("yikatong.css")).read_bytes()))
    worst = max((len(gzip.compress((site / f"diqu/{v}/index.html").read_bytes())), v)
                for v in {pb.village for pb in view.batches})
    assert worst[0] + css <= 30 * 1024, worst
    page = (site / f"diqu/{worst[1]}/index.html").read_text(encoding="utf-8")
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # no third-party requests


def test_village_batch_pages_exist_for_every_link(site: Path, view, sample_dataset):
    """Every village's list in every batch has its page; the county summaries, the village indexes
    and the sitemap link to it; its 数量 header names the unit of the policy."""
    from huinong_core import urls

    pages = {urls.village_batch(pb.village, pb.batch.batch_id) for pb in view.batches}
    missing = [p for p in pages if not (site / p / "index.html").is_file()]
    assert not missing, missing[:5]
    for batch_id in sorted({pb.batch.batch_id for pb in view.batches})[:20]:
        text = (site / urls.batch_page(batch_id) / "index.html").read_text(encoding="utf-8")
        for href in re.findall(r'href="\.\./\.\./(diqu/[^"]+)"', text):
            assert (site / href / "index.html").is_file() or (site / href).is_file(), (batch_id, href)
    locs = set(re.findall(r"<loc>https://[^/]+/([^<]*)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8")))
    assert pages <= locs
    for pb in view.batches[:50]:
        text = (site / urls.village_batch(pb.village, pb.batch.batch_id) / "index.html").read_text(encoding="utf-8")
        unit = sample_dataset.policy_for(pb.batch.programme, pb.batch.year).quantity_unit
        assert (f"<th scope=\"col\">数量（{unit}）</th>" if unit else "<th scope=\"col\">数量</th>") in text
        # Read-aloud markup: the region, the heading, and a name, amount and status per row.
        assert "data-yk-read" in text and "data-yk-rows" in text
        assert text.count('data-yk-cell="name"') == text.count('data-yk-cell="money"') == len(pb.rows)


def test_village_batch_page_weight(site: Path, view):
    """The largest list's page stays light over the wire too (HTML plus the stylesheet)."""
    from huinong_core import urls

    css = len(gzip.compress((site / site_files.asset("yikatong.css")).read_bytes()))
    pb = max(view.batches, key=lambda pb: len(pb.rows))
    page = len(gzip.compress((site / urls.village_batch(pb.village, pb.batch.batch_id) / "index.html").read_bytes()))
    assert page + css <= 60 * 1024, (pb.batch.batch_id, pb.village, len(pb.rows), page)
