"""Issue 20: what a page costs a phone when it opens, counted in headless Chromium.

Every page type (both halves and the 404 page, picked as `python -m benchmarks.pages` picks them)
is loaded with JavaScript on and off from a server that compresses as deploy/nginx.conf does (the
benchmark's), and everything the page fetches until the line is quiet counts: HTML, stylesheet,
scripts, icon, and what a script asks for at run time.  No page may fetch the search index on
open (it is ~100 KB gzip; the 搜索 page fetches it only for a search the lookup service cannot
answer), and none may load more than 30 KB gzip in all.  Bytes only: how long it takes is for the
benchmark, not a test."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import pytest

from benchmarks.pages import Server, page_types
from huinong_core import site_files

BUDGET = 30_000  # bytes as sent (gzip where the server compresses), all requests of one page load
QUIET_S = 1.0  # no request for this long after `load`: the page has fetched what it fetches on open


@pytest.fixture(scope="module")
def server(site: Path):
    with Server(site) as s:
        yield s


def load(chromium, server: Server, path: str, js: bool) -> list:
    """The requests (benchmarks.pages.Hit) one fresh load of `path` made."""
    context = chromium.new_context(java_script_enabled=js, viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        mark = len(server.hits)
        page.goto(server.url + path, wait_until="load")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # a wait, not an assertion on time
            with server._lock:
                idle = not server.inflight and time.monotonic() - server.last > QUIET_S
            if idle:
                break
            time.sleep(0.1)
        with server._lock:  # logged as each answer ends: in the order the requests came
            return sorted(server.hits[mark:], key=lambda h: h.at)
    finally:
        context.close()


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_no_page_fetches_the_search_index_and_each_stays_within_30_kb(chromium, server, site, js):
    kinds = page_types(site)
    labels = " ".join(label for label, _ in kinds)
    for kind in ("home", "政策清单", "a policy page", "查询", "搜索", "公示公告", "village page", "海报", "404"):
        assert kind in labels, kind  # the sample has every page type the issue names
    heavy, index = {}, {}
    for label, path in kinds:
        hits = load(chromium, server, path, js)
        assert hits and hits[0].path == "/" + path, (label, [h.path for h in hits])
        sent = sum(h.sent for h in hits)
        if sent > BUDGET:
            heavy[label] = (sent, [(h.path, h.sent) for h in hits])
        fetched = [h.path for h in hits if "search_index" in h.path or "/workers/" in h.path]
        if fetched:
            index[label] = fetched
    assert not index, index
    assert not heavy, heavy


def test_our_assets_are_published_under_names_made_of_their_content(site):
    """The one map (huinong_core/site_files.py) names each of our stylesheets and scripts by the
    SHA-256 of its bytes; the build publishes exactly those files, under those names only, and the
    pages link them by them (a stale name would mean a stale or missing file in a year-long cache)."""
    names = site_files.assets()
    assert {"yikatong.css", "yk-care.js", "yk-read.js", "yk-notices.js", "yikatong.js", "lookup.js"} <= set(names)
    for logical, path in names.items():
        stem, ext = logical.rsplit(".", 1)
        data = (site / path).read_bytes()
        assert path == f"assets/{stem}.{hashlib.sha256(data).hexdigest()[:8]}.{ext}", logical
        assert not (site / "assets" / logical).exists(), logical  # no second, unhashed copy
    shaped = [p for p in (site / "assets").iterdir() if re.fullmatch(r"[\w-]+\.[0-9a-f]{8}\.(css|js)", p.name)]
    assert sorted(f"assets/{p.name}" for p in shaped) == sorted(names.values())
    pages = [site / path / "index.html" for _, path in page_types(site) if path and (site / path).is_dir()]
    for html in [site / "index.html", site / "404.html", *pages]:
        text = html.read_text(encoding="utf-8")
        linked = set(re.findall(r'(?:href|src)="[^"]*?(assets/[\w-]+(?:\.[0-9a-f]{8})?\.(?:css|js))"', text))
        assert linked and linked <= set(names.values()), (html, linked)
