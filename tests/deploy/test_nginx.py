"""deploy/nginx.conf on real nginx: the built site, its 404 page, types, gzip, cache and security
headers, and /api/ proxied to two real API processes (one may die; both may die)."""

from __future__ import annotations

import re
import shutil
import signal
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from huinong_core import site_files
from tests.deploy.stack import NGINX_CONF, SUBPATH, build_site, start_nginx, stop
from tests.golden import fake_id

SHAPE = {"code", "message", "request_id"}
VILLAGE = "diqu/410421100201"
CSS = "/" + site_files.asset("yikatong.css")  # /assets/yikatong.<8 hex>.css


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("a", "link") and a.get("href"):
            self.links.append(a["href"])
        if tag == "script" and a.get("src"):
            self.links.append(a["src"])
        if tag == "form" and a.get("action"):
            self.forms.append(a["action"])


def links_of(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def local_links(page_url: str, html: str) -> set[str]:
    out = set()
    for href in links_of(html).links:
        if href.startswith("#"):
            continue
        u = urlparse(urljoin(page_url, href))
        if u.scheme == "http" and u.netloc == urlparse(page_url).netloc:
            out.add(u._replace(fragment="").geturl())
    return out


def lookup_body(i: int) -> dict:
    return {"id_number": fake_id("410421", "19600101", 300 + i), "name": "张三"}


def test_pages_and_content_types(stack):
    (stack.public / "site/wenjian/files/form.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    with stack.client() as c:
        home = c.get("/")
        expected = {
            "/feeds/all.atom.xml": "application/atom+xml; charset=utf-8",
            f"/{VILLAGE}/410421100201.csv": "text/csv; charset=utf-8",
            f"/{VILLAGE}/410421100201.json": "application/json; charset=utf-8",
            "/zhengce/zhengce.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "/wenjian/files/form.pdf": "application/pdf",
            CSS: "text/css; charset=utf-8",
            "/" + site_files.asset("yk-read.js"): "application/javascript; charset=utf-8",
            "/sitemap.xml": "text/xml; charset=utf-8",
        }
        got = {path: c.get(path) for path in expected}
        redirect = c.get("/diqu")
    assert home.status_code == 200 and home.headers["content-type"] == "text/html; charset=utf-8"
    assert "测试专栏" in home.text
    for path, r in got.items():
        assert (r.status_code, r.headers["content-type"]) == (200, expected[path]), path
    assert got[f"/{VILLAGE}/410421100201.csv"].content.startswith(b"\xef\xbb\xbf")  # the BOM went through
    # Relative redirect to the directory: right behind any TLS terminator or port mapping.
    assert redirect.status_code == 301 and redirect.headers["location"] == "/diqu/"


def test_missing_pages_get_the_sites_404_page_with_working_links(stack):
    with stack.client() as c:
        pages = {path: c.get(path) for path in ("/no/such/page/", "/diqu/999999999999/", "/assets/", "/.git/config",
                                                "/lookup.sqlite", "/../lookup.sqlite")}
        for path, r in pages.items():
            assert r.status_code in (400, 404), path
            if r.status_code == 404:
                assert "<title>测试专栏" in r.text and "Index of" not in r.text, path
        deep = pages["/no/such/page/"]
        links = local_links(f"{stack.url}/no/such/page/", deep.text)
        assert any(link.endswith(CSS) for link in links)
        assert any(link.endswith("/chaxun/") for link in links)
        broken = [link for link in sorted(links) if c.get(link).status_code != 200]
    assert not broken, broken
    assert pages["/lookup.sqlite"].status_code == 404  # outside the web root


def test_gzip_on_pages_and_feeds_never_on_api_answers(stack):
    with stack.client(headers={"Accept-Encoding": "gzip"}) as c:
        for path in ("/", "/feeds/all.atom.xml", CSS):
            r = c.get(path)
            assert r.headers.get("content-encoding") == "gzip", path
            assert "Accept-Encoding" in r.headers.get("vary", ""), path
        api = c.get("/api/openapi.json")
        assert api.status_code == 200 and len(api.content) > 2000
        assert "content-encoding" not in api.headers


def test_cache_and_security_headers(stack):
    site = stack.public / "site"
    hashed = ["/" + path for path in site_files.assets().values()]  # our stylesheet and scripts
    # A name of the shape of mkdocs-material's bundles (no page links them now; the rule stays).
    (site / "assets/javascripts").mkdir(exist_ok=True)
    (site / "assets/javascripts/bundle.0123abcd.min.js").write_text("// x\n", encoding="utf-8")
    with stack.client() as c:
        long = {path: c.get(path) for path in [*hashed, "/assets/javascripts/bundle.0123abcd.min.js"]}
        short = {path: c.get(path) for path in ("/", f"/{VILLAGE}/", "/assets/images/favicon.png", "/feeds/all.atom.xml",
                                                "/search/search_index.json")}
        etag = short["/"].headers["etag"]
        again = c.get("/", headers={"If-None-Match": etag})
        missing = c.get("/nothing/")
    assert len(hashed) >= 5
    for path, r in long.items():
        assert r.status_code == 200, path
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable", path
    for path, r in short.items():
        assert r.headers["cache-control"] == "public, max-age=300", path
    assert again.status_code == 304
    for r in (short["/"], missing):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src 'self';" in csp  # no inline script on any page
    assert "server" not in short["/"].headers or "nginx/" not in short["/"].headers["server"]


def test_api_through_the_proxy(stack):
    with stack.client() as c:
        health = c.get("/api/v1/health")
        missing = c.get("/api/v1/nothing")
        found = c.post("/api/v1/lookup", json=lookup_body(0))
        # The 查询 page's plain form (no JavaScript) posts to ../api/v1/lookup and gets a page back.
        chaxun = c.get("/chaxun/")
        action = urljoin(f"{stack.url}/chaxun/", next(f for f in links_of(chaxun.text).forms if f.endswith("v1/lookup")))
        form = c.post(action, data=lookup_body(1))
    with stack.client(port=stack.api_ports[0]) as direct:
        # LOOKUP_SITE_DIR="" (as in the Dockerfile): the API serves no files, not its working directory.
        leaks = [direct.get(path).status_code for path in ("/", "/public/lookup.sqlite", "/audit-0.log")]
    assert leaks == [404, 404, 404]
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["rate_limit_storage"] is True
    assert health.headers["x-data-version"]
    # The API's own headers, once: nginx adds none of the site's to API answers.
    assert health.headers.get_list("x-content-type-options") == ["nosniff"]
    assert "content-security-policy" in health.headers and "'self' 'unsafe-inline'" not in health.headers[
        "content-security-policy"]
    assert missing.status_code == 404 and set(missing.json()) == SHAPE  # the API's 404, not the site's page
    assert found.status_code == 200 and found.json()["found"] is False
    assert urlparse(action).path == "/api/v1/lookup"
    assert form.status_code == 200 and form.headers["content-type"].startswith("text/html") and "查询" in form.text


def _audit_lines(stack) -> list[int]:
    return [len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0 for log in stack.audit_logs]


def _wait_healthy(stack, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    with stack.client() as c:
        while c.get("/api/v1/health").status_code != 200:
            assert time.time() < deadline, "the API did not come back behind nginx"
            time.sleep(0.2)


def test_requests_spread_over_both_processes_and_survive_one_dying(stack, source):
    before = _audit_lines(stack)
    with stack.client(source) as c:
        codes = [c.post("/api/v1/lookup", json=lookup_body(10 + i)).status_code for i in range(4)]
    assert codes == [200] * 4
    after = _audit_lines(stack)
    # Each process writes the audit line of the lookups it answered: both answered some.
    assert [a - b for a, b in zip(after, before)] == [2, 2]

    stack.kill_api(0)  # the whole instance, as a crashed container
    try:
        with stack.client() as c:
            health = [c.get("/api/v1/health").status_code for _ in range(6)]
            page = c.get("/")
            stack.api_procs[1].terminate()
            stack.api_procs[1].wait(10)
            down = c.get("/api/v1/health")
            down_post = c.post("/api/v1/lookup", json=lookup_body(20))
            still = c.get(f"/{VILLAGE}/")
        assert health == [200] * 6  # the other process answers every one
        # No API process at all: the API's error shape in Chinese, from nginx; the site still serves.
        for r in (down, down_post):
            assert r.status_code == 503 and set(r.json()) == SHAPE and r.json()["code"] == "unavailable"
            assert "暂时不可用" in r.json()["message"]
        assert page.status_code == 200 and still.status_code == 200
    finally:
        for i in range(2):
            if stack.api_procs[i].poll() is not None:
                stack.start_api(i)
        for i in range(2):
            stack.wait_api(i)
        stack.nginx_proc.send_signal(signal.SIGHUP)  # reload: forget the failures now, not after fail_timeout
        _wait_healthy(stack)


@pytest.fixture(scope="module")
def subpath_site(stack, tmp_path_factory):
    """The tiny data built with 网址 under /yikatong/, placed at <root>/yikatong/, behind a second nginx
    running deploy/nginx.conf changed as docs/deploy.md says (prefix on every '# SET: prefix' line)."""
    tmp = tmp_path_factory.mktemp("subpath")
    public = build_site(tmp, f"https://yikatong.example.gov.cn{SUBPATH}")
    www = tmp / "www"
    www.mkdir()
    (www / SUBPATH.strip("/")).symlink_to(public / "site")
    proc, port = start_nginx(tmp / "nginx", api_ports=stack.api_ports, root=www, prefix=SUBPATH)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def test_site_under_a_sub_path(stack, subpath_site):
    base = subpath_site + SUBPATH.rstrip("/")
    with stack.client(port=int(subpath_site.rsplit(":", 1)[1])) as c:
        home = c.get(f"{base}/")
        redirect = c.get(f"{base}/diqu")
        feed = c.get(f"{base}/feeds/all.atom.xml")
        health = c.get(f"{base}/api/v1/health")
        missing = c.get(f"{base}/no/such/page/")
        links = local_links(f"{base}/no/such/page/", missing.text)
        broken = [link for link in sorted(links) if c.get(link).status_code != 200]
        chaxun = c.get(f"{base}/chaxun/")
        action = urljoin(f"{base}/chaxun/", next(f for f in links_of(chaxun.text).forms if f.endswith("v1/lookup")))
        form = c.post(action, data=lookup_body(30))
        home_links = local_links(f"{base}/", home.text)
        docs = c.get(f"{base}/api/docs")
        schema = c.get(urljoin(f"{base}/api/docs", re.search(r"url: '([^']+)'", docs.text).group(1)))
    assert home.status_code == 200 and "测试专栏" in home.text
    # The API's developer page finds its schema under the sub-path too.
    assert docs.status_code == 200 and schema.status_code == 200 and "/api/v1/lookup" in schema.json()["paths"]
    assert redirect.status_code == 301 and redirect.headers["location"] == f"{SUBPATH}diqu/"
    assert feed.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert health.status_code == 200 and health.json()["status"] == "ok"
    # The 404 page links from the server root: with 网址 under the sub-path, to the sub-path.
    assert missing.status_code == 404 and "<title>测试专栏" in missing.text
    assert links and all(urlparse(link).path.startswith(SUBPATH) for link in links), links
    assert not broken, broken
    assert all(urlparse(link).path.startswith(SUBPATH) for link in home_links)
    assert urlparse(action).path == f"{SUBPATH}api/v1/lookup"
    assert form.status_code == 200 and "查询" in form.text


def test_every_marked_setting_is_documented_in_the_file():
    text = NGINX_CONF.read_text(encoding="utf-8")
    documented = set(re.findall(r"^#\s+SET: (\w+)", text, re.M))
    used = {m for line in text.splitlines() if not line.lstrip().startswith("#")
            for m in re.findall(r"#\s*SET:\s*(\w+)", line)}
    assert documented == used == {"listen", "api", "root", "log", "prefix"}


def test_pages_run_under_the_content_security_policy(stack):
    """The CSP nginx adds (scripts from the site's files only) must not break the site: no violation
    on the home page, the 搜索 page (its script asks the API, or the site's index when the API cannot
    answer) and the 查询 page, whose script shows the API's answer in place."""
    from tests.site.browser import CHROMIUM, browser

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (scripts/system-deps.sh test installs it)")
    pytest.importorskip("playwright.sync_api")
    violations: list[str] = []
    with browser() as b:
        page = b.new_page()
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{stack.url}/")
        page.goto(f"{stack.url}/sousuo/?q=补贴")
        page.wait_for_selector("#yk-search-results li a", timeout=15000)
        asked: list[str] = []
        page.on("request", lambda r: asked.append(urlparse(r.url).path))
        page.route("**/api/v1/policies*", lambda route: route.fulfill(status=503, body="{}"))
        page.goto(f"{stack.url}/sousuo/?q=补贴")  # the API cannot answer: the site's own index
        page.wait_for_selector("#yk-search-results li a", timeout=15000)
        assert "/search/search_index.json" in asked
        page.goto(f"{stack.url}/chaxun/")
        page.fill("#id_number", lookup_body(50)["id_number"])
        page.fill("#name", "张三")
        page.click("#lookup-form button[type=submit]")
        page.wait_for_selector("#lookup-result h2", timeout=15000)
        assert page.url == f"{stack.url}/chaxun/"  # shown in place by the script, not a form post
        assert "没有查到发放记录" in page.inner_text("#lookup-result")
    assert not violations, violations
