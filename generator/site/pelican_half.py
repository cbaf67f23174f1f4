"""The disclosure half, rendered by pelican.

A pelican generator (DisclosureGenerator, registered through pelican's
get_generators signal) makes the payment batches articles (one per batch:
dated 公示开始, category = county, tag = programme), so pelican makes the
公示公告 index, county and programme listings, yearly archives and Atom feeds
of them as it does of files.  After them it renders the region tree (city →
county → township → village) with pelican's writer and theme; it stays out of
every menu.  No Markdown is written per record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import io
import locale
import logging
from collections import defaultdict
from pathlib import Path

from pelican import Pelican, signals
from pelican.contents import Article
from pelican.generators import ArticlesGenerator
from pelican.settings import read_settings
from pelican.urlwrappers import Category, Tag

from generator.checkcode import batch_check_code, policy_poster_check_code
from generator.parallel import fork_map
from generator.site.common import SITE_SRC, SiteData, batch_title, period_label, yk_context
from generator.writer import input_key
from huinong_core import urls
from huinong_core.models import PAID_STATUSES
from huinong_core.normalize import format_money
from huinong_core.notices import ANY
from huinong_core.regions import prefix
from huinong_core.version import CST

# Pelican's own ArticlesGenerator runs too, beside DisclosureGenerator, with no files to read.  Its
# outputs that it writes even without articles (the listings, the all-articles feed) are off in the
# settings given to pelican and on only in DisclosureGenerator's.
OUTPUTS = {"DIRECT_TEMPLATES": ["index", "tags", "categories", "archives"], "FEED_ALL_ATOM": "feeds/all.atom.xml"}


class Disclosure:
    """What the disclosure half shows, computed from the public view."""

    def __init__(self, sd: SiteData):
        self.sd, self.ds, self.ctx = sd, sd.ds, sd.ctx
        self.by_batch: dict[str, list] = defaultdict(list)
        self.by_village: dict[str, list] = defaultdict(list)
        for pb in self.ctx.view.batches:
            self.by_batch[pb.batch.batch_id].append(pb)
            self.by_village[pb.village].append(pb)
        self.by_village = dict(self.by_village)  # a plain dict: asking for a village adds none
        self.villages = set(self.by_village)  # villages with published lists
        # Every village has a page (its 政策清单 poster's QR code points there), with or without
        # published lists; a region's count is of all villages under it.
        self.village_count: dict[str, int] = defaultdict(int)
        for r in self.ds.regions.values():
            if r.level == "村":
                for a in sd.ancestors(r.code)[:-1]:
                    self.village_count[a.code] += 1
        # The batches each region's page is made of (its own and everything under it): its data version.
        self.batches_under: dict[str, set[str]] = defaultdict(set)
        for pb in self.ctx.view.batches:
            for a in sd.ancestors(pb.village):
                self.batches_under[a.code].add(pb.batch.batch_id)
        self.region_pages = 0
        self.batch_pages = 0  # one village's list in one batch: urls.village_batch

    def running(self, batch) -> bool:
        return batch.publicity_start <= self.ctx.today <= batch.publicity_end

    # ------------------------------------------------------------ articles
    def article(self, batch_id: str) -> tuple[dict, str]:
        """A batch's article: the variables of its facts and villages (templates _batch_facts.html and
        _batch_villages.html), and its summary."""
        pbs = self.by_batch[batch_id]
        b = pbs[0].batch
        policy = self.ds.policy_for(b.programme, b.year)
        paid = sum(pb.paid for pb in pbs)
        total = sum((pb.total for pb in pbs), start=type(pbs[0].total)(0))
        rows = []
        by_township: dict[str, list] = defaultdict(list)
        for pb in pbs:
            by_township[self.ds.regions[pb.village].parent or ""].append(pb)
        for t_code in sorted(by_township):
            t = self.ds.regions.get(t_code)
            for pb in by_township[t_code]:
                v = self.ds.regions[pb.village]
                rows.append({"township": t.name if t else "", "village": v.name, "path": urls.village_batch(v.code, b.batch_id),
                             "count": len(pb.rows), "paid": pb.paid, "total": format_money(pb.total)})
        variables = {"b": b, "policy_path": urls.policy_page(b.programme), "policy_name": policy.name if policy else b.programme,
                     "short_name": policy.short_name if policy else "", "period": period_label(b.period),
                     "status": "公示中" if self.running(b) else "公示已结束", "villages": len(pbs), "paid": paid,
                     "total": format_money(total), "rows": rows}
        summary = (f"{self.ds.regions[b.region].name}{policy.name if policy else b.programme}{period_label(b.period)}："
                   f"{len(pbs)} 个村（社区），已发放 {paid} 人次，合计 {format_money(total)} 元；公示期 "
                   f"{b.publicity_start.isoformat()} 至 {b.publicity_end.isoformat()}。")
        return variables, summary

    # ------------------------------------------------------------ region pages
    def batch_entry(self, pb, rows: bool = False) -> dict:
        """One village's list in one batch, for its index entry on the village page and, with
        rows, for its own page (urls.village_batch)."""
        b = pb.batch
        policy = self.ds.policy_for(b.programme, b.year)
        label = period_label(b.period)
        running = self.running(b)
        out = {
            "id": b.batch_id, "anchor": urls.batch_anchor(b.batch_id), "path": urls.village_batch(pb.village, b.batch_id),
            "year": b.year, "programme": b.programme, "name": policy.name if policy else b.programme, "period": label,
            # Within a year's group of the index: 第2季度, 上半年; a yearly batch is 年度.
            "short_period": label.removeprefix(f"{b.year}年").removeprefix("度") or "年度",
            "start": b.publicity_start.isoformat(), "end": b.publicity_end.isoformat(), "running": running,
            "phone": b.phone, "say_phone": say_phone(b.phone),
            "say_period": f"公示期从{say_date(b.publicity_start)}到{say_date(b.publicity_end)}，"
                          + ("正在公示" if running else "已经结束"),
            "count": len(pb.rows), "paid": pb.paid, "total": format_money(pb.total),
        }
        if rows:
            out.update(code=batch_check_code(pb), unit=policy.quantity_unit if policy else "",
                       failed=len(pb.rows) - pb.paid,
                       rows=[(r.seq, *r.text, r.status not in PAID_STATUSES) for r in pb.rows])
        return out

    def village_batches(self, code: str) -> list[dict]:
        """The village's batches, newest first (without their rows: those are on the batch pages)."""
        return [self.batch_entry(pb) for pb in sorted(self.by_village.get(code, ()), reverse=True,
                                                      key=lambda pb: (pb.batch.publicity_start, pb.batch.batch_id))]

    def write_regions(self, generator, writer) -> None:
        templates = {name: generator.get_template(name) for name in ("region", "village_batch")}
        levels = {"市": "县（市、区）", "县": "乡镇（街道）", "乡": "村（社区）"}
        roots = [r for r in self.ds.regions.values() if r.level == "市"]
        pages = [(r, self.sd.ancestors(r.code)) for r in self.ds.regions.values()
                 if r.level in ("市", "县", "村") or self.village_count.get(r.code)]
        # diqu/ itself is the first city (the sample is one city; a province lists its cities).
        top = roots[0] if len(roots) == 1 else None
        jobs = [job for region, chain in ([(top, [])] + pages if top else pages)
                if (job := self.region_job(generator, region, chain, levels,
                                           save_as="diqu/index.html" if chain == [] else None))]
        jobs += [job for region, chain in pages if region.level == "村"
                 for pb in sorted(self.by_village.get(region.code, ()), key=lambda pb: pb.batch.batch_id)
                 if (job := self.village_batch_job(generator, region, chain, pb))]
        # A province's 50,000 region pages, in one process per CPU; each writes its own file.
        # Jobs go to the workers by number: they hold the pages' variables already (forked).
        for _ in fork_map(_render_page, range(len(jobs)), (self, generator, writer, jobs, templates), chunksize=32):
            pass

    def _fresh(self, generator, path: str, kind: str, kw: dict, facts) -> bool:
        """False when the page is made of the same inputs as in the last build: then it is taken
        from it (Writer.reuse), not rendered."""
        yk = {k: v for k, v in generator.settings["YK"].items() if k != "version"}
        key = input_key(kind, path, yk, generator.settings["YK_PUBLISH_YEARS"], sorted(kw.items()), facts)
        if self.ctx.writer.reuse(self.ctx.site_path(path), key):
            return False
        self.ctx.writer.note_key(self.ctx.site_path(path), key)
        return True

    def region_job(self, generator, region, chain, levels, save_as=None) -> tuple[str, str, dict] | None:
        """(path, template, variables) of a region page to render; None when the last build's is taken."""
        ancestors = chain[:-1] if chain else []
        village = region.level == "村"
        children = [{"code": c.code, "name": c.name, "count": self.village_count.get(c.code, 0)}
                    for c in self.sd.children.get(region.code, [])
                    if c.level in ("县", "村") or self.village_count.get(c.code)]
        notices = self.ctx.notices.for_page(region.code, ANY)
        version = (self.ctx.version_of(sorted(self.batches_under[region.code]), [n.slug for n in notices])
                   if chain else self.ctx.version_of(everything=True))
        kw = dict(region=region, ancestors=ancestors, village=village, children=children,
                  yk_notice_list=notices, yk_page_version=version.label,
                  child_level=levels.get(region.level, ""), window=self.ctx.village_infos.window_for(region.code),
                  full_name=village_name(chain) if village else region.name)
        facts = None
        if village:
            kw.update(published=region.code in self.villages,
                      csv_path=urls.village_download(region.code, "csv"),
                      json_path=urls.village_download(region.code, "json"),
                      poster_path=urls.poster_township_index(region.code) + f"#v{region.code}",
                      policy_code=policy_poster_check_code(self.ctx.village_infos.of(region.code, self.ctx.today.year)),
                      say_site_phone=say_phone(generator.settings["YK"]["phone"]))
            # What the batch index is made of, without reading a record: each batch's files, policy, status.
            facts = [(pb.batch.batch_id, self.ctx.batch_key(pb.batch), self.ds.policy_for(pb.batch.programme, pb.batch.year),
                      self.running(pb.batch)) for pb in sorted(self.by_village.get(region.code, ()), key=lambda pb: pb.batch.batch_id)]
        path = save_as or urls.region_page(region.code) + "index.html"
        self.region_pages += 1
        return (path, "region", kw) if self._fresh(generator, path, "region", kw, facts) else None

    def village_batch_job(self, generator, region, chain, pb) -> tuple[str, str, dict] | None:
        """(path, template, variables) of one village's list in one batch; None when the last build's is taken."""
        b = pb.batch
        notices = self.ctx.notices.for_page(region.code, (b.programme,))
        kw = dict(region=region, ancestors=chain[:-1], full_name=village_name(chain), batch_id=b.batch_id,
                  yk_notice_list=notices, yk_page_version=self.ctx.version_of((b.batch_id,), [n.slug for n in notices]).label,
                  csv_path=urls.village_download(region.code, "csv"))
        facts = (b.batch_id, self.ctx.batch_key(b), self.ds.policy_for(b.programme, b.year), self.running(b))
        path = urls.village_batch(region.code, b.batch_id) + "index.html"
        self.batch_pages += 1
        return (path, "village_batch", kw) if self._fresh(generator, path, "village-batch", kw, facts) else None


