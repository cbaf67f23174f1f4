"""Site build time (per stage) and page weights.

    HUINONG_DEMO=1 python -m benchmarks.site                 # the committed sample
    HUINONG_DEMO=1 python -m benchmarks.site --county 500    # plus a synthetic county of 500 villages

Prints one table per data set.  Posters are left out here (benchmarks.posters).
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def weight(site: Path, page: Path) -> tuple[int, int, int]:
    """Bytes and gzip bytes (level 5, as deploy/nginx.conf) of a page plus the same-site files it
    loads (stylesheets, scripts, images; not links), and the number of requests, as a browser
    without cache makes them.

    Besides what the HTML names, this counts `/favicon.ico` for a page without an icon (nginx
    answers with 404.html; every page names the site's icon since issue 20).  Since issue 20 no
    page loads mkdocs-material's script, whose search fetched `search/search_index.json` on every
    page at run time; a page that fetches something at run time again is seen by
    `python -m benchmarks.pages`, which loads the pages in Chromium and counts what really crosses
    the wire (and how long it takes): trust that one."""
    import re
    from urllib.parse import urljoin, urlsplit

    html = page.read_text(encoding="utf-8")
    base = "/" + page.relative_to(site).as_posix()
    refs = {urljoin(base, ref) for ref in re.findall(
        r'<(?:link[^>]+rel="?(?:stylesheet|icon)"?[^>]*href|script[^>]+src|img[^>]+src)="([^"]+)"', html)}
    if not re.search(r'<link[^>]+rel="?(?:shortcut )?icon', html):
        refs.add("/favicon.ico" if (site / "favicon.ico").is_file() else "/404.html")
    data = html.encode()
    raw, packed, files = len(data), len(gzip.compress(data, compresslevel=5)), 1
    for ref in sorted(refs):
        target = site / urlsplit(ref).path.lstrip("/")
        if target.is_file():
            data = target.read_bytes()
            packed += len(gzip.compress(data, compresslevel=5)) if len(data) >= 512 and target.suffix not in (
                ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".woff", ".woff2", ".pdf") else len(data)
            raw, files = raw + len(data), files + 1
    return raw, packed, files


def measure(data: Path, label: str) -> None:
    from generator.context import BuildContext
    from huinong_core.site_files import asset
    from generator.pipeline import build_date, privacy_gate
    from generator.public import public_view
    from generator.site import SiteData
    from generator.site.downloads import write_downloads
    from generator.site.mkdocs_half import build_policy_half
    from generator.site.pelican_half import build_disclosure_half
    from generator.check import check
    from huinong_core.version import data_version
    from generator.writer import Writer

    times: dict[str, float] = {}

    def timed(name, fn, *a):
        t = time.perf_counter()
        result = fn(*a)
        times[name] = time.perf_counter() - t
        return result

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ds, problems = timed("check (load + rules + scan)", check, data)
        assert not problems, problems[:5]
        view = timed("public view (mask)", public_view, ds, build_date())
        writer = Writer(tmp / "public")
        ctx = BuildContext(data, ds, view, build_date(), data_version(data), writer)
        sd = SiteData(ctx)
        work = tmp / "work"
        work.mkdir()
        policy = timed("mkdocs-material: policy half", build_policy_half, sd, work)
        disclosure, pel = timed("pelican: disclosure half", build_disclosure_half, sd, work)
        writer.adopt_tree(policy, "site")
        writer.adopt_tree(disclosure, "site")
        timed("downloads (CSV/XLSX/JSON)", write_downloads, sd, pel.by_village, pel.check_codes)
        timed("privacy gate (scan output)", privacy_gate, writer.tmp)
        site = writer.tmp / "site"
        pages = list(site.rglob("*.html"))
        villages = [site / "diqu" / v / "index.html" for v in pel.by_village]
        gz = sorted(len(gzip.compress(p.read_bytes())) for p in villages)
        css = len(gzip.compress((site / asset("yikatong.css")).read_bytes()))  # named by its content
        print(f"\n## {label}: {ds.record_count:,} records, {len(pel.by_village):,} villages, "
              f"{len(pel.by_batch):,} batches, {len(pages):,} HTML pages\n")
        print("| stage | seconds |\n| --- | ---: |")
        for name, s in times.items():
            print(f"| {name} | {s:.1f} |")
        print(f"| **total** | **{sum(times.values()):.1f}** |")
        print(f"\npelican: {len(pel.by_batch) + pel.region_pages:,} pages "
              f"({(len(pel.by_batch) + pel.region_pages) / times['pelican: disclosure half']:.0f} pages/s incl. listings and feeds)")
        print("\n| page weight (gzip) | bytes |\n| --- | ---: |")
        print(f"| village page, median | {statistics.median(gz):,.0f} |")
        print(f"| village page, largest | {gz[-1]:,} |")
        print(f"| stylesheet yikatong.css | {css:,} |")
        largest = max(villages, key=lambda p: len(gzip.compress(p.read_bytes())))
        policy = next(iter(sorted((site / "zhengce").glob("[a-z][a-z][0-9]*/index.html"))))
        print("\n| page (with what it loads, incl. run-time fetches; estimate, see benchmarks.pages) "
              "| bytes | gzip bytes | requests |\n| --- | ---: | ---: | ---: |")
        for name, page in (("home index.html", site / "index.html"), (f"policy page {policy.parent.name}/", policy),
                           ("政策清单 zhengce/", site / "zhengce/index.html"),
                           (f"largest village page {largest.parent.name}/", largest)):
            raw, packed, requests = weight(site, page)
            print(f"| {name} | {raw:,} | {packed:,} | {requests} |")
        writer.abort()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--county", type=int, default=0, help="also build a synthetic county with this many villages")
    ap.add_argument("--records", type=int, default=450, help="records per village in the synthetic county")
    args = ap.parse_args()
    measure(REPO / "data", "sample (data/)")
    if args.county:
        from generator.synth import make_province

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "data"
            make_province(out, villages=args.county, records_per_village=args.records, log=lambda *a: None)
            measure(out, f"synthetic county ({args.county} villages × {args.records} records)")


if __name__ == "__main__":
    main()
