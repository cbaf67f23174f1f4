"""What each page type costs a villager on a slow line, measured in headless Chromium.

    HUINONG_DEMO=1 python -m benchmarks.pages --site DIR/site      # a site built before
    HUINONG_DEMO=1 python -m benchmarks.pages                      # builds the sample first (minutes)
    ... --runs 3 --json before.json                                # keep the figures
    ... --before before.json                                       # print before | after side by side

Serves the built site on 127.0.0.1 with gzip as nginx does it (deploy/nginx.conf: text types of
512 bytes or more, level 5; 404.html for a missing path), and loads every page type in Chromium
(/usr/bin/chromium through Playwright, never a downloaded browser) in a fresh browser context (no
cache), the network throttled through CDP (`Network.emulateNetworkConditions`: 400 ms round trip,
400 kbit/s = 50,000 bytes/s down and up), a phone-sized viewport, once with JavaScript and once
without, `--runs` times each; the median of each figure is printed.

Per page and mode:

- requests, and bytes sent (response bodies as served, gzip where nginx would compress; headers
  not counted) and raw bytes (the same files uncompressed): counted by the server, so they include
  what the page fetches at run time (until issue 20, mkdocs-material's `search/search_index.json`,
  its search worker and the worker's scripts on every policy-half page), which
  `benchmarks.site.weight()` cannot see in the HTML;
- /favicon.ico, which Chromium asks for in some loads of a page without an icon (every page names
  one since issue 20; the answer would be the 404 page), is left out of those counts and listed
  under the table;
- FCP: first contentful paint (`performance.getEntriesByType('paint')`);
- DCL and load: `domContentLoadedEventEnd` and `loadEventEnd` of the navigation entry;
- last request: when the page's last request reached the server, counted from the page's own
  request (server clock); its answer then still needs half a round trip and its bytes.  (Until
  issue 20 this was mostly the search worker's lunr scripts, requested once `search_index.json` had
  arrived.  CDP's `Network.loadingFinished` would give the end of each response, but Chromium
  reports requests of a dedicated worker to the page's CDP session without ever finishing them,
  and not at all for the worker's own `importScripts`; such requests are throttled like the page's
  all the same.)

Times are measured from the start of navigation and printed in seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.server
import json
import mimetypes
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LATENCY_MS = 400
BYTES_PER_S = 50_000  # 400 kbit/s
VIEWPORT = {"width": 412, "height": 915}  # a common Android phone, CSS pixels
QUIET_S = 2.0  # after the line has delivered everything: no new request for this long = the page is done
GZIP_TYPES = {"text/html", "text/css", "text/plain", "text/xml", "text/csv", "application/javascript",
              "text/javascript", "application/json", "application/atom+xml", "application/xml",
              "image/svg+xml"}
GZIP_MIN = 512
VILLAGE = re.compile(r"^\d{9}(?!000)\d{3}$")
TOWNSHIP = re.compile(r"^\d{6}(?!000)\d{3}000$")
BATCH = re.compile(r"^\d{6}-[A-Z]{2}\d{3}-")


# ---------------------------------------------------------------------------- the server

@dataclass
class Hit:
    path: str
    status: int
    raw: int  # bytes of the file
    sent: int  # bytes of the body as sent (gzip or not)
    at: float = 0.0  # time.monotonic() when the request came in


class Server:
    """A static server like deploy/nginx.conf's site location: gzip for text types, index.html for
    directories, 404.html with status 404 for what does not exist.  Keeps a log of what it sent."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.hits: list[Hit] = []
        self.inflight = 0
        self.last = time.monotonic()
        self._lock = threading.Lock()
        self._gz: dict[Path, bytes] = {}
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                owner._serve(self)

            def do_HEAD(self):
                owner._serve(self, body=False)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _file(self, url_path: str) -> tuple[int, Path | None, str | None]:
        """(status, file, redirect location)."""
        rel = unquote(urlsplit(url_path).path).lstrip("/")
        target = (self.root / rel).resolve()
        if target != self.root and self.root not in target.parents:
            return 404, None, None
        if target.is_dir():
            if rel and not rel.endswith("/"):
                return 301, None, "/" + rel + "/"
            target = target / "index.html"
        if target.is_file() and not any(part.startswith(".") for part in Path(rel).parts):
            return 200, target, None
        return 404, None, None

    def _serve(self, h: http.server.BaseHTTPRequestHandler, body: bool = True) -> None:
        at = time.monotonic()
        with self._lock:
            self.inflight += 1
            self.last = time.monotonic()
        try:
            status, path, location = self._file(h.path)
            if status == 301:
                h.send_response(301)
                h.send_header("Location", location)
                h.send_header("Content-Length", "0")
                h.end_headers()
                self._log(Hit(h.path, 301, 0, 0, at))
                return
            if path is None:
                path = self.root / "404.html"
            data = path.read_bytes()
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if kind == "text/javascript":
                kind = "application/javascript"
            payload, encoded = data, False
            if (kind in GZIP_TYPES and len(data) >= GZIP_MIN
                    and "gzip" in h.headers.get("Accept-Encoding", "")):
                if path not in self._gz:
                    self._gz[path] = gzip.compress(data, compresslevel=5, mtime=0)
                payload, encoded = self._gz[path], True
            h.send_response(status)
            charset = "; charset=utf-8" if kind.startswith("text/") or kind in GZIP_TYPES else ""
            h.send_header("Content-Type", kind + charset)
            h.send_header("Content-Length", str(len(payload)))
            if kind in GZIP_TYPES:
                h.send_header("Vary", "Accept-Encoding")
            if encoded:
                h.send_header("Content-Encoding", "gzip")
            h.end_headers()
            if body:
                h.wfile.write(payload)
            self._log(Hit(urlsplit(h.path).path, status, len(data), len(payload) if body else 0, at))
        finally:
            with self._lock:
                self.inflight -= 1
                self.last = time.monotonic()

    def _log(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)


