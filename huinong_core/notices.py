"""Urgent notices (data/notices/*.md): which are in force, and which pages show them.

A notice is in force from 开始 up to (not including) 结束, judged at build time;
the pipeline rebuilds on a schedule so a notice comes and goes without a commit,
and a small script hides a banner whose 结束 has passed on a page built earlier.
The lookup API judges the same notices at request time (they are in lookup.sqlite).

Scope: no 区划代码 and no 项目编码 is the whole site.  Otherwise a page shows the
notice when both parts that are set match the page:

* 区划代码: the page is about one of those regions or a region under it;
* 项目编码: the page is about one of those programmes.

A page is described by its region and its programmes, each either a value,
``ANY`` (the page covers them all: the home page, 公示公告, a programme's page
is about every region) or ``None`` (the page is about none: 制度文件, 统计 …,
which show only whole-site notices).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from huinong_core.models import Dataset, Notice
from huinong_core.regions import full_code, within

ANY = "*"
_LEVEL_ORDER = {"紧急": 0, "提示": 1}


def order(level: str, start: dt.datetime, slug: str) -> tuple:
    """Urgent first, then the newest."""
    return (_LEVEL_ORDER.get(level, 9), -start.timestamp(), slug)


def applies(regions: Iterable[str], programmes: Iterable[str], page_region, page_programmes) -> bool:
    """Does a notice scoped to (regions, programmes) belong on a page about (page_region, page_programmes)?"""
    regions, programmes = tuple(regions), tuple(programmes)
    if regions:
        if page_region is None:
            return False
        if page_region != ANY and not any(within(page_region, r) for r in regions):
            return False
    if programmes:
        if page_programmes is None:
            return False
        if page_programmes != ANY and not set(programmes) & set(page_programmes):
            return False
    return True


def _time_label(when: dt.datetime, end: bool = False) -> str:
    if when.time() == dt.time():
        return (when.date() - dt.timedelta(days=1) if end else when.date()).isoformat()
    return when.strftime("%Y-%m-%d %H:%M")


def body_html(markdown_text: str) -> str:
    """Staff Markdown to HTML; raw HTML in the source is shown as text, never passed through."""
    import markdown

    return markdown.markdown(html.escape(markdown_text, quote=False), output_format="html")


def scope_label(ds: Dataset, n: Notice) -> str:
    regions = "、".join(ds.regions[c].name if c in ds.regions else c for c in n.regions) or "全部地区"
    names = {p.code: p.name for p in sorted(ds.policies, key=lambda p: p.start_year)}  # the latest name wins
    programmes = "、".join(names.get(c, c) for c in n.programmes) or "全部项目"
    return f"{regions} · {programmes}"


@dataclass(frozen=True)
class Shown:
    """A notice as templates, feeds and the lookup database need it."""

    slug: str
    title: str
    level: str
    html: str
    period: str  # 2026-11-20 08:00 至 2026-11-30
    start: dt.datetime
    end: dt.datetime
    scope: str
    regions: tuple[str, ...]
    programmes: tuple[str, ...]

    @property
    def end_iso(self) -> str:
        return self.end.isoformat()

    @property
    def urgent(self) -> bool:
        return self.level == "紧急"

    @property
    def text(self) -> str:
        """The body as plain text (for scripts that insert text only)."""
        paragraphs = re.split(r"</(?:p|li|h\d|blockquote|pre)>", self.html)
        return "\n".join(t for t in (html.unescape(re.sub(r"<[^>]+>", "", p)).strip() for p in paragraphs) if t)


def shown(ds: Dataset, n: Notice) -> Shown:
    return Shown(n.slug, n.title, n.level, body_html(n.body),
                 f"{_time_label(n.start)} 至 {_time_label(n.end, end=True)}", n.start, n.end,
                 scope_label(ds, n), n.regions, n.programmes)


class NoticeBoard:
    """The notices in force at one moment, and the ones a page shows."""

    def __init__(self, ds: Dataset, at: dt.datetime):
        self.at = at
        active = [n for n in ds.notices if n.in_force(at)]
        active.sort(key=lambda n: order(n.level, n.start, n.slug))
        self.active = [shown(ds, n) for n in active]
        future = [t for n in ds.notices for t in (n.start, n.end) if t > at]
        #: When the set of notices in force changes next (a rebuild is due then), or None.
        self.next_change: dt.datetime | None = min(future) if future else None

    def for_page(self, region=None, programmes=None) -> list[Shown]:
        if isinstance(programmes, str) and programmes != ANY:
            programmes = (programmes,)
        return [s for s in self.active if applies(s.regions, s.programmes, region, programmes)]

    def everything(self) -> list[Shown]:
        """The home page, 公示公告 and the site-wide feed list every notice in force."""
        return list(self.active)

    def site_wide(self) -> list[Shown]:
        return self.for_page(None, None)

    def for_county_slug(self, slug: str) -> list[Shown]:
        """Pelican's county category (slug = the county's 6-digit code)."""
        return self.for_page(full_code(slug), ANY)

    def for_programme_slug(self, slug: str) -> list[Shown]:
        """Pelican's programme tag (slug = the 项目编码 in lower case)."""
        return self.for_page(ANY, (slug.upper(),))
