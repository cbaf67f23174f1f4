"""Every public path in one place, so the site, posters, feeds and API agree.

Paths are relative to the web root and end in "/" for pages (served as
``index.html``) so that the site can be hosted under a sub-path.  Posters
and QR codes use ``absolute()`` with the site's 网址.
"""

from __future__ import annotations

from posixpath import relpath

from huinong_core.regions import prefix


def home() -> str:
    return ""


def policy_list() -> str:
    return "zhengce/"


def policy_page(code: str) -> str:
    return f"zhengce/{code.lower()}/"


def document_page(slug: str) -> str:
    return f"wenjian/{slug}/"


def procedure_page(slug: str) -> str:
    return f"banshi/{slug}/"


def services() -> str:
    return "wangdian/"


def county_services(county: str) -> str:
    return f"{services()}{prefix(county, '县')}/"


def lookup_page() -> str:
    return "chaxun/"


def stats() -> str:
    return "tongji/"


def county_stats(county: str) -> str:
    """One county's statistics by township."""
    return f"{stats()}{prefix(county, '县')}/"


def about() -> str:
    return "guanyu/"


def disclosure_index() -> str:
    return "gongshi/"


def batch_page(batch_id: str) -> str:
    return f"gongshi/{batch_id}/"


def region_page(code: str) -> str:
    """City, county, township and village pages alike: diqu/<12-digit code>/."""
    return f"diqu/{code}/"


def village_download(code: str, ext: str) -> str:
    return f"diqu/{code}/{code}.{ext}"


def poster_index() -> str:
    return "haibao/"


def poster_file(village: str, kind: str, size: str = "A4") -> str:
    """kind: 'zhengce' for the policy poster, or a batch id for a 公示 poster."""
    return f"{poster_township_index(village)}{village}-{kind}-{size}.pdf"


def township_bundle(township: str, size: str = "A4") -> str:
    return f"{poster_township_index(township)}{prefix(township, '乡')}-all-{size}.pdf"


def absolute(site_url: str, path: str) -> str:
    """https://host/sub/ + path (no trailing slash on short typed URLs is fine)."""
    return site_url.rstrip("/") + "/" + path


#: The site's icon (mkdocs-material puts it there); every page names it, or a browser asks for
#: /favicon.ico and gets the 404 page.  The page templates write the same path.
ICON = "assets/images/favicon.png"


def short(site_url: str, path: str) -> str:
    """A URL a person can type from a poster: host and path, no scheme."""
    url = absolute(site_url, path)
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            url = url[len(scheme):]
    return url.rstrip("/")


def relative(from_page: str, to_path: str) -> str:
    """Relative link from one page ("a/b/") to another path ("c/" or "c/x.csv")."""
    base = from_page if from_page.endswith("/") or not from_page else from_page.rsplit("/", 1)[0] + "/"
    target = to_path or "./"
    rel = relpath("/" + target, "/" + base) if base else target
    if to_path.endswith("/") or not to_path:
        rel = rel.rstrip("/") + "/"
    return "./" if rel in (".", "./") else rel


def batch_anchor(batch_id: str) -> str:
    """id of one batch's entry in the index of the village page."""
    return f"pici-{batch_id}"


def village_batch(village: str, batch_id: str) -> str:
    """One batch's list for one village, a page of its own: the 公示 poster's QR code and
    printed URL open it (a whole village page of many batches is too long for a phone)."""
    return f"{region_page(village)}{batch_id}/"


def poster_township_index(township: str) -> str:
    """Posters of one township's villages (a village: its township's), to download."""
    return f"{poster_index()}{prefix(township, '乡')}/"


#: The site's menu (both halves and the service's pages): (title, path from the web root).
NAV = (
    ("首页", home()),
    ("政策清单", policy_list()),
    ("公示公告", disclosure_index()),
    ("村级公示", "diqu/"),
    ("个人查询", lookup_page()),
    ("办事指南", "banshi/"),
    ("制度文件", "wenjian/"),
    ("服务网点", services()),
    ("统计", stats()),
)