# ---------------------------------------------------------------------------- the pages

def _largest(paths) -> Path | None:
    paths = list(paths)
    return max(paths, key=lambda p: (p.stat().st_size, str(p))) if paths else None


def page_types(site: Path) -> list[tuple[str, str]]:
    """(label, URL path) of each page type, chosen by path pattern so that it works on any build:
    the largest batch, village, village-batch and township page (bytes of the HTML)."""
    def dirs(pattern: str, name: re.Pattern, parent: str = "") -> list[Path]:
        return [p for p in site.glob(pattern) if name.match(p.parent.name)
                and (not parent or re.match(parent, p.parent.parent.name))]

    out = [("home", ""), ("政策清单", "zhengce/")]
    policies = sorted(site.glob("zhengce/[a-z][a-z][0-9]*/index.html"))
    if policies:
        out.append(("a policy page", f"zhengce/{policies[0].parent.name}/"))
    out += [("查询", "chaxun/"), ("搜索", "sousuo/"), ("公示公告", "gongshi/")]
    picks = [
        ("largest 公示 batch page", "gongshi", _largest(dirs("gongshi/*/index.html", BATCH))),
        ("largest village page", "diqu", _largest(dirs("diqu/*/index.html", VILLAGE))),
        ("largest village-batch page", "diqu", _largest(dirs("diqu/*/*/index.html", BATCH, VILLAGE.pattern))),
        ("largest township page", "diqu", _largest(dirs("diqu/*/index.html", TOWNSHIP))),
    ]
    for label, _, page in picks:
        if page is not None:
            out.append((label, page.parent.relative_to(site).as_posix() + "/"))
    out += [("海报 haibao/", "haibao/"), ("404 (a missing path)", "diqu/000000000000/")]
    return [(label, path) for label, path in out if label.startswith("404") or (site / path / "index.html").is_file()]


# ---------------------------------------------------------------------------- one load