def village_name(chain) -> str:
    """县 · 乡镇 · 村: a village's name with the names a villager knows it by (no city, no province)."""
    return " · ".join(a.name for a in chain if a.level in ("县", "乡", "村"))


def say_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def say_phone(phone: str) -> str:
    """A phone number for read-aloud: digit by digit (not "two million…"), a pause at the dash."""
    return "，".join(" ".join(part) for part in phone.split("-"))


def _render_page(shared: tuple, i: int) -> None:
    """Render page `i` (a region page or one village's list in one batch) with pelican's writer, in a
    worker of fork_map: a village's lists are read from the spill here."""
    build, generator, writer, jobs, templates = shared
    path, name, kw = jobs[i]
    if name == "village_batch":
        pb = next(pb for pb in build.by_village[kw["region"].code] if pb.batch.batch_id == kw["batch_id"])
        kw = {**kw, "b": build.batch_entry(pb, rows=True)}
    elif kw["village"]:
        batches = build.village_batches(kw["region"].code)
        years = sorted({b["year"] for b in batches}, reverse=True)
        # The index: per year, per programme (in the order of its newest batch), periods oldest first.
        index = []
        for y in years:
            groups: dict[str, list] = {}
            for b in batches:
                if b["year"] == y:
                    groups.setdefault(b["programme"], []).append(b)
            index.append((y, [(g[0]["name"], g[::-1]) for g in groups.values()]))
        kw = {**kw, "batches": batches, "index": index, "running": [b for b in batches if b["running"]]}
    writer.write_file(path, templates[name], generator.context.copy(), relative_urls=True,
                      url=path[:-len("index.html")], **kw)


class DisclosureGenerator(ArticlesGenerator):
    """The disclosure half as a pelican generator: the batches as articles (pelican lists them and
    makes their feeds), then the region tree (generate_output).

    The build comes in the settings of its own Pelican run (YK_DISCLOSURE, see settings_for), which
    pelican hands every generator it makes: no registry of builds to look one up in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.build: Disclosure = self.settings["YK_DISCLOSURE"]
        self.settings = {**self.settings, **OUTPUTS}
        self.context.update(OUTPUTS)  # the templates link the all-articles feed
        self._made: dict[str, Article] = {}

    def generate_context(self) -> None:
        self._made = {a.source_path: a for a in self._articles()}
        super().generate_context()

    # Pelican reads each article from a file (get_files) unless its cache has it (get_cached_data):
    # these are made from the build instead, and answered as from that cache.
    def get_files(self, paths, exclude=None, extensions=None) -> set[str]:
        return set(self._made)

    def get_cached_data(self, filename, default=None):
        return self._made.get(filename, default)

    def _articles(self) -> list[Article]:
        build, settings = self.build, self.settings
        facts, villages = self.get_template("_batch_facts"), self.get_template("_batch_villages")
        categories: dict[str, Category] = {}
        tags: dict[str, Tag] = {}
        articles = []
        for batch_id in sorted(build.by_batch):
            b = build.by_batch[batch_id][0].batch
            county = build.ds.regions[b.region]
            if county.code not in categories:
                categories[county.code] = Category(county.name, settings)
                categories[county.code].slug = prefix(county.code, "县")
            policy = build.ds.policy_for(b.programme, b.year)
            if b.programme not in tags:
                tags[b.programme] = Tag(build.sd.current(b.programme).name if b.programme in build.sd.programmes
                                        else b.programme, settings)
                tags[b.programme].slug = b.programme.lower()
            variables, summary = build.article(batch_id)
            path = urls.batch_page(batch_id)
            article = Article(facts.render(variables), metadata={
                "title": batch_title(build.ds, b), "date": dt.datetime.combine(b.publicity_start, dt.time(8), CST),
                "category": categories[county.code], "tags": [tags[b.programme]], "slug": batch_id,
                "summary": summary, "save_as": path + "index.html", "url": path,
                "batch_label": f"{policy.name if policy else b.programme}{period_label(b.period)}",
            }, settings=settings, source_path=f"virtual/{batch_id}.html", context=self.context)
            article.yk_order = (article.date, batch_id)  # ARTICLE_ORDER_BY: newest first, then by batch
            article.running = build.running(b)
            article.yk_notices = build.ctx.notices.for_page(b.region, (b.programme,))
            article.yk_version = build.ctx.version_of((batch_id,), [n.slug for n in article.yk_notices]).label
            article.village_table = villages.render(variables)  # on the page only (article.html), not in the feeds
            articles.append(article)
        return articles

    def generate_output(self, writer) -> None:
        super().generate_output(writer)
        self.build.write_regions(self, writer)


def _generators(pelican):
    """get_generators: the disclosure half for a Pelican run that carries a build (settings_for)."""
    return DisclosureGenerator if "YK_DISCLOSURE" in pelican.settings else None


def _feed_generated(context, feed) -> None:
    """Notices in force go at the top of the feeds in their scope (all, a county's, a programme's)."""
    board = context.get("YK_NOTICES") if isinstance(context, dict) else None
    if board is None or not board.active:
        return
    name = str(feed.feed.get("feed_url") or "").rsplit("/", 1)[-1]
    if name.startswith("xian-"):
        shown = board.for_county_slug(name[len("xian-"):].split(".")[0])
    elif name.startswith("xiangmu-"):
        shown = board.for_programme_slug(name[len("xiangmu-"):].split(".")[0])
    else:
        shown = board.everything()
    site_url = str(context.get("SITEURL", "")).rstrip("/")
    domain = site_url.split("://", 1)[-1].split("/", 1)[0] or "localhost"
    for n in reversed(shown):
        feed.add_item(
            title=f"【{n.level}】{n.title}", link=f"{site_url}/#tongzhi-{n.slug}",
            unique_id=f"tag:{domain},{n.start.date().isoformat()}:/tongzhi/{n.slug}",
            description=f"有效期：{n.period}；适用：{n.scope}", content=n.html,
            pubdate=n.start, updateddate=n.start, categories=["通知"],
        )
        feed.items.insert(0, feed.items.pop())


def register() -> None:
    """Pelican's entry to this plugin (PLUGINS, in settings_for); a receiver is connected once, however
    often pelican runs this."""
    signals.get_generators.connect(_generators)
    signals.feed_generated.connect(_feed_generated)


def settings_for(sd: SiteData, build: Disclosure, content: Path, out: Path) -> dict:
    yk = yk_context(sd.ctx)
    site_url = sd.ctx.site_url.rstrip("/")
    publish_years = sd.ds.site.publish_years if sd.ds.site else 3
    return {
        "PATH": str(content), "OUTPUT_PATH": str(out), "THEME": str(SITE_SRC / "pelican"),
        "THEME_TEMPLATES_OVERRIDES": [str(SITE_SRC / "overrides")], "THEME_STATIC_PATHS": [],
        "STATIC_PATHS": [], "PAGE_PATHS": [], "ARTICLE_PATHS": [""], "PLUGINS": [__import__(__name__, fromlist=["x"])],
        # SITEURL is absolute for the feeds; every page gets a relative one (RELATIVE_URLS).
        "SITENAME": yk["site_name"], "SITEURL": site_url, "RELATIVE_URLS": True, "FEED_DOMAIN": site_url,
        "TIMEZONE": "Asia/Shanghai", "DEFAULT_LANG": "zh", "LOCALE": ("C",), "DEFAULT_DATE_FORMAT": "%Y-%m-%d",
        "YK": yk, "YK_DISCLOSURE": build, "YK_NOTICES": sd.ctx.notices, "YK_PUBLISH_YEARS": publish_years,
        "DEFAULT_PAGINATION": 50, "PAGINATED_TEMPLATES": {"index": None, "category": None, "tag": None},
        "PAGINATION_PATTERNS": [(1, "{url}", "{save_as}"), (2, "{base_name}/{number}/", "{base_name}/{number}/index.html")],
        "INDEX_SAVE_AS": "gongshi/index.html", "INDEX_URL": "gongshi/",
        "ARTICLE_URL": "gongshi/{slug}/", "ARTICLE_SAVE_AS": "gongshi/{slug}/index.html",
        "CATEGORY_URL": "gongshi/xian/{slug}/", "CATEGORY_SAVE_AS": "gongshi/xian/{slug}/index.html",
        "CATEGORIES_SAVE_AS": "gongshi/xian/index.html", "CATEGORIES_URL": "gongshi/xian/",
        "TAG_URL": "gongshi/xiangmu/{slug}/", "TAG_SAVE_AS": "gongshi/xiangmu/{slug}/index.html",
        "TAGS_SAVE_AS": "gongshi/xiangmu/index.html", "TAGS_URL": "gongshi/xiangmu/",
        "ARCHIVES_SAVE_AS": "gongshi/guidang/index.html", "ARCHIVES_URL": "gongshi/guidang/",
        "YEAR_ARCHIVE_SAVE_AS": "gongshi/{date:%Y}/index.html", "YEAR_ARCHIVE_URL": "gongshi/{date:%Y}/",
        "MONTH_ARCHIVE_SAVE_AS": "", "DAY_ARCHIVE_SAVE_AS": "",
        "AUTHOR_SAVE_AS": "", "AUTHORS_SAVE_AS": "", "DRAFT_SAVE_AS": "", "DRAFT_PAGE_SAVE_AS": "",
        "PAGE_SAVE_AS": "", "ARTICLE_LANG_SAVE_AS": "", "PAGE_LANG_SAVE_AS": "",
        "DIRECT_TEMPLATES": [], "FEED_ALL_ATOM": None,  # OUTPUTS: on in DisclosureGenerator only
        "ARTICLE_ORDER_BY": "reversed-yk_order",
        "CATEGORY_FEED_ATOM": "feeds/xian-{slug}.atom.xml",
        "TAG_FEED_ATOM": "feeds/xiangmu-{slug}.atom.xml", "FEED_ALL_RSS": None, "CATEGORY_FEED_RSS": None,
        "TRANSLATION_FEED_ATOM": None, "AUTHOR_FEED_ATOM": None, "AUTHOR_FEED_RSS": None,
        "FEED_MAX_ITEMS": 100, "RSS_FEED_SUMMARY_ONLY": True,
        "CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False, "DELETE_OUTPUT_DIRECTORY": False, "LOG_FILTER": [],
        "JINJA_FILTERS": {"yk_escape": html.escape, "yk_version": lambda articles: sd.ctx.version_of(
            sorted(a.slug for a in articles), [n.slug for n in sd.ctx.dataset.notices]).label},
        "SLUGIFY_SOURCE": "basename", "MENUITEMS": [], "DISPLAY_PAGES_ON_MENU": False,
        "DISPLAY_CATEGORIES_ON_MENU": False, "OUTPUT_SOURCES": False,
    }


def build_disclosure_half(sd: SiteData, work: Path) -> tuple[Path, Disclosure]:
    content, out = work / "pelican-content", work / "pelican"
    content.mkdir()
    out.mkdir()
    build = Disclosure(sd)
    log = logging.getLogger("pelican")
    level = log.level
    saved_locale = locale.setlocale(locale.LC_ALL)  # pelican sets LOCALE process-wide; give it back after
    log.setLevel(logging.ERROR)  # pelican's progress chatter is not for staff; errors still show
    try:
        settings = read_settings(override=settings_for(sd, build, content, out))
        with contextlib.redirect_stdout(io.StringIO()):
            Pelican(settings).run()
    finally:
        locale.setlocale(locale.LC_ALL, saved_locale)
        log.setLevel(level)
    return out, build