PERF = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
  return {fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
}"""


def line_busy_until(hits: list[Hit]) -> float:
    """When the throttled line has delivered everything the server sent, at the latest (a model:
    one round trip per request, the bandwidth shared); used only to wait long enough."""
    line = 0.0
    for h in sorted(hits, key=lambda h: h.at):
        line = max(line, h.at + LATENCY_MS / 1000) + h.sent / BYTES_PER_S
    return line


def load_once(browser, server: Server, path: str, js: bool, timeout_s: float = 180) -> dict:
    context = browser.new_context(java_script_enabled=js, viewport=VIEWPORT, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": LATENCY_MS,
            "downloadThroughput": BYTES_PER_S, "uploadThroughput": BYTES_PER_S})
        mark = len(server.hits)
        page.goto(server.url + path, wait_until="load", timeout=timeout_s * 1000)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with server._lock:
                hits, inflight = server.hits[mark:], server.inflight
            if not inflight and time.monotonic() - line_busy_until(hits) > QUIET_S:
                break
            time.sleep(0.1)
        else:
            raise TimeoutError(f"/{path}: still loading after {timeout_s} s")
        perf = page.evaluate(PERF)
        # Chromium asks for /favicon.ico, for a page without an icon, in some loads and not in
        # others: counted apart so that it does not make the medians jump.
        favicon = [h for h in hits if h.path == "/favicon.ico"]
        hits = [h for h in hits if h.path != "/favicon.ico"]
        t0 = min(h.at for h in hits)
        return {
            "favicon": sum(h.sent for h in favicon),
            "requests": len(hits),
            "sent": sum(h.sent for h in hits),
            "raw": sum(h.raw for h in hits),
            "fcp": perf["fcp"], "dcl": perf["dcl"], "load": perf["load"],
            "last": (max(h.at for h in hits) - t0) * 1000,
            "files": [[h.path, h.status, h.sent, h.raw] for h in sorted(hits, key=lambda h: h.at)],
        }
    finally:
        context.close()


def measure(site: Path, runs: int = 3, only: list[str] | None = None, log=print) -> list[dict]:
    from playwright.sync_api import sync_playwright

    results = []
    with Server(site) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for label, path in page_types(site):
                if only and not any(o in label or o == path for o in only):
                    continue
                for js in (True, False):
                    loads = [load_once(browser, server, path, js) for _ in range(runs)]
                    row = {"page": label, "path": path, "js": js, "runs": runs}
                    for key in ("requests", "sent", "raw", "fcp", "dcl", "load", "last"):
                        values = [x[key] for x in loads if x[key] is not None]
                        row[key] = statistics.median(values) if values else None
                    row["favicon_loads"] = sum(1 for x in loads if x["favicon"])
                    row["favicon_sent"] = max(x["favicon"] for x in loads)
                    row["files"] = loads[0]["files"]
                    results.append(row)
                    log(f"  {label} /{path} JS {'on' if js else 'off'}: {row['requests']:.0f} requests, "
                        f"{row['sent'] / 1000:.1f} kB, FCP {_s(row['fcp'])} s, last request {_s(row['last'])} s",
                        file=sys.stderr, flush=True)
        finally:
            browser.close()
    return results


# ---------------------------------------------------------------------------- output

def _s(ms) -> str:
    return "—" if ms is None else f"{ms / 1000:.1f}"


def _kb(n) -> str:
    return f"{n / 1000:,.1f}"


def table(results: list[dict]) -> str:
    lines = ["| page | JS | requests | kB sent (gzip) | kB raw | FCP s | DCL s | load s | last request s |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        lines.append(f"| {r['page']} `{r['path'] or '/'}` | {'on' if r['js'] else 'off'} | {r['requests']:.0f} | "
                     f"{_kb(r['sent'])} | {_kb(r['raw'])} | {_s(r['fcp'])} | {_s(r['dcl'])} | {_s(r['load'])} | "
                     f"{_s(r['last'])} |")
    icons = [f"{r['page']} (JS {'on' if r['js'] else 'off'}): {r['favicon_loads']} of {r['runs']}"
             for r in results if r.get("favicon_loads")]
    if icons:
        sent = max(r["favicon_sent"] for r in results)
        lines.append(f"\nNot counted above: Chromium asked for /favicon.ico (the 404 page, {_kb(sent)} kB) in "
                     f"loads of {'; '.join(icons)}.")
    return "\n".join(lines)


def compare(before: list[dict], after: list[dict]) -> str:
    """Before → after per page type and mode (matched by label: the paths may differ)."""
    old = {(r["page"], r["js"]): r for r in before}
    lines = ["| page | JS | requests | kB sent (gzip) | FCP s | load s | last request s |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in after:
        b = old.get((r["page"], r["js"]), {})

        def pair(key, fmt):
            return f"{fmt(b[key]) if b.get(key) is not None else '—'} → {fmt(r[key])}"

        lines.append(f"| {r['page']} | {'on' if r['js'] else 'off'} | {pair('requests', lambda n: f'{n:.0f}')} | "
                     f"{pair('sent', _kb)} | {pair('fcp', _s)} | {pair('load', _s)} | {pair('last', _s)} |")
    return "\n".join(lines)


def build_sample(out: Path) -> Path:
    env = {**os.environ, "HUINONG_DEMO": "1", "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "1792486800"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-m", "generator", "build", "--out", str(out)], cwd=REPO, env=env, check=True)
    return out / "site"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", type=Path, help="a built site (the build's OUT/site, or OUT); default: build the sample")
    ap.add_argument("--runs", type=int, default=3, help="loads per page and mode; the median is reported")
    ap.add_argument("--only", nargs="*", help="page types whose label contains one of these words (or a URL path)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--before", type=Path, help="a --json file of an earlier run: print before → after")
    args = ap.parse_args(argv)
    with contextlib.ExitStack() as stack:
        site = args.site
        if site is None:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            print("building the sample (a few minutes) …", file=sys.stderr, flush=True)
            site = build_sample(tmp / "out")
        elif (site / "site" / "index.html").is_file():
            site = site / "site"
        if not (site / "index.html").is_file():
            sys.exit(f"{site}: no index.html (give the build's output directory or its site/)")
        results = measure(site, args.runs, args.only)
    print(f"\nChromium, {LATENCY_MS} ms RTT, {BYTES_PER_S * 8 // 1000} kbit/s, no cache, viewport "
          f"{VIEWPORT['width']}×{VIEWPORT['height']}; median of {args.runs} loads\n")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.before:
        print("\n" + compare(json.loads(args.before.read_text(encoding="utf-8")), results))


if __name__ == "__main__":
    main()
